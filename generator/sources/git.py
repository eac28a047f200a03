"""Git plumbing for fetching sources: every call goes through :func:`run_git`, which never prompts,
never runs a hook or filter from the fetched repo, and counts what it did (tests assert on the counts)."""

from __future__ import annotations

import collections
import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

SHA = re.compile(r"^[0-9a-f]{40}$")

#: Settings that keep an untrusted repo from running code or reaching files outside itself.
SAFE_CONFIG = [
    "-c", "core.symlinks=false",  # a symlink becomes a plain file holding its target's path
    "-c", f"core.hooksPath={os.devnull}",
    "-c", "filter.lfs.smudge=", "-c", "filter.lfs.process=", "-c", "filter.lfs.required=false",
    "-c", "protocol.file.allow=always",
    "-c", "advice.detachedHead=false",
    "-c", "init.defaultBranch=main",
]

#: How many times each kind of remote operation ran in this process ("ls-remote", "fetch").
operations: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


class GitError(Exception):
    """A git command failed; ``stderr`` is what git said."""

    def __init__(self, args: list[str], stderr: str) -> None:
        self.stderr = stderr.strip()
        super().__init__(f"git {' '.join(args)}: {self.first_line}")

    @property
    def first_line(self) -> str:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        for line in lines:
            if line.startswith(("fatal:", "error:")):
                return line
        return lines[0] if lines else "git failed"


def run_git(args: list[str], *, cwd: Path | None = None, remote: str | None = None, timeout: float = 600) -> str:
    """Run git safely and return its stdout; ``remote`` names the counted remote operation."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GCM_INTERACTIVE": "never",
           "GIT_LFS_SKIP_SMUDGE": "1", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
    env.pop("GIT_DIR", None)
    env.pop("GIT_WORK_TREE", None)
    if remote:
        with _lock:
            operations[remote] += 1
    try:
        proc = subprocess.run(["git", *SAFE_CONFIG, *args], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise GitError(args, f"fatal: timed out after {timeout:.0f} s") from exc
    if proc.returncode != 0:
        raise GitError(args, proc.stderr or proc.stdout)
    return proc.stdout


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


def ls_remote(url: str) -> RemoteRefs:
    """One cheap query: every branch and tag of the remote and where HEAD points."""
    output = run_git(["ls-remote", "--symref", url], remote="ls-remote", timeout=120)
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


def fetch_commit(url: str, commit: str, ref: str | None, target: Path) -> None:
    """Check out ``commit`` of ``url`` into the empty folder ``target``, shallow when the server allows."""
    run_git(["init", "-q", str(target)])
    run_git(["remote", "add", "origin", url], cwd=target)
    try:
        run_git(["-c", "protocol.version=2", "fetch", "-q", "--depth", "1", "--no-tags", "origin", commit],
                cwd=target, remote="fetch")
    except GitError:
        # Servers that refuse fetching by SHA: fetch the ref itself (deepening until the commit is there).
        spec = ref or "HEAD"
        run_git(["fetch", "-q", "--no-tags", "origin", spec], cwd=target, remote="fetch")
    run_git(["checkout", "-q", "--detach", commit], cwd=target)


def head_commit(folder: Path) -> str | None:
    """The HEAD commit of a local work tree, or ``None`` when the folder is not one."""
    try:
        top = run_git(["rev-parse", "--show-toplevel"], cwd=folder).strip()
        if Path(top).resolve() != folder.resolve() and not folder.resolve().is_relative_to(Path(top).resolve()):
            return None
        return run_git(["rev-parse", "HEAD"], cwd=folder).strip()
    except (GitError, OSError):
        return None
