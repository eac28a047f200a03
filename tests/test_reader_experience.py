"""What a reader of the example portal gets: feeds advertised in every page's head, search that finds the
API, pages that fit a phone, readable dark mode (axe-core), a feedback widget that loses no answer, and code
samples that follow the server the reader picks."""

from __future__ import annotations

import contextlib
import http.server
import json
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import yaml

from generator.cli import main
from tests.fetch_fixtures import axe_core
from tests.helpers import CHROMIUM, copy_example, serve, serve_folder, wait_for_answer


def _browser_marks(test):
    for mark in (pytest.mark.slow, pytest.mark.browser,
                 pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")):
        test = mark(test)
    return test


browser = _browser_marks


def _launch(p):
    return p.chromium.launch(executable_path=str(CHROMIUM),
                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])

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


def test_every_page_advertises_the_feeds_and_each_feed_links_to_its_page(example_site: Path):
    feedparser = pytest.importorskip("feedparser")
    pages = sorted(example_site.rglob("index.html"))
    assert len(pages) > 40
    for page in pages:
        if "http-equiv=\"refresh\"" in page.read_text(encoding="utf-8")[:2000]:
            continue  # a redirect page
        feeds = _feeds_of(page)
        # a tag page and an API's changelog page advertise their own feeds too
        archive = {title: href for title, href in feeds.items()
                   if "updates tagged" not in title and "changelog" not in title}
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


