"""The API reference's HTML fragments included into their pages without Jinja lexing their HTML.

Each reference page's HTML (``overrides/devportal-apiref/...``, written by
:mod:`generator.render.reference.render`) is a Jinja template: the HTML in ``{% raw %}`` blocks, with a few tags
between them (the problems banner's include, ``{{ "..." | url }}`` of links to the site's root). Jinja compiles a
template by lexing all of it: 0.063 CPU s a MB, 1.2 s for the 19 MB of the M benchmark portal's fragments, where
the tags between the blocks are a few hundred bytes. :class:`RawFragments` gives the build's template environment
a loader that parses only those tags and has the compiled template output each raw block's text from a list
(:func:`fragment_parts`, :func:`skeleton_tree`), so that neither Jinja's lexer nor Python's compiler reads the
HTML. A fragment that is not made only of raw blocks without ``{%`` and such tags (another writer's file) is
compiled by Jinja as before. The fragments of one API have the same tags between their blocks (the include of the
API's problems banner): the loader compiles each such skeleton once and runs its code with each fragment's texts
(compiling a fragment's tags was 0.4 ms a fragment, most of what loading it cost). Jinja's template cache keeps
every template but the pages' own fragments, each of which is used once (:class:`_TemplateCache`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jinja2
from jinja2 import nodes
from jinja2.lexer import newline_re
from mkdocs.plugins import BasePlugin

from generator.package_data import BANNER, FRAGMENTS

if TYPE_CHECKING:
    from collections.abc import Callable, MutableMapping
    from types import CodeType

    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/raw-fragments"
_BEGIN, _END = "{% raw %}", "{% endraw %}"
#: The name standing for a raw block's text while the tags between the blocks are parsed.
_PLACEHOLDER = "__devportal_raw"
#: The Python name the compiled template reads the raw blocks' texts from, in its own module's namespace.
TEXTS = "devportal_raw_texts"


def _python_name(name: str) -> nodes.InternalName:
    """A name the compiled code reads as a Python variable (how Jinja's ``Parser.free_identifier`` makes one)."""
    node = object.__new__(nodes.InternalName)
    node.name, node.lineno = name, 1
    node.environment = None
    return node


def fragment_parts(environment: jinja2.Environment, source: str) -> tuple[str, list[str]] | None:
    """(the tags between the raw blocks of ``source``, with ``{{ __devportal_raw[n] }}`` in each block's place;
    the blocks' texts), found without lexing the texts; None when ``source`` is not a fragment as devportal
    writes it. A text's newlines are normalised as Jinja's lexer does."""
    if environment.autoescape is not False or environment.finalize is not None:
        return None
    tags, texts, at = [], [], 0
    while (begin := source.find(_BEGIN, at)) >= 0:
        end = source.find(_END, begin)
        if end < 0:
            return None
        text = source[begin + len(_BEGIN):end]
        if "{%" in text:
            return None  # a raw block whose end Jinja's lexer may find elsewhere: Jinja compiles the fragment
        if "\r" in text or environment.newline_sequence != "\n":
            text = newline_re.sub(environment.newline_sequence, text)
        tags.append(source[at:begin])
        tags.append(f"{{{{ {_PLACEHOLDER}[{len(texts)}] }}}}")
        texts.append(text)
        at = end + len(_END)
    if not texts:
        return None
    tags.append(source[at:])
    return "".join(tags), texts


def skeleton_tree(environment: jinja2.Environment, skeleton: str, name: str | None = None,
                  filename: str | None = None) -> nodes.Template:
    """The template Jinja's parser makes of a fragment but for its raw blocks (``skeleton``, from
    :func:`fragment_parts`): each ``{{ __devportal_raw[n] }}`` becomes the output of ``devportal_raw_texts[n]``,
    a Python variable of the compiled template's module, set to the block's text. Its output is the text, as
    the raw block's: Jinja outputs a ``str`` as it is without autoescape or ``finalize`` (MkDocs' environment
    has neither)."""
    tree = environment.parse(skeleton, name, filename)
    for getitem in tree.find_all(nodes.Getitem):
        if isinstance(getitem.node, nodes.Name) and getitem.node.name == _PLACEHOLDER:
            getitem.node = _python_name(TEXTS)
    return tree


class _FragmentLoader(jinja2.BaseLoader):
    """The theme's loader, but for reference fragments, whose raw text is not lexed (see the module)."""

    def __init__(self, theme: jinja2.BaseLoader) -> None:
        self._theme = theme
        self.unlexed = 0  # fragments loaded without lexing their raw text
        self.compiled = 0  # ... and the skeletons compiled for them
        self._code: dict[tuple[int, str], CodeType] = {}  # (environment, skeleton) → its compiled code

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None,
                                                                                   Callable[[], bool] | None]:
        return self._theme.get_source(environment, template)

    def list_templates(self) -> list[str]:
        return self._theme.list_templates()

    def load(self, environment: jinja2.Environment, name: str,
             globals: MutableMapping[str, Any] | None = None) -> jinja2.Template:
        if not name.startswith(f"{FRAGMENTS}/"):
            return self._theme.load(environment, name, globals)
        source, filename, uptodate = self.get_source(environment, name)
        parts = fragment_parts(environment, source)
        if parts is None:
            return super().load(environment, name, globals)
        skeleton, texts = parts
        key = (id(environment), skeleton)
        code = self._code.get(key)
        if code is None:
            code = environment.compile(skeleton_tree(environment, skeleton, name, filename), name, filename)
            self._code[key] = code
            self.compiled += 1
        # The code names the fragment it was compiled for (as the template's name, and as the parent of what it
        # includes, which MkDocs' environment does not use): the template takes this fragment's name and file.
        template = environment.template_class.from_code(environment, code, environment.make_globals(globals),
                                                        uptodate)
        template.name, template.filename = name, filename
        template.root_render_func.__globals__[TEXTS] = texts  # the namespace the template's module ran in
        self.unlexed += 1
        return template


class _TemplateCache(dict):
    """The build's template cache: every template but a page's own fragment, kept for the whole build.

    Jinja's default is an LRU cache of 400 templates, each hit of which moves its key in a deque (a scan of up
    to 400 keys). The L benchmark portal's 2,644 pages include 1,000 fragments, each once: they filled it, so
    every include of one of the theme's partials paid that scan, and once the partial was evicted, a reload.
    A page's fragment is loaded when its page is built, the one time it is used."""

    def __setitem__(self, key: tuple[Any, str], template: jinja2.Template) -> None:
        name = key[1]
        if not name.startswith(f"{FRAGMENTS}/") or name.endswith(f"/{BANNER}"):
            super().__setitem__(key, template)


class RawFragments(BasePlugin):
    """Gives the build's template environment :class:`_FragmentLoader` around the theme's loader, and
    :class:`_TemplateCache` for Jinja's."""

    def __init__(self) -> None:
        super().__init__()
        self.loader: _FragmentLoader | None = None
        self.cache: _TemplateCache | None = None

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        if env.loader is not None:
            env.loader = self.loader = _FragmentLoader(env.loader)
        if env.cache is not None:
            env.cache = self.cache = _TemplateCache()
        return env
