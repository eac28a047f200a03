"""The portal's search with Pagefind (``search: pagefind``): a chunked static index of the built site.

Material's own search (lunr) sends every reader one index of every heading of the portal before the first
result (16 MB at 2,000 pages). Pagefind splits its index into chunks and each page's text into a fragment,
and a query downloads only the chunks of its words and the fragments of the results shown. Staging puts
the search box (Material's markup, answered by Pagefind) into the theme; after the build, :func:`index_site`
indexes the site's content (``article.md-content__inner``: no navigation, header or footer) into
``pagefind/``, offline, before the site is swapped in. Under ``serve``, :class:`BackgroundIndex` indexes the
site again after each rebuild without making the reader wait for it.

Pagefind reads every byte of a page, also what it ignores: an API reference page's rendered reference (its
fragment, ``data-pagefind-ignore="all"``, beside the light text Pagefind indexes) was 40 % of the indexing's
CPU. So while :func:`index_site` runs Pagefind on a site just built, each reference page is a copy without its
fragment, the page itself set aside until Pagefind is done (:func:`fragments_set_aside`); the index it makes
is the same, byte for byte. (A tree of hard links to the pages, with copies of the reference pages, cost a
directory and a link per page each build, and a one-page rebuild at M about 0.3 CPU s more.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError

from generator.diagnostics import Diagnostic, error
from generator.package_data import templates_dir
from generator.stage.swap import release, swap_into_place, work_dir

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig

SEARCH_TEMPLATES = templates_dir() / "search"
BUNDLE = "pagefind"
#: What Pagefind indexes of a page: its content, without the permalink signs, the edit buttons, the
#: "last updated" line, the feedback widget and the sections Material's search leaves out too.
ROOT_SELECTOR = "article.md-content__inner"
EXCLUDED = [".headerlink", ".md-content__button", ".md-source-file", ".md-feedback", "[data-search-exclude]"]
TIMEOUT_S = 1800
#: The comments ``templates/apiref/page.html`` writes around a reference page's fragment, which Pagefind ignores
SKIPPED = (b"<!--devportal:search-skip-->", b"<!--/devportal:search-skip-->")
#: What a page set aside by :func:`fragments_set_aside` is called, after a dot and its name: not a page for Pagefind
ASIDE = ".devportal-whole"
#: The MkDocs hook of the staged tree (:mod:`generator.stage.search_hook`), as the staged ``mkdocs.yml`` names
#: it (relative to it) and as MkDocs then names it among the config's plugins. MkDocs finds a plugin only
#: through an installed entry point, a hook by its file: staging copies the hook module there.
SEARCH_HOOK = "hooks/devportal_search.py"


class SearchIndexError(PluginError):
    """Pagefind could not index the site built (raised by the staged tree's hook, so the build fails)."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("devportal:\n" + "\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics


def install_search_box(theme_dir: Path) -> None:
    """Put the Pagefind search box (``partials/search.html``) and its script into a theme ``custom_dir``."""
    (theme_dir / "partials").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SEARCH_TEMPLATES / "search.html", theme_dir / "partials" / "search.html")
    scripts = theme_dir / "assets" / "javascripts"
    scripts.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SEARCH_TEMPLATES / "devportal-search.js", scripts / "devportal-search.js")


def install_search_hook(stage_dir: Path) -> None:
    """Put the search hook into the stage folder ``stage_dir``, where the staged ``hooks:`` names it."""
    target = stage_dir / SEARCH_HOOK
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(__file__).with_name("search_hook.py"), target)


def skip_lunr_index(config: MkDocsConfig) -> None:
    """Keep Material's search plugin in a loaded MkDocs ``config`` but drop its lunr indexing (its per-page and
    end-of-build events), for a site that Pagefind indexes (``search: pagefind``).

    The plugin cannot simply be left out of the staged ``mkdocs.yml``: Material's header shows the search box
    only while it is there. Its indexing, though, parsed every page's HTML again (7 % of a profiled build) for
    ``search/search_index.json``, which no page loads and :func:`index_site` deletes. The one other thing its
    per-page event does, taking ``data-search-*="..."`` attributes off the content, does not touch the
    portal's own (``{ data-search-exclude }`` has no value), which Pagefind reads.
    """
    plugin = config.plugins.get("material/search") or config.plugins.get("search")
    if plugin is None:
        return
    for event in ("page_context", "post_build"):
        config.plugins.events[event] = [method for method in config.plugins.events[event]
                                        if getattr(method, "__self__", None) is not plugin]


def index_site(site_dir: Path, *, config_file: str) -> list[Diagnostic]:
    """Index the built ``site_dir`` with Pagefind into ``site_dir/pagefind``; Material's lunr index, which
    no page loads any more, is removed. Returns an error naming what failed (the site is then not swapped in)."""
    # An incremental build's folder holds hard links to the live site's files: Pagefind must write new files,
    # never into those (it would change the live site before the swap).
    shutil.rmtree(site_dir / BUNDLE, ignore_errors=True)
    with fragments_set_aside(site_dir):
        problems = _pagefind(site_dir, ["--output-subdir", BUNDLE], site_dir / BUNDLE, config_file=config_file)
    if not problems:
        shutil.rmtree(site_dir / "search", ignore_errors=True)
    return problems


def without_skipped(html: bytes) -> bytes | None:
    """``html`` without what its :data:`SKIPPED` comments enclose, them included. None when it has no such pair
    right inside an element Pagefind ignores with all it holds (as the template writes them), or more than one
    comment of a kind (which the page's own text could have written): Pagefind then reads the page whole."""
    start = html.find(SKIPPED[0])
    if start < 0 or html.count(SKIPPED[0]) != 1 or html.count(SKIPPED[1]) != 1:
        return None
    end = html.find(SKIPPED[1], start)
    if end < 0 or not html.endswith(b' data-pagefind-ignore="all">', 0, start) \
            or not html.startswith(b"</div>", end + len(SKIPPED[1])):
        return None
    return html[:start] + html[end + len(SKIPPED[1]):]