def test_check_says_the_feedback_widget_is_hidden_without_an_endpoint(tmp_path: Path, capsys):
    config = copy_example(tmp_path / "example")
    assert main(["check", "-f", str(config), "--format", "json"]) == 0
    found = [d for d in json.loads(capsys.readouterr().out) if d["code"] == "feedback-hidden"]
    assert len(found) == 1 and found[0]["severity"] == "info", found
    assert "feedback" in found[0]["message"] and "endpoint" in found[0]["hint"]
    assert config.read_text().splitlines()[found[0]["line"] - 1].strip() == "feedback:"
    _set_feedback_endpoint(config, "/feedback")
    assert main(["check", "-f", str(config), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert "feedback-hidden" not in out, out


def _set_feedback_endpoint(config: Path, endpoint: str) -> None:
    data = yaml.safe_load(config.read_text())
    for entry in data["plugins"]:
        if isinstance(entry, dict) and "devportal" in entry:
            entry["devportal"]["feedback"] = {"endpoint": endpoint}
    config.write_text(yaml.safe_dump(data, sort_keys=False))


def _serve_with_feedback(folder: Path, received: list[dict]):
    """The built site, plus ``POST /feedback`` that records what the widget sends."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/feedback":
                received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    return serve(Handler)


@browser
def test_with_an_endpoint_the_feedback_widget_shows_and_the_answer_reaches_it(tmp_path: Path):
    playwright = pytest.importorskip("playwright.sync_api")
    config = copy_example(tmp_path / "example")
    _set_feedback_endpoint(config, "/feedback")
    assert main(["build", "-f", str(config)]) == 0
    received: list[dict] = []
    with _serve_with_feedback(config.parent / "site", received) as base, playwright.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_page()
        page.goto(f"{base}/payments/docs/quick-start/", wait_until="load")
        form = page.locator("form.md-feedback")
        assert form.is_visible()
        form.locator("button[data-md-value='0']").click()
        assert form.locator(".md-feedback__note [data-md-value='0']").is_visible()
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            page.wait_for_timeout(100)
        browser.close()
    assert received == [{"page": "/payments/docs/quick-start/", "title": received[0]["title"], "rating": 0,
                         "source": "payments"}], received


@contextlib.contextmanager
def _reader(site: Path, **context):
    """Chromium on the built site served over HTTP (search's worker and fetches need it)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = _launch(p)
        page = browser.new_context(**context).new_page()
        page.base = base
        try:
            yield page
        finally:
            browser.close()


def _search(page, query: str) -> list[str]:
    """Type ``query`` in Material's search box; the result links in the order shown (path#fragment)."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    box.type(query, delay=10)
    # the results shown are those of the whole query (the line and the list of the query before it, or of a
    # prefix of it, would otherwise pass on a busy machine)
    wait_for_answer(page, query)
    links = page.eval_on_selector_all(".md-search-result__list a.md-search-result__link",
                                      "links => links.map(a => { const u = new URL(a.href);"
                                      " return u.pathname + u.hash })")
    page.keyboard.press("Escape")
    return links


SEARCHES = [  # what a reader types → where it must lead (in the first three results)
    ("Create a payment", "/payments/api/payments/payments/#operation/createPayment"),
    ("Refund a payment", "/payments/api/payments/modifications/#operation/refundPayment"),
    ("createPayment", "/payments/api/payments/payments/#operation/createPayment"),
    ("refundPayment", "/payments/api/payments/modifications/#operation/refundPayment"),
    ("POST /payments/{reference}/refunds", "/payments/api/payments/modifications/#operation/refundPayment"),
    ("GET /payments/{reference}", "/payments/api/payments/payments/#operation/getPayment"),
    ("Get the customer's profile", "/login/api/swagger/openid-connect/#operation/userinfo"),
    ("DELETE /webhooks/{id}", "/webhooks/api/events/webhooks/#operation/deleteWebhook"),
    ("TokenResponse", "/login/api/swagger/models/#schema-TokenResponse"),
    ("EventType", "/webhooks/api/events/models/#schema-EventType"),
]


@browser
def test_search_finds_operations_and_schemas_in_the_first_three_results(example_site: Path):
    found = {}
    with _reader(example_site) as page:
        page.goto(f"{page.base}/", wait_until="load")
        for query, _target in SEARCHES:
            found[query] = _search(page, query)
    for query, target in SEARCHES:
        top = found[query][:3]
        assert target in top, (query, found[query][:6])
        # Technical updates (tagged api:payments, ...) no longer outrank the reference.
        assert not [link for link in top if link.startswith("/updates/")], (query, top)


#: In the page: the document's overflow, every word of an h1/h2 that the browser broke across lines, and
#: content past the right edge that no scrollable box holds (clipped, out of the reader's reach).
PHONE_LAYOUT = """() => {
  const width = document.documentElement.clientWidth
  const broken = []
  for (const heading of document.querySelectorAll(".md-content h1, .md-content h2")) {
    if (!heading.offsetParent) continue
    const walker = document.createTreeWalker(heading, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest(".headerlink")) continue
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange()
        range.setStart(node, word.index)
        range.setEnd(node, word.index + word[0].length)
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)))
        if (lines.size > 1) broken.push(heading.tagName + " " + heading.textContent.trim() + ": " + word[0])
      }
    }
  }
  const scrolls = el => { for (let a = el.parentElement; a; a = a.parentElement) {
    const style = getComputedStyle(a)
    if (["auto", "scroll"].includes(style.overflowX) && a.getBoundingClientRect().right <= width + 1) return true
  } return false }
  const clipped = []
  for (const el of document.querySelectorAll(".md-content *")) {
    if (!el.offsetParent || el.getBoundingClientRect().right <= width + 1 || scrolls(el)) continue
    clipped.push(el.tagName + "." + el.className)
  }
  return {overflow: document.documentElement.scrollWidth - width, broken, clipped: clipped.slice(0, 5)}
}"""


@browser
def test_every_page_fits_a_phone_without_panning_or_words_broken_in_headings(example_site: Path):
    pages = sorted("" if p.parent == example_site else p.parent.relative_to(example_site).as_posix() + "/"
                   for p in example_site.rglob("index.html"))
    assert len(pages) > 50
    problems = {}
    with _reader(example_site, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True) as page:
        for rel in pages:
            page.goto(f"{page.base}/{rel}", wait_until="load")
            layout = page.evaluate(PHONE_LAYOUT)
            if layout["overflow"] > 0 or layout["broken"] or layout["clipped"]:
                problems[rel] = layout
    assert problems == {}, problems


AXE_PAGES = {"home": "", "guide": "payments/docs/quick-start/", "API overview": "payments/api/payments/",
             "tag page": "payments/api/payments/payments/", "models page": "webhooks/api/events/models/",
             "single page": "payments/api/payments/all/", "updates archive": "updates/",
             "update": "updates/2026/09/metadata-and-webhooks-ga/", "update tag": "updates/tags/api-payments/"}

#: Violations that come from Material for MkDocs' own markup, each (rule, selector of the node) with why.
MATERIAL_OWN = {
    # partials/search.html: the search overlay is `<div class="md-search" role="dialog">` without a name.
    ("aria-dialog-name", ".md-search"),
}


@browser
@pytest.mark.parametrize("scheme", ["default", "slate"], ids=["light", "dark"])
def test_axe_finds_no_serious_violation_from_the_portal_in_light_and_dark_mode(example_site: Path,
                                                                               scheme: str):
    try:
        axe = axe_core()
    except RuntimeError as exc:  # no npm, or the registry cannot be reached
        pytest.skip(f"axe-core from the npm registry: {exc}")
    found: dict[str, list] = {}
    excluded: set[tuple[str, str]] = set()
    with _reader(example_site, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"{page.base}/", wait_until="load")
        # The reader's choice, as Material's palette toggle stores it (the scheme that matches the index).
        index = page.evaluate("s => [...document.querySelectorAll('[name=__palette]')]"
                              ".findIndex(i => i.dataset.mdColorScheme === s)", scheme)
        assert index >= 0
        page.evaluate("([i, s]) => __md_set('__palette', {index: i, color: {media: '', scheme: s,"
                      " primary: 'custom', accent: 'custom'}})", [index, scheme])
        for name, rel in AXE_PAGES.items():
            page.goto(f"{page.base}/{rel}", wait_until="load")
            assert page.evaluate("document.body.dataset.mdColorScheme") == scheme
            page.add_script_tag(path=str(axe))
            violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]}))
                .violations.filter(v => ["serious", "critical"].includes(v.impact))
                .flatMap(v => v.nodes.map(n => [v.id, n.target.join(" "), n.failureSummary]))""")
            for rule, target, summary in violations:
                if (rule, target) in MATERIAL_OWN:
                    excluded.add((rule, target))
                else:
                    found.setdefault(name, []).append((rule, target, summary.splitlines()[-1][:200]))
    assert found == {}, found
    assert excluded <= MATERIAL_OWN


