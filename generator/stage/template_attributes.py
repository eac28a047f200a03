"""Jinja's ``obj.name`` in the theme's templates, looked up without raising exceptions for what is not there.

Material's navigation template asks every nav item it renders for attributes only some kinds of item have
(``nav_item.typeset``, ``nav_item.meta``, ``item.is_index`` of each child of a section, ...). Jinja's
``Environment.getattr`` tries ``getattr(obj, name)``, catches the ``AttributeError``, tries ``obj[name]``,
catches the ``TypeError``, and returns an undefined value: two exceptions per miss, and one per key of a
dict (``page.meta.x``, ``config.extra.x``). That was 9 % of the MkDocs phase of the L benchmark portal's
build (py-spy, self time). :class:`TemplateAttributes` gives the build's template environment a ``getattr``
with the same results, which asks ``getattr`` with a default (no exception), and tries ``obj[name]`` only
when ``obj``'s type has a ``__getitem__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jinja2
from mkdocs.plugins import BasePlugin

from generator.render.escaping import JINJA_OPTIMIZER

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/template-attributes"
_MISSING = object()


def attribute_lookup(environment: jinja2.Environment) -> Any:
    """``environment.getattr`` as Jinja 3.1 defines it (the attribute, else the item, else undefined)."""
    undefined = environment.undefined

    def lookup(obj: Any, attribute: str) -> Any:
        value = getattr(obj, attribute, _MISSING)  # an AttributeError, even a property's, is a miss, as in Jinja
        if value is not _MISSING:
            return value
        if isinstance(obj, type) or getattr(type(obj), "__getitem__", None) is not None:
            try:
                return obj[attribute]
            except (TypeError, LookupError, AttributeError):
                pass
        return undefined(obj=obj, name=attribute)

    return lookup


class TemplateAttributes(BasePlugin):
    """Has the build's template environment look attributes up with :func:`attribute_lookup`, and compile the
    theme's templates without Jinja's optimizer (see :data:`generator.render.escaping.JINJA_OPTIMIZER`: all but one
    of Material's templates compile to the same code, about 12 % faster)."""

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        if type(env).getattr is jinja2.Environment.getattr:  # not a sandbox, whose lookups are its checks
            env.getattr = attribute_lookup(env)
        env.optimized = JINJA_OPTIMIZER
        return env
