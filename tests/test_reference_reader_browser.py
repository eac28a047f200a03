"""A reader of the example portal's API reference, in Debian's chromium: every copy button copies the code
it sits on, and Redoc-style links to a tag and to an operation land on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import CHROMIUM, copy_example, serve_folder, wait_for_landing

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")]

# Shows the block a copy button sits on (opens its <details>, selects its tab) and returns the text Material
# copies: the <code>'s rendered text, trailing whitespace trimmed.
REVEAL = """(button) => {
  for (let node = button; node; node = node.parentElement) {
    if (node.tagName === "DETAILS") node.open = true
    if (node.classList && node.classList.contains("tabbed-block")) {
      const blocks = [...node.parentElement.children]
      const set = node.closest(".tabbed-set")
      set.querySelectorAll(":scope > input")[blocks.indexOf(node)].click()
    }
  }
  const code = document.querySelector(button.getAttribute("data-clipboard-target"))
  return code.innerText.trimEnd()
}"""


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    config = copy_example(tmp_path_factory.mktemp("example"))
    assert main(["build", "-f", str(config), "--strict"]) == 0
    return config.parent / "site"


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.mark.parametrize("page_path", ["payments/api/payments/payments/", "payments/api/payments/all/"])
def test_every_copy_button_of_a_reference_page_copies_the_code_it_sits_on(example_site, browser, page_path):
    with serve_folder(example_site) as base:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}/{page_path}", wait_until="load")
        buttons = page.locator("button[data-clipboard-target]")
        page.wait_for_function("document.querySelectorAll('button[data-clipboard-target]').length > 0")
        count = buttons.count()
        assert count == page.locator(".dp-api pre").count() >= 9
        copied = []
        for index in range(count):
            button = buttons.nth(index)
            expected = button.evaluate(REVEAL)
            page.evaluate("navigator.clipboard.writeText('')")
            button.click()
            page.wait_for_function("navigator.clipboard.readText().then(t => t !== '')", timeout=5_000)
            text = page.evaluate("navigator.clipboard.readText()")
            assert text == expected, (index, text[:200], expected[:200])
            copied.append(text)
        assert errors == []
        assert any(text.startswith("curl -X POST") for text in copied)
        assert any(text.startswith("import requests") for text in copied)
        assert len(set(copied)) > count // 2  # each button its own block, not the first of its operation
        context.close()


@pytest.mark.parametrize(("start", "fragment", "lands_on", "final_path"), [
    ("payments/api/payments/", "tag/Modifications", "h1", "payments/api/payments/modifications/"),
    ("payments/api/payments/", "tag/Payments/operation/createPayment", "[id='operation/createPayment']",
     "payments/api/payments/payments/"),
    ("payments/api/payments/payments/", "tag/Payments", "h1", "payments/api/payments/payments/"),
    ("payments/api/payments/all/", "tag/Modifications", "[id='tag/Modifications']", "payments/api/payments/all/"),
    ("payments/api/payments/all/", "operation/refundPayment", "[id='operation/refundPayment']",
     "payments/api/payments/all/"),
])
def test_a_redoc_style_link_to_a_tag_or_an_operation_lands_on_it(example_site, browser, start, fragment, lands_on,
                                                                 final_path):
    with serve_folder(example_site) as base:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/{start}", wait_until="load")  # a reader already on the site follows the link
        page.goto(f"{base}/{start}#{fragment}", wait_until="load")
        page.wait_for_function(f"location.pathname === '/{final_path}'", timeout=10_000)
        header = page.locator(".md-header").bounding_box()
        below_header = header["y"] + header["height"]
        box = wait_for_landing(page, f".dp-api {lands_on}", top=below_header - 1, limit=below_header + 150)
        assert box is not None and below_header - 1 <= box["y"] < below_header + 150, (fragment, box, header)
        assert page.locator(f".dp-api {lands_on}").first.is_visible()
        page.close()
