"""API versions: older versions of a source's API published beside the current one, each with its own
reference, a version switcher on every reference page and a banner on the older ones."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.config import validate_portal_config
from tests.helpers import (
    CHROMIUM,
    REPO_ROOT,
    copy_example,
    serve_folder,
    wait_for_answer,
    wait_for_landing,
    write_portal,
)


def _spec(version: str, *, extra_ops: str = "", sunset: str = "", deprecated: bool = False) -> str:
    """A small OpenAPI 3.0 spec: getOrder (with a deprecated parameter), then the paths in ``extra_ops``."""
    info = (f"  x-sunset: {sunset}\n" if sunset else "") + ("  x-deprecated: true\n" if deprecated else "")
    return f"""openapi: 3.0.3
info:
  title: Orders API
  version: "{version}"
{info}paths:
  /orders/{{id}}:
    get:
      operationId: getOrder
      tags: [Orders]
      summary: Get an order
      parameters:
        - {{name: id, in: path, required: true, schema: {{type: string}}}}
        - {{name: expand, in: query, deprecated: true, schema: {{type: string}}}}
      responses:
        "200": {{description: The order.}}
{extra_ops.lstrip(chr(10))}"""


CANCEL = """
  /orders/{id}/cancel:
    post:
      operationId: cancelOrder
      tags: [Orders]
      summary: Cancel an order
      deprecated: true
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: Cancelled.}
"""
REFUNDS = """
  /refunds:
    post:
      operationId: createRefund
      tags: [Refunds]
      summary: Refund an order
      responses:
        "201": {description: Refunded.}
"""


def _build(config: Path, *args: str) -> int:
    return main(["build", "-f", str(config), *args])


def _bar(site: Path, page: str) -> tuple[dict[str, str], dict, str]:
    """The version bar of a built page: version → link, the same-operation map, and the whole bar's HTML."""
    html = (site / page / "index.html").read_text(encoding="utf-8")
    bar = html[html.index('<div class="dp-versions"'):html.index('<div class="dp-fragment"')]
    links = dict((name, href) for href, name in re.findall(r'<a href="([^"]*)" data-version="([^"]+)"', bar))
    found = re.search(r'<script type="application/json" class="dp-versions__map">(.*?)</script>', bar)
    return links, json.loads(found.group(1)) if found else {}, bar


@pytest.fixture
def versioned_portal(tmp_path, make_upstream):
    """A source whose current spec (3.0) sits beside an old file (2.0), and whose tag v1 holds version 1."""
    upstream = make_upstream("orders", {"README.md": "# Orders\n", "openapi.yaml": _spec("1.0.0")})
    upstream.tag("v1")
    upstream.commit({"openapi.yaml": _spec("3.0.0", extra_ops=CANCEL + REFUNDS),
                     "old/openapi-2.yaml": _spec("2.0.0", extra_ops=CANCEL, sunset="2027-06-30")})
    config = write_portal(tmp_path / "portal", [{
        "name": "orders", "repo": upstream.url, "pages": ["README.md"], "specs": ["openapi.yaml"],
        "current_version": "3",
        "versions": [{"name": "1", "ref": "v1", "deprecated": True, "sunset": "2027-01-31"},
                     {"name": "2", "file": "old/openapi-2.yaml"}]}],
        pages={"index.md": "# Portal\n", "lifecycle.md": "# API lifecycle policy\n"})
    assert _build(config, "--strict") == 0
    return config, upstream


def test_version_settings_are_checked_with_the_line_of_each_problem():
    text = textwrap.dedent("""
        plugins:
          - devportal:
              sources:
                - name: orders
                  repo: acme/orders
                  current_version: "3"
                  versions:
                    - name: "1"
                      ref: v1
                      sunset: soon
                    - {name: "2", ref: v2, colour: red}
                    - {name: "3", file: b.yaml}
                    - {name: models, file: c.yaml}
                    - {name: "1", ref: v1, file: old.yaml}
        """)
    settings = yaml.safe_load(text)["plugins"][0]["devportal"]
    _, problems = validate_portal_config(settings, "mkdocs.yml", text)
    found = {(p.line, p.message) for p in problems}
    assert (11, "`sources[0].versions[0].sunset`: expected a date written YYYY-MM-DD, got `soon`") in found
    assert any(line == 12 and "unknown setting `sources[0].versions[1].colour`" in m for line, m in found)
    settings["sources"][0]["versions"][0]["sunset"] = "2027-01-31"
    settings["sources"][0]["versions"][1] = {"name": "2"}
    _, problems = validate_portal_config(settings, "mkdocs.yml", text)
    messages = {p.line: p.message for p in problems}
    assert "says neither where the old spec is (`file`" in messages[12]
    assert "is the source's `current_version`" in messages[13]
    assert "version name `models` is a page of the reference" in messages[14]
    assert "version `1` is listed twice (versions[0] and versions[4])" in messages[15]
    assert all(p.code == "config-version" for p in problems)


