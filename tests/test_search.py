"""Search that scales: Pagefind's chunked index, loaded a piece at a time, finding operations on their own."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.stage import search_index
from generator.stage.search_index import (
    ASIDE,
    EXCLUDED,
    ROOT_SELECTOR,
    SKIPPED,
    UNUSED_FILES,
    BackgroundIndex,
    bundles_of,
    index_site,
    stale_bundles,
    without_skipped,
)
from tests.helpers import CHROMIUM, REPO_ROOT, copy_example, folder_bytes, serve_folder, wait_for_answer, write_portal


def _build_example(root: Path, **settings) -> Path:
    config = copy_example(root)
    data = yaml.safe_load(config.read_text().replace("!!python/name:", ""))
    data["plugins"][1]["devportal"].update(settings)
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    assert main(["build", "-f", str(config)]) == 0
    return config.parent / "site"


def _bundles(site: Path) -> list[Path]:
    """The folders of the site's search index, as its list names them."""
    manifest = json.loads((site / "pagefind" / "bundles.json").read_text())
    return [site / "pagefind" / bundle["path"] for bundle in manifest["bundles"]]


def test_pagefind_indexes_the_site_and_materials_unused_index_is_not_published(tmp_path):
    site = _build_example(tmp_path / "pagefind")
    assert [bundle.name for bundle in _bundles(site)] == ["0"]  # 71 pages: one bundle
    assert (site / "pagefind" / "0" / "pagefind.js").is_file()
    assert (site / "pagefind" / "0" / "pagefind-entry.json").is_file()
    assert not (site / "search" / "search_index.json").exists()
    assert "/404.html" not in _indexed_pages(site) and "/" in _indexed_pages(site)  # "not found" finds no page
    page = (site / "payments" / "api" / "payments" / "modifications" / "index.html").read_text()
    # The searchable headings do not double the operation's id (its anchor still lands on the operation).
    assert page.count('id="operation/refundPayment"') == 1 and 'id="dp-search-operation/refundPayment"' in page
    assert 'name="search"' not in page  # Material's script neither mounts its search nor downloads its index


def test_pagefind_indexes_reference_pages_read_without_their_fragment_as_it_indexes_the_whole_pages(tmp_path):
    """Pagefind reads a copy of each reference page without the fragment it ignores (40 % of its CPU at M); the
    oracle is Pagefind itself, run on the built site's whole pages with the same options."""
    from pagefind.service import get_executable

    config = copy_example(tmp_path / "portal")
    # A page whose own text writes the skip comments around words of its own: they are indexed, as Pagefind
    # indexes the page whole.
    (config.parent / "content" / "portal" / "skips.md").write_text(
        "# Skips\n\nThe ocelot line.\n\n<!--devportal:search-skip-->The margay line.<!--/devportal:search-skip-->\n")
    assert main(["build", "-f", str(config)]) == 0
    site = config.parent / "site"
    pages = [path.read_bytes() for path in site.rglob("*.html")]
    skipped = [page for page in pages if without_skipped(page) is not None]
    assert len(skipped) >= 5 and all(SKIPPED[0] in page and b'class="dp-fragment"' in page for page in skipped)
    # What Pagefind reads of a reference page: the fragment's element, empty (38 % of these pages' bytes gone).
    assert all(b'data-pagefind-ignore="all"></div>' in without_skipped(page) for page in skipped)
    assert sum(len(without_skipped(page)) for page in skipped) < sum(len(page) for page in skipped) * 0.75
    assert not list(site.rglob(f"*{ASIDE}"))  # every page was put back

    whole = tmp_path / "whole-pages-index"
    # every page but the theme's 404 page, which is no content
    pages = [f"{folder.name}/**/*.html" for folder in site.iterdir() if folder.is_dir() and folder.name != "pagefind"]
    pages += [page.name for page in site.glob("*.html") if page.name != "404.html"]
    argv = [str(get_executable()), "--site", str(site), "--glob", "{" + ",".join(sorted(pages)) + "}",
            "--output-path", str(whole), "--root-selector", ROOT_SELECTOR, "--silent"]
    for selector in EXCLUDED:
        argv += ["--exclude-selectors", selector]
    subprocess.run(argv, check=True, capture_output=True)
    oracle = folder_bytes(whole)
    # One bundle, every page of the site; without the files of Pagefind's own search interfaces (which
    # Pagefind writes, and the portal's search box never loads).
    assert set(UNUSED_FILES) <= set(oracle) and not set(UNUSED_FILES) & set(folder_bytes(site / "pagefind"))
    assert folder_bytes(site / "pagefind" / "0") == {name: data for name, data in oracle.items()
                                                     if name not in UNUSED_FILES}
    indexed = _indexed_pages(site)
    assert "refundPayment" in indexed["/payments/api/payments/modifications/"]
    assert "ocelot" in indexed["/skips/"] and "margay" in indexed["/skips/"]

    # A run killed while the pages were aside: the next indexing puts them back, and indexes them the same.
    built = folder_bytes(site)
    page = site / "payments" / "api" / "payments" / "modifications" / "index.html"
    killed = page.with_name(f".index.html{ASIDE}")
    os.rename(page, killed)
    page.write_bytes(without_skipped(killed.read_bytes()))
    assert not index_site(site, config_file=str(config))
    assert folder_bytes(site) == built


