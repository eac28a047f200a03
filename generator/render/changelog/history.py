"""The revisions of a spec from the Git history of its source: one per commit that changed the spec or a
file its ``$ref``s reach, the newest ``limit`` of them, each in the release of the first tag containing it.

The history is a bare clone the sources step keeps beside the source's checkouts
(:attr:`CheckedOutSource.history`). Which files a spec reaches is found at every listed commit (a file
referenced only by older versions counts too): the commits touching any of them are listed again until
the set of files no longer grows. Files are read with ``git cat-file`` (ids first, contents only of files
not scanned yet), so a rebuild with nothing new reads ids only; one listing asks the same two long-lived
processes every time (:class:`~generator.sources.git.ObjectReader`). What the revisions are made of is
fixed by the commit, the tags and the settings (:class:`SpecHistory`, :func:`history_settings`), and stay the
same for a later commit that changes none of the spec's files: a build can keep them and reuse them in another
build (:func:`relocated`) instead of reading the history again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.render.changelog.model import Revision, SpecOnDisk
from generator.render.changelog.snapshot import closures, content_key
from generator.repo_files import DEFAULT_LIMITS, ContentLimits
from generator.sources.git import GitError, ObjectReader, run_git

#: How often the commit list is read again when older versions of the spec reach more files.
ROUNDS = 4
#: Bumped when what :func:`history_revisions` makes of the same history changes.
HISTORY_FORMAT = 1


@dataclass(frozen=True)
class _Commit:
    sha: str
    date: dt.date
    subject: str


class _GitFiles:
    """:data:`~generator.render.changelog.snapshot.Lookup` and ``Fetch`` over a bare repo. A file over the
    spec size limit is taken as missing: it is never read (its ``$ref`` is then reported as dangling).

    Inside :meth:`reading`, every question is answered by the same ``cat-file`` processes
    (:class:`~generator.sources.git.ObjectReader`); outside, by processes started for it and ended after. What is
    pickled (a kept history's revisions) is the repo and the limits only."""

    def __init__(self, git_dir: Path, limits: ContentLimits) -> None:
        self.git_dir, self.limits = git_dir, limits
        self._reader: ObjectReader | None = None

    def __getstate__(self) -> dict:
        return {"git_dir": self.git_dir, "limits": self.limits}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["git_dir"], state["limits"])

    @contextmanager
    def reading(self) -> Iterator[ObjectReader]:
        """The reader of the files asked for in the ``with`` block: this one's, or one that ends with it."""
        if self._reader is not None:
            yield self._reader
            return
        with ObjectReader(self.git_dir) as reader:
            self._reader = reader
            try:
                yield reader
            finally:
                self._reader = None

    def lookup(self, names: list[str]) -> dict[str, str | None]:
        with self.reading() as reader:
            found = reader.headers(names)
        return {name: blob.id if blob and blob.size <= self.limits.spec_bytes else None
                for name, blob in found.items()}

    def fetch(self, blobs: list[str]) -> dict[str, bytes]:
        with self.reading() as reader:
            found = reader.contents(blobs, max_bytes=self.limits.spec_bytes)
        return {blob: item.content for blob, item in found.items() if item}


@dataclass(frozen=True)
class SpecHistory:
    """The revisions of a spec's history as listed at ``commit`` (:func:`spec_history`), with what decides
    whether a later commit has the same ones (:meth:`same_at`)."""

    commit: str
    tags: str  # every tag of the repo then
    paths: frozenset[str]  # every file the spec reached at a listed commit (its own path at least)
    revisions: list[Revision]

    def same_at(self, git_dir: Path, commit: str) -> bool:
        """Whether :func:`spec_history` at ``commit`` (same repo, spec and settings) makes these revisions: the
        repo's tags are the same, and ``commit`` is this history's commit or descends from it through commits
        that are no merges and change none of its files (so every listed commit, their order and their
        releases stay the same; a new or moved tag, or a force-push, is no such case)."""
        try:
            if _tag_list(git_dir) != self.tags:
                return False
            if commit == self.commit:
                return True
            chain = [line.split() for line in
                     run_git(["rev-list", "--parents", f"{self.commit}..{commit}"], cwd=git_dir).splitlines()]
            if not chain or any(len(line) != 2 for line in chain) or chain[-1][1] != self.commit:
                return False  # not a line of commits on top of this history's
            touching = run_git(["log", "--format=%H", f"{self.commit}..{commit}", "--",
                                *(f":(literal){path}" for path in sorted(self.paths))], cwd=git_dir)
        except GitError:
            return False
        return not touching.strip()


