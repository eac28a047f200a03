"""One Python-Markdown instance renders every page of a build, reset between pages.

MkDocs' ``Page.render`` makes a new ``markdown.Markdown`` for every page from the config's extensions: loading
and registering the staged config's 24 extensions costs about 3 ms a page, a fifth of a page's render (2.2 of
10.4 CPU s for the 803 pages of the M benchmark portal, 2.2 of 5.4 s for the corpus portal's 239).
Python-Markdown's ``reset()`` exists for this: it clears the instance's per-document state and calls every
extension's ``reset()``. :class:`PageRenderer` renders a page exactly as MkDocs 1.6's ``Page.render`` does,
MkDocs' own per-page processors registered again on the reset instance, and :class:`OneMarkdown` is the plugin
that has MkDocs use it.

Only extensions known to keep no state across documents outside ``reset()`` are trusted with this
(:data:`RESETTABLE`: the staged config's own, checked against a fresh instance per page by
``tests/test_build_cost.py``); with any other extension, or another MkDocs than the one mirrored, pages are
rendered by ``Page.render`` itself. The instance's inline patterns that Python's ``re`` scans slowly look first for
a text every match of theirs needs, and its inline processor takes them from a list and searches their regexes
before trying them (:mod:`generator.inline_guards`); code blocks are highlighted with the lexer classes and
stylesheets Pygments set up for the build's earlier blocks (:mod:`generator.stage.highlight_cache`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import markdown
import mkdocs
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure import pages as mkdocs_pages
from pygments.util import ClassNotFound

from generator.inline_guards import prepare_inline_patterns
from generator.stage.highlight_cache import HighlightCache

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/one-markdown"
#: The MkDocs whose ``Page.render`` :meth:`PageRenderer.render` mirrors.
MIRRORED_MKDOCS = "1.6."
#: Extensions whose state between documents ``Markdown.reset()`` clears, as the tests check: the staged
#: config's own (``generator.stage.mkdocs_yml.REQUIRED_EXTENSIONS``) and the three MkDocs always adds
#: (``toc``, ``tables``, ``fenced_code``). A portal that adds another extension has its pages rendered by
#: MkDocs itself.
RESETTABLE = frozenset({
    "abbr", "admonition", "attr_list", "def_list", "footnotes", "md_in_html", "sane_lists", "tables", "toc",
    "fenced_code",
    "pymdownx.details", "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.magiclink",
    "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.tasklist", "pymdownx.caret", "pymdownx.mark",
    "pymdownx.tilde", "pymdownx.saneheaders", "pymdownx.emoji", "pymdownx.arithmatex",
    "generator.render.pages.safe_attributes",
})
_LOG = logging.getLogger("mkdocs.structure.pages")


def _names(extensions: list[Any]) -> set[str]:
    names = set()
    for extension in extensions:
        name = extension if isinstance(extension, str) else type(extension).__module__
        names.add(name.removeprefix("markdown.extensions."))
    return names


class PageRenderer:
    """Renders pages as ``Page.render`` does, on one ``Markdown`` instance (per process) reset between pages."""

    def __init__(self, config: MkDocsConfig) -> None:
        self._config = config
        self._md: markdown.Markdown | None = None
        self._fresh = False  # the instance has rendered no page yet
        self._highlight = HighlightCache()

    @staticmethod
    def usable(config: MkDocsConfig) -> bool:
        """Whether pages of ``config`` render the same on a reset instance: a mirrored MkDocs, known extensions."""
        return mkdocs.__version__.startswith(MIRRORED_MKDOCS) and \
            _names(config["markdown_extensions"]) <= RESETTABLE

    def prepare(self, languages: Iterable[str]) -> None:
        """Make the instance, and the lexers of the code blocks' ``languages`` (Pygments compiles a lexer class's
        rules when its first lexer is made: 21 ms for Python's), now: a process forked after this shares them
        instead of making them again."""
        self._markdown()
        for language in languages:
            try:
                self._highlight.lexer_by_name(language)
            except ClassNotFound:
                pass  # remembered as no lexer's name: the block is not highlighted, as pymdownx decides

    def _markdown(self) -> markdown.Markdown:
        if self._md is None:
            self._md = markdown.Markdown(extensions=self._config["markdown_extensions"],
                                         extension_configs=self._config["mdx_configs"] or {})
            prepare_inline_patterns(self._md)  # slow-scanning inline patterns skip texts they cannot match
            self._fresh = True
        return self._md

    def render(self, page: Page, files: Files) -> None:
        """MkDocs 1.6's ``Page.render``, with the instance made once and reset for each page after the first."""
        if page.markdown is None:
            raise RuntimeError("`markdown` field hasn't been set (via `read_source`)")
        md, config = self._markdown(), self._config
        if not self._fresh:
            md.reset()
        self._fresh = False
        # Registered under the same names on every page, so each replaces the last page's.
        raw_html_ext = mkdocs_pages._RawHTMLPreprocessor()
        raw_html_ext._register(md)
        extract_anchors_ext = mkdocs_pages._ExtractAnchorsTreeprocessor(page.file, files, config)
        extract_anchors_ext._register(md)
        relative_path_ext = mkdocs_pages._RelativePathTreeprocessor(page.file, files, config)
        relative_path_ext._register(md)
        extract_title_ext = mkdocs_pages._ExtractTitleTreeprocessor()
        extract_title_ext._register(md)

        with self._highlight.active():
            page.content = md.convert(page.markdown)
        page.toc = mkdocs_pages.get_toc(getattr(md, "toc_tokens", []))
        page._title_from_render = extract_title_ext.title
        page.present_anchor_ids = extract_anchors_ext.present_anchor_ids | raw_html_ext.present_anchor_ids
        if _LOG.getEffectiveLevel() > logging.DEBUG:
            page.links_to_anchors = relative_path_ext.links_to_anchors


class OneMarkdown(BasePlugin):
    """Has MkDocs render each page with one :class:`PageRenderer` instead of a new ``Markdown`` per page."""

    def __init__(self) -> None:
        super().__init__()
        self._renderer: PageRenderer | None = None
        self.rendered = 0  # pages rendered on the one instance

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        self._renderer = PageRenderer(config) if PageRenderer.usable(config) else None
        return config

    @event_priority(-90)  # after the plugins that change the Markdown; before render-ahead, which may take over
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self._renderer is not None:
            renderer = self._renderer

            def render(config: MkDocsConfig, files: Files) -> None:
                del page.render  # the instance's stand-in goes: the class's method is back
                renderer.render(page, files)
                self.rendered += 1

            page.render = render
        return markdown
