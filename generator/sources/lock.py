"""``devportal.lock``: the commit every source was built from, so a build can be repeated exactly."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

HEADER = ("# devportal.lock: the commit each source is built from. Written by `devportal build`/`fetch`;\n"
          "# `devportal build --frozen` builds exactly these; `devportal fetch --update` moves them forward.\n")


@dataclass(frozen=True)
class LockEntry:
    repo: str  # the URL as fetched
    ref: str | None  # the ref asked for in mkdocs.yml (None: the remote's default branch)
    commit: str | None


def read_lock(path: Path) -> dict[str, LockEntry]:
    """The lock's entries by source name; empty when there is no lock file."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sources = data.get("sources") or {}
    return {name: LockEntry(repo=str(entry.get("repo")), ref=entry.get("ref"), commit=entry.get("commit"))
            for name, entry in sources.items() if isinstance(entry, dict)}


def write_lock(path: Path, entries: dict[str, LockEntry]) -> None:
    """Write the lock deterministically (sorted), atomically (rename), only when it changes."""
    body = yaml.safe_dump({"version": 1, "sources": {name: asdict(entries[name]) for name in sorted(entries)}},
                          sort_keys=True, default_flow_style=False)
    text = HEADER + body
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)
