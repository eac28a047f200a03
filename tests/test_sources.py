"""Fetching sources with real Git from bare repos reached by file:// URL."""

from __future__ import annotations

import collections
import functools
import http.server
import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from generator.config import validate_portal_config
from generator.diagnostics import DiagnosticError
from generator.sources import fetch_sources, read_lock
from generator.sources.git import REPO_VARIABLES
from generator.stage.docs_tree import glob_files
from tests.helpers import git


def _git_commands(log: Path) -> collections.Counter[str]:
    """How many times each git subcommand ran, from the log of ``git_argv_log`` (options before it skipped)."""
    counts: collections.Counter[str] = collections.Counter()
    for line in log.read_text().splitlines() if log.exists() else []:
        words = line.split()
        while words[:1] in (["-c"], ["-C"], ["--git-dir"], ["--work-tree"]):
            words = words[2:]
        counts[words[0] if words else ""] += 1
    return counts


def _sources(*entries: dict):
    portal, problems = validate_portal_config({"sources": list(entries)}, "mkdocs.yml")
    assert not problems.errors, list(problems)
    return list(portal.sources)


def _fetch(tmp_path: Path, sources, mode: str = "auto", log=None, history: bool = False):
    return fetch_sources(sources, project_root=tmp_path, cache_dir=tmp_path / "cache",
                         lock_path=tmp_path / "devportal.lock", mode=mode, log=log or (lambda _: None),
                         history=history)


def test_branch_tag_and_commit_are_checked_out(tmp_path, make_upstream):
    upstream = make_upstream("api", {"README.md": "# One\n"})
    first = upstream.head
    upstream.tag("v1")
    upstream.commit({"README.md": "# Two\n"})
    checkouts = _fetch(tmp_path, _sources({"name": "main", "repo": upstream.url, "ref": "main"},
                                          {"name": "tag", "repo": upstream.url, "ref": "v1"},
                                          {"name": "sha", "repo": upstream.url, "ref": first}))
    texts = {c.config.name: (c.root / "README.md").read_text() for c in checkouts}
    assert texts == {"main": "# Two\n", "tag": "# One\n", "sha": "# One\n"}
    lock = read_lock(tmp_path / "devportal.lock")
    assert lock["tag"].commit == first and lock["main"].commit == upstream.head
    assert not (checkouts[0].root / ".git").exists()  # only the tree is kept


def test_a_rebuild_with_no_upstream_change_only_asks_ls_remote_and_offline_asks_nothing(tmp_path, make_upstream,
                                                                                         git_argv_log):
    upstream = make_upstream("api", {"README.md": "# One\n"})
    sources = _sources({"name": "a", "repo": upstream.url}, {"name": "b", "repo": upstream.url, "ref": "main"})
    _fetch(tmp_path, sources)
    assert _git_commands(git_argv_log)["fetch"] >= 1  # the shim sees the generator's git
    before = _git_commands(git_argv_log)
    lines: list[str] = []
    _fetch(tmp_path, sources, log=lines.append)
    assert _git_commands(git_argv_log)["fetch"] == before["fetch"]
    assert _git_commands(git_argv_log)["ls-remote"] == before["ls-remote"] + 2  # one per source
    assert all("up to date" in line for line in lines)
    before = _git_commands(git_argv_log)
    _fetch(tmp_path, sources, mode="offline")
    assert _git_commands(git_argv_log) == before


def test_a_cold_fetch_runs_four_git_commands_per_source_after_ls_remote(tmp_path, make_upstream, git_argv_log):
    upstream = make_upstream("api", {"README.md": "# One\n", "docs/guide.md": "# Guide\n"})
    upstream.commit({"README.md": "# Two\n"})
    git_argv_log.unlink(missing_ok=True)  # only the fetch's own commands
    checkouts = _fetch(tmp_path, _sources({"name": "api", "repo": upstream.url}))
    assert (checkouts[0].root / "README.md").read_text() == "# Two\n"
    assert (checkouts[0].root / "docs" / "guide.md").read_text() == "# Guide\n"
    assert _git_commands(git_argv_log) == {"ls-remote": 1, "init": 1, "fetch": 1, "read-tree": 1, "show": 1}
    assert read_lock(tmp_path / "devportal.lock")["api"].commit == upstream.head


