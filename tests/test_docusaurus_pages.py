"""A writer's Docusaurus page looks on the portal as on the Docusaurus site: the example's webhooks source
("Receiving events", written for Docusaurus) built once with the real MkDocs build, read as HTML."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from lxml import html as lxml_html

from generator.cli import main
from generator.render.pages import SiteIndex, SourcePages, convert_page, plan_source
from generator.render.pages.code_blocks import strip_magic_comments
from tests.helpers import CHROMIUM, REPO_ROOT, serve_folder, write_portal

EXAMPLE_SOURCE = REPO_ROOT / "content" / "sources" / "webhooks"
FEATURE_PAGE = "docs/receiving/responding.md"

#: What the example cannot show, because it warns and the example builds with --strict.
UNRENDERABLE = """\
    ---
    sidebar_position: 3
    ---

    <head>
      <title>Components</title>
      <link rel="canonical" href="https://docs.example.com/components" />
    </head>

    # Components

    Events are <Highlight color="#25c2a0">signed and retried</Highlight> for a day.

    <DocCardList />

    :::foo
    Unknown kind.
    :::

    ```js live
    function Clock() { return <p>{new Date().toString()}</p>; }
    ```

    Placeholders stay text: `<AUTH TOKEN>`, and in a block:

    ```html
    <Highlight color="red">code</Highlight>
    ```
    """


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, list[dict]]:
    """The webhooks source plus one page of constructs the portal cannot render, built once (not strict)."""
    root = tmp_path_factory.mktemp("docusaurus")
    repo = root / "events-repo"
    shutil.copytree(EXAMPLE_SOURCE, repo)
    (repo / "docs" / "receiving" / "components.md").write_text(textwrap.dedent(UNRENDERABLE), encoding="utf-8")
    (repo / "docs" / "testing").mkdir()
    (repo / "docs" / "testing" / "_category_.yml").write_text("label: Testing your endpoint\nposition: 5\n")
    (repo / "docs" / "testing" / "local.md").write_text("# Test locally\n\nRun the handler on your machine.\n")
    config = write_portal(root / "portal", [{
        "name": "webhooks", "repo": str(repo), "pages": ["README.md", "docs/**/*.md"],
        "specs": ["openapi/events.yaml"], "web_url": "https://github.com/northwind-pay/events-api"}])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["build", "-f", str(config), "--format", "json"]) == 0
    return config.parent / "site", json.loads(out.getvalue() or "[]")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("zensical") is None, reason="zensical is not installed")
def test_zensical_builds_the_staged_docusaurus_page_the_same_way(built):
    site, _ = built
    stage = site.parent / ".devportal" / "stage"
    config = stage / "zensical.yml"  # Zensical wants its site folder inside the project
    config.write_text((stage / "mkdocs.yml").read_text().replace("site_dir: ../../site", "site_dir: zensical-site"))
    subprocess.run(["zensical", "build", "-f", str(config)], cwd=stage, check=True, capture_output=True, timeout=300)
    _, article = _article(stage / "zensical-site", "webhooks/docs/receiving/responding")
    _, material = _article(site, "webhooks/docs/receiving/responding")
    assert _admonitions(article) == _admonitions(material)
    assert len(article.xpath(f".//div[{_class('info')}]/div[{_class('danger')}]/div[{_class('tip')}]")) == 1
    assert len(_all(article, "div", "tabbed-set")) == 2 and len(_all(article, "span", "hll")) == 5


def _article(site: Path, url: str):
    page = lxml_html.parse(str(site / url / "index.html")).getroot()
    return page, page.xpath("//article")[0]


def _class(name: str) -> str:
    """An XPath test: the element has the class ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _all(element, tag: str, name: str) -> list:
    return element.xpath(f".//{tag}[{_class(name)}]")


def _admonitions(element) -> list[tuple[str, str]]:
    return [(" ".join(c for c in div.get("class").split() if c != "admonition"),
             _all(div, "p", "admonition-title")[0].text_content())
            for div in _all(element, "div", "admonition")]


