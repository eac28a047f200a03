"""Render pages' Markdown on a second core while MkDocs builds (``devportal build``'s full MkDocs builds).

MkDocs converts every page's Markdown in turn, on one core; that is about half of a cold build's MkDocs
time. :class:`RenderAhead` is a MkDocs plugin that ``devportal build`` adds to the config it loaded: once the
navigation is known (``on_nav``), it forks a child process that renders the later part of the pages (by
bytes of Markdown) exactly as MkDocs would (``Page.read_source`` and ``Page.render`` on the same config
and files), while MkDocs renders the earlier part itself. When MkDocs reaches a page the child rendered,
the child's result is used instead of rendering again, if the Markdown MkDocs is about to render is the
same the child rendered (after every plugin's ``on_page_markdown``); else MkDocs renders it itself.

The child's messages (MkDocs' link checks, extensions' warnings) are logged in the parent at the moment
MkDocs would have logged them, so the build's log, its warnings and ``--strict`` are those of a plain build.
Whatever goes wrong in the child (a crash, a timeout), MkDocs renders the remaining pages itself: the
site is byte for byte the one a plain build makes. Only plugins known not to change pages before they are
rendered may be in the config (:data:`SAFE_PLUGINS`); otherwise nothing is rendered ahead. Before the fork,
the parent makes the Markdown instance the child renders with and the lexers of the child's code blocks
(:func:`fence_languages`): Pygments compiles a lexer's rules once per process, so the child inherits them.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import re
import select
import signal
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from mkdocs.plugins import BasePlugin, event_priority

from generator.cpus import usable_cpus
from generator.stage.nav_items import NAME as NAV_ITEMS
from generator.stage.one_markdown import NAME as ONE_MARKDOWN
from generator.stage.one_markdown import PageRenderer
from generator.stage.raw_fragments import NAME as RAW_FRAGMENTS
from generator.stage.search_index import SEARCH_HOOK
from generator.stage.template_attributes import NAME as TEMPLATE_ATTRIBUTES
from generator.stage.theme_parts import NAME as THEME_PARTS

#: Plugins that neither change a page before it is rendered nor depend on the order pages are rendered in.
SAFE_PLUGINS = {"search", "material/search", "redirects", "devportal/only-changed", "devportal/render-ahead",
                ONE_MARKDOWN, RAW_FRAGMENTS, TEMPLATE_ATTRIBUTES, NAV_ITEMS, THEME_PARTS, SEARCH_HOOK}
PR_SET_PDEATHSIG = 1
#: Below this many bytes of Markdown, a fork costs more than it saves.
MIN_BYTES = 200_000
#: A fenced code block's language: the first word after its fence (```` ```python ````, ```` ``` { .json } ````).
FENCE_LANGUAGE = re.compile(r"^[ \t>]*(?:`{3,}|~{3,})[ \t]*(?:\{[ \t]*\.?)?(?P<language>[\w#+.-]+)", re.MULTILINE)


@dataclass
class _Rendered:
    """What ``Page.render`` leaves on a page, as the child sends it."""

    markdown_sha: str
    content: str
    toc: Any
    title: str | None
    present_anchor_ids: set[str] | None
    links_to_anchors: dict[str, dict[str, str]] | None
    records: list[logging.LogRecord] = field(default_factory=list)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args, record.exc_info, record.exc_text = record.getMessage(), None, None, None
        self.records.append(record)


def _sha(markdown: str) -> str:
    return hashlib.sha256(markdown.encode("utf-8", "surrogatepass")).hexdigest()


def _die_with(parent: int) -> None:
    """Have the kernel kill this child when ``parent`` dies (Linux), so a killed build leaves no renderer
    behind holding its files (the build lock among them)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # elsewhere the child ends when it finds the pipe closed
    if os.getppid() != parent:  # the parent died before that took effect
        os._exit(1)


def fence_languages(paths: Iterable[str]) -> set[str]:
    """The languages of the fenced code blocks in the Markdown files ``paths`` (each fence's first word)."""
    languages: set[str] = set()
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as stream:
                languages.update(match.group("language") for match in FENCE_LANGUAGE.finditer(stream.read()))
        except OSError:
            continue
    return languages


