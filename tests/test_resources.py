"""A hostile source cannot hang or crash the build: every attack ends in bounded time and memory with an
error naming the source's file, and the other sources' pages are still built.

Each build runs the real ``devportal`` command in a child process (``tests/measured_build.py``) against
real Git repos reached by ``file://``, with a memory cap, so a bound that does not hold fails the test
instead of taking the test run down. Bounds are generous (the machine is shared): an unbounded build of
these inputs takes minutes and gigabytes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bench.page_size import BLOCK, page
from generator.cli import main
from tests.helpers import write_portal
from tests.measured_build import measured_devportal

SECONDS = 60  # CPU s of a whole build of two small sources (MkDocs included) in a child process and its children;
# CPU, not wall: a loaded machine once took 71 s of wall for 10.5 s of CPU. A hang is caught by the run's timeout.
PEAK_MB = 600  # the same build's peak memory (about 150 MB without attack)

GOOD = {"README.md": "# Good\n\nThe good source's page.\n", "docs/guide.md": "# Guide\n\nStill published.\n"}
SPEC_HEAD = "openapi: 3.0.3\ninfo: {title: Hostile, version: '1'}\npaths: {}\n"


def alias_bomb(levels: int = 9, key: str = "x-bomb") -> str:
    """The "billion laughs": a few hundred bytes that expand to 9**levels strings."""
    lines = [f"{key}:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"  a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _portal(tmp_path: Path, make_upstream, hostile_files: dict, *, hostile: dict | None = None,
            extra: dict | None = None, upstreams: list | None = None) -> Path:
    good = make_upstream("good", GOOD)
    bad = make_upstream("hostile", {"README.md": "# Hostile\n", "docs/about.md": "# About\n", **hostile_files})
    if upstreams is not None:
        upstreams += [good, bad]
    sources = [{"name": "good", "repo": good.url, "pages": ["README.md", "docs/**/*.md"]},
               {"name": "hostile", "repo": bad.url, "pages": ["README.md", "docs/**/*.md"], **(hostile or {})}]
    return write_portal(tmp_path / "portal", sources, extra=extra)


def _assert_good_source_built(config: Path, *, hostile_readme: bool = True) -> None:
    site = config.parent / "site"
    assert "Still published." in (site / "good" / "docs" / "guide" / "index.html").read_text()
    assert (site / "hostile" / "index.html").is_file() == hostile_readme  # the hostile source's harmless page


DEEP = 10_000
NO_LINE = {"partial used 50,000 times"}  # a JSON spec nested too deep is read again as YAML, which has lines
NAV_BOMB = "- README.md\n- " + alias_bomb(key="Bomb").replace("\n  ", "\n    ")
CASES = {
    # attack: (files of the hostile repo, settings of the hostile source, file, code, words in the message)
    "spec alias bomb": ({"openapi.yaml": SPEC_HEAD + alias_bomb()}, {"specs": ["openapi.yaml"]},
                        "hostile/openapi.yaml", "spec-refused", ["alias bomb"]),
    "spec self-referencing alias": ({"openapi.yaml": SPEC_HEAD + "x-loop: &l [*l]\n"}, {"specs": ["openapi.yaml"]},
                                    "hostile/openapi.yaml", "spec-refused", ["contains it"]),
    "spec nested 10,000 levels (JSON)": ({"openapi.json": '{"openapi": "3.0.3", "paths": {}, "info": {"title": "x", '
                                          '"version": "1"}, "x-deep": ' + "[" * DEEP + "]" * DEEP + "}"},
                                         {"specs": ["openapi.json"]}, "hostile/openapi.json", "spec-refused",
                                         ["nested more than"]),
    "spec nested 10,000 levels (YAML)": ({"openapi.yaml": SPEC_HEAD + "x-deep: " + "[" * DEEP + "]" * DEEP + "\n"},
                                         {"specs": ["openapi.yaml"]}, "hostile/openapi.yaml", "spec-refused",
                                         ["nested more than"]),
    "front matter alias bomb": ({"docs/bomb.md": "---\n" + alias_bomb(key="tags") + "---\n# Bomb\n"}, {},
                                "hostile/docs/bomb.md", "frontmatter-yaml", ["alias bomb"]),
    "front matter nested 10,000 levels": ({"docs/deep.md": "---\ntags: " + "[" * DEEP + "]" * DEEP + "\n---\n"}, {},
                                          "hostile/docs/deep.md", "frontmatter-yaml", ["nested more than"]),
    "nav file alias bomb": ({".devportal-nav.yml": NAV_BOMB}, {}, "hostile/.devportal-nav.yml", "nav-yaml",
                            ["alias bomb"]),
    "binary file named .md": ({"docs/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40},
                              {}, "hostile/docs/binary.md", "page-refused", ["binary", "NUL"]),
    "partial used 50,000 times": ({"docs/amp.md": "import Big from './_big.md'\n\n" + "<Big />\n\n" * 50_000,
                                    "docs/_big.md": "A big partial.\n" * 7000}, {}, "hostile/docs/amp.md",
                                   "page-refused", ["_big.md", "is not included", "page limit"]),
    "paragraph of 40,000 entities": ({"docs/para.md": "# Para\n\n" + "&lt;x&gt;\n" * 40_000}, {},
                                     "hostile/docs/para.md", "page-refused", ["paragraph of", "characters"]),
    "100,000 code blocks": ({"docs/fences.md": "# Fences\n\n" + "```\nx\n```\n\n" * 100_000}, {},
                            "hostile/docs/fences.md", "page-refused", ["100,000 fenced code blocks", "over 20,000"]),
    "Latin-1 page": ({"docs/latin1.md": "# Café\n\nNaïve crème brûlée.\n".encode("latin-1")}, {},
                     "hostile/docs/latin1.md", "page-refused", ["not UTF-8"]),
}


@pytest.mark.parametrize("attack", list(CASES))
def test_hostile_file_is_refused_in_bounded_time_and_memory(tmp_path, make_upstream, attack):
    files, settings, file, code, words = CASES[attack]
    config = _portal(tmp_path, make_upstream, files, hostile=settings)
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    assert run.cpu_seconds < SECONDS and run.peak_mb < PEAK_MB, (run.seconds, run.peak_mb)
    problem = run.codes(file).get(code)
    assert problem is not None, run.problems
    assert problem["severity"] == "error" and all(word in problem["message"] for word in words), problem
    assert problem["hint"]
    if attack not in NO_LINE:
        assert problem["line"], problem
    assert run.exit == 1  # the error is reported and the build says so...
    _assert_good_source_built(config)  # ...but the rest of the portal is published
    assert "site built" in run.stderr


def test_update_front_matter_alias_bomb_is_refused(tmp_path, make_upstream):
    config = _portal(tmp_path, make_upstream, {"updates/2025-01-01-bomb.md": "---\ndate: 2025-01-01\n"
                                               + alias_bomb(key="tags") + "---\n# Bomb\n"},
                     extra={"updates": {"source": "hostile", "glob": "updates/*.md"}})
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    assert run.cpu_seconds < SECONDS and run.peak_mb < PEAK_MB, (run.seconds, run.peak_mb)
    problem = run.codes("hostile/updates/2025-01-01-bomb.md")["frontmatter-yaml"]
    assert "alias bomb" in problem["message"] and problem["line"] >= 2
    _assert_good_source_built(config)


def test_spec_over_the_configured_size_is_refused_before_parsing(tmp_path, make_upstream):
    big = SPEC_HEAD + "x-padding:\n" + "".join(f"  - item number {i} of a very long list\n" for i in range(60_000))
    assert len(big) > 2 * 1024 * 1024
    config = _portal(tmp_path, make_upstream, {"openapi.yaml": big}, hostile={"specs": ["openapi.yaml"]},
                     extra={"limits": {"spec_mb": 1}})
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    assert run.cpu_seconds < SECONDS and run.peak_mb < PEAK_MB, (run.seconds, run.peak_mb)
    problem = run.codes("hostile/openapi.yaml")["spec-unreadable"]
    assert "over the limit of 1.0 MB" in problem["message"] and "spec_mb" in problem["hint"]
    _assert_good_source_built(config)


def test_spec_just_over_the_default_size_is_not_read(tmp_path, make_upstream):
    """A spec 1 byte over the default 25 MB: refused from its size, so the build's memory does not grow by
    anything like the file (parsing it would take gigabytes)."""
    big = SPEC_HEAD + "x-padding: '" + "a" * (25 * 1024 * 1024 - len(SPEC_HEAD) - 13) + "'\n"
    assert len(big) == 25 * 1024 * 1024 + 1
    upstreams: list = []
    config = _portal(tmp_path, make_upstream, {"openapi.yaml": big, "small.yaml": SPEC_HEAD},
                     hostile={"specs": ["openapi.yaml"]}, upstreams=upstreams)
    run = measured_devportal("stage", "-f", str(config), "--format", "json")
    problem = run.codes("hostile/openapi.yaml")["spec-unreadable"]
    assert "26,214,401 bytes, over the limit of 26,214,400 bytes" in problem["message"]
    small = write_portal(tmp_path / "small", [{"name": "hostile", "repo": upstreams[1].url, "pages": ["README.md"],
                                               "specs": ["small.yaml"]}])
    baseline = measured_devportal("stage", "-f", str(small), "--format", "json")
    assert run.peak_mb < baseline.peak_mb + 20, (run.peak_mb, baseline.peak_mb)  # the 25 MB were never read


def test_page_over_the_size_limit_is_left_out(tmp_path, make_upstream):
    page = "# Big\n\n" + "A line of a very big page.\n" * 50_000  # 1.3 MB
    config = _portal(tmp_path, make_upstream, {"docs/big.md": page}, extra={"limits": {"page_mb": 1}})
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    assert run.cpu_seconds < SECONDS and run.peak_mb < PEAK_MB
    problem = run.codes("hostile/docs/big.md")["page-refused"]
    assert "over the limit of 1.0 MB" in problem["message"] and "page_mb" in problem["hint"]
    assert not (config.parent / "site" / "hostile" / "docs" / "big").exists()
    _assert_good_source_built(config)


def _page_with_links(size: int) -> str:
    return page(size, BLOCK)  # the page bench/page_size.py times


def test_page_conversion_is_linear_in_page_size(tmp_path, make_upstream):
    """Staging a page with a link every few lines: 4x the size costs about 4x the time (it took 78 s for
    2 MB when each link's line was counted from the start of the file). `python bench/page_size.py` prints
    the figures."""
    timings = {}
    for mb in (0.5, 2):
        upstream = make_upstream(f"big-{mb}", {"docs/guide.md": "# Guide\n", "docs/big.md": _page_with_links(
            int(mb * 1024 * 1024))})
        config = write_portal(tmp_path / f"portal-{mb}", [{"name": "big", "repo": upstream.url,
                                                            "pages": ["docs/**/*.md"]}])
        start = time.process_time()  # CPU time of this process: what the page step costs, on a busy machine too
        assert main(["stage", "-f", str(config)]) == 0
        timings[mb] = time.process_time() - start
        assert (config.parent / ".devportal" / "stage" / "docs" / "big" / "docs" / "big.md").is_file()
    assert timings[2] < 30, timings
    assert timings[2] < 8 * timings[0.5] + 2, timings  # linear: ~4x; quadratic was 16x


def test_page_glob_takes_only_markdown_files(tmp_path, make_upstream):
    files = {f"notes/n{i}.txt": f"note {i}\n" for i in range(50)}
    config = _portal(tmp_path, make_upstream, {**files, "notes/real.md": "# Real\n"}, hostile={"pages": ["**/*"]})
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    site = config.parent / "site" / "hostile"
    assert (site / "notes" / "real" / "index.html").is_file()
    assert not list(site.rglob("n1*")), "a .txt file was published as a page"
    assert run.exit == 0, run.problems


def test_glob_over_a_huge_repo_stops_at_the_walk_limit(tmp_path, make_upstream):
    files = {f"data/d{i // 100}/f{i}.txt": "" for i in range(5000)}
    config = _portal(tmp_path, make_upstream, files, hostile={"pages": ["**/*"]},
                     extra={"limits": {"walked_files": 2000}})
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    assert run.cpu_seconds < SECONDS and run.peak_mb < PEAK_MB
    problem = run.codes()["source-too-many-files"]
    assert "hostile" in problem["message"] and "2,000" in problem["message"]
    assert problem["pointer"] == "sources[1].pages" and problem["file"].endswith("mkdocs.yml")
    assert run.exit == 1
    _assert_good_source_built(config, hostile_readme=False)  # none of the hostile source's pages


def test_too_many_pages_in_one_source_is_an_error(tmp_path, make_upstream):
    files = {f"docs/p{i}.md": f"# Page {i}\n" for i in range(30)}
    config = _portal(tmp_path, make_upstream, files, extra={"limits": {"pages": 20}})
    run = measured_devportal("build", "-f", str(config), "--format", "json")
    problem = run.codes()["source-too-many-pages"]
    assert "32 Markdown files, over the limit of 20" in problem["message"] and "pages" in problem["hint"]
    assert run.exit == 1
    _assert_good_source_built(config, hostile_readme=False)  # none of the hostile source's pages


@pytest.mark.parametrize("glob, words", [("/etc/passwd", ["/etc/passwd", "absolute"]),
                                         ("../../*.md", ["../../*.md", "`..`"]),
                                         ("docs/../../secret.md", ["`..`"])])
@pytest.mark.parametrize("setting", ["pages", "specs", "exclude"])
def test_glob_outside_the_repo_is_a_config_error(tmp_path, make_upstream, capsys, glob, words, setting):
    config = _portal(tmp_path, make_upstream, {}, hostile={setting: [glob]})
    assert main(["build", "-f", str(config), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in problems] == ["config-invalid"], problems
    assert all(word in problems[0]["message"] for word in [setting, *words]), problems
    assert not (config.parent / "site").exists()


def test_strict_build_refuses_a_source_with_a_refused_file_and_keeps_the_previous_site(tmp_path, make_upstream):
    upstreams: list = []
    config = _portal(tmp_path, make_upstream, {}, upstreams=upstreams)
    assert main(["build", "-f", str(config)]) == 0
    site = config.parent / "site"
    before = {p: p.read_bytes() for p in site.rglob("*.html")}
    upstreams[1].commit({"docs/binary.md": b"\x00\x01\x02"})
    assert main(["build", "-f", str(config), "--strict"]) == 1
    assert {p: p.read_bytes() for p in site.rglob("*.html")} == before
    assert main(["build", "-f", str(config)]) == 1  # non-strict: published without it, the error reported
    assert not (site / "hostile" / "docs" / "binary").exists() and (site / "good" / "index.html").is_file()


def test_a_page_of_unmatched_backtick_runs_stages_in_linear_time(tmp_path, make_upstream):
    """Code spans are found once per run of backticks: a run no later run of its length closes was searched
    for to the end of the page from each run (a 0.5 MB page of them took 19 CPU s, 2 MB would take minutes)."""
    ticks = "# Ticks\n\n" + "".join(f"a {'`' * length}\n\n" for length in range(1, 1000))
    upstream = make_upstream("ticks", {"docs/ticks.md": ticks})
    config = write_portal(tmp_path / "portal", [{"name": "ticks", "repo": upstream.url, "pages": ["docs/**/*.md"]}])
    start = time.process_time()  # CPU time of this process: the page step, on a busy machine too
    assert main(["stage", "-f", str(config)]) == 0
    assert time.process_time() - start < 8
    staged = config.parent / ".devportal" / "stage" / "docs" / "ticks" / "docs" / "ticks.md"
    assert "a " + "`" * 999 in staged.read_text(encoding="utf-8")