def _samples(page) -> list[str]:
    """The text of every code sample that follows the API's servers, on the page as shown."""
    return page.eval_on_selector_all("[data-dp-follow-server] pre > code", "codes => codes.map(c => c.textContent)")


@browser
def test_switching_the_server_changes_every_sample_and_the_choice_follows_the_reader(example_site: Path):
    production, test = "https://api.northwind-pay.example/payments/v1", "https://apitest.northwind-pay.example/payments/v1"
    with _reader(example_site) as page:
        page.goto(f"{page.base}/payments/api/payments/payments/", wait_until="load")
        picker = page.locator("form.dp-servers select.dp-servers__select")
        assert picker.is_visible()
        before = _samples(page)
        assert len(before) >= 12 and all(production in text for text in before)  # curl, Python, JS × 4
        # Keyboard: focus the list and move to the next server.
        picker.focus()
        page.keyboard.press("ArrowDown")
        assert picker.input_value() == "1"
        after = _samples(page)
        assert all(test in text and production not in text for text in after), after[:3]
        assert [text.replace(test, production) for text in after] == before
        assert page.locator(".dp-servers__url").text_content() == test
        # The choice holds on the API's other pages, for this session.
        page.goto(f"{page.base}/payments/api/payments/modifications/", wait_until="load")
        assert page.locator("form.dp-servers select.dp-servers__select").input_value() == "1"
        assert all(test in text for text in _samples(page))
        page.goto(f"{page.base}/payments/api/payments/all/", wait_until="load")
        assert all(test in text for text in _samples(page))
        # Another API keeps its own server.
        page.goto(f"{page.base}/webhooks/api/events/webhooks/", wait_until="load")
        assert all("https://api.northwind-pay.example/events/v1" in text for text in _samples(page))


HOSTILE = "https://evil.example/it's\\\"><img src=x onerror=window.__xss=1>"
VARIABLES_SPEC = f"""
openapi: 3.0.3
info: {{title: Regions API, version: 1.0.0}}
servers:
  - url: https://{{region}}.api.example.com/{{basePath}}
    variables:
      region: {{default: eu, enum: [eu, us, ap]}}
      basePath: {{default: v1}}
  - url: "{HOSTILE}"
    description: "<b>bold</b>"
paths:
  /things/{{id}}:
    get:
      operationId: getThing
      summary: Get a thing
      tags: [Things]
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}, example: t1}}]
      responses: {{'200': {{description: OK}}}}
  /local:
    get:
      operationId: getLocal
      summary: Local only
      tags: [Things]
      servers: [{{url: https://local.example.com}}]
      responses: {{'200': {{description: OK}}}}
"""


@browser
def test_server_variables_are_fields_and_a_hostile_server_url_stays_text(tmp_path: Path):
    (tmp_path / "regions.yaml").write_text(VARIABLES_SPEC)
    assert main(["render-spec", str(tmp_path / "regions.yaml"), "-o", str(tmp_path / "site")]) == 0
    with _reader(tmp_path / "site", viewport={"width": 390, "height": 844}, color_scheme="dark") as page:
        page.goto(f"{page.base}/regions/things/", wait_until="load")
        form = page.locator("form.dp-servers")
        region, base_path = form.locator("select[data-variable=region]"), form.locator("input[data-variable=basePath]")
        assert region.input_value() == "eu" and base_path.input_value() == "v1"  # defaults prefilled
        [sample] = [t for t in _samples(page) if t.startswith("curl")]
        assert "https://eu.api.example.com/v1/things/t1" in sample
        region.select_option("us")
        base_path.fill("v2")
        assert all("https://us.api.example.com/v2/things/t1" in text for text in _samples(page))
        # The operation with servers of its own keeps them.
        own = page.locator("[id='operation/getLocal'] pre > code").first.text_content()
        assert "https://local.example.com/local" in own
        # A server URL from the spec is text in the list, in the samples and in the shown URL: nothing runs.
        form.locator("select.dp-servers__select").select_option("1")
        assert not form.locator("fieldset.dp-servers__vars").first.is_visible()
        curl, python, javascript = _samples(page)[:3]
        assert "https://evil.example/it'\\''s\"><img src=x onerror=window.__xss=1>/things/t1" in curl
        assert "'https://evil.example/it\\'s\"><img src=x onerror=window.__xss=1>/things/t1'" in python
        assert '"https://evil.example/it\'s\\"><img src=x onerror=window.__xss=1>/things/t1"' in javascript
        assert page.locator(".dp-servers__url").text_content() == HOSTILE.replace("\\", "")
        assert page.evaluate("window.__xss") is None
        assert page.locator(".md-content img").count() == 0
        # At 390 px the picker fits the screen.
        box = form.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
