"""A hostile source cannot run script in a reader's browser; the same source, trusted, can (the test is live).

The source (a real bare Git repo reached by ``file://``) carries payloads in every text field it controls
(see ``tests/hostile_source.py``): Markdown bodies, raw HTML, attr_list attributes, front matter, the nav
file, update front matter, every string field of an OpenAPI 2.0, 3.0 and 3.1 spec generated from their
meta-schemas, its settings, a file name and linked files. The portal is built once per trust level, every
built page is opened in headless chromium with a dialog handler and a ``window.__pwned`` tripwire, and every
URL attribute is read as the browser parses it.
"""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import material
import pytest
import yaml

from generator.cli import main
from generator.render.escaping import html_meta, html_nav, html_text, markdown_text
from generator.render.pages.safe_attributes import EXTENSION
from generator.render.pages.sanitize import clean_html, is_safe_url, sanitize_html
from generator.stage.mkdocs_yml import REQUIRED_EXTENSIONS
from tests.helpers import CHROMIUM, REPO_ROOT, new_upstream, serve_folder, write_portal
from tests.hostile_source import (
    Payloads,
    front_matter,
    front_matter_keys,
    hostile_spec,
    markdown_body,
    nav_file,
    payload,
    source_settings,
)

#: Linked files, whose publishing the file policy decides (generator/render/published_files.py): without it a
#: repo's ``evil.html`` or scripted ``.svg`` would be copied as is and run on the portal's origin.
LINKED_FILES = ["linked file: docs/evil.html", "linked file: docs/evil.svg"]

TRIPWIRE = """
window.__hits = [];
Object.defineProperty(window, "__pwned", {
  set(value) { window.__hits.push(String(value)); }, get() { return undefined; }});
"""
#: Every element attribute that holds a URL or runs code, as the browser reads it after parsing the page.
FINDINGS = """
() => {
  const urlAttributes = ["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
                         "cite", "ping", "srcset"];
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      if (name.startsWith("on") || name === "srcdoc") found.push(`${element.tagName} ${name}=${attribute.value}`);
      if (!urlAttributes.includes(name)) continue;
      for (const candidate of name === "srcset" ? attribute.value.split(",") : [attribute.value]) {
        let protocol = "";
        try { protocol = new URL(candidate.trim().split(" ")[0], document.baseURI).protocol; } catch (e) {}
        if (["javascript:", "vbscript:", "data:"].includes(protocol)) {
          found.push(`${element.tagName} ${name}=${attribute.value}`);
        }
      }
    }
  }
  const nav = [...document.querySelectorAll(".md-nav__link")].map(link => link.textContent.trim());
  return {hits: window.__hits || [], found, title: document.title, nav};
}
"""


#: The theme's templates: Material's, the portal's overrides and the API reference's page template.
THEME_DIRS = [Path(material.__file__).parent / "templates", REPO_ROOT / "templates" / "overrides",
              REPO_ROOT / "templates" / "apiref"]


def hostile_repo(payloads: Payloads) -> dict[str, str]:
    """The files of the hostile source's repo."""
    keys = front_matter_keys(THEME_DIRS)
    guide_pages = ["README.md", "docs/guide.md", f"docs/{payloads.key('file name')}.md"]
    update = {**front_matter(payloads, "update", keys),
              "tags": [payloads.text("update: front matter tags"), "api:hostile"],
              "authors": [payloads.text("update: front matter authors")]}
    files = {
        "README.md": "---\n" + yaml.safe_dump(front_matter(payloads, "README.md", keys)) + "---\n"
                     + markdown_body(payloads, "README.md"),
        "docs/guide.md": markdown_body(payloads, "docs/guide.md")
                         + "\n[html](evil.html) [svg](evil.svg) ![svg](evil.svg)\n",
        guide_pages[2]: "No heading and no front matter: the title comes from the file name.\n",
        # Material's redirect template puts `location` in a script: a source must not pick theme templates.
        "docs/redirect.md": "---\n" + yaml.safe_dump({"template": "redirect.html",
                                                      "location": payloads.url("front matter template+location")})
                            + "---\n# Redirect\n",
        # Not in the nav file: appended in a section titled by its folder's name.
        f"docs/{payloads.key('folder name')}/page.md": "# In a folder\n",
        "docs/evil.html": f"<script>__pwned={payloads._number(LINKED_FILES[0])}</script>\n",
        "docs/evil.svg": f'<svg xmlns="http://www.w3.org/2000/svg"><script>__pwned={payloads._number(LINKED_FILES[1])}'
                         "</script></svg>\n",
        ".devportal-nav.yml": nav_file(payloads, guide_pages),
        "updates/2025-06-01-hostile.md": "---\n" + yaml.safe_dump(update) + "---\n"
                                         + markdown_body(payloads, "update"),
    }
    for version, name in (("2.0", "swagger"), ("3.0", "openapi30"), ("3.1", "openapi31")):
        spec = hostile_spec(version, payloads)
        # Redoc's tag groups are an extension, not in the meta-schemas: group every tag the spec uses.
        tags = {tag for item in spec.get("paths", {}).values() if isinstance(item, dict)
                for operation in item.values() if isinstance(operation, dict) for tag in operation.get("tags", [])}
        spec["x-tagGroups"] = [{"name": payloads.text(f"{version}:/x-tagGroups/0/name"), "tags": sorted(tags)}]
        files[f"specs/{name}.json"] = json.dumps(spec, indent=1)
    return files