def test_titled_nested_admonitions_render_nested_with_docusaurus_kinds_and_titles(built):
    site, _ = built
    _, article = _article(site, "webhooks/docs/receiving/responding")
    assert _admonitions(article) == [
        ("note", "What counts as delivered"),  # :::note[What counts as delivered]
        ("tip", "Answer first, work later"),  # :::tip Answer first, work later
        ("info", "Check each delivery first"), ("danger", "Never skip the signature check"), ("tip", "Tip"),
        ("warning", "Warning"), ("warning", "Caution"), ("danger", "Secrets"), ("info", "Info"),
        ("tip", "Retries")]  # <Admonition type="tip" title="Retries">
    deepest = article.xpath(f".//div[{_class('info')}]/div[{_class('danger')}]/div[{_class('tip')}]")
    assert len(deepest) == 1 and "constant time" in deepest[0].text_content()
    assert ":::" not in article.text_content()


def test_two_tab_groups_in_a_row_stay_two_groups_with_their_default_tab_selected(built):
    site, _ = built
    _, article = _article(site, "webhooks/docs/receiving/responding")
    groups = _all(article, "div", "tabbed-set")
    labels = [group.xpath(f"./div[{_class('tabbed-labels')}]/label") for group in groups]
    assert [[label.text_content() for label in group] for group in labels] == [
        ["Node.js", "Python", "Go"], ["curl", "HTTPie"]]
    checked = [[label.text_content() for label in group if label.xpath(f"//input[@id='{label.get('for')}']/@checked")]
               for group in labels]
    assert checked == [["Python"], ["curl"]]  # defaultValue="python"; <TabItem ... default>
    assert "<Tabs" not in article.text_content() and "TabItem" not in article.text_content()


def test_code_block_meta_and_magic_comments_highlight_number_and_title_blocks(built):
    site, _ = built
    _, article = _article(site, "webhooks/docs/receiving/responding")
    blocks = _all(article, "div", "highlight")
    titles = [_all(block, "span", "filename")[0].text_content() if _all(block, "span", "filename") else None
              for block in blocks]
    assert titles == ["server.js", "app.py", "main.go", None, None]
    highlighted = [[line.text_content().strip() for line in _all(block, "span", "hll")] for block in blocks[:3]]
    assert highlighted == [["res.sendStatus(204);", "queue.push(req.body);"],  # {5-6}
                           ["queue.put(request.get_data())"],  # # highlight-next-line
                           ["body, _ := io.ReadAll(r.Body)", "queue <- body"]]  # // highlight-start … end
    assert "import express" in blocks[0].text_content()  # an `import` line in code is code, not MDX
    assert "highlight-" not in article.text_content()
    numbers = [[n.text_content() for n in block.xpath(f".//td[{_class('linenos')}]//span[{_class('normal')}]")]
               for block in blocks[3:]]
    assert numbers == [["1", "2", "3"], ["3"]]  # showLineNumbers, showLineNumbers=3
    assert blocks[3].xpath(".//code")[0].text_content().startswith("curl -i -X POST")  # a block, not a span


def test_mdx_comments_and_head_show_nothing_and_head_gives_title_and_description(built):
    site, _ = built
    page, article = _article(site, "webhooks/docs/receiving/responding")
    assert page.findtext(".//title").startswith("Responding to webhook deliveries - ")
    assert page.xpath("//meta[@name='description']/@content")[0].startswith("Answer each webhook delivery")
    text = article.text_content()
    assert "{/*" not in text and "groupId" not in text and "Written as a Docusaurus page" not in text
    assert "Responding to webhook deliveries" not in text  # the <head> itself shows nothing