def test_a_source_with_specs_is_checked_out_from_its_history_clone_without_fetching_twice(tmp_path, make_upstream,
                                                                                          git_argv_log):
    """Its history clone (for the API changelog) holds the built commit: the checkout is made from it, with the
    same files a shallow fetch gives (a symlink as a plain file, line ends as `.gitattributes` asks), and the
    remote is asked once. A commit the clone lacks (on no branch or tag) is fetched from the remote."""
    upstream = make_upstream("api", {"README.md": "# One\n", "openapi.yaml": "openapi: 3.0.3\n",
                                     ".gitattributes": "*.txt text eol=crlf\n", "notes.txt": "a\nb\n"})
    os.symlink("/etc/passwd", upstream.work / "leak.md")
    upstream.commit({"README.md": "# Two\n"})
    with_specs = _sources({"name": "api", "repo": upstream.url, "specs": ["openapi.yaml"]})
    git_argv_log.unlink(missing_ok=True)
    (checkout,) = _fetch(tmp_path, with_specs, history=True)
    assert _git_commands(git_argv_log) == {"ls-remote": 1, "clone": 1, "read-tree": 1, "show": 1}  # no fetch
    (shallow,) = _fetch(tmp_path / "plain", _sources({"name": "api", "repo": upstream.url}))
    assert checkout.history is not None and shallow.history is None
    assert [json.loads((c.root.parent / f"{c.commit}.json").read_text()) for c in (checkout, shallow)] == \
        [{"committed": subprocess.run(["git", "show", "-s", "--format=%cI", upstream.head], cwd=upstream.bare,
                                      capture_output=True, text=True, check=True).stdout.strip()}] * 2
    files = {p.relative_to(checkout.root): p.read_bytes() for p in checkout.root.rglob("*") if p.is_file()}
    assert files == {p.relative_to(shallow.root): p.read_bytes() for p in shallow.root.rglob("*") if p.is_file()}
    assert files[Path("leak.md")] == b"/etc/passwd" and files[Path("notes.txt")] == b"a\r\nb\r\n"
    assert not (checkout.root / ".git").exists() and not (checkout.root / "leak.md").is_symlink()
    assert not (checkout.history / "index").exists()  # the history clone is left as it was

    hidden = upstream.commit({"README.md": "# Hidden\n"}, branch="topic")
    subprocess.run(["git", "push", "-q", "origin", ":topic"], cwd=upstream.work, check=True)
    subprocess.run(["git", "update-ref", "refs/pull/1/head", hidden], cwd=upstream.bare, check=True)
    git_argv_log.unlink()
    pinned_source = _sources({"name": "api", "repo": upstream.url, "ref": hidden, "specs": ["openapi.yaml"]})
    (pinned,) = _fetch(tmp_path, pinned_source, history=True)
    assert (pinned.root / "README.md").read_text() == "# Hidden\n"
    assert _git_commands(git_argv_log)["fetch"] >= 1  # not in the history clone: fetched from the remote


