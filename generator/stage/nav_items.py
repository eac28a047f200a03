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

The sections the page is in (from the top of the navigation down to the page's own section) are rendered once
for every page of that section which no other page's URL is below (``a/b/p/`` when nothing is at ``a/b/p/…``),
per parent folder and depth of its URL: for those pages every link in these sections has the same relative URL,
and only the page's own item differs (it is active, with the page's table of contents). The first such page
renders them with a mark in place of each page of its section; every page of the group then joins the text
between the marks with those pages' items, its own rendered by the macro as the active one.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup
from mkdocs.plugins import BasePlugin

from generator.stage.material_rewrites import MaterialRewrites, Replacement

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/nav-items"
GLOBAL = "devportal_nav_item"
#: template → the macro's call, as the same call through :data:`GLOBAL`
CALLS = {
    "partials/nav-item.html": (Replacement(
        '{{ render(item, path ~ "_" ~ loop.index, level + 1, nav_item) }}',
        f'{{{{ {GLOBAL}(render, item, path ~ "_" ~ loop.index, level + 1, nav_item) }}}}'),),
    "partials/nav.html": (Replacement("{{ item.render(nav_item, path, 1) }}",
                                      f"{{{{ {GLOBAL}(item.render, nav_item, path, 1) }}}}"),),
}


#: What stands for a page of the page's own section in the recorded HTML of the sections it is in (no HTML has it).
MARK = "\x00devportal-nav-page\x00"


@dataclass
class _Slot:
    """A page of the section a group of pages is in, where the recorded HTML has a :data:`MARK`: the macro's
    arguments for it, and its HTML as an item the page is not (once a page of the group needed it)."""

    item: Any
    args: tuple[Any, ...]
    html: str | None = None


@dataclass
class _Chain:
    """The HTML of the sections a group of pages is in, cut at each of their section's pages (:class:`_Slot`)."""

    section: Any  # the top section, kept alive so that its id stays its own
    segments: list[str]
    slots: list[_Slot]


@dataclass
class _Recording:
    """The slots of ``section`` met while the first page of a group renders the sections it is in."""

    section: Any
    page: Any
    slots: list[_Slot] = field(default_factory=list)
    page_html: str = ""


