"""The MkDocs phase of a build does per-portal work once, not once per page, and gives the same pages.

MkDocs (and Zensical) make one ``Markdown`` instance per page from the staged ``mkdocs.yml``; whatever an
extension sets up in it is paid once per page. These tests stage a real portal and check what the staged
config makes each page pay for, against the libraries' own behaviour as the oracle.
"""

from __future__ import annotations

import collections
import functools
import gc
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jinja2
import markdown
import markupsafe
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mkdocs.config import load_config
from pymdownx.emoji import gemoji, to_alt

from generator.cli import PROGRAM_YOUNG, main
from generator.heap import collections_spaced, frozen
from generator.render.pages import SiteIndex, SourcePages, convert_page, plan_source
from generator.render.pages.safe_attributes import EXTENSION as SAFE_ATTRIBUTES
from generator.stage.mkdocs_yml import REQUIRED_EXTENSIONS
from generator.stage.nav_items import CALLS as NAV_ITEM_CALLS
from generator.stage.nav_items import NAME as NAV_ITEMS
from generator.stage.nav_items import NavItems
from generator.stage.one_markdown import NAME as ONE_MARKDOWN
from generator.stage.one_markdown import RESETTABLE, OneMarkdown, PageRenderer
from generator.stage.raw_fragments import NAME as RAW_FRAGMENTS
from generator.stage.raw_fragments import RawFragments, fragment_parts
from generator.stage.render_ahead import RenderAhead, fence_languages
from generator.stage.search_index import SEARCH_HOOK, skip_lunr_index
from generator.stage.site import config_parsed_by_libyaml
from generator.stage.template_attributes import NAME as TEMPLATE_ATTRIBUTES
from generator.stage.template_attributes import TemplateAttributes, attribute_lookup
from generator.stage.theme_parts import MARK as HEADER_MARK
from generator.stage.theme_parts import NAME as THEME_PARTS
from generator.stage.theme_parts import REWRITES as THEME_REWRITES
from generator.stage.theme_parts import ThemeParts
from tests.helpers import CORPUS, REPO_ROOT, new_upstream, write_portal
from tests.markdown_oracle import github_html


@pytest.fixture(scope="module")
def staged_config(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("build-cost")
    upstream = new_upstream(root, "guides", {
        f"docs/page-{n}.md": f"# Page {n}\n\nShipped :tada: with :+1: and :thumbsup:.\n" for n in range(3)})
    config = write_portal(root / "portal", [{"name": "guides", "repo": upstream.url, "pages": ["docs/**/*.md"]}])
    assert main(["stage", "-f", str(config)]) == 0
    return config.parent / ".devportal" / "stage" / "mkdocs.yml"


def test_emoji_are_githubs_unicode_from_one_index_shared_by_every_page(staged_config):
    config = load_config(str(staged_config))
    pages = [markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
             for _ in range(200)]
    indexes = {id(md.inlinePatterns["emoji"].emoji_index) for md in pages}
    assert len(indexes) == 1  # built once, not copied for each of the 200 pages
    index = pages[0].inlinePatterns["emoji"].emoji_index
    with pytest.raises(TypeError):
        index["emoji"][":tada:"] = {"unicode": "1f4a9"}  # shared, so read-only: a page cannot change another's
    assert "🎉" in pages[0].convert("Shipped :tada:!") and "👍" in pages[1].convert(":+1: :thumbsup:")

    # Every shortcode and alias GitHub has renders exactly as pymdownx's own GitHub index renders it.
    upstream = gemoji({}, None)
    shortcodes = " ".join([*upstream["emoji"], *upstream["aliases"]])
    ours = dict(config.mdx_configs["pymdownx.emoji"])
    theirs = {**ours, "emoji_index": gemoji, "emoji_generator": to_alt}
    assert markdown.markdown(shortcodes, extensions=["pymdownx.emoji"], extension_configs={"pymdownx.emoji": ours}) \
        == markdown.markdown(shortcodes, extensions=["pymdownx.emoji"], extension_configs={"pymdownx.emoji": theirs})


MIXED_FENCES = """Text.

```
plain
```

```python hl_lines="2" linenums="1" title="a.py"
a = 1
b = 2
```

1. A step

    ```bash
    curl https://example.com
    ```

> ```json
> {"a": 1}
> ```

~~~mermaid
graph LR
~~~

```yaml
never closed
"""


def test_a_page_of_many_code_blocks_renders_in_linear_time_and_as_superfences_renders_it(staged_config):
    # pymdownx.superfences put each block back by copying the page's whole list of lines: a page of 40,000
    # small diagrams took 44 CPU s (10,000: 3.5 s), a page of tiny code blocks was a way to stall every build.
    config = load_config(str(staged_config))
    staged = markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)
    stock = markdown.Markdown(extensions=[e for e in config.markdown_extensions if e != SAFE_ATTRIBUTES],
                              extension_configs=config.mdx_configs)
    assert staged.convert(MIXED_FENCES) == stock.convert(MIXED_FENCES)
    assert staged.convert(MIXED_FENCES).count('<div class="highlight">') == 4

    start = time.process_time()  # this process's CPU: a loaded machine does not make it fail
    html = staged.reset().convert("```mermaid\ngraph LR\n```\n\n" * 30_000)
    assert html.count('<pre class="mermaid">') == 30_000
    assert time.process_time() - start < 12  # about 5 s block by block in one pass; 25 s copying the page per block


