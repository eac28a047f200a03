"""A spec's content: its root file and every file its ``$ref``s reach, named by one content hash.

The files a spec reaches are found by scanning each file's text for ``$ref`` values (no YAML parse: the
spec is parsed once, when it is compared, and never when its comparison is cached). A file is scanned
once per content (its Git blob id), so a history of fifty commits scans each distinct file once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote

from generator.render.changelog.model import Revision, SpecOnDisk
from generator.repo_files import DEFAULT_LIMITS, ContentLimits, is_inside

REF = re.compile(rb"""["']?\$ref["']?\s*:\s*["']?([^"'\s#,}\]]*)""")


def blob_id(content: bytes) -> str:
    """Git's id of a file's content, so a file on disk and the same file in Git have one id."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


def content_key(files: dict[str, str]) -> str:
    """The content hash of a spec: of every (path, blob id) it reaches."""
    text = "".join(f"{path}\0{blob}\n" for path, blob in sorted(files.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def referenced_files(path: str, content: bytes) -> list[str]:
    """The repo paths of the files that the ``$ref``s in ``content`` (the file at repo path ``path``) name;
    remote and absolute ``$ref``s and those leaving the repo are left out."""
    found = []
    for match in REF.finditer(content):
        target = unquote(match.group(1).decode("utf-8", errors="replace"))
        if not target or "://" in target or target.startswith("/"):
            continue
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if joined != ".." and not joined.startswith("../"):
            found.append(joined)
    return found


Lookup = Callable[[list[str]], dict[str, str | None]]
"""Names (paths, or ``<commit>:<path>``) → their blob ids, ``None`` for a name that does not exist."""
Fetch = Callable[[list[str]], dict[str, bytes]]
"""Blob ids → their contents."""


def closures(roots: Iterable[str], lookup: Lookup, fetch: Fetch, scanned: dict[tuple[str, str], list[str]], *,
             separator: str = "") -> dict[str, dict[str, str] | None]:
    """Path → blob id of each root spec and every file its ``$ref``s reach (``None`` when the root file does
    not exist), the roots looked up together, one ``lookup`` per level of ``$ref``s. A root is
    ``<prefix><separator><path>`` when ``separator`` is set (``<commit>:<path>`` for Git), and so are the
    names passed to ``lookup``. ``scanned`` remembers the ``$ref``s found in each (path, blob id) across
    calls: a content already scanned is not fetched again."""
    def split(name: str) -> tuple[str, str]:
        if not separator:
            return "", name
        prefix, _, path = name.partition(separator)
        return prefix + separator, path

    result: dict[str, dict[str, str] | None] = {root: {} for root in roots}
    frontier: dict[str, str] = {root: root for root in result}  # name to look up → the root it belongs to
    while frontier:
        blobs = lookup(list(frontier))
        unscanned = {(split(name)[1], blob) for name, blob in blobs.items() if blob and (split(name)[1], blob)
                     not in scanned}
        contents = fetch(sorted({blob for _, blob in unscanned}))
        for path, blob in unscanned:
            scanned[(path, blob)] = referenced_files(path, contents.get(blob, b""))
        following: dict[str, str] = {}
        for name, root in frontier.items():
            files = result[root]
            blob = blobs.get(name)
            if files is None:
                continue
            if blob is None:
                if name == root:
                    result[root] = None
                continue  # a $ref to a missing file: the comparison reports it
            prefix, path = split(name)
            files[path] = blob
            for target in scanned[(path, blob)]:
                if target not in files and prefix + target not in following:
                    following[prefix + target] = root
        frontier = following
    return result


class FolderFiles:
    """:class:`Lookup` and :class:`Fetch` over the files of a folder (inside it, within the spec size limit)."""

    def __init__(self, root: Path, limits: ContentLimits = DEFAULT_LIMITS) -> None:
        self.root, self.limits = root, limits
        self._contents: dict[str, bytes] = {}

    def lookup(self, names: list[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for name in names:
            path = self.root / name
            if not path.is_file() or not is_inside(path, self.root) or path.stat().st_size > self.limits.spec_bytes:
                found[name] = None
                continue
            content = path.read_bytes()
            found[name] = blob_id(content)
            self._contents[found[name]] = content
        return found

    def fetch(self, blobs: list[str]) -> dict[str, bytes]:
        return {blob: self._contents[blob] for blob in blobs if blob in self._contents}


def folder_revision(root: Path, spec_path: str, *, label: str, display: str, date: dt.date | None = None,
                    release: str | None = None, reference: str | None = None,
                    endpoints: Mapping[str, tuple[str, str]] | None = None,
                    limits: ContentLimits = DEFAULT_LIMITS) -> Revision | None:
    """A revision whose spec is the file ``spec_path`` of the folder ``root`` (a version of the API, by
    default its own release ``label``); ``None`` when the file is not there."""
    files = FolderFiles(root, limits)
    found = closures([spec_path], files.lookup, files.fetch, {})[spec_path]
    if not found:
        return None
    spec_on_disk = SpecOnDisk(path=root / spec_path, root=root)
    return Revision(label=label, key=content_key(found), open=lambda: spec_on_disk, display=display, date=date,
                    release=release or label, release_date=date, reference=reference, endpoints=endpoints or {})
