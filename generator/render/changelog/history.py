"""The revisions of a spec from the Git history of its source: one per commit that changed the spec or a
file its ``$ref``s reach, the newest ``limit`` of them, each in the release of the first tag containing it.

The history is a bare clone the sources step keeps beside the source's checkouts
(:attr:`CheckedOutSource.history`). Which files a spec reaches is found at every listed commit (a file
referenced only by older versions counts too): the commits touching any of them are listed again until
the set of files no longer grows. Files are read with ``git cat-file --batch`` (ids first, contents only
of files not scanned yet), so a rebuild with nothing new reads ids only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.render.changelog.model import Revision, SpecOnDisk
from generator.render.changelog.snapshot import closures, content_key
from generator.repo_files import DEFAULT_LIMITS, ContentLimits
from generator.sources.git import GitError, read_objects, run_git

#: How often the commit list is read again when older versions of the spec reach more files.
ROUNDS = 4


@dataclass(frozen=True)
class _Commit:
    sha: str
    date: dt.date
    subject: str


class _GitFiles:
    """:data:`~generator.render.changelog.snapshot.Lookup` and ``Fetch`` over a bare repo. A file over the
    spec size limit is taken as missing: it is never read (its ``$ref`` is then reported as dangling)."""

    def __init__(self, git_dir: Path, limits: ContentLimits) -> None:
        self.git_dir, self.limits = git_dir, limits

    def lookup(self, names: list[str]) -> dict[str, str | None]:
        found = read_objects(self.git_dir, names, contents=False)
        return {name: blob.id if blob and blob.size <= self.limits.spec_bytes else None
                for name, blob in found.items()}

    def fetch(self, blobs: list[str]) -> dict[str, bytes]:
        found = read_objects(self.git_dir, blobs, max_bytes=self.limits.spec_bytes)
        return {blob: item.content for blob, item in found.items() if item}


def history_revisions(git_dir: Path, commit: str, spec_path: str, *, limit: int, scratch: Path, display: str,
                      reference: str | None = None, endpoints: Mapping[str, tuple[str, str]] | None = None,
                      limits: ContentLimits = DEFAULT_LIMITS) -> list[Revision]:
    """The revisions of the spec at repo path ``spec_path`` up to ``commit``, oldest first: the newest
    ``limit`` commits that changed it, preceded by the state just before the oldest of them (compared
    with, not shown). ``scratch`` is where a revision's files are written when it must be compared;
    ``display`` names the spec in problems (`` at <commit>`` is added)."""
    git = _GitFiles(git_dir, limits)
    scanned: dict[tuple[str, str], list[str]] = {}
    head = closures([f"{commit}:{spec_path}"], git.lookup, git.fetch, scanned, separator=":")
    if not head[f"{commit}:{spec_path}"]:
        return []
    paths = set(head[f"{commit}:{spec_path}"])
    for _ in range(ROUNDS):
        commits = _log(git_dir, commit, sorted(paths), limit)
        found = closures([f"{c.sha}:{spec_path}" for c in commits], git.lookup, git.fetch, scanned, separator=":")
        more = {path for files in found.values() if files for path in files} - paths
        if not more:
            break
        paths |= more
    base = _parent(git_dir, commits[-1].sha) if commits else None
    if base:
        found.update(closures([f"{base.sha}:{spec_path}"], git.lookup, git.fetch, scanned, separator=":"))
    releases = _releases(git_dir, commit, {c.sha for c in commits}, base.sha if base else None)
    revisions = []
    for item in reversed([*commits, *([base] if base else [])]):
        files = found.get(f"{item.sha}:{spec_path}")
        if not files:
            continue  # the spec did not exist at that commit
        tag, tag_date = releases.get(item.sha, (None, None))
        revisions.append(Revision(
            label=item.sha[:7], key=content_key(files), display=f"{display} at {item.sha[:7]}", date=item.date,
            open=_Materialize(git, files, spec_path, scratch / content_key(files)), release=tag,
            release_date=tag_date, commit=item.sha, subject=item.subject, reference=reference,
            endpoints=endpoints or {}, baseline=item is base))
    return revisions


@dataclass(frozen=True)
class _Materialize:
    """Writes a revision's files into ``folder`` (once) and says where its spec is."""

    git: _GitFiles
    files: Mapping[str, str]
    spec_path: str
    folder: Path

    def __call__(self) -> SpecOnDisk:
        if not (self.folder / self.spec_path).is_file():
            contents = self.git.fetch(sorted(set(self.files.values())))
            for path, blob in self.files.items():
                target = self.folder / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(contents.get(blob, b""))
        return SpecOnDisk(path=self.folder / self.spec_path, root=self.folder)


def _log(git_dir: Path, commit: str, paths: list[str], limit: int) -> list[_Commit]:
    output = run_git(["log", f"-n{limit}", "--format=%H%x1f%cI%x1f%s", commit, "--",
                      *(f":(literal){path}" for path in paths)], cwd=git_dir)
    commits = []
    for line in output.splitlines():
        sha, date, subject = (line.split("\x1f") + ["", ""])[:3]
        commits.append(_Commit(sha, dt.date.fromisoformat(date[:10]), subject))
    return commits


def _parent(git_dir: Path, sha: str) -> _Commit | None:
    try:
        line = run_git(["log", "-n1", "--format=%H%x1f%cI%x1f%s", f"{sha}^"], cwd=git_dir).strip()
    except GitError:
        return None  # the first commit
    parent, date, subject = (line.split("\x1f") + ["", ""])[:3]
    return _Commit(parent, dt.date.fromisoformat(date[:10]), subject)


def _releases(git_dir: Path, commit: str, changed: set[str], base: str | None) -> dict[str, tuple[str, dt.date]]:
    """Commit → (tag, its date) of the first tag, in topological order from old to new, at or after it."""
    tags: dict[str, list[tuple[str, dt.date]]] = {}
    output = run_git(["for-each-ref", "refs/tags", "--format=%(refname:short)%1f%(objectname)%1f%(*objectname)%1f"
                      "%(creatordate:iso-strict)"], cwd=git_dir)
    for line in output.splitlines():
        name, target, peeled, date = (line.split("\x1f") + ["", "", ""])[:4]
        try:
            tags.setdefault(peeled or target, []).append((name, dt.date.fromisoformat(date[:10])))
        except ValueError:
            continue
    if not tags:
        return {}
    order = run_git(["rev-list", "--topo-order", commit, *([f"^{base}"] if base else [])], cwd=git_dir).split()
    releases: dict[str, tuple[str, dt.date]] = {}
    pending: list[str] = []
    for sha in reversed(order):
        if sha in changed:
            pending.append(sha)
        if sha in tags and pending:
            tag = sorted(tags[sha])[0]
            releases.update((each, tag) for each in pending)
            pending = []
    return releases