def _pages(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*.html"))}


def test_under_pagefind_the_build_makes_no_lunr_index_and_the_same_pages_with_the_search_box(staged_config,
                                                                                              tmp_path):
    from mkdocs.commands.build import build

    lunr = staged_config.with_name("mkdocs.lunr.yml")  # the staged tree without devportal's search hook
    lunr.write_text(staged_config.read_text().replace(f"hooks:\n- {SEARCH_HOOK}\n", ""))
    plain = load_config(str(lunr), site_dir=str(tmp_path / "plain"))
    build(plain)  # Material's search plugin as a plain `mkdocs build` runs it: lunr index and all
    assert (tmp_path / "plain" / "search" / "search_index.json").is_file()

    pagefind = load_config(str(staged_config), site_dir=str(tmp_path / "pagefind"))
    skip_lunr_index(pagefind)  # what the staged hook does too
    build(pagefind)
    assert not (tmp_path / "pagefind" / "search").exists()  # the index Pagefind replaces is not even made
    assert (tmp_path / "pagefind" / "pagefind" / "0" / "pagefind.js").is_file()  # made by the staged tree's own build
    pages = _pages(tmp_path / "pagefind")
    assert pages == _pages(tmp_path / "plain") and len(pages) > 3
    home = pages["index.html"].decode()
    assert 'data-dp-search' in home and 'class="md-header__button md-icon" for="__search"' in home


def test_a_plain_mkdocs_build_through_the_plugin_keeps_the_search_box_answered_by_pagefind(staged_config, tmp_path):
    project = staged_config.parents[2]
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(project / "mkdocs.yml"),
                             "-d", str(tmp_path / "out")], cwd=project, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert 'data-dp-search' in home and 'class="md-header__button md-icon" for="__search"' in home
    assert (tmp_path / "out" / "pagefind" / "0" / "pagefind.js").is_file()


def _guide(number: int) -> str:
    parts = "".join(f"## Part {k}\n\nText with a [link](guide-{(number + 1) % 40}.md#part-{k}), `code` and :tada:.\n\n"
                    f"```python\nprint({k})\n```\n\n" for k in range(60))
    return f"# Guide {number}\n\n{parts}See [nowhere](missing.md) and [no anchor](guide-0.md#no-such-part).\n"


def _build_logged(mkdocs_yml: Path, site: Path, ahead: RenderAhead | None, one: OneMarkdown | None = None,
                  fragments: RawFragments | None = None, nav_items: NavItems | None = None,
                  theme_parts: ThemeParts | None = None) -> list[tuple[int, str]]:
    """Build with MkDocs, returning what it logged at info level or above, in order."""
    from mkdocs.commands.build import build

    config = load_config(str(mkdocs_yml), site_dir=str(site))
    if ahead is not None:
        assert RenderAhead.usable(config)
        config.plugins["devportal/render-ahead"] = ahead
    if one is not None:
        config.plugins[ONE_MARKDOWN] = one
    if fragments is not None:
        config.plugins[RAW_FRAGMENTS] = fragments
        config.plugins[TEMPLATE_ATTRIBUTES] = TemplateAttributes()
    if nav_items is not None:
        config.plugins[NAV_ITEMS] = nav_items
    if theme_parts is not None:
        config.plugins[THEME_PARTS] = theme_parts
    records: list[tuple[int, str]] = []
    handler = logging.Handler(level=logging.INFO)
    handler.emit = lambda record: records.append((record.levelno, record.getMessage().replace(str(site), "SITE")))
    logger = logging.getLogger("mkdocs")
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not assignment: it clears the loggers' cached levels
    logger.addHandler(handler)
    try:
        build(config)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return [r for r in records if "Documentation built in" not in r[1]]


def test_the_staged_config_parsed_by_libyaml_is_the_config_mkdocs_loads_itself(staged_config):
    # The site step reads the staged mkdocs.yml (it holds the whole navigation) with libyaml; the oracle is
    # MkDocs' own load_config, on a staged config with every kind of tag the generator writes.
    import mkdocs.config.defaults as defaults

    assert "!!python/name:" in staged_config.read_text(encoding="utf-8")
    original = defaults.get_yaml_loader
    mkdocs_own = load_config(str(staged_config))
    with config_parsed_by_libyaml():
        assert defaults.get_yaml_loader is not original
        parsed = load_config(str(staged_config))
    assert repr(dict(parsed)) == repr(dict(mkdocs_own))
    assert parsed.mdx_configs["pymdownx.emoji"]["emoji_generator"] is to_alt  # a tag made into the function
    assert defaults.get_yaml_loader is original  # put back after the call, and after a failed one
    with pytest.raises(KeyError), config_parsed_by_libyaml():
        raise KeyError("a failed load")
    assert defaults.get_yaml_loader is original


def test_objects_frozen_for_a_step_stay_frozen_through_a_step_inside_it_and_are_all_thawed_after():
    # Staging and the MkDocs build each freeze what they inherit; a thaw moves every frozen object back, so a
    # step inside another must not thaw the outer step's objects half-way through it.
    assert gc.get_freeze_count() == 0
    with frozen():
        outer = gc.get_freeze_count()
        assert outer > 0
        made_inside = [[i] for i in range(1000)]  # noqa: F841 - alive through the inner step
        with frozen():
            assert gc.get_freeze_count() >= outer + 1000
        assert gc.get_freeze_count() >= outer + 1000
    assert gc.get_freeze_count() == 0


def test_the_program_freezes_what_is_left_before_it_exits_and_main_leaves_the_collector_as_it_was(tmp_path):
    # Python's exit runs the cyclic collector over everything a build left (0.09 CPU s of a cold build at S):
    # the `devportal` program freezes it first, and while it runs spaces the collector's passes (0.17 → 0.06 CPU s
    # of a cold build at M); the tests call main() in their own process, which must do neither.
    program = ("import gc, sys, generator.cli as cli\n"
               "cli.main = lambda argv=None: print(gc.get_threshold()[0]) or 3\n"
               "before = gc.get_threshold()\n"
               "print(cli.run(), gc.get_freeze_count() > 0, gc.get_threshold() == before)")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(PROGRAM_YOUNG), "3", "True", "True"]
    from importlib.metadata import entry_points
    assert [script.value for script in entry_points(group="console_scripts", name="devportal")] == \
        ["generator.cli:run"]
    threshold = gc.get_threshold()
    assert main(["updates", "new", "A title", "--dir", str(tmp_path)]) == 0
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == threshold