def _render_in_child(pages: list[Any], config: Any, files: Any, out: int, parent: int,
                     renderer: PageRenderer | None) -> None:
    """The child: render ``pages`` as ``Page.render`` does, send the results down ``out`` and exit."""
    status = 1
    try:
        _die_with(parent)
        gc.freeze()  # what the child inherits stays alive: the collector's full passes need not walk it
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for name in list(logging.root.manager.loggerDict):
            logger = logging.getLogger(name)
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
        collected = _Records()
        root.addHandler(collected)
        warnings.simplefilter("ignore")  # the parent shows Python's warnings once, for its own pages
        results: dict[str, _Rendered] = {}
        for page in pages:
            collected.records = []
            page.read_source(config)
            if renderer is not None:
                renderer.render(page, files)
            else:
                page.render(config, files)
            links = page.links_to_anchors
            results[page.file.src_uri] = _Rendered(
                _sha(page.markdown), page.content, page.toc, page._title_from_render, page.present_anchor_ids,
                None if links is None else {target.src_uri: dict(found) for target, found in links.items()},
                collected.records)
        with os.fdopen(out, "wb") as stream:
            pickle.dump(results, stream, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0
    finally:
        os._exit(status)


class RenderAhead(BasePlugin):
    """Renders the later pages in a forked child while MkDocs renders the earlier ones (see the module)."""

    def __init__(self, timeout_factor: float = 5.0) -> None:
        super().__init__()
        self._child: int | None = None
        self._pipe: int | None = None
        self._ahead: set[str] = set()
        self._results: dict[str, _Rendered] | None = None
        self._started = 0.0
        self._timeout_factor = timeout_factor
        self.rendered_ahead = 0  # pages whose Markdown the child rendered and MkDocs took as it was

    @staticmethod
    def usable(config: Any) -> bool:
        """Whether pages of ``config`` can be rendered ahead: a fork, two usable CPUs, only :data:`SAFE_PLUGINS`."""
        return hasattr(os, "fork") and usable_cpus() > 1 and set(config.plugins) <= SAFE_PLUGINS

    def on_nav(self, nav: Any, *, config: Any, files: Any) -> Any:
        pages = [file.page for file in files.documentation_pages() if file.page is not None]
        sizes = [os.path.getsize(page.file.abs_src_path) if page.file.abs_src_path else 0 for page in pages]
        total = sum(sizes)
        if total < MIN_BYTES:
            return nav
        # The child takes the later half of the Markdown's bytes: MkDocs renders the earlier half meanwhile.
        done, split = 0, len(pages)
        for index, size in enumerate(sizes):
            if done >= total / 2:
                split = index
                break
            done += size
        ahead = pages[split:]
        if not ahead:
            return nav
        renderer = PageRenderer(config) if PageRenderer.usable(config) else None
        if renderer is not None:  # what the child needs and this process may need too, made once before the fork
            renderer.prepare(sorted(fence_languages(page.file.abs_src_path for page in ahead
                                                    if page.file.abs_src_path)))
        read, write = os.pipe()
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            os.close(read)
            _render_in_child(ahead, config, files, write, parent, renderer)
        os.close(write)
        self._child, self._pipe, self._started = child, read, time.monotonic()
        self._ahead = {page.file.src_uri for page in ahead}
        return nav

    @event_priority(-100)  # after every other plugin changed the Markdown
    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        if page.file.src_uri not in self._ahead:
            return markdown
        rendered = self._collect().get(page.file.src_uri)
        if rendered is not None and rendered.markdown_sha == _sha(markdown):
            page.render = lambda config, files: self._apply(page, rendered, files)
            self.rendered_ahead += 1
        return markdown

    def _apply(self, page: Any, rendered: _Rendered, files: Any) -> None:
        """Put the child's result on ``page`` as ``Page.render`` would, logging what it logged."""
        del page.render  # the instance's stand-in goes: the class's method is back
        for record in rendered.records:
            logging.getLogger(record.name).handle(record)
        page.content, page.toc = rendered.content, rendered.toc
        page._title_from_render = rendered.title
        page.present_anchor_ids = rendered.present_anchor_ids
        if rendered.links_to_anchors is not None:
            page.links_to_anchors = {files.get_file_from_path(uri): links
                                     for uri, links in rendered.links_to_anchors.items()}

    def _collect(self) -> dict[str, _Rendered]:
        """The child's results, waiting for them (at most a few times as long as MkDocs took for its part);
        empty if the child failed, so that MkDocs renders those pages itself."""
        if self._results is not None:
            return self._results
        self._results = {}
        deadline = time.monotonic() + 30 + self._timeout_factor * (time.monotonic() - self._started)
        chunks = []
        try:
            while True:
                ready, _, _ = select.select([self._pipe], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    raise TimeoutError("rendering ahead took too long")
                chunk = os.read(self._pipe, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
            self._results = pickle.loads(b"".join(chunks))
        except (OSError, EOFError, TimeoutError, pickle.UnpicklingError):
            self._results = {}
        finally:
            self._close()
        return self._results

    def _close(self) -> None:
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._child is not None:
            try:
                pid, _ = os.waitpid(self._child, os.WNOHANG)
                if pid == 0:
                    os.kill(self._child, signal.SIGKILL)
                    os.waitpid(self._child, 0)
            except ChildProcessError:
                pass
            self._child = None

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        self._close()  # every page was read: the child is done (or no longer needed)
        return env

    def on_build_error(self, *, error: Exception) -> None:
        self._close()
