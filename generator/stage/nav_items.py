"""Material's navigation items that the rendered page is not in, rendered once for many pages.

Every page of the site renders the navigation: Material's ``partials/nav-item.html`` macro, once per item the
page shows (28 on an API page of the M benchmark portal; 23,000 calls and about 15 % of its MkDocs phase). An
item the page is not in (neither the page nor a section above it) renders the same HTML on many pages:

* a link to another page (or out of the site) is ``<li class="md-nav__item"><a href="…" …>…</a></li>``, the
  same for every page that reaches it by the same relative URL: it is kept per (item, relative URL);
* a section the page is not in (pruned to its first link, or expanded, as the theme's features say) depends on
  its place in the navigation (the macro's ``path`` and ``level``, whether its parent is active) and on the
  URL its links are made relative to. MkDocs makes a link relative to the page's folder, so two pages whose
  folders have the same parent and depth give every link the same URL, unless it leads into one of those
  folders: it is kept per (section, place, that parent and depth), or per the page's own folder when a page of
  the section is in it.

:class:`NavItems` has the build's template environment render such an item once per key and use its HTML again;
the page itself, the sections above it and anything Material's blog adds are rendered by the macro as before.
It changes two call sites of the macro (in Material's ``partials/nav-item.html`` and ``partials/nav.html``) into a
call of ``devportal_nav_item`` with the macro as an argument; a template that is not Material's own (a project's
override) or does not have these exact calls (another Material version) is left as it is, and nothing is
reused there. Rendering the M portal's pages took 6 % less CPU (3.91 → 3.67 s), for the same site byte for byte.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
import material
from mkdocs.plugins import BasePlugin

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/nav-items"
GLOBAL = "devportal_nav_item"
MATERIAL_TEMPLATES = (Path(material.__file__).parent / "templates").resolve()
#: template → (the macro's call, the same call through :data:`GLOBAL`)
CALLS = {
    "partials/nav-item.html": ('{{ render(item, path ~ "_" ~ loop.index, level + 1, nav_item) }}',
                               f'{{{{ {GLOBAL}(render, item, path ~ "_" ~ loop.index, level + 1, nav_item) }}}}'),
    "partials/nav.html": ("{{ item.render(nav_item, path, 1) }}",
                          f"{{{{ {GLOBAL}(item.render, nav_item, path, 1) }}}}"),
}


class _CallsThrough(jinja2.BaseLoader):
    """The theme's loader, with :data:`CALLS` changed in the two templates that have them exactly once."""

    def __init__(self, inner: jinja2.BaseLoader) -> None:
        self.inner = inner
        self.changed: set[str] = set()

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None,
                                                                                     Callable[[], bool] | None]:
        source, filename, uptodate = self.inner.get_source(environment, template)
        call = CALLS.get(template)
        if call is not None and source.count(call[0]) == 1 and filename is not None and \
                Path(filename).resolve() == MATERIAL_TEMPLATES / template:  # Material's own, not an override
            source = source.replace(*call)
            self.changed.add(template)
        return source, filename, uptodate

    def load(self, environment: jinja2.Environment, name: str, globals: Any = None) -> jinja2.Template:  # noqa: A002
        if name in CALLS:
            return super().load(environment, name, globals)
        return self.inner.load(environment, name, globals)  # the inner loader's own way (raw fragments)

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


class NavItems(BasePlugin):
    """Renders each navigation item the page is not in once per key (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered: dict[tuple, tuple[Any, Any]] = {}  # an item's key → (the item, its HTML)
        self.prefixes: dict[int, tuple[Any, frozenset[tuple[str, ...]] | None]] = {}  # section → its URLs' prefixes
        self.reused = 0  # items whose HTML was rendered before
        self.calls_through: set[str] = set()  # the templates whose calls of the macro come here

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self.rendered.clear()
        self.prefixes.clear()
        env.loader = loader = _CallsThrough(env.loader)
        self.calls_through = loader.changed
        env.globals[GLOBAL] = self._item
        return env

    @jinja2.pass_context
    def _item(self, context: jinja2.runtime.Context, render: Callable[..., Any], item: Any, *args: Any) -> Any:
        """``render(item, *args)``: Material's macro, or the HTML it gave an item of the same key before."""
        if getattr(item, "active", True) or getattr(item, "pages", None) is not None:
            return render(item, *args)  # the page or above it; an item of Material's blog
        if getattr(item, "children", None):
            key = self._section_key(item, context.get("page"), args)
        else:
            url = getattr(item, "url", None)
            key = None if not isinstance(url, str) else (id(item), context.environment.filters["url"](context, url))
        if key is None:
            return render(item, *args)
        kept = self.rendered.get(key)
        if kept is None:
            kept = self.rendered[key] = (item, render(item, *args))  # the item kept: its id stays its own
        else:
            self.reused += 1
        return kept[1]

    def _section_key(self, section: Any, page: Any, args: tuple[Any, ...]) -> tuple | None:
        """What the HTML of a section the page is not in depends on: the section, its place (``path``, ``level``,
        whether its parent is active), and the URL its links are relative to: two pages whose URLs have the same
        parent folder and depth give every link the same relative URL, unless it leads into one of them."""
        url = getattr(page, "url", None)
        inside = self._prefixes(section)
        if not isinstance(url, str) or inside is None or len(args) not in (2, 3):
            return None
        base = _base_parts(url)
        where = (base,) if not base or base in inside else (base[:-1], len(base))
        parent = bool(getattr(args[2], "active", False)) if len(args) == 3 else None
        return id(section), args[0], args[1], parent, where

    def _prefixes(self, section: Any) -> frozenset[tuple[str, ...]] | None:
        """Every prefix of the URL of every page in ``section`` (as :func:`_base_parts` splits it), or ``None`` when
        it holds anything but pages, sections and links out of the site (whose URLs no page changes)."""
        if id(section) not in self.prefixes:
            prefixes: set[tuple[str, ...]] = set()
            stack, known = list(section.children), True
            while stack and known:
                item = stack.pop()
                url = getattr(item, "url", None)
                if getattr(item, "children", None):
                    stack.extend(item.children)
                elif getattr(item, "is_page", False) and isinstance(url, str) and getattr(item, "pages", None) is None:
                    parts = _base_parts(url, file_names=False)
                    prefixes.update(parts[:n] for n in range(len(parts) + 1))
                elif not (getattr(item, "is_link", False) and isinstance(url, str)
                          and (urlsplit(url).scheme or urlsplit(url).netloc)):
                    known = False
            self.prefixes[id(section)] = (section, frozenset(prefixes) if known else None)
        return self.prefixes[id(section)][1]


@functools.lru_cache(maxsize=4096)
def _base_parts(url: str, *, file_names: bool = True) -> tuple[str, ...]:
    """``url``'s path segments as MkDocs' ``get_relative_url`` reads them: normalized and, when ``url`` is the
    page the others are made relative to (``file_names``), without a last segment that names a file."""
    if file_names:
        folder, _, name = url.rpartition("/")
        url = folder if "." in name else url
    path = posixpath.normpath("/" + url)[1:]
    return tuple(path.split("/")) if path else ()
