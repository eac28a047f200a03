"""Fetch every source into the cache, in parallel, and pin the commits in the lock file.

Cache layout: ``<cache_dir>/<repo-name>-<hash of URL>/<commit>/`` holds one checked-out commit, and
``<commit>.json`` beside it the commit's date. A commit folder is prepared under a temporary name and
renamed into place only when complete, so an interrupted fetch never leaves a half tree that a later
build would take as good. After a fetch, each repo's folder keeps the commits it used and the
:data:`KEPT_CHECKOUTS` most recently used others (and any used in the last hour): older checkouts are deleted,
so a cache kept between builds does not grow by a checkout on every commit built.

Credentials: the URL shown, locked, hashed and linked is always :func:`redact_url` of the configured one.
A private ``http(s)`` repo is read with a token from an environment variable per host (``auth:``,
``GITHUB_TOKEN`` for github.com by default), or with the user/password written into its URL, both
handed to git in its environment only (:class:`HttpAuth`).

A source whose remote cannot be reached fails the build, unless ``allow_stale`` is set: then its last
locked commit is built from the cache, with a ``source-stale`` warning and a banner on its pages. A
remote whose history no longer contains the locked commit (a force-push) gets a
``source-history-rewritten`` warning (an error with ``strict``, a note with ``mode="update"``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from generator.cache_entries import IN_PROGRESS_S, UNUSED_S, remove_entry, remove_other_entries
from generator.config import DEFAULT_AUTH, SourceConfig, settings_positions
from generator.diagnostics import Diagnostic, DiagnosticError, error, info, warning
from generator.redaction import redact_text, redact_url, url_credentials
from generator.sources.git import (
    SHA,
    GitError,
    HttpAuth,
    RemoteRefs,
    checkout_local,
    fetch_commit,
    fetch_history,
    has_commit,
    head_commit,
    history_contains,
    http_prefix,
    ls_remote,
    run_git,
)
from generator.sources.lock import LockEntry, read_lock, write_lock

MODES = ("auto", "frozen", "update", "offline")
#: Checkouts of older commits a repo's cache folder keeps, the most recently used: another branch or config
#: sharing the cache, or a revert, does not clone them again.
KEPT_CHECKOUTS = 2
HISTORY = "history.git"  # a repo's bare clone with its history, beside its checkouts
COMMIT_NAME = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")
REPO_FOLDER = re.compile(r"^.+-[0-9a-f]{12}$")  # see _cache_folder
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
    stale: StaleCopy | None = None
    """Set when the remote could not be reached and the cached commit was built (``allow_stale``)."""
    diagnostics: tuple[Diagnostic, ...] = ()
    """Warnings about this source found while fetching it (staging reports them with the others)."""
    version_trees: tuple[VersionTree, ...] = ()
    """The trees of the Git refs its ``versions:`` read older specs from (one per ref)."""
    history: Path | None = None
    """A bare clone holding ``commit`` with its history and tags (for the API changelog), when fetched."""

    def version_root(self, ref: str) -> Path | None:
        """The checked-out tree of ``ref`` (a ``versions[].ref``), ``None`` when it was not fetched."""
        return next((tree.root for tree in self.version_trees if tree.ref == ref), None)


@dataclass(frozen=True)
class VersionTree:
    """A Git ref of a source's repo that holds an older version of its API, checked out in the cache like the
    source's own commit (and pinned in the lock as ``<source>@<ref>``)."""

    ref: str
    commit: str
    root: Path


@dataclass(frozen=True)
class StaleCopy:
    """The cached commit built in place of an unreachable remote's current one."""

    commit: str
    committed: str | None  # the commit's date (ISO 8601), when the cache recorded it

    @property
    def notice(self) -> str:
        """One sentence for the source's pages."""
        when = f" of {self.committed[:10]}" if self.committed else ""
        return (f"The repository of this section could not be reached when the portal was built: these pages "
                f"show its cached commit {self.commit[:7]}{when} and may be out of date.")


