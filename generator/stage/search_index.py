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

Pagefind cannot add to an index: it reads every page again. So the index is made of a few bundles
(``pagefind/0/``, ``pagefind/1/``, ...), each holding the pages of some top-level folders of the site (about
:data:`PAGES_PER_BUNDLE` pages a bundle, at most :data:`MAX_BUNDLES`), which the search box merges in the
reader's browser (Pagefind's ``mergeIndex``: one wasm, one ranking of all results). ``pagefind/bundles.json``
(:data:`MANIFEST`) names them, with the folders each holds and a digest of its entry. A rebuild of one page
indexes again only the bundle that holds it; the others are kept as they are (:func:`stale_bundles`).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.exceptions import PluginError

from generator.cpus import usable_cpus
from generator.diagnostics import Diagnostic, error
from generator.package_data import templates_dir
from generator.stage.swap import link_tree, release, swap_into_place, work_dir

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
#: The index's list of bundles, in its folder: what the search box loads first
MANIFEST = "bundles.json"
#: A bundle's entry: Pagefind writes it last, so its mtime tells when the bundle was made (see :func:`_current`)
INDEX_ENTRY = "pagefind-entry.json"
#: A page's fragment in a bundle (``fragment/<the id of the page's results>.pf_fragment``)
FRAGMENT_SUFFIX = ".pf_fragment"
#: What Pagefind writes into every bundle for its own search interfaces, which the portal's search box (its
#: JavaScript API) never loads: about 420 KB a bundle, deleted once the bundle is made
UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
#: About how many pages a bundle holds: a rebuild of one page indexes that many again. Each bundle costs a
#: Pagefind run (about 25 ms of CPU) and, in the reader's browser, its entry and metadata (a few KB).
PAGES_PER_BUNDLE = 120
MAX_BUNDLES = 8
#: The theme's page for a missing page (Material's ``404.html``): nothing to find in it, and a dirty build
#: writes it again each time (it would make the bundle of the site's root pages look out of date)
NOT_INDEXED = frozenset({"404.html"})
#: What a page Pagefind indexes has (its :data:`ROOT_SELECTOR`); a redirect page, for one, has not
INDEXED_MARK = b"md-content__inner"
#: Wax's glob metacharacters (Pagefind's ``--glob``), escaped in a folder's name
_GLOB_META = re.compile(r"([?*$:<>()\[\]{},\\])")


@dataclass(frozen=True)
class Bundle:
    """A part of the search index: the pages of the site's top-level folders ``areas`` (``""``: the pages at
    the site's root), indexed into ``pagefind/<name>/``."""

    name: str
    areas: tuple[str, ...]
    #: the names of the pages at the site's root, when it holds them (``""`` in ``areas``)
    root: tuple[str, ...] = ()

    @property
    def glob(self) -> str:
        """The pages of its areas, as Pagefind's ``--glob`` (relative to the site)."""
        parts = [_GLOB_META.sub(r"\\\1", area) + "/**/*.html" for area in self.areas if area]
        parts += [_GLOB_META.sub(r"\\\1", name) for name in self.root]
        return parts[0] if len(parts) == 1 else "{" + ",".join(parts) + "}"


def area_of(path: str) -> str:
    """The top-level folder of the site-relative posix ``path`` of a page (``""`` for a page at the root)."""
    head, separator, _ = path.partition("/")
    return head if separator else ""


def site_pages(site_dir: Path) -> dict[str, list[Path]]:
    """The HTML pages of ``site_dir`` by top-level folder (:func:`area_of`), but the index's own folder and
    :data:`NOT_INDEXED`. A page a killed indexing left aside (:func:`fragments_set_aside`) is put back first."""
    pages: dict[str, set[Path]] = {}
    top = os.fspath(site_dir)
    for folder, subfolders, names in os.walk(top):
        if folder == top:
            subfolders[:] = [name for name in subfolders if name != BUNDLE]
        area = "" if folder == top else os.path.relpath(folder, top).split(os.sep, 1)[0]
        for name in names:
            if name.startswith(".") and name.endswith(ASIDE):
                name = name[1:-len(ASIDE)]
                _put_back(Path(folder, f".{name}{ASIDE}"), Path(folder, name))
                if name in names or not Path(folder, name).exists():
                    continue  # listed as it is, or gone
            if name.endswith(".html") and not (folder == top and name in NOT_INDEXED):
                pages.setdefault(area, set()).add(Path(folder, name))
    return {area: sorted(found) for area, found in pages.items()}


def bundles_of(counts: dict[str, int], root: Iterable[str] = ()) -> list[Bundle]:
    """The site's folders, with ``counts`` pages each (``""``: its ``root`` pages, by name), split in bundles of
    about :data:`PAGES_PER_BUNDLE` pages: consecutive folders in name order, so that a site whose pages stay the
    same gets the same bundles."""
    areas = sorted(counts)
    total = sum(counts.values())
    if not total:
        return []
    wanted = max(1, min(MAX_BUNDLES, len(areas), math.ceil(total / PAGES_PER_BUNDLE)))
    groups: list[list[str]] = [[] for _ in range(wanted)]
    before = 0
    for area in areas:  # each folder goes where its middle falls among ``wanted`` equal shares of the pages
        groups[min(wanted - 1, int((before + counts[area] / 2) * wanted / total))].append(area)
        before += counts[area]
    root = tuple(sorted(root))
    return [Bundle(str(number), tuple(group), root if "" in group else ())
            for number, group in enumerate(g for g in groups if g)]