def test_a_page_is_converted_with_fewer_collector_passes_and_the_thresholds_are_put_back(tmp_path):
    # A page's conversion makes its objects in one go; Python's collector would walk them every 700 new ones.
    (tmp_path / "big.md").write_text("# Big\n\n" + "".join(
        f"## Part {i}\n\nSee [part {i}](#part-{i}), `code`, and <b>bold</b>.\n\n- one\n- two\n\n" for i in range(3000)))
    source = SourcePages(name="big", root=tmp_path, files=["big.md"], web_url=None, github_repo=None,
                         published_urls=[], trusted=False)
    index = SiteIndex()
    [plan] = plan_source(source, index)
    before = gc.get_threshold()
    thresholds: list[int] = []

    def record(phase: str, info: dict) -> None:
        if phase == "start":
            thresholds.append(gc.get_threshold()[0])

    gc.callbacks.append(record)
    try:
        converted = convert_page(plan, index)
    finally:
        gc.callbacks.remove(record)
    assert "## Part 2999" in converted.markdown
    assert thresholds and set(thresholds) == {5_000}  # every pass of the conversion ran spaced
    assert len(thresholds) < 100  # 44 here; 340 at Python's 700
    assert gc.get_threshold() == before
    # nested blocks put the thresholds back when the outermost ends, also when it fails
    with pytest.raises(KeyError), collections_spaced():
        with collections_spaced(young=50):
            assert gc.get_threshold()[0] == max(5_000, before[0])
        assert gc.get_threshold()[0] == max(5_000, before[0])
        raise KeyError("a failed conversion")
    assert gc.get_threshold() == before


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs a CPU affinity mask and two CPUs")
def test_a_process_confined_to_one_cpu_counts_one_and_renders_no_page_ahead(staged_config):
    # A container or `taskset` may give the process one CPU of a bigger machine: a second process working
    # "ahead" would then only take turns with MkDocs on that CPU (os.cpu_count() counts the machine's).
    script = ("import os, sys; from mkdocs.config import load_config; from generator.cpus import usable_cpus; "
              "from generator.stage.render_ahead import RenderAhead; "
              "print(usable_cpus(), RenderAhead.usable(load_config(sys.argv[1])), os.cpu_count() > 1)")
    one_cpu = subprocess.run([sys.executable, "-c", script, str(staged_config)], capture_output=True, text=True,
                             check=True, preexec_fn=lambda: os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}))
    assert one_cpu.stdout.split() == ["1", "False", "True"]
    every_cpu = subprocess.run([sys.executable, "-c", script, str(staged_config)], capture_output=True, text=True,
                               check=True)
    assert every_cpu.stdout.split() == [str(len(os.sched_getaffinity(0))), "True", "True"]


def test_pages_rendered_ahead_on_a_second_core_give_the_same_site_and_the_same_messages(tmp_path):
    upstream = new_upstream(tmp_path, "guides", {f"docs/guide-{n}.md": _guide(n) for n in range(40)})
    config = write_portal(tmp_path / "portal", [{"name": "guides", "repo": upstream.url, "pages": ["docs/**/*.md"]}])
    assert main(["stage", "-f", str(config)]) == 0
    staged = config.parent / ".devportal" / "stage" / "mkdocs.yml"
    # MkDocs' own link checks as warnings, so that pages rendered ahead must report them as MkDocs would.
    staged.write_text(staged.read_text(encoding="utf-8").replace(": info", ": warn"), encoding="utf-8")

    plain = _build_logged(staged, tmp_path / "plain", None)
    ahead = RenderAhead(timeout_factor=1e6)  # a loaded machine must not make the parent give up on the child
    logged = _build_logged(staged, tmp_path / "ahead", ahead)
    assert ahead.rendered_ahead >= 15  # the later half of the 40 guides (and more) came from the second core
    assert logged == plain and any(level == logging.WARNING and "missing.md" in text for level, text in plain)
    built = {p.relative_to(tmp_path / "plain"): p.read_bytes() for p in (tmp_path / "plain").rglob("*")
             if p.is_file() and p.name != "sitemap.xml.gz"}
    assert built == {p.relative_to(tmp_path / "ahead"): p.read_bytes() for p in (tmp_path / "ahead").rglob("*")
                     if p.is_file() and p.name != "sitemap.xml.gz"}


def test_the_lexers_made_before_rendering_ahead_are_those_of_every_code_block_github_sees():
    """The parent makes the lexers of the child's code blocks before the fork (Pygments compiles a lexer's rules
    once per process): on every corpus page, each language cmark-gfm gives a code block is found, and no other."""
    word = re.compile(r"[\w#+.-]+")  # what pymdownx.superfences reads as a fence's language
    pages = sorted(CORPUS.glob("**/*.md"))
    for page in pages:
        html = github_html(page.read_text(encoding="utf-8", errors="replace"))
        github = {match.group(0) for info in re.findall(r'<pre lang="([^"]+)"', html)
                  if (match := word.match(info.lstrip("{ .")))}
        assert fence_languages([str(page)]) == github, page
    assert {"bash", "json", "python", "mermaid"} <= fence_languages(str(page) for page in pages)


#: Pages that leave state in a Markdown instance: abbreviations, footnotes, tabs, heading ids, stashed HTML,
#: code blocks, math, and links MkDocs reports. Each is rendered after the others.
STATEFUL = {
    "a.md": """# A

*[HTML]: Hyper Text Markup Language
*[API]: Application Programming Interface

HTML and API with a note[^1] and another[^n].

[^1]: The first note.
[^n]: A named note.

## Part

=== "One"

    Tab one.

=== "Two"

    Tab two.

## Part

Term
:   Definition.

<div markdown="1">**bold** in HTML</div>

- [x] done
- [ ] to do

$x^2$ and :tada: and https://example.com/a and ==mark== ^^ins^^ ~~del~~.

```python
print("a")
```

[missing](nowhere.md) and [no part](b.md#no-such-part).
""",
    "b.md": """# B

HTML and API, a note[^1] that this page does not define, and [^n].

## Part

=== "Three"

    Tab three.

## Part

<div markdown="1">*em* in HTML</div>

```python
print("b")
```

[back](a.md#part_1)
""",
}


