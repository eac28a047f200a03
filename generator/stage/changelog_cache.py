"""Each API's changelog kept from one build to the next: a rebuild reads no spec history and renders no
changelog whose inputs did not change.

A spec has one slot, ``<cache_dir>/changelogs/<digest of its source and path>.pickle`` (written then renamed, so
a killed build leaves the old slot or none; a slot that cannot be read or is of another format is ignored; the
slots of specs a build did not look up are deleted after its staging). It holds

* the spec's Git history (:class:`~generator.render.changelog.history.SpecHistory`: its revisions, the commit
  and the tags it was listed with, the files the spec reached), valid for the same settings (limit, size
  limits, names) while :meth:`~generator.render.changelog.history.SpecHistory.same_at` holds: the built commit
  is that commit or a line of commits on top of it changing none of those files, and the tags are the same.
  The history is then neither listed nor scanned again, and no worker process is started for it;
* what the changelog step made of all the spec's revisions (its files, the releases with a breaking change,
  the anchors, the problems), valid while its key is the same: devportal's code, the libraries' versions,
  every revision (of the history and of the versions) and where and how the page is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from generator.cache_entries import remove_other_entries
from generator.diagnostics import Diagnostic
from generator.pickled_files import read_pickled, write_pickled
from generator.render.changelog import BreakingRelease
from generator.render.changelog.history import SpecHistory

CACHE_FORMAT = 1


@dataclass
class CachedChangelog:
    """What the changelog step wrote for a spec, and what it told the rest of the staging."""

    files: dict[str, bytes]  # staged path → content: the page and its feeds
    breaking: list[BreakingRelease]
    anchors: set[str]  # the page's anchors, for the site index
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class _Slot:
    settings: str | None = None  # of the history (history_settings)
    history: SpecHistory | None = None
    key: str | None = None  # of the changelog
    changelog: CachedChangelog | None = None  # None: the spec had no changelog

    def valid(self) -> bool:
        return (self.history is None or isinstance(self.history, SpecHistory)) and \
            (self.changelog is None or isinstance(self.changelog, CachedChangelog))

    def same(self, other: _Slot) -> bool:
        where = (self.history.commit, self.history.tags) if self.history else None
        return (self.settings, where, self.key) == \
            (other.settings, (other.history.commit, other.history.tags) if other.history else None, other.key)


class ChangelogCache:
    """The slots of ``folder`` (none kept when ``None``), read once a build; ``histories_read`` names the specs
    (``<source>/<spec>``) whose history this build read from Git."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.histories_read: list[str] = []
        self._slots: dict[tuple[str, str], _Slot] = {}

    def history(self, source: str, spec: str, settings: str) -> SpecHistory | None:
        """The history of ``source``'s ``spec`` kept for ``settings`` (see :meth:`SpecHistory.same_at` for
        whether it is the history of the commit built now); ``None`` when none is kept."""
        slot = self._slot(source, spec)
        return slot.history if slot.settings == settings else None

    def changelog(self, source: str, spec: str, key: str) -> tuple[bool, CachedChangelog | None]:
        """(found, the changelog kept for ``key``: ``None`` when the spec had none)."""
        slot = self._slot(source, spec)
        return (slot.key == key, slot.changelog) if slot.key is not None else (False, None)

    def keep(self, source: str, spec: str, *, settings: str | None, history: SpecHistory | None, key: str,
             changelog: CachedChangelog | None) -> None:
        """Keep what this build made for ``source``'s ``spec`` (the slot is written only when it changed)."""
        new = _Slot(settings=settings if history else None, history=history, key=key, changelog=changelog)
        if self.folder is None or self._slot(source, spec).same(new):
            return
        self._slots[(source, spec)] = new
        try:
            write_pickled(self._path(source, spec), CACHE_FORMAT, new)
        except OSError:
            pass  # not kept: the next build makes it again

    def save(self) -> None:
        """Delete the slots of specs this build did not look up (specs no longer in the portal), so the cache
        holds one slot per spec of the portal."""
        if self.folder is not None:
            remove_other_entries(self.folder, {self._path(source, spec).name for source, spec in self._slots})

    def _slot(self, source: str, spec: str) -> _Slot:
        if (source, spec) not in self._slots:
            found = read_pickled(self._path(source, spec), CACHE_FORMAT, _Slot) if self.folder else None
            self._slots[(source, spec)] = found if found is not None and found.valid() else _Slot()
        return self._slots[(source, spec)]

    def _path(self, source: str, spec: str) -> Path:
        assert self.folder is not None
        return self.folder / f"{hashlib.sha256(repr((source, spec)).encode()).hexdigest()[:32]}.pickle"
