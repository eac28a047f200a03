"""Rebuilds do only what changed, and give the site a cold build of the same input gives, byte for byte."""

from __future__ import annotations

import errno
import gzip
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.stage import search_index
from generator.timing import step_times
from tests.helpers import REPO_ROOT, write_portal

PAYMENTS = {
    "README.md": "# Payments API\n\nStart with the [guide](docs/guide.md).\n",
    "docs/guide.md": "---\ntitle: Payments guide\n---\n# Payments guide\n\n## Capture\n\nCapture a payment.\n",
    "docs/refunds.md": "# Refunds\n\nSee the [guide](guide.md#capture).\n",
    "openapi/payments.yaml": """
        openapi: 3.0.3
        info: {title: Payments, version: 1.0.0}
        paths:
          /payments:
            post:
              operationId: createPayment
              tags: [Payments]
              summary: Create a payment
              responses:
                "201": {description: Created}
        """,
}
LOGIN = {
    "README.md": "# Login API\n\nSign in.\n",
    "docs/sessions.md": "# Sessions\n\nA session lasts an hour.\n",
    "openapi/login.yaml": """
        openapi: 3.0.3
        info: {title: Login, version: 2.0.0}
        paths:
          /tokens:
            post:
              operationId: createToken
              tags: [Tokens]
              summary: Create a token
              responses:
                "201": {description: Created}
        """,
}


def _source(name: str, upstream) -> dict:
    return {"name": name, "repo": upstream.url, "pages": ["README.md", "docs/**/*.md"], "specs": ["openapi/*.yaml"],
            "web_url": f"https://github.com/acme/{name}-api", "title": f"{name.capitalize()} API"}