def test_each_version_has_its_own_reference_and_the_unversioned_url_stays_current(versioned_portal):
    config, _ = versioned_portal
    site = config.parent / "site"
    current = (site / "orders/api/openapi/index.html").read_text()
    assert "Orders API" in current and "3.0.0" in current
    for name, version in (("1", "1.0.0"), ("2", "2.0.0")):
        page = (site / f"orders/api/openapi/{name}/index.html").read_text()
        assert f"Orders API (version {name})" in page and version in page
        assert (site / f"orders/api/openapi/{name}/openapi.yaml").is_file()  # its own download
    assert (site / "orders/api/openapi/1/orders/index.html").is_file()
    assert not (site / "orders/api/openapi/1/refunds").exists()  # version 1 has no refunds
    # the old spec read at tag v1 is the one published there, not today's file
    assert yaml.safe_load((site / "orders/api/openapi/1/openapi.yaml").read_text())["info"]["version"] == "1.0.0"
    staged = (config.parent / ".devportal/stage/mkdocs.yml").read_text().replace("!!python/name:", "")
    nav = yaml.safe_load(staged)["nav"]
    assert "Older versions" in json.dumps(nav) and "Version 1 (deprecated)" in json.dumps(nav)


def test_the_switcher_goes_to_the_same_page_and_operation_in_each_version(versioned_portal):
    config, _ = versioned_portal
    site = config.parent / "site"
    links, targets, _ = _bar(site, "orders/api/openapi/orders")
    assert links == {"1": "../1/orders/", "2": "../2/orders/", "3": "./"}
    assert targets["operation/getOrder"] == {"1": "../1/orders/#operation/getOrder",
                                             "2": "../2/orders/#operation/getOrder"}
    assert targets["operation/cancelOrder"] == {"2": "../2/orders/#operation/cancelOrder"}  # not in version 1
    links, _, _ = _bar(site, "orders/api/openapi/refunds")
    assert links == {"1": "../1/", "2": "../2/", "3": "./"}  # no refunds before 3: that version's overview
    links, targets, _ = _bar(site, "orders/api/openapi/1/models")
    assert links == {"1": "./", "2": "../../2/models/", "3": "../../models/"}
    for relative in [href for href in links.values()]:
        assert (site / "orders/api/openapi/1/models" / relative.split("#")[0] / "index.html").resolve().is_file()


def test_older_versions_carry_a_banner_with_deprecation_sunset_and_the_lifecycle_policy(versioned_portal):
    config, _ = versioned_portal
    site = config.parent / "site"
    *_, bar = _bar(site, "orders/api/openapi/1/orders")
    text = re.sub(r"<[^>]+>", "", bar)
    assert "Deprecated version" in text and "You are reading version 1 of this API, which is deprecated." in text
    assert "It stops working on 2027-01-31." in text
    assert 'href="../../../../../lifecycle/">API lifecycle policy</a>' in bar
    assert 'The current version is <a href="../../">3</a>' in bar
    *_, bar = _bar(site, "orders/api/openapi/2/orders")  # the sunset from the spec's x-sunset
    assert "Older version" in bar and "It stops working on" in bar and "2027-06-30" in bar
    *_, bar = _bar(site, "orders/api/openapi/orders")
    assert "dp-version-banner" not in bar  # the current version has the switcher only