def build_portal(root: Path, *, trusted: bool) -> tuple[Path, Payloads]:
    payloads = Payloads()
    upstream = new_upstream(root, "hostile", hostile_repo(payloads))
    source = {"name": "hostile", "repo": upstream.url, "specs": ["specs/*.json"],
              "pages": ["README.md", "docs/**/*.md"], "trusted": trusted, **source_settings(payloads)}
    # A second source with no settings at all: no web_url, so no edit links of the portal's own.
    bare = new_upstream(root, "bare", {"README.md": "---\n" + yaml.safe_dump(
        front_matter(payloads, "bare", front_matter_keys(THEME_DIRS))) + "---\n# Bare\n"})
    config = write_portal(root, [source, {"name": "bare", "repo": bare.url, "pages": ["README.md"],
                                          "trusted": trusted}],
                          extra={"updates": {"source": "hostile", "glob": "updates/*.md"}})
    main(["build", "-f", str(config), "-d", str(root / "site")])
    assert (root / "site" / "hostile").is_dir(), "the hostile source's pages were not built"
    return root / "site", payloads


def open_every_page(site: Path) -> dict[str, dict]:
    """Each built page (and the source's SVG files) → what fired on it and the live script URLs in it."""
    playwright = pytest.importorskip("playwright.sync_api")
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    pages += sorted(p.relative_to(site).as_posix() for p in (site / "hostile").rglob("*.svg"))
    results: dict[str, dict] = {}
    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1400, "height": 900})  # the search box in the header
        context.add_init_script(TRIPWIRE)
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in pages:
            dialogs.clear()
            page.goto(f"{base}/{path}", wait_until="load")
            page.wait_for_timeout(30)  # let error and load events of broken images run
            result = page.evaluate(FINDINGS) if path.endswith(".html") else {
                "hits": page.evaluate("() => window.__hits || []"), "found": []}
            result["dialogs"] = list(dialogs)
            results[path] = result
        # Search results show titles and text of every page: search for the payloads.
        dialogs.clear()
        for query in ("onerror", "svg"):
            page.goto(f"{base}/index.html", wait_until="load")
            page.locator("input.md-search__input").click()
            page.locator("input.md-search__input").press_sequentially(query)
            page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
            results[f"search: {query}"] = {**page.evaluate(FINDINGS), "dialogs": list(dialogs)}
        browser.close()
    return results


def fired(results: dict[str, dict], payloads: Payloads) -> dict[str, list[str]]:
    """Field → pages where its payload ran."""
    by_field: dict[str, list[str]] = {}
    for path, result in results.items():
        for hit in result["hits"] + result["dialogs"]:
            by_field.setdefault(payloads.fields.get(int(hit), hit) if hit.isdigit() else hit, []).append(path)
    return by_field


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory) -> tuple[dict, Payloads]:
    return _built_and_opened(tmp_path_factory, trusted=False)


@pytest.fixture(scope="module")
def trusted(tmp_path_factory) -> tuple[dict, Payloads]:
    return _built_and_opened(tmp_path_factory, trusted=True)


def _built_and_opened(tmp_path_factory, *, trusted: bool) -> tuple[dict, Payloads]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    root = tmp_path_factory.mktemp("trusted" if trusted else "untrusted")
    site, payloads = build_portal(root, trusted=trusted)
    return open_every_page(site), payloads


@pytest.mark.slow
@pytest.mark.browser
def test_no_payload_of_an_untrusted_source_runs_on_any_page(untrusted):
    results, payloads = untrusted
    assert len(results) > 20, sorted(results)
    ran = fired(results, payloads)
    assert not ran, json.dumps(ran, indent=1)[:5000]
    live = {path: result["found"] for path, result in results.items() if result["found"]}
    assert not live, json.dumps(live, indent=1)[:5000]
    # Escaped once: the reader sees the text as written ("A & B", the tags as text), not entities.
    home = results["hostile/index.html"]
    assert home["title"].startswith(payloads_of(payloads, "README.md:front matter title") + " - "), home["title"]
    for field in ("nav file: page title", "nav file: section title", "3.0:/info/title", "2.0:/x-tagGroups/0/name"):
        shown = payloads_of(payloads, field)
        assert any(text.startswith(shown) or text == f"API reference: {shown}" for text in home["nav"]), \
            (field, home["nav"])