def _read_manifest(folder: Path) -> dict[str, tuple[str, ...]] | None:
    """The bundles the index in ``folder`` holds (name: folders), or None when it has no readable list."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return {str(item["path"]).rstrip("/"): tuple(item["areas"]) for item in data["bundles"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def stale_bundles(site_dir: Path, outputs: Iterable[str]) -> list[str]:
    """The site-relative folders of the index of ``site_dir`` that hold one of the pages ``outputs``
    (site-relative posix paths a rebuild writes again; other files are ignored): these are indexed again, the
    others kept. The whole index folder when the site's index has no list of its bundles (one made before
    bundles)."""
    manifest = _read_manifest(site_dir / BUNDLE)
    if manifest is None:
        return [BUNDLE]
    holder = {area: name for name, areas in manifest.items() for area in areas}
    stale = set()
    for output in outputs:
        if output in NOT_INDEXED or not output.endswith(".html"):
            continue
        name = holder.get(area_of(output))
        if name is None:
            return [BUNDLE]
        stale.add(f"{BUNDLE}/{name}")
    return sorted(stale)


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
    """Index the built ``site_dir`` with Pagefind into the bundles of ``site_dir/pagefind``; Material's lunr
    index, which no page loads any more, is removed. A bundle already there with the same folders, made after
    each of their pages was written, is kept (a rebuild left it, see :func:`stale_bundles`); the others are
    made. Returns an error naming what failed (the site is then not swapped in)."""
    problems = _update_index(site_dir, site_dir / BUNDLE, config_file=config_file, set_aside=True)
    if not problems:
        shutil.rmtree(site_dir / "search", ignore_errors=True)
    return problems


def _update_index(site_dir: Path, index: Path, *, config_file: str, set_aside: bool) -> list[Diagnostic]:
    """Bring the index folder ``index`` of ``site_dir`` up to date: its bundles that index their pages as they
    are stay, the others are made by Pagefind (with the reference pages' fragments set aside, if ``set_aside``),
    and its list of bundles is written. ``index`` may hold hard links to the live site's index: Pagefind must
    write new files, never into those (it would change the live site before the swap)."""
    pages = site_pages(site_dir)
    bundles = bundles_of({area: len(found) for area, found in pages.items()},
                         root=[page.name for page in pages.get("", ())])
    listed = _read_manifest(index) or {}
    made = [bundle for bundle in bundles
            if listed.get(bundle.name) != bundle.areas or not _current(index / bundle.name, bundle, pages)]
    keep = {bundle.name for bundle in bundles} - {bundle.name for bundle in made} | {MANIFEST}
    for entry in os.scandir(index) if index.is_dir() else ():
        if entry.name not in keep:
            shutil.rmtree(entry.path) if entry.is_dir(follow_symlinks=False) else os.unlink(entry.path)
    to_index = [page for bundle in made for area in bundle.areas for page in pages[area]]
    with fragments_set_aside(to_index if set_aside else ()):
        problems = _index_bundles(site_dir, index, made, pages, config_file=config_file)
    if not problems:
        _write_manifest(index, bundles)
    return problems


def _current(folder: Path, bundle: Bundle, pages: dict[str, list[Path]]) -> bool:
    """Whether the bundle in ``folder`` indexes its pages as they are: none was written after its entry (a
    dirty build leaves out the bundles of the pages it renders, see :func:`stale_bundles`; MkDocs' own dirty
    builds, as ``mkdocs serve --dirty`` of the staged tree, write pages into the site that holds the index). A
    bundle made again the same, byte for byte, keeps its new entry when the site is swapped in (the others of
    its files their old inodes, see :func:`generator.stage.swap.keep_unchanged`): else its entry would stay
    older than the page that changed, and every later build would index it again."""
    try:
        made = (folder / INDEX_ENTRY).stat().st_mtime_ns
        return all(page.stat().st_mtime_ns <= made for area in bundle.areas for page in pages[area])
    except OSError:
        return False


def _write_manifest(index: Path, bundles: list[Bundle]) -> None:
    """Write the list of ``bundles`` into the index folder ``index``, unless it holds that list already (as a
    new file: the old one may be a link to the live site's). A bundle Pagefind found nothing to index in (only
    redirect pages) is left out. Each bundle is listed with its folders, a digest of its entry and its pages
    (:func:`_indexed_ids`), from which the search box ranks the results of all bundles with the whole site's
    statistics."""
    listed = []
    for bundle in bundles:
        entry = index / bundle.name / INDEX_ENTRY
        if entry.is_file():
            digest = hashlib.sha256(entry.read_bytes()).hexdigest()[:16]
            listed.append({"path": f"{bundle.name}/", "areas": list(bundle.areas), "entry": digest,
                           "pages": _indexed_ids(index / bundle.name)})
    text = json.dumps({"bundles": listed}, separators=(",", ":")) + "\n"
    try:
        if (index / MANIFEST).read_text(encoding="utf-8") == text:
            return
    except OSError:
        index.mkdir(parents=True, exist_ok=True)
    temporary = index / f".{MANIFEST}.new"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, index / MANIFEST)


def _indexed_ids(bundle: Path) -> dict[str, list[str]]:
    """The pages a bundle indexes, by language: the ids Pagefind gives its results (``en_1081da3``: a
    language, then a digest of the page), which name the page's fragment file (``fragment/<id>.pf_fragment``),
    as ``{"en": ["1081da3", ...]}``."""
    ids: dict[str, list[str]] = {}
    for name in sorted(os.listdir(bundle / "fragment")):
        language, _, page = name.removesuffix(FRAGMENT_SUFFIX).rpartition("_")
        if name.endswith(FRAGMENT_SUFFIX) and language:
            ids.setdefault(language, []).append(page)
    return ids


def _index_bundles(site_dir: Path, index: Path, bundles: list[Bundle], pages: dict[str, list[Path]], *,
                   config_file: str) -> list[Diagnostic]:
    """Run Pagefind for each of ``bundles`` of ``site_dir`` into ``index/<name>``, as many at once as there are
    CPUs. A bundle whose pages have nothing Pagefind indexes (redirect pages) is no error: it is left out."""
    def run(bundle: Bundle) -> list[Diagnostic]:
        failed = _pagefind(site_dir, bundle, index / bundle.name, config_file=config_file)
        if failed and not _indexable(page for area in bundle.areas for page in pages.get(area, ())):
            shutil.rmtree(index / bundle.name, ignore_errors=True)
            return []
        return failed

    problems: list[Diagnostic] = []
    with ThreadPoolExecutor(max_workers=usable_cpus(), thread_name_prefix="devportal-pagefind") as pool:
        for failed in pool.map(run, bundles):
            # Pagefind missing fails every bundle alike: said once
            problems.extend(problem for problem in failed if problem not in problems)
    return problems


def _indexable(pages: Iterable[Path]) -> bool:
    """Whether one of ``pages`` has what Pagefind indexes."""
    for page in pages:
        try:
            if INDEXED_MARK in page.read_bytes():
                return True
        except OSError:
            continue
    return False


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
def fragments_set_aside(pages: Iterable[Path]) -> Iterator[int]:
    """While the context runs, each of the site's ``pages`` (those Pagefind is about to index) with a skipped
    fragment is a copy without it (:func:`without_skipped`), the page itself renamed beside it
    (``.index.html.devportal-whole``) and put back at the end; yields how many. Only names change in the
    folder's directories, so a page that is a hard link to the live site's (an incremental build's folder)
    stays one, and the live site is never touched. A page a killed run left aside is put back by
    :func:`site_pages`, which lists the pages."""
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


def _pagefind(site_dir: Path, bundle: Bundle, output: Path, *, config_file: str) -> list[Diagnostic]:
    """Run Pagefind on the pages of ``bundle`` in ``site_dir``, to write its bundle into ``output``."""
    argv = [*_pagefind_command(), "--site", str(site_dir), "--glob", bundle.glob, "--output-path", str(output),
            "--root-selector", ROOT_SELECTOR, "--silent"]
    for selector in EXCLUDED:
        argv += ["--exclude-selectors", selector]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [_failure(config_file, f"Pagefind could not index the site: {exc}")]
    if result.returncode != 0 or not (output / "pagefind.js").is_file():
        detail = (result.stderr or result.stdout).strip().splitlines()
        return [_failure(config_file, f"Pagefind could not index the site (exit {result.returncode})"
                         + (f": {detail[-1]}" if detail else ""))]
    for name in UNUSED_FILES:
        (output / name).unlink(missing_ok=True)
    return []


def _failure(config_file: str, message: str) -> Diagnostic:
    return error(config_file, message, code="search-index",
                 hint="install it with `pip install 'pagefind[bin]'`, or set `search: lunr`")


class BackgroundIndex:
    """Pagefind's index of a served site, made again after each rebuild in a background thread, so that the
    rebuilt page is served (and the browser reloaded) without waiting for the whole site to be indexed.

    One run at a time: a rebuild during a run asks for one more run after it, and the run's own result is then
    dropped (it may have read a page being written). Each run writes a new index beside ``pagefind/`` that
    replaces it whole (:func:`generator.stage.swap.swap_into_place`): the search answers from the previous
    index, then from the new one, never from half of one. The new index links the bundles of the live one whose
    pages the rebuild did not write, and Pagefind makes the others."""

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
                if target.is_dir():  # the live index, linked: only its bundles of pages rebuilt are made again
                    link_tree(target, bundle)
                problems = _update_index(site_dir, bundle, config_file=self._config_file, set_aside=False)
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