def test_deprecated_operations_and_parameters_are_marked_in_every_layout(versioned_portal):
    config, _ = versioned_portal
    site = config.parent / "site"
    flag = 'dp-flag--deprecated">deprecated</span>'
    tag = (site / "orders/api/openapi/orders/index.html").read_text()
    op_list = tag[tag.index('<ul class="dp-op-list">'):]
    op_list = op_list[:op_list.index("</ul>")]
    assert "Cancel an order</a> <span class=\"dp-flag " + flag in op_list  # the tag page's list
    assert 'dp-op dp-op--deprecated" id="operation/cancelOrder"' in tag
    assert '<code class="dp-prop">expand</code> <span class="dp-flag ' + flag in tag  # the parameter
    overview = (site / "orders/api/openapi/index.html").read_text()
    assert re.search(r"Cancel an order</a> <code>[^<]*</code> <span class=\"dp-flag " + re.escape(flag), overview)
    single = (site / "orders/api/openapi/all/index.html").read_text()
    assert 'dp-op--deprecated" id="operation/cancelOrder"' in single
    light = (config.parent / ".devportal/stage/docs/orders/api/openapi/orders.md").read_text()
    assert "<code>cancelOrder</code> (deprecated)</h2>" in light and "`expand` (deprecated)" in light


def test_old_versions_pages_weigh_less_in_search(versioned_portal):
    """Pagefind (the default search): an older version's pages carry a `search_weight` the search box multiplies
    their matches by. Material's lunr search (`search: lunr`): the pages' `search.boost`."""
    config, _ = versioned_portal
    site = config.parent / "site"
    old = (site / "orders/api/openapi/1/orders/index.html").read_text(encoding="utf-8")
    current = (site / "orders/api/openapi/orders/index.html").read_text(encoding="utf-8")
    assert 'data-pagefind-meta="search_weight:0.2"' in old and "search_weight" not in current
    assert (site / "pagefind" / "0" / "pagefind.js").is_file()
    lunr = yaml.safe_load(config.read_text())
    lunr["plugins"][1]["devportal"]["search"] = "lunr"
    config.write_text(yaml.safe_dump(lunr, sort_keys=False))
    assert _build(config) == 0
    index = json.loads((site / "search/search_index.json").read_text())
    boosts = {doc["location"].split("#")[0]: doc.get("boost") for doc in index["docs"]}
    assert boosts["orders/api/openapi/orders/"] == 3 and boosts["orders/api/openapi/1/orders/"] == 0.2
    assert "orders/api/openapi/1/all/" not in boosts


def test_git_ref_versions_are_locked_and_rebuilt_offline_from_the_cache(versioned_portal):
    config, upstream = versioned_portal
    lock = yaml.safe_load((config.parent / "devportal.lock").read_text())["sources"]
    tag_commit = subprocess.run(["git", "rev-parse", "v1^{commit}"], cwd=upstream.work, capture_output=True,
                                text=True, check=True).stdout.strip()
    assert lock["orders@v1"] == {"repo": upstream.url, "ref": "v1", "commit": tag_commit}
    upstream.bare.rename(upstream.bare.with_suffix(".gone"))
    assert _build(config, "--offline", "--strict") == 0  # the remote is gone: the cache and lock suffice
    assert "1.0.0" in (config.parent / "site/orders/api/openapi/1/index.html").read_text()


def test_a_version_ref_that_does_not_exist_is_an_error_naming_it(tmp_path, make_upstream, capsys):
    upstream = make_upstream("orders", {"README.md": "# Orders\n", "openapi.yaml": _spec("1.0.0")})
    config = write_portal(tmp_path / "portal", [{"name": "orders", "repo": upstream.url, "pages": ["README.md"],
                                                 "specs": ["openapi.yaml"], "versions": [{"name": "0", "ref": "v0"}]}])
    assert _build(config) == 1
    err = capsys.readouterr().err
    assert "the version ref `v0` does not exist" in err and "source-ref-missing" in err


def test_a_version_of_no_spec_and_a_missing_file_are_errors(tmp_path, make_upstream, capsys):
    upstream = make_upstream("orders", {"README.md": "# Orders\n", "a.yaml": _spec("1"), "b.yaml": _spec("1")})
    config = write_portal(tmp_path / "portal", [{"name": "orders", "repo": upstream.url, "pages": ["README.md"],
                                                 "specs": ["*.yaml"],
                                                 "versions": [{"name": "0", "file": "old.yaml"},
                                                              {"name": "1", "spec": "a.yaml", "file": "old.yaml"}]}])
    assert _build(config, "--strict") == 1
    err = capsys.readouterr().err
    assert "`versions[0]` names no `spec`, and the source has 2 specs" in err
    assert "orders/old.yaml" in err and "version-spec-missing" in err


