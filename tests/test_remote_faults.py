"""A source's remote misbehaves: it cannot be reached (``--allow-stale``), or its history was rewritten."""

from __future__ import annotations

import json
import shutil

from generator.cli import main
from generator.sources import read_lock
from tests.helpers import git, write_portal

SPEC = """
    openapi: 3.0.3
    info: {title: Payments, version: "1.0"}
    paths:
      /payments:
        get:
          responses: {"200": {description: OK}}
    """
BANNER = "Possibly out of date"


def _portal(tmp_path, payments, other):
    return write_portal(tmp_path / "portal", [
        {"name": "payments", "repo": payments.url, "specs": ["openapi.yaml"], "pages": ["README.md"]},
        {"name": "other", "repo": other.url, "pages": ["README.md"]},
    ])


def test_allow_stale_builds_the_cached_commit_of_an_unreachable_source_and_says_so(tmp_path, make_upstream, capfd):
    payments = make_upstream("payments", {"README.md": "# Payments\n\nFirst text.\n", "openapi.yaml": SPEC})
    other = make_upstream("other", {"README.md": "# Other\n\nOther text.\n"})
    config = _portal(tmp_path, payments, other)
    assert main(["build", "-f", str(config)]) == 0
    cached = payments.head
    other.commit({"README.md": "# Other\n\nNewer other text.\n"})
    payments.bare.rename(tmp_path / "moved-away.git")  # the remote is gone
    capfd.readouterr()

    assert main(["build", "-f", str(config)]) == 1  # a normal build still fails
    out, err = capfd.readouterr()
    assert "[source-unreachable]" in err and "--allow-stale" not in err

    assert main(["build", "-f", str(config), "--allow-stale", "--format", "json"]) == 0
    out, err = capfd.readouterr()
    [stale] = [d for d in json.loads(out) if d["code"] == "source-stale"]
    assert stale["severity"] == "warning" and "`payments`" in stale["message"] and cached[:7] in stale["message"]
    committed = git("show", "-s", "--format=%cI", cached, cwd=payments.work)
    assert committed in stale["message"]
    site = tmp_path / "portal" / "site"
    page = (site / "payments" / "index.html").read_text()
    assert "First text." in page and BANNER in page and cached[:7] in page
    reference = next((site / "payments" / "api").rglob("index.html")).read_text()
    assert BANNER in reference and cached[:7] in reference
    other_page = (site / "other" / "index.html").read_text()
    assert "Newer other text." in other_page and BANNER not in other_page
    assert read_lock(tmp_path / "portal" / "devportal.lock")["payments"].commit == cached

    shutil.move(tmp_path / "moved-away.git", payments.bare)  # back again: the banner goes
    assert main(["build", "-f", str(config), "--allow-stale"]) == 0
    assert BANNER not in (site / "payments" / "index.html").read_text()


def test_allow_stale_without_a_cached_commit_still_fails(tmp_path, make_upstream, capfd):
    payments = make_upstream("payments", {"README.md": "# Payments\n"})
    config = write_portal(tmp_path / "portal", [{"name": "payments", "repo": payments.url, "pages": ["README.md"]}])
    shutil.rmtree(payments.bare)
    assert main(["build", "-f", str(config), "--allow-stale"]) == 1
    assert "no cached commit" in capfd.readouterr().err


def _force_push(upstream, files: dict[str, str], onto: str) -> str:
    git("reset", "-q", "--hard", onto, cwd=upstream.work)
    for rel, text in files.items():
        (upstream.work / rel).write_text(text, encoding="utf-8")
    git("commit", "-q", "-am", "Rewritten", cwd=upstream.work)
    git("push", "-q", "--force", "origin", "main:main", cwd=upstream.work)
    upstream.head = git("rev-parse", "HEAD", cwd=upstream.work)
    return upstream.head


def test_a_force_push_is_reported_and_strict_fails_until_fetch_update_accepts_it(tmp_path, make_upstream, capfd):
    payments = make_upstream("payments", {"README.md": "# Payments\n\nOne.\n"})
    first = payments.head
    payments.commit({"README.md": "# Payments\n\nTwo.\n"})
    config = write_portal(tmp_path / "portal",
                          [{"name": "payments", "repo": payments.url, "ref": "main", "pages": ["README.md"]}])
    lock_path = tmp_path / "portal" / "devportal.lock"
    assert main(["build", "-f", str(config)]) == 0
    payments.commit({"README.md": "# Payments\n\nThree.\n"})  # a normal push moves on quietly
    assert main(["build", "-f", str(config), "--strict"]) == 0
    locked = payments.head
    assert "source-history" not in capfd.readouterr().err

    rewritten = _force_push(payments, {"README.md": "# Payments\n\nRewritten.\n"}, onto=first)
    assert main(["build", "-f", str(config), "--strict", "--format", "github"]) == 1
    out, _ = capfd.readouterr()
    assert "title=source-history-rewritten" in out and "::error" in out
    assert locked[:7] in out and rewritten[:7] in out and "fetch --update" in out
    assert read_lock(lock_path)["payments"].commit == locked  # strict: nothing moved

    assert main(["build", "-f", str(config), "--format", "json"]) == 0  # not strict: a warning, and it moves on
    [problem] = [d for d in json.loads(capfd.readouterr().out) if d["code"] == "source-history-rewritten"]
    assert problem["severity"] == "warning" and locked[:7] in problem["message"] and rewritten[:7] in problem["message"]
    assert "Rewritten." in (tmp_path / "portal" / "site" / "payments" / "index.html").read_text()
    assert read_lock(lock_path)["payments"].commit == rewritten


def test_fetch_update_accepts_a_force_push_with_a_note(tmp_path, make_upstream, capfd):
    payments = make_upstream("payments", {"README.md": "# Payments\n\nOne.\n"})
    first = payments.head
    payments.commit({"README.md": "# Payments\n\nTwo.\n"})
    config = write_portal(tmp_path / "portal", [{"name": "payments", "repo": payments.url, "pages": ["README.md"]}])
    assert main(["fetch", "-f", str(config)]) == 0
    old = payments.head
    rewritten = _force_push(payments, {"README.md": "# Payments\n\nRewritten.\n"}, onto=first)
    git("gc", "-q", "--prune=now", cwd=payments.bare)  # the old commit is gone from the remote
    capfd.readouterr()
    assert main(["fetch", "-f", str(config), "--update", "--strict"]) == 0
    err = capfd.readouterr().err
    assert "info" in err and "source-history-rewritten" in err and old[:7] in err and rewritten[:7] in err
    assert read_lock(tmp_path / "portal" / "devportal.lock")["payments"].commit == rewritten