def test_a_fetch_run_from_a_git_hook_leaves_the_hooks_repository_alone(tmp_path, make_upstream, monkeypatch):
    """A git hook (a pre-commit hook that builds the portal) runs with ``GIT_DIR`` and ``GIT_INDEX_FILE`` naming
    its repository, and other variables can name its objects: the fetch's own git commands ignore them. Before,
    a cold fetch checked the source's files out into the hook's repository's index."""
    upstream = make_upstream("api", {"README.md": "# One\n", "openapi.yaml": "openapi: 3.0.3\n"})
    hooked = tmp_path / "hooked"
    git("init", "-q", str(hooked), cwd=tmp_path)
    (hooked / "own.txt").write_text("own\n")
    git("add", "own.txt", cwd=hooked)
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "own", cwd=hooked)
    state = {path.relative_to(hooked): path.read_bytes() for path in (hooked / ".git").rglob("*") if path.is_file()}
    for name, value in {"GIT_DIR": hooked / ".git", "GIT_WORK_TREE": hooked, "GIT_INDEX_FILE": hooked / ".git/index",
                        "GIT_OBJECT_DIRECTORY": hooked / ".git/objects", "GIT_COMMON_DIR": hooked / ".git"}.items():
        monkeypatch.setenv(name, str(value))
    sources = _sources({"name": "plain", "repo": upstream.url},
                       {"name": "specs", "repo": upstream.url, "specs": ["openapi.yaml"]})
    checkouts = _fetch(tmp_path / "portal", sources, history=True)
    assert [(c.root / "README.md").read_text() for c in checkouts] == ["# One\n"] * 2
    assert {path.relative_to(hooked): path.read_bytes() for path in (hooked / ".git").rglob("*")
            if path.is_file()} == state


def test_the_variables_ignored_are_those_git_names_as_pointing_at_a_repository():
    """``git rev-parse --local-env-vars`` lists them; the configuration ones (``GIT_CONFIG_COUNT``: a CI's
    credentials) are kept."""
    listed = subprocess.run(["git", "rev-parse", "--local-env-vars"], capture_output=True, text=True,
                            check=True).stdout.split()
    assert set(REPO_VARIABLES) == {name for name in listed if not name.startswith("GIT_CONFIG")}


def test_a_repo_git_makes_in_the_cache_has_no_template_files_or_reflogs(tmp_path, make_upstream, monkeypatch):
    """git copies its template into every repo it makes (sample hooks, description, info/exclude: about 20 files
    and folders per clone, and each checkout's repo is deleted right after) and writes reflogs: the fetch asks for
    neither, also when the environment names a template folder of its own. Seen on the history clone, which is
    kept; a checkout's repo is made by the same commands."""
    upstream = make_upstream("api", {"README.md": "# One\n", "openapi.yaml": "openapi: 3.0.3\n"})
    upstream.commit({"README.md": "# Two\n"})
    template = tmp_path / "template"
    (template / "hooks").mkdir(parents=True)
    (template / "hooks" / "post-checkout").write_text("#!/bin/sh\necho hooked > hooked.txt\n")
    (template / "hooks" / "post-checkout").chmod(0o755)
    (template / "marker").write_text("from the template\n")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(template))
    (checkout,) = _fetch(tmp_path, _sources({"name": "api", "repo": upstream.url, "specs": ["openapi.yaml"]}),
                         history=True)
    assert (checkout.root / "README.md").read_text() == "# Two\n"
    made = {p.relative_to(checkout.history).as_posix() for p in checkout.history.rglob("*")}
    assert not {name for name in made if name.split("/")[0] in {"hooks", "marker", "description", "info", "branches",
                                                                 "logs"}}, sorted(made)
    assert not (checkout.root / "hooked.txt").exists()
    assert {"HEAD", "config", "packed-refs"} <= made


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def test_a_server_that_cannot_send_one_commit_by_its_sha_still_gets_it_checked_out(tmp_path, make_upstream):
    """Git's "dumb" HTTP protocol (plain files) can neither fetch by SHA nor shallow: the ref's history is fetched."""
    upstream = make_upstream("api", {"README.md": "# One\n"})
    upstream.commit({"README.md": "# Two\n"})
    subprocess.run(["git", "update-server-info"], cwd=upstream.bare, check=True)
    handler = functools.partial(_QuietFiles, directory=str(upstream.bare.parent))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            url = f"http://127.0.0.1:{server.server_address[1]}/api.git"
            checkouts = _fetch(tmp_path, _sources({"name": "api", "repo": url}))
        finally:
            server.shutdown()
    assert (checkouts[0].root / "README.md").read_text() == "# Two\n"
    assert read_lock(tmp_path / "devportal.lock")["api"].commit == upstream.head


