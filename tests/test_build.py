"""`devportal build` end to end: Git sources in, a branded static portal out."""

from __future__ import annotations

import json
import os
import re
import stat
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from tests.helpers import write_portal

PAYMENTS_FILES = {
    "README.md": """
        # Payments API

        Start with the [quick start](docs/quick-start.md) or read [how it works](docs/how-it-works.md#the-flow).
        """,
    "docs/quick-start.md": """
        ---
        title: Quick start
        ---
        # Quick start

        ![Flow](images/flow.svg)

        Then see [capture](api-guide/capture.md).
        """,
    "docs/how-it-works.md": """
        # How it works

        ## The flow

        See the [quick start](./quick-start.md).
        """,
    "docs/api-guide/capture.md": """
        # Capture

        Back to [the overview](../../README.md).
        """,
    "docs/images/flow.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    "openapi/payments.yaml": """
        openapi: 3.0.3
        info: {title: Payments, version: 1.2.0}
        paths:
          /payments:
            post:
              operationId: createPayment
              tags: [Payments]
              summary: Create a payment
              responses:
                "201": {description: Created}
        """,
}

LOGIN_FILES = {
    "README.md": "# Login API\n\nSign in with [the guide](docs/guide.md).\n",
    "docs/guide.md": "# Login guide\n\nSee also the [payments quick start](../../payments/docs/quick-start.md).\n",
}


def _source(name: str, upstream, **extra) -> dict:
    return {"name": name, "repo": upstream.url, "pages": ["README.md", "docs/**/*.md"],
            "web_url": f"https://github.com/acme/{name}-api", **extra}


@pytest.fixture
def portal(tmp_path, make_upstream):
    payments = make_upstream("payments", PAYMENTS_FILES)
    payments.tag("v1.0.0")
    quick_start = textwrap.dedent(PAYMENTS_FILES["docs/quick-start.md"])
    payments.commit({"docs/quick-start.md": quick_start + "\nNew on main.\n"})
    login = make_upstream("login", {**LOGIN_FILES,
                                    "docs/guide.md": "# Login guide\n\nSign in.\n"})
    login.commit({"docs/extra.md": "# Extra\n"}, branch="beta")
    config = write_portal(tmp_path / "portal", [
        _source("payments", payments, ref="main", specs=["openapi/*.yaml"], title="Payments API",
                description="Take payments."),
        _source("login", login, ref="beta", title="Login API"),
    ])
    return config, payments, login


def _build(config: Path, *args: str) -> int:
    return main(["build", "-f", str(config), *args])


def test_build_stages_every_source_and_writes_the_site(portal, capsys):
    config, payments, login = portal
    assert _build(config) == 0
    site = config.parent / "site"
    assert (site / "index.html").is_file()
    assert (site / "payments" / "index.html").is_file()  # README.md is the section's index
    quick = (site / "payments" / "docs" / "quick-start" / "index.html").read_text()
    assert "New on main." in quick  # branch main, not the tag
    assert (site / "payments" / "docs" / "images" / "flow.svg").is_file()
    assert 'src="../images/flow.svg"' in quick
    assert (site / "login" / "docs" / "extra" / "index.html").is_file()  # from branch beta

    index = (site / "payments" / "index.html").read_text()
    assert 'href="docs/how-it-works/#the-flow"' in index
    capture = (site / "payments" / "docs" / "api-guide" / "capture" / "index.html").read_text()
    assert 'href="../../../"' in capture or 'href="../../.."' in capture


def test_edit_and_report_links_point_at_the_page_in_its_own_repo(portal):
    config, _, _ = portal
    assert _build(config) == 0
    page = (config.parent / "site" / "payments" / "docs" / "how-it-works" / "index.html").read_text()
    assert "https://github.com/acme/payments-api/edit/main/docs/how-it-works.md" in page
    assert "https://github.com/acme/payments-api/issues/new" in page
    login = (config.parent / "site" / "login" / "docs" / "extra" / "index.html").read_text()
    assert "https://github.com/acme/login-api/edit/beta/docs/extra.md" in login


def test_lock_file_pins_the_resolved_commits(portal):
    config, payments, login = portal
    assert _build(config) == 0
    lock_text = (config.parent / "devportal.lock").read_text()
    assert payments.head in lock_text and login.head in lock_text
    assert "payments" in lock_text and "beta" in lock_text


def test_navigation_lists_portal_pages_then_the_apis_each_with_its_reference(portal):
    config, _, _ = portal
    assert main(["stage", "-f", str(config)]) == 0
    staged = yaml.safe_load((config.parent / ".devportal" / "stage" / "mkdocs.yml").read_text()
                            .replace("!!python/name:", ""))
    assert staged["nav"][0] in ("index.md", {"Portal": "index.md"})
    apis = next(entry["APIs"] for entry in staged["nav"] if isinstance(entry, dict) and "APIs" in entry)
    assert apis[0] == "apis/index.md"  # the index of every API, then one section per API
    nav = apis[1:]
    titles = [next(iter(entry)) for entry in nav if isinstance(entry, dict)]
    assert titles.index("Payments API") < titles.index("Login API")
    payments = next(entry["Payments API"] for entry in nav if isinstance(entry, dict) and "Payments API" in entry)
    assert payments[0] == "payments/index.md"
    assert any(isinstance(e, dict) and "API reference" in e for e in payments)
    assert "devportal" not in json.dumps(staged["plugins"])


def test_staged_tree_builds_with_plain_mkdocs_without_the_plugin(portal, tmp_path):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    config, _, _ = portal
    assert main(["stage", "-f", str(config)]) == 0
    out = tmp_path / "plain-site"
    build(load_config(str(config.parent / ".devportal" / "stage" / "mkdocs.yml"), site_dir=str(out)))
    assert (out / "payments" / "docs" / "quick-start" / "index.html").is_file()


def test_failed_build_leaves_the_previous_site_untouched(portal, capsys):
    config, _, _ = portal
    assert _build(config) == 0
    site = config.parent / "site"
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    data = yaml.safe_load(config.read_text())
    data["plugins"][1]["devportal"]["sources"][0]["ref"] = "no-such-branch"
    config.write_text(yaml.safe_dump(data))
    assert _build(config) == 1
    err = capsys.readouterr().err
    assert "no-such-branch" in err and "payments" in err
    after = {p: p.read_bytes() for p in site.rglob("*.html")}
    assert before == after
    assert not list(config.parent.glob(".site.building-*"))


def test_second_build_without_upstream_change_clones_nothing(portal, capsys):
    config, _, _ = portal
    assert _build(config) == 0
    capsys.readouterr()
    assert _build(config) == 0
    err = capsys.readouterr().err
    assert "cloned" not in err
    assert "fetch payments" in err


def test_frozen_build_uses_locked_commits_and_offline_needs_no_remote(portal, capsys):
    config, payments, _ = portal
    assert _build(config) == 0
    payments.commit({"docs/quick-start.md": "# Quick start\n\nNewer upstream.\n"})
    assert _build(config, "--frozen") == 0
    page = (config.parent / "site" / "payments" / "docs" / "quick-start" / "index.html").read_text()
    assert "Newer upstream." not in page
    payments.bare.rename(payments.bare.with_suffix(".moved"))  # the remote is gone
    assert _build(config, "--offline") == 0


@pytest.mark.parametrize("change, code, words", [
    (lambda s: s[0].update(repo="file:///nonexistent/repo.git"), "source-unreachable", ["payments"]),
    (lambda s: s[0].update(pages=["guides/**/*.md"]), "source-glob-empty", ["payments", "guides/**/*.md"]),
    (lambda s: s[1].update(name="payments"), "config-source-duplicate", ["payments", "used twice"]),
    (lambda s: s[0].update(titel="x"), "config-unknown-key", ["did you mean `title`"]),
])
def test_bad_input_gives_one_clear_message_and_writes_nothing(portal, capsys, change, code, words):
    config, _, _ = portal
    data = yaml.safe_load(config.read_text())
    change(data["plugins"][1]["devportal"]["sources"])
    config.write_text(yaml.safe_dump(data))
    assert main(["build", "-f", str(config), "--format", "json"]) == 1
    out = capsys.readouterr().out
    problems = json.loads(out)
    assert any(p["code"] == code for p in problems), problems
    text = json.dumps(problems)
    for word in words:
        assert word in text
    assert not (config.parent / "site").exists()


def test_malformed_mkdocs_yml_names_the_line(tmp_path, capsys):
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: x\nplugins:\n  - devportal:\n      sources: [\n")
    assert main(["build", "-f", str(config)]) == 1
    err = capsys.readouterr().err
    assert "mkdocs.yml" in err and "not valid YAML" in err
    assert re.search(r"\b[45]\b", err)


def test_staging_is_deterministic(tmp_path):
    """Two stagings of the same input are byte-identical (CI caches, `serve` does not rebuild in a loop)."""
    from tests.helpers import copy_example

    config = copy_example(tmp_path / "example")
    stage = config.parent / ".devportal" / "stage"
    assert main(["stage", "-f", str(config)]) == 0
    first = {p.relative_to(stage): p.read_bytes() for p in stage.rglob("*") if p.is_file()}
    assert main(["stage", "-f", str(config)]) == 0
    second = {p.relative_to(stage): p.read_bytes() for p in stage.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [path for path in first if first[path] != second[path]] == []


def test_a_rebuild_with_cached_spec_validation_still_renders_every_reference(tmp_path):
    from tests.helpers import copy_example

    config = copy_example(tmp_path / "example")
    for _ in range(2):  # the second build reuses the validation results of the first
        assert main(["build", "-f", str(config)]) == 0
        assert (config.parent / "site" / "payments" / "api" / "payments" / "payments" / "index.html").is_file()
    assert list((config.parent / ".devportal" / "cache" / "validation").glob("*.json"))


def test_the_site_and_its_folders_get_the_mode_any_new_folder_gets_after_a_build_and_a_rebuild(portal):
    """Built in a work folder and swapped in, the site must still be readable by a web server running as
    another user (a ``tempfile.mkdtemp`` work folder made it 0700), also when a rebuild takes over the
    previous site kept by the last swap, and that one was left private by an older version."""
    config, payments, _ = portal
    umask = os.umask(0)
    os.umask(umask)
    site = config.parent / "site"
    for change in range(4):
        if change:
            payments.commit({"docs/quick-start.md": f"# Quick start\n\nChange {change}.\n"})
        assert _build(config) == 0
        folders = [site, *(p for p in site.rglob("*") if p.is_dir())]
        assert {p.relative_to(site).as_posix(): oct(stat.S_IMODE(p.stat().st_mode)) for p in folders
                if stat.S_IMODE(p.stat().st_mode) != 0o777 & ~umask} == {}
        if change == 0:
            site.chmod(0o700)  # as devportal before this fix left it: the next swap keeps it, the one after reuses it
