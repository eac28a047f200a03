"""Heading ids, links and images resolve as GitHub and Docusaurus resolve them (issue 12).

The oracles: github-slugger (the slug rule of Docusaurus, a port of GitHub's), run by Node from the npm
registry; the example portal built by MkDocs and crawled; chromium loading its images; and `devportal check`
on a real Git repo.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from lxml import html

from generator.cli import main
from generator.render.pages.headings import GithubSlugger, github_slug
from tests.fetch_fixtures import FIXTURES, npm_package
from tests.helpers import CHROMIUM, REPO_ROOT, serve_folder, write_portal

GITHUB_SLUGGER = "github-slugger@2.0.0"
HEADINGS = ["Example", "Example", "Example 1", "Example", "example", "Café déjà vu!", "🎉 Release party",
            "The client_secret_post method", "C++ & C# (beta)", "What's new?", "Привет, мир", "日本語の見出し",
            "foo--bar  baz", "½ price", "Ⓐ circled", "İstanbul", "emoji 👍🏽 skin", "  padded ", "a_b-c", "",
            "UPPER Case 2.0", "¿Qué tal?", "tab\there", "x²", "ǅ titlecase", "ﬁ ligature"]
ORACLE = """
import GithubSlugger, { slug } from './index.js'
const headings = JSON.parse(process.argv[2])
const slugger = new GithubSlugger()
const removed = []
for (let cp = 0; cp <= 0x10FFFF; cp++) {
  if (cp >= 0xD800 && cp <= 0xDFFF) continue
  if (slug('a' + String.fromCodePoint(cp) + 'b') === 'ab') removed.push(cp)
}
console.log(JSON.stringify({slugs: headings.map(h => slugger.slug(h)), removed}))
"""


def _github_slugger(headings: list[str]) -> dict:
    package = npm_package(GITHUB_SLUGGER, FIXTURES / "github-slugger")
    (package / "oracle.mjs").write_text(ORACLE, encoding="utf-8")
    result = subprocess.run([shutil.which("node") or "node", "oracle.mjs", json.dumps(headings)], cwd=package,
                            capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout)


def test_heading_ids_are_github_sluggers_for_every_character_and_repeated_heading():
    oracle = _github_slugger(HEADINGS)
    slugger = GithubSlugger()
    assert [slugger.slug(heading) for heading in HEADINGS] == oracle["slugs"]
    removed = set(oracle["removed"])
    differ = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF
              and (github_slug(f"a{chr(cp)}b") == "ab") != (cp in removed)]
    # github-slugger's table is Unicode 13; Python's is newer: letters, marks and digits assigned since are kept
    # here (as GitHub, on a newer Unicode, keeps them) and dropped there. Every other code point agrees.
    newer = [cp for cp in differ if unicodedata.category(chr(cp))[0] not in "LMN" and cp not in (0xA7CB, 0xA7DC)]
    print(f"\ngithub-slugger: {len(HEADINGS)} headings identical; {0x110000 - 2048 - len(differ):,} code points "
          f"identical, {len(differ)} assigned after Unicode 13")
    assert newer == [] and len(differ) < 1000


# -- the example portal: the Checkout SDK's links demo (content/sources/checkout-sdk/docs/links-demo.md) --

def _page(site: Path, url: str) -> html.HtmlElement:
    return html.fromstring((site / url / "index.html").read_bytes()).xpath("//article")[0]


def _links(article: html.HtmlElement) -> dict[str, str]:
    return {a.text_content().strip(): a.get("href") for a in article.iter("a") if a.text_content().strip()}


def test_headings_get_githubs_ids_and_links_to_them_land(example_site: Path):
    article = _page(example_site, "checkout-sdk/docs/links-demo")
    ids = [h.get("id") for h in article.xpath(".//h2")]
    assert ids[1:6] == ["example", "example-1", "café-déjà-vu", "-release-party", "custom-id"]
    links = _links(article)
    assert [links[text] for text in ("first example", "second example", "the accented heading",
                                     "the emoji heading", "the heading with its own id")] == \
        ["#example", "#example-1", "#café-déjà-vu", "#-release-party", "#custom-id"]


def test_docusaurus_routes_and_repo_urls_resolve_to_portal_pages(example_site: Path):
    here = "https://portal.test/checkout-sdk/docs/links-demo/"
    links = {text: urljoin(here, href) for text, href in _links(_page(example_site, "checkout-sdk/docs/links-demo"))
             .items()}
    intro = "https://portal.test/checkout-sdk/docs/intro/"
    assert links["get started"] == links["/docs/start"] == intro  # slug: /start
    assert links["configuration options"] == "https://portal.test/checkout-sdk/docs/renamed/#locale"  # id: new-name
    assert links["this page's source"] == here + "#links-by-route"
    assert links["intro on GitHub"] == intro + "#install"  # the built branch: a portal page
    assert links["the intro of version 1"] == "https://github.com/northwind-pay/checkout-sdk/blob/v1/docs/intro.md"
    repo = "https://github.com/northwind-pay/checkout-sdk"
    assert links["order samples"].startswith(f"{repo}/tree/") and links["order samples"].endswith("/samples/order")
    assert links["versions"].startswith(f"{repo}/blob/") and links["versions"].endswith("/VERSIONS.md")
    assert links["an order request"] == "https://portal.test/checkout-sdk/samples/order/request.json"
    assert (example_site / "checkout-sdk" / "samples" / "order" / "request.json").is_file()


def test_partials_are_inlined_not_published_and_footnotes_are_no_links(example_site: Path):
    article = _page(example_site, "checkout-sdk/docs/links-demo")
    assert "This tip lives in" in article.text_content()
    assert not list(example_site.rglob("_shared*"))
    assert article.xpath(".//a[@href='#fn:1']") and "configuration options" in \
        article.xpath(".//div[@class='footnote']")[0].text_content()


def test_every_image_and_srcset_candidate_is_published_where_the_page_points(example_site: Path):
    article = _page(example_site, "checkout-sdk/docs/links-demo")
    urls = [e.get("src") for e in article.xpath(".//img")] + [
        c.strip().split(" ")[0] for e in article.xpath(".//img[@srcset]|.//source[@srcset]")
        for c in e.get("srcset").split(",")]
    assert len(urls) == 6
    here = "/checkout-sdk/docs/links-demo/"
    files = {unquote(urlsplit(urljoin(here, url)).path) for url in urls}
    assert files == {f"/checkout-sdk/static/img/{name}" for name in
                     ("sdk-logo.png", "flow-dark.png", "flow-light.png", "flow-light@2x.png")}
    for file in files:
        assert (example_site / file.lstrip("/")).read_bytes().startswith(b"\x89PNG")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_reader_sees_every_image_and_the_dark_mode_picture(example_site: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    with serve_folder(example_site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        for scheme, picture in (("light", "flow-light.png"), ("dark", "flow-dark.png")):
            page = browser.new_page(color_scheme=scheme, device_scale_factor=1)
            page.goto(f"{base}/checkout-sdk/docs/links-demo/#example-1", wait_until="networkidle")
            images = page.eval_on_selector_all("article img", "imgs => imgs.map(i => [i.currentSrc, i.naturalWidth])")
            assert len(images) == 3 and all(width > 0 for _, width in images), images
            assert images[2][0].endswith(picture), images
            assert page.evaluate("document.getElementById(decodeURIComponent(location.hash.slice(1))) !== null")
            page.close()
        browser.close()


# -- devportal check on a real Git repo --

CHECKED = {
    "README.md": """\
        # Orders API

        See the [second example](docs/guide.md#example-1) and the [guide on GitHub][guide].
        The [old guide](https://github.com/acme/orders-api/blob/v1/docs/gone.md) is on another branch.
        The [release notes](docs/release notes.md) and ![the chart](docs/my chart.png) have spaces.

        The API has two versions.[^1]

        [^1]: The second one is described in the guide.
        [guide]: https://github.com/acme/orders-api/blob/main/docs/guide.md#example

        <img src="docs/logo.png" srcset="docs/logo.png 1x, docs/logo@2x.png 2x" alt="Logo">

        A [typo](docs/guide.md#exampel-1).
        """,
    "docs/guide.md": """\
        import Steps from './steps.md';

        # Guide

        ## Example

        ## Example

        <Steps />
        """,
    "docs/steps.md": "1. Create an order.\n",
}


def test_check_reports_real_problems_with_their_lines_and_no_false_alarm(tmp_path, make_upstream, capsys):
    files = {path: textwrap.dedent(text) for path, text in CHECKED.items()}
    logo = (REPO_ROOT / "content" / "sources" / "checkout-sdk" / "static" / "img" / "sdk-logo.png").read_bytes()
    upstream = make_upstream("orders", {**files, "docs/logo.png": logo})
    config = write_portal(tmp_path / "portal", [{"name": "orders", "repo": upstream.url, "ref": "main",
                                                 "pages": ["README.md", "docs/*.md"],
                                                 "web_url": "https://github.com/acme/orders-api"}])
    assert main(["check", "-f", str(config), "--format", "json"]) == 0
    reported = [p for p in json.loads(capsys.readouterr().out) if p["severity"] != "info"]
    problems = [(p["file"], p["line"], p["code"]) for p in reported]
    assert sorted(problems) == [
        ("orders/README.md", 5, "link-url-spaces"), ("orders/README.md", 5, "link-url-spaces"),
        ("orders/README.md", 12, "image-missing"),  # the srcset's docs/logo@2x.png
        ("orders/README.md", 14, "link-missing-anchor"),
        ("orders/docs/guide.md", 1, "partial-published"),
    ], problems
    typo = next(p for p in reported if p["code"] == "link-missing-anchor")
    assert typo["hint"] == "did you mean `#example-1`?"  # the id GitHub gives the second "Example"


def test_a_link_with_spaces_gets_both_fixes_in_its_hint(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / "docs").mkdir(parents=True)
    (repo / "README.md").write_text("# A\n\n[notes](docs/release notes.md)\n")
    config = write_portal(tmp_path / "portal", [{"name": "a", "repo": str(repo), "pages": ["README.md"]}])
    main(["check", "-f", str(config), "--format", "json"])
    spaced = next(p for p in json.loads(capsys.readouterr().out) if p["code"] == "link-url-spaces")
    assert spaced["line"] == 3 and "docs/release%20notes.md" in spaced["hint"] and \
        "<docs/release notes.md>" in spaced["hint"]


def test_a_repeated_broken_anchor_gets_the_same_hint_on_every_line(tmp_path, capsys):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "guide.md").write_text("# Guide\n\n## Set up\n\n## Example\n")
    (repo / "README.md").write_text("# A\n\n[a](guide.md#setup)\n\n[b](guide.md#exampel)\n\n[c](guide.md#setup)\n\n"
                                    "[d](guide.md#zzzz)\n\n[e](guide.md#zzzz)\n")
    config = write_portal(tmp_path / "portal", [{"name": "a", "repo": str(repo), "pages": ["README.md", "guide.md"]}])
    main(["check", "-f", str(config), "--format", "json"])
    reported = json.loads(capsys.readouterr().out)
    missing = [(p["line"], p["hint"]) for p in reported if p["code"] == "link-missing-anchor"]
    assert missing == [(3, "did you mean `#set-up`?"), (5, "did you mean `#example`?"), (7, "did you mean `#set-up`?"),
                       (9, "link to an existing heading, or remove the fragment"),
                       (11, "link to an existing heading, or remove the fragment")]


def test_a_link_to_a_name_too_long_for_the_file_system_is_reported_not_a_crash(tmp_path, capsys):
    long = "x" * 300  # over the 255 bytes a file name may have: looking it up fails with ENAMETOOLONG
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "README.md").write_text(f"# A\n\n![i]({long}.png)\n\n[f]({long})\n\n[r](/{long}.txt)\n")
    config = write_portal(tmp_path / "portal", [{"name": "a", "repo": str(repo), "pages": ["README.md"]}])
    main(["check", "-f", str(config), "--format", "json"])
    reported = [(p["line"], p["code"]) for p in json.loads(capsys.readouterr().out) if p["file"] == "a/README.md"]
    assert reported == [(3, "image-missing"), (5, "link-missing-file"), (7, "link-missing-file")]