def test_example_portal_shows_three_payments_versions_with_a_breaking_and_a_non_breaking_release(example_site):
    versions = REPO_ROOT / "content/sources/payments/openapi"
    for old, new, breaking in (("versions/payments-1.0.yaml", "versions/payments-1.1.yaml", 0),
                               ("versions/payments-1.1.yaml", "payments.yaml", 1)):
        result = subprocess.run([sys.executable, "-m", "generator.cli", "diff", str(versions / old),
                                 str(versions / new), "--format", "json"], capture_output=True, text=True,
                                cwd=REPO_ROOT, check=True)
        changes = json.loads(result.stdout)["changes"]
        # 1.0 -> 1.1 breaks nothing; 1.1 -> 2.0 breaks clients (and also adds a callback, which does not)
        assert changes and any(change["breaking"] for change in changes) == bool(breaking), changes
    links, _, bar = _bar(example_site, "payments/api/payments/1.0/payments")
    assert list(links) == ["1.0", "1.1", "2.0"] and "It stops working on" in bar
    integrity = subprocess.run([sys.executable, str(REPO_ROOT.parent / "shared/tools/site_integrity.py"),
                                str(example_site)], capture_output=True, text=True)
    if integrity.returncode == 2 and not (REPO_ROOT.parent / "shared").is_dir():
        pytest.skip("../shared is not beside the repo")
    assert "broken_links=0 broken_anchors=0 invalid_downloads=0" in integrity.stdout, integrity.stdout


@pytest.fixture(scope="module")
def example_in_browser(tmp_path_factory):
    playwright = pytest.importorskip("playwright.sync_api")
    config = copy_example(tmp_path_factory.mktemp("example-versions"))
    assert main(["build", "-f", str(config), "--strict"]) == 0
    with serve_folder(config.parent / "site") as base, playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield chromium, base
        finally:
            chromium.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_the_switcher_lands_on_the_same_operation_in_the_other_version(example_in_browser):
    chromium, base = example_in_browser
    page = chromium.new_page()
    page.goto(f"{base}/payments/api/payments/modifications/#operation/refundPayment")
    page.click('.dp-versions a[data-version="1.0"]')
    page.wait_for_url("**/payments/api/payments/1.0/modifications/#operation/refundPayment")
    box = wait_for_landing(page, '[id="operation/refundPayment"]', limit=300)
    assert box is not None and 0 <= box["y"] < 300  # scrolled to it
    assert "Deprecated version" in page.locator(".dp-version-banner").inner_text()
    # scrolled to an operation without a fragment in the address: the switcher still takes it along (clicked
    # by script, as a click by Playwright would scroll the bar back into view first)
    page.goto(f"{base}/payments/api/payments/payments/")
    page.evaluate("document.getElementById('operation/getPayment').scrollIntoView()")
    page.evaluate("document.querySelector('.dp-versions a[data-version=\"1.1\"]').click()")
    page.wait_for_url("**/payments/api/payments/1.1/payments/#operation/getPayment")
    # an operation the other version does not have: that version's page (then its overview) instead
    page.goto(f"{base}/payments/api/payments/payments/#operation/listPayments")
    page.click('.dp-versions a[data-version="1.0"]')
    page.wait_for_url("**/payments/api/payments/1.0/payments/")
    page.close()


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_search_finds_the_current_version_first(example_in_browser):
    chromium, base = example_in_browser
    page = chromium.new_page()
    page.goto(f"{base}/")
    box = page.locator("input.md-search__input")
    box.click()
    box.type("Refund a payment", delay=10)
    page.wait_for_function("() => document.querySelectorAll('.md-search-result__list a').length > 0")
    page.wait_for_timeout(400)
    results = page.eval_on_selector_all(".md-search-result__list a.md-search-result__link",
                                        "links => links.map(a => new URL(a.href).pathname)")
    api_results = [path for path in results if "/payments/api/payments/" in path]
    assert api_results[0] == "/payments/api/payments/modifications/", results
    page.close()


