"""Converted pages kept by content hash: a page whose inputs did not change is not converted again.

Converting a page (:func:`~generator.render.pages.convert_page`) reads the page's own text, the
:class:`SiteIndex` (every page's path, anchors and title, the API references' operations, every source's
settings) and, to check the links, the files of its own source and of the sources its text names by their
GitHub repo. A cache entry is therefore looked up by a key made of devportal's code, the libraries' versions,
a digest of the whole index and the page's text and place, and is valid while the digest of every source it
depended on is unchanged:

* a source's *files*: every path of its tree, and the bytes of each file that is not one of its published
  pages (a page's own bytes are in its key, its headings and title in the index);
* a source's *refs* (its branch, tag, edit branch) and *commit*: a page's links to files on the repo's web
  pages carry the commit, and a GitHub URL of the repo at the built ref is taken for the published page. A page
  depends on a source's refs when its text names the repo's GitHub URL or its output the repo's web address,
  and on its commit only when that output, or such a URL at a commit, could name it; so a new commit of a
  source does not convert its unchanged pages again.

A page that includes partials (``import X from './_x.md'``) is always converted: what it includes is not in
its key. An entry also keeps the staged file's text last written for the page, reused while the page's
metadata and Markdown are the same. Each source has one file in ``<cache_dir>/pages/`` holding the newest entry
of each of its pages (written then renamed, only when one of them changed): a file per page made a cold build
write a file per page, which cost more than writing the bytes. A source's file keeps only the pages it has now,
and the files of sources no longer in the portal are deleted after staging, so the cache holds one entry per
page at most.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.cache_entries import remove_other_entries
from generator.package_data import code_digest
from generator.pickled_files import read_pickled, write_pickled
from generator.render.pages import ConvertedPage, PagePlan, SiteIndex, convert_page
from generator.render.pages.docusaurus import partial_imports
from generator.render.staged_page import staged_page_text
from generator.stage.stage_record import library_versions

PAGE_FORMAT = 3
SHA = re.compile(r"[0-9a-f]{40}")


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def index_digest(index: SiteIndex) -> str:
    """A digest of everything in ``index`` a page's conversion may read, but the sources' versions (commits)."""
    pages = [(path, sorted(entry.anchors), entry.source, entry.repo_path, entry.title)
             for path, entry in sorted(index.pages.items())]
    sources = [(name, list(s.files), s.web_url, s.github_repo, list(s.published_urls), s.trusted, s.docs_root,
                s.file_web_url is None) for name, s in sorted(index.sources.items())]
    return _digest(PAGE_FORMAT, code_digest(), *library_versions(), pages, sorted(index.by_source_file.items()),
                   sorted((k, sorted(v.items())) for k, v in index.github_slugs.items()),
                   sorted(index.api_pages.items()), sorted(index.operations.items()),
                   sorted(index.api_reference_pages.items()), sorted(index.routes.items()), sources)


@dataclass
class _Entry:
    key: str
    depends: dict[tuple[str, str], str | None]  # (source, "files", "refs" or "commit") → its digest then
    page: bytes  # the ConvertedPage, pickled as converted (later steps change its metadata)
    staged: tuple[str, str] | None = None  # (digest of the metadata and Markdown written, the staged file's text)


@dataclass
class _Pack:
    """A source's cache file: staged path → the entry of that page."""

    entries: dict[str, _Entry]


