"""Build a changelog from revisions: each compared with the one before it, every comparison cached.

A comparison is cached on disk by the content hashes of its two specs (``<cache_dir>/changelog/``), and
whether a content can be read at all by its hash: a rebuild compares nothing it compared before, and
reads no spec whose comparisons are all cached. Within a build each content is parsed at most once (the
spec read for one comparison is kept for the next).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from generator.cache_entries import remove_other_entries
from generator.diagnostics import Diagnostic, DiagnosticError, Severity, info
from generator.render.changelog.model import UNRELEASED, Changelog, Entry, Release, Revision
from generator.validate.diff import Change, ComparableSpec, compare_specs, read_spec
from generator.validate.spec_files import ParsedDocuments

#: Bumped when what a comparison finds changes, so older cached comparisons are not reused.
CACHE_FORMAT = 1


class Comparisons:
    """Comparisons of spec contents, cached in ``folder`` (none when ``None``); ``computed`` counts the
    comparisons made and ``reused`` those taken from the cache."""

    def __init__(self, folder: Path | None, parsed: ParsedDocuments | None = None) -> None:
        self.folder = folder
        self.parsed = parsed  # the run's parsed texts (see read_spec)
        self.computed = 0
        self.reused = 0
        self._parsed: dict[str, ComparableSpec] = {}

    def problem(self, revision: Revision) -> Diagnostic | None:
        """Why the spec of ``revision`` cannot be read, or ``None`` when it can."""
        cached = self._load(f"{revision.key}.json")
        if cached is not None:
            return _diagnostic(cached["problem"]) if cached.get("problem") else None
        try:
            self._spec(revision)
            problem = None
        except DiagnosticError as exc:
            problem = next(iter(exc.diagnostics))
        self._store(f"{revision.key}.json", {"problem": problem.to_json() if problem else None})
        return problem

    def compare(self, old: Revision, new: Revision) -> list[Change]:
        """The changes from ``old`` to ``new`` (both readable: see :meth:`problem`)."""
        name = f"{old.key}-{new.key}.json"
        cached = self._load(name)
        if cached is not None:
            self.reused += 1
            return [Change(**change) for change in cached["changes"]]
        result = compare_specs(self._spec(old), self._spec(new))
        self.computed += 1
        self._store(name, {"changes": [asdict(change) for change in result.changes]})
        return result.changes

    def forget_others(self, keys: set[str]) -> None:
        """Delete the kept readings and comparisons of spec contents other than ``keys`` (the revisions of the
        portal's changelogs now), so the cache does not grow with every content a spec ever had."""
        if self.folder is None:
            return
        try:
            names = {path.name for path in self.folder.iterdir()}
        except OSError:
            return
        remove_other_entries(self.folder, {name for name in names
                                           if set(name.removesuffix(".json").split("-")) <= keys})

    def _spec(self, revision: Revision) -> ComparableSpec:
        if revision.key not in self._parsed:
            where = revision.open()
            spec = read_spec(where.path, revision.display, root=where.root, parsed=self.parsed)
            # Keep the one read last: revisions are compared in order, each with the one before.
            self._parsed = {key: value for key, value in list(self._parsed.items())[-1:]}
            self._parsed[revision.key] = spec
        return self._parsed[revision.key]

    def _load(self, name: str) -> dict | None:
        if self.folder is None:
            return None
        try:
            data = json.loads((self.folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and data.get("format") == CACHE_FORMAT else None

    def _store(self, name: str, data: dict) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        temp = self.folder / f".{name}.{os.getpid()}"
        temp.write_text(json.dumps({"format": CACHE_FORMAT, **data}), encoding="utf-8")
        os.replace(temp, self.folder / name)  # a killed build leaves no half-written comparison


def _diagnostic(data: dict) -> Diagnostic:
    return Diagnostic(**{**data, "severity": Severity(data["severity"])})


def build_changelog(revisions: list[Revision], comparisons: Comparisons) -> Changelog:
    """The changelog of ``revisions`` (oldest first): an entry per revision whose content differs from the
    one before it, grouped into releases (newest first, the unreleased ones on top). A revision whose spec
    cannot be read gets an entry saying so (and an info naming the file and commit); the next one is
    compared with the last readable one."""
    changelog = Changelog()
    entries: list[Entry] = []
    previous: Revision | None = None
    for revision in revisions:
        if previous is not None and revision.key == previous.key:
            continue
        problem = comparisons.problem(revision)
        if problem is not None:
            changelog.diagnostics.append(info(problem.file, f"changelog: {problem.message}",
                                              code="changelog-spec-unreadable", line=problem.line,
                                              pointer=problem.pointer, hint="this revision is listed in the "
                                              "API changelog without its changes; later ones are compared with "
                                              "the last readable one"))
            if not revision.baseline:
                entries.append(Entry(revision=revision, previous=previous, problem=problem))
            continue
        if not revision.baseline:
            changes = comparisons.compare(previous, revision) if previous is not None else []
            entries.append(Entry(revision=revision, previous=previous,
                                 changes=sorted(changes, key=lambda change: not change.breaking)))
        previous = revision
    releases: dict[str, Release] = {}
    for entry in reversed(entries):
        label = entry.revision.release or UNRELEASED
        if label not in releases:
            releases[label] = Release(label=label, date=entry.revision.release_date if entry.revision.release
                                      else None)
        releases[label].entries.append(entry)
    ordered = sorted(releases.values(), key=lambda release: release.label != UNRELEASED)  # stable: newest first
    changelog.releases = ordered
    return changelog