@pytest.mark.parametrize("ahead", [False, True])
def test_pages_rendered_on_one_markdown_instance_are_those_mkdocs_renders_with_one_per_page(tmp_path, ahead):
    """MkDocs' own ``Page.render``, a new instance per page, is the oracle: nothing of a page (abbreviations,
    footnotes, tab and heading numbers) reaches the next, and MkDocs logs the same messages."""
    pages = {f"docs/{n}-{name}": text.replace("(b.md", f"({n}-b.md").replace("(a.md", f"({n}-a.md")
             for n in range(12 if ahead else 1) for name, text in STATEFUL.items()}
    pages.update({f"docs/pad-{n}.md": _guide(n) for n in range(40 if ahead else 0)})  # enough to render ahead
    upstream = new_upstream(tmp_path, "guides", pages)
    config = write_portal(tmp_path / "portal", [{"name": "guides", "repo": upstream.url, "pages": ["docs/**/*.md"]}])
    assert main(["stage", "-f", str(config)]) == 0
    staged = config.parent / ".devportal" / "stage" / "mkdocs.yml"
    staged.write_text(staged.read_text(encoding="utf-8").replace(": info", ": warn"), encoding="utf-8")
    # the extensions trusted to reset are exactly the staged config's, which these pages exercise
    assert RESETTABLE == {name if isinstance(name, str) else next(iter(name)) for name in REQUIRED_EXTENSIONS} \
        | {"toc", "tables", "fenced_code"}  # MkDocs' own
    assert PageRenderer.usable(load_config(str(staged)))
    assert not PageRenderer.usable(load_config(str(staged), markdown_extensions=["abbr", "smarty"]))

    plain = _build_logged(staged, tmp_path / "plain", None)
    one = OneMarkdown()
    logged = _build_logged(staged, tmp_path / "one", RenderAhead(timeout_factor=1e6) if ahead else None, one)
    assert one.rendered >= len(pages) // 2  # the pages MkDocs rendered itself came from the one instance
    assert logged == plain and any("nowhere.md" in text for _, text in plain)
    built = {p.relative_to(tmp_path / "plain"): p.read_bytes() for p in (tmp_path / "plain").rglob("*")
             if p.is_file() and p.name != "sitemap.xml.gz"}
    assert built == {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*")
                     if p.is_file() and p.name != "sitemap.xml.gz"}
    page_b = (tmp_path / "one" / "guides" / "docs" / "0-b" / "index.html").read_text(encoding="utf-8")
    assert "<abbr" not in page_b and 'id="fn:1"' not in page_b and 'id="__tabbed_1_1"' in page_b


def test_reference_pages_built_without_lexing_their_html_are_those_jinja_builds(tmp_path):
    """Plain MkDocs, whose Jinja lexes each reference fragment, is the oracle: a real spec of the corpus, and one
    whose text holds Windows and old Mac line ends, ``{%`` and ``{{`` (in code samples, where they stay as
    written), and links to the site's root, give the same site, byte for byte."""
    hostile = """openapi: 3.0.3
info: {title: Lines, version: "1", description: "Line\\r\\nends\\rhere {% raw %} {{ x }} {%endraw%}"}
paths:
  /x:
    post:
      operationId: postX
      summary: "Post {% if %} it"
      description: "A [link](/portal-root/page) and\\r\\n\\r\\nparagraphs.\\r"
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {type: string, example: "{%- raw -%}\\r\\n{{ 7*7 }}"}}}
      responses:
        "200": {description: "ok\\r\\n"}
"""
    upstream = new_upstream(tmp_path, "specs", {
        "lines.yaml": hostile, "README.md": "# APIs\n",
        "recurring.yaml": (CORPUS / "vipps-recurring-api" / "docs" / "openapi.yaml").read_text(encoding="utf-8")})
    config = write_portal(tmp_path / "portal", [{"name": "specs", "repo": upstream.url, "pages": ["README.md"],
                                                  "specs": ["lines.yaml", "recurring.yaml"]}])
    assert main(["stage", "-f", str(config)]) == 0
    staged = config.parent / ".devportal" / "stage" / "mkdocs.yml"

    plain = _build_logged(staged, tmp_path / "plain", None)
    fragments = RawFragments()
    assert _build_logged(staged, tmp_path / "unlexed", None, fragments=fragments) == plain
    assert fragments.loader is not None and fragments.loader.unlexed >= 10  # every page's fragment and banner
    # one compiled code per skeleton (the tags between the raw blocks): an API's pages share theirs
    skeletons = {fragment_parts(jinja2.Environment(), path.read_text(encoding="utf-8"))[0]
                 for path in (staged.parent / "overrides" / "devportal-apiref").rglob("*.html")}
    assert fragments.loader.compiled == len(skeletons) < fragments.loader.unlexed
    # Jinja's cache kept the theme's templates and the banners, not the pages' fragments (each used once)
    cached = {name for _, name in fragments.cache}
    assert "main.html" in cached and "partials/nav-item.html" in cached
    assert {name.rsplit("/", 1)[-1] for name in cached if name.startswith("devportal-apiref/")} == {"_problems.html"}
    built = {p.relative_to(tmp_path / "plain"): p.read_bytes() for p in (tmp_path / "plain").rglob("*")
             if p.is_file() and p.name != "sitemap.xml.gz"}
    assert built == {p.relative_to(tmp_path / "unlexed"): p.read_bytes() for p in (tmp_path / "unlexed").rglob("*")
                     if p.is_file() and p.name != "sitemap.xml.gz"}
    assert b"{{ 7*7 }}" in b"".join(built.values())


