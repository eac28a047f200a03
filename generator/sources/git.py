"""Git plumbing for fetching sources: every call goes through :func:`run_git`, which never prompts,
never runs a hook or filter from the fetched repo and never shows a credential."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from generator.redaction import redact_text

SHA = re.compile(r"^[0-9a-f]{40}$")

#: Settings that keep an untrusted repo from running code or reaching files outside itself.
SAFE_CONFIG = [
    "-c", "core.symlinks=false",  # a symlink becomes a plain file holding its target's path
    "-c", f"core.hooksPath={os.devnull}",
    "-c", "filter.lfs.smudge=", "-c", "filter.lfs.process=", "-c", "filter.lfs.required=false",
    "-c", "protocol.file.allow=always",
    "-c", "advice.detachedHead=false",
    "-c", "init.defaultBranch=main",
    "-c", "core.logAllRefUpdates=false",  # no reflogs: nothing reads them, and each is a file and folders more
]


#: What points git at parts of a repository other than the one it runs in (``git rev-parse --local-env-vars``
#: less the configuration ones): a git hook runs with ``GIT_DIR`` and ``GIT_INDEX_FILE`` set, and a build run
#: from one would otherwise check its sources out into the hook's repository's index, or fetch into its objects.
REPO_VARIABLES = ("GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE",
                  "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE", "GIT_NO_REPLACE_OBJECTS",
                  "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE",
                  "GIT_COMMON_DIR")


@dataclass(frozen=True)
class HttpAuth:
    """A credential for an ``http(s)`` remote, handed to git through its environment only.

    Git reads it as ``http.<scheme://host/>.extraHeader`` from ``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``
    (as actions/checkout does): it never appears in a URL, a process's argv, ``.git/config``, the lock or
    the cache. ``env_name`` is the variable it came from (for hints), ``None`` for a URL's own userinfo.
    """

    prefix: str  # scheme://host[:port]/ the header is sent to
    username: str
    password: str
    env_name: str | None = None

    @property
    def header(self) -> str:
        pair = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return f"Authorization: Basic {pair}"

    def secrets(self) -> list[str]:
        """Every string that would give the credential away in git's output."""
        return [value for value in (self.password, self.header.split()[-1]) if value]

    def git_env(self, environ: Mapping[str, str]) -> dict[str, str]:
        """Environment entries adding the header to whatever ``GIT_CONFIG_COUNT`` config is already set."""
        try:
            count = int(environ.get("GIT_CONFIG_COUNT", "0"))
        except ValueError:
            count = 0
        return {"GIT_CONFIG_COUNT": str(count + 1), f"GIT_CONFIG_KEY_{count}": f"http.{self.prefix}.extraHeader",
                f"GIT_CONFIG_VALUE_{count}": self.header}


