"""The API changelog: built from the Git history of a spec (real repos made by the test), compared commit
by commit, grouped by tag, published as a page (real MkDocs build) with RSS and Atom feeds, announced in
the updates archive and on the API's section, and never compared twice."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
import yaml

from generator.cli import main
from generator.render.changelog import (
    ChangelogPage,
    Comparisons,
    build_changelog,
    folder_revision,
    history_revisions,
    write_changelog,
)
from tests.helpers import git, new_upstream, write_portal
from tests.oracles import site_integrity

ATOM = "{http://www.w3.org/2005/Atom}"

SPEC = """
openapi: 3.0.3
info: {{title: Shop API, version: "{version}"}}
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:{parameters}
      responses:
        "200":
          description: The orders
          content:
            application/json:
              schema: {{type: array, items: {{$ref: "schemas.yaml#/Order"}}}}{more}
"""
DELETE = """
  /orders/{id}:
    delete:
      operationId: deleteOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: Deleted}}"""
CREATE = """
    post:
      operationId: createOrder
      responses: {"201": {description: Created}}"""
LIMIT = """
        - {{name: limit, in: query, required: {required}, schema: {{type: integer}}}}"""
SCHEMAS = """
Order:
  type: object
  properties:
    id: {{type: string}}{note}
"""


def spec(version: str, *, limit: str | None = None, delete: bool = True, create: bool = False) -> str:
    parameters = LIMIT.format(required=limit) if limit else " []"
    return SPEC.format(version=version, parameters=parameters, more=(CREATE if create else "") +
                       (DELETE if delete else ""))


def make_shop(root: Path) -> dict:
    """A spec split across two files, through eight commits and two tags, and a portal using it:

    c1 first version · c2 optional ``limit`` (tag v1.0) · c3 DELETE removed (breaking) · c4 only the
    referenced schemas.yaml changes · c5 the spec is broken · c6 fixed, POST added (tag v2.0) · c7 the
    README only · c8 ``limit`` required (breaking, not released)."""
    upstream = new_upstream(root, "shop", {"openapi.yaml": spec("1"), "schemas.yaml": SCHEMAS.format(note=""),
                                           "README.md": "# Shop\n\nSell things.\n"})
    commits = {"c1": upstream.head}
    commits["c2"] = upstream.commit({"openapi.yaml": spec("1.1", limit="false")}, "Add a limit to the order list")
    upstream.tag("v1.0")
    commits["c3"] = upstream.commit({"openapi.yaml": spec("2", limit="false", delete=False)}, "No deleting")
    commits["c4"] = upstream.commit({"schemas.yaml": SCHEMAS.format(note="\n    note: {type: string}")},
                                    "Orders get a note")
    commits["c5"] = upstream.commit({"openapi.yaml": "openapi: 3.0.3\npaths: [unclosed\n"}, "Oops")
    commits["c6"] = upstream.commit({"openapi.yaml": spec("2", limit="false", delete=False, create=True)},
                                    "Create orders")
    upstream.tag("v2.0")
    commits["c7"] = upstream.commit({"README.md": "# Shop\n\nSell more things.\n"}, "Docs")
    commits["c8"] = upstream.commit({"openapi.yaml": spec("3", limit="true", delete=False, create=True)},
                                    "The order list needs a limit")
    config = write_portal(root / "portal", [{"name": "shop", "repo": upstream.url, "title": "Shop",
                                             "pages": ["README.md"], "specs": ["openapi.yaml"]}],
                          pages={"index.md": "# Portal\n\n<!-- devportal:api-overview -->\n",
                                 "updates/2026-01-05-hello.md": "---\ntitle: Hello\n---\n\nWelcome.\n"},
                          extra={"updates": {"dir": "content/portal/updates"}})
    return {"upstream": upstream, "commits": commits, "config": config, "site": config.parent / "site"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> dict:
    return make_shop(tmp_path_factory.mktemp("changelog"))


@pytest.fixture(scope="module")
def built(shop) -> dict:
    """The portal built once (tests reading it change nothing)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["build", "-f", str(shop["config"])])
    shop["output"] = err.getvalue()
    shop["code"] = code
    return shop


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def article(html: str) -> str:
    return html.split("<article", 1)[1].split("</article>", 1)[0]