def repo_url(repo: str, project_root: Path) -> tuple[str | None, Path | None]:
    """(Git URL, None) for a remote, or (None, folder) for a local folder."""
    if "://" in repo or repo.startswith("git@"):
        return repo, None
    local = (project_root / repo)
    if local.exists() or repo.startswith((".", "/")) or not GITHUB_SHORTHAND.match(repo):
        return None, local
    return f"https://github.com/{repo}.git", None


def web_url_of(cfg: SourceConfig, url: str | None) -> str | None:
    """The repo's web page (for edit links), never with a credential in it."""
    if cfg.web_url:
        return redact_url(cfg.web_url).rstrip("/")
    match = GITHUB_URL.match(redact_url(url or ""))
    return f"https://github.com/{match.group(1)}" if match else None


def _cache_folder(cache_dir: Path, url: str) -> Path:
    """The cache folder of a repo, named from its URL without credentials (a new token keeps the cache)."""
    url = redact_url(url)
    path = urlsplit(url).path if "://" in url else url
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.rstrip("/").removesuffix(".git").rsplit("/", 1)[-1]) or "repo"
    return cache_dir / f"{name}-{hashlib.sha256(url.encode()).hexdigest()[:12]}"


@dataclass(frozen=True)
class _Access:
    """How git reaches a remote: the URL it is given and the credential in its environment."""

    git_url: str
    auth: HttpAuth | None
    env_name: str | None  # the variable a token for this host is read from (for hints)
    in_url: bool  # the configured URL carries a credential itself


def _access(url: str, auth_map: Mapping[str, str], environ: Mapping[str, str]) -> _Access:
    """A credential in an ``http(s)`` URL moves to git's environment; else the host's token variable is read."""
    parts = urlsplit(url) if "://" in url else None
    if parts is None or parts.scheme not in ("http", "https"):
        return _Access(url, None, None, in_url=False)
    host = parts.hostname or ""
    port_host = f"{host}:{parts.port}" if parts.port else host
    setting = auth_map.get(port_host, auth_map.get(host)) or None
    username, _, env_name = (setting or "").rpartition(":")
    env_name = env_name or None
    clean = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, parts.fragment))
    written = url_credentials(url)
    if written is not None:
        user, password = written
        return _Access(clean, HttpAuth(http_prefix(clean), user, password), env_name, in_url=True)
    token = environ.get(env_name) if env_name else None
    if token:
        return _Access(clean, HttpAuth(http_prefix(clean), username or "x-access-token", token, env_name), env_name,
                       in_url=False)
    return _Access(clean, None, env_name, in_url=False)