def test_a_version_can_be_another_file_at_a_git_ref(tmp_path, make_upstream):
    upstream = make_upstream("orders", {"README.md": "# Orders\n", "openapi.yaml": _spec("2.0.0"),
                                        "legacy/orders-v0.yaml": _spec("0.9.0")})
    upstream.tag("v0")
    upstream.commit({"openapi.yaml": _spec("3.0.0"), "legacy/orders-v0.yaml": _spec("0.0.0-edited-since")})
    config = write_portal(tmp_path / "portal", [{
        "name": "orders", "repo": upstream.url, "pages": ["README.md"], "specs": ["openapi.yaml"],
        "versions": [{"name": "0", "ref": "v0", "file": "legacy/orders-v0.yaml"}]}])
    assert _build(config, "--strict") == 0
    site = config.parent / "site"
    assert yaml.safe_load((site / "orders/api/openapi/0/openapi.yaml").read_text())["info"]["version"] == "0.9.0"
    links, _, _ = _bar(site, "orders/api/openapi/0/orders")
    assert links == {"0": "./", "3.0.0": "../../orders/"}  # the current version's label: its info.version


def test_a_version_ref_of_a_private_repo_is_fetched_with_the_token_and_never_shows_it(tmp_path, make_upstream,
                                                                                      serve_git, monkeypatch, capfd):
    token = "tok_" + secrets.token_hex(16)
    upstream = make_upstream("orders", {"README.md": "# Orders\n", "openapi.yaml": _spec("1.0.0")})
    upstream.tag("v1")
    upstream.commit({"openapi.yaml": _spec("2.0.0")})
    server = serve_git(token)
    config = write_portal(tmp_path / "portal", [{"name": "orders", "repo": server.url("orders"),
                                                 "pages": ["README.md"], "specs": ["openapi.yaml"],
                                                 "versions": [{"name": "1", "ref": "v1"}]}],
                          extra={"auth": {"127.0.0.1": "ORDERS_TOKEN"}})
    monkeypatch.setenv("ORDERS_TOKEN", token)
    assert _build(config, "--strict") == 0
    assert "1.0.0" in (config.parent / "site/orders/api/openapi/1/index.html").read_text()
    monkeypatch.setenv("ORDERS_TOKEN", "wrong-" + token)
    (config.parent / "devportal.lock").unlink()
    shutil.rmtree(config.parent / ".devportal/cache")
    assert _build(config) == 1
    out, err = capfd.readouterr()
    assert "source-auth" in err
    for text in [out, err, (config.parent / "devportal.lock").read_text() if (config.parent / "devportal.lock").exists()
                 else ""] + [path.read_text(errors="replace") for path in (config.parent / "site").rglob("*.*")
                             if path.suffix in (".html", ".json", ".yaml", ".xml")]:
        assert token not in text


def test_the_example_changelog_shows_a_breaking_and_a_non_breaking_release_from_the_versions(example_site):
    """The example's payments source is a local folder (no Git history): its changelog is built from its three
    versions; each change links to its operation in the reference of the version that has it."""
    page = (example_site / "payments/api/payments/changelog/index.html").read_text(encoding="utf-8")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "2 changes, 1 breaking, since 1.1" in text and "1 change, 0 breaking, since 1.0" in text, text[:2000]
    assert text.index("Version 2.0") < text.index("Version 1.1") < text.index("Version 1.0")  # newest first
    assert 'href="../payments/#operation/listPayments"' in page  # 2.0: the current reference
    assert 'href="../1.1/payments/#operation/listPayments"' in page  # 1.1: that version's reference
    for feed in ("changelog.xml", "changelog.atom.xml"):
        assert "2.0" in (example_site / "payments/api/payments" / feed).read_text(encoding="utf-8")
    archive = (example_site / "updates/index.html").read_text(encoding="utf-8")
    assert "Payments API 2.0: breaking changes" in archive


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")
def test_a_search_shows_the_current_version_of_an_operation_first(example_in_browser):
    """`listPayments` is in versions 1.1 and 2.0 of the example's Payments API: the current one comes first."""
    chromium, base = example_in_browser
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{base}/payments/", wait_until="load")
    box = page.locator("input.md-search__input")
    box.click()
    box.type("listPayments", delay=10)
    results = page.locator(".md-search-result__list a.md-search-result__link")
    results.first.wait_for(state="visible", timeout=20_000)
    wait_for_answer(page, "listPayments")  # the last keystroke's answer
    hrefs = [link.get_attribute("href") for link in results.all()]
    page.close()
    operations = [href for href in hrefs if href.endswith("#operation/listPayments")]
    assert len(operations) >= 2 and "/payments/api/payments/payments/" in operations[0], hrefs
    assert "/1.1/" in operations[1], hrefs