def _page(word: str) -> str:
    return (f'<html lang="en"><body><article class="md-content__inner"><h1>{word.capitalize()}</h1>'
            f"<p>The {word} page.</p></article></body></html>")


def test_each_folder_is_indexed_once_in_a_bundle_and_a_rebuild_indexes_only_a_bundle_it_removed(tmp_path,
                                                                                                  monkeypatch):
    """Pagefind runs once a bundle, on a glob of the bundle's folders: a folder named with the glob's own syntax
    is escaped, and a folder of redirect pages alone (nothing Pagefind indexes) is neither an error nor a
    bundle. A bundle already there with the same folders is kept as it is."""
    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 1)  # a bundle a folder
    site = tmp_path / "site"
    words = {"index.html": "home", "plain/index.html": "plain", "plain/deeper/index.html": "deeper",
             "odd {a,b} [c] (d)/index.html": "odd", "odd {a,b} [c] (d)/x*?/index.html": "odder",
             "plainer/index.html": "plainer"}
    for path, word in words.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(_page(word))
    (site / "zz-moved").mkdir()
    (site / "zz-moved" / "index.html").write_text('<html><head><meta http-equiv="refresh" content="0; url=../">'
                                                  "</head><body>Redirecting</body></html>")
    assert not index_site(site, config_file="mkdocs.yml")
    manifest = json.loads((site / "pagefind" / "bundles.json").read_text())["bundles"]
    assert [bundle["areas"] for bundle in manifest] == [[""], ["odd {a,b} [c] (d)"], ["plain"], ["plainer"]]
    assert not (site / "pagefind" / "4").exists()  # the redirect's folder: no bundle
    indexed = [json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))["content"]
               for path in (site / "pagefind").glob("*/fragment/*.pf_fragment")]
    assert sorted(text.split()[2] for text in indexed) == sorted(words.values()), indexed  # each page once

    files = {path: path.stat().st_ino for path in (site / "pagefind").rglob("*") if path.is_file()}
    assert not index_site(site, config_file="mkdocs.yml")  # nothing changed: every bundle kept
    assert {path: path.stat().st_ino for path in (site / "pagefind").rglob("*") if path.is_file()} == files
    assert stale_bundles(site, ["plain/deeper/index.html", "404.html", "sitemap.xml.gz"]) == ["pagefind/2"]
    assert stale_bundles(site, ["elsewhere/index.html"]) == ["pagefind"]  # a folder no bundle holds: all
    shutil.rmtree(site / "pagefind" / "2")  # what a rebuild of a page of plain/ leaves out
    (site / "plain" / "deeper" / "index.html").write_text(_page("deepest"))
    assert not index_site(site, config_file="mkdocs.yml")
    remade = {path for path in (site / "pagefind").rglob("*")
              if path.is_file() and files.get(path) != path.stat().st_ino}
    assert {path.relative_to(site / "pagefind").parts[0] for path in remade} == {"2", "bundles.json"}
    assert stale_bundles(tmp_path, ["plain/index.html"]) == ["pagefind"]  # a site without a list of bundles
    # A page written into the site after its bundle was made (MkDocs' own dirty build, `mkdocs serve --dirty`):
    # its bundle is made again although it is there.
    files = {path: path.stat().st_ino for path in (site / "pagefind").rglob("*") if path.is_file()}
    (site / "plainer" / "index.html").write_text(_page("plainest"))
    assert not index_site(site, config_file="mkdocs.yml")
    remade = {path for path in (site / "pagefind").rglob("*")
              if path.is_file() and files.get(path) != path.stat().st_ino}
    assert {path.relative_to(site / "pagefind").parts[0] for path in remade} == {"3", "bundles.json"}