class _Progress:
    """A live line per source on a terminal; plain log lines elsewhere (CI)."""

    def __init__(self, names: list[str], live: bool, log: Callable[[str], None]) -> None:
        self.names, self.live, self.log = names, live, log
        self.state = {name: "waiting" for name in names}
        self.lock = threading.Lock()
        self.drawn = False

    def update(self, name: str, text: str, final: bool = False) -> None:
        text = redact_text(text)
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
                  log: Callable[[str], None] | None = None, config_file: str = "mkdocs.yml",
                  auth: Mapping[str, str] | None = None, allow_stale: bool = False, strict: bool = False,
                  environ: Mapping[str, str] | None = None, history: bool = False) -> list[CheckedOutSource]:
    """Check out every source (see the module docstring) and update the lock; raise with ALL problems.

    ``auth`` maps a host (or ``host:port``) to the environment variable holding its token
    (``[user:]VARIABLE``; default :data:`DEFAULT_AUTH`); ``environ`` is where variables are read
    (default ``os.environ``). With ``history``, a Git source with specs also gets a bare clone of its
    history and tags beside its checkouts (``<repo folder>/history.git``, fetched only when the built commit
    is not in it yet), from which the API changelog is read and the commit is checked out.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    log = log or (lambda message: print(message, file=sys.stderr))
    live = sys.stderr.isatty() and "CI" not in os.environ if progress is None else progress
    lock = read_lock(lock_path)
    if mode in ("frozen", "offline") and not lock_path.is_file() and any(
            repo_url(s.repo, project_root)[0] for s in sources):
        raise DiagnosticError([error(str(lock_path), "there is no lock file to build from",
                                     code="lock-missing", hint="run `devportal fetch` (or a normal build) first "
                                                               "and commit devportal.lock")])
    display = _Progress([s.name for s in sources], live, log)
    results: dict[str, CheckedOutSource | Diagnostic] = {}
    context = _Context(project_root=project_root, cache_dir=cache_dir, lock=lock, mode=mode, display=display,
                       config_file=config_file, auth=DEFAULT_AUTH if auth is None else auth,
                       environ=os.environ if environ is None else environ, allow_stale=allow_stale, strict=strict,
                       history=history)

    def work(index: int, cfg: SourceConfig) -> None:
        try:
            results[cfg.name] = _fetch_one(index, cfg, context)
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
        # Local folders are built as they are: only fetched sources are pinned, by their URL without credentials.
        entries = {c.config.name: LockEntry(repo=redact_url(repo_url(c.config.repo, project_root)[0]),
                                            ref=c.config.ref, commit=c.commit) for c in remote}
        entries.update({version_lock_name(c.config.name, tree.ref): LockEntry(
            repo=entries[c.config.name].repo, ref=tree.ref, commit=tree.commit) for c in remote
            for tree in c.version_trees})
        write_lock(lock_path, entries)
    _prune_checkouts(cache_dir, checkouts)
    return checkouts


def _prune_checkouts(cache_dir: Path, checkouts: list[CheckedOutSource]) -> None:
    """Delete the older checkouts of the repos of ``checkouts``. A repo's cache folder keeps the commits used now
    (their date files touched, which is how a checkout's last use is known), the :data:`KEPT_CHECKOUTS` most
    recently used others, any used in the last hour (a build of another project sharing the cache may be reading
    it) and the history clone; the folders of repos no longer fetched go later (:func:`_remove_unused_repos`)."""
    cache = cache_dir.resolve()
    used: dict[Path, set[str]] = {}
    for checkout in checkouts:
        for root in (checkout.root, *(tree.root for tree in checkout.version_trees)):
            if root.parent.parent == cache and COMMIT_NAME.match(root.name):
                used.setdefault(root.parent, set()).add(root.name)
    now = time.time()
    for folder, commits in used.items():
        for commit in commits:
            try:
                os.utime(folder / f"{commit}.json")
            except OSError:
                pass  # a cache older than the date files: the checkout's own time stands for its last use
        try:
            others = [(_last_used(folder, entry.name), entry.name) for entry in os.scandir(folder)
                      if COMMIT_NAME.match(entry.name) and entry.name not in commits and entry.is_dir()]
        except OSError:
            continue
        others.sort(reverse=True)
        kept = commits | {name for i, (used_at, name) in enumerate(others)
                          if i < KEPT_CHECKOUTS or now - used_at < IN_PROGRESS_S}
        remove_other_entries(folder, {HISTORY, *kept, *(f"{commit}.json" for commit in kept)})
    _remove_unused_repos(cache, set(used), now)


def _remove_unused_repos(cache: Path, used: set[Path], now: float) -> None:
    """Delete the cache folders of repos no fetch used for a week (``UNUSED_S``), and only folders holding
    nothing but what a fetch makes: never a folder of anything else."""
    try:
        unused = [Path(entry.path) for entry in os.scandir(cache) if REPO_FOLDER.match(entry.name)
                  and entry.is_dir(follow_symlinks=False) and Path(entry.path) not in used]
    except OSError:
        return
    for folder in unused:
        try:
            entries = list(os.scandir(folder))
            last = max((entry.stat(follow_symlinks=False).st_mtime for entry in entries), default=0.0)
        except OSError:
            continue
        ours = entries and all(entry.name == HISTORY or entry.name.startswith(".") or
                               COMMIT_NAME.match(entry.name.removesuffix(".json")) for entry in entries)
        if ours and now - last > UNUSED_S:
            remove_entry(folder)


def _last_used(folder: Path, commit: str) -> float:
    for path in (folder / f"{commit}.json", folder / commit):
        try:
            return path.stat().st_mtime
        except OSError:
            pass
    return 0.0


@dataclass(frozen=True)
class _Context:
    """What every source's fetch shares."""

    project_root: Path
    cache_dir: Path
    lock: dict[str, LockEntry]
    mode: str
    display: _Progress
    config_file: str
    auth: Mapping[str, str]
    environ: Mapping[str, str]
    allow_stale: bool
    strict: bool
    history: bool = False


def _fail(config_file: str, index: int, cfg: SourceConfig, message: str, code: str, hint: str) -> DiagnosticError:
    return DiagnosticError([_problem(error, config_file, index, cfg, message, code, hint)])


def _problem(kind: Callable[..., Diagnostic], config_file: str, index: int, cfg: SourceConfig, message: str,
             code: str, hint: str) -> Diagnostic:
    text = Path(config_file).read_text(encoding="utf-8") if Path(config_file).is_file() else ""
    where = settings_positions(text)("sources", index)  # the line of this source in mkdocs.yml
    return kind(config_file, f"source `{cfg.name}`: {message}", code=code, pointer=f"sources[{index}]", hint=hint,
                **where)


def _access_hint(access: _Access, exc: GitError) -> tuple[str, str]:
    """(code, hint) for a remote git could not read, naming the variable to set for a private repo."""
    if access.in_url and exc.auth_failed:
        return "source-auth", ("the user/token written in `repo:` was refused; put a valid token in an "
                               "environment variable instead (see `auth:` in README.md)")
    if access.env_name and access.auth is not None:
        return ("source-auth" if exc.auth_failed else "source-unreachable",
                f"check the URL, and that the token in ${access.env_name} can read this repo")
    if access.env_name:
        return ("source-auth" if exc.auth_failed else "source-unreachable",
                f"check the URL; for a private repo, set the environment variable {access.env_name} to a token "
                "that can read it")
    return ("source-auth" if exc.auth_failed else "source-unreachable",
            "check the URL and that this machine can read the repo; for a private repo on this host, map the host "
            "to an environment variable holding a token in `auth:` (see README.md)")


def version_lock_name(source: str, ref: str) -> str:
    """The lock entry of a source's version ref (``@`` is never part of a source's name)."""
    return f"{source}@{ref}"


def _version_refs(cfg: SourceConfig) -> list[str]:
    return list(dict.fromkeys(version.ref for version in cfg.versions if version.ref))


def _local_version_trees(index: int, cfg: SourceConfig, ctx: _Context, local: Path) -> tuple[VersionTree, ...]:
    """A local folder's version refs: each commit is checked out from the folder's Git repo into the cache."""
    refs = _version_refs(cfg)
    if not refs:
        return ()
    folder = _cache_folder(ctx.cache_dir, str(local.resolve()))
    access = _Access(str(local.resolve()), None, None, in_url=False)
    trees = []
    for ref in refs:
        try:
            commit = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=local).strip()
        except GitError as exc:
            raise _fail(ctx.config_file, index, cfg, f"the version ref `{ref}` does not exist in the Git repo of "
                        f"`{cfg.repo}`", "source-ref-missing",
                        "`versions[].ref` must be a tag, branch or commit of the source's repo") from exc
        root = folder / commit
        with _checkout_lock(root):
            _ensure_checkout(access, str(local), commit, ref, root, folder, ctx.display, cfg, index, ctx.config_file)
        trees.append(VersionTree(ref=ref, commit=commit, root=root.resolve()))
    return tuple(trees)


