"""`devportal serve`: a writer's save is served in seconds, with one rebuild per save."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from generator.cli import main
from tests.helpers import CHROMIUM, copy_example, devportal_serve, folder_bytes

RELOADED = "Reloading browsers"


@pytest.mark.slow
def test_a_save_is_served_after_one_rebuild_of_only_that_page(tmp_path: Path):
    config = copy_example(tmp_path / "example")
    with devportal_serve(config) as serve:
        assert serve.wait_for("payments/", lambda text: "Payments" in text, timeout=300) is not None
        serve.wait_idle(2)
        builds = serve.builds()
        assert builds == 1
        login_before = serve.fetch("login/")
        readme = config.parent / "content" / "sources" / "payments" / "README.md"
        readme.write_text(readme.read_text() + "\n\nA sentence the writer just added.\n")
        # the page is right when the browser is told to reload (the search index follows later)
        assert _wait_for_line(serve, RELOADED, after=_count(serve, RELOADED), timeout=120), "".join(serve.lines[-30:])
        assert "A sentence the writer just added." in serve.fetch("payments/")
        serve.wait_idle(3)  # a second build would start within the watcher's delay
        output = "".join(serve.lines)
        assert serve.builds() == builds + 1, output[-3000:]
        assert "restaged only 1 page(s)" in output and "rebuilding only what changed: 1 file(s) changed" in output
        # the other pages are as they were
        assert _page(serve.fetch("login/")) == _page(login_before)
        # the page restaged alone is the one staging the whole portal writes
        staged = folder_bytes(config.parent / ".devportal" / "stage")
        assert main(["stage", "-f", str(config)]) == 0
        assert folder_bytes(config.parent / ".devportal" / "stage") == staged
        # a new title changes the navigation of its source's pages: everything is staged and built again, once
        faq = config.parent / "content" / "sources" / "payments" / "docs" / "faq.md"
        faq.write_text(faq.read_text().replace("# ", "# Renamed: ", 1))
        assert serve.wait_for("payments/", lambda text: "Renamed: " in text, timeout=120) is not None, \
            "".join(serve.lines[-30:])
        serve.wait_idle(3)
        assert serve.builds() == builds + 2
        output = "".join(serve.lines)
        assert "restaging the portal" in output and "full rebuild" in output
        # a new page is staged with the portal, linked from the navigation, in one build
        (faq.parent / "limits.md").write_text("# Limits\n\nAt most 100 payments a second.\n")
        assert serve.wait_for("payments/docs/limits/", lambda text: "At most 100 payments" in text,
                              timeout=120) is not None, "".join(serve.lines[-30:])
        serve.wait_idle(3)
        assert serve.builds() == builds + 3
        assert "docs/limits/" in serve.fetch("payments/")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_search_finds_a_saved_sentence_once_the_site_is_indexed_again(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    config = copy_example(tmp_path / "example")
    guide = config.parent / "content" / "sources" / "login" / "docs" / "quick-start.md"
    word = "Zanzibarquokka"
    with devportal_serve(config) as serve, sync_playwright() as p:
        assert serve.wait_for("login/docs/quick-start/", lambda text: "</html>" in text, timeout=300) is not None
        serve.wait_idle(2)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        assert _search(page, serve.base, word) == []
        guide.write_text(guide.read_text() + f"\n\nThe {word} token expires after an hour.\n")
        assert serve.wait_for("login/docs/quick-start/", lambda text: word in text, timeout=120) is not None
        deadline, found = time.monotonic() + 120, []
        while not found and time.monotonic() < deadline:
            found = _search(page, serve.base, word)
            time.sleep(0.5)
        assert found and found[0].endswith("/login/docs/quick-start/"), "".join(serve.lines[-20:])
        assert "search index made again" in "".join(serve.lines)
        browser.close()


def _search(page, base: str, word: str) -> list[str]:
    """The URLs of the pages the served Pagefind index finds for ``word``, loaded afresh (from a page of the
    site without the live-reload script, which reloads HTML pages after each build). A search that read the
    index being replaced finds nothing yet: the new bundle replaces the old one whole, so the index parts the old
    entry names are gone (Pagefind then fails on what the server answers instead)."""
    from playwright.sync_api import Error

    page.goto(f"{base}/pagefind/bundles.json", wait_until="load")
    try:
        return page.evaluate("""async (word) => {
            const bundles = JSON.parse(document.body.innerText).bundles;
            const pagefind = await import(`/pagefind/${bundles[0].path}pagefind.js?` + Date.now());
            for (const bundle of bundles.slice(1)) {
                await pagefind.mergeIndex(`/pagefind/${bundle.path}`);
            }
            const search = await pagefind.search(word);
            return Promise.all(search.results.map(async (result) => (await result.data()).url));
        }""", word)
    except Error as exc:
        if "Pagefind" not in exc.message:
            raise
        return []


def _count(serve, text: str) -> int:
    return sum(text in line for line in serve.lines)


def _wait_for_line(serve, text: str, *, after: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _count(serve, text) > after:
            return True
        time.sleep(0.02)
    return False


def _page(html: str) -> str:
    """The page without the live-reload script's build counters."""
    return re.sub(r"reload\(\d+, \d+\)", "reload()", html)