def test_unknown_component_shows_its_children_and_is_reported_with_file_line_and_fix(built):
    site, problems = built
    _, article = _article(site, "webhooks/docs/receiving/components")
    assert "Events are signed and retried for a day." in article.text_content()
    assert [p.text_content() for p in article.xpath(".//p[contains(., 'Events are')]")] == [
        "Events are signed and retried for a day."]
    assert '<Highlight color="red">code</Highlight>' in _all(article, "div", "highlight")[-1].text_content()
    assert "<AUTH TOKEN>" in article.text_content()
    found = {(p["line"], p["message"].split(":")[0]): p for p in problems if p["code"] == "docusaurus-unsupported"}
    assert all(p["file"] == "webhooks/docs/receiving/components.md" for p in found.values())
    assert sorted(found) == [
        (7, "`<link>` in `<head>` is not used by the portal (only `<title>` and `<meta name=\"description\">` are)"),
        (12, "component `<Highlight>` is not available on the portal"),
        (14, "component `<DocCardList />` is not available on the portal and shows nothing"),
        (16, "`"), (20, "code block `live`")]
    assert "replace" in found[(14, "component `<DocCardList />` is not available on the portal and shows nothing")][
        "hint"] and "`**bold**`" in found[(12, "component `<Highlight>` is not available on the portal")]["hint"]
    assert "is not a Docusaurus admonition" in found[(16, "`")]["message"]


def _nav_section(page, title: str) -> list[str]:
    """The entries of the navigation section ``title``, in order."""
    items = page.xpath(f"//nav[label[normalize-space(.)='{title}']]/ul/li")
    return [" ".join(item.xpath(f".//span[{_class('md-ellipsis')}]")[0].text_content().split()) for item in items]


def test_category_files_name_and_order_folder_sections(built):
    site, problems = built
    page, _ = _article(site, "webhooks/docs/receiving/responding")
    assert _nav_section(page, "webhooks") == [
        "Events and Webhooks API", "Getting started with webhooks", "Verifying signatures", "Event types",
        "Receiving events", "Testing your endpoint", "API reference"]  # _category_ .json: 4, .yml: 5
    assert _nav_section(page, "Receiving events") == [
        "Responding to deliveries", "Deduplicating events", "Components"]  # sidebar_position, not alphabetical
    assert not [p for p in problems if p["code"] == "category-invalid"]


def test_check_reports_what_docusaurus_renders_and_the_portal_cannot_with_file_and_line(tmp_path, capsys):
    repo = tmp_path / "repo"
    (repo / "docs" / "guides").mkdir(parents=True)
    (repo / "README.md").write_text("# Orders\n")
    (repo / "docs" / "guides" / "one.md").write_text("---\ntitle: One\n---\n\n# One\n\n<Badge>beta</Badge>\n\n"
                                                     "import Shared from './_shared.md'\n\n<Shared />\n")
    (repo / "docs" / "guides" / "_shared.md").write_text("Shared text.\n\n<DocCardList />\n")
    (repo / "docs" / "guides" / "_category_.json").write_text(
        '{\n  "label": "Guides",\n  "position": "first",\n  "link": {"type": "generated-index"}\n}\n')
    assert main(["check", "--source", str(repo), "--format", "json"]) == 0
    problems = {(p["code"], p["file"], p["line"], p["severity"]): p for p in json.loads(capsys.readouterr().out)
                if p["code"] in ("category-invalid", "docusaurus-unsupported")}
    category, page = f"{repo.name}/docs/guides/_category_.json", f"{repo.name}/docs/guides/one.md"
    assert sorted(problems, key=str) == [("category-invalid", category, 3, "warning"),
                                         ("docusaurus-unsupported", category, 4, "warning"),
                                         ("docusaurus-unsupported", page, 7, "warning"),
                                         ("docusaurus-unsupported", page, None, "warning")]
    partial = problems[("docusaurus-unsupported", page, None, "warning")]["message"]
    assert "`<DocCardList />`" in partial and "(in the included partial `./_shared.md`)" in partial
    assert "`position` must be a number" in problems[("category-invalid", category, 3, "warning")]["message"]
    assert "generated index page" in problems[("docusaurus-unsupported", category, 4, "warning")]["message"]
    badge = problems[("docusaurus-unsupported", page, 7, "warning")]
    assert "`<Badge>`" in badge["message"] and "remove the `<Badge>` tags" in badge["hint"]