@pytest.mark.parametrize("features", [
    ["navigation.indexes", "navigation.sections", "navigation.prune"],  # the benchmark portals'
    ["navigation.tabs", "navigation.sections", "navigation.indexes"],
    ["navigation.expand", "toc.integrate", "navigation.tabs"],
    [],
])
def test_links_to_other_pages_rendered_once_per_href_are_the_navigation_mkdocs_renders(tmp_path, features):
    """Plain MkDocs, which renders every navigation item of every page with Material's macro, is the oracle:
    sections, index pages, pages in folders at several depths, another source, a link out of the site."""
    pages = {f"docs/{folder}/{name}.md": f"# {folder} {name}\n\n## Part\n\nText.\n\n### Detail\n\nMore.\n"
             for folder in ("start", "guides/deep", "guides", "more") for name in ("index", "one", "two")}
    guides = new_upstream(tmp_path, "guides", pages)
    # other's README is at other/, above its folder's section: its pages' links lead into the README's folder
    other = new_upstream(tmp_path, "other", {"README.md": "# Other\n\nSee [x](docs/x.md).\n", "docs/x.md": "# X\n",
                                             "docs/y.md": "# Y\n"})
    # a section whose pages are in the folder of a page outside it (its nav file puts them there), seen from a
    # page beside that one: the same parent folder and depth, but other links
    custom = new_upstream(tmp_path, "custom", {
        "docs/a.md": "# A\n", "docs/b.md": "# B\n", "docs/a/deep.md": "# Deep\n", "docs/a/more.md": "# More\n",
        ".devportal-nav.yml": "- docs/a.md\n- docs/b.md\n- Inside A:\n  - docs/a/deep.md\n  - docs/a/more.md\n"})
    config = write_portal(tmp_path / "portal", [
        {"name": "guides", "repo": guides.url, "pages": ["docs/**/*.md"]},
        {"name": "other", "repo": other.url, "pages": ["README.md", "docs/*.md"]},
        {"name": "custom", "repo": custom.url, "pages": ["docs/**/*.md"]}],
        pages={"index.md": "# Portal\n\n<!-- devportal:api-overview -->\n", "about.md": "# About\n"})
    project = yaml.safe_load(config.read_text(encoding="utf-8"))
    project["theme"]["features"] = features
    project["nav"] = ["index.md", "about.md", {"Status": "https://status.example.com/"}]
    config.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    assert main(["stage", "-f", str(config)]) == 0
    staged = config.parent / ".devportal" / "stage" / "mkdocs.yml"

    plain = _build_logged(staged, tmp_path / "plain", None)
    items = NavItems()
    assert _build_logged(staged, tmp_path / "items", None, fragments=RawFragments(), nav_items=items) == plain
    assert items.calls_through == set(NAV_ITEM_CALLS) and items.reused > len(pages)
    assert items.chains_reused > 0
    built = {p.relative_to(tmp_path / "plain"): p.read_bytes() for p in (tmp_path / "plain").rglob("*")
             if p.is_file() and p.name != "sitemap.xml.gz"}
    assert built == {p.relative_to(tmp_path / "items"): p.read_bytes() for p in (tmp_path / "items").rglob("*")
                     if p.is_file() and p.name != "sitemap.xml.gz"}
    assert b"https://status.example.com/" in built[Path("guides/docs/more/two/index.html")]
    assert b'href="../a/deep/"' in built[Path("custom/docs/b/index.html")]


@pytest.mark.parametrize("source", [
    "{% raw %}a\r\nb\rc\n{% endraw %}{{ '{%' }}{% raw %}d{% endraw %}\n",  # line ends Jinja normalises
    "{% raw %}\n{% endraw %}", "{% raw %}{% endraw %}",
    "{% raw %}<p>{{ x }}</p>{% endraw %}{{ 'y' | upper }}{% raw %}z{% endraw %}{% include 'inner.html' %}",
])
def test_a_fragment_loaded_without_lexing_its_html_renders_as_jinja_renders_it(tmp_path, source):
    (tmp_path / "devportal-apiref").mkdir()
    (tmp_path / "devportal-apiref" / "page.html").write_bytes(source.encode())
    (tmp_path / "inner.html").write_bytes(b"{% raw %}in{% endraw %}{{ x }}")
    theme = jinja2.FileSystemLoader(str(tmp_path))
    jinja = jinja2.Environment(loader=theme)
    fragments = RawFragments()
    unlexed = fragments.on_env(jinja2.Environment(loader=theme), config=None, files=None)
    assert unlexed.get_template("devportal-apiref/page.html").render(x="X") == \
        jinja.get_template("devportal-apiref/page.html").render(x="X")
    assert fragments.loader.unlexed == 1


def test_fragments_of_one_skeleton_are_compiled_once_and_each_renders_its_own_text_under_its_own_name(tmp_path):
    folder = tmp_path / "devportal-apiref"
    folder.mkdir()
    for name, text in (("a.html", "A"), ("b.html", "B")):
        (folder / name).write_text(f"{{% raw %}}<p>{text}</p>{{% endraw %}}{{% include 'inner.html' %}}"
                                   f"{{% raw %}}{text}!{{% endraw %}}")
    (tmp_path / "inner.html").write_text("{{ x }} {{ self }}")
    theme = jinja2.FileSystemLoader(str(tmp_path))
    jinja = jinja2.Environment(loader=theme)
    fragments = RawFragments()
    unlexed = fragments.on_env(jinja2.Environment(loader=theme), config=None, files=None)
    for name in ("a.html", "b.html"):
        template = unlexed.get_template(f"devportal-apiref/{name}")
        assert template.render(x="X") == jinja.get_template(f"devportal-apiref/{name}").render(x="X")
        assert (template.name, template.filename) == (f"devportal-apiref/{name}", str(folder / name))
    assert (fragments.loader.unlexed, fragments.loader.compiled) == (2, 1)


