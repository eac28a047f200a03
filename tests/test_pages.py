"""Real docs (GitHub/Docusaurus flavoured) converted for Material: the quirks counted in the corpus README."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from generator.render.pages import SiteIndex, SourcePages, convert_page, plan_source
from generator.render.pages.sanitize import sanitize_html
from tests.helpers import CORPUS

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repo")
PUBLISHED = "https://developer.vippsmobilepay.com"
EXTENSIONS = ["admonition", "attr_list", "md_in_html", "tables", "toc", "pymdownx.details", "pymdownx.superfences",
              "pymdownx.tabbed"]


def _convert_all(folders: list[Path]) -> dict[tuple[str, str], object]:
    index = SiteIndex()
    plans = []
    for folder in folders:
        api = folder.name.removeprefix("vipps-")
        published = [f"{PUBLISHED}/docs/"] if api == "developers" else [f"{PUBLISHED}/docs/APIs/{api}/"]
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.md") if not p.name.startswith("_"))
        plans += plan_source(SourcePages(api, folder, files, f"https://github.com/vippsas/{folder.name}",
                                         f"vippsas/{folder.name}", published), index)
    return {(p.source.name, p.repo_path): convert_page(p, index) for p in plans}


@pytest.fixture(scope="module")
def corpus_pages():
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the repo")
    return _convert_all(sorted(CORPUS.glob("vipps-*")))


def test_front_matter_hidden_in_a_comment_becomes_real_metadata(corpus_pages):
    page = corpus_pages[("login-api", "README.md")]
    assert page.meta["title"] == "Introduction to the Login API"
    assert page.meta["hide"] == ["toc"]  # hide_table_of_contents: true
    assert "START_METADATA" not in page.markdown and "pagination_next" not in page.meta


def test_github_only_banner_is_dropped_and_site_only_videos_are_kept_as_links(corpus_pages):
    assert "Please use the website" not in corpus_pages[("login-api", "README.md")].markdown
    woo = corpus_pages[("checkout", "checkout-how-it-works-woocommerce.md")].markdown
    assert "START_HIDDEN_IN_GITHUB" not in woo
    assert "<iframe" not in woo and "Watch the embedded content](https://www.youtube" in woo


def test_docusaurus_tabs_and_admonitions_render_as_material_tabs_and_admonitions(corpus_pages):
    page = corpus_pages[("epayment-api", "quick-start.md")]
    assert "<Tabs" not in page.markdown and '===! "Postman"' in page.markdown  # each <Tabs> a group of its own
    assert '===+ "curl"' in page.markdown  # defaultValue="curl" is the selected tab
    assert ":::" not in page.markdown and "!!! note" in page.markdown
    html = markdown.markdown(page.markdown, extensions=EXTENSIONS)
    assert 'class="tabbed-set' in html and 'class="admonition note"' in html
    assert "import ApiSchema" not in page.markdown


def test_links_resolve_like_docusaurus_and_point_at_portal_pages(corpus_pages):
    cancel = corpus_pages[("epayment-api", "operations/cancel.md")]
    assert "](index.md#rate-limiting)" in cancel.markdown or "(index.md#rate-limiting)" in cancel.markdown
    assert not [d for d in cancel.diagnostics if d.code == "link-missing-anchor"]
    faq = corpus_pages[("ecom-api", "vipps-ecom-api-faq.md")]
    assert "developer.vippsmobilepay.com/docs/APIs/ecom-api" not in faq.markdown  # published URLs → portal links


def test_partials_are_inlined_once_and_not_pages(corpus_pages):
    assert ("developers", "mp-migration-guide/_mt.md") not in corpus_pages
    page = corpus_pages[("developers", "mp-migration-guide/invoice.md")]
    assert "<MT />" not in page.markdown and "import MT" not in page.markdown


@needs_corpus
def test_github_blob_links_of_2020_become_links_between_sources():
    pages = _convert_all(sorted((CORPUS / "_2020").glob("vipps-*")))
    rewritten = sum(page.markdown.count("](../vipps") + page.markdown.count("](../../") for page in pages.values())
    remaining = sum(page.markdown.count("](https://github.com/vippsas/vipps-ecom-api/blob/master")
                    for page in pages.values())
    assert remaining == 0
    assert rewritten > 20


def test_raw_html_from_untrusted_repos_is_defused_but_placeholders_stay_readable():
    text = ('<details><summary>More</summary>Body</details>\n<img src="x.png" onerror="alert(1)">\n'
            '<script>alert(2)</script>\nUse `<script>` in code.\nSend <JWT access token> here.\n'
            '[click](javascript:alert(3))\n')
    out = sanitize_html(text)
    assert "<details>" in out and "<summary>" in out and 'src="x.png"' in out
    assert "onerror" not in out and "alert(2)" not in out and "`<script>`" in out
    assert "&lt;JWT access token&gt;" in out


def test_corpus_diagnostics_are_real_upstream_problems(corpus_pages):
    codes: dict[str, int] = {}
    for page in corpus_pages.values():
        for diagnostic in page.diagnostics:
            assert diagnostic.line, diagnostic  # every problem names its line
            codes[diagnostic.code] = codes.get(diagnostic.code, 0) + 1
    # 17 images over 1 MB were not copied into the corpus (listed in its SOURCE.txt files)
    assert codes.get("image-missing") == 17
    assert set(codes) <= {"image-missing", "link-missing-anchor", "link-missing-file", "link-missing-page",
                          "link-unpublished-file"}


@pytest.mark.parametrize("url", ["https://example.com/a", "https://münchen.de/straße", "<https://example.com/a b>",
                                 "%zz%41", "data:image/png;base64,AA", "data:text/html;base64,AA",
                                 "javascript:alert(1)", "JavaScript:alert(1)", "<vbscript:x>", "file:///etc/passwd",
                                 "//example.com/a"])
def test_a_link_definition_is_told_from_a_paragraph_as_markdown_it_tells_it(url):
    """The block parser takes a link definition's URL as written (it never renders it): whether the line is a
    definition or a paragraph is still what stock markdown-it (which normalizes the URL first) decides."""
    from markdown_it import MarkdownIt

    from generator.render.pages.gfm import to_python_markdown

    text = f"[x]: {url}\n- item\n"
    is_paragraph = MarkdownIt("commonmark").parse(text)[0].type == "paragraph_open"
    assert to_python_markdown(text) == (f"[x]: {url}\n\n- item\n" if is_paragraph else text)
