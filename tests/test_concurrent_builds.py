"""Two builds in one folder at once: the second waits for the first (or refuses with --wait 0), never mixes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.project_lock import build_lock
from tests.helpers import REPO_ROOT, folder_bytes, write_portal


def _devportal(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "generator.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


def _wait_for_line(process: subprocess.Popen, words: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen += line
        if words in line:
            return line
        if not line and process.poll() is not None:
            break
    pytest.fail(f"never printed {words!r}:\n{seen}")


@pytest.fixture
def small_portal(tmp_path, make_upstream) -> Path:
    upstream = make_upstream("guides", {"README.md": "# Guides\n\nHello.\n", "docs/a.md": "# A\n\nText.\n"})
    return write_portal(tmp_path / "portal", [{"name": "guides", "repo": upstream.url}])


def test_two_builds_started_together_both_succeed_one_after_the_other(small_portal):
    first = _devportal("build", "-f", str(small_portal))
    second = _devportal("build", "-f", str(small_portal))
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    site = small_portal.parent / "site"
    assert (site / "guides" / "docs" / "a" / "index.html").is_file()
    assert (site / "sitemap.xml").is_file()
    assert sorted(p.name for p in small_portal.parent.iterdir() if p.name.startswith(".")) == [".devportal"]
    # The site is exactly what a build on its own makes.
    alone = _devportal("build", "-f", str(small_portal), "-d", str(small_portal.parent / "alone"))
    assert alone.wait(timeout=300) == 0
    assert folder_bytes(site) == folder_bytes(small_portal.parent / "alone")


def test_a_build_waits_for_the_one_in_progress_and_names_its_pid(small_portal):
    site = small_portal.parent / "site"
    with build_lock(small_portal.parent):  # this test process is "the build in progress"
        waiting = _devportal("build", "-f", str(small_portal))
        line = _wait_for_line(waiting, "waiting for the build in progress")
        assert f"(pid {os.getpid()})" in line
        time.sleep(1)
        assert waiting.poll() is None and not site.exists()  # it really waits, touching nothing
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert (site / "guides" / "index.html").is_file()


def test_with_wait_0_a_second_build_refuses_clearly_and_leaves_everything_as_it_was(small_portal):
    site = small_portal.parent / "site"
    first = _devportal("build", "-f", str(small_portal))
    assert first.wait(timeout=300) == 0
    before = folder_bytes(site)
    with build_lock(small_portal.parent):
        refused = _devportal("build", "-f", str(small_portal), "--wait", "0", "--format", "json")
        out, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    assert '"code": "build-locked"' in out and f"pid {os.getpid()}" in out
    assert "another build is in progress" in out and "--wait SECONDS" in out
    assert folder_bytes(site) == before


def test_a_killed_build_never_leaves_the_lock_held(small_portal):
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from generator.project_lock import acquire\n"
        "acquire(Path(sys.argv[1]))\n"
        "print('locked', flush=True)\n"
        "time.sleep(600)\n"), str(small_portal.parent)], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    build = _devportal("build", "-f", str(small_portal), "--wait", "0")
    out, err = build.communicate(timeout=300)
    assert build.returncode == 0, err


def test_plain_mkdocs_build_with_the_plugin_respects_the_same_lock(small_portal):
    with build_lock(small_portal.parent):
        mkdocs = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "-f", str(small_portal)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
        _wait_for_line(mkdocs, "waiting for the build in progress")
        time.sleep(0.5)
        assert mkdocs.poll() is None
    out, err = mkdocs.communicate(timeout=300)
    assert mkdocs.returncode == 0, err
    assert (small_portal.parent / "site" / "guides" / "index.html").is_file()