def test_attributes_missing_from_an_object_are_looked_up_as_jinja_looks_them_up():
    """Jinja's own ``Environment.getattr`` is the oracle, for what the theme's templates ask of the nav, pages,
    dicts and the rest: the value, or an undefined of the same kind for the same object and name."""
    from mkdocs.structure.nav import Link, Section

    class Raises:
        @property
        def broken(self):
            raise AttributeError("inside a property")

    for undefined in (jinja2.Undefined, jinja2.StrictUndefined, jinja2.ChainableUndefined):
        env = jinja2.Environment(undefined=undefined)
        ours = attribute_lookup(env)
        objects = [Section("S", []), Link("L", "https://example.com"), {"a": 1, "items": 2}, ["x"], "text",
                   markupsafe.Markup("<b>"), None, 3, Raises(), dict, list[int], jinja2.Environment]
        for obj in objects:
            for name in ("a", "items", "title", "children", "is_index", "typeset", "meta", "upper", "broken",
                         "__class__", "0", "mro"):
                theirs, found = env.getattr(obj, name), ours(obj, name)
                if isinstance(theirs, jinja2.Undefined):
                    assert type(found) is type(theirs) and found._undefined_obj is obj, (obj, name)
                    assert found._undefined_name == name and found._undefined_hint == theirs._undefined_hint
                else:
                    assert found == theirs, (obj, name)


def test_the_templates_compile_to_the_same_code_without_jinjas_optimizer():
    """The build compiles its templates (Material's, the overrides', the API reference's, the changelogs' and
    the updates archive's) without Jinja's optimizer (``JINJA_OPTIMIZER``): it only folds constant expressions,
    and these templates compile to the same code without it, but for a negative number written in parentheses.
    Were a template to gain a constant the optimizer folds, it would be computed on every render: this fails."""
    from mkdocs.theme import Theme

    from generator.package_data import templates_dir
    from generator.render import archive
    from generator.render.changelog import page as changelog_page
    from generator.render.escaping import JINJA_OPTIMIZER
    from generator.render.reference import render
    from generator.stage import portal_pages

    assert JINJA_OPTIMIZER is False
    theme = Theme(name="material", custom_dir=str(templates_dir() / "overrides"))
    envs = {"theme": theme.get_env(), "reference": render._environment(), "archive": archive._templates(),
            "changelog": changelog_page._templates(), "portal": portal_pages._templates()}
    compiled: collections.Counter[str] = collections.Counter()
    for kind, env in envs.items():
        for name in env.list_templates(filter_func=lambda name: name.endswith((".html", ".j2"))):
            source = env.loader.get_source(env, name)[0]
            try:
                env.optimized = True
                optimized = env.compile(source, name, raw=True)
            except jinja2.TemplateError:  # one of Material's partials needs a filter a plugin adds (`date`)
                assert kind == "theme", name
                continue
            env.optimized = False
            assert re.sub(r"\((-\d+)\)", r"\1", env.compile(source, name, raw=True)) == optimized, name
            compiled[kind] += 1
    assert compiled["theme"] > 100 and all(compiled[kind] for kind in envs), compiled


#: Regexes of every shape :func:`required_text` reads, with what every match of each must contain.
GUARD_CASES = {
    r"a|b": {("a", False), ("b", False)},  # (re's parser makes this a class)
    r"x?y": {("y", False)},
    r"(?<=\$)x": {("x", False)},  # a lookbehind reads before the start: its `$` is not required
    r"(?<!\\)`": {("`", False)},
    r"(?=\$)": {("$", False)},
    r"(?i)www\.": {("www.", True)},
    r"(?i)w{3}\.": {("www.", True)},
    r"(?i)k": {("k", True)},  # looked for ignoring case, as the pattern does (it matches the Kelvin sign)
    r"(?i:ab)|cd": {("ab", True), ("cd", False)},
    r"(?i)(?-i:x)[a-z]": {("x", False)},
    r"(?:ht|f)tps?://": {("://", False)},
    r"(?P<q>['\"])x(?P=q)": {("x", False)},
    r"(a)?(?(1)b|c)": {("b", False), ("c", False)},
    r"a*": None, r"(?!x)y?": None, r".+": None, r"\d+": None, r"[^@]+": None, r"(?i)[a-c]": None,
}


def test_a_text_every_match_of_a_regex_needs_is_found_from_its_parse_tree():
    from generator.inline_guards import required_text

    for source, expected in GUARD_CASES.items():
        found = required_text(re.compile(source))
        assert (set(found) if found is not None else None) == expected, source


