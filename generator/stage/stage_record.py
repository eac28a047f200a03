"""What the staged tree was made from, so that a build whose inputs did not change skips staging.

After a build stages the portal, a record is kept in the cache folder (one file per stage folder): a digest
of everything staging reads (:func:`stage_key`) and every staged file's size, mtime and inode. The next
build computes the digest again after fetching; when it is the same and the staged tree is as it was left,
staging is skipped, the record's diagnostics are reported again, and the site step finds the staged tree
unchanged (see :mod:`generator.stage.site_state`).

What staging reads: devportal's code and templates, the versions of the libraries that shape its output,
the config file, the portal's own folders (``content_dir``, the theme's ``custom_dir``, the updates folder),
each source's commit (and its version refs' commits, its stale notice), the build date, ``strict``. A source
that is a local folder (its files may change without a commit) or that may read remote ``$ref``s (a remote
document can change without notice) makes every build stage again.
"""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from generator.config import ProjectConfig
from generator.diagnostics import Diagnostic
from generator.package_data import code_digest
from generator.pickled_files import read_pickled, write_pickled
from generator.sources import CheckedOutSource

RECORD_FORMAT = 1
STAGED = ("docs", "overrides", "mkdocs.yml")  # what staging writes into the stage folder
LIBRARIES = ("mkdocs", "mkdocs-material", "pymdown-extensions", "markdown-it-py", "PyYAML", "Jinja2",
             "openapi-spec-validator", "jsonschema", "feedgen", "lxml")


def library_versions() -> list[str]:
    """The installed versions of the libraries whose behaviour shapes the staged tree (those this process runs:
    read once, from the packages' metadata)."""
    return list(_library_versions())


@lru_cache(maxsize=1)
def _library_versions() -> tuple[str, ...]:
    versions = []
    for package in LIBRARIES:
        try:
            versions.append(f"{package}=={version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} absent")
    return tuple(versions)


def folder_digest(root: Path, hasher: hashlib._Hash) -> None:
    """Feed every file under ``root`` (path and bytes; a symlink by its target, never followed) to ``hasher``."""
    if not root.is_dir():
        hasher.update(b"absent\0")
        return
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(root).as_posix().encode()
            if path.is_symlink():
                hasher.update(b"L" + rel + b"\0" + os.fsencode(os.readlink(path)) + b"\0")
            elif path.is_file():
                hasher.update(b"F" + rel + b"\0" + hashlib.sha256(path.read_bytes()).digest())


def stage_key(project: ProjectConfig, checkouts: list[CheckedOutSource], *, strict: bool,
              today: date) -> str | None:
    """A digest of everything staging reads (see the module docstring), or None when that cannot be known."""
    portal = project.portal
    if any(c.commit is None or c.ref == "local" or c.config.remote_refs for c in checkouts):
        return None
    from generator.sources.fetch import repo_url

    if any(repo_url(c.config.repo, project.root)[1] is not None for c in checkouts):
        return None  # a local folder: built as it is on disk, uncommitted edits included
    hasher = hashlib.sha256()
    for part in (str(RECORD_FORMAT), sys.version, code_digest(), *library_versions(), str(project.path),
                 str(strict), today.isoformat()):
        hasher.update(part.encode() + b"\0")
    hasher.update(project.path.read_bytes() + b"\0")
    theme = project.raw.get("theme")
    custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    folders = [project.resolve(portal.content_dir)]
    if isinstance(custom_dir, str):
        folders.append(project.resolve(custom_dir))
    if portal.updates.enabled and not portal.updates.source:
        folders.append(project.resolve(portal.updates.dir))
    for folder in folders:
        hasher.update(str(folder).encode() + b"\0")
        folder_digest(folder, hasher)
    for checkout in checkouts:
        parts = [checkout.config.name, str(checkout.root), checkout.commit, checkout.ref, checkout.edit_branch,
                 checkout.web_url or "", checkout.stale.notice if checkout.stale else "",
                 str(checkout.history or ""), *(f"{t.ref}={t.commit}" for t in checkout.version_trees),
                 *(d.code + d.message for d in checkout.diagnostics)]
        hasher.update("\0".join(parts).encode() + b"\1")
    return hasher.hexdigest()


def tree_files(stage_dir: Path) -> dict[str, tuple[int, int, int]]:
    """Every file staging writes (``docs/``, ``overrides/``, ``mkdocs.yml``): (size, mtime_ns, inode), to tell
    whether anything touched them since. What an engine keeps beside them (Zensical's ``.cache``) is not
    staged output."""
    files = {}
    for top in STAGED:
        for folder, _, names in os.walk(stage_dir / top) if (stage_dir / top).is_dir() else [(stage_dir, [], [top])]:
            for name in names:
                path = Path(folder) / name
                try:
                    stat = path.stat()
                except OSError:
                    continue
                files[path.relative_to(stage_dir).as_posix()] = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return files


@dataclass
class StageRecord:
    """The record of the last staging of one stage folder."""

    key: str
    files: dict[str, tuple[int, int, int]]
    config: dict
    diagnostics: list[Diagnostic]

    def save(self, path: Path) -> None:
        """Write the record (write-then-rename: a killed build leaves the old record or none)."""
        write_pickled(path, RECORD_FORMAT, self)

    @classmethod
    def load(cls, path: Path) -> StageRecord | None:
        return read_pickled(path, RECORD_FORMAT, cls)

    def still_valid(self, key: str | None, stage_dir: Path) -> bool:
        """Whether staging with inputs of digest ``key`` would write the tree the stage folder still holds."""
        return key is not None and key == self.key and tree_files(stage_dir) == self.files


def record_file(cache_dir: Path, stage_dir: Path) -> Path:
    """Where the record of the stage folder ``stage_dir`` is kept."""
    return cache_dir / "stages" / f"{hashlib.sha256(str(stage_dir.resolve()).encode()).hexdigest()[:24]}.pickle"
