"""The changelog of one API: releases of entries, each entry the changes from the revision before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from generator.diagnostics import Diagnostic
from generator.urls import slug
from generator.validate.diff import Change

UNRELEASED = "Unreleased"


@dataclass(frozen=True)
class SpecOnDisk:
    """Where a revision's spec can be read: its root file and the folder its ``$ref``s are confined to."""

    path: Path
    root: Path


@dataclass(frozen=True)
class Revision:
    """One state of an API's spec, in the order the changelog compares them (oldest first).

    The changelog is fed from two places: the Git history of the spec (one revision per commit that
    changed it, ``release`` the tag that first contains the commit) and the API's versions (one revision
    per version, ``release`` its name). ``key`` is the content hash of the spec and of every file its
    ``$ref``s reach: two revisions with one key are the same API, and a comparison is cached by its pair
    of keys. ``open`` puts the spec on disk only when it must be compared (a cached comparison never does).
    """

    label: str  # a version's name, or a commit's short SHA
    key: str
    open: Callable[[], SpecOnDisk]
    display: str  # how problems name it: "payments/openapi.yaml at 1a2b3c4"
    date: dt.date | None = None
    release: str | None = None  # the release it belongs to; None: not released yet
    release_date: dt.date | None = None
    commit: str | None = None
    subject: str | None = None  # the commit's first line
    reference: str | None = None  # staged path of the overview of the reference showing this revision
    endpoints: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # "GET /a" → (page, anchor)
    baseline: bool = False  # only compared with: the state before the oldest commit shown


@dataclass
class Entry:
    """What one revision changed, compared with the revision before it (the first has nothing to compare)."""

    revision: Revision
    changes: list[Change] = field(default_factory=list)
    previous: Revision | None = None
    problem: Diagnostic | None = None  # the spec could not be read at this revision

    @property
    def breaking(self) -> list[Change]:
        return [change for change in self.changes if change.breaking]

    @property
    def anchor(self) -> str:
        return f"entry-{self.revision.commit[:12] if self.revision.commit else slug(self.revision.label, 'version')}"


@dataclass
class Release:
    """The entries of one release (a tag or a version), newest first; ``label`` is UNRELEASED for the
    commits after the last tag."""

    label: str
    date: dt.date | None
    entries: list[Entry] = field(default_factory=list)

    @property
    def breaking(self) -> bool:
        return any(entry.breaking for entry in self.entries)


@dataclass
class Changelog:
    """The releases of an API, newest first, and the problems found while building them."""

    releases: list[Release] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def entries(self) -> list[Entry]:
        return [entry for release in self.releases for entry in release.entries]
