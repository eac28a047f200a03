"""Fetch every source into the cache, in parallel, and pin the commits in the lock file.

Cache layout: ``<cache_dir>/<repo-name>-<hash of URL>/<commit>/`` holds one checked-out commit. A
commit folder is prepared under a temporary name and renamed into place only when complete, so an
interrupted fetch never leaves a half tree that a later build would take as good.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from generator.config import SourceConfig, settings_positions
from generator.diagnostics import Diagnostic, DiagnosticError, error
from generator.sources.git import SHA, GitError, fetch_commit, head_commit, ls_remote
from generator.sources.lock import LockEntry, read_lock, write_lock

MODES = ("auto", "frozen", "update", "offline")
GITHUB_SHORTHAND = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
GITHUB_URL = re.compile(r"^(?:https://|git@|ssh://git@)github\.com[/:]([^/]+/[^/]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class CheckedOutSource:
    """A source's files at the commit the build uses."""

    config: SourceConfig
    root: Path
    commit: str | None
    ref: str
    web_url: str | None
    edit_branch: str


def repo_url(repo: str, project_root: Path) -> tuple[str | None, Path | None]:
    """(Git URL, None) for a remote, or (None, folder) for a local folder."""
    if "://" in repo or repo.startswith("git@"):
        return repo, None
    local = (project_root / repo)
    if local.exists() or repo.startswith((".", "/")) or not GITHUB_SHORTHAND.match(repo):
        return None, local
    return f"https://github.com/{repo}.git", None


def web_url_of(cfg: SourceConfig, url: str | None) -> str | None:
    if cfg.web_url:
        return cfg.web_url.rstrip("/")
    match = GITHUB_URL.match(url or "")
    return f"https://github.com/{match.group(1)}" if match else None


def _cache_folder(cache_dir: Path, url: str) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", url.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]) or "repo"
    return cache_dir / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


class _Progress:
    """A live line per source on a terminal; plain log lines elsewhere (CI)."""

    def __init__(self, names: list[str], live: bool, log: Callable[[str], None]) -> None:
        self.names, self.live, self.log = names, live, log
        self.state = {name: "waiting" for name in names}
        self.lock = threading.Lock()
        self.drawn = False

    def update(self, name: str, text: str, final: bool = False) -> None:
        with self.lock:
            self.state[name] = text
            if not self.live:
                if final:
                    self.log(f"fetch {name}: {text}")
                return
            out = sys.stderr
            if self.drawn:
                out.write(f"\033[{len(self.names)}F")
            for each in self.names:
                out.write(f"\033[2K  {each:<20} {self.state[each]}\n")
            out.flush()
            self.drawn = True