def _remote_version_trees(index: int, cfg: SourceConfig, ctx: _Context, access: _Access, shown: str, folder: Path,
                          remote: RemoteRefs | None, stale: bool) -> tuple[VersionTree, ...]:
    """The remote's version refs, resolved like the source's own ref (from the lock when frozen, offline or
    stale) and checked out into the same cache folder, one folder per commit."""
    trees = []
    for ref in _version_refs(cfg):
        entry = ctx.lock.get(version_lock_name(cfg.name, ref))
        locked = entry.commit if entry and entry.repo == shown and entry.ref == ref else None
        if SHA.match(ref):
            commit = ref
        elif ctx.mode in ("frozen", "offline") or stale:
            if locked is None:
                raise _fail(ctx.config_file, index, cfg, f"the version ref `{ref}` is not in devportal.lock",
                            "lock-missing" if ctx.mode == "frozen" else "source-not-cached",
                            "run `devportal fetch --update` and commit devportal.lock")
            commit = locked
        else:
            if remote is None:
                try:
                    remote = ls_remote(access.git_url, access.auth)
                except GitError as exc:
                    code, hint = _access_hint(access, exc)
                    raise _fail(ctx.config_file, index, cfg, f"cannot reach {shown}: {exc.first_line}", code,
                                hint) from exc
            resolved = remote.resolve(ref)
            if resolved is None:
                known = ", ".join(remote.examples()) or "none"
                raise _fail(ctx.config_file, index, cfg, f"the version ref `{ref}` does not exist in {shown}",
                            "source-ref-missing", f"`versions[].ref` must be a branch, a tag or a full commit SHA; "
                                                  f"existing refs include: {known}")
            commit = resolved[1]
        root = folder / commit
        if not root.is_dir() and (ctx.mode == "offline" or stale):
            raise _fail(ctx.config_file, index, cfg, f"the version ref `{ref}` ({commit[:7]}) is not in the cache "
                        f"({folder})", "source-not-cached", "run one build online (or `devportal fetch`) first")
        with _checkout_lock(root):
            _ensure_checkout(access, shown, commit, ref, root, folder, ctx.display, cfg, index, ctx.config_file)
        trees.append(VersionTree(ref=ref, commit=commit, root=root.resolve()))
    return tuple(trees)


