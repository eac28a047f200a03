"""The navigation grows linearly: each page carries its own area's entries, and one page lists every API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from mkdocs.utils.yaml import yaml_load

from generator.cli import main
from generator.stage.mkdocs_yml import write_mkdocs_yml
from tests.helpers import write_portal
from tests.oracles import site_integrity

FEATURES = ["navigation.indexes", "navigation.sections", "navigation.prune"]


def _guides(title: str) -> dict[str, str]:
    return {"README.md": f"# {title}\n\nStart with [the guide](docs/guide.md).\n",
            "docs/guide.md": f"# {title} guide\n\nHow to use it.\n",
            "docs/more/details.md": f"# {title} details\n\nEven more.\n"}


def _portal(root: Path, make_upstream, sources: list[tuple[str, str, str | None]], **api_nav) -> Path:
    entries = []
    for name, title, area in sources:
        upstream = make_upstream(name, _guides(title))
        entry = {"name": name, "repo": upstream.url, "title": title, "description": f"The {title}.",
                 "pages": ["README.md", "docs/**/*.md"]}
        if area:
            entry["area"] = area
        entries.append(entry)
    # The theme's footer links the lifecycle, status, help and updates pages: the portal has them.
    pages = {"index.md": "# Portal\n\n<!-- devportal:api-overview -->\n",
             **{f"{name}.md": f"# {name.capitalize()}\n" for name in ("lifecycle", "status", "help", "updates")}}
    config = write_portal(root, entries, pages=pages, extra={"api_nav": api_nav} if api_nav else None)
    data = yaml.safe_load(config.read_text())
    data["theme"]["features"] = FEATURES
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    return config


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="([^"#]+)', html))


def test_a_page_carries_its_own_area_not_the_other_areas_trees_and_an_index_lists_every_api(tmp_path, make_upstream):
    config = _portal(tmp_path / "portal", make_upstream, [
        ("cards", "Cards API", "Payments"), ("refunds", "Refunds API", "Payments"),
        ("login", "Login API", "Identity"), ("profile", "Profile API", "Identity")])
    assert main(["build", "-f", str(config)]) == 0
    site = config.parent / "site"
    cards = (site / "cards" / "docs" / "guide" / "index.html").read_text()
    # Its own tree, its area's other API (as one link), the other area (as one link): not Login's pages.
    assert "../more/details/" in _links(cards)
    assert "../../../refunds/" in _links(cards)
    assert "Identity" in cards and not [link for link in _links(cards) if "/login/docs/" in link]
    assert "Login guide" not in cards and "Profile API guide" not in cards
    index = (site / "apis" / "index.html").read_text()
    for name in ("cards", "refunds", "login", "profile"):
        assert f"../{name}/" in _links(index), name
    assert "Payments" in index and "Identity" in index
    code, output = site_integrity(site)  # every link of every page leads somewhere
    assert code == 0 and "broken_links=0" in output, output


def test_many_sources_without_an_area_are_split_alphabetically_and_pages_stay_the_same_size(tmp_path, make_upstream):
    titles = ["Accounts", "Billing", "Cards", "Disputes", "Exports", "Fees", "Gateways"]
    sizes = {}
    for count in (3, 7):
        config = _portal(tmp_path / f"portal-{count}", make_upstream,
                         [(t.lower() + f"-{count}", f"{t} API", None) for t in titles[:count]], area_size=3)
        assert main(["build", "-f", str(config)]) == 0
        staged = yaml.safe_load((config.parent / ".devportal" / "stage" / "mkdocs.yml").read_text()
                                .replace("!!python/name:", ""))
        apis = next(entry["APIs"] for entry in staged["nav"] if isinstance(entry, dict) and "APIs" in entry)
        page = (config.parent / "site" / f"accounts-{count}" / "docs" / "guide" / "index.html").read_text()
        sizes[count] = len(page.encode())
        if count == 3:  # they fit in one area: listed directly
            assert apis[0] == "apis/index.md" and [next(iter(e)) for e in apis[1:]] == \
                ["Accounts API", "Billing API", "Cards API"]
        else:  # 7 > 3: alphabetical areas of at most 3
            assert [next(iter(e)) for e in apis[1:]] == ["A–C", "D–F", "G"]
            # The other areas are one link each (to their first page): none of their sources' pages.
            assert not [link for link in _links(page) if re.search(r"(disputes|exports|fees|gateways)-7/.", link)]
            assert "D–F" in page and "G" in page
    # Four more sources add two area links and one level to a page (under 3 KB), not their trees.
    assert sizes[7] - sizes[3] < 3000, sizes


@pytest.mark.parametrize("api_nav, message", [({"url": "cards"}, "a source's name"),
                                              ({"url": "All APIs"}, "not URL-safe"),
                                              ({"area_size": 0}, "at least 1")])
def test_an_api_index_url_taken_by_a_source_or_a_bad_area_size_is_a_config_error(tmp_path, make_upstream, capsys,
                                                                                  api_nav, message):
    config = _portal(tmp_path / "portal", make_upstream, [("cards", "Cards API", None)], **api_nav)
    assert main(["build", "-f", str(config)]) != 0
    err = capsys.readouterr().err
    assert "config-api-nav" in err and message in err, err


def test_a_portal_page_of_its_own_at_the_index_url_introduces_the_apis(tmp_path, make_upstream):
    upstream = make_upstream("cards", _guides("Cards API"))
    config = write_portal(tmp_path / "portal", [{"name": "cards", "repo": upstream.url, "title": "Cards API"}],
                          pages={"index.md": "# Portal\n", "apis.md": "# Our APIs\n\nHand-written.\n"})
    assert main(["build", "-f", str(config)]) == 0
    staged = yaml.safe_load((config.parent / ".devportal" / "stage" / "mkdocs.yml").read_text()
                            .replace("!!python/name:", ""))
    apis = next(entry["APIs"] for entry in staged["nav"] if isinstance(entry, dict) and "APIs" in entry)
    assert apis[0] == "apis.md"
    assert "Hand-written." in (config.parent / "site" / "apis" / "index.html").read_text()


@settings(max_examples=300, deadline=None)
@given(title=st.text(max_size=40))
def test_a_nav_title_of_any_characters_reads_back_from_the_staged_config_as_it_was_written(tmp_path_factory, title):
    # A page's title (its heading or front matter, from any repo) goes into the staged mkdocs.yml's nav; MkDocs'
    # own loader must read the same text back. PyYAML's Python emitter wrote a NEL (U+0085) as it is, read
    # back as a line break.
    config = tmp_path_factory.mktemp("nav") / "mkdocs.yml"
    write_mkdocs_yml({"site_name": title, "nav": [{title: "page.md"}, {"Section": [{title: "other.md"}]}]}, config)
    with config.open("rb") as fd:
        assert yaml_load(fd) == {"site_name": title, "nav": [{title: "page.md"}, {"Section": [{title: "other.md"}]}]}
    assert config.read_text(encoding="utf-8").startswith("# Generated by devportal")
