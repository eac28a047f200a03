"""The README's first command: the example portal builds from content/ with no network, and a person
using it in a browser sees the branding, the API sections and edit/report links (no feedback widget: the
example configures no endpoint to receive its answers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM, copy_example, serve_folder


def test_example_portal_builds_strictly_with_every_section(example_site: Path):
    for section in ("payments", "login", "webhooks"):
        assert (example_site / section / "index.html").is_file()
        assert list((example_site / section / "api").rglob("index.html")), f"{section} has no API reference"
    home = (example_site / "index.html").read_text()
    for title in ("Payments API", "Login API", "Events and Webhooks API"):
        assert title in home  # the API overview table
    assert (example_site / "updates").is_dir()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_a_person_sees_branding_edit_links_and_feedback_without_third_party_requests(example_site: Path,
                                                                                     tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    requested: list[str] = []
    with serve_folder(example_site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        page.goto(f"{base}/payments/", wait_until="networkidle")
        edit = page.locator("a[href*='github.com/northwind-pay/payments-api/edit/main/README.md']")
        assert edit.count() >= 1
        report = page.locator("a[href*='github.com/northwind-pay/payments-api/issues/new']")
        assert report.count() >= 1
        assert "title=" in report.first.get_attribute("href")
        # No `feedback.endpoint` in the example: the widget stays hidden rather than lose the answers.
        assert page.locator("form.md-feedback").count() == 1
        assert not page.locator("form.md-feedback").is_visible()
        page.screenshot(path=str(tmp_path / "payments.png"), full_page=False)
        page.goto(f"{base}/", wait_until="networkidle")
        assert page.locator("table").first.is_visible()
        browser.close()
    foreign = [url for url in requested if not url.startswith(base) and not url.startswith("data:")]
    assert foreign == [], f"pages requested third-party hosts: {foreign[:5]}"


@pytest.mark.slow
def test_plain_mkdocs_build_works_through_the_plugin(tmp_path: Path):
    config = copy_example(tmp_path / "example")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", "out"],
                            cwd=config.parent, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    site = config.parent / "out"
    assert (site / "payments" / "api" / "payments" / "payments" / "index.html").is_file()
    assert (site / "updates" / "feed.xml").is_file()
    assert "Events and Webhooks API" in (site / "index.html").read_text()