class PageCache:
    """Converts pages, reusing the entries in ``folder`` whose key and dependencies still match (see the module
    docstring), and the staged text written for them. Make it once every page is planned and every API
    reference registered in ``index``; :meth:`save` what it converted once the pages are written."""

    def __init__(self, folder: Path, index: SiteIndex, *, max_walked: int) -> None:
        self.folder = folder
        self.index = index
        self.max_walked = max_walked
        self.index_key = index_digest(index)
        self.converted: list[str] = []  # staged paths of the pages converted by this run
        self.reused: list[str] = []  # ... and of those taken from the cache
        self._digests: dict[tuple[str, str], str | None] = {}
        self._packs: dict[str, tuple[Path, dict[str, _Entry]]] = {}  # source → its file and the entries read
        self._entries: dict[str, tuple[str, _Entry]] = {}  # staged path → its source and entry, this run's
        self._changed: set[str] = set()  # sources whose file is to be written

    def convert(self, plan: PagePlan) -> ConvertedPage:
        """The converted page of ``plan``, from the cache when nothing it depends on changed."""
        source = plan.source
        if self.index.sources.get(source.name) is not source or partial_imports(plan.body):
            self.converted.append(plan.staged_path)
            return convert_page(plan, self.index)
        key = _digest(self.index_key, source.name, plan.repo_path, plan.staged_path, plan.text,
                      repr(plan.source_limits))
        entry = self._pack(source.name).get(plan.staged_path)
        if entry is not None and entry.key == key and \
                all(self._dependency(*what) == digest for what, digest in entry.depends.items()):
            page = pickle.loads(entry.page)  # noqa: S301 - our own cache
            if isinstance(page, ConvertedPage):
                self.reused.append(plan.staged_path)
                self._entries[plan.staged_path] = (source.name, entry)
                return page
        page = convert_page(plan, self.index)
        self.converted.append(plan.staged_path)
        depends = {(name, part): self._dependency(name, part) for name, part in self._depends(plan, page)}
        if all(digest is not None for digest in depends.values()):
            self._entries[plan.staged_path] = (source.name, _Entry(key=key, depends=depends,
                                                                   page=pickle.dumps(page)))
        self._changed.add(source.name)
        return page

    def staged_text(self, page: ConvertedPage, meta: dict[str, Any], markdown: str) -> str:
        """:func:`staged_page_text` of a page this cache converted, reused when its metadata and Markdown are
        those written last time (making the front matter is most of the cost of writing a page)."""
        slot_entry = self._entries.get(page.staged_path)
        if slot_entry is None:
            return staged_page_text(meta, markdown)
        name, entry = slot_entry
        digest = _digest(meta, markdown)
        if entry.staged is None or entry.staged[0] != digest:
            entry.staged = (digest, staged_page_text(meta, markdown))
            self._changed.add(name)
        return entry.staged[1]

    def save(self) -> None:
        """Write the file of each source with an entry this run made or changed, or a page it no longer has
        (each written then renamed), with this run's entries of its pages; delete the files of sources this run
        did not convert (sources removed from the portal)."""
        kept: dict[str, dict[str, _Entry]] = {name: {} for name in self._packs}
        for path, (name, entry) in self._entries.items():
            kept[name][path] = entry
        for name, (slot, read) in sorted(self._packs.items()):
            if name in self._changed or read.keys() != kept[name].keys():
                self._store(slot, _Pack(kept[name]))
        remove_other_entries(self.folder, {slot.name for slot, _ in self._packs.values()})

    def _pack(self, name: str) -> dict[str, _Entry]:
        """The entries of the source ``name`` read from its file (read once)."""
        if name not in self._packs:
            slot = self.folder / _digest(name)[:32]
            pack = read_pickled(slot, PAGE_FORMAT, _Pack)
            entries = pack.entries if pack is not None and isinstance(pack.entries, dict) else {}
            self._packs[name] = (slot, {path: entry for path, entry in entries.items() if isinstance(entry, _Entry)})
        return self._packs[name][1]

    def _depends(self, plan: PagePlan, page: ConvertedPage) -> set[tuple[str, str]]:
        text = plan.text.lower()
        output = "\n".join([page.markdown, *(f"{d.message}\n{d.hint or ''}" for d in page.diagnostics)]).lower()
        depends = {(plan.source.name, "files")}
        for name, other in self.index.sources.items():
            repo = f"github.com/{other.github_repo.lower()}" if other.github_repo else None
            if repo and repo in text:  # its links are resolved against that source's files and refs
                depends |= {(name, "files"), (name, "refs")}
                if re.search(re.escape(repo) + r"/[a-z]+/[0-9a-f]{7,40}\b", text):
                    depends.add((name, "commit"))  # a URL at a commit: the built one, or another version
            if other.web_url and other.web_url.lower() in output:  # a link to a file at the built commit
                depends |= {(name, "refs"), (name, "commit")}
        return depends

    def _dependency(self, name: str, part: str) -> str | None:
        """The digest of a source's files, refs or commit now (None: unknown, or too many files to digest)."""
        if (name, part) not in self._digests:
            source = self.index.sources.get(name)
            commit = next((ref for ref in source.refs if SHA.fullmatch(ref)), "") if source else ""
            if source is None:
                self._digests[(name, part)] = None
            elif part == "commit":
                self._digests[(name, part)] = _digest(commit)
            elif part == "refs":
                self._digests[(name, part)] = _digest(sorted(source.refs - {commit}),
                                                      (source.file_web_url or "").replace(commit, "<commit>"))
            else:
                self._digests[(name, part)] = self._files_digest(source.root, set(source.files))
        return self._digests[(name, part)]

    def _files_digest(self, root: Path, pages: set[str]) -> str | None:
        hasher = hashlib.sha256()
        walked = 0
        for folder, dirs, names in os.walk(root):
            dirs.sort()
            hasher.update(b"D" + Path(folder).relative_to(root).as_posix().encode() + b"\0")
            for name in sorted(names):
                walked += 1
                if walked > self.max_walked:
                    return None
                path = Path(folder) / name
                rel = path.relative_to(root).as_posix()
                hasher.update(rel.encode() + b"\0")
                try:
                    if path.is_symlink():
                        hasher.update(b"L" + os.fsencode(os.readlink(path)) + b"\0")
                    elif rel not in pages and path.is_file():
                        hasher.update(b"F" + hashlib.sha256(path.read_bytes()).digest())
                except OSError:
                    return None
        return hasher.hexdigest()

    def _store(self, slot: Path, pack: _Pack) -> None:
        try:
            write_pickled(slot, PAGE_FORMAT, pack)
        except OSError:
            pass  # not cached: the source's pages are converted again next time
