"""Shared fixtures: real Git repos made in tmp_path and portals that use them as sources."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from generator.cli import main
from tests.git_http import GitHttpServer
from tests.helpers import Upstream, copy_example, new_upstream


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


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    """The example portal, built once per test module with ``--strict``."""
    config = copy_example(tmp_path_factory.mktemp("example"))
    assert main(["build", "-f", str(config), "--strict"]) == 0
    return config.parent / "site"