def test_the_served_sites_index_is_made_again_in_the_background_for_the_bundles_of_pages_rebuilt(tmp_path,
                                                                                                monkeypatch):
    """Under `serve`, MkDocs rewrites a rebuilt page in the served site: the background run makes a new index
    from links to the live one's bundles, Pagefind making only the bundle of that page, and swaps it in."""
    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 1)
    site = tmp_path / "site"
    for folder in ("alpha", "beta", "gamma"):
        (site / folder).mkdir(parents=True)
        (site / folder / "index.html").write_text(_page(folder))
    assert not index_site(site, config_file="mkdocs.yml")
    files = {path.relative_to(site): path.stat().st_ino for path in (site / "pagefind").rglob("*") if path.is_file()}
    (site / "beta" / "index.html").write_text(_page("betamax"))
    logged, reported = [], []
    background = BackgroundIndex(config_file="mkdocs.yml", log=logged.append, report=reported.append)
    background.build_started()
    background.request(site)
    background.wait(120)
    assert logged == ["devportal: search index made again"] and not reported
    after = {path.relative_to(site): path.stat().st_ino for path in (site / "pagefind").rglob("*") if path.is_file()}
    assert {path.parts[1] for path in after if after[path] != files.get(path)} == {"1", "bundles.json"}
    indexed = [json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))["content"]
               for path in (site / "pagefind").glob("*/fragment/*.pf_fragment")]
    assert sorted(text.split()[2] for text in indexed) == ["alpha", "betamax", "gamma"]


def test_a_pagefind_failure_fails_the_build_once_with_its_reason_and_the_previous_site_stays(tmp_path, monkeypatch,
                                                                                             capsys):
    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 10)  # several bundles, each run failing alike
    site = _build_example(tmp_path / "portal")
    before = folder_bytes(site)
    failing = [sys.executable, "-c", "import sys; print('Error: the disk is full'); sys.exit(3)"]
    monkeypatch.setattr(search_index, "_pagefind_command", lambda: failing)
    faq = tmp_path / "portal" / "content" / "portal" / "faq.md"
    faq.write_text(faq.read_text() + "\nThe axolotl answer.\n")
    capsys.readouterr()
    assert main(["build", "-f", str(tmp_path / "portal" / "mkdocs.yml")]) == 1
    err = capsys.readouterr().err
    assert err.count("Pagefind could not index the site (exit 3): Error: the disk is full") == 1, err
    assert "[search-index]" in err and "pip install 'pagefind[bin]'" in err
    assert folder_bytes(site) == before  # the last good site, its index included