def test_update_moves_the_lock_and_frozen_keeps_it(tmp_path, make_upstream):
    upstream = make_upstream("api", {"README.md": "# One\n"})
    sources = _sources({"name": "a", "repo": upstream.url, "ref": "main"})
    _fetch(tmp_path, sources)
    old = read_lock(tmp_path / "devportal.lock")["a"].commit
    upstream.commit({"README.md": "# Two\n"})
    (checkout,) = _fetch(tmp_path, sources, mode="frozen")
    assert checkout.commit == old and (checkout.root / "README.md").read_text() == "# One\n"
    _fetch(tmp_path, sources, mode="update")
    assert read_lock(tmp_path / "devportal.lock")["a"].commit == upstream.head != old


def test_frozen_without_lock_or_with_a_stale_one_fails_with_a_hint(tmp_path, make_upstream):
    upstream = make_upstream("api", {"README.md": "# One\n"})
    with pytest.raises(DiagnosticError) as missing:
        _fetch(tmp_path, _sources({"name": "a", "repo": upstream.url}), mode="frozen")
    assert [d.code for d in missing.value.diagnostics] == ["lock-missing"]
    _fetch(tmp_path, _sources({"name": "a", "repo": upstream.url, "ref": "main"}))
    other = make_upstream("other", {"README.md": "# Other\n"})
    with pytest.raises(DiagnosticError) as stale:
        _fetch(tmp_path, _sources({"name": "a", "repo": other.url, "ref": "main"}), mode="frozen")
    (problem,) = stale.value.diagnostics
    assert problem.code == "lock-stale" and "devportal fetch --update" in problem.hint


def test_every_bad_source_is_reported_together(tmp_path, make_upstream):
    upstream = make_upstream("api", {"README.md": "# One\n"})
    upstream.tag("v1")
    with pytest.raises(DiagnosticError) as error:
        _fetch(tmp_path, _sources({"name": "gone", "repo": (tmp_path / "nowhere.git").as_uri()},
                                  {"name": "badref", "repo": upstream.url, "ref": "release-9"},
                                  {"name": "nofolder", "repo": "./not-here"}))
    by_code = {d.code: d for d in error.value.diagnostics}
    assert set(by_code) == {"source-unreachable", "source-ref-missing", "source-missing"}
    assert "main" in by_code["source-ref-missing"].hint and "v1" in by_code["source-ref-missing"].hint
    assert by_code["source-unreachable"].pointer == "sources[0]"


def test_a_symlink_in_a_repo_is_not_followed(tmp_path, make_upstream):
    upstream = make_upstream("api", {"README.md": "# One\n"})
    os.symlink("/etc/passwd", upstream.work / "leak.md")
    upstream.commit({}, "Add a symlink")
    (checkout,) = _fetch(tmp_path, _sources({"name": "a", "repo": upstream.url}))
    leak = checkout.root / "leak.md"
    assert not leak.is_symlink() and leak.read_text() == "/etc/passwd"


def test_a_local_folder_is_used_in_place(tmp_path):
    folder = tmp_path / "docs-repo"
    folder.mkdir()
    (folder / "README.md").write_text("# Local\n")
    (checkout,) = _fetch(tmp_path, _sources({"name": "local", "repo": "docs-repo",
                                             "web_url": "https://github.com/acme/docs"}))
    assert checkout.root == folder.resolve() and checkout.web_url == "https://github.com/acme/docs"
    assert not (tmp_path / "devportal.lock").exists()  # a local folder is built as it is: nothing to pin


