"""Technical updates: archive, tag pages, feeds, home page and API sections; bad input; the real archive."""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from pathlib import Path

import feedparser
import pytest
import yaml

from generator.cli import main
from tests.helpers import CORPUS, copy_example, write_portal

SITE_URL = "https://developer.northwind-pay.example/"


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    config = copy_example(tmp_path_factory.mktemp("updates-example"))
    assert main(["build", "-f", str(config)]) == 0
    return config.parent / "site"


def article(html: str) -> str:
    """The page's content, without navigation and footer."""
    return html[html.index("<article"): html.index("</article>")]


def _example_updates() -> list[dict]:
    updates = []
    for path in sorted((Path(__file__).resolve().parents[1] / "content" / "portal" / "updates").glob("*.md")):
        front = yaml.safe_load(path.read_text().split("---")[1])
        updates.append(front)
    return sorted(updates, key=lambda u: u["date"], reverse=True)


def test_feeds_list_every_update_with_date_title_and_permanent_link(example: Path):
    expected = _example_updates()
    for name in ("feed.xml", "feed.atom.xml"):
        feed = feedparser.parse((example / "updates" / name).read_text())
        assert not feed.bozo, feed.bozo_exception
        assert feed.version in ("rss20", "atom10")
        assert [e.title for e in feed.entries] == [u["title"] for u in expected]
        for entry, update in zip(feed.entries, expected, strict=True):
            published = dt.date(*entry.published_parsed[:3])
            assert published == update["date"]
            assert entry.link.startswith(SITE_URL + "updates/")
            path = entry.link.removeprefix(SITE_URL)
            assert (example / path / "index.html").is_file(), path  # the link is a real page
            assert re.fullmatch(r"updates/\d{4}/\d{2}/[a-z0-9-]+/", path)  # permanent URL from date and slug


def test_one_feed_per_tag(example: Path):
    feed = feedparser.parse((example / "updates" / "tags" / "api-payments.xml").read_text())
    titles = [e.title for e in feed.entries]
    assert titles == [u["title"] for u in _example_updates() if "api:payments" in u["tags"]]
    atom = feedparser.parse((example / "updates" / "tags" / "api-payments.atom.xml").read_text())
    assert [e.title for e in atom.entries] == titles


def test_archive_is_grouped_by_year_and_month_newest_first(example: Path):
    html = article((example / "updates" / "index.html").read_text())
    years = re.findall(r'<h2 id="(\d{4})"', html)
    assert years == sorted(years, reverse=True) and years[0] == "2026" and years[-1] == "2024"
    months = re.findall(r"<h3 id=\"[^\"]+\">(\w+ \d{4})", html)
    as_dates = [dt.datetime.strptime(m, "%B %Y") for m in months]
    assert as_dates == sorted(as_dates, reverse=True)
    positions = [html.index(u["title"].replace("GET /payments", "GET /payments")) for u in _example_updates()]
    assert positions == sorted(positions)


def test_tag_pages_home_page_and_api_sections_show_the_right_updates(example: Path):
    tag_page = article((example / "updates" / "tags" / "api-webhooks" / "index.html").read_text())
    assert "Webhooks are here (beta)" in tag_page and "PKCE" not in tag_page
    home = article((example / "index.html").read_text())
    latest = [u["title"] for u in _example_updates()[:3]]
    positions = [home.index(title) for title in latest]
    assert positions == sorted(positions)
    assert _example_updates()[3]["title"] not in home
    webhooks = article((example / "webhooks" / "index.html").read_text())
    assert "Technical updates" in webhooks and "Webhooks are here (beta)" in webhooks
    assert "PKCE is required" not in webhooks


def test_updates_link_to_their_neighbours_and_feeds_are_discoverable(example: Path):
    page = article((example / "updates" / "2025" / "06" / "list-payments" / "index.html").read_text())
    assert "Older:" in page and "PKCE is required for app logins" in page
    assert "Newer:" in page and "Webhooks are here (beta)" in page
    assert 'href="../../../../payments/api/payments/payments/#operation/listPayments"' in page


def _updates_portal(tmp_path: Path, updates: dict[str, str], today_note: str = "") -> Path:
    pages = {"index.md": "# Home\n\n<!-- devportal:latest-updates -->\n"}
    pages.update({f"updates/{name}": textwrap.dedent(text).lstrip() for name, text in updates.items()})
    repo = tmp_path / "payments-repo"
    repo.mkdir()
    (repo / "README.md").write_text("# Payments\n")
    return write_portal(tmp_path / "portal", [{"name": "payments", "repo": str(repo), "pages": ["README.md"]}],
                        pages=pages, extra={"updates": {"dir": "content/portal/updates"}})