@contextmanager
def fragments_set_aside(site_dir: Path) -> Iterator[int]:
    """While the context runs, each page of ``site_dir`` with a skipped fragment is a copy without it
    (:func:`without_skipped`), the page itself renamed beside it (``.index.html.devportal-whole``) and put back
    at the end; yields how many. Only names change in the folder's directories, so a page that is a hard link
    to the live site's (an incremental build's folder) stays one, and the live site is never touched. A page a
    killed run left aside is put back first (unless the page was written again since)."""
    pages: list[Path] = []
    for folder, _, names in os.walk(site_dir):
        for name in names:
            if name.startswith(".") and name.endswith(ASIDE):
                _put_back(Path(folder, name), Path(folder, name[1:-len(ASIDE)]))
            elif name.endswith(".html"):
                pages.append(Path(folder, name))
    aside: list[tuple[Path, Path]] = []
    try:
        for page in pages:
            stripped = without_skipped(page.read_bytes())
            if stripped is None:
                continue
            whole = page.with_name(f".{page.name}{ASIDE}")
            os.rename(page, whole)
            aside.append((page, whole))
            page.write_bytes(stripped)
        yield len(aside)
    finally:
        for page, whole in aside:
            os.replace(whole, page)


def _put_back(whole: Path, page: Path) -> None:
    """Put back a page a killed run set aside, if ``page`` is still the copy without its fragment (or missing:
    the run was killed before it wrote the copy); an older page aside is deleted."""
    try:
        current = page.read_bytes() if page.exists() else None
        if current is None or without_skipped(whole.read_bytes()) == current:
            os.replace(whole, page)
            return
    except OSError:
        pass
    whole.unlink(missing_ok=True)


def _pagefind_command() -> list[str]:
    """Pagefind's binary of the ``pagefind[bin]`` package, run directly rather than through ``python -m pagefind``
    (which only finds and runs it, after a Python start-up: 0.07 CPU s of every indexing)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        executable = None
    else:
        executable = get_executable()
    return [str(executable)] if executable is not None else [sys.executable, "-m", "pagefind"]


def _pagefind(site_dir: Path, output: list[str], bundle: Path, *, config_file: str) -> list[Diagnostic]:
    """Run Pagefind on ``site_dir`` with the ``output`` options that put its bundle at ``bundle``."""
    argv = [*_pagefind_command(), "--site", str(site_dir), *output, "--root-selector", ROOT_SELECTOR, "--silent"]
    for selector in EXCLUDED:
        argv += ["--exclude-selectors", selector]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [error(config_file, f"Pagefind could not index the site: {exc}", code="search-index",
                      hint="install it with `pip install 'pagefind[bin]'`, or set `search: lunr`")]
    if result.returncode != 0 or not (bundle / "pagefind.js").is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()
        return [error(config_file, f"Pagefind could not index the site (exit {result.returncode})"
                      + (f": {detail[-1]}" if detail else ""), code="search-index",
                      hint="install it with `pip install 'pagefind[bin]'`, or set `search: lunr`")]
    return []


class BackgroundIndex:
    """Pagefind's index of a served site, made again after each rebuild in a background thread, so that the
    rebuilt page is served (and the browser reloaded) without waiting for the whole site to be indexed.

    One run at a time: a rebuild during a run asks for one more run after it, and the run's own result is then
    dropped (it may have read a page being written). Each run writes a new bundle beside ``pagefind/`` that
    replaces it whole (:func:`generator.stage.swap.swap_into_place`): the search answers from the previous
    index, then from the new one, never from half of one."""

    def __init__(self, *, config_file: str, log: Callable[[str], None], report: Callable[[str], None]) -> None:
        self._config_file = config_file
        self._log, self._report = log, report
        self._lock = threading.Lock()
        self._builds = 0  # builds started
        self._wanted: tuple[Path, int] | None = None  # the site to index, after which build
        self._worker: threading.Thread | None = None

    def build_started(self) -> None:
        """A build starts writing the site: an index run in progress is out of date."""
        with self._lock:
            self._builds += 1

    def request(self, site_dir: Path) -> None:
        """Index ``site_dir`` (just built) again, as soon as no run is in progress."""
        with self._lock:
            self._wanted = (site_dir, self._builds)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="devportal-search-index", daemon=True)
                self._worker.start()

    def wait(self, timeout: float | None = None) -> None:
        """Wait for the runs asked for so far (or ``timeout`` seconds)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._wanted is None:
                    self._worker = None
                    return
                (site_dir, build), self._wanted = self._wanted, None
            target = site_dir / BUNDLE
            try:
                bundle = work_dir(target, "indexing")
            except OSError as exc:  # the site folder went away (serve stopped)
                self._log(f"devportal: search index not made again: {exc}")
                continue
            try:
                problems = _pagefind(site_dir, ["--output-path", str(bundle)], bundle, config_file=self._config_file)
                with self._lock:  # a build starting now waits for the swap
                    current = build == self._builds
                    if current and not problems:
                        swap_into_place(bundle, target)
                if current and problems:
                    self._report("\n".join(str(d) for d in problems))
                elif current:
                    self._log("devportal: search index made again")
            except OSError as exc:
                if build == self._builds:
                    self._report(f"devportal: the search index could not be replaced: {exc}")
            finally:
                release(bundle)