@pytest.fixture
def portal(tmp_path, make_upstream, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # one build date for the builds compared
    payments, login = make_upstream("payments", PAYMENTS), make_upstream("login", LOGIN)
    config = write_portal(tmp_path / "portal", [_source("payments", payments), _source("login", login)])
    return config, payments, login


def _build(config: Path, capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(["build", "-f", str(config), *args]) == 0
    return capsys.readouterr().err


def _files(site: Path) -> dict[str, tuple[int, int]]:
    """Every output file: (inode, mtime_ns)."""
    return {p.relative_to(site).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in site.rglob("*") if p.is_file()}


def _cold_site(config: Path, target: Path, capsys) -> Path:
    """The site a cold build of the same project makes (empty cache, fresh clones, no previous site)."""
    target.mkdir()
    shutil.copyfile(config, target / "mkdocs.yml")
    shutil.copytree(config.parent / "content", target / "content")
    assert "full build (no previous site)" in _build(target / "mkdocs.yml", capsys)
    return target / "site"


def assert_same_site(site: Path, cold: Path) -> None:
    names = sorted(_files(site))
    assert names == sorted(_files(cold))
    different = [name for name in names if (site / name).read_bytes() != (cold / name).read_bytes()]
    assert different == []


def _rewritten(before: dict, after: dict) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def test_a_rebuild_with_nothing_changed_reuses_the_site_without_touching_a_file(portal, capsys):
    config, _, _ = portal
    _build(config, capsys)
    site = config.parent / "site"
    before = _files(site)
    stage = config.parent / ".devportal" / "stage"
    staged = _files(stage)
    (stage / ".cache").mkdir()  # what Zensical keeps beside a staged tree it built is no staged output
    (stage / ".cache" / "entry").write_text("Zensical's", encoding="utf-8")
    output = _build(config, capsys)
    assert "stage: reused (nothing it reads changed since the last staging)" in output  # no page converted
    assert "site: reused (nothing changed)" in output
    assert _files(site) == before
    assert {name: value for name, value in _files(stage).items() if not name.startswith(".cache/")} == staged


def test_one_page_changed_renders_only_that_page_and_gives_the_cold_build_site(portal, capsys, tmp_path):
    config, payments, _ = portal
    _build(config, capsys)
    site = config.parent / "site"
    before = _files(site)
    references = config.parent / ".devportal" / "cache" / "references"
    entries = {p: p.stat().st_mtime_ns for p in references.glob("*/*")}
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take five days.\n"})
    output = _build(config, capsys)
    assert "stage: 1 page(s) converted" in output  # the others of the source too are taken from the page cache
    # the new commit is checked out in a new folder, but the payments spec did not change: not rendered again
    assert {p: p.stat().st_mtime_ns for p in references.glob("*/*")} == entries
    assert "site: dirty build (1 file(s) changed)" in output and "site: full build" not in output
    assert set(step_times(output)) == {"fetch", "stage", "site"}  # what each step of the rebuild cost
    assert "Refunds take five days." in (site / "payments" / "docs" / "refunds" / "index.html").read_text()
    rewritten = _rewritten(before, _files(site))  # the page, and the parts of the search index that hold it
    assert {name for name in rewritten if not name.startswith("pagefind/")} == {"payments/docs/refunds/index.html"}
    assert any(name.startswith("pagefind/0/fragment/") for name in rewritten)
    assert_same_site(site, _cold_site(config, tmp_path / "cold", capsys))


def test_one_page_changed_indexes_again_only_the_search_bundle_that_holds_it(portal, capsys, tmp_path,
                                                                              monkeypatch):
    """The search index is split by folder into bundles (here one a folder): a rebuild of one page runs
    Pagefind on that page's bundle only, keeps every file of the others, and the site equals a cold build's."""
    monkeypatch.setattr(search_index, "PAGES_PER_BUNDLE", 1)
    config, payments, _ = portal
    _build(config, capsys)
    site = config.parent / "site"
    manifest = json.loads((site / "pagefind" / "bundles.json").read_text())
    holder = {area: bundle["path"] for bundle in manifest["bundles"] for area in bundle["areas"]}
    assert len(manifest["bundles"]) >= 3 and holder["payments"] != holder["login"], manifest
    before = _files(site)
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take seven days.\n"})
    output = _build(config, capsys)
    assert "site: dirty build (1 file(s) changed)" in output
    rewritten = _rewritten(before, _files(site))
    changed = {name.split("/")[1] for name in rewritten if name.startswith("pagefind/") and name.count("/") > 1}
    assert changed == {holder["payments"].rstrip("/")}, sorted(rewritten)
    assert "pagefind/bundles.json" in rewritten  # it names the new entry of the payments bundle
    found = [json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
             for path in (site / "pagefind" / holder["payments"] / "fragment").iterdir()]
    assert any("seven days" in page["content"] for page in found)
    assert_same_site(site, _cold_site(config, tmp_path / "cold", capsys))

    # A change Pagefind does not see (a link's target): the bundle indexed again is the same, byte for byte, yet
    # its entry is newer than the page, so that the next build keeps the bundle instead of indexing it again.
    refunds = PAYMENTS["docs/refunds.md"] + "\nRefunds take seven days.\n"
    payments.commit({"docs/refunds.md": refunds.replace("guide.md#capture", "guide.md")})
    before = _files(site)
    output = _build(config, capsys)
    assert "site: dirty build (1 file(s) changed)" in output
    rewritten = _rewritten(before, _files(site))
    assert "payments/docs/refunds/index.html" in rewritten and "pagefind/bundles.json" not in rewritten
    page = site / "payments" / "docs" / "refunds" / "index.html"
    entry = site / "pagefind" / holder["payments"] / "pagefind-entry.json"
    assert entry.stat().st_mtime_ns >= page.stat().st_mtime_ns


def test_a_reference_cache_no_link_can_come_from_is_copied_into_the_staged_tree(portal, capsys, tmp_path,
                                                                               monkeypatch):
    # A cache on another file system (`cache_dir` elsewhere): no hard link can be made from it into the stage.
    config, payments, _ = portal
    _build(config, capsys)
    references = config.parent / ".devportal" / "cache" / "references"
    link, refused = os.link, []

    def link_within_one_file_system(source, target, *args, **kwargs):
        if Path(source).is_relative_to(references):
            refused.append(source)
            raise OSError(errno.EXDEV, "Invalid cross-device link", str(source))
        return link(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "link", link_within_one_file_system)
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take five days.\n"})
    output = _build(config, capsys)
    assert "stage: 1 page(s) converted" in output
    assert refused  # the reference was restored, its files copied
    monkeypatch.undo()
    docs = config.parent / ".devportal" / "stage" / "docs"
    cold = _cold_site(config, tmp_path / "cold", capsys).parent / ".devportal" / "stage" / "docs"
    assert sorted(_files(cold)) == sorted(_files(docs))
    assert [name for name in _files(docs) if (docs / name).read_bytes() != (cold / name).read_bytes()] == []


def test_a_rebuild_links_its_copy_of_the_site_over_the_site_the_last_build_replaced(portal, capsys, tmp_path):
    config, payments, _ = portal
    _build(config, capsys)
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take five days.\n"})
    _build(config, capsys)  # swaps in a second site: the first is kept in the cache, a tree of hard links
    site = config.parent / ".devportal" / "cache" / "sites"
    [kept] = site.glob("*.previous")
    site = config.parent / "site"
    folder = (kept / "login" / "docs" / "sessions").stat().st_ino
    # whatever the kept tree holds that is not the site's (a file changed, one left over) does not reach the site
    (kept / "login" / "index.html").unlink()
    (kept / "login" / "index.html").write_text("stale", encoding="utf-8")
    (kept / "left-over.html").write_text("stale", encoding="utf-8")
    before = _files(site)
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take six days.\n"})
    output = _build(config, capsys)
    assert "site: dirty build (1 file(s) changed)" in output
    assert (site / "login" / "docs" / "sessions").stat().st_ino == folder  # its folders were not made again
    rewritten = _rewritten(before, _files(site))
    assert {name for name in rewritten if not name.startswith("pagefind/")} == {"payments/docs/refunds/index.html"}
    assert_same_site(site, _cold_site(config, tmp_path / "cold", capsys))


def test_one_page_changed_restages_only_that_page_and_gives_the_cold_staged_tree(portal, capsys, tmp_path):
    config, payments, _ = portal
    _build(config, capsys)
    docs = config.parent / ".devportal" / "stage" / "docs"
    before = _files(docs)
    page_cache = config.parent / ".devportal" / "cache" / "pages"
    packs = _files(page_cache)
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take five days.\n"})
    _build(config, capsys)
    after = _files(docs)
    # the page cache wrote again the file of that page's source only
    assert len(packs) > 1 and len(_rewritten(packs, _files(page_cache))) == 1
    # every other staged page is the file the last staging wrote (linked, not written again); the one page is new
    assert _rewritten(before, after) == {"payments/docs/refunds.md"}
    assert "Refunds take five days." in (docs / "payments" / "docs" / "refunds.md").read_text(encoding="utf-8")
    # a page staged from a source shares its file with nothing; the API reference's files are hard links to
    # the reference cache's entry (restored for the price of a link each, never read)
    cached = {path.stat().st_ino for path in (config.parent / ".devportal" / "cache" / "references").rglob("*")
              if path.is_file()}
    assert all(os.stat(docs / name).st_nlink == 1 or os.stat(docs / name).st_ino in cached for name in after)
    assert {name for name in after if os.stat(docs / name).st_ino in cached} == \
        {name for name in after if "/api/" in name and not name.startswith("assets/")}
    cold = _cold_site(config, tmp_path / "cold", capsys).parent / ".devportal" / "stage" / "docs"
    assert sorted(_files(cold)) == sorted(after)
    assert [name for name in after if (docs / name).read_bytes() != (cold / name).read_bytes()] == []


def test_one_spec_changed_renders_only_that_api_reference_and_gives_the_cold_build_site(portal, capsys, tmp_path):
    config, _, login = portal
    # a second commit of the spec: its changelog exists from the first build (a changelog appearing is a new
    # page in the navigation, which a full build publishes)
    login.commit({"openapi/login.yaml": LOGIN["openapi/login.yaml"].replace("Create a token", "Create a new token")})
    _build(config, capsys)
    site = config.parent / "site"
    references = config.parent / ".devportal" / "cache" / "references"
    entries = {p: p.stat().st_mtime_ns for p in references.glob("*/*")}
    assert len(entries) == 2  # one kept rendering per API reference
    before = _files(site)
    login.commit({"openapi/login.yaml": LOGIN["openapi/login.yaml"].replace("Create a token", "Issue a token")})
    output = _build(config, capsys)
    assert "stage: reused" not in output
    assert "site: dirty build" in output and "site: full build" not in output
    after = {p: p.stat().st_mtime_ns for p in references.glob("*/*")}
    kept = entries.keys() & after.keys()
    assert len(kept) == 1 and all(entries[p] == after[p] for p in kept)  # the payments reference was not rendered
    rewritten = _rewritten(before, _files(site))
    assert rewritten and all(name.startswith(("login/api/", "pagefind/")) for name in rewritten), rewritten
    assert "Issue a token" in (site / "login" / "api" / "login" / "tokens" / "index.html").read_text()
    assert_same_site(site, _cold_site(config, tmp_path / "cold", capsys))


def test_a_strict_rebuild_of_one_changed_page_is_partial_and_succeeds(portal, capsys):
    config, payments, _ = portal
    _build(config, capsys, "--strict")
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take five days.\n"})
    output = _build(config, capsys, "--strict")  # MkDocs' notice about dirty builds is no warning here
    assert "site: dirty build (1 file(s) changed)" in output
    page = config.parent / "site" / "payments" / "docs" / "refunds" / "index.html"
    assert "Refunds take five days." in page.read_text()


def test_a_changed_title_rebuilds_every_page_and_keeps_unchanged_outputs_as_they_were(portal, capsys, tmp_path):
    config, payments, _ = portal
    _build(config, capsys)
    site = config.parent / "site"
    before = _files(site)
    payments.commit({"docs/guide.md": PAYMENTS["docs/guide.md"].replace("title: Payments guide", "title: Guide")})
    assert "site: full build" in _build(config, capsys)  # the navigation in mkdocs.yml changed
    rewritten = _rewritten(before, _files(site))
    assert "payments/docs/refunds/index.html" in rewritten  # its navigation shows the new title
    assert "login/index.html" in rewritten and "assets/javascripts/bundle.min.js" not in rewritten
    assert_same_site(site, _cold_site(config, tmp_path / "cold", capsys))


def test_a_site_changed_by_hand_is_built_again_in_full(portal, capsys):
    config, _, _ = portal
    _build(config, capsys)
    page = config.parent / "site" / "payments" / "index.html"
    good = page.read_bytes()
    page.write_text("defaced")
    assert "site: full build (the site was changed since the last build)" in _build(config, capsys)
    assert page.read_bytes() == good


def test_a_partial_build_killed_midway_leaves_the_last_site_as_it_was(portal, capsys, tmp_path):
    config, payments, _ = portal
    _build(config, capsys)
    site = config.parent / "site"
    before = {name: (site / name).read_bytes() for name in _files(site)}
    payments.commit({"docs/refunds.md": PAYMENTS["docs/refunds.md"] + "\nRefunds take five days.\n"})
    proc = subprocess.Popen([sys.executable, "-m", "generator.cli", "build", "-f", str(config)], cwd=config.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        # the hard-linked copy of the last site is being filled or rendered into
        if any(p.is_dir() and any(p.rglob("*.html")) for p in config.parent.glob(".site.building-*")):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    assert proc.wait(timeout=60) == -signal.SIGKILL, "the build finished before it could be killed"
    assert {name: (site / name).read_bytes() for name in _files(site)} == before
    output = _build(config, capsys)
    assert "site: dirty build (1 file(s) changed)" in output
    assert_same_site(site, _cold_site(config, tmp_path / "cold", capsys))


def _converted(output: str) -> int:
    line = next(line for line in output.splitlines() if line.startswith("stage: ") and "converted" in line)
    return int(line.split()[1])


def test_a_config_change_restages_and_converts_again_only_what_it_changes(portal, capsys, tmp_path):
    config, _, _ = portal
    first = _build(config, capsys)
    pages = _converted(first)
    config.write_text(config.read_text().replace("site_name: ", "site_name: The "), encoding="utf-8")
    output = _build(config, capsys)
    assert "stage: reused" not in output and "stage: 0 page(s) converted" in output  # no page reads the name
    assert "site: full build" in output
    assert_same_site(config.parent / "site", _cold_site(config, tmp_path / "cold", capsys))
    config.write_text(config.read_text().replace("- name: payments\n", "- name: payments\n      trusted: true\n"),
                      encoding="utf-8")
    output = _build(config, capsys)
    assert _converted(output) == pages  # a source's settings are read by every link to it
    assert_same_site(config.parent / "site", _cold_site(config, tmp_path / "cold2", capsys))


def test_a_changed_theme_template_or_devportal_restages(portal, capsys, tmp_path, monkeypatch):
    config, _, _ = portal
    theme = REPO_ROOT / "templates" / "overrides"
    overrides = config.parent / "overrides"
    shutil.copytree(theme, overrides)
    config.write_text(config.read_text().replace(str(theme), str(overrides)), encoding="utf-8")
    pages = _converted(_build(config, capsys))
    main_html = overrides / "main.html"
    main_html.write_text(main_html.read_text() + "{% block announce %}Maintenance{% endblock %}\n", encoding="utf-8")
    output = _build(config, capsys)
    assert "stage: reused" not in output and "site: full build" in output
    assert "Maintenance" in (config.parent / "site" / "payments" / "index.html").read_text()
    import generator.stage.page_cache as page_cache
    import generator.stage.stage_record as stage_record

    with monkeypatch.context() as patch:  # what an upgrade of devportal (or an edited checkout) looks like
        for module in (stage_record, page_cache):
            patch.setattr(module, "code_digest", lambda: "another version of devportal")
        assert _converted(_build(config, capsys)) == pages
    assert_same_site(config.parent / "site", _cold_site(config, tmp_path / "cold", capsys))


def test_a_damaged_cache_or_staged_tree_is_never_trusted(portal, capsys, tmp_path):
    config, payments, _ = portal
    pages = _converted(_build(config, capsys))
    cache = config.parent / ".devportal" / "cache" / "pages"
    packs = [pickle.loads(path.read_bytes())[1].entries for path in cache.iterdir()]
    assert 1 < len(packs) < pages and sum(map(len, packs)) == pages  # a file per source, an entry per page
    for entry in cache.iterdir():
        entry.write_bytes(b"not a cache entry")
    staged = config.parent / ".devportal" / "stage" / "docs" / "payments" / "docs" / "refunds.md"
    staged.write_text("edited by hand", encoding="utf-8")
    output = _build(config, capsys)
    assert "stage: reused" not in output and _converted(output) == pages
    assert "edited by hand" not in staged.read_text()
    assert_same_site(config.parent / "site", _cold_site(config, tmp_path / "cold", capsys))


def test_the_cache_keeps_nothing_of_apis_no_longer_in_the_portal(portal, capsys, tmp_path):
    config, _, _ = portal
    _build(config, capsys)
    templates = config.parent / ".devportal" / "cache" / "templates"
    compiled = len(list(templates.iterdir()))
    references = config.parent / ".devportal" / "cache" / "references"
    kept = {folder.name: {entry.name for entry in folder.iterdir()} for folder in references.iterdir()}
    assert len(kept) == 2  # payments and login
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    sources = next(p["devportal"] for p in settings["plugins"] if isinstance(p, dict) and "devportal" in p)["sources"]
    sources[:] = [source for source in sources if source["name"] != "login"]
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    stale = templates / "__jinja2_0123456789abcdef0123456789abcdef01234567.cache"
    stale.write_bytes(b"j2/")
    output = _build(config, capsys)
    assert "stage: reused" not in output
    left = {folder.name: {entry.name for entry in folder.iterdir()} for folder in references.iterdir()}
    assert len(left) == 1 and left.items() <= kept.items()  # the payments reference, as it was kept
    # the full build deleted the compiled templates it did not use (a reference page's fragment, compiled by an
    # older devportal): as many are left as a cold build of the portal compiles (the theme's; the fragments'
    # HTML is not compiled, see generator/stage/raw_fragments.py)
    assert "site: full build" in output and not stale.exists()
    cold = _cold_site(config, tmp_path / "cold", capsys).parent / ".devportal" / "cache" / "templates"
    assert len(list(templates.iterdir())) == len(list(cold.iterdir())) == compiled


def test_the_last_site_of_a_site_folder_no_build_used_for_a_week_is_deleted(portal, capsys, tmp_path):
    config, payments, _ = portal
    sites = config.parent / ".devportal" / "cache" / "sites"
    preview = tmp_path / "preview"
    _build(config, capsys, "-d", str(preview))
    payments.commit({"README.md": "# Payments API\n\nChanged.\n"}, "Edit the readme")
    _build(config, capsys, "-d", str(preview))  # the site it replaces is kept for the next build of the folder
    (record,) = sites.glob("*.json")
    kept = record.with_suffix(".previous")
    assert kept.is_dir()
    shutil.rmtree(preview)  # the preview's folder is gone: only the cache holds its last site
    _build(config, capsys)  # another site folder: the preview's record is young, and kept
    assert record.exists() and kept.is_dir()
    (own,) = set(sites.glob("*.json")) - {record}
    week_ago = time.time() - 8 * 24 * 3600
    for path in (record, kept, own):
        os.utime(path, (week_ago, week_ago))
    assert "site: reused" in _build(config, capsys)  # a reuse marks its own record used...
    assert not record.exists() and not kept.exists()  # ...and deletes those no build used for a week
    assert own.exists() and time.time() - own.stat().st_mtime < 3600
    # the preview's next build is a full one, and gives the site a cold build gives
    assert "site: full build" in _build(config, capsys, "-d", str(preview))
    assert_same_site(preview, _cold_site(config, tmp_path / "cold", capsys))


def test_a_first_staging_makes_each_folder_of_the_staged_tree_once(portal, capsys, monkeypatch):
    """With no staged tree yet, the work folder the staging wrote is renamed into place: each staged folder is
    made once (a folder per page and per API operation), not made again in the stage folder while the work
    folder's are deleted."""
    config, _, _ = portal
    made: list[Path] = []
    work: list[int] = []
    real_mkdir = os.mkdir

    def mkdir(path, *args, **kwargs):
        real_mkdir(path, *args, **kwargs)
        made.append(Path(path))
        if Path(path).name.startswith(".stage.staging-"):
            work.append(os.stat(path).st_ino)

    monkeypatch.setattr(os, "mkdir", mkdir)
    _build(config, capsys)
    stage = config.parent / ".devportal" / "stage"
    assert work == [stage.stat().st_ino]  # the work folder is the stage folder
    assert len([p for p in stage.rglob("*") if p.is_dir()]) > 20
    assert not [p for p in made if p.is_relative_to(stage)]  # none made there