@pytest.mark.parametrize("name, text, code, line", [
    ("no-date.md", "---\ntitle: No date\n---\n# No date\n", "update-date", 1),
    ("2025-01-01-bad.md", "---\ntitle: Bad\ndate: 2025-13-45\n---\n# Bad\n", "update-date", 3),
    ("2025-01-02-x.md", "---\ntitle: X\ndate: 2025-01-02\ntags: [api:paymnts]\n---\n# X\n", "update-unknown-api", 4),
])
def test_bad_updates_fail_with_file_and_line(tmp_path, capsys, name, text, code, line):
    config = _updates_portal(tmp_path, {name: text})
    assert main(["check", "-f", str(config), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    problem = next(p for p in problems if p["code"] == code)
    assert problem["file"] == f"updates/{name}" and problem["line"] == line
    assert problem["hint"]


def test_duplicate_slug_and_future_date(tmp_path, capsys):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    config = _updates_portal(tmp_path, {
        "a.md": "---\ntitle: Same\ndate: 2025-03-01\nslug: same\n---\n# A\n",
        "b.md": "---\ntitle: Same too\ndate: 2025-03-09\nslug: same\n---\n# B\n",
        "c.md": f"---\ntitle: Later\ndate: {future}\n---\n# C\n",
    })
    assert main(["check", "-f", str(config), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert any(p["code"] == "update-duplicate-slug" for p in problems)
    future_problem = next(p for p in problems if p["code"] == "update-future")
    assert future_problem["severity"] == "warning" and future_problem["line"] == 3


def test_scaffolded_update_builds(tmp_path, capsys):
    config = _updates_portal(tmp_path, {})
    folder = config.parent / "content" / "portal" / "updates"
    assert main(["updates", "new", "Faster refunds", "--dir", str(folder)]) == 0
    created = Path(capsys.readouterr().out.strip())
    assert created.name == f"{dt.date.today().isoformat()}-faster-refunds.md"
    assert main(["build", "-f", str(config)]) == 0
    today = dt.date.today()
    page = config.parent / "site" / "updates" / f"{today:%Y}" / f"{today:%m}" / "faster-refunds" / "index.html"
    assert page.is_file()


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_the_real_newsletter_archive_builds_through_the_same_pipeline(tmp_path):
    developers = CORPUS / "vipps-developers"
    config = write_portal(tmp_path, [{"name": "developers", "repo": str(developers), "pages": ["**/*.md"],
                                      "exclude": ["**/_*.md"]}],
                          extra={"updates": {"source": "developers", "glob": "newsletters/*.md"}})
    assert main(["build", "-f", str(config)]) == 0
    feed = feedparser.parse((tmp_path / "site" / "updates" / "feed.xml").read_text())
    newsletters = sorted(p for p in (developers / "newsletters").glob("*-newsletter.md"))
    assert len(newsletters) == 17
    by_title = {e.title: dt.date(*e.published_parsed[:3]) for e in feed.entries}
    for path in newsletters:
        year, month = map(int, path.name.split("-")[:2])
        title = f"Technical newsletter for developers {year}-{month:02d}"
        assert by_title.get(title) == dt.date(year, month, 1), title
    archive = (tmp_path / "site" / "updates" / "index.html").read_text()
    assert "Technical newsletter for developers 2019-11" in archive
    # The "please use the website" banner of GitHub is gone, links to the portal's pages are rewritten.
    page = (tmp_path / "site" / "updates" / "2023" / "10" / "newsletter" / "index.html").read_text()
    assert "Please use the website" not in page


def test_feed_links_follow_use_directory_urls(tmp_path):
    """With ``use_directory_urls: false`` MkDocs publishes ``x.html``: the feed links there, not to ``x/``."""
    config = _updates_portal(tmp_path, {"2025-03-01-flat.md": "---\ntitle: Flat\ndate: 2025-03-01\n---\n# Flat\n"})
    raw = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**raw, "use_directory_urls": False}, sort_keys=False))
    assert main(["build", "-f", str(config)]) == 0
    site = config.parent / "site"
    feed = feedparser.parse((site / "updates" / "feed.xml").read_text())
    link = feed.entries[0].link
    assert link == "https://portal.example.com/updates/2025/03/flat.html"
    assert (site / link.removeprefix("https://portal.example.com/")).is_file()


def test_an_update_title_is_its_first_heading_outside_code(tmp_path):
    config = _updates_portal(tmp_path, {"2025-03-01-fenced.md": """\
        ---
        date: 2025-03-01
        ---
        ```bash
        # install the new SDK
        ```

        # The real title
        """})
    assert main(["build", "-f", str(config)]) == 0
    feed = feedparser.parse((config.parent / "site" / "updates" / "feed.xml").read_text())
    assert [e.title for e in feed.entries] == ["The real title"]