def test_a_repo_keeps_the_checkouts_it_uses_and_the_two_it_used_last(tmp_path, make_upstream):
    upstream = make_upstream("api", {"README.md": "# 0\n", "openapi.yaml": "openapi: 3.0.3\n"})
    sources = _sources({"name": "api", "repo": upstream.url, "specs": ["openapi.yaml"]})

    def fetch() -> Path:
        (checkout,) = fetch_sources(sources, project_root=tmp_path, cache_dir=tmp_path / "cache",
                                    lock_path=tmp_path / "devportal.lock", log=lambda _: None, history=True)
        assert checkout.root.name == upstream.head and (checkout.root / "README.md").is_file()
        return checkout.root.parent

    def commits(folder: Path) -> list[str]:
        return sorted(path.name for path in folder.iterdir() if path.is_dir() and path.name[0] != "." and
                      path.name != "history.git")

    built = [upstream.head]
    for n in range(1, 4):  # built within the hour: every checkout is kept
        folder = fetch()
        upstream.commit({"README.md": f"# {n}\n"})
        built.append(upstream.head)
    assert commits(fetch()) == sorted(built)
    for path in folder.iterdir():  # then two hours pass (and a killed clone left its temporary folder)
        os.utime(path, (path.stat().st_mtime - 7200,) * 2)
    (folder / f".{built[0][:12]}.killed").mkdir()
    os.utime(folder / f".{built[0][:12]}.killed", (os.stat(folder).st_mtime - 7200,) * 2)
    (folder / f".{built[0][:12]}.cloning").mkdir()  # another build's clone in progress
    upstream.commit({"README.md": "# 4\n"})
    built.append(upstream.head)
    fetch()
    # the commit built, and the two built last before it; older ones are deleted with their dates
    assert commits(folder) == sorted(built[-3:])
    assert sorted(path.name for path in folder.glob("*.json")) == sorted(f"{commit}.json" for commit in built[-3:])
    assert (folder / "history.git").is_dir() and (folder / f".{built[0][:12]}.cloning").is_dir()
    assert not (folder / f".{built[0][:12]}.killed").exists()
    assert read_lock(tmp_path / "devportal.lock")["api"].commit == built[-1]


def test_the_folder_of_a_repo_no_fetch_used_for_a_week_is_deleted(tmp_path, make_upstream):
    api, old = make_upstream("api", {"README.md": "# Api\n"}), make_upstream("old", {"README.md": "# Old\n"})
    _fetch(tmp_path, _sources({"name": "api", "repo": api.url}, {"name": "old", "repo": old.url}))
    folders = {path.name.rsplit("-", 1)[0]: path for path in (tmp_path / "cache").iterdir()}
    other = tmp_path / "cache" / "notes-0123456789ab"  # not a folder a fetch made
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    _fetch(tmp_path, _sources({"name": "api", "repo": api.url}))  # the `old` source was removed
    assert folders["old"].is_dir()  # used a moment ago (another config sharing the cache may still use it)
    week = time.time() - 8 * 24 * 3600
    for path in [folders["old"], *folders["old"].iterdir(), other, *other.iterdir()]:
        os.utime(path, (week, week))
    _fetch(tmp_path, _sources({"name": "api", "repo": api.url}))
    assert not folders["old"].exists() and folders["api"].is_dir() and (other / "notes.txt").is_file()
    assert not [path for path in (tmp_path / "cache").iterdir() if path.name.startswith(".")]


