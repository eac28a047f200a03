"""Parts of Material's page template that are the same HTML on many pages, rendered once for them.

* **Translations.** Material's ``base.html`` imports ``partials/language.html`` with the page's context on every
  page, and each ``lang.t(key)`` call (about thirty a page) builds the language's whole table of translations
  to look one up. The text depends on the key and the configured language only (Material's ``language.html``
  reads nothing but ``config``): each is computed once per build.
* **The header.** ``partials/header.html`` (logo, title, palette toggle, search box, repo link) reads nothing
  of the page but its title and, through MkDocs' ``url`` filter, the page's URL. It is rendered with a mark
  for the title, recording what it passed to the ``url`` filter; a page whose ``url`` filter gives the same
  URLs for those values gets that HTML with its own title in place of the mark. It is used only when every
  template the header included is one of :data:`HEADER_PARTS` as Material ships it, or devportal's own
  search box or repo link (:data:`DEVPORTAL_PARTS`); a project's override of any of them, or Material's sticky
  tabs (which show the page's place in the navigation), turn it off for the build.

At the M benchmark portal 799 of its 804 pages get a header rendered for another page, and these parts took
0.26 of the site step's 4.0 CPU s, for the same site byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup
from mkdocs.plugins import BasePlugin

from generator.package_data import templates_dir
from generator.stage.material_rewrites import MATERIAL_TEMPLATES, MaterialRewrites, Replacement

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/theme-parts"
LANGUAGE = "devportal_language"
HEADER = "devportal_header"
HEADER_TITLE = "devportal_header_title"
#: The page's title in Material's header, and the same through :data:`HEADER_TITLE`.
TITLE = ("{% if page.meta and page.meta.title %}\n"
         "              {{ page.meta.title }}\n"
         "            {% else %}\n"
         "              {{ page.title }}\n"
         "            {% endif %}")
#: The same choice of title, alone: what a kept header gets in place of its mark.
TITLE_ALONE = "{% if page.meta and page.meta.title %}{{ page.meta.title }}{% else %}{{ page.title }}{% endif %}"
REWRITES = {
    "base.html": (
        Replacement('{% import "partials/language.html" as lang with context %}',
                    f"{{% set lang = {LANGUAGE}() %}}", requires=("partials/language.html",)),
        Replacement('{% include "partials/header.html" %}', f"{{{{ {HEADER}() }}}}",
                    requires=("partials/header.html",)),
    ),
    "partials/header.html": (
        Replacement(TITLE, TITLE.replace("{{ page.meta.title }}", f"{{{{ {HEADER_TITLE}(page.meta.title) }}}}")
                    .replace("{{ page.title }}", f"{{{{ {HEADER_TITLE}(page.title) }}}}")),),
}
#: Material's templates the header may include and still be kept: none reads the page or the navigation.
HEADER_PARTS = frozenset({"partials/header.html", "partials/logo.html", "partials/palette.html",
                          "partials/javascripts/palette.html", "partials/alternate.html", "partials/search.html",
                          "partials/source.html"})
#: devportal's own versions of header parts (the staged theme's copies), which read the page's URL only.
DEVPORTAL_PARTS = {"partials/search.html": templates_dir() / "search" / "search.html",
                   "partials/source.html": templates_dir() / "overrides" / "partials" / "source.html"}
_NOTHING = object()
#: What stands for the page's title in a kept header (no HTML has it).
MARK = "\x00devportal-header-title\x00"


class _Translations:
    """Material's ``lang`` module, each ``t(key)`` computed once."""

    def __init__(self, module: Any) -> None:
        self._module = module
        self._texts: dict[Any, Any] = {}

    def t(self, key: Any) -> Any:
        try:
            return self._texts[key]
        except KeyError:
            text = self._texts[key] = self._module.t(key)
            return text
        except TypeError:  # a key that is not hashable
            return self._module.t(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


class ThemeParts(BasePlugin):
    """Renders Material's translations once per key and its header once per set of URLs (see the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed: set[str] = set()  # the templates whose parts come here
        self.headers_reused = 0  # pages whose header was rendered for another page
        self._translations: _Translations | None = None
        self._inputs: tuple[Any, ...] | None = None  # what the header passes to the url filter
        self._headers: dict[tuple[str, ...], tuple[str, str]] = {}  # those values' URLs → the header around the title
        self._header_off = False
        self._titles: list[Any] | None = None  # the titles passed while a header is recorded
        self._title: jinja2.Template | None = None
        self._parts: dict[str, bool] = {}

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self._translations, self._inputs, self._title = None, None, None
        self._headers.clear()
        self._parts.clear()
        self._header_off = False
        env.loader = loader = MaterialRewrites(env.loader, REWRITES)
        self.changed = loader.changed
        env.globals[LANGUAGE] = self._language
        env.globals[HEADER] = self._header
        env.globals[HEADER_TITLE] = self._header_title
        return env

    @jinja2.pass_context
    def _language(self, context: jinja2.runtime.Context) -> _Translations:
        """What ``{% import "partials/language.html" as lang with context %}`` gives, made once per build."""
        if self._translations is None:
            template = context.environment.get_template("partials/language.html", "base.html")
            self._translations = _Translations(template.make_module(context.get_all(), True, {}))
        return self._translations

    def _header_title(self, title: Any) -> Any:
        if self._titles is None:
            return title
        self._titles.append(title)
        return MARK

    @jinja2.pass_context
    def _header(self, context: jinja2.runtime.Context) -> Markup:
        """What ``{% include "partials/header.html" %}`` gives: the HTML kept for the same URLs, with this page's
        title, or the header rendered (and kept when it can be)."""
        env = context.environment
        template = env.get_template("partials/header.html", "base.html")
        page = context.get("page")
        if self._header_off or page is None or not isinstance(getattr(page, "url", None), str):
            return Markup(_render(template, context))
        if self._inputs is not None:
            url = env.filters["url"]
            kept = self._headers.get(tuple(url(context, value) for value in self._inputs))
            if kept is not None:
                self.headers_reused += 1
                return Markup(kept[0] + self._page_title(env, page) + kept[1])
        return Markup(self._record(context, template))

    def _record(self, context: jinja2.runtime.Context, template: jinja2.Template) -> str:
        """The header rendered for this page, its HTML kept by the URLs it asked for when it can be reused."""
        env = context.environment
        url = env.filters["url"]
        inputs: list[Any] = []
        outputs: list[str] = []
        loaded: set[str] = set()
        get_template = env.get_template
        patched = env.__dict__.get("get_template", _NOTHING)

        @jinja2.pass_context
        def recorded_url(context: jinja2.runtime.Context, value: Any) -> Any:
            inputs.append(value)
            outputs.append(url(context, value))
            return outputs[-1]

        def recorded_template(name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:  # noqa: A002
            loaded.add(name if isinstance(name, str) else getattr(name, "name", ""))
            return get_template(name, parent, globals)

        self._titles = titles = []
        env.filters["url"] = recorded_url
        env.get_template = recorded_template  # scoped to this one render: the environment's own is back below
        try:
            html = _render(template, context)
        finally:
            env.filters["url"] = url
            if patched is _NOTHING:
                del env.get_template
            else:
                env.get_template = patched
            self._titles = None
        segments = html.split(MARK)
        if len(titles) != 1 or len(segments) != 2:
            self._header_off = True  # a title not passed once, or the mark in other text: render as the theme does
            return _render(template, context)
        if self._inputs not in (None, tuple(inputs)) or not all(self._header_part(env, name) for name in loaded):
            self._header_off = True
        else:
            self._inputs = tuple(inputs)
            self._headers[tuple(outputs)] = segments[0], segments[1]
        return segments[0] + str(titles[0]) + segments[1]

    def _header_part(self, env: jinja2.Environment, name: str) -> bool:
        """Whether ``name``, included by the header, is one whose HTML depends on nothing of the page but its URL."""
        if name not in self._parts:
            try:
                filename = env.get_template(name).filename
            except jinja2.TemplateError:
                filename = None
            path = Path(filename).resolve() if filename else None
            own = path is not None and path == MATERIAL_TEMPLATES / name and \
                (name in HEADER_PARTS or name.startswith(".icons/"))
            copy = DEVPORTAL_PARTS.get(name)
            self._parts[name] = own or (path is not None and copy is not None and _same_bytes(path, copy))
        return self._parts[name]

    def _page_title(self, env: jinja2.Environment, page: Any) -> str:
        """The page's title as the header writes it (:data:`TITLE`)."""
        if self._title is None:
            self._title = env.from_string(TITLE_ALONE)
        return self._title.render(page=page)


def _render(template: jinja2.Template, context: jinja2.runtime.Context) -> str:
    """``template`` rendered as ``{% include %}`` renders it, with the including template's context."""
    return "".join(template.root_render_func(template.new_context(context.get_all(), True, {})))


def _same_bytes(path: Path, other: Path) -> bool:
    try:
        return path.read_bytes() == other.read_bytes()
    except OSError:
        return False
