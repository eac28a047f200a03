"""Reading what a source controls, within limits: files are read whole only when small enough, decoded as
strict UTF-8, and found by globs whose walk of the repo is bounded.

Sources are other teams' repos and any of them may be careless or hostile: a 200 MB "spec", a binary file
named ``.md`` or a glob over a monorepo of 100,000 files must end in a clear error, quickly, not in a hung or
crashed build. Every later step reads a source's files through here.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MB = 1024 * 1024
MARKDOWN_SUFFIXES = (".md", ".mdx", ".markdown")


@dataclass(frozen=True)
class ContentLimits:
    """How much of a source the build reads (the ``limits:`` settings of the plugin)."""

    page_bytes: int = 5 * MB  # one Markdown page (front matter included), a partial, a nav file
    spec_bytes: int = 25 * MB  # one spec file, and each file its $refs reach
    pages: int = 5000  # Markdown pages one source may publish
    walked_files: int = 200_000  # files and folders one source's globs may look at


DEFAULT_LIMITS = ContentLimits()


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path``, its symlinks followed, stays inside the folder ``root`` (a repo's file may link
    anywhere on the machine: nothing outside the repo is read through it)."""
    return path.resolve().is_relative_to(root.resolve())


class SourceFileError(Exception):
    """A file of a source that is not read: too big, not UTF-8 text, or outside the repo."""

    def __init__(self, message: str, hint: str, line: int | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        self.line = line


def read_text(path: Path, *, max_bytes: int, setting: str) -> str:
    """The text of ``path``, refused before it is read when bigger than ``max_bytes`` (named by
    ``setting`` in the message), and refused when it is not UTF-8 text (a NUL byte, an invalid sequence)."""
    size = path.stat().st_size
    if size > max_bytes:
        shown, limit = (_size(size), _size(max_bytes)) if _size(size) != _size(max_bytes) else \
            (f"{size:,} bytes", f"{max_bytes:,} bytes")
        raise SourceFileError(f"the file is {shown}, over the limit of {limit}",
                              hint=f"split the file, or raise `limits: {{{setting}: ...}}` in the portal's "
                                   "config if it really is that big")
    with path.open("rb") as stream:
        data = stream.read(size + 1)  # (read(n) allocates n bytes up front: not the limit, the size)
        if len(data) > size:  # the file grew since stat()
            data += stream.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise SourceFileError(f"the file is over the limit of {_size(max_bytes)}",
                              hint=f"split the file, or raise `limits: {{{setting}: ...}}`")
    nul = data.find(b"\0")
    if nul >= 0:
        raise SourceFileError("the file is binary, not text (it contains NUL bytes)",
                              hint="publish only text files under these globs; exclude or rename this one",
                              line=data.count(b"\n", 0, nul) + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceFileError(f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                              hint="re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)",
                              line=data.count(b"\n", 0, exc.start) + 1) from exc
    return text.removeprefix("\ufeff")


def _size(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB // 10 else f"{size:,} bytes"


def is_markdown(path: str) -> bool:
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a glob inside a repo (absolute, or reaching out with ``..``), else None."""
    if not pattern.strip():
        return "is empty"
    if pattern.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        return "is absolute; globs are relative to the repo root"
    if ".." in re.split(r"[/\\]", pattern):
        return "contains `..`; globs may not leave the repo"
    return None


class GlobLimitError(Exception):
    """A glob walk that looked at more files than the limit allows."""


def glob_match(pattern_parts: tuple[str, ...], path_parts: tuple[str, ...]) -> bool:
    """Whether a repo path matches a glob as pathlib reads it: ``**`` any folders, ``*``, ``?`` and
    ``[...]`` within one path part."""
    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern_parts):
            return j == len(path_parts)
        if pattern_parts[i] == "**":
            return match(i + 1, j) or (j < len(path_parts) - 1 and match(i, j + 1))
        return j < len(path_parts) and fnmatch.fnmatchcase(path_parts[j], pattern_parts[i]) and match(i + 1, j + 1)

    return match(0, 0)


def _literal_prefix(pattern: str) -> str:
    """The folders of ``pattern`` before its first wildcard: the only part of the repo it can match."""
    prefix = []
    for part in PurePosixPath(pattern).parts[:-1]:
        if any(ch in part for ch in "*?["):
            break
        prefix.append(part)
    return "/".join(prefix)


def walk_glob(root: Path, patterns: Iterable[str], *, max_walked: int) -> dict[str, set[str]]:
    """Repo-relative posix paths of the files each pattern matches, by one walk of the repo.

    Hidden folders (``.git``, ``.github``...) are not entered and symlinked folders are not followed.
    Only the folders a pattern can reach are walked; the walk stops with :class:`GlobLimitError` after
    ``max_walked`` files and folders, so a glob over a huge repo ends in a clear error, quickly."""
    patterns = list(patterns)
    compiled = [(pattern, PurePosixPath(pattern).parts) for pattern in patterns]
    found: dict[str, set[str]] = {pattern: set() for pattern in patterns}
    starts = sorted({_literal_prefix(pattern) for pattern in patterns})
    starts = [s for s in starts if not any(s != o and (s + "/").startswith(o + "/" if o else "") for o in starts)]
    walked = 0
    for start in starts:
        top = root / start if start else root
        if not top.is_dir() or top.is_symlink():
            continue
        for folder, dirs, files in os.walk(top):
            walked += len(dirs) + len(files)
            if walked > max_walked:
                raise GlobLimitError(f"the globs look at more than {max_walked:,} files and folders of the repo")
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel_folder = Path(folder).relative_to(root).as_posix()
            rel_folder = "" if rel_folder == "." else rel_folder + "/"
            for name in files:
                rel = rel_folder + name
                parts = tuple(rel.split("/"))
                for pattern, pattern_parts in compiled:
                    if glob_match(pattern_parts, parts):
                        found[pattern].add(rel)
    return found
