"""`devportal check`: every problem with its exact location and code, in text, JSON and GitHub formats."""

from __future__ import annotations

import json
import re
import tempfile
import textwrap
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import CORPUS, write_portal

GOOD = {
    "README.md": "# Orders API\n\nRead the [guide](docs/guide.md#set-up).\n",
    "docs/guide.md": "# Guide\n\n## Set up\n\nText.\n",
}


def _repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def _portal(tmp_path: Path, files: dict[str, str], **extra) -> Path:
    repo = _repo(tmp_path / "orders-repo", files)
    source = {"name": "orders", "repo": str(repo), "pages": ["README.md", "docs/**/*.md"],
              "web_url": "https://github.com/acme/orders-api"}
    source.update(extra.pop("source", {}))
    return write_portal(tmp_path / "portal", [source], extra=extra)


def _check_json(config: Path, *args: str, capsys) -> tuple[int, list[dict]]:
    code = main(["check", "-f", str(config), "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else []


def test_clean_portal_exits_zero_and_prints_no_problem(tmp_path, capsys):
    config = _portal(tmp_path, GOOD)
    code, problems = _check_json(config, capsys=capsys)
    assert [p for p in problems if p["severity"] == "error"] == []
    assert code == 0
    assert not (config.parent / "site").exists()  # check writes no site


def test_unknown_config_key_gets_a_did_you_mean_hint_with_its_line(tmp_path, capsys):
    config = _portal(tmp_path, GOOD, source={"descripton": "typo"})
    code, problems = _check_json(config, capsys=capsys)
    assert code == 1
    problem = next(p for p in problems if p["code"] == "config-unknown-key")
    assert problem["hint"] == "did you mean `description`?"
    assert config.read_text().splitlines()[problem["line"] - 1].strip().startswith("descripton")


def test_redirect_to_a_missing_page_fails(tmp_path, capsys):
    config = _portal(tmp_path, GOOD, redirects={"old/guide.md": "orders/docs/guide.md",
                                                "old/gone.md": "orders/docs/nothing.md"})
    code, problems = _check_json(config, capsys=capsys)
    assert code == 1
    missing = [p for p in problems if p["code"] == "redirect-missing-target"]
    assert len(missing) == 1 and "orders/docs/nothing.md" in missing[0]["message"]


def test_two_pages_with_one_url_are_reported(tmp_path, capsys):
    config = _portal(tmp_path, {**GOOD, "docs/setup.md": "# Setup\n", "docs/setup/README.md": "# Setup too\n"})
    code, problems = _check_json(config, capsys=capsys)
    assert code == 1
    duplicate = next(p for p in problems if p["code"] == "page-duplicate-url")
    assert "orders/docs/setup" in duplicate["file"] and "orders/docs/setup" in duplicate["message"]


def test_github_format_prints_workflow_annotations(tmp_path, capsys):
    config = _portal(tmp_path, GOOD, source={"descripton": "typo"})
    assert main(["check", "-f", str(config), "--format", "github"]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::")]
    assert lines and lines[0].startswith("::error file=")
    assert ",line=" in lines[0] and "title=config-unknown-key::" in lines[0]


def test_strict_turns_warnings_into_errors(tmp_path, capsys):
    config = _portal(tmp_path, {**GOOD, "docs/guide.md": "# Guide\n\nSee [x](#no-such-heading).\n"})
    code = main(["check", "-f", str(config), "--format", "json"])
    captured = capsys.readouterr()
    warnings = [p for p in json.loads(captured.out) if p["severity"] == "warning"]
    assert code == 0 and warnings  # a missing same-page anchor is a warning
    # The summary does not call warnings "no problems".
    assert f"no errors, {len(warnings)} warning(s)" in captured.err and "no problems" not in captured.err
    code, problems = _check_json(config, "--strict", capsys=capsys)
    assert code == 1 and all(p["severity"] == "error" for p in problems)


def test_missing_config_file_is_a_tool_failure_exit_2(tmp_path, capsys):
    assert main(["check", "-f", str(tmp_path / "nope.yml")]) == 2
    assert "nope.yml" in capsys.readouterr().err


def test_check_source_validates_one_repo_as_the_portal_would(tmp_path, capsys, monkeypatch):
    repo = _repo(tmp_path / "team-repo", {**GOOD, "docs/broken.md": "# Broken\n\n[x](missing.md)\n"})
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    code = main(["check", "--source", str(repo), "--format", "json"])
    assert list(temp.iterdir()) == []  # the one-source portal it made is gone
    problems = json.loads(capsys.readouterr().out)
    assert code == 0  # a broken link is a warning...
    broken = [p for p in problems if p["file"].endswith("docs/broken.md")]
    assert broken and broken[0]["line"] == 3 and broken[0]["code"] == "link-missing-page"
    assert main(["check", "--source", str(repo), "--strict", "--format", "json"]) == 1  # ...an error with --strict


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_check_on_the_real_corpus_reports_problems_without_crashing(tmp_path, capsys):
    from tests.helpers import corpus_sources

    config = write_portal(tmp_path, corpus_sources())
    code = main(["check", "-f", str(config), "--format", "json"])
    problems = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert all(p["file"] and p["code"] and p["message"] for p in problems)
    by_code: dict[str, int] = {}
    for p in problems:
        by_code[p["code"]] = by_code.get(p["code"], 0) + 1
    print("\ncheck on the corpus:", json.dumps(by_code, indent=1, sort_keys=True))
    # The corpus has 25 known broken cross-page anchors upstream (corpus README, quirk 11).
    assert by_code.get("link-missing-anchor", 0) >= 10


def test_yaml_front_matter_error_names_the_line(tmp_path, capsys):
    config = _portal(tmp_path, {**GOOD, "docs/bad.md": "---\ntitle: [unclosed\n---\n# Bad\n"})
    code, problems = _check_json(config, capsys=capsys)
    assert code == 1
    bad = [p for p in problems if p["file"].endswith("docs/bad.md")]
    assert bad and bad[0]["line"] in (2, 3)



def test_a_relative_link_that_leaves_the_source_is_an_error_with_a_hint(tmp_path, capsys):
    config = _portal(tmp_path, {**GOOD, "docs/out.md": "# Out\n\nSee [the other repo](../../other-repo/README.md).\n"})
    code, problems = _check_json(config, capsys=capsys)
    assert code == 1
    problem = next(p for p in problems if p["code"] == "link-outside-source")
    assert problem["file"] == "orders/docs/out.md" and problem["line"] == 3
    assert "github.com" in problem["hint"]


def test_pages_the_navigation_does_not_reach_are_reported(tmp_path, capsys):
    config = _portal(tmp_path, GOOD)
    (config.parent / "content" / "portal" / "orphan.md").write_text("# Orphan\n")
    text = config.read_text().replace("plugins:", "nav:\n- Home: index.md\nplugins:", 1)
    config.write_text(text)
    code, problems = _check_json(config, capsys=capsys)
    orphan = [p for p in problems if p["code"] == "nav-unreachable"]
    assert [p["file"] for p in orphan] == ["orphan.md"]
    assert code == 0 and main(["check", "-f", str(config), "--strict", "--format", "json"]) == 1


def test_redirects_become_redirect_pages(tmp_path, capsys):
    config = _portal(tmp_path, GOOD, redirects={"old/guide.md": "orders/docs/guide.md"})
    assert main(["build", "-f", str(config)]) == 0
    page = (config.parent / "site" / "old" / "guide" / "index.html").read_text()
    assert "refresh" in page and "orders/docs/guide/" in page


def test_a_scalar_that_cannot_be_its_explicit_type_is_a_yaml_error_at_its_line_not_a_crash(tmp_path, capsys):
    """``!!bool maybe``, ``!!int twelve``: PyYAML's constructors raise KeyError, ValueError or AttributeError for
    them (a hostile repo crashed the build with a traceback); they are YAML errors, on the value's line."""
    spec = "openapi: 3.0.3\ninfo:\n  title: Orders\n  version: '1'\n  x-count: !!int twelve\npaths: {}\n"
    page = "---\ntitle: Flag\nbeta: !!bool maybe\nwhen: !!timestamp soon\n---\n# Flag\n"
    config = _portal(tmp_path, {**GOOD, "docs/flag.md": page, "openapi.yaml": spec}, source={"specs": ["openapi.yaml"]})
    code, problems = _check_json(config, capsys=capsys)
    assert code == 1
    flag = [p for p in problems if p["file"].endswith("docs/flag.md")]
    assert flag and flag[0]["line"] == 3 and "maybe" in flag[0]["message"] and "not valid YAML" in flag[0]["message"]
    assert main(["build", "-f", str(config)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert re.search(r"orders/openapi.yaml\n +5:12  error .*'twelve' is not a !!int value", err), err