def test_a_glob_returns_no_file_a_symlink_takes_out_of_the_repo(tmp_path):
    """A folder given as a source (or a checkout made with symlinks) may hold links anywhere on the machine:
    the files a glob returns are those whose path, every link followed, stays in the repo, as
    ``Path.resolve`` says of each (the glob resolves each folder once and each linked file on its own)."""
    outside = tmp_path / "elsewhere"
    (outside / "docs").mkdir(parents=True)
    (outside / "secret.md").write_text("# Secret\n")
    (outside / "docs" / "leak.md").write_text("# Leak\n")
    root = tmp_path / "repo"
    for name in ("README.md", "docs/guide.md", "docs/deep/more.md", "area/docs/inside.md"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("# Page\n")
    (root / "docs" / "secret.md").symlink_to(outside / "secret.md")  # a file linked out of the repo
    (root / "docs" / "alias.md").symlink_to(root / "docs" / "guide.md")  # a file linked inside it
    (root / "out").symlink_to(outside)  # a folder linked out: its files are reached by a literal path
    (root / "docs" / "deep" / "up.md").symlink_to("../../../elsewhere/secret.md")
    inside = ["README.md", "area/docs/inside.md", "docs/alias.md", "docs/deep/more.md", "docs/guide.md"]
    assert glob_files(root, ["**/*.md"]) == (inside, [])
    literal = ["out/docs/*.md", "docs/*.md", "area/docs/*.md"]  # each walked from its own folder: out/docs too
    assert glob_files(root, literal) == (["area/docs/inside.md", "docs/alias.md", "docs/guide.md"],
                                         ["out/docs/*.md"])
    # the oracle: every file the patterns name (the links followed), kept when its resolved path is inside
    for patterns in (["**/*.md"], literal):
        named = {path.relative_to(root).as_posix() for pattern in patterns for path in root.glob(pattern)
                 if path.is_file()}
        assert glob_files(root, patterns)[0] == sorted(
            rel for rel in named if (root / rel).resolve().is_relative_to(root.resolve()))
    assert {"out/docs/leak.md", "docs/secret.md"} <= named


def test_an_object_reader_answers_as_git_does_over_many_pieces_and_past_a_file_too_big(tmp_path, make_upstream):
    """git itself is the oracle (``rev-parse``, ``cat-file -p``): ids, sizes and contents of files, nothing for a
    missing name or a folder, over more names than one piece holds; a file over ``max_bytes`` comes without its
    content, its process is ended unread, and the names after it are still answered. ``close`` ends both."""
    from generator.sources.git import ObjectReader

    files = {f"docs/page-{index:04d}-{'x' * 40}.md": f"# Page {index}\n" for index in range(600)}
    files["big.bin"] = b"\0" * 50_000
    upstream = make_upstream("api", files)
    bare, head = upstream.bare, upstream.head
    names = [f"{head}:{path}" for path in files] + [f"{head}:missing.md", f"{head}:docs", "not a name"]
    assert sum(len(name) + 1 for name in names) > 2 * ObjectReader.PIECE
    with ObjectReader(bare) as reader:
        headers = reader.headers(names)
        contents = reader.contents(names[-5:] + names[:300], max_bytes=10_000)
        processes = [cat_file.process for cat_file in reader._processes.values()]
    for name in names:
        path = name.split(":", 1)[1] if name.startswith(head) else None
        if path not in files:
            assert headers[name] is None, name
            continue
        assert headers[name].id == git("rev-parse", name, cwd=bare)
        assert headers[name].size == len(files[path] if isinstance(files[path], bytes) else files[path].encode())
    big = contents[f"{head}:big.bin"]
    assert big.size == 50_000 and big.content == b""  # not read
    assert all(contents[name] is None for name in names[-3:])
    for name in names[:300]:
        assert contents[name].content.decode() == git("cat-file", "-p", name, cwd=bare) + "\n"
    assert reader.started == 3  # ids, contents, contents again after the file too big
    assert processes and all(process.poll() is not None for process in processes)


def test_an_object_reader_reports_what_git_said_and_does_not_wait_past_its_timeout(tmp_path, monkeypatch):
    """A cat-file that fails gives git's own message; one that does not answer is ended after the timeout."""
    from generator.sources.git import GitError, ObjectReader

    (tmp_path / "not-a-repo").mkdir()
    with ObjectReader(tmp_path / "not-a-repo") as reader, pytest.raises(GitError, match="not a git repository"):
        reader.headers(["HEAD:README.md"])
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "git").write_text("#!/bin/sh\nexec sleep 30\n")  # a git that never answers
    (shim / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
    started = time.monotonic()
    with ObjectReader(tmp_path, timeout=0.5) as reader, pytest.raises(GitError, match="timed out after"):
        reader.contents(["HEAD:README.md"])
    assert time.monotonic() - started < 10
