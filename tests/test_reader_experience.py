"""What a reader of the example portal gets: feeds advertised in every page's head, search that finds the
API, pages that fit a phone, readable dark mode (axe-core), a feedback widget that loses no answer, and code
samples that follow the server the reader picks."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.test_example_portal import example_site  # noqa: F401  (module fixture: the built example portal)

SITE_URL = "https://developer.northwind-pay.example/"


class _HeadLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append({key: value or "" for key, value in attrs})


def _feeds_of(page: Path) -> dict[str, str]:
    parser = _HeadLinks()
    parser.feed(page.read_text(encoding="utf-8"))
    return {link["title"]: link["href"] for link in parser.links
            if link.get("rel") == "alternate" and link.get("type") in ("application/rss+xml", "application/atom+xml")}


def test_every_page_advertises_the_feeds_and_each_feed_links_to_its_page(example_site: Path):  # noqa: F811
    feedparser = pytest.importorskip("feedparser")
    pages = sorted(example_site.rglob("index.html"))
    assert len(pages) > 40
    for page in pages:
        if "http-equiv=\"refresh\"" in page.read_text(encoding="utf-8")[:2000]:
            continue  # a redirect page
        feeds = _feeds_of(page)
        archive = {title: href for title, href in feeds.items() if "updates tagged" not in title}
        assert len(archive) == 2, (page, feeds)
        for href in feeds.values():
            target = (page.parent / href).resolve()
            assert target.is_file(), (page, href)
    tag_page = example_site / "updates" / "tags" / "beta" / "index.html"
    tag_feeds = {title: href for title, href in _feeds_of(tag_page).items() if "updates tagged beta" in title}
    assert len(tag_feeds) == 2, tag_feeds
    expected = {"feed": SITE_URL + "updates/", "tags/beta": SITE_URL + "updates/tags/beta/"}
    for name, page_url in expected.items():
        rss = feedparser.parse((example_site / "updates" / f"{name}.xml").read_bytes())
        atom = feedparser.parse((example_site / "updates" / f"{name}.atom.xml").read_bytes())
        assert rss.version == "rss20" and atom.version == "atom10"
        assert not rss.bozo and not atom.bozo
        # The channel's link is the page a reader opens (not a feed file); "self" is the file itself.
        assert rss.feed.link == page_url
        assert atom.feed.link == page_url
        rss_self = [link.href for link in rss.feed.links if link.rel == "self"]
        atom_self = [link.href for link in atom.feed.links if link.rel == "self"]
        assert rss_self == [SITE_URL + f"updates/{name}.xml"], rss_self
        assert atom_self == [SITE_URL + f"updates/{name}.atom.xml"], atom_self
        assert rss.entries and all(entry.link.startswith(SITE_URL + "updates/20") for entry in rss.entries)
    # The feed advertised on a page resolves to the file the archive's own link names.
    home_feeds = _feeds_of(example_site / "index.html")
    assert sorted(urljoin(SITE_URL, href) for href in home_feeds.values()) == [
        SITE_URL + "updates/feed.atom.xml", SITE_URL + "updates/feed.xml"]