def _fetch_one(index: int, cfg: SourceConfig, ctx: _Context) -> CheckedOutSource:
    config_file, display, mode = ctx.config_file, ctx.display, ctx.mode
    url, local = repo_url(cfg.repo, ctx.project_root)
    if local is not None:
        if not local.is_dir():
            raise _fail(config_file, index, cfg, f"the local folder `{cfg.repo}` does not exist", "source-missing",
                        "use a folder relative to mkdocs.yml, a Git URL or owner/repo")
        commit = head_commit(local)
        display.update(cfg.name, f"{local} (local folder{', ' + commit[:7] if commit else ''})", final=True)
        return CheckedOutSource(config=cfg, root=local.resolve(), commit=commit, ref=cfg.ref or "local",
                                web_url=web_url_of(cfg, None), edit_branch=cfg.edit_branch or cfg.ref or "main",
                                version_trees=_local_version_trees(index, cfg, ctx, local))

    shown = redact_url(url)
    access = _access(url, ctx.auth, ctx.environ)
    notes: list[Diagnostic] = []
    if access.in_url:
        where = f" (set ${access.env_name})" if access.env_name else " (map the host to one in `auth:`)"
        notes.append(_problem(warning, config_file, index, cfg, "the repo URL carries a credential: it is used but "
                              "never printed or stored; move it to an environment variable", "source-url-credential",
                              f"write `repo: {shown}` and put the token in an environment variable{where}"))
    folder = _cache_folder(ctx.cache_dir, url)
    entry = ctx.lock.get(cfg.name)
    locked = entry.commit if entry and entry.repo == shown and entry.ref == cfg.ref else None
    ref, commit, edit_branch, stale, remote = cfg.ref, None, cfg.edit_branch, None, None
    if mode in ("frozen", "offline"):
        if entry is None or entry.commit is None:
            raise _fail(config_file, index, cfg, "is not in devportal.lock", "lock-missing" if mode == "frozen"
                        else "source-not-cached", "run `devportal fetch --update` and commit devportal.lock")
        if entry.repo != shown or entry.ref != cfg.ref:
            raise _fail(config_file, index, cfg, f"devportal.lock pins {entry.repo} @ {entry.ref}, but mkdocs.yml "
                        f"asks for {shown} @ {cfg.ref}", "lock-stale",
                        "run `devportal fetch --update` to lock the configured repo and ref")
        commit = entry.commit
        if mode == "offline" and not (folder / commit).is_dir():
            raise _fail(config_file, index, cfg, f"commit {commit[:7]} is not in the cache ({folder})",
                        "source-not-cached", "run one build online (or `devportal fetch`) before using --offline")
    elif ref and SHA.match(ref):
        commit = ref
    else:
        display.update(cfg.name, f"querying {shown}")
        try:
            remote = ls_remote(access.git_url, access.auth)
        except GitError as exc:
            code, hint = _access_hint(access, exc)
            if not (ctx.allow_stale and locked and (folder / locked).is_dir()):
                if ctx.allow_stale:
                    hint += "; --allow-stale found no cached commit of this source to build instead"
                raise _fail(config_file, index, cfg, f"cannot reach {shown}: {exc.first_line}", code, hint) from exc
            stale = StaleCopy(commit=locked, committed=_commit_date(folder, locked))
            when = f" of {stale.committed}" if stale.committed else ""
            notes.append(_problem(warning, config_file, index, cfg,
                                  f"cannot reach {shown} ({exc.first_line}); built the cached commit {locked[:7]}"
                                  f"{when} instead (--allow-stale), its pages say so", "source-stale", hint))
            commit = locked
        if stale is None:
            resolved = remote.resolve(ref)
            if resolved is None:
                known = ", ".join(remote.examples()) or "none"
                raise _fail(config_file, index, cfg, f"the ref `{ref}` does not exist in {shown}",
                            "source-ref-missing",
                            f"use a branch, a tag or a full 40-character commit SHA; existing refs include: {known}")
            ref, commit = resolved
            if not edit_branch:
                edit_branch = cfg.ref if cfg.ref and remote.is_branch(cfg.ref) else (remote.head_branch or "main")
            if locked and locked != commit:
                notes.extend(_rewritten(index, cfg, ctx, access, shown, locked, commit))
    root = folder / commit
    history = None
    if ctx.history and cfg.specs:  # first: the commit is then checked out from it, not fetched again
        history = _history(index, cfg, ctx, access, folder, commit, notes,
                           offline=ctx.mode == "offline" or stale is not None)
    if stale is None:
        with _checkout_lock(root):
            state = _ensure_checkout(access, shown, commit, ref, root, folder, display, cfg, index, config_file,
                                     history)
    else:
        state = "stale: remote unreachable"
    trees = _remote_version_trees(index, cfg, ctx, access, shown, folder, remote, stale is not None)
    display.update(cfg.name, f"{shown} @ {ref or 'HEAD'} -> {commit[:7]} ({state})", final=True)
    return CheckedOutSource(config=cfg, root=root.resolve(), commit=commit, ref=ref or "HEAD",
                            web_url=web_url_of(cfg, url),
                            edit_branch=edit_branch or (cfg.ref if cfg.ref and not SHA.match(cfg.ref) else "main"),
                            stale=stale, diagnostics=tuple(notes), version_trees=trees, history=history)


