"""`devportal serve`: a writer's save is served in seconds, with one rebuild per save."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import copy_example, devportal_serve


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
        seconds = serve.wait_for("payments/", lambda text: "A sentence the writer just added." in text, timeout=120)
        assert seconds is not None, "".join(serve.lines[-30:])
        serve.wait_idle(3)  # a second build would start within the watcher's delay
        output = "".join(serve.lines)
        assert serve.builds() == builds + 1, output[-3000:]
        assert "rebuilding only what changed: 1 file(s) changed" in output
        # the other pages are as they were, and the preview's search (Pagefind) is indexed again
        assert _page(serve.fetch("login/")) == _page(login_before)
        assert "pagefind" in serve.fetch("pagefind/pagefind.js").lower()
        # a new title changes the navigation of its source's pages: everything is built again, still once
        faq = config.parent / "content" / "sources" / "payments" / "docs" / "faq.md"
        faq.write_text(faq.read_text().replace("# ", "# Renamed: ", 1))
        assert serve.wait_for("payments/", lambda text: "Renamed: " in text, timeout=120) is not None, \
            "".join(serve.lines[-30:])
        serve.wait_idle(3)
        assert serve.builds() == builds + 2
        assert "full rebuild" in "".join(serve.lines)


def _page(html: str) -> str:
    """The page without the live-reload script's build counters."""
    return re.sub(r"reload\(\d+, \d+\)", "reload()", html)