def payloads_of(payloads: Payloads, field: str) -> str:
    return payload(next(number for number, where in payloads.fields.items() if where == field))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("field", LINKED_FILES)
def test_a_linked_file_of_an_untrusted_source_cannot_script_the_portal(untrusted, field):
    results, payloads = untrusted
    assert field not in fired(results, payloads)


@pytest.mark.slow
@pytest.mark.browser
def test_the_same_payloads_from_a_trusted_source_run(trusted):
    """Proves the tripwire is live: raw HTML of a trusted source is kept, so its payloads run."""
    results, payloads = trusted
    ran = fired(results, payloads)
    assert {"README.md:raw img", "README.md:raw svg", "docs/guide.md:raw script", "update:raw img"} <= set(ran), \
        sorted(ran)


# --- The mechanisms, one by one -----------------------------------------------------------------------------

def staged_markdown():
    """Python-Markdown with the extensions every staged page is built with."""
    import markdown

    names = [entry if isinstance(entry, str) else next(iter(entry)) for entry in REQUIRED_EXTENSIONS]
    configs = {name: options for entry in REQUIRED_EXTENSIONS if isinstance(entry, dict)
               for name, options in entry.items() if name not in ("pymdownx.superfences", "pymdownx.emoji")}
    return markdown.Markdown(extensions=[name for name in names if name != "pymdownx.superfences"],
                             extension_configs=configs)  # (their Python-object options left at the defaults)


def test_text_escapes_once_for_html_and_markdown():
    assert html_text('A & B "<img>"') == "A &amp; B &quot;&lt;img&gt;&quot;"
    assert html_nav([{"A & B": "a.md"}, {"<b>": [{"x": "b.md"}, "c.md"]}]) == [
        {"A &amp; B": "a.md"}, {"&lt;b&gt;": [{"x": "b.md"}, "c.md"]}]
    assert html_meta({"title": "<i>", "tags": ["a&b"], "n": 1, "m": {"k": "<"}}) == {
        "title": "&lt;i&gt;", "tags": ["a&amp;b"], "n": 1, "m": {"k": "&lt;"}}
    md = staged_markdown()
    for text in ["A & B", "x](javascript:alert(1))", "<img src=x onerror=alert(1)>", "t{: onclick=alert(1) }",
                 "*not emphasis* `code` | pipe ==mark== ^sup^ ~~del~~ \\ back", "a\n# heading", "$x$ costs $5"]:
        html = md.reset().convert(f"- [{markdown_text(text)}](page.md)")
        link = re.fullmatch(r'<ul>\n<li><a href="page\.md">(.*)</a></li>\n</ul>', html)
        assert link, html  # one link, to where the template said, with nothing but text inside
        assert "<" not in link.group(1) and unescape(link.group(1)) == " ".join(text.split()), html


def test_urls_are_judged_as_a_browser_reads_them():
    for url in ["jav&#x61;script:x", "java\tscript:x", " javascript:x", "\x01javascript:x", "JaVaScRiPt:x",
                "javascript&colon;x", "vbscript:x", "data:text/html,x", "&#106;avascript:x"]:
        assert not is_safe_url(url), url
    for url in ["https://a.example/x?y=a:b", "/x", "x.html", "#top", "mailto:a@b.c", "tel:+4712345678", "a/b:c"]:
        assert is_safe_url(url), url


def test_markdown_generated_attributes_lose_handlers_and_script_urls():
    import markdown

    md = markdown.Markdown(extensions=["attr_list", "md_in_html", EXTENSION])
    html = md.convert('![i](x.png){ onerror="alert(1)" width=10 }\n\nPara\n{: autofocus onfocus=alert(2) .ok }\n\n'
                      "[a](jav&#x61;script:alert(3)) [b](https://ok.example) [c](java&#9;script:alert(4))\n\n"
                      '![d](x.png){ srcset="javascript:alert(5) 1x, y.png 2x" }')
    assert "alert" not in html, html
    assert 'width="10"' in html and 'class="ok"' in html and 'href="https://ok.example"' in html, html


def test_raw_html_and_spec_descriptions_share_one_policy():
    assert "onerror" not in sanitize_html('<img src="x" onerror="alert(1)">')
    assert "javascript" not in sanitize_html('<a href="jav&#x61;script:alert(1)">x</a>')
    assert clean_html('<a href="javascript:alert(1)" onclick="x()">a</a><script>x</script>') == "<a>a</a>"


