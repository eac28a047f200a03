"""Every problem in a file a person edits is reported on its own line: mkdocs.yml (the plugin's settings),
front matter and nav files, even when the same key name occurs many times in the file."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

from generator.cli import main
from generator.positions import Positions
from tests.helpers import REPO_ROOT


def _portal(tmp_path: Path, plugin: str, *, pages: dict[str, str] | None = None) -> Path:
    """A portal whose mkdocs.yml is written by hand, so the test knows each line; ``{repo}`` is a local
    source folder."""
    repo = tmp_path / "repo"
    for rel, text in {"README.md": "# Payments\n", "docs/guide.md": "# Guide\n", **(pages or {})}.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(textwrap.dedent(text).lstrip("\n"))
    root = tmp_path / "portal"
    (root / "content" / "portal").mkdir(parents=True)
    (root / "content" / "portal" / "index.md").write_text("# Home\n")
    config = root / "mkdocs.yml"
    config.write_text(textwrap.dedent(f"""\
        site_name: Lines
        docs_dir: content/portal
        theme: {{name: material, custom_dir: {REPO_ROOT / "templates" / "overrides"}, font: false}}
        plugins:
          - search
          - devportal:
              content_dir: content/portal
        """) + textwrap.indent(textwrap.dedent(plugin).replace("{repo}", str(repo)), " " * 6))
    return config


def _problems(config: Path, capsys) -> list[dict]:
    assert main(["check", "-f", str(config), "--format", "json"]) == 1
    return json.loads(capsys.readouterr().out)


def _line_of(config: Path, text: str, occurrence: int = 1) -> int:
    rows = [number for number, row in enumerate(config.read_text().splitlines(), 1) if text in row]
    return rows[occurrence - 1]


def test_a_bad_name_in_the_third_source_is_reported_on_its_own_line(tmp_path, capsys):
    config = _portal(tmp_path, """
        updates: {enabled: false}
        sources:
          - name: payments
            repo: {repo}
          - name: login
            repo: {repo}
          - name: Bad Name
            repo: {repo}
            titel: Third
        """)
    problems = _problems(config, capsys)
    bad_name = next(p for p in problems if p["code"] == "config-source-name")
    assert "Bad Name" in bad_name["message"]
    assert bad_name["line"] == _line_of(config, "- name: Bad Name") != _line_of(config, "- name: payments")
    unknown = next(p for p in problems if p["code"] == "config-unknown-key")
    assert "sources[2].titel" in unknown["message"] and unknown["line"] == _line_of(config, "titel: Third")


def test_every_invalid_nested_option_is_reported_with_its_key_and_line(tmp_path, capsys):
    config = _portal(tmp_path, """
        updates:
          enabled: perhaps
        sources:
          - name: payments
            repo: {repo}
            trusted: true
          - name: login
            repo: {repo}
            trusted: maybe
          - name: webhooks
            repo: {repo}
            pages: [README.md, 7]
        """)
    problems = {p["message"].split("`")[1]: p for p in problems_of(config, capsys, "config-invalid")}
    assert problems["sources[1].trusted"]["line"] == _line_of(config, "trusted: maybe")
    assert problems["sources[2].pages"]["line"] == _line_of(config, "pages: [README.md, 7]")
    assert problems["updates.enabled"]["line"] == _line_of(config, "enabled: perhaps")
    assert len(problems) == 3


def problems_of(config: Path, capsys, code: str) -> list[dict]:
    return [p for p in _problems(config, capsys) if p["code"] == code]


def test_problems_found_later_point_at_their_own_source_and_redirect(tmp_path, capsys):
    config = _portal(tmp_path, """
        updates: {enabled: false}
        redirects:
          old/payments.md: payments/index.md
          old/nowhere.md: nowhere/index.md
        sources:
          - name: payments
            repo: {repo}
            pages: [README.md]
          - name: login
            repo: {repo}
            pages: [README.md, guides/*.md]
        """)
    problems = _problems(config, capsys)
    glob = next(p for p in problems if p["code"] == "source-glob-empty")
    assert "login" in glob["message"] and glob["line"] == _line_of(config, "pages: [README.md, guides/*.md]")
    redirect = next(p for p in problems if p["code"] == "redirect-missing-target")
    assert redirect["line"] == _line_of(config, "old/nowhere.md")


def test_a_source_that_cannot_be_fetched_is_reported_on_its_own_line(tmp_path, capsys):
    config = _portal(tmp_path, """
        updates: {enabled: false}
        sources:
          - name: payments
            repo: {repo}
          - name: login
            repo: {repo}/no-such-folder
        """)
    problem = next(p for p in _problems(config, capsys) if p["code"] == "source-missing")
    assert problem["line"] == _line_of(config, "- name: login") and problem["pointer"] == "sources[1]"


def test_front_matter_problems_are_on_the_line_of_their_key_or_item(tmp_path, capsys):
    tagged = """\
        <!-- START_METADATA
        ---
        title: Moved
        tags:
          - api:payments
          - api:paymnts
        date: 2025-05-01
        ---
        END_METADATA -->
        # Moved

        tags: in the body is not front matter.
        """
    undated = """\
        ---
        title: Undated
        tags: [api:payments]
        date: someday
        ---
        # Undated
        """
    config = _portal(tmp_path, """
        updates: {dir: content/portal/updates}
        sources:
          - name: payments
            repo: {repo}
        """)
    folder = config.parent / "content" / "portal" / "updates"
    folder.mkdir()
    (folder / "moved.md").write_text(textwrap.dedent(tagged))
    (folder / "undated.md").write_text(textwrap.dedent(undated))
    problems = _problems(config, capsys)
    tag = next(p for p in problems if p["code"] == "update-unknown-api")
    assert tag["file"] == "updates/moved.md" and tag["line"] == 6  # the item, not `tags:`
    date = next(p for p in problems if p["code"] == "update-date")
    assert date["file"] == "updates/undated.md" and date["line"] == 4


def test_nav_file_problems_are_on_the_line_of_their_entry(tmp_path, capsys):
    config = _portal(tmp_path, """
        updates: {enabled: false}
        sources:
          - name: payments
            repo: {repo}
        """, pages={".devportal-nav.yml": """
        - README.md
        - Guide: docs/guide.md
        - Missing: docs/missing.md
        - Section:
            - docs/guide.md
            - docs/also-missing.md
        - [not, an, entry]
        """})
    problems = _problems(config, capsys)
    missing = {p["message"].split("`")[1]: p["line"] for p in problems if p["code"] == "nav-missing-page"}
    assert missing == {"docs/missing.md": 3, "docs/also-missing.md": 6}
    invalid = next(p for p in problems if p["code"] == "nav-invalid")
    assert invalid["line"] == 7 and invalid["file"] == "payments/.devportal-nav.yml"


def test_the_line_mapping_stays_small_for_alias_bombs_and_survives_deep_nesting():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + level)}: &{chr(98 + level)} [{', '.join(['*' + chr(97 + level)] * 9)}]\n" for level in range(8))
    started = time.process_time()  # CPU, not wall: a loaded machine must not fail it
    located = Positions(bomb)
    assert located("/i/3/5/0") == (8, 4)  # 9^9 paths through aliases: reported where the aliased list is
    assert len(located.known) < 200 and time.process_time() - started < 2
    deep = "[" * 1_000 + "]" * 1_000  # deeper than the YAML composer can recurse
    deeper = "x: " + "[" * 10_000 + "]" * 10_000  # YAML: the composer gives up, the parent's line is given
    assert Positions(deeper, first_line=4)("/x/0/0") == (4, 1)
    assert Positions(deep, first_line=4)("/0/0/0") == (4, 4)  # JSON is read without recursion: exact
