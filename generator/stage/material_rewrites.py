"""Exact texts of Material's own templates replaced as the theme's loader reads them.

The plugins that render the same HTML once for many pages (:mod:`generator.stage.nav_items`,
:mod:`generator.stage.theme_parts`) change a few calls in Material's templates into calls of their own globals.
A replacement applies only to Material's own file (not to a project's override of it), only where its text is
found exactly once, and only when the templates it relies on are Material's own too; anything else (another
Material version, an override) is left as it is, and those templates render as without the plugin.
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
    Material's own and its own replacements apply."""

    old: str
    new: str
    requires: tuple[str, ...] = ()


class MaterialRewrites(jinja2.BaseLoader):
    """The theme's loader ``inner``, with ``rewrites`` (template → its replacements) made in Material's own
    templates; ``changed`` holds the templates where at least one was made."""

    def __init__(self, inner: jinja2.BaseLoader, rewrites: dict[str, tuple[Replacement, ...]]) -> None:
        self.inner = inner
        self.rewrites = rewrites
        self.changed: set[str] = set()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None,
                                                                                     Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        replacements = self._applying(environment, template, source, filename)
        for replacement in replacements:
            source = source.replace(replacement.old, replacement.new)
        if replacements:
            self.changed.add(template)
        return source, filename, uptodate

    def material_own(self, environment: jinja2.Environment, template: str) -> bool:
        """Whether ``template`` is Material's own file, and each of its replacements applies."""
        try:
            source, filename, _ = self.inner.get_source(environment, template)
        except jinja2.TemplateNotFound:
            return False
        return _is_material(template, filename) and \
            len(self._applying(environment, template, source, filename)) == len(self.rewrites.get(template, ()))

    def _applying(self, environment: jinja2.Environment, template: str, source: str,
                  filename: str | None) -> list[Replacement]:
        replacements = self.rewrites.get(template, ())
        if not replacements or not _is_material(template, filename):
            return []
        return [replacement for replacement in replacements if source.count(replacement.old) == 1 and
                all(self.material_own(environment, name) for name in replacement.requires)]

    def load(self, environment: jinja2.Environment, name: str, globals: Any = None) -> jinja2.Template:  # noqa: A002
        if name in self.rewrites:
            return super().load(environment, name, globals)
        return self.inner.load(environment, name, globals)  # the inner loader's own way (raw fragments)

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def _is_material(template: str, filename: str | None) -> bool:
    return filename is not None and Path(filename).resolve() == MATERIAL_TEMPLATES / template