def test_history_entries_grouped_by_tag_with_breaking_changes_first(built):
    assert built["code"] == 0, built["output"]
    html = article(page(built["site"], "shop/api/openapi/changelog"))
    short = {name: sha[:7] for name, sha in built["commits"].items()}
    releases = re.findall(r'<h2 id="([^"]+)"', html)
    assert releases == ["release-unreleased", "release-v2-0", "release-v1-0"]
    entries = re.findall(r'<h3 id="entry-([0-9a-f]{12})"', html)
    assert [sha[:7] for sha in entries] == [short[c] for c in ("c8", "c6", "c5", "c4", "c3", "c2", "c1")]
    assert short["c7"] not in html  # the README-only commit did not change the spec
    sections = {sha[:7]: text for sha, text in re.findall(r'<h3 id="entry-([0-9a-f]{12})".*?</h3>(.*?)(?=<h[23] |$)',
                                                          html, re.S)}
    assert "Breaking" in sections[short["c3"]] and "operation removed" in sections[short["c3"]]
    assert "Breaking" not in sections[short["c2"]] and "limit" in sections[short["c2"]]
    assert "note" in sections[short["c4"]]  # a change in a file the spec references counts
    assert "not valid YAML" in sections[short["c5"]]
    assert "The first version shown" in sections[short["c1"]]
    c8 = sections[short["c8"]]
    assert c8.index("Breaking") < c8.index("<li>") + 200
    for release in ("release-unreleased", "release-v2-0"):
        heading = re.search(rf'<h2 id="{release}">(.*?)</h2>', html, re.S).group(1)
        assert "devportal-breaking" in heading
    assert "devportal-breaking" not in re.search(r'<h2 id="release-v1-0">(.*?)</h2>', html, re.S).group(1)


def test_the_crawler_finds_every_link_and_anchor_of_the_site(built):
    """Every link of the changelog, the archive and the section resolves (the test portal has no footer
    pages: the theme's footer links to them are the only broken ones)."""
    _, output = site_integrity(built["site"])
    problems = [line for line in output.splitlines() if " -> " in line]
    assert problems and all(re.search(r" -> [./]*(lifecycle|status|help)/$", line) for line in problems), output
    assert "broken_anchors=0" in output


def test_changes_link_to_their_operation_in_the_reference(built):
    site = built["site"]
    html = article(page(site, "shop/api/openapi/changelog"))
    base = "https://portal.example.com/shop/api/openapi/changelog/"
    links = dict(re.findall(r'<a href="([^"]+)">((?:GET|POST|DELETE) /[^<]*)</a>', html))
    targets = {text: href for href, text in links.items()}
    assert "DELETE /orders/{id}" not in targets  # removed: no longer in the reference
    for operation, anchor in (("GET /orders", "operation/listOrders"), ("POST /orders", "operation/createOrder")):
        href = urljoin(base, targets[operation])
        path, _, fragment = href.removeprefix("https://portal.example.com/").partition("#")
        assert unquote(fragment) == anchor
        assert f'id="{anchor}"' in (site / unquote(path) / "index.html").read_text(encoding="utf-8")