def _history(index: int, cfg: SourceConfig, ctx: _Context, access: _Access, folder: Path, commit: str,
             notes: list[Diagnostic], *, offline: bool) -> Path | None:
    """The bare clone with ``commit``'s history (see :func:`fetch_sources`), or ``None`` with a warning."""
    git_dir = folder / HISTORY
    with _checkout_lock(git_dir):
        if offline:
            present = git_dir.is_dir() and has_commit(git_dir, commit)
            return git_dir if present else None
        try:
            fetch_history(access.git_url, commit, git_dir, access.auth)
        except GitError as exc:
            notes.append(_problem(warning, ctx.config_file, index, cfg, f"the history of its specs could not be "
                                  f"fetched ({exc.first_line}): its API changelog shows only the built commit",
                                  "changelog-history", "rebuild when the remote is reachable again"))
            return None
    return git_dir


def _rewritten(index: int, cfg: SourceConfig, ctx: _Context, access: _Access, shown: str, locked: str,
               commit: str) -> list[Diagnostic]:
    """A diagnostic when the remote's history no longer contains the locked commit (a force-push)."""
    try:
        with tempfile.TemporaryDirectory(prefix="devportal-history-") as scratch:
            contained = history_contains(access.git_url, cfg.ref, commit, locked, Path(scratch) / "repo", access.auth)
    except GitError as exc:
        return [_problem(warning, ctx.config_file, index, cfg, f"could not check that {commit[:7]} follows the "
                         f"locked {locked[:7]}: {exc.first_line}", "source-history-unchecked",
                         "rebuild when the remote is reachable again")]
    if contained is not False:
        return []
    where = f"`{cfg.ref}`" if cfg.ref else "the default branch"
    message = (f"the history of {where} in {shown} was rewritten (force-push): the locked commit {locked[:7]} is no "
               f"longer in it; now building {commit[:7]}")
    if ctx.mode == "update":
        return [_problem(info, ctx.config_file, index, cfg, message, "source-history-rewritten",
                         "the lock moves to the rewritten history, as `fetch --update` asks")]
    hint = ("check that the rewrite was intended; run `devportal fetch --update` to accept it and move "
            "devportal.lock")
    if ctx.strict:
        raise _fail(ctx.config_file, index, cfg, message.replace("now building", "the remote is now at"),
                    "source-history-rewritten", hint)
    return [_problem(warning, ctx.config_file, index, cfg, message, "source-history-rewritten", hint)]