@pytest.mark.parametrize("trusted", [False, True])
def test_only_a_trusted_source_sets_what_the_portal_sets(tmp_path, capsys, trusted):
    """Material's redirect template runs ``location`` as a script URL, and the edit and issue links are the
    portal's: an untrusted page's values are dropped with a warning."""
    upstream = new_upstream(tmp_path, "s", {"README.md": "---\ntemplate: redirect.html\nlocation: javascript:alert(1)\n"
                                                        "edit_url: javascript:alert(2)\n---\n# Moved\n"})
    config = write_portal(tmp_path, [{"name": "s", "repo": upstream.url, "pages": ["README.md"], "trusted": trusted}])
    main(["stage", "-f", str(config)])
    staged = yaml.safe_load((tmp_path / ".devportal/stage/docs/s/index.md").read_text().split("---")[1])
    assert ("template" in staged) is trusted and ("edit_url" in staged) is trusted, staged
    err = capsys.readouterr().err
    assert ("front matter `template` is ignored" in err and "front matter `edit_url` is ignored" in err) is not trusted


def test_an_unknown_icon_is_dropped_instead_of_failing_the_portal(tmp_path, capsys):
    upstream = new_upstream(tmp_path, "s", {"README.md": "---\nicon: nope/nope\n---\n# A\n",
                                            "docs/b.md": "---\nicon: material/rocket-launch\n---\n# B\n"})
    config = write_portal(tmp_path, [{"name": "s", "repo": upstream.url, "pages": ["README.md", "docs/*.md"]}])
    assert main(["build", "-f", str(config), "-d", str(tmp_path / "site")]) == 0
    assert "`icon: nope/nope` names no icon of the theme" in capsys.readouterr().err
    staged = tmp_path / ".devportal/stage/docs/s"
    assert "icon" not in (staged / "index.md").read_text() and "rocket-launch" in (staged / "docs/b.md").read_text()


def test_a_disguised_script_link_is_reported_at_its_line(tmp_path, capsys):
    upstream = new_upstream(tmp_path, "s", {"README.md": "# A\n\n[x](jav&#x61;script:alert(1))\n"
                                                        "[y](java&#9;script:x)\n"})
    config = write_portal(tmp_path, [{"name": "s", "repo": upstream.url, "pages": ["README.md"]}])
    main(["stage", "-f", str(config)])
    err = capsys.readouterr().err
    assert err.count("URL was removed") == 2 and "jav&#x61;script:` URL was removed" in err, err
    assert "[x](#)" in (tmp_path / ".devportal/stage/docs/s/index.md").read_text()


#: Spellings of ``endraw`` that Jinja's lexer accepts (the test checks each with Jinja itself).
ENDRAW_SPELLINGS = ["{% endraw %}", "{%endraw%}", "{%- endraw %}", "{%+ endraw +%}", "{%\tendraw\n-%}",
                    "{%  endraw  %}"]


def test_jinja_in_an_untrusted_spec_is_text_however_it_ends_the_raw_block(tmp_path):
    """The reference's HTML is included in the page as a Jinja template: a spec whose text ended its raw block
    would run Jinja in the build (``{{ lipsum.__globals__ }}`` reaches ``os``), with CI's credentials."""
    import jinja2

    for spelling in ENDRAW_SPELLINGS:  # each really ends a raw block: the expression after it runs
        assert jinja2.Environment().from_string("{% raw %}a" + spelling + "{{ 6*7 }}{% raw %}b{% endraw %}"
                                                ).render() == "a42b", spelling
    texts = [f"Get {n} {spelling}{{{{ 6*7 }}}}{{{{ config.site_name }}}}{{% raw %}}"
             for n, spelling in enumerate(ENDRAW_SPELLINGS)]
    paths = "".join(f"""
  /x{n}:
    get:
      operationId: get{n}
      summary: {json.dumps(text)}
      description: {json.dumps(text + " {{ lipsum.__globals__.os.getcwd() }}")}
      responses:
        "200": {{description: ok}}""" for n, text in enumerate(texts))
    spec = f"openapi: 3.0.3\ninfo: {{title: Evil, version: '1', description: {json.dumps(texts[1])}}}\npaths:{paths}\n"
    upstream = new_upstream(tmp_path, "evil", {"openapi.yaml": spec, "README.md": "# Evil\n"})
    config = write_portal(tmp_path / "portal", [{"name": "evil", "repo": upstream.url, "pages": ["README.md"],
                                                 "specs": ["openapi.yaml"]}])
    assert main(["build", "-f", str(config)]) == 0
    site = config.parent / "site"
    pages = "".join(page.read_text(encoding="utf-8") for page in (site / "evil").rglob("*.html"))
    text = unescape(re.sub(r"<[^>]+>", "", pages))
    for shown in texts:
        assert shown in text, shown
    assert "42Test Portal" not in text and str(tmp_path) not in text  # nothing of the spec ran
