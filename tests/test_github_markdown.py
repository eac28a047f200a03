"""Markdown written for GitHub looks on the portal as it looks on GitHub.

Each construct GitHub renders differently from Python-Markdown is written into a page of a real Git repo,
built once through the whole pipeline (``devportal build``: staging, then MkDocs), and checked on the built
HTML, against GitHub's own renderer (cmark-gfm) where it has an opinion. The differential test does the same
for real Markdown written for GitHub: the READMEs and docs folders of well-known npm packages.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import lxml.html
import pytest

from generator.cli import main
from tests.fetch_fixtures import github_markdown
from tests.helpers import CHROMIUM, new_upstream, serve_folder, write_portal
from tests.markdown_oracle import article_html, compare

PAGES = {
    "alerts.md": """\
        # Alerts

        > [!NOTE]
        > Useful information that users should know, even when *skimming*.

        > [!TIP]
        > Helpful advice for doing things better.

        > [!IMPORTANT]
        > Key information users need to know.
        > - with a list
        >   - nested by two spaces

        > [!WARNING]
        > Urgent info that needs immediate user attention.

        > [!CAUTION]
        > Advises about risks or negative outcomes.
        """,
    "lists.md": """\
        # Lists

        Steps before the list, with no blank line:
        - first
          - nested by two spaces
            - and again
        - second
          - [ ] a nested task
          - [x] a nested task, done

        5. five
        6. six
        7. seven

        - a bullet
        1. an ordered list right after it
        2. is a list of its own

        1) parenthesis
        2) markers
        """,
    "quotes.md": """\
        # Quotes

        > The first quote.

        > The second quote, separated by a blank line.
        """,
    "details.md": """\
        # Details

        <details>
        <summary>Show the answer</summary>

        **Bold** and a list:

        - one item
        - another item

        </details>
        """,
    "html.md": """\
        # HTML and code

        <table align="center"><tr width="50%"><td align="center" width="50%">
        <b>Sponsor</b> one
        </td><td align="center">Sponsor two</td></tr></table>

        ```js
        import express from 'express'
        const app = express()
        ```
        """,
    "inline.md": """\
        # Inline

        We shipped it :tada: and it works :+1:.

        Inline math $a^2 + b^2 = c^2$ and a price of $5 and $10.

        $$
        \\int_0^1 x\\,dx = \\frac{1}{2}
        $$

        ```math
        e^{i\\pi} + 1 = 0
        ```

        A line ending in a backslash\\
        breaks the line.

        ~One tilde~ and ~~two tildes~~ strike through; `~code~` does not.

        | Operator | Meaning |
        |----------|---------|
        | `a \\| b` | either |

        ```jsonc
        {
          // a comment
          "key": "value"
        }
        ```
        """,
}


@pytest.fixture(scope="module")
def github_site(tmp_path_factory) -> tuple[Path, Path]:
    """(site folder, source work tree) of a portal with one GitHub-style source of :data:`PAGES`."""
    root = tmp_path_factory.mktemp("github")
    upstream = new_upstream(root, "guides", {f"docs/{name}": text for name, text in PAGES.items()})
    config = write_portal(root / "portal", [{"name": "guides", "repo": upstream.url, "pages": ["docs/*.md"]}])
    assert main(["build", "-f", str(config), "--strict"]) == 0
    return config.parent / "site", upstream.work


def _page(site: tuple[Path, Path], name: str) -> tuple[lxml.html.HtmlElement, str, str]:
    """(article element, built page, Markdown source) of ``docs/<name>.md``."""
    folder, work = site
    built = (folder / "guides" / "docs" / name / "index.html").read_text(encoding="utf-8")
    article = lxml.html.fragment_fromstring(article_html(built), create_parent="div")
    return article, built, (work / "docs" / f"{name}.md").read_text(encoding="utf-8")


def _same_as_github(built: str, source: str) -> None:
    result = compare(source, built)
    assert result.same, result.difference


def test_github_alerts_become_admonitions_with_githubs_titles(github_site):
    article, built, source = _page(github_site, "alerts")
    alerts = article.xpath(".//div[contains(@class,'admonition')]")
    assert [(a.get("class"), a.findtext("p[@class='admonition-title']")) for a in alerts] == [
        ("admonition note gfm-alert", "Note"), ("admonition tip gfm-alert", "Tip"),
        ("admonition important gfm-alert", "Important"), ("admonition warning gfm-alert", "Warning"),
        ("admonition caution gfm-alert", "Caution")]
    assert "[!" not in article.text_content()
    assert alerts[2].xpath("./ul/li/ul/li/text()") == ["nested by two spaces"]
    _same_as_github(built, source)


def test_alert_colours_are_githubs_in_the_portal_stylesheet(github_site):
    folder, _ = github_site
    css = (folder / "assets" / "markdown" / "gfm.css").read_text()
    for kind, colour in (("note", "#0969da"), ("tip", "#1a7f37"), ("important", "#8250df"),
                         ("warning", "#9a6700"), ("caution", "#d1242f")):
        assert f".admonition.gfm-alert.{kind} {{ --gfm-alert: {colour};" in css
    built = (folder / "guides" / "docs" / "alerts" / "index.html").read_text()
    assert 'href="../../../assets/markdown/gfm.css"' in built


def test_lists_nest_by_two_spaces_keep_their_start_and_separate_as_on_github(github_site):
    article, built, source = _page(github_site, "lists")
    assert article.xpath("./p[1]/text()") == ["Steps before the list, with no blank line:"]
    outer = article.xpath("./ul")[0]
    assert outer.xpath("./li/ul/li/ul/li/text()") == ["and again"]
    tasks = outer.xpath("./li[2]/ul/li[contains(@class,'task-list-item')]")
    assert len(tasks) == 2 and tasks[1].xpath(".//input/@checked") == ["checked"]
    ordered = article.xpath("./ol")
    assert [o.get("start") for o in ordered] == ["5", None, None]
    assert [len(o.findall("li")) for o in ordered] == [3, 2, 2]
    assert len(article.xpath("./ul")) == 2  # the bullet list before "1. an ordered list" stays a list of its own
    _same_as_github(built, source)


def test_two_blockquotes_separated_by_a_blank_line_stay_two(github_site):
    article, built, source = _page(github_site, "quotes")
    assert [q.text_content().strip() for q in article.xpath("./blockquote")] == [
        "The first quote.", "The second quote, separated by a blank line."]
    _same_as_github(built, source)


def test_markdown_inside_details_is_rendered(github_site):
    article, built, source = _page(github_site, "details")
    details = article.xpath("./details")[0]
    assert details.findtext("summary") == "Show the answer"
    assert details.xpath(".//strong/text()") == ["Bold"]
    assert details.xpath(".//li/text()") == ["one item", "another item"]
    assert "**" not in details.text_content()
    _same_as_github(built, source)


def test_emoji_math_breaks_strikethrough_table_pipes_and_jsonc_render_as_on_github(github_site):
    article, built, source = _page(github_site, "inline")
    text = article.text_content()
    assert "🎉" in text and "👍" in text and ":tada:" not in text
    inline_math = article.xpath(".//span[@class='arithmatex']/text()")
    assert inline_math == ["\\(a^2 + b^2 = c^2\\)"]  # "$5 and $10" is money, not math
    blocks = [b.text_content().strip() for b in article.xpath(".//div[@class='arithmatex']")]
    assert blocks == ["\\[\n\\int_0^1 x\\,dx = \\frac{1}{2}\n\\]", "\\[\ne^{i\\pi} + 1 = 0\n\\]"]
    assert article.xpath(".//p[br]/text()")[0].strip() == "A line ending in a backslash"
    assert article.xpath(".//del/text()") == ["One tilde", "two tildes"]
    assert article.xpath(".//code/text()")[0] == "~code~"
    assert article.xpath(".//td/code/text()") == ["a | b"]
    comments = article.xpath(".//div[@class='highlight']//span[@class='c1']/text()")  # Pygments' comment
    assert comments == ["// a comment"]
    _same_as_github(built, source)


def test_raw_html_tables_keep_their_cells_and_code_keeps_its_import_lines(github_site):
    article, built, source = _page(github_site, "html")
    assert [td.text_content().strip() for td in article.xpath(".//table//td")] == ["Sponsor one", "Sponsor two"]
    assert article.xpath(".//td/@align") == ["center", "center"]
    assert "import express from 'express'" in article.xpath(".//pre")[0].text_content()
    _same_as_github(built, source)


def test_diagnostics_keep_the_line_of_the_source_page(tmp_path, capsys):
    upstream = new_upstream(tmp_path, "guides", {"docs/page.md": """\
        # Page

        > [!NOTE]
        > Text right before a list:
        > - one
        >   - two

        Text
        - item
          - nested
        ```js
        code
        ```
        A [broken link](missing.md) on line 14.
        """})
    config = write_portal(tmp_path / "portal", [{"name": "guides", "repo": upstream.url, "pages": ["docs/*.md"]}])
    main(["check", "-f", str(config), "--format", "json"])
    problems = json.loads(capsys.readouterr().out)
    broken = [p for p in problems if "missing.md" in p["message"]]
    assert [(p["file"], p["line"]) for p in broken] == [("guides/docs/page.md", 14)]


def test_the_staged_tree_builds_the_same_with_zensical(github_site):
    """The staged ``mkdocs.yml`` (with the GitHub extensions) is built by Zensical as by MkDocs."""
    zensical = shutil.which("zensical")
    if zensical is None:
        pytest.skip("zensical is not installed")
    folder, work = github_site
    stage = folder.parent / ".devportal" / "stage"
    config = (stage / "mkdocs.yml").read_text().replace("site_dir: ../../site", "site_dir: zensical-site")
    (stage / "zensical.yml").write_text(config)
    result = subprocess.run([zensical, "build", "-f", "zensical.yml"], cwd=stage, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert result.returncode == 0, result.stdout + result.stderr
    for name in PAGES:
        page = Path(name).stem
        built = (stage / "zensical-site" / "guides" / "docs" / page / "index.html").read_text()
        _same_as_github(built, (work / "docs" / name).read_text())


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_math_is_typeset_by_katex_from_the_portal_itself_and_only_where_needed(github_site):
    from playwright.sync_api import sync_playwright

    folder, _ = github_site
    with serve_folder(folder) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}/guides/docs/quotes/")
        page.wait_for_load_state("networkidle")
        assert not [url for url in requested if "katex" in url]  # no math, no KaTeX
        page.goto(f"{base}/guides/docs/inline/")
        page.wait_for_function("document.querySelectorAll('.arithmatex .katex').length === 3")
        assert all(url.startswith(base) for url in requested)  # nothing from a CDN
        assert page.locator(".arithmatex .katex-display").count() == 2
        assert page.locator(".katex-error").count() == 0
        browser.close()


@pytest.mark.slow
def test_real_github_markdown_renders_as_github_renders_it(tmp_path, capsys):
    """The differential test: every Markdown page of well-known npm packages (their repos' README and docs,
    written for GitHub), built by the portal and rendered by cmark-gfm, compared block by block."""
    try:
        packages = github_markdown()
    except RuntimeError as exc:  # the npm registry is part of this project's environment; say why if it fails
        pytest.fail(f"cannot fetch the Markdown fixtures: {exc}")
    skipped = {"LICENSE.md", "CHANGELOG.md", "History.md"}  # licence text; changelogs are slow to build
    sources = [{"name": name, "repo": str(folder), "pages": ["**/*.md"],
                "exclude": ["**/node_modules/**", *(f"**/{n}" for n in skipped), *skipped]}
               for name, folder in packages]
    config = write_portal(tmp_path, sources)
    assert main(["build", "-f", str(config)]) == 0
    capsys.readouterr()
    results: dict[str, str] = {}
    for name, folder in packages:
        for source in sorted(folder.rglob("*.md")):
            rel = source.relative_to(folder)
            if "node_modules" in rel.parts or rel.name in skipped:
                continue
            url = rel.with_name("index.md") if rel.name.lower() == "readme.md" and \
                not (source.parent / "index.md").exists() else rel
            built = tmp_path / "site" / name / (url.parent if url.stem == "index" else url.with_suffix("")) / \
                "index.html"
            results[f"{name}/{rel}"] = compare(source.read_text(encoding="utf-8"),
                                               built.read_text(encoding="utf-8")).difference
    same = sum(1 for difference in results.values() if not difference)
    with capsys.disabled():
        print(f"\nGitHub parity: {same} of {len(results)} real pages structurally identical to cmark-gfm's "
              f"({same / len(results):.1%})")
        for page, difference in results.items():
            if difference:
                print(f"  differs: {page}: {difference[:200]}")
    assert len(results) >= 40
    assert same / len(results) >= 0.95
