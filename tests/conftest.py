"""Shared fixtures: real Git repos made in tmp_path and portals that use them as sources."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.git_http import GitHttpServer

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus" / "vipps"

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test Author", "GIT_AUTHOR_EMAIL": "author@example.com",
    "GIT_COMMITTER_NAME": "Test Author", "GIT_COMMITTER_EMAIL": "author@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout.strip()


@dataclass
class Upstream:
    """A bare repo reached by ``file://`` URL, plus the work tree used to push commits to it."""

    work: Path
    bare: Path
    head: str = ""  # the last commit pushed

    @property
    def url(self) -> str:
        return self.bare.as_uri()

    def commit(self, files: dict[str, str | bytes], message: str = "Update docs", branch: str = "main") -> str:
        git("checkout", "-q", "-B", branch, cwd=self.work) if branch != self.branch() else None
        for rel, content in files.items():
            path = self.work / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        git("add", "-A", cwd=self.work)
        git("commit", "-q", "-m", message, cwd=self.work)
        git("push", "-q", "origin", f"{branch}:{branch}", cwd=self.work)
        self.head = git("rev-parse", "HEAD", cwd=self.work)
        return self.head

    def branch(self) -> str:
        return git("symbolic-ref", "--short", "HEAD", cwd=self.work)

    def tag(self, name: str, message: str = "Release") -> None:
        git("tag", "-a", name, "-m", message, cwd=self.work)
        git("push", "-q", "origin", name, cwd=self.work)


def new_upstream(root: Path, name: str, files: dict[str, str | bytes]) -> Upstream:
    """A bare Git repo under ``root`` with a first commit of ``files`` on ``main``."""
    bare = root / "upstream" / f"{name}.git"
    work = root / "work" / name
    bare.mkdir(parents=True)
    work.mkdir(parents=True)
    git("init", "-q", "--bare", "-b", "main", cwd=bare)
    git("init", "-q", "-b", "main", cwd=work)
    git("remote", "add", "origin", str(bare), cwd=work)
    upstream = Upstream(work=work, bare=bare)
    upstream.commit(files, "Initial docs")
    return upstream


@pytest.fixture
def make_upstream(tmp_path: Path) -> Callable[..., Upstream]:
    """Make a bare Git repo with a first commit of ``files`` on ``main``."""
    return lambda name, files: new_upstream(tmp_path, name, files)


@pytest.fixture
def serve_git(tmp_path: Path) -> Iterator[Callable[[str | None], GitHttpServer]]:
    """Start a Git HTTP server on loopback for the repos of ``make_upstream``; ``token`` is what it requires."""
    servers: list[GitHttpServer] = []

    def start(token: str | None) -> GitHttpServer:
        (tmp_path / "upstream").mkdir(exist_ok=True)
        server = GitHttpServer(tmp_path / "upstream", token).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture
def git_argv_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Put a ``git`` on PATH that logs each call's arguments (one line per call) to the returned file."""
    shim = tmp_path / "git-shim"
    shim.mkdir()
    log = tmp_path / "git-argv.log"
    (shim / "git").write_text(f'#!/bin/sh\nprintf \'%s\\n\' "$*" >> "{log}"\nexec "{shutil.which("git")}" "$@"\n')
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    return log


def write_portal(root: Path, sources: list[dict], *, pages: dict[str, str] | None = None,
                 extra: dict | None = None) -> Path:
    """Write a portal project (mkdocs.yml + content/portal) using the repo's own theme overrides."""
    content = root / "content" / "portal"
    content.mkdir(parents=True, exist_ok=True)
    for rel, text in (pages or {"index.md": "# Portal\n\n<!-- devportal:api-overview -->\n"}).items():
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    plugin = {"content_dir": "content/portal", "updates": {"enabled": False}, "sources": sources}
    plugin.update(extra or {})
    config = {
        "site_name": "Test Portal",
        "site_url": "https://portal.example.com/",
        "docs_dir": "content/portal",
        "theme": {"name": "material", "custom_dir": str(REPO_ROOT / "templates" / "overrides"), "font": False},
        "plugins": ["search", {"devportal": plugin}],
    }
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
