"""A person opening the reference of a 1,000-operation API: pages load fast, Redoc-style links land."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from bench.specgen import write_spec
from generator.cli import main
from tests.helpers import CHROMIUM, serve_folder, wait_for_landing

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]


@pytest.fixture(scope="module")
def big_site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("big")
    spec = write_spec(work / "big.json", 1000)
    assert main(["render-spec", str(spec), "-o", str(work / "site")]) == 0
    return work / "site"


def test_per_tag_pages_of_a_1000_operation_api_load_fast_and_deep_links_land(big_site: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    tag_pages = sorted(p.parent.name for p in (big_site / "big").glob("*/index.html")
                       if p.parent.name not in ("all", "models"))
    assert len(tag_pages) > 100
    # The tags are in groups in the navigation; a page lists its own group's tags, and links to the other
    # groups only (Material's prune): not all of the API's tags.
    html = (big_site / "big" / tag_pages[0] / "index.html").read_text()
    listed = {name for name in tag_pages if f'href="../{name}/"' in html}
    assert 10 < len(listed) < 20 + len(tag_pages) // 20 + 1, listed
    timings = {}
    with serve_folder(big_site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(f"{base}/big/", wait_until="load")  # the theme's CSS, JS and fonts, as a reader arrives
        for name in tag_pages[:: max(1, len(tag_pages) // 10)] + ["all"]:
            start = time.perf_counter()
            page.goto(f"{base}/big/{name}/", wait_until="load")
            timings[name] = time.perf_counter() - start
        # Redoc-style deep link on the overview lands on the operation's tag page and element.
        page.goto(f"{base}/big/#tag/Payment/operation/createPayment", wait_until="load")
        page.wait_for_function("location.hash === '#operation/createPayment'", timeout=10_000)
        assert page.locator("[id='operation/createPayment']").is_visible()
        # The models page skips laying out sections far from the viewport; a link to the last model still
        # lands on it.
        page.goto(f"{base}/big/models/", wait_until="load")
        last = page.locator(".dp-model").last.get_attribute("id")
        page.goto(f"{base}/big/models/#{last}", wait_until="load")
        box = wait_for_landing(page, f"[id='{last}']", limit=page.viewport_size["height"])
        assert box is not None and 0 <= box["y"] < page.viewport_size["height"], box
        page.goto(f"{base}/big/#tag/Payment/operation/createPayment", wait_until="load")
        page.wait_for_function("location.hash === '#operation/createPayment'", timeout=10_000)
        # Schema trees: a nested object is collapsed to its one-line label and opens on a click.
        nested = page.locator("[id='operation/createPayment'] .dp-props details").first
        label = nested.locator("summary")
        inner = nested.locator(":scope > .dp-items, :scope > ul.dp-props").first
        assert label.is_visible() and not inner.is_visible()
        label.click()
        assert inner.is_visible()
        browser.close()
    print("\nload times (s):", {k: round(v, 3) for k, v in timings.items()})
    tag_times = sorted(t for name, t in timings.items() if name != "all")
    # Measured alone: 0.28-0.64 s; in CI, beside other tests on the same 2 cores, the median once took just
    # over 1 s. A bound, not the measure (bench/tag_page.py is): the 1.5 s for a tag of 400
    # operations, which these pages (50 at most) must meet even on a loaded machine.
    assert tag_times[len(tag_times) // 2] < 1.5 and max(tag_times) < 3.0, timings
    assert timings["all"] < 5.0, timings


def test_a_link_into_the_middle_of_a_long_tag_page_lands_at_the_top_of_the_screen(tmp_path):
    """Tag pages lay out an operation's left column only near the viewport; a deep link must still land."""
    playwright = pytest.importorskip("playwright.sync_api")
    spec = json.loads(write_spec(tmp_path / "gen.json", 150).read_text())
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation["tags"] = ["Payment"]  # one page of 150 operations, like GitHub's repos
    (tmp_path / "long.json").write_text(json.dumps(spec))
    assert main(["render-spec", str(tmp_path / "long.json"), "-o", str(tmp_path / "site")]) == 0
    # The tag is split into parts of 50 (the longest page a tag now has); a link into the middle of one.
    page_html = (tmp_path / "site" / "long" / "payment" / "part-2" / "index.html").read_text()
    ids = re.findall(r'<section class="dp-op[^"]*" id="([^"]+)"', page_html)
    assert len(ids) == 50
    with serve_folder(tmp_path / "site") as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for target in (ids[25], ids[-1]):
            page.goto(f"{base}/long/", wait_until="load")
            page.goto(f"{base}/long/payment/part-2/#{target}", wait_until="load")
            box = wait_for_landing(page, f"[id='{target}']", limit=150)
            # at the top of the screen, or (the last operations) as high as the end of the page lets it be
            at_end = page.evaluate("Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight")
            assert box is not None and 0 <= box["y"] < (1000 if at_end else 150), (target, box)
        browser.close()


def test_a_tag_of_400_operations_loads_within_1_5_s_and_links_made_before_the_split_still_land(tmp_path):
    """The issue's big tag (380 operations took 4.6 s): its page lists the operations, which are on parts of
    at most 50; a link to the tag's page with an operation's anchor, or a Redoc-style link to the
    reference, ends on the operation on its part."""
    playwright = pytest.importorskip("playwright.sync_api")
    from bench.tag_page import TAG, measure_pages, one_tag_spec

    spec = one_tag_spec(tmp_path / "big-tag.json", 400)
    assert main(["render-spec", str(spec), "-o", str(tmp_path / "site")]) == 0
    results = measure_pages(tmp_path / "site", "big-tag", repeat=3)  # waits until the old link lands
    print("\n", {name: (round(f["bytes"] / 1024), round(f["seconds"], 2)) for name, f in results.items()})
    # Measured alone: tag page 0.26 s, parts 0.56-0.62 s, the old link 2.1 s (two pages). CI runs other tests
    # on the same 2 cores: the parts get the slack the other tests of this file give.
    assert results["tag page"]["seconds"] <= 1.5, results
    assert max(results["first part"]["seconds"], results["last part"]["seconds"]) < 2.5, results
    last = re.findall(r'<section class="dp-op[^"]*" id="operation/([^"]+)"',
                      (tmp_path / "site/big-tag/payment/part-8/index.html").read_text())[-1]
    with serve_folder(tmp_path / "site") as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/big-tag/#tag/{TAG}/operation/{last}", wait_until="load")
        page.wait_for_url(f"**/big-tag/payment/part-8/#operation/{last}", timeout=20_000)
        box = wait_for_landing(page, f"[id='operation/{last}']", limit=200)
        assert box is not None and 0 <= box["y"] < 200, box
        browser.close()