def test_a_site_is_split_in_bundles_of_whole_folders_the_same_for_the_same_pages():
    counts = {f"area-{number:02}": 20 + number for number in range(30)} | {"": 2}
    bundles = bundles_of(counts)
    assert len(bundles) == search_index.MAX_BUNDLES and bundles == bundles_of(dict(reversed(counts.items())))
    assert [area for bundle in bundles for area in bundle.areas] == sorted(counts)  # each folder once, in order
    sizes = [sum(counts[area] for area in bundle.areas) for bundle in bundles]
    assert max(sizes) < 2 * min(sizes), sizes
    assert len(bundles_of({"a": 50, "b": 60})) == 1 and bundles_of({}) == []


def test_lunr_keeps_materials_search(tmp_path):
    site = _build_example(tmp_path / "lunr", search="lunr")
    assert (site / "search" / "search_index.json").is_file() and not (site / "pagefind").exists()
    page = (site / "payments" / "api" / "payments" / "modifications" / "index.html").read_text()
    assert 'name="search"' in page and "dp-search-" not in page


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_a_search_downloads_only_index_chunks_and_its_result_opens_the_operation(tmp_path, monkeypatch):
    """Here the index is split in bundles of about ten pages: the search box merges them, and the operation's
    page (in another bundle than the first) comes first."""
    from playwright.sync_api import sync_playwright

    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 10)
    site = _build_example(tmp_path / "pagefind")
    bundles = json.loads((site / "pagefind" / "bundles.json").read_text())["bundles"]
    assert len(bundles) >= 4 and "payments" not in bundles[0]["areas"], bundles  # the operation's is merged
    index_bytes = sum(path.stat().st_size for path in (site / "pagefind").rglob("*") if path.is_file())
    with serve_folder(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        requests = []
        page.on("requestfinished", lambda request: requests.append(request))
        page.goto(f"{base}/login/docs/quick-start/", wait_until="load")
        box = page.locator("input.md-search__input")
        box.click()
        box.type("POST /payments/{reference}/refunds", delay=10)
        first = page.locator(".md-search-result__list a.md-search-result__link").first
        first.wait_for(state="visible", timeout=20_000)
        wait_for_answer(page, "POST /payments/{reference}/refunds")  # the last keystroke's answer
        assert first.get_attribute("href").endswith("/payments/api/payments/modifications/#operation/refundPayment")
        searched = [r for r in requests if "/pagefind/" in r.url or "/search/" in r.url]
        assert searched and not [r.url for r in searched if "search_index" in r.url]
        loaded = sum(r.sizes()["responseBodySize"] for r in searched)
        assert loaded < index_bytes / 2, (loaded, index_bytes)  # chunks and fragments, not the whole index
        first.click()
        page.wait_for_url("**/modifications/#operation/refundPayment")
        target = page.locator('[id="operation/refundPayment"]')
        assert target.is_visible() and target.bounding_box()["y"] < 900  # landed on the operation
        browser.close()


def _first_answers(site: Path, queries: list[str]) -> dict[str, list[str]]:
    """The first three links the search box of ``site`` answers each of ``queries`` with, in chromium."""
    from playwright.sync_api import sync_playwright

    answers = {}
    with serve_folder(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"{base}/", wait_until="load")
        for query in queries:
            page.fill("input.md-search__input", query)
            wait_for_answer(page, query)
            answers[query] = page.eval_on_selector_all(
                ".md-search-result__link",
                "links => links.slice(0, 3).map(a => new URL(a.href).pathname + new URL(a.href).hash)")
        browser.close()
    return answers


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_search_box_ranks_the_results_of_several_bundles_as_one_index_of_the_whole_site_does(tmp_path, monkeypatch):
    """Each bundle scores its pages with its own statistics (a word's rarity among its pages): merged, the
    results come in another order than from one index. The search box ranks them with the site's statistics
    (each bundle's pages listed in `bundles.json`). The oracle is Pagefind's own index of the whole site, as one
    bundle, through the same search box; the same site whose list does not name the pages (Pagefind's merged
    order) answers otherwise."""
    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 10)
    site = _build_example(tmp_path / "split")
    manifest = json.loads((site / "pagefind" / "bundles.json").read_text())
    assert len(manifest["bundles"]) >= 5
    for bundle in manifest["bundles"]:  # each bundle's pages, as the ids of Pagefind's results
        fragments = sorted(path.stem for path in (site / "pagefind" / bundle["path"] / "fragment").iterdir())
        assert fragments == sorted(f"{language}_{page}" for language, pages in bundle["pages"].items()
                                   for page in pages)
    one = tmp_path / "one" / "site"
    shutil.copytree(site, one)
    shutil.rmtree(one / "pagefind")
    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 10**6)
    assert not index_site(one, config_file="mkdocs.yml")
    assert len(_bundles(one)) == 1
    merged = tmp_path / "merged" / "site"
    shutil.copytree(site, merged)
    for bundle in manifest["bundles"]:
        del bundle["pages"]
    (merged / "pagefind" / "bundles.json").write_text(json.dumps(manifest))

    queries = ["payment", "signature", "login", "api key", "refund", "webhook", "capture", "currency"]
    expected = _first_answers(one, queries)
    assert _first_answers(site, queries) == expected
    unranked = _first_answers(merged, queries)
    assert [query for query in queries if unranked[query] != expected[query]], unranked


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_pagefind_is_ready_before_the_reader_opens_the_search_so_the_first_query_waits_for_the_index_only(tmp_path):
    from playwright.sync_api import sync_playwright

    site = _build_example(tmp_path / "pagefind")
    with serve_folder(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        fetched: list[str] = []
        page.on("requestfinished", lambda request: fetched.append(request.url.rsplit("/", 1)[-1].split("?")[0]))
        page.goto(f"{base}/payments/api/payments/", wait_until="load")
        # Nobody touched the search box: once the page is idle, the list of the index's bundles (which the search
        # box compares with later ones), Pagefind's script, worker, wasm, entry and metadata are in.
        for _ in range(200):
            if "pagefind-entry.json" in fetched and any(name.endswith(".pagefind") for name in fetched) \
                    and any(name.endswith(".pf_meta") for name in fetched):
                break
            page.wait_for_timeout(100)
        assert {"bundles.json", "pagefind.js", "pagefind-worker.js", "pagefind-entry.json"} <= set(fetched), fetched
        assert any(name.endswith(".pagefind") for name in fetched), fetched  # the wasm
        assert any(name.endswith(".pf_meta") for name in fetched), fetched
        assert not [name for name in fetched if name.endswith((".pf_index", ".pf_fragment"))]  # no query yet
        before = len(fetched)
        box = page.locator("input.md-search__input")
        box.click()
        box.type("refund", delay=10)
        first = page.locator(".md-search-result__list a.md-search-result__link").first
        first.wait_for(state="visible", timeout=20_000)
        # The query loaded only index chunks and page fragments, and asked whether the list of bundles changed (a
        # conditional request: a new build of the site replaces bundles): the bundle was not fetched again.
        after = fetched[before:]
        assert all(name.endswith((".pf_index", ".pf_fragment")) or name == "bundles.json" for name in after), after
        assert "bundles.json" in after
        assert any(name.endswith(".pf_fragment") for name in after), after
        browser.close()


#: Put into a page: every query the search box's results answer (``data-dp-answers``), in the order shown.
ANSWERS_SHOWN = """
document.addEventListener("DOMContentLoaded", () => {
  window.__dpAnswers = [];
  const list = document.querySelector(".md-search-result__list");
  new MutationObserver(() => window.__dpAnswers.push(list.dataset.dpAnswers))
    .observe(list, { attributes: true, attributeFilter: ["data-dp-answers"] });
});
"""


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_search_box_answers_as_one_types_and_never_shows_an_older_querys_results_after_a_newer_ones(tmp_path):
    """Each keystroke searches at once (no debounce: the benchmark's first search result shows what that saves),
    one search at a time: the keystrokes made during a search are answered by one search of the last of them.
    Whatever the timing, the answers shown are of ever longer prefixes of what was typed, and the last is of all
    of it; erasing the box answers the empty query."""
    from playwright.sync_api import sync_playwright

    site = _build_example(tmp_path / "pagefind")
    query = "refund payment"
    with serve_folder(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.add_init_script(ANSWERS_SHOWN)
        page.goto(f"{base}/payments/api/payments/", wait_until="load")
        box = page.locator("input.md-search__input")
        box.click()
        for delay in (0, 60):  # keystrokes faster than a search, then slower than one, faster than a debounce
            if delay:
                box.fill("")  # erased: the empty query's answer (no results)
                wait_for_answer(page, "")
                assert not page.eval_on_selector_all(".md-search-result__link", "links => links.length")
            page.evaluate("window.__dpAnswers = []")
            box.type(query, delay=delay)
            wait_for_answer(page, query)
            shown = page.evaluate("window.__dpAnswers")
            assert shown[-1] == query and all(query.startswith(answer) for answer in shown), shown
            assert [len(answer) for answer in shown] == sorted({len(answer) for answer in shown}), shown
            if delay:  # answered while typing: no keystroke waited for a pause in the typing to be searched
                assert len(shown) > 1, shown
            links = page.eval_on_selector_all(".md-search-result__link", "links => links.map(a => a.href)")
            assert links and any("refund" in link.lower() for link in links[:3]), links
        browser.close()


def test_a_search_front_matter_that_is_not_a_mapping_is_ignored_with_a_warning_not_a_crash(tmp_path, make_upstream,
                                                                                           capsys):
    upstream = make_upstream("cards", {"README.md": "---\nsearch: hide me\n---\n# Cards\n\nText.\n"})
    config = write_portal(tmp_path / "portal", [{"name": "cards", "repo": upstream.url, "pages": ["README.md"]}])
    assert main(["build", "-f", str(config)]) == 0
    err = capsys.readouterr().err
    assert "frontmatter-invalid" in err and "cards/README.md" in err and "2:1" in err, err
    assert (config.parent / "site" / "cards" / "index.html").is_file()


def _indexed_pages(site: Path) -> dict[str, str]:
    """Every page in Pagefind's index, by URL, with the text it indexed (a page without a fragment is never a
    result: the word index points at fragments)."""
    pages = {}
    for fragment in (site / "pagefind").glob("*/fragment/*.pf_fragment"):
        data = json.loads(gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd"))
        pages[data["url"]] = data["content"]
    return pages


KEPT_OUT = {
    "README.md": "# Cards API\n\nIssue virtual cards. See the [internal notes](docs/internal.md).\n",
    "docs/guide.md": "# Card guide\n\nA card has a quokka on it.\n",
    "docs/internal.md": "---\nsearch:\n  exclude: true\n---\n# Internal notes\n\nThe wombat rotation schedule.\n",
    "openapi/cards.yaml": """
        openapi: 3.0.3
        info: {title: Cards, version: 1.0.0}
        paths:
          /cards:
            post:
              operationId: createCard
              tags: [Cards]
              summary: Create a numbat card
              responses:
                "201": {description: Created}
        """,
}


@pytest.mark.parametrize("search", ["pagefind", "lunr"])
def test_a_page_whose_front_matter_excludes_it_from_search_is_not_found(tmp_path, make_upstream, search):
    upstream = make_upstream("cards", KEPT_OUT)
    source = {"name": "cards", "repo": upstream.url, "pages": ["README.md", "docs/*.md"], "specs": ["openapi/*.yaml"]}
    config = write_portal(tmp_path / "portal", [source], extra={"search": search})
    assert main(["build", "--strict", "-f", str(config)]) == 0
    site = config.parent / "site"
    published = (site / "cards" / "docs" / "internal" / "index.html").read_text()
    assert "The wombat rotation schedule." in published
    if search == "lunr":  # Material's own search leaves the page out, as before
        docs = json.loads((site / "search" / "search_index.json").read_text())["docs"]
        locations = {doc["location"].split("#")[0] for doc in docs}
        assert "cards/docs/guide/" in locations and "cards/docs/internal/" not in locations
        assert not any("wombat" in doc["text"] for doc in docs)
        return
    pages = _indexed_pages(site)
    assert "quokka" in pages["/cards/docs/guide/"] and any("numbat" in text for text in pages.values())
    assert "/cards/docs/internal/" not in pages and not any("wombat" in text for text in pages.values()), sorted(pages)
    assert "/cards/api/cards/all/" not in pages  # the reference's single page repeats its tag pages: kept out too
    assert "/cards/api/cards/cards/" in pages


def test_a_plain_mkdocs_build_of_the_staged_tree_makes_the_same_site_search_index_included(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # one build date for both builds
    site = _build_example(tmp_path / "portal")
    staged = tmp_path / "portal" / ".devportal" / "stage" / "mkdocs.yml"
    plain = tmp_path / "plain-site"
    # MkDocs' own command line, in a process of its own: nothing of devportal runs but the staged tree's hook.
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(staged), "-d", str(plain)],
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert result.returncode == 0, result.stderr
    pages = _indexed_pages(plain)
    assert "refundPayment" in pages["/payments/api/payments/modifications/"]  # an operationId of the API reference
    assert not (plain / "search" / "search_index.json").exists()  # no lunr index, as with devportal build
    assert folder_bytes(plain) == folder_bytes(site)


def test_after_one_page_changed_the_rebuilt_site_and_index_find_the_new_word_and_equal_a_cold_builds(tmp_path,
                                                                                                     monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    site = _build_example(tmp_path / "portal")
    before = folder_bytes(site / "pagefind")
    faq = tmp_path / "portal" / "content" / "portal" / "faq.md"
    faq.write_text(faq.read_text() + "\nThe axolotl answer.\n")
    config = tmp_path / "portal" / "mkdocs.yml"
    assert main(["build", "-f", str(config)]) == 0
    assert "axolotl" in _indexed_pages(site)["/faq/"]
    cold = tmp_path / "cold-site"
    assert main(["build", "-f", str(config), "-d", str(cold)]) == 0
    assert folder_bytes(site / "pagefind") == folder_bytes(cold / "pagefind") != before
    # the whole site too: the rebuild rendered with the templates compiled by the first build
    assert any((tmp_path / "portal" / ".devportal" / "cache" / "templates").iterdir())
    assert folder_bytes(site) == folder_bytes(cold)


def test_a_page_open_across_a_new_build_of_the_site_still_finds_what_the_new_index_holds(tmp_path):
    """A reader keeps a page open while the portal is published again (CI on merge, or a rebuild under `serve`):
    the index Pagefind read when the page opened is gone, replaced whole, so the parts its entry names no
    longer exist. The next query reads the new index instead of failing."""
    from playwright.sync_api import sync_playwright

    site = _build_example(tmp_path / "portal")
    with serve_folder(site.parent) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        failures: list[str] = []
        page.on("pageerror", lambda exc: failures.append(str(exc)))
        page.goto(f"{base}/site/faq/", wait_until="load")
        box = page.locator("input.md-search__input")
        box.click()
        box.type("refund", delay=10)
        wait_for_answer(page, "refund")
        faq = tmp_path / "portal" / "content" / "portal" / "faq.md"
        faq.write_text(faq.read_text() + "\nThe axolotl answer.\n")
        assert main(["build", "-f", str(tmp_path / "portal" / "mkdocs.yml")]) == 0  # swapped in whole
        box.fill("")
        box.type("axolotl", delay=10)
        wait_for_answer(page, "axolotl")
        links = page.eval_on_selector_all(".md-search-result__list a.md-search-result__link",
                                          "links => links.map(a => a.href)")
        assert links and links[0].split("#")[0].endswith("/site/faq/"), links  # the page, or its section
        assert failures == []
        browser.close()