class NavItems(BasePlugin):
    """Renders each navigation item the page is not in once per key, and the sections it is in once per group of
    pages (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.rendered: dict[tuple, tuple[Any, Any]] = {}  # an item's key → (the item, its HTML)
        self.prefixes: dict[int, tuple[Any, frozenset[tuple[str, ...]] | None]] = {}  # section → its URLs' prefixes
        self.chains: dict[tuple, _Chain | None] = {}  # a group's key → its sections' HTML (None: not reusable)
        self.reused = 0  # items whose HTML was rendered before
        self.chains_reused = 0  # pages whose sections' HTML was rendered for another page
        self.calls_through: set[str] = set()  # the templates whose calls of the macro come here
        self._below: frozenset[tuple[str, ...]] | None = None  # what a page's URL must not be (see _chain_key)
        self._below_known = False
        self._recording: _Recording | None = None

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self.rendered.clear()
        self.prefixes.clear()
        self.chains.clear()
        self._below, self._below_known = None, False
        env.loader = loader = MaterialRewrites(env.loader, CALLS)
        self.calls_through = loader.changed
        env.globals[GLOBAL] = self._item
        return env

    @jinja2.pass_context
    def _item(self, context: jinja2.runtime.Context, render: Callable[..., Any], item: Any, *args: Any) -> Any:
        """``render(item, *args)``: Material's macro, or the HTML it gave an item of the same key before."""
        if getattr(item, "pages", None) is not None:
            return render(item, *args)  # an item of Material's blog
        recording = self._recording
        if recording is not None and getattr(item, "parent", None) is recording.section and \
                getattr(item, "is_page", False) and len(args) == 3:
            return self._slot(recording, render, item, args)
        if getattr(item, "active", True):
            if recording is None and len(args) == 2 and getattr(item, "children", None):
                return self._sections(context, render, item, args)  # from the top: the sections the page is in
            return render(item, *args)  # the page or above it
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

    def _sections(self, context: jinja2.runtime.Context, render: Callable[..., Any], section: Any,
                  args: tuple[Any, ...]) -> Any:
        """The HTML of ``section`` (the top one the page is in) and the sections below it that the page is in:
        recorded by the first page of the group, joined with each page's own item for the others."""
        page = context.get("page")
        key = self._chain_key(context, page, section, args)
        if key is None:
            return render(section, *args)
        chain = self.chains.get(key, False)
        if chain is None:
            return render(section, *args)
        if chain is not False:
            self.chains_reused += 1
            return Markup(self._join(chain, page, render))
        recording = self._recording = _Recording(section=page.parent, page=page)
        try:
            html = str(render(section, *args))
        finally:
            self._recording = None
        segments = html.split(MARK)
        if len(segments) != len(recording.slots) + 1 or sum(slot.item is page for slot in recording.slots) != 1:
            self.chains[key] = None  # the page is not one of its section's items (an index page): not reused
            return render(section, *args)
        self.chains[key] = chain = _Chain(section, segments, recording.slots)
        return Markup(self._join(chain, page, render, recording.page_html))

    def _slot(self, recording: _Recording, render: Callable[..., Any], item: Any, args: tuple[Any, ...]) -> Any:
        """A page of the recorded section: its HTML kept (the page's own apart), a mark in its place."""
        html = str(render(item, *args))
        if item is recording.page:
            recording.slots.append(_Slot(item, args))
            recording.page_html = html
        else:
            recording.slots.append(_Slot(item, args, html))
        return Markup(MARK)

    @staticmethod
    def _join(chain: _Chain, page: Any, render: Callable[..., Any], page_html: str | None = None) -> str:
        parts = [chain.segments[0]]
        for slot, segment in zip(chain.slots, chain.segments[1:], strict=True):
            if slot.item is page:
                parts.append(page_html if page_html is not None else str(render(slot.item, *slot.args)))
            else:
                if slot.html is None:  # the page that recorded the chain, now an item another page is not
                    slot.html = str(render(slot.item, *slot.args))
                parts.append(slot.html)
            parts.append(segment)
        return "".join(parts)

    def _chain_key(self, context: jinja2.runtime.Context, page: Any, section: Any,
                   args: tuple[Any, ...]) -> tuple | None:
        """What the HTML of the sections ``page`` is in depends on, beside the page's own item: the top section and
        its place, the page's section, and the parent folder and depth of the page's URL, when no page's URL is
        below the page's (then the page's URL is the only one its links differ on from a sibling's). ``None`` for
        a page elsewhere (the home page, an index page, a page outside the navigation, a file URL), or a
        navigation with a link relative to the site, which only this module's users would have to check."""
        url = getattr(page, "url", None)
        if not isinstance(url, str) or getattr(page, "parent", None) is None or not getattr(page, "is_page", False) \
                or getattr(page, "is_index", True):
            return None
        below = self._below_pages(context.get("nav"))
        base = _base_parts(url)
        if below is None or not base or base in below:
            return None
        return id(section), args, id(page.parent), base[:-1], len(base)

    def _below_pages(self, nav: Any) -> frozenset[tuple[str, ...]] | None:
        """Every URL (as :func:`_base_parts` splits it) that some page of ``nav`` has below it; ``None`` when the
        navigation has an item other than pages, sections and links out of the site."""
        if not self._below_known:
            self._below = _url_prefixes(getattr(nav, "items", None) or [], own=False) if nav is not None else None
            self._below_known = True
        return self._below

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
            self.prefixes[id(section)] = (section, _url_prefixes(section.children, own=True))
        return self.prefixes[id(section)][1]


def _url_prefixes(items: list[Any], *, own: bool) -> frozenset[tuple[str, ...]] | None:
    """The prefixes of the URL of every page among ``items`` and the sections below them (as :func:`_base_parts`
    splits it; ``own``: each URL itself too), or ``None`` when they hold anything but pages, sections and links
    out of the site (whose URLs no page changes)."""
    prefixes: set[tuple[str, ...]] = set()
    stack = list(items)
    while stack:
        item = stack.pop()
        url = getattr(item, "url", None)
        if getattr(item, "children", None):
            stack.extend(item.children)
        elif getattr(item, "is_page", False) and isinstance(url, str) and getattr(item, "pages", None) is None:
            parts = _base_parts(url, file_names=False)
            prefixes.update(parts[:n] for n in range(len(parts) + (1 if own else 0)))
        elif not (getattr(item, "is_link", False) and isinstance(url, str)
                  and (urlsplit(url).scheme or urlsplit(url).netloc)):
            return None
    return frozenset(prefixes)


@functools.lru_cache(maxsize=4096)
def _base_parts(url: str, *, file_names: bool = True) -> tuple[str, ...]:
    """``url``'s path segments as MkDocs' ``get_relative_url`` reads them: normalized and, when ``url`` is the
    page the others are made relative to (``file_names``), without a last segment that names a file."""
    if file_names:
        folder, _, name = url.rpartition("/")
        url = folder if "." in name else url
    path = posixpath.normpath("/" + url)[1:]
    return tuple(path.split("/")) if path else ()
