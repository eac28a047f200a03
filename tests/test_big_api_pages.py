"""An API too big for one page (Microsoft Graph has 11,422 operations): its overview and single page stay small,
every operation is still one click from them, and every Redoc-style link to them still lands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import CHROMIUM, serve_folder
from tests.oracles import site_problems_beyond_the_portal_header

OPERATIONS = 1200  # over the 1,000 operations up to which the overview lists every one
SCHEMAS = 450  # over the 200 schemas a models page shows
TAGS = 20  # 60 operations each: every tag is split into parts of 50


def _spec(path: Path) -> Path:
    """``OPERATIONS`` small operations in ``TAGS`` tags, each returning one of ``SCHEMAS`` schemas; every tenth has
    no operationId (its anchor is its path)."""
    paths = {}
    schemas = {f"Item{number:03d}": {"type": "object", "properties": {"id": {"type": "string"}}}
               for number in range(SCHEMAS)}
    for number in range(OPERATIONS):
        body = {"application/json": {"schema": {"$ref": f"#/components/schemas/Item{number % SCHEMAS:03d}"}}}
        operation = {"tags": [f"Resource {number % TAGS:02d}"], "summary": f"Read item {number}",
                     "responses": {"200": {"description": "The item", "content": body}}}
        if number % 10:
            operation["operationId"] = f"readItem{number}"
        paths[f"/items/{number}"] = {"get": operation}
    path.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Huge", "version": "1.0"},
                                "paths": paths, "components": {"schemas": schemas}}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def huge_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("huge")
    assert main(["render-spec", str(_spec(work / "huge.json")), "-o", str(work / "site")]) == 0
    return work / "site"


def test_the_overview_and_single_page_of_a_huge_api_list_its_tags_and_every_operation_stays_reachable(huge_site):
    overview = (huge_site / "huge" / "index.html").read_text()
    single = (huge_site / "huge" / "all" / "index.html").read_text()
    # Each page lists the tags, with their counts, instead of every operation; neither grows with the API.
    for page, root in ((overview, ""), (single, "../")):
        assert f"This API has {OPERATIONS} operations in {TAGS} tags" in page
        assert f'<a href="{root}resource-07/">Resource 07</a></td><td>60</td>' in page
        assert "readItem1" not in page and len(page.encode()) < 150_000
    # Every operation's anchor (and its Redoc-style aliases) is in the map beside the overview, pointing at
    # the page that has it.
    targets = json.loads((huge_site / "huge" / "anchors.map.json").read_text())
    for number in range(OPERATIONS):
        anchor = f"operation/readItem{number}" if number % 10 else f"paths/~1items~1{number}/get"
        page, fragment = targets[anchor].split("#")
        assert fragment == anchor and f'id="{anchor}"' in (huge_site / "huge" / page / "index.html").read_text()
        assert targets[f"tag/Resource {number % TAGS:02d}/{anchor}"] == targets[anchor]
    # The models page lists every schema, each entry with its anchor, sent on to the part that shows it.
    models = (huge_site / "huge" / "models" / "index.html").read_text()
    assert f"{SCHEMAS} component schemas, on 3 pages" in models and 'class="dp-model"' not in models
    assert '<li id="schema-Item420" data-dp-moved="part-3/#schema-Item420">' in models
    for number, first, last in ((1, 0, 199), (2, 200, 399), (3, 400, 449)):
        part = (huge_site / "huge" / "models" / f"part-{number}" / "index.html").read_text()
        assert part.count('class="dp-model"') == last - first + 1
        assert f'id="schema-Item{first:03d}"' in part and f'id="schema-Item{last:03d}"' in part
    page = (huge_site / "huge" / "resource-00" / "part-1" / "index.html").read_text()
    assert 'href="../../models/#schema-Item000"' in page  # lands on the models page's entry, sent on from there
    summary, problems = site_problems_beyond_the_portal_header(huge_site)
    assert not problems, (summary, problems[:10])


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_redoc_style_links_to_a_huge_apis_overview_and_single_page_land_on_the_operation(huge_site):
    from playwright.sync_api import sync_playwright

    with serve_folder(huge_site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for link, anchor in (("#tag/Resource 17/operation/readItem1097", "operation/readItem1097"),
                             ("#operation/readItem1097", "operation/readItem1097"),
                             ("all/#operation/readItem1097", "operation/readItem1097"),
                             ("all/#tag/Resource 10/paths/~1items~1610/get", "paths/~1items~1610/get"),
                             ("models/#schema-Item420", "schema-Item420")):
            page.goto(f"{base}/huge/{link}", wait_until="load")
            # the start URL may carry the same hash: wait for the page that holds the anchor, then for the hash
            page.wait_for_url(lambda url: "/huge/resource-" in url or "/huge/models/part-3/" in url, timeout=10_000)
            page.wait_for_function(f"decodeURIComponent(location.hash) === '#{anchor}'", timeout=10_000)
            assert page.locator(f"[id='{anchor}']").is_visible(), link
        browser.close()