def fetch_sources(sources: list[SourceConfig], *, project_root: Path, cache_dir: Path, lock_path: Path,
                  mode: str = "auto", jobs: int = 4, progress: bool | None = None,
                  log: Callable[[str], None] | None = None, config_file: str = "mkdocs.yml") -> list[CheckedOutSource]:
    """Check out every source (see the module docstring) and update the lock; raise with ALL problems."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    log = log or (lambda message: print(message, file=sys.stderr))
    live = sys.stderr.isatty() and "CI" not in __import__("os").environ if progress is None else progress
    lock = read_lock(lock_path)
    if mode in ("frozen", "offline") and not lock_path.is_file() and any(
            repo_url(s.repo, project_root)[0] for s in sources):
        raise DiagnosticError([error(str(lock_path), "there is no lock file to build from",
                                     code="lock-missing", hint="run `devportal fetch` (or a normal build) first "
                                                               "and commit devportal.lock")])
    display = _Progress([s.name for s in sources], live, log)
    results: dict[str, CheckedOutSource | Diagnostic] = {}

    def work(index: int, cfg: SourceConfig) -> None:
        try:
            results[cfg.name] = _fetch_one(index, cfg, project_root=project_root, cache_dir=cache_dir, lock=lock,
                                           mode=mode, display=display, config_file=config_file)
        except DiagnosticError as exc:
            results[cfg.name] = next(iter(exc.diagnostics))
            display.update(cfg.name, "failed", final=True)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in [pool.submit(work, i, cfg) for i, cfg in enumerate(sources)]:
            future.result()
    problems = [r for r in results.values() if isinstance(r, Diagnostic)]
    if problems:
        raise DiagnosticError(problems)
    checkouts = [results[s.name] for s in sources]
    remote = [c for c in checkouts if repo_url(c.config.repo, project_root)[0]]
    if mode in ("auto", "update") and (remote or lock_path.is_file()):
        # Local folders are built as they are: only fetched sources are pinned.
        entries = {c.config.name: LockEntry(repo=repo_url(c.config.repo, project_root)[0], ref=c.config.ref,
                                            commit=c.commit) for c in remote}
        write_lock(lock_path, entries)
    return checkouts


def _fail(config_file: str, index: int, cfg: SourceConfig, message: str, code: str, hint: str) -> DiagnosticError:
    text = Path(config_file).read_text(encoding="utf-8") if Path(config_file).is_file() else ""
    where = settings_positions(text)("sources", index)  # the line of this source in mkdocs.yml
    return DiagnosticError([error(config_file, f"source `{cfg.name}`: {message}", code=code,
                                  pointer=f"sources[{index}]", hint=hint, **where)])


def _fetch_one(index: int, cfg: SourceConfig, *, project_root: Path, cache_dir: Path, lock: dict[str, LockEntry],
               mode: str, display: _Progress, config_file: str) -> CheckedOutSource:
    url, local = repo_url(cfg.repo, project_root)
    if local is not None:
        if not local.is_dir():
            raise _fail(config_file, index, cfg, f"the local folder `{cfg.repo}` does not exist", "source-missing",
                        "use a folder relative to mkdocs.yml, a Git URL or owner/repo")
        commit = head_commit(local)
        display.update(cfg.name, f"{local} (local folder{', ' + commit[:7] if commit else ''})", final=True)
        return CheckedOutSource(config=cfg, root=local.resolve(), commit=commit, ref=cfg.ref or "local",
                                web_url=web_url_of(cfg, None), edit_branch=cfg.edit_branch or cfg.ref or "main")

    folder = _cache_folder(cache_dir, url)
    entry = lock.get(cfg.name)
    ref, commit, edit_branch = cfg.ref, None, cfg.edit_branch
    if mode in ("frozen", "offline"):
        if entry is None or entry.commit is None:
            raise _fail(config_file, index, cfg, "is not in devportal.lock", "lock-missing" if mode == "frozen"
                        else "source-not-cached", "run `devportal fetch --update` and commit devportal.lock")
        if entry.repo != url or entry.ref != cfg.ref:
            raise _fail(config_file, index, cfg, f"devportal.lock pins {entry.repo} @ {entry.ref}, but mkdocs.yml "
                        f"asks for {url} @ {cfg.ref}", "lock-stale",
                        "run `devportal fetch --update` to lock the configured repo and ref")
        commit = entry.commit
        if mode == "offline" and not (folder / commit).is_dir():
            raise _fail(config_file, index, cfg, f"commit {commit[:7]} is not in the cache ({folder})",
                        "source-not-cached", "run one build online (or `devportal fetch`) before using --offline")
    elif ref and SHA.match(ref):
        commit = ref
    else:
        display.update(cfg.name, f"querying {url}")
        try:
            remote = ls_remote(url)
        except GitError as exc:
            raise _fail(config_file, index, cfg, f"cannot reach {url}: {exc.first_line}", "source-unreachable",
                        "check the URL and that this machine can read the repo "
                        "(for private repos, configure Git credentials)") from exc
        resolved = remote.resolve(ref)
        if resolved is None:
            known = ", ".join(remote.examples()) or "none"
            raise _fail(config_file, index, cfg, f"the ref `{ref}` does not exist in {url}", "source-ref-missing",
                        f"use a branch, a tag or a full 40-character commit SHA; existing refs include: {known}")
        ref, commit = resolved
        if not edit_branch:
            edit_branch = cfg.ref if cfg.ref and remote.is_branch(cfg.ref) else (remote.head_branch or "main")
    root = folder / commit
    with _checkout_lock(root):
        state = _ensure_checkout(url, commit, ref, root, folder, display, cfg, index, config_file)
    display.update(cfg.name, f"{url} @ {ref or 'HEAD'} -> {commit[:7]} ({state})", final=True)
    return CheckedOutSource(config=cfg, root=root.resolve(), commit=commit, ref=ref or "HEAD",
                            web_url=web_url_of(cfg, url),
                            edit_branch=edit_branch or (cfg.ref if cfg.ref and not SHA.match(cfg.ref) else "main"))


_checkout_locks: dict[Path, threading.Lock] = {}
_registry_lock = threading.Lock()


def _checkout_lock(root: Path) -> threading.Lock:
    """One lock per commit folder: two sources on one repo and commit fetch it once."""
    with _registry_lock:
        return _checkout_locks.setdefault(root.resolve(), threading.Lock())


def _ensure_checkout(url: str, commit: str, ref: str | None, root: Path, folder: Path, display: _Progress,
                     cfg: SourceConfig, index: int, config_file: str) -> str:
    if root.is_dir():
        return "up to date"
    display.update(cfg.name, f"cloning {url} @ {ref or 'HEAD'}")
    folder.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}.", dir=folder))
    try:
        fetch_commit(url, commit, ref, temp)
        shutil.rmtree(temp / ".git", ignore_errors=True)  # the tree is all a build reads
        temp.rename(root)
    except GitError as exc:
        raise _fail(config_file, index, cfg, f"cannot fetch {commit[:7]} from {url}: {exc.first_line}",
                    "source-unreachable", "check the URL and the ref; run `devportal fetch --update`") from exc
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    return "cloned"
