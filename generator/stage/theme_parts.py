"""Parts of Material's page template that are the same HTML on many pages, rendered once for them.

* **Translations.** Material's ``base.html`` imports ``partials/language.html`` with the page's context on every
  page, and each ``lang.t(key)`` call (about thirty a page) builds the language's whole table of translations
  to look one up. The text depends on the key and the configured language only (Material's ``language.html``
  reads nothing but ``config``): each is computed once per build.
* **The header** (``partials/header.html``: logo, title, palette toggle, search box, repo link) and the
  **styles** and **config** blocks of ``base.html`` (the stylesheets' links, the JSON of settings Material's
  script reads) read nothing of the page but, in the header, its title and, through MkDocs' ``url`` filter
  and ``base_url``, its URL. Each is rendered with a mark for the title, recording what it passed to the
  ``url`` filter; a page whose ``base_url`` is the same and whose ``url`` filter gives the same URLs for those
  values gets that HTML, with its own title in place of the mark. A part is kept only when every template it
  included is one of :data:`KEPT_PARTS` as Material ships it, or devportal's own search box or repo link
  (:data:`DEVPORTAL_PARTS`); a project's override of any of them, or Material's sticky tabs (which show the
  page's place in the navigation), turn that part off for the build.

At the M benchmark portal 799 of its 804 pages get these parts rendered for another page: the site step took about
0.3 CPU s less of its 4.0 (the translations and header 0.26, the two blocks 0.04-0.1 more), for the same site byte
for byte.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup
from mkdocs.plugins import BasePlugin

from generator.package_data import templates_dir
from generator.stage.material_rewrites import BlockCall, MaterialRewrites, Replacement, is_material

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/theme-parts"
LANGUAGE = "devportal_language"
HEADER = "devportal_header"
HEADER_TITLE = "devportal_header_title"
BLOCK = "devportal_block"
#: The blocks of Material's ``base.html`` rendered once per set of URLs.
BLOCKS = ("styles", "config")
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
        *(BlockCall(name, f'{BLOCK}("{name}")') for name in BLOCKS),
    ),
    "partials/header.html": (
        Replacement(TITLE, TITLE.replace("{{ page.meta.title }}", f"{{{{ {HEADER_TITLE}(page.meta.title) }}}}")
                    .replace("{{ page.title }}", f"{{{{ {HEADER_TITLE}(page.title) }}}}")),),
}
#: Material's templates a kept part may include: none reads the page or the navigation.
KEPT_PARTS = frozenset({"partials/header.html", "partials/logo.html", "partials/palette.html",
                        "partials/javascripts/palette.html", "partials/alternate.html", "partials/search.html",
                        "partials/source.html", "partials/icons.html"})
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


@dataclass
class _Kept:
    """A part of the page template: the values it passed to the ``url`` filter, and its HTML per key (``base_url``
    and those values' URLs), cut where the page's title goes."""

    inputs: tuple[Any, ...] | None = None
    html: dict[tuple[Any, ...], list[str]] = field(default_factory=dict)
    off: bool = False


class ThemeParts(BasePlugin):
    """Renders Material's translations once per key, and its header, styles and config once per set of URLs (see
    the module)."""

    def __init__(self) -> None:
        super().__init__()
        self.changed: set[str] = set()  # the templates whose parts come here
        self.reused: Counter[str] = Counter()  # part → pages that got it as rendered for another page
        self._translations: _Translations | None = None
        self._kept: dict[str, _Kept] = {}
        self._titles: list[Any] | None = None  # the titles passed while a part is recorded
        self._title: jinja2.Template | None = None
        self._allowed: dict[str, bool] = {}

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        self._translations, self._title = None, None
        self._kept.clear()
        self._allowed.clear()
        self.reused.clear()
        env.loader = loader = MaterialRewrites(env.loader, REWRITES)
        self.changed = loader.changed
        env.globals[LANGUAGE] = self._language
        env.globals[HEADER] = self._header
        env.globals[HEADER_TITLE] = self._header_title
        env.globals[BLOCK] = self._block
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
        """What ``{% include "partials/header.html" %}`` gives."""
        template = context.environment.get_template("partials/header.html", "base.html")
        return self._part(context, "header", lambda: _render(template, context), titles=1)

    @jinja2.pass_context
    def _block(self, context: jinja2.runtime.Context, name: str, caller: Callable[[], str]) -> Markup:
        """What a block's body (``caller``) gives."""
        return self._part(context, name, caller, titles=0)

    def _part(self, context: jinja2.runtime.Context, name: str, render: Callable[[], str], *, titles: int) -> Markup:
        """The HTML kept for the part ``name`` for the same key, with this page's title where it has ``titles``
        of them (0 or 1), or the part rendered (and kept when it can be)."""
        page = context.get("page")
        kept = self._kept.setdefault(name, _Kept())
        if kept.off or page is None or not isinstance(getattr(page, "url", None), str):
            return Markup(render())
        if kept.inputs is not None:
            segments = kept.html.get(self._key(context, kept.inputs))
            if segments is not None:
                self.reused[name] += 1
                if titles:
                    return Markup(segments[0] + self._page_title(context.environment, page) + segments[1])
                return Markup(segments[0])
        return Markup(self._record(context, kept, render, titles))

    @staticmethod
    def _key(context: jinja2.runtime.Context, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
        url = context.environment.filters["url"]
        return (context.get("base_url"), *(url(context, value) for value in inputs))

    def _record(self, context: jinja2.runtime.Context, kept: _Kept, render: Callable[[], str], titles: int) -> str:
        """The part rendered for this page, its HTML kept by its key when it can be reused."""
        env = context.environment
        url = env.filters["url"]
        inputs: list[Any] = []
        outputs: list[Any] = []
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

        self._titles = passed = []
        env.filters["url"] = recorded_url
        env.get_template = recorded_template  # scoped to this one render: the environment's own is back below
        try:
            html = str(render())
        finally:
            env.filters["url"] = url
            if patched is _NOTHING:
                del env.get_template
            else:
                env.get_template = patched
            self._titles = None
        segments = html.split(MARK)
        if len(passed) != titles or len(segments) != titles + 1:
            kept.off = True  # a title not passed as expected, or the mark in other text: render as the theme does
            return str(render())
        if kept.inputs not in (None, tuple(inputs)) or not all(self._part_allowed(env, name) for name in loaded):
            kept.off = True
        else:
            kept.inputs = tuple(inputs)
            kept.html[(context.get("base_url"), *outputs)] = segments  # as :meth:`_key` makes it
        return segments[0] + str(passed[0]) + segments[1] if titles else segments[0]

    def _part_allowed(self, env: jinja2.Environment, name: str) -> bool:
        """Whether ``name``, included by a part, is one whose HTML depends on nothing of the page but its URL."""
        if name not in self._allowed:
            try:
                filename = env.get_template(name).filename
            except jinja2.TemplateError:
                filename = None
            own = is_material(name, filename) and (name in KEPT_PARTS or name.startswith(".icons/"))
            copy = DEVPORTAL_PARTS.get(name)
            self._allowed[name] = own or (filename is not None and copy is not None
                                          and _same_bytes(Path(filename), copy))
        return self._allowed[name]

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