@pytest.mark.parametrize(("language", "code", "kept", "lines"), [
    ("python", ["# highlight-next-line", "a = 1", "b = 2"], ["a = 1", "b = 2"], [1]),
    ("jsx", ["{/* highlight-start */}", "<A />", "<B />", "{/* highlight-end */}", "<C />"],
     ["<A />", "<B />", "<C />"], [1, 2]),
    ("html", ["<!-- highlight-next-line -->", "<p>", "// highlight-next-line", "</p>"], ["<p>", "</p>"], [1, 2]),
    ("python", ["// highlight-next-line", "a = 1"], ["// highlight-next-line", "a = 1"], []),  # not a Python comment
])
def test_magic_comments_follow_docusaurus_comment_styles_per_language(language, code, kept, lines):
    assert strip_magic_comments(code, language) == (kept, lines)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_reader_sees_each_tab_group_on_its_default_tab_and_switches_one_without_the_other(built):
    playwright = pytest.importorskip("playwright.sync_api")
    site, _ = built
    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{base}/webhooks/docs/receiving/responding/", wait_until="networkidle")
        first, second = page.locator("article .tabbed-set").nth(0), page.locator("article .tabbed-set").nth(1)
        assert first.get_by_text("queue.put(request.get_data())").is_visible()  # Python, the defaultValue
        assert not first.get_by_text("queue.push(req.body);").is_visible()
        assert second.get_by_text("curl -i -X POST").is_visible()
        first.locator(".tabbed-labels label", has_text="Go").click()
        assert first.get_by_text("io.ReadAll(r.Body)").is_visible()
        assert second.get_by_text("curl -i -X POST").is_visible()  # the other group did not switch
        assert page.locator("article .admonition.tip .admonition-title", has_text="Tip").is_visible()
        browser.close()


@pytest.mark.parametrize("page", [
    "<head>\n" * 50_000 + "</head> and text\n",  # never closed where a <head> block ends
    "{/*\n" * 50_000,  # MDX comments never closed
    '<Badge a="\n' * 50_000,  # a quote never closed in a component's attribute
    "```js {" + ",".join(f"{n}-{n + 99_999}" for n in range(0, 20_000_000, 100_000)) + "}\ncode\n```\n",
], ids=["head", "comment", "attribute", "line-ranges"])
def test_a_hostile_docusaurus_page_converts_in_linear_time(tmp_path, page):
    (tmp_path / "page.md").write_text(page)
    index = SiteIndex()
    started = time.process_time()  # CPU time: a loaded machine must not fail it, a quadratic step still does
    converted = convert_page(plan_source(SourcePages("s", tmp_path, ["page.md"]), index)[0], index)
    assert time.process_time() - started < 10
    assert len(converted.markdown) < 2 * len(page)


def test_a_partial_is_inlined_and_import_lines_in_code_stay_code(tmp_path):
    (tmp_path / "_shared.md").write_text("Shared **text**.\n")
    (tmp_path / "page.md").write_text(textwrap.dedent("""\
        import Shared from './_shared.md';

        # Page

        <Shared />

        ```js
        import Shared from './_shared.md';
        ```
        """))
    (tmp_path / "plain.md").write_text("# Plain\n\n```python\nimport os\nfrom x import y\n```\n")
    index = SiteIndex()
    page, plain = (convert_page(plan, index) for plan in
                   plan_source(SourcePages("s", tmp_path, ["page.md", "plain.md"]), index))
    assert "Shared **text**." in page.markdown
    assert page.markdown.count("import Shared from './_shared.md';") == 1  # the one in the code block
    assert "import os\nfrom x import y" in plain.markdown