def test_feeds_are_valid_rss_and_atom_and_advertised(built):
    site = built["site"]
    html = page(site, "shop/api/openapi/changelog")
    assert re.search(r'<link rel="alternate" type="application/rss\+xml"[^>]+href="[^"]*changelog\.xml"', html)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml"[^>]+href="[^"]*changelog\.atom\.xml"', html)
    rss = ET.parse(site / "shop/api/openapi/changelog.xml").getroot()
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    items = rss.findall("channel/item")
    assert len(items) == 7
    assert all(item.findtext("title") and item.findtext("link") and item.findtext("pubDate") for item in items)
    newest = items[0]
    assert "breaking" in newest.findtext("title") and built["commits"]["c8"][:12] in newest.findtext("link")
    atom = ET.parse(site / "shop/api/openapi/changelog.atom.xml").getroot()
    assert atom.tag == f"{ATOM}feed"
    entries = atom.findall(f"{ATOM}entry")
    assert len(entries) == 7
    assert all(e.findtext(f"{ATOM}id") and e.findtext(f"{ATOM}updated") and e.find(f"{ATOM}link") is not None
               for e in entries)


def test_breaking_releases_are_announced_in_the_archive_and_on_the_section(built):
    site = built["site"]
    archive = article(page(site, "updates"))
    assert "Breaking API changes" in archive
    lines = re.findall(r'<a href="([^"]+)">Shop API ([^<]+)</a>', archive)
    assert [label for _, label in lines] == ["unreleased changes: breaking changes", "v2.0: breaking changes"]
    assert lines[1][0].endswith("shop/api/openapi/changelog/#release-v2-0")
    section = article(page(site, "shop"))
    assert "Breaking changes" in section and "changelog/#release-v2-0" in section


def test_a_spec_broken_at_a_commit_is_reported_with_file_and_commit(built):
    assert f"shop/openapi.yaml at {built['commits']['c5'][:7]}" in built["output"]
    assert "changelog-spec-unreadable" in built["output"]


def test_a_rebuild_compares_nothing_again_and_a_new_commit_compares_once(tmp_path):
    built = make_shop(tmp_path)
    assert main(["build", "-f", str(built["config"])]) == 0
    cache = built["config"].parent / ".devportal" / "cache" / "changelog"
    before = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    comparisons = [name for name in before if "-" in name]
    assert len(comparisons) == 5  # c1→c2, c2→c3, c3→c4, c4→c6 (c5 cannot be read), c6→c8
    assert main(["build", "-f", str(built["config"])]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == before
    upstream = built["upstream"]
    upstream.commit({"openapi.yaml": spec("3.1", limit="true", delete=False, create=False)}, "No more creating")
    assert main(["build", "-f", str(built["config"])]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    new = set(after) - set(before)
    assert len([name for name in new if "-" in name]) == 1
    assert all(after[name] == stamp for name, stamp in before.items())
    html = article(page(built["site"], "shop/api/openapi/changelog"))
    assert upstream.head[:12] in html and "operation removed" in html
    # --offline contacts no remote (it is gone) and reads the cached history: the same changelog.
    upstream.bare.rename(upstream.bare.with_suffix(".away"))
    assert main(["build", "-f", str(built["config"]), "--offline"]) == 0
    assert article(page(built["site"], "shop/api/openapi/changelog")) == html


def test_the_comparisons_are_cached_by_content(tmp_path, shop):
    bare = shop["upstream"].bare
    head = git("rev-parse", "v2.0", cwd=bare)
    revisions = history_revisions(bare, head, "openapi.yaml", limit=50, scratch=tmp_path / "scratch",
                                  display="shop/openapi.yaml")
    first = Comparisons(tmp_path / "cache")
    changelog = build_changelog(revisions, first)
    assert first.computed == 4 and first.reused == 0
    again = Comparisons(tmp_path / "cache")
    assert build_changelog(revisions, again).entries == changelog.entries
    assert again.computed == 0 and again.reused == 4


def test_a_history_is_read_by_one_cat_file_process_of_each_kind(tmp_path, shop, git_argv_log):
    """Every commit's files of the listing are asked of the same two cat-file processes (ids, then contents), and
    the revisions are those of a listing whose reader is closed after each question."""
    bare = shop["upstream"].bare
    head = git("rev-parse", "v2.0", cwd=bare)
    revisions = history_revisions(bare, head, "openapi.yaml", limit=50, scratch=tmp_path / "scratch",
                                  display="shop/openapi.yaml")
    calls = [line for line in git_argv_log.read_text().splitlines() if " cat-file " in f" {line} "]
    assert sorted(line.split()[-1] for line in calls) == ["--batch", "--batch-check"], calls
    assert len(revisions) >= 5
    # Compared inside files_read_together, every revision's files come from one more process.
    from generator.render.changelog.history import files_read_together

    with files_read_together(revisions):
        changelog = build_changelog(revisions, Comparisons(None))
    calls = [line for line in git_argv_log.read_text().splitlines() if " cat-file " in f" {line} "]
    assert sorted(line.split()[-1] for line in calls) == ["--batch", "--batch", "--batch-check"], calls
    assert changelog.entries == build_changelog(revisions, Comparisons(None)).entries  # as when each reads alone
    # Opened alone, a revision's files come from a reader of its own: read, then ended.
    where = revisions[1].open()
    assert where.path.read_text().strip() == git("show", f"{revisions[1].commit}:openapi.yaml", cwd=bare)
    assert revisions[1].open.git._reader is None


def test_the_history_is_capped_by_the_limit(tmp_path, shop):
    bare = shop["upstream"].bare
    head = git("rev-parse", "v2.0", cwd=bare)
    revisions = history_revisions(bare, head, "openapi.yaml", limit=2, scratch=tmp_path, display="shop/openapi.yaml")
    shown = [r for r in revisions if not r.baseline]
    assert [r.commit for r in shown] == [shop["commits"]["c5"], shop["commits"]["c6"]]
    assert revisions[0].baseline and revisions[0].commit == shop["commits"]["c4"]


def test_versions_alone_make_a_changelog(tmp_path):
    """Versions given as files of a folder (no Git history): each version is its own release."""
    for name, text in {"v1/openapi.yaml": spec("1"), "v1/schemas.yaml": SCHEMAS.format(note=""),
                       "v2/openapi.yaml": spec("2", delete=False), "v2/schemas.yaml": SCHEMAS.format(note="")}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    revisions = [folder_revision(tmp_path, f"{label}/openapi.yaml", label=label, display=f"shop/{label}")
                 for label in ("v1", "v2")]
    changelog = build_changelog(revisions, Comparisons(None))
    assert [release.label for release in changelog.releases] == ["v2", "v1"]
    (change,) = changelog.releases[0].entries[0].changes
    assert change.breaking and change.operation == "DELETE /orders/{id}"
    docs = tmp_path / "docs"
    page = ChangelogPage(path="shop/api/openapi/changelog.md", title="Shop API", reference="shop/api/openapi/index.md",
                         from_history=False)
    (announced,) = write_changelog(changelog, page, docs, site_url="https://portal.example.com/", site_name="Portal")
    assert announced.label == "v2" and announced.anchor == "release-v2"
    markdown = (docs / page.path).read_text(encoding="utf-8")
    assert "## v2" in markdown and "### Version v2" in markdown and "The first version published." in markdown
    assert "Git history" not in markdown
    assert ET.parse(docs / "shop/api/openapi/changelog.xml").getroot().tag == "rss"


def _build(config: Path) -> str:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["build", "-f", str(config)])
    assert code == 0, err.getvalue()
    return err.getvalue()


def _staged(config: Path) -> dict[str, bytes]:
    docs = config.parent / ".devportal" / "stage" / "docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


def _problems(output: str) -> list[str]:
    return sorted(line for line in output.splitlines() if "changelog" in line)


def assert_as_cold(config: Path, output: str, target: Path) -> None:
    """The staged tree and the changelog problems of the last build are those of a cold build of the same
    project (empty cache, fresh clones)."""
    target.mkdir()
    shutil.copyfile(config, target / "mkdocs.yml")
    shutil.copytree(config.parent / "content", target / "content")
    cold = _build(target / "mkdocs.yml")
    assert "10 spec" not in cold and _problems(output) == _problems(cold)
    staged, expected = _staged(config), _staged(target / "mkdocs.yml")
    assert sorted(staged) == sorted(expected)
    assert [name for name in staged if staged[name] != expected[name]] == []


def _read(output: str) -> int:
    return int(re.search(r"(\d+) spec history\(ies\) read from Git", output).group(1))


@pytest.fixture
def rebuilt_shop(tmp_path, monkeypatch) -> dict:
    """The shop portal built once (its changelog kept in the cache)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    shop = make_shop(tmp_path / "shop")
    assert _read(_build(shop["config"])) == 1
    shop["changelog"] = (shop["config"].parent / ".devportal/stage/docs/shop/api/openapi/changelog.md").read_text()
    return shop


def test_a_commit_that_changes_no_file_of_the_spec_reads_no_history(rebuilt_shop, tmp_path):
    shop = rebuilt_shop
    shop["upstream"].commit({"README.md": "# Shop\n\nSell even more things.\n"}, "Docs again")
    output = _build(shop["config"])
    assert _read(output) == 0 and "stage: 1 page(s) converted" in output
    assert_as_cold(shop["config"], output, tmp_path / "cold")


def test_a_new_commit_of_a_file_the_spec_references_reads_the_history_again(rebuilt_shop, tmp_path):
    shop = rebuilt_shop
    head = shop["upstream"].commit({"schemas.yaml": SCHEMAS.format(note="\n    size: {type: integer}")}, "Size")
    output = _build(shop["config"])
    assert _read(output) == 1 and f"entry-{head[:12]}" in _staged(shop["config"])[
        "shop/api/openapi/changelog.md"].decode()
    assert_as_cold(shop["config"], output, tmp_path / "cold")


def test_a_moved_tag_reads_the_history_again(rebuilt_shop, tmp_path):
    """The tag moves, and a commit changing only the README makes the build fetch it."""
    shop, upstream = rebuilt_shop, rebuilt_shop["upstream"]
    git("tag", "-f", "-a", "v1.0", "-m", "Release", shop["commits"]["c3"], cwd=upstream.work)
    git("push", "-q", "--force", "origin", "v1.0", cwd=upstream.work)
    upstream.commit({"README.md": "# Shop\n\nSell even more things.\n"}, "Docs again")
    output = _build(shop["config"])
    assert _read(output) == 1
    assert _staged(shop["config"])["shop/api/openapi/changelog.md"].decode() != shop["changelog"]
    assert_as_cold(shop["config"], output, tmp_path / "cold")


def test_a_force_push_that_drops_commits_reads_the_history_again(rebuilt_shop, tmp_path):
    """c8 is dropped and a commit changing only the README put in its place: the commits on top of the last
    history's change none of its files, but they are not on top of it."""
    shop, upstream = rebuilt_shop, rebuilt_shop["upstream"]
    git("reset", "-q", "--hard", shop["commits"]["c7"], cwd=upstream.work)
    (upstream.work / "README.md").write_text("# Shop\n\nSell still more things.\n", encoding="utf-8")
    git("commit", "-q", "-am", "Docs again", cwd=upstream.work)
    git("push", "-q", "--force", "origin", "main", cwd=upstream.work)
    output = _build(shop["config"])
    assert _read(output) == 1
    assert shop["commits"]["c8"][:12] not in _staged(shop["config"])["shop/api/openapi/changelog.md"].decode()
    assert_as_cold(shop["config"], output, tmp_path / "cold")


def test_a_changed_history_limit_reads_the_history_again(rebuilt_shop, tmp_path):
    shop = rebuilt_shop
    settings = yaml.safe_load(shop["config"].read_text(encoding="utf-8"))
    settings["plugins"][1]["devportal"]["limits"] = {"spec_history": 3}
    shop["config"].write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    output = _build(shop["config"])
    assert _read(output) == 1 and "Only the newest 3" in _staged(shop["config"])[
        "shop/api/openapi/changelog.md"].decode()
    assert_as_cold(shop["config"], output, tmp_path / "cold")


def test_a_changed_version_entry_writes_the_changelog_again_and_a_damaged_cache_is_ignored(rebuilt_shop, tmp_path):
    shop = rebuilt_shop
    settings = yaml.safe_load(shop["config"].read_text(encoding="utf-8"))
    source = settings["plugins"][1]["devportal"]["sources"][0]
    source["versions"] = [{"name": "0.9", "ref": "v1.0"}]
    shop["config"].write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    output = _build(shop["config"])
    assert _read(output) == 0  # the history is the same; the changelog has a version more
    assert r"### Version 0\.9" in _staged(shop["config"])["shop/api/openapi/changelog.md"].decode()
    assert_as_cold(shop["config"], output, tmp_path / "cold")
    source["versions"] = [{"name": "1.0", "ref": "v1.0"}]
    shop["config"].write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    for slot in (shop["config"].parent / ".devportal" / "cache" / "changelogs").iterdir():
        slot.write_bytes(b"not a pickle")
    output = _build(shop["config"])
    assert _read(output) == 1 and r"### Version 1\.0" in _staged(shop["config"])[
        "shop/api/openapi/changelog.md"].decode()
    assert_as_cold(shop["config"], output, tmp_path / "cold2")


def test_the_slots_of_specs_no_longer_in_the_portal_are_deleted(rebuilt_shop):
    shop = rebuilt_shop
    slots = shop["config"].parent / ".devportal" / "cache" / "changelogs"
    (before,) = slots.iterdir()
    young, old = slots / f".{before.name}.99999", slots / f".{before.name}.99998"
    young.write_bytes(b"being written by another build")
    old.write_bytes(b"left by a build killed long ago")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    settings = yaml.safe_load(shop["config"].read_text(encoding="utf-8"))
    settings["plugins"][1]["devportal"]["sources"][0]["name"] = "store"  # the spec's slot is another one now
    shop["config"].write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    assert _read(_build(shop["config"])) == 1
    (after,) = sorted(path for path in slots.iterdir() if not path.name.startswith("."))
    assert after != before and not before.exists()
    assert young.exists() and not old.exists()


def test_the_comparisons_of_revisions_no_longer_in_a_changelog_are_deleted(rebuilt_shop, tmp_path):
    shop = rebuilt_shop
    comparisons = shop["config"].parent / ".devportal" / "cache" / "changelog"
    before = {path.name for path in comparisons.iterdir()}
    young, old = comparisons / ".a-b.json.99999", comparisons / ".a-b.json.99998"
    young.write_text("being written by another build", encoding="utf-8")
    old.write_text("left by a build killed long ago", encoding="utf-8")
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    settings = yaml.safe_load(shop["config"].read_text(encoding="utf-8"))
    settings["plugins"][1]["devportal"]["limits"] = {"spec_history": 3}  # the older commits leave the changelog
    shop["config"].write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    output = _build(shop["config"])
    assert_as_cold(shop["config"], output, tmp_path / "cold")
    kept = {path.name for path in comparisons.iterdir()}
    # what is left is what a cold build of the portal as it is now makes: the readings and comparisons of the
    # revisions its changelog shows; those of the commits no longer in it are gone
    cold = {path.name for path in (tmp_path / "cold" / ".devportal" / "cache" / "changelog").iterdir()}
    assert kept - {young.name} == cold and kept < before | {young.name}
    assert young.exists() and not old.exists()

