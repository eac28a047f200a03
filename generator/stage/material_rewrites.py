"""Exact texts of Material's own templates replaced as the theme's loader reads them.

The plugins that render the same HTML once for many pages (:mod:`generator.stage.nav_items`,
:mod:`generator.stage.theme_parts`) change a few calls in Material's templates into calls of their own globals.
A rewrite (a replacement, or a block's body wrapped in a call) applies only to Material's own file (not to a
project's override of it), only where its text is found exactly once, and only when the templates it relies on
are Material's own too; anything else (another Material version, an override) is left as it is, and those
templates render as without the plugin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import material

MATERIAL_TEMPLATES = (Path(material.__file__).parent / "templates").resolve()


@dataclass(frozen=True)
class Replacement:
    """``old`` (found exactly once in the template) becomes ``new``, when every template in ``requires`` is
    Material's own and its own rewrites apply."""

    old: str
    new: str
    requires: tuple[str, ...] = ()

    def apply(self, source: str) -> str | None:
        """``source`` with the replacement made, or None when ``old`` is not in it exactly once."""
        return source.replace(self.old, self.new) if source.count(self.old) == 1 else None


@dataclass(frozen=True)
class BlockCall:
    """The body of ``{% block <name> %}`` (found exactly once, with no block inside it) wrapped in ``{% call
    <call> %}…{% endcall %}``, so that the global ``call`` names decides whether to render it (``caller()``)."""

    name: str
    call: str
    requires: tuple[str, ...] = ()

    def apply(self, source: str) -> str | None:
        """``source`` with the block's body wrapped, or None when the block is not there as described."""
        tag = f"{{% block {self.name} %}}"
        if source.count(tag) != 1:
            return None
        start = source.index(tag) + len(tag)
        end = source.find("{% endblock %}", start)
        if end < 0 or "{% block " in source[start:end]:
            return None
        return f"{source[:start]}{{% call {self.call} %}}{source[start:end]}{{% endcall %}}{source[end:]}"


Rewrite = Replacement | BlockCall


class MaterialRewrites(jinja2.BaseLoader):
    """The theme's loader ``inner``, with ``rewrites`` (template → its replacements) made in Material's own
    templates; ``changed`` holds the templates where at least one was made."""

    def __init__(self, inner: jinja2.BaseLoader, rewrites: dict[str, tuple[Rewrite, ...]]) -> None:
        self.inner = inner
        self.rewrites = rewrites
        self.changed: set[str] = set()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None,
                                                                                     Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        source, made = self._rewritten(environment, template, source, filename)
        if made:
            self.changed.add(template)
        return source, filename, uptodate

    def material_own(self, environment: jinja2.Environment, template: str) -> bool:
        """Whether ``template`` is Material's own file, and each of its rewrites applies."""
        try:
            source, filename, _ = self.inner.get_source(environment, template)
        except jinja2.TemplateNotFound:
            return False
        return is_material(template, filename) and \
            self._rewritten(environment, template, source, filename)[1] == len(self.rewrites.get(template, ()))

    def _rewritten(self, environment: jinja2.Environment, template: str, source: str,
                   filename: str | None) -> tuple[str, int]:
        """``source`` with the template's rewrites that apply made, and how many they were."""
        rewrites = self.rewrites.get(template, ())
        if not rewrites or not is_material(template, filename):
            return source, 0
        made = 0
        for rewrite in rewrites:
            if all(self.material_own(environment, name) for name in rewrite.requires):
                changed = rewrite.apply(source)
                if changed is not None:
                    source, made = changed, made + 1
        return source, made

    def load(self, environment: jinja2.Environment, name: str, globals: Any = None) -> jinja2.Template:  # noqa: A002
        if name in self.rewrites:
            return super().load(environment, name, globals)
        return self.inner.load(environment, name, globals)  # the inner loader's own way (raw fragments)

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def is_material(template: str, filename: str | None) -> bool:
    """Whether ``filename``, loaded as ``template``, is Material's own file of that name (not an override)."""
    return filename is not None and Path(filename).resolve() == MATERIAL_TEMPLATES / template