@functools.cache
def _guarded_regexes(staged_config: Path) -> list:
    from generator.inline_guards import GuardedPattern, required_text

    config = load_config(str(staged_config))
    md = markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
    regexes = [md.inlinePatterns[item.name].compiled_re for item in md.inlinePatterns._priority]
    regexes += [re.compile(source) for source in GUARD_CASES]
    return [(regex, GuardedPattern(regex, required_text(regex))) for regex in regexes if required_text(regex)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_inline_pattern_skips_only_texts_it_cannot_match(staged_config, data):
    """The regex itself is the oracle: from a random start, the guarded pattern finds exactly the regex's
    matches (none at once where the guard finds none of its texts), for every inline pattern of the staged
    config and the cases above. The texts mix what the patterns look for, in both cases, with letters that
    fold oddly ignoring case."""
    for regex, guarded in _guarded_regexes(staged_config):
        pieces = [text for required, _ in guarded.required
                  for text in (required, required.upper(), required.swapcase())]
        pieces += ["a@b.co", "https://x.io", "www.y.org", "`x`", "$x$", "[a](b)", "<b>", "K", "ſ", "İ"]
        text = data.draw(st.lists(st.sampled_from(pieces) | st.text(alphabet="`$\\@:/.wW[]!<>*_&^=~ \n\x02\x03aKkxyz0",
                                                                    max_size=3), max_size=12).map("".join))
        pos = data.draw(st.integers(min_value=0, max_value=len(text)))
        assert [m.span() for m in guarded.finditer(text, pos)] == [m.span() for m in regex.finditer(text, pos)]


#: What the guarded patterns look for, beside texts without it: code spans (and escaped backticks), math
#: (and `$x$y`, no math on GitHub), bare URLs, www. links, e-mail addresses, links and references.
GUARDED_TEXTS = """# Guarded

Plain text with nothing any guarded pattern looks for, over two lines
and a second line.

Code `x = 1` and ``a ` b`` and \\`not code\\` and \\\\`code after escaped backslashes`.

Math $a^2 + b^2$ and $x$y and \\$5 and $$
e = mc^2
$$

Links https://example.com/path, WWW.Example.com, www.example.org/x and ftp://files.example.com.

Mail someone@example.com, First.Last+tag@sub.example.co and not@mail and a@b.

[a link](https://example.com) and [ref][r] and ![image](x.png) and [^1].

[r]: https://example.com/r
[^1]: A footnote.
"""


def test_pages_rendered_with_guarded_inline_patterns_are_those_the_patterns_render_unguarded(staged_config):
    """Python-Markdown without the guards is the oracle, on the real pages of the corpus and on a page of
    what the guarded patterns match: the same HTML, page after page, on one instance each, with the staged
    config's extensions and with those of the API reference's descriptions; with the guards and the inline
    processor taking the patterns from a list, and with its patterns' regexes also searched before each trial."""
    from generator.inline_guards import (
        SearchFirst,
        guard_inline_patterns,
        list_inline_patterns,
        prepare_inline_patterns,
    )
    from generator.render.reference.render import DESCRIPTION_EXTENSIONS

    config = load_config(str(staged_config))
    texts = [GUARDED_TEXTS] + [path.read_text(encoding="utf-8") for path in sorted(CORPUS.rglob("*.md"))]
    assert len(texts) > 200
    for extensions, configs, pages, expected in (
            (config["markdown_extensions"], config["mdx_configs"], texts,
             {"backtick", "arithmatex-inline", "magic-link", "magic-mail", "link"}),
            (DESCRIPTION_EXTENSIONS, {}, texts[::4], {"magic-link", "magic-mail", "link"})):
        plain, guarded, prepared = (markdown.Markdown(extensions=extensions, extension_configs=configs)
                                    for _ in range(3))
        guards = guard_inline_patterns(guarded)
        list_inline_patterns(guarded)
        prepare_inline_patterns(prepared)
        processor = prepared.treeprocessors["inline"]
        search_first = processor._InlineProcessor__handleInline
        assert type(search_first) is SearchFirst
        listed = processor.inlinePatterns
        assert type(listed) is list  # the registry's patterns, in the order its indexes give them
        assert listed == [prepared.inlinePatterns[index] for index in range(len(prepared.inlinePatterns))]
        names = {item.name for item in prepared.inlinePatterns._priority
                 if hasattr(prepared.inlinePatterns[item.name].compiled_re, "guard")}
        assert expected <= names
        assert "em_strong" not in names  # re scans for its first character itself: a guard would only cost a call
        for text in pages:
            for md in (plain, guarded, prepared):
                md.reset()
            html = plain.convert(text)
            assert guarded.convert(text) == html
            assert prepared.convert(text) == html
        assert all(guard.skipped for guard in guards)  # each guard skipped texts it could not match
        # Most trials were saved: patterns find nothing in most texts.
        assert search_first.skipped > 20 * len(pages)


HIGHLIGHTED_TEXTS = '''# Code

```python
def f(x):
    return x + 1
```

``` { .python hl_lines="2" linenums="3" title="f.py" }
import os
print(os.sep)
```

```nosuchlanguage
not highlighted
```

```
no language
```

```json
{"a": [1, 2.5, true, null]}
```

```YAML
key: value
```

```console
$ devportal build --strict
```

Inline `#!python print("hi")`, `#!nosuchlanguage x`, `#!js let a = 1` and `plain`.

- A list with code:

    ```bash
    echo "in a list"
    ```
'''


def test_code_highlighted_with_the_builds_lexers_and_stylesheets_is_what_pymdownx_highlights_anew(
        staged_config, monkeypatch):
    """pymdownx.highlight without the cache is the oracle, on a page of code blocks and inline code (known,
    unknown and upper-case languages, line numbers, highlighted lines, titles) and on the real pages of the
    corpus: the same HTML, page after page, on one instance each. Pygments builds the stylesheet once for the
    build, and pymdownx.highlight has its own formatters and lexer lookup back after each render."""
    from pygments.formatters.html import HtmlFormatter
    from pygments.lexers import get_lexer_by_name
    from pygments.lexers.python import PythonLexer
    from pymdownx import highlight

    from generator.stage.highlight_cache import FORMATTERS, HighlightCache

    built = []
    create_stylesheet = HtmlFormatter._create_stylesheet
    monkeypatch.setattr(HtmlFormatter, "_create_stylesheet",
                        lambda formatter: built.append(formatter) or create_stylesheet(formatter))
    config = load_config(str(staged_config))
    plain, cached = (markdown.Markdown(extensions=config["markdown_extensions"],
                                       extension_configs=config["mdx_configs"]) for _ in range(2))
    cache = HighlightCache()
    texts = [HIGHLIGHTED_TEXTS] + [path.read_text(encoding="utf-8") for path in sorted(CORPUS.rglob("*.md"))]
    stylesheets = {"plain": 0, "cached": 0}  # how many times Pygments built one
    for text in texts:
        plain.reset()
        cached.reset()
        expected = plain.convert(text)
        stylesheets["plain"] += len(built)
        built.clear()
        with cache.active():
            assert cached.convert(text) == expected
        stylesheets["cached"] += len(built)
        built.clear()
        assert highlight.BlockHtmlFormatter is FORMATTERS["BlockHtmlFormatter"]
        assert highlight.get_lexer_by_name is get_lexer_by_name
    assert stylesheets["cached"] == 1 and stylesheets["plain"] > 100  # once for the build, not once a block
    assert cache.lexers["python"] is PythonLexer and cache.lexers["nosuchlanguage"] is None
    plain.reset()
    assert '<span class="hll">' in plain.convert(HIGHLIGHTED_TEXTS)  # the page highlights what it says it does


def test_navigation_titles_holding_the_section_mark_are_rendered_as_mkdocs_renders_them(tmp_path):
    """A source's titles reach the navigation's HTML as they are: one that holds the mark the section cache
    cuts its recorded HTML at (a NUL-delimited string) cannot move another page's item into it. A page's title
    stays inside that page's own item; a section's adds a cut, and that section is rendered as without the
    cache. Plain MkDocs is the oracle."""
    from generator.stage.nav_items import MARK

    pages = {f"docs/{folder}/{name}.md": f"# {folder} {name}\n\nText.\n" for folder in ("guides", "more")
             for name in ("one", "two", "three")}
    config = write_portal(tmp_path / "portal", [{"name": "guides", "repo": new_upstream(tmp_path, "guides", pages).url,
                                                 "pages": ["docs/**/*.md"]}], pages={"index.md": "# Portal\n"})
    assert main(["stage", "-f", str(config)]) == 0
    staged = config.parent / ".devportal" / "stage" / "mkdocs.yml"
    text = staged.read_text(encoding="utf-8")
    # every title of the staged navigation (sections and pages) with the mark in it
    start = text.index("\nnav:\n")
    end = re.compile(r"^[^\s-]", re.M).search(text, start + 6).start()  # the next top-level key
    nav = re.sub(r"^(\s*- )([^:\n]+):", lambda m: f'{m.group(1)}"{m.group(2)} \\0devportal-nav-page\\0":',
                 text[start:end], flags=re.M)
    marked = text[:start] + nav + text[end:]
    assert marked != text
    staged.write_text(marked, encoding="utf-8")

    plain = _build_logged(staged, tmp_path / "plain", None)
    items = NavItems()
    assert _build_logged(staged, tmp_path / "items", None, nav_items=items) == plain
    built = {p.relative_to(tmp_path / "plain"): p.read_bytes() for p in (tmp_path / "plain").rglob("*.html")}
    assert built == {p.relative_to(tmp_path / "items"): p.read_bytes() for p in (tmp_path / "items").rglob("*.html")}
    assert MARK.encode() in built[Path("guides/docs/more/two/index.html")]
    assert None in items.chains.values() and items.chains_reused == 0


@pytest.mark.parametrize("variant", ["portal", "everything in the header", "sticky tabs", "logo override",
                                     "marked site name"])
def test_translations_and_headers_rendered_once_are_the_pages_mkdocs_renders(tmp_path, variant):
    """Plain MkDocs, which imports Material's translations and renders its header, styles and config on every
    page, is the oracle: pages at several depths, titles from the navigation, from front matter and holding the
    header's mark, another language, and a header with every part Material can put in it. Sticky tabs (the
    header shows the page's tab), a project's logo showing the page's title, and a site name holding the mark
    keep no header; a project's icons.html showing the page's URL keeps no styles."""
    pages = {f"docs/{folder}/{name}.md": f"# {folder} {name}\n\nText.\n" for folder in ("start", "guides/deep")
             for name in ("index", "one", "two")}
    pages["docs/start/titled.md"] = '---\ntitle: "Front <matter> & title"\n---\n\n# Heading\n\nText.\n'
    guides = new_upstream(tmp_path, "guides", pages)
    config = write_portal(tmp_path / "portal", [{"name": "guides", "repo": guides.url, "pages": ["docs/**/*.md"]}],
                          pages={"index.md": "# Portal\n", "about.md": "# About\n", "more/deeper.md": "# Deeper\n"})
    project = yaml.safe_load(config.read_text(encoding="utf-8"))
    project["theme"]["features"] = ["navigation.indexes", "navigation.sections", "navigation.prune"]
    if variant == "everything in the header":
        project["theme"].update(language="de", palette=[
            {"scheme": "default", "toggle": {"icon": "material/brightness-7", "name": "Dark"}},
            {"scheme": "slate", "toggle": {"icon": "material/brightness-4", "name": "Light"}}])
        project["repo_url"] = "https://github.com/example/portal"
        project["extra"] = {"alternate": [{"name": "English", "link": "en/", "lang": "en"},
                                          {"name": "Deutsch", "link": "/de/", "lang": "de"}]}
    elif variant == "sticky tabs":
        project["theme"]["features"] += ["navigation.tabs", "navigation.tabs.sticky"]
    elif variant == "logo override":
        overrides = tmp_path / "overrides"
        shutil.copytree(REPO_ROOT / "templates" / "overrides", overrides)
        (overrides / "partials" / "logo.html").write_text("<span>{{ page.title }}</span>\n", encoding="utf-8")
        (overrides / "partials" / "icons.html").write_text("<!-- {{ page.url }} -->\n", encoding="utf-8")
        project["theme"]["custom_dir"] = str(overrides)
    elif variant == "marked site name":
        project["site_name"] = f"Portal {HEADER_MARK}"
    config.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    assert main(["stage", "-f", str(config)]) == 0
    staged = config.parent / ".devportal" / "stage" / "mkdocs.yml"
    text = staged.read_text(encoding="utf-8")
    staged.write_text(text.replace("- guides/deep one:", '- "guides/deep \\0devportal-header-title\\0 one":'),
                      encoding="utf-8")
    assert staged.read_text(encoding="utf-8") != text

    plain = _build_logged(staged, tmp_path / "plain", None)
    parts = ThemeParts()
    assert _build_logged(staged, tmp_path / "parts", None, theme_parts=parts) == plain
    built = {p.relative_to(tmp_path / "plain"): p.read_bytes() for p in (tmp_path / "plain").rglob("*")
             if p.is_file() and p.name != "sitemap.xml.gz"}
    assert built == {p.relative_to(tmp_path / "parts"): p.read_bytes() for p in (tmp_path / "parts").rglob("*")
                     if p.is_file() and p.name != "sitemap.xml.gz"}
    assert parts.changed == set(THEME_REWRITES)
    titled = built[Path("guides/docs/start/titled/index.html")].decode()
    topic = '<span class="md-ellipsis">\n            \n              Front &lt;matter&gt; &amp; title\n'
    assert 'data-md-component="header-topic">\n          ' + topic in titled  # the title as staging escaped it
    assert HEADER_MARK.encode() in built[Path("guides/docs/guides/deep/one/index.html")]
    assert parts.reused["config"] >= 5  # 11 pages at 6 depths
    if variant in ("portal", "everything in the header"):
        assert parts.reused["header"] >= 5
    else:
        assert parts.reused["header"] == 0
    assert (parts.reused["styles"] == 0) == (variant == "logo override")  # its icons.html shows the page's URL
