"""A build killed at any instant leaves the last good site in place, and the next build cleans up after it.

The swap is killed deterministically after each of its file-system steps (renames, the atomic exchange,
every file deleted), in a child process that SIGKILLs itself; real `devportal build` processes are killed
between the two renames of the fallback path, right after the exchange, and at a sweep of delays.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from generator.stage.swap import claim, exchange_paths, keep_unchanged, link_tree, recover, swap_into_place
from tests.helpers import REPO_ROOT, folder_bytes, write_portal

# Runs swap_into_place(new, target) and SIGKILLs itself after file-system step number `kill_after`.
SWAP_CHILD = textwrap.dedent("""
    import os, shutil, signal, sys
    from pathlib import Path
    import generator.stage.swap as swap

    new, target, kill_after, mode = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    steps = 0

    def counted(function):
        def step(*args, **kwargs):
            global steps
            result = function(*args, **kwargs)
            steps += 1
            if steps == kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return step

    for name in ("replace", "rename", "unlink", "rmdir"):
        setattr(os, name, counted(getattr(os, name)))
    swap.exchange_paths = counted(swap.exchange_paths) if mode.startswith("exchange") else (lambda a, b: False)
    swap.swap_into_place(new, target, keep=target.with_name("kept") if mode.endswith("keep") else None)
    print(steps)