_checkout_locks: dict[Path, threading.Lock] = {}
_registry_lock = threading.Lock()


def _checkout_from_history(git_dir: Path, commit: str, target: Path) -> str | None:
    """``commit`` checked out into the empty folder ``target`` from the history clone ``git_dir`` (its date), or
    ``None`` with ``target`` empty again when the clone does not hold it (a commit on no branch or tag)."""
    with _checkout_lock(git_dir):  # no fetch into it meanwhile
        try:
            return checkout_local(git_dir, commit, target)
        except GitError:
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
            return None


def _checkout_lock(root: Path) -> threading.Lock:
    """One lock per commit folder: two sources on one repo and commit fetch it once."""
    with _registry_lock:
        return _checkout_locks.setdefault(root.resolve(), threading.Lock())


def _commit_date(folder: Path, commit: str) -> str | None:
    """The date recorded for a cached commit (its commit date; for an older cache, when it was fetched)."""
    try:
        return str(json.loads((folder / f"{commit}.json").read_text(encoding="utf-8"))["committed"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        mtime = (folder / commit).stat().st_mtime
    except OSError:
        return None
    return datetime.fromtimestamp(mtime, timezone.utc).isoformat(timespec="seconds")


def _ensure_checkout(access: _Access, shown: str, commit: str, ref: str | None, root: Path, folder: Path,
                     display: _Progress, cfg: SourceConfig, index: int, config_file: str,
                     history: Path | None = None) -> str:
    """Check ``commit`` out into ``root`` unless it is there: from the source's history clone when it holds
    the commit (nothing fetched twice), else by a shallow fetch from the remote."""
    if root.is_dir():
        return "up to date"
    display.update(cfg.name, f"cloning {shown} @ {ref or 'HEAD'}")
    folder.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{commit[:12]}.", dir=folder))
    try:
        committed = _checkout_from_history(history, commit, temp) if history is not None else None
        if committed is None:
            committed = fetch_commit(access.git_url, commit, ref, temp, access.auth)
        shutil.rmtree(temp / ".git", ignore_errors=True)  # the tree is all a build reads
        (folder / f"{commit}.json").write_text(json.dumps({"committed": committed}) + "\n", encoding="utf-8")
        temp.rename(root)
    except GitError as exc:
        code, hint = _access_hint(access, exc)
        raise _fail(config_file, index, cfg, f"cannot fetch {commit[:7]} from {shown}: {exc.first_line}",
                    code, hint + "; run `devportal fetch --update`") from exc
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)
    return "cloned"
