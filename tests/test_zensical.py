"""Zensical as the engine that builds the staged tree (``devportal build --engine zensical``).

The same example portal is built with both engines; the Zensical site must have the same pages, no dead
link (the shared crawler), and look like the MkDocs one in chromium: the brand's colours, fonts and logo,
and the API reference's layout (the element screenshots of a page's content compared pixel by pixel).
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main
from generator.stage import zensical_engine
from tests.helpers import CHROMIUM, REPO_ROOT, copy_example, folder_bytes, serve_folder, wait_for_answer

pytestmark = pytest.mark.skipif(zensical_engine.zensical_version() is None, reason="zensical is not installed")
INTEGRITY = REPO_ROOT.parent / "shared" / "tools" / "site_integrity.py"
PAGES = {"home": "", "guide": "payments/docs/quick-start/", "reference tag": "payments/api/payments/payments/",
         "reference overview": "payments/api/payments/", "updates": "updates/"}


@pytest.fixture(scope="module")
def zensical_site(tmp_path_factory) -> Path:
    config = copy_example(tmp_path_factory.mktemp("example-zensical"))
    assert main(["build", "-f", str(config), "--strict", "--engine", "zensical"]) == 0
    return config.parent / "site"


def _pages(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*.html")}


@pytest.mark.slow
def test_the_example_builds_with_zensical_with_the_same_pages(zensical_site, example_site):
    assert _pages(zensical_site) == _pages(example_site)
    assert len(_pages(zensical_site)) > 40
    for path in PAGES.values():
        assert (zensical_site / path / "index.html").is_file(), path
    # The brand's stylesheet and Material's classic design (not Zensical's "modern" variant).
    home = (zensical_site / "index.html").read_text(encoding="utf-8")
    assert "assets/stylesheets/portal.css" in home and "stylesheets/classic/" in home


@pytest.mark.slow
@pytest.mark.skipif(not INTEGRITY.is_file(), reason="../shared/tools is not beside the repo")
def test_the_zensical_site_has_no_dead_link(zensical_site):
    result = subprocess.run([sys.executable, str(INTEGRITY), str(zensical_site)], capture_output=True, text=True,
                            check=False)
    summary = result.stdout.splitlines()[0]
    print(f"\nZensical site: {summary}")
    assert "broken_links=0 broken_anchors=0 invalid_downloads=0" in summary, result.stdout[:2000]


STYLE = """() => {
  const style = (selector, property) => { const e = document.querySelector(selector);
    return e ? getComputedStyle(e)[property] : null; };
  const logo = document.querySelector('.md-header .md-logo img');
  const link = document.querySelector('.md-content a[href]:not(.headerlink):not(.md-button)');
  return {header: style('.md-header', 'backgroundColor'), headerText: style('.md-header', 'color'),
          text: style('.md-typeset', 'fontFamily').split(',')[0], code: style('.md-typeset code', 'fontFamily'),
          link: link ? getComputedStyle(link).color : null, title: style('.md-content h1', 'color'),
          logo: logo ? [logo.getAttribute('src').split('/').pop(), logo.naturalWidth > 0] : null};
}"""

DIFFERENCE = """async ([a, b]) => {
  const load = (src) => new Promise((done) => { const i = new Image(); i.onload = () => done(i); i.src = src; });
  const [x, y] = [await load(a), await load(b)];
  const w = Math.min(x.width, y.width), h = Math.min(x.height, y.height);
  const pixels = (img) => { const c = document.createElement('canvas'); c.width = w; c.height = h;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0); return g.getImageData(0, 0, w, h).data; };
  const [p, q] = [pixels(x), pixels(y)];
  // Compared in blocks of 4x4 pixels (their mean colour): the two engines may place the content a sub-pixel
  // apart, which changes the antialiasing of every glyph but not what a reader sees.
  const B = 4, cols = Math.floor(w / B), rows = Math.floor(h / B);
  const mean = (d, bx, by, c) => { let sum = 0;
    for (let y = by * B; y < by * B + B; y++) for (let x = bx * B; x < bx * B + B; x++) sum += d[(y * w + x) * 4 + c];
    return sum / (B * B); };
  let differ = 0;
  for (let by = 0; by < rows; by++) for (let bx = 0; bx < cols; bx++) {
    let delta = 0;
    for (let c = 0; c < 3; c++) delta += Math.abs(mean(p, bx, by, c) - mean(q, bx, by, c));
    if (delta > 90) differ++;
  }
  return {differ: differ / (cols * rows), sizes: [x.width, x.height, y.width, y.height]};
}"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_the_brand_and_the_reference_layout_are_intact_with_zensical(zensical_site, example_site, tmp_path):
    from playwright.sync_api import sync_playwright

    shots: dict[str, dict[str, bytes]] = {}
    styles: dict[str, dict[str, dict]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        for engine, site in (("mkdocs", example_site), ("zensical", zensical_site)):
            with serve_folder(site) as base:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                for name, path in PAGES.items():
                    page.goto(f"{base}/{path}")
                    page.wait_for_load_state("networkidle")
                    page.evaluate("document.fonts.ready")
                    styles.setdefault(name, {})[engine] = page.evaluate(STYLE)
                    # The page's content only: the header (whose search box is Zensical's own) is hidden, as
                    # it is sticky and would cover the content's top in the element screenshot.
                    page.add_style_tag(content=".md-header, .md-tabs { visibility: hidden !important; }")
                    image = page.locator(".md-content").screenshot(animations="disabled")
                    (tmp_path / f"{engine}-{name.replace(' ', '-')}.png").write_bytes(image)
                    shots.setdefault(name, {})[engine] = image
                page.close()
        compare = browser.new_page()
        differences = {}
        for name, images in shots.items():
            urls = [f"data:image/png;base64,{base64.b64encode(images[e]).decode()}" for e in ("mkdocs", "zensical")]
            differences[name] = compare.evaluate(DIFFERENCE, urls)
        browser.close()
    print(f"\nscreenshots in {tmp_path}")
    for name in PAGES:
        difference = differences[name]
        print(f"  {name:20} 4x4 blocks that differ: {difference['differ']:.2%}  sizes {difference['sizes']}")
        assert styles[name]["zensical"] == styles[name]["mkdocs"], name
    brand = styles["home"]["mkdocs"]
    assert brand["header"] == "rgb(11, 93, 87)" and brand["text"].strip('"') == "Inter", brand
    assert brand["logo"] == ["logo.svg", True], brand
    for name, difference in differences.items():
        assert difference["differ"] < 0.01, (name, difference)


@pytest.mark.slow
def test_a_zensical_rebuild_keeps_its_cache_and_builds_the_site_a_clean_build_does(tmp_path, monkeypatch):
    """Staging made the stage folder equal to the new staged tree, Zensical's cache (``.cache`` in it)
    included: every rebuild deleted it, so Zensical built every page again. The oracle is a clean build."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    config = copy_example(tmp_path / "portal")
    assert main(["build", "-f", str(config), "--engine", "zensical"]) == 0
    cache = config.parent / ".devportal" / "stage" / zensical_engine.CACHE_NAME
    assert any(cache.rglob("*"))
    (cache / "kept-by-staging").write_text("a file of Zensical's cache")
    faq = config.parent / "content" / "portal" / "faq.md"
    faq.write_text(faq.read_text() + "\nThe axolotl answer.\n")
    # A page every page's navigation shows, as well: the pages Zensical kept must show it too.
    (config.parent / "content" / "portal" / "extra.md").write_text("# Extra page\n\nNew in the nav.\n")
    nav = config.read_text()
    assert "  - Help: help.md\n" in nav
    config.write_text(nav.replace("  - Help: help.md\n", "  - Help: help.md\n  - Extra: extra.md\n"))
    assert main(["build", "-f", str(config), "--engine", "zensical"]) == 0
    assert (cache / "kept-by-staging").is_file()
    site = config.parent / "site"
    faq_page = (site / "faq" / "index.html").read_text()
    assert "axolotl" in faq_page and 'href="../extra/"' in faq_page  # the new page in a page Zensical had built
    shutil.rmtree(cache)
    clean = tmp_path / "clean-site"
    assert main(["build", "-f", str(config), "--engine", "zensical", "-d", str(clean)]) == 0
    assert folder_bytes(site) == folder_bytes(clean)


def test_a_missing_zensical_is_a_clear_error_and_the_site_is_kept(tmp_path, monkeypatch, capsys):
    config = copy_example(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the last good site")
    monkeypatch.setattr(zensical_engine, "zensical_version", lambda: None)
    assert main(["build", "-f", str(config), "--engine", "zensical", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"code": "engine-missing"' in out and "pip install" in out
    assert (site / "index.html").read_text() == "the last good site"


def test_a_failing_zensical_build_keeps_the_last_site(tmp_path, capsys):
    config = copy_example(tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the last good site")
    # A theme Zensical cannot find fails its build (after devportal staged the tree).
    text = config.read_text(encoding="utf-8").replace("  name: material\n", "  name: no-such-theme\n", 1)
    config.write_text(text, encoding="utf-8")
    assert main(["build", "-f", str(config), "--engine", "zensical", "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"code": "zensical-failed"' in out or '"code": "config' in out, out[:2000]
    assert (site / "index.html").read_text() == "the last good site"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_search_finds_guides_and_operations_with_zensical(zensical_site):
    """The portal's search (Pagefind, indexed after the engine built the site) works in Zensical's site too: its
    search box finds an operation by its method and path, and a guide and a technical update by a word."""
    from playwright.sync_api import sync_playwright

    assert (zensical_site / "pagefind" / "0" / "pagefind.js").is_file()
    with sync_playwright() as playwright, serve_folder(zensical_site) as base:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login/docs/quick-start/")
        results = page.locator(".md-search-result__list a.md-search-result__link")
        found = {}
        for query in ("POST /payments/{reference}/refunds", "refunds"):
            box = page.locator("input.md-search__input")
            box.click()
            box.fill("")
            box.type(query, delay=10)
            results.first.wait_for(state="visible", timeout=20_000)
            wait_for_answer(page, query)  # the last keystroke's answer
            found[query] = [link.get_attribute("href") for link in results.all()]
            page.keyboard.press("Escape")
        assert found["POST /payments/{reference}/refunds"][0].endswith("modifications/#operation/refundPayment")
        assert any("/payments/docs/" in href for href in found["refunds"]), found["refunds"]  # a guide
        assert any("/updates/" in href for href in found["refunds"]), found["refunds"]  # a technical update
        browser.close()