""")


def _write_tree(folder: Path, version: str) -> dict[str, bytes]:
    for rel in ("index.html", "a/index.html", "a/b/index.html", "assets/site.css", f"only-in-{version}.txt"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(f"{version}: {rel}\n")
    return folder_bytes(folder)


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _run_swap(tmp: Path, kill_after: int, mode: str) -> tuple[int, dict, dict, str]:
    target = tmp / "site"
    old = _write_tree(target, "old")
    new_dir = tmp / f".site.building-999999999-{kill_after}x"
    new = _write_tree(new_dir, "new")
    child = subprocess.run([sys.executable, "-c", SWAP_CHILD, str(new_dir), str(target), str(kill_after), mode],
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    return child.returncode, old, new, child.stdout


@pytest.mark.parametrize("mode", ["exchange", "fallback", "exchange-keep", "fallback-keep"])
def test_a_swap_killed_after_any_step_leaves_a_complete_site_and_the_next_run_cleans_up(tmp_path, mode):
    kill_after, finished = 1, False
    while not finished:
        tmp = tmp_path / f"{mode}-{kill_after}"
        tmp.mkdir()
        code, old, new, out = _run_swap(tmp, kill_after, mode)
        finished = code == 0
        assert finished or code == -signal.SIGKILL, out
        target = tmp / "site"
        if mode.startswith("exchange") or finished:
            # RENAME_EXCHANGE: there is no instant without a complete site/.
            assert folder_bytes(target) in (old, new), f"killed after step {kill_after}"
        elif not target.exists():
            # Killed between the two renames of the fallback path: the previous site waits beside it.
            assert [folder_bytes(p) for p in tmp.glob(".site.old-*")] == [old]
        recover(target)
        assert folder_bytes(target) in (old, new), f"killed after step {kill_after}"
        assert _leftovers(tmp) == [], f"killed after step {kill_after}"
        if kill_after == 1 and mode.startswith("fallback"):
            assert folder_bytes(target) == old  # the kill between the renames: the old site is back
        if (tmp / "kept").exists():  # the previous site, kept whole for the next build, or nothing
            assert folder_bytes(tmp / "kept") == old, f"killed after step {kill_after}"
        kill_after += 1
    if mode.endswith("keep"):
        assert folder_bytes(tmp / "kept") == old and int(out) == kill_after - 2 >= 2  # kept: nothing deleted
    else:
        assert int(out) == kill_after - 2 > 5  # every step of the swap, deletions included, was a kill point


def test_exchange_paths_swaps_two_folders_in_one_step(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "f.txt").write_text("first")
    (second / "s.txt").write_text("second")
    if not exchange_paths(first, second):
        pytest.skip("this OS or file system has no RENAME_EXCHANGE; the fallback is tested above")
    assert (first / "s.txt").read_text() == "second" and (second / "f.txt").read_text() == "first"


def test_a_linked_copy_of_a_site_leaves_out_what_the_build_writes_again_and_keeps_unchanged_files(tmp_path):
    site, work = tmp_path / "site", tmp_path / "work"
    for name in ("index.html", "guide/index.html", "pagefind/pagefind.js", "pagefind/fragment/a.pf_fragment"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(name)
    work.mkdir()
    link_tree(site, work, skip={"guide/index.html", "pagefind"})  # a file, and a folder left out whole
    assert sorted(p.relative_to(work).as_posix() for p in work.rglob("*")) == ["guide", "index.html"]
    assert os.path.samefile(work / "index.html", site / "index.html")
    (work / "guide" / "index.html").write_text("guide/index.html")  # written again, the same bytes
    (work / "pagefind").mkdir()
    (work / "pagefind" / "pagefind.js").write_text("a new index")
    keep_unchanged(work, site)
    assert os.path.samefile(work / "guide" / "index.html", site / "guide" / "index.html")  # keeps its inode
    assert not os.path.samefile(work / "pagefind" / "pagefind.js", site / "pagefind" / "pagefind.js")
    assert (site / "pagefind" / "pagefind.js").read_text() == "pagefind/pagefind.js"


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() + ("/" if p.is_dir() else "") for p in folder.rglob("*"))


def test_a_linked_copy_made_over_a_kept_tree_is_the_fresh_copy_and_reuses_its_folders(tmp_path):
    site, kept, fresh = tmp_path / "site", tmp_path / "kept", tmp_path / "fresh"
    for name in ("index.html", "guide/index.html", "a/b/index.html", "assets/site.css", "pagefind/pagefind.js"):
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(name)
    kept.mkdir()
    link_tree(site, kept)  # the site before, as the last swap kept it; then it drifted from today's site:
    (kept / "index.html").unlink()
    (kept / "index.html").write_text("an older home page")  # a file that is no link to the site's any more
    (kept / "gone" / "deep").mkdir(parents=True)  # a folder the site no longer has
    (kept / "gone" / "deep" / "index.html").write_text("gone")
    shutil.rmtree(kept / "assets")
    (kept / "assets").write_text("a file where the site has a folder")
    (kept / "guide" / "index.html").unlink()
    (kept / "guide" / "index.html").mkdir()  # a folder where the site has a file
    guide_folder = (kept / "guide").stat().st_ino
    skip = {"pagefind", "a/b/index.html"}  # what the build writes again
    link_tree(site, kept, skip=skip)
    fresh.mkdir()
    link_tree(site, fresh, skip=skip)
    assert _listing(kept) == _listing(fresh) == ["a/", "a/b/", "assets/", "assets/site.css", "guide/",
                                                 "guide/index.html", "index.html"]
    assert all(os.path.samefile(kept / name, site / name) for name in _listing(kept) if not name.endswith("/"))
    assert (kept / "guide").stat().st_ino == guide_folder  # the folder was kept, not made again
    assert folder_bytes(site)["index.html"] == b"index.html"  # nothing was written into the site's files


def test_a_swap_keeps_the_previous_tree_for_the_next_build_to_claim(tmp_path):
    target, kept, work = tmp_path / "site", tmp_path / "cache" / "site.previous", tmp_path / ".site.building-1"
    first = _write_tree(target, "first")
    second = _write_tree(tmp_path / "second", "second")
    swap_into_place(tmp_path / "second", target, keep=kept)
    assert folder_bytes(target) == second and folder_bytes(kept) == first
    third = _write_tree(tmp_path / "third", "third")
    swap_into_place(tmp_path / "third", target, keep=kept)  # a tree is kept there already: the previous goes
    assert folder_bytes(target) == third and folder_bytes(kept) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "site"]
    work.mkdir()
    assert claim(kept, work) and folder_bytes(work) == first and not kept.exists()
    assert not claim(kept, tmp_path / ".site.building-2")  # claimed once: the next build links a fresh copy


# ---------------------------------------------------------------------------------------------------
# Real builds, killed.

# Runs `devportal build` and SIGKILLs itself at a chosen point of the swap (or never).
BUILD_CHILD = textwrap.dedent("""
    import os, signal, sys
    import generator.stage.swap as swap
    from generator.cli import main

    point = sys.argv[1]
    if point == "between-renames":
        swap.exchange_paths = lambda a, b: False
        replace = os.replace
        def killing_replace(src, dst, **kwargs):
            replace(src, dst, **kwargs)
            if ".site.old-" in os.fspath(dst):
                os.kill(os.getpid(), signal.SIGKILL)
        os.replace = killing_replace
    elif point == "after-exchange":
        exchange = swap.exchange_paths
        def killing_exchange(a, b):
            done = exchange(a, b)
            os.kill(os.getpid(), signal.SIGKILL)
            return done
        swap.exchange_paths = killing_exchange
    sys.exit(main(["build", "-f", sys.argv[2]]))