def http_prefix(url: str) -> str:
    """``scheme://host[:port]/`` of an http(s) URL: where a credential for it may be sent."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/"


class GitError(Exception):
    """A git command failed; ``stderr`` is what git said, with any credential taken out."""

    def __init__(self, args: list[str], stderr: str, secrets: list[str] | None = None) -> None:
        self.stderr = redact_text(stderr.strip(), secrets or [])
        super().__init__(redact_text(f"git {' '.join(args)}: {self.first_line}", secrets or []))

    @property
    def auth_failed(self) -> bool:
        """True when the server refused the credential or asked for one."""
        text = self.stderr.lower()
        return any(mark in text for mark in ("authentication failed", "could not read username", "error: 401",
                                             "error: 403", "terminal prompts disabled", "access denied",
                                             "permission denied"))

    @property
    def first_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("fatal:", "error:")):
                return line
        return lines[0] if lines else "git failed"


def run_git(args: list[str], *, cwd: Path | None = None, timeout: float = 600,
            auth: HttpAuth | None = None, index_file: Path | None = None) -> str:
    """Run git safely and return its stdout; ``auth`` is the credential for a remote (in git's environment
    only), ``index_file`` the index git uses instead of the repo's own."""
    env = _environment(auth)
    if index_file is not None:
        env["GIT_INDEX_FILE"] = str(index_file)
    secrets = auth.secrets() if auth else []
    try:
        proc = subprocess.run(["git", *SAFE_CONFIG, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise GitError(args, f"fatal: timed out after {timeout:.0f} s", secrets) from exc
    if proc.returncode != 0:
        raise GitError(args, proc.stderr or proc.stdout, secrets)
    return proc.stdout


def _environment(auth: HttpAuth | None = None) -> dict[str, str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GCM_INTERACTIVE": "never",
           "GIT_LFS_SKIP_SMUDGE": "1", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C",
           # No template: a repo git makes has no sample hooks, description or info/exclude (about 20 files and
           # folders per clone or checkout, written and, for a checkout, deleted again); the empty variable
           # also overrides any template folder the user's environment or git config names.
           "GIT_TEMPLATE_DIR": ""}
    for name in REPO_VARIABLES:
        env.pop(name, None)
    if auth:
        env.update(auth.git_env(env))
    return env


@dataclass(frozen=True)
class Blob:
    """A file's content in a repo: its id, size and (when read) its bytes."""

    id: str
    size: int
    content: bytes = b""


class ObjectReader:
    """Files of the repo ``git_dir`` (``<commit>:<path>``, blob ids...) read through two long-lived ``git
    cat-file`` processes, started on first use: ``--batch-check`` for ids and sizes, ``--batch`` for contents.
    A spec's history asks for files a dozen times (each commit's closure, then each compared revision); a
    process per question was 100 git processes for the 10 specs of the M benchmark portal.

    Names are written in pieces of at most :data:`PIECE` bytes and their answers read back before the next
    piece, so neither pipe fills while the other waits. A piece not answered within ``timeout`` seconds ends
    the process (a :class:`GitError`, as one that fails says what git said). :meth:`close` ends both (``with``
    does it)."""

    #: Bytes of names written before their answers are read (well under a pipe's 64 KiB).
    PIECE = 16_384

    def __init__(self, git_dir: Path, *, timeout: float = 600) -> None:
        self.git_dir, self.timeout = git_dir, timeout
        self._processes: dict[str, _CatFile] = {}
        self.started = 0  # cat-file processes started

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def headers(self, names: list[str]) -> dict[str, Blob | None]:
        """Id and size of each file of ``names`` (no content); ``None`` for a name that is not a file there."""
        found: dict[str, Blob | None] = {}
        for piece in _pieces([name for name in names if "\n" not in name], self.PIECE):
            with self._process("--batch-check").asked(piece) as process:
                for name in piece:
                    header = process.header()
                    found[name] = Blob(header[0], int(header[2])) if header and header[1] == "blob" else None
        return found

    def contents(self, names: list[str], *, max_bytes: int | None = None) -> dict[str, Blob | None]:
        """Each file of ``names`` with its content; ``None`` for a name that is not a file there. A file over
        ``max_bytes`` comes without its content: its process is ended instead of reading it, and a new one
        answers the names after it."""
        found: dict[str, Blob | None] = {}
        for piece in _pieces([name for name in names if "\n" not in name], self.PIECE):
            while piece:
                piece = self._read_contents(piece, found, max_bytes)
        return found

    def close(self) -> None:
        for mode in list(self._processes):
            self._processes.pop(mode).end()

    def _read_contents(self, piece: list[str], found: dict[str, Blob | None], max_bytes: int | None) -> list[str]:
        """Read the answers to ``piece`` into ``found``; the names left unanswered after a file too big."""
        with self._process("--batch").asked(piece) as process:
            for index, name in enumerate(piece):
                header = process.header()
                size = int(header[2]) if header else 0
                if header is None or header[1] != "blob":
                    if header is not None:  # a tree or commit: its content is there to be skipped
                        process.read(size + 1)
                    found[name] = None
                elif max_bytes is not None and size > max_bytes:
                    found[name] = Blob(header[0], size)
                    self._processes.pop("--batch").end()  # not read: the names after it are asked again
                    return piece[index + 1:]
                else:
                    found[name] = Blob(header[0], size, process.read(size + 1)[:-1])
        return []

    def _process(self, mode: str) -> _CatFile:
        if mode not in self._processes:
            self._processes[mode] = _CatFile(self.git_dir, mode, self.timeout)
            self.started += 1
        return self._processes[mode]


class _CatFile:
    """One ``git cat-file <mode>`` process: names written, answers read, what it says on stderr kept for the
    error when it ends unexpectedly."""

    def __init__(self, git_dir: Path, mode: str, timeout: float) -> None:
        self.mode, self.timeout, self.timed_out = mode, timeout, False
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(["git", *SAFE_CONFIG, "cat-file", mode], cwd=git_dir, env=_environment(),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr)

    @contextmanager
    def asked(self, names: list[str]) -> Iterator[_CatFile]:
        """Write ``names``; the ``with`` block reads their answers, and the process is killed if that takes
        longer than the timeout."""
        def kill() -> None:
            self.timed_out = True
            self.process.kill()

        timer = threading.Timer(self.timeout, kill)
        timer.daemon = True
        timer.start()
        try:
            try:
                self.process.stdin.write("".join(f"{name}\n" for name in names).encode())
                self.process.stdin.flush()
            except OSError as exc:
                raise self._failed() from exc
            yield self
        finally:
            timer.cancel()

    def header(self) -> list[str] | None:
        """The next answer's header (id, type, size), ``None`` for a name that is not there (``<name> missing``)."""
        line = self.process.stdout.readline()
        if not line.endswith(b"\n"):
            raise self._failed()
        header = line[:-1].decode(errors="replace").rsplit(" ", 2)
        return header if len(header) == 3 and header[2].isdigit() else None

    def read(self, size: int) -> bytes:
        data = self.process.stdout.read(size)
        if len(data) != size:
            raise self._failed()
        return data

    def end(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass  # a process that ended already
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stderr.close()

    def _failed(self) -> GitError:
        if self.timed_out:
            return GitError(["cat-file", self.mode], f"fatal: timed out after {self.timeout:.0f} s")
        self.process.wait()
        self.stderr.seek(0)
        said = self.stderr.read().decode(errors="replace").strip()
        return GitError(["cat-file", self.mode], said or "fatal: cat-file ended unexpectedly")


def _pieces(names: list[str], limit: int) -> list[list[str]]:
    """``names`` in order, in pieces of at most ``limit`` bytes written (one name at least)."""
    pieces: list[list[str]] = []
    size = limit
    for name in names:
        length = len(name.encode()) + 1
        if size + length > limit:
            pieces.append([])
            size = 0
        pieces[-1].append(name)
        size += length
    return pieces


def has_commit(git_dir: Path, commit: str) -> bool:
    """Whether the repo ``git_dir`` holds ``commit``."""
    try:
        run_git(["cat-file", "-e", f"{commit}^{{commit}}"], cwd=git_dir)
    except (GitError, OSError):
        return False
    return True


def fetch_history(url: str, commit: str, git_dir: Path, auth: HttpAuth | None = None) -> bool:
    """Make the bare repo ``git_dir`` hold ``commit`` with its history, branches and tags: cloned once, then
    fetched only when the commit is not in it yet. Returns whether the remote was contacted."""
    if git_dir.is_dir():
        if has_commit(git_dir, commit):
            return False
        run_git(["fetch", "-q", "--prune", "--force", "origin", "+refs/heads/*:refs/heads/*",
                 "+refs/tags/*:refs/tags/*"], cwd=git_dir, auth=auth)
        return True
    temp = git_dir.with_name(f".{git_dir.name}.{os.getpid()}")
    if temp.exists():
        shutil.rmtree(temp, ignore_errors=True)
    run_git(["clone", "-q", "--bare", url, str(temp)], auth=auth)
    temp.rename(git_dir)
    return True


@dataclass(frozen=True)
class RemoteRefs:
    """What ``git ls-remote`` said: ref name → commit (tags peeled), and the default branch."""

    refs: dict[str, str]
    head_branch: str | None

    def resolve(self, ref: str | None) -> tuple[str, str] | None:
        """(ref name as asked, commit) for a branch, a tag or HEAD; ``None`` when it does not exist."""
        if ref is None:
            commit = self.refs.get("HEAD")
            return (self.head_branch or "HEAD", commit) if commit else None
        for name in (f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}", ref):
            if name in self.refs:
                return ref, self.refs[name]
        return None

    def is_branch(self, ref: str) -> bool:
        return f"refs/heads/{ref}" in self.refs

    def examples(self, limit: int = 5) -> list[str]:
        names = [name.removeprefix("refs/heads/").removeprefix("refs/tags/") for name in self.refs
                 if name.startswith(("refs/heads/", "refs/tags/")) and not name.endswith("^{}")]
        return sorted(set(names))[:limit]


def ls_remote(url: str, auth: HttpAuth | None = None) -> RemoteRefs:
    """One cheap query: every branch and tag of the remote and where HEAD points."""
    output = run_git(["ls-remote", "--symref", url], timeout=120, auth=auth)
    refs: dict[str, str] = {}
    head_branch = None
    for line in output.splitlines():
        if line.startswith("ref: ") and line.endswith("\tHEAD"):
            head_branch = line[5:].split("\t")[0].removeprefix("refs/heads/")
            continue
        sha, _, name = line.partition("\t")
        if SHA.match(sha):
            refs[name] = sha
    return RemoteRefs(refs=refs, head_branch=head_branch)


def fetch_commit(url: str, commit: str, ref: str | None, target: Path, auth: HttpAuth | None = None) -> str:
    """Check out ``commit`` of ``url`` into the empty folder ``target`` and return its date (ISO 8601).

    One shallow fetch of the commit itself where the server allows fetching by SHA; otherwise the whole
    history of ``ref`` (or the remote's HEAD), which must contain the commit. The repo is thrown away after
    the checkout, so it gets no remote, no automatic maintenance, no loose objects (the fetched pack is
    kept, as git does for any fetch of over 100 objects) and no fsync of that pack: fewer git processes,
    fewer files written."""
    run_git(["init", "-q", str(target)])
    fetch = ["-c", "fetch.unpackLimit=1", "-c", "core.fsync=none", "fetch", "-q", "--no-tags", "--no-auto-maintenance"]
    try:
        run_git(["-c", "protocol.version=2", *fetch, "--depth", "1", url, commit], cwd=target, auth=auth)
    except GitError:
        # A server that refuses fetching by SHA: the ref's full history (not shallow, so the commit is in it).
        run_git([*fetch, url, ref or "HEAD"], cwd=target, auth=auth)
    return _check_out(commit, target / ".git", target)


def _check_out(commit: str, git_dir: Path, target: Path) -> str:
    """Write ``commit``'s files into the folder ``target`` from the repo ``git_dir`` (its objects fetched there) and
    return the commit's date: one ``read-tree`` into an index of its own in ``target/.git``, which leaves
    ``git_dir``'s HEAD, refs and index as they were (a checkout would move them, and a clone to check out from
    costs two more processes)."""
    run_git(["--git-dir", str(git_dir), "--work-tree", str(target), "read-tree", "--reset", "-u", commit],
            index_file=target / ".git" / "index")
    return run_git(["--git-dir", str(git_dir), "show", "-s", "--format=%cI", commit]).strip()


def checkout_local(git_dir: Path, commit: str, target: Path) -> str:
    """Check out ``commit`` of the local repo ``git_dir`` (a source's history clone) into the empty folder
    ``target`` and return its date, as :func:`fetch_commit` does from a remote, without contacting it and
    leaving ``git_dir`` as it was. Raises :class:`GitError` when ``git_dir`` does not hold the commit."""
    (target / ".git").mkdir()
    return _check_out(commit, git_dir, target)


def history_contains(url: str, ref: str | None, head: str, old: str, scratch: Path,
                     auth: HttpAuth | None = None) -> bool | None:
    """Whether ``old`` is ``head`` or one of its ancestors on the remote (``False`` after a force-push that
    dropped it); ``None`` when the remote moved again meanwhile and it cannot be told.

    Fetches the commit graph of ``ref`` only (``--filter=tree:0``: no trees or files where the server
    supports partial clone) into the empty folder ``scratch``.
    """
    branch = ["--branch", ref] if ref else []
    run_git(["clone", "-q", "--bare", "--filter=tree:0", "--single-branch", "--no-tags", *branch, url, str(scratch)],
            auth=auth)
    try:
        run_git(["cat-file", "-e", f"{head}^{{commit}}"], cwd=scratch)
    except GitError:
        return None
    try:
        run_git(["merge-base", "--is-ancestor", old, head], cwd=scratch)
    except GitError:
        return False
    return True


def head_commit(folder: Path) -> str | None:
    """The HEAD commit of a local work tree, or ``None`` when the folder is not one."""
    try:
        top = run_git(["rev-parse", "--show-toplevel"], cwd=folder).strip()
        if Path(top).resolve() != folder.resolve() and not folder.resolve().is_relative_to(Path(top).resolve()):
            return None
        return run_git(["rev-parse", "HEAD"], cwd=folder).strip()
    except (GitError, OSError):
        return None