def history_revisions(git_dir: Path, commit: str, spec_path: str, *, limit: int, scratch: Path, display: str,
                      reference: str | None = None, endpoints: Mapping[str, tuple[str, str]] | None = None,
                      limits: ContentLimits = DEFAULT_LIMITS) -> list[Revision]:
    """The revisions of the spec at repo path ``spec_path`` up to ``commit``, oldest first: the newest
    ``limit`` commits that changed it, preceded by the state just before the oldest of them (compared
    with, not shown). ``scratch`` is where a revision's files are written when it must be compared;
    ``display`` names the spec in problems (`` at <commit>`` is added)."""
    return spec_history(git_dir, commit, spec_path, limit=limit, scratch=scratch, display=display,
                        reference=reference, endpoints=endpoints, limits=limits).revisions


def spec_history(git_dir: Path, commit: str, spec_path: str, *, limit: int, scratch: Path, display: str,
                 reference: str | None = None, endpoints: Mapping[str, tuple[str, str]] | None = None,
                 limits: ContentLimits = DEFAULT_LIMITS) -> SpecHistory:
    """:func:`history_revisions` (same arguments), with what :meth:`SpecHistory.same_at` needs."""
    tags = _tag_list(git_dir)
    git = _GitFiles(git_dir, limits)
    with git.reading():  # one cat-file process per kind for every commit's files
        return _spec_history(git, git_dir, commit, spec_path, limit=limit, scratch=scratch, display=display,
                             reference=reference, endpoints=endpoints, tags=tags)


def _spec_history(git: _GitFiles, git_dir: Path, commit: str, spec_path: str, *, limit: int, scratch: Path,
                  display: str, reference: str | None, endpoints: Mapping[str, tuple[str, str]] | None,
                  tags: str) -> SpecHistory:
    scanned: dict[tuple[str, str], list[str]] = {}
    head = closures([f"{commit}:{spec_path}"], git.lookup, git.fetch, scanned, separator=":")
    if not head[f"{commit}:{spec_path}"]:
        return SpecHistory(commit=commit, tags=tags, paths=frozenset([spec_path]), revisions=[])
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
    releases = _releases(git_dir, commit, {c.sha for c in commits}, base.sha if base else None, tags=tags)
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
    return SpecHistory(commit=commit, tags=tags, paths=frozenset(paths), revisions=revisions)


def history_settings(git_dir: Path, spec_path: str, *, limit: int, display: str,
                     limits: ContentLimits = DEFAULT_LIMITS) -> str:
    """A digest of what :func:`spec_history` is given but the commit: of two histories listed with the same
    settings, :meth:`SpecHistory.same_at` says whether one is the other's."""
    parts = (HISTORY_FORMAT, ROUNDS, str(git_dir.resolve()), spec_path, limit, display, dataclasses.astuple(limits))
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def relocated(revisions: list[Revision], scratch: Path) -> list[Revision]:
    """``revisions`` made by :func:`history_revisions` in another build, their files written under ``scratch``
    (the ``scratch`` of this build) when they must be compared."""
    return [dataclasses.replace(revision, open=dataclasses.replace(revision.open, folder=scratch / revision.key))
            if isinstance(revision.open, _Materialize) else revision for revision in revisions]


@contextmanager
def files_read_together(revisions: list[Revision]) -> Iterator[None]:
    """While the ``with`` block runs, the files of ``revisions`` (opened to be compared) are read by one reader
    per repo instead of one per revision."""
    with ExitStack() as stack:
        for git in {id(r.open.git): r.open.git for r in revisions if isinstance(r.open, _Materialize)}.values():
            stack.enter_context(git.reading())
        yield


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


def _tag_list(git_dir: Path) -> str:
    """Every tag of the repo: name, target, the commit it peels to and its date, a line each."""
    return run_git(["for-each-ref", "refs/tags", "--format=%(refname:short)%1f%(objectname)%1f%(*objectname)%1f"
                    "%(creatordate:iso-strict)"], cwd=git_dir)


def _releases(git_dir: Path, commit: str, changed: set[str], base: str | None, *,
              tags: str) -> dict[str, tuple[str, dt.date]]:
    """Commit → (tag, its date) of the first tag, in topological order from old to new, at or after it;
    ``tags`` is :func:`_tag_list`."""
    tagged: dict[str, list[tuple[str, dt.date]]] = {}
    for line in tags.splitlines():
        name, target, peeled, date = (line.split("\x1f") + ["", "", ""])[:4]
        try:
            tagged.setdefault(peeled or target, []).append((name, dt.date.fromisoformat(date[:10])))
        except ValueError:
            continue
    if not tagged:
        return {}
    order = run_git(["rev-list", "--topo-order", commit, *([f"^{base}"] if base else [])], cwd=git_dir).split()
    releases: dict[str, tuple[str, dt.date]] = {}
    pending: list[str] = []
    for sha in reversed(order):
        if sha in changed:
            pending.append(sha)
        if sha in tagged and pending:
            tag = sorted(tagged[sha])[0]
            releases.update((each, tag) for each in pending)
            pending = []
    return releases