""")


def _build_child(config: Path, point: str = "none") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", BUILD_CHILD, point, str(config)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


@pytest.fixture
def two_versions(tmp_path, make_upstream):
    """A portal built once from version one; upstream now holds version two."""
    upstream = make_upstream("guides", {"README.md": "# Guides\n\nVersion one.\n", "docs/a.md": "# A\n"})
    config = write_portal(tmp_path / "portal", [{"name": "guides", "repo": upstream.url}])
    first = _build_child(config)
    assert first.wait() == 0, first.stderr.read()
    site = config.parent / "site"
    old = folder_bytes(site)
    upstream.commit({"README.md": "# Guides\n\nVersion two.\n", "docs/b.md": "# B\n"})
    return config, site, old


def _version(site: Path) -> str:
    page = (site / "guides" / "index.html").read_text()
    return "one" if "Version one." in page else "two" if "Version two." in page else "neither"


@pytest.mark.parametrize("point", ["between-renames", "after-exchange"])
def test_a_real_build_killed_inside_the_swap_keeps_a_site_and_the_next_build_cleans_up(two_versions, point):
    config, site, old = two_versions
    child = _build_child(config, point)
    assert child.wait() == -signal.SIGKILL, child.stderr.read()
    if point == "between-renames":
        assert not site.exists()  # the one instant the fallback path has no site/ ...
        assert [folder_bytes(p) for p in site.parent.glob(".site.old-*")] == [old]  # ... the last good one waits
    else:
        assert _version(site) == "two"
    assert _leftovers(site.parent) != [".devportal"]  # the killed build left something behind
    final = _build_child(config)
    assert final.wait() == 0, final.stderr.read()
    assert _version(site) == "two" and (site / "guides" / "docs" / "b" / "index.html").is_file()
    assert _leftovers(site.parent) == [".devportal"]
    stage_parent = site.parent / ".devportal"
    assert not [p for p in stage_parent.iterdir() if ".staging-" in p.name]


@pytest.mark.slow
def test_a_real_build_killed_at_a_sweep_of_instants_always_leaves_a_complete_site(two_versions):
    config, site, old = two_versions
    started = time.monotonic()
    reference = _build_child(config)
    assert reference.wait() == 0
    duration = time.monotonic() - started
    new = folder_bytes(site)
    assert _version(site) == "two"
    # Back to version one's site, then kill builds of version two all along their run.
    versions = set()
    for step in range(10):
        _restore(site, old)
        child = _build_child(config)
        time.sleep(duration * (0.3 + 0.08 * step))
        child.send_signal(signal.SIGKILL)
        child.wait()
        tree = folder_bytes(site) if site.exists() else None
        versions.add("old" if tree == old else "new" if tree == new else "broken")
        recover_run = _build_child(config)  # the next build: restores, cleans up and builds version two
        assert recover_run.wait() == 0, recover_run.stderr.read()
        assert folder_bytes(site) == new
        assert _leftovers(site.parent) == [".devportal"]
    assert "broken" not in versions, versions


def _restore(site: Path, tree: dict[str, bytes]) -> None:
    import shutil

    shutil.rmtree(site)
    for rel, data in tree.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
