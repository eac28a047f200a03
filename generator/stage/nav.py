"""The portal's navigation: its own pages first, then one section per API source.

A source's section lists its index page, its guides (folders become sub-sections, ordered by the
Docusaurus ``sidebar_position`` front matter where present, else by title; a folder's Docusaurus
``_category_`` file names and places its sub-section) and its API reference. A
source may order its section itself with a nav file in its repo (``.devportal-nav.yml`` by default):

.. code-block:: yaml

    - README.md                      # a page, titled by its heading
    - Quick start: docs/quick-start.md
    - Guides:                        # a sub-section
        - docs/api-guide/capture.md
        - docs/api-guide/refunds.md

Pages the nav file does not list are appended after the listed ones, so no page becomes unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

from generator.diagnostics import Diagnostic, error, warning
from generator.positions import Positions
from generator.stage.categories import Category
from generator.yaml12 import load_yaml, yaml_error

NavEntry = Any  # str | dict[str, str | list]


@dataclass
class NavPage:
    """A staged page as the navigation sees it."""

    staged_path: str  # relative to docs_dir, e.g. "payments/docs/quick-start.md"
    repo_path: str  # relative to the source root, e.g. "docs/quick-start.md"
    title: str | None = None
    position: float | None = None
    label: str | None = None


@dataclass
class _Folder:
    name: str
    index: NavPage | None = None
    pages: list[NavPage] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)
    category: Category | None = None  # from the folder's ``_category_`` file


def _sort_key(page: NavPage) -> tuple:
    position = page.position if page.position is not None else float("inf")
    return (position, (page.label or page.title or page.repo_path).lower())


def _entry(page: NavPage) -> NavEntry:
    label = page.label or page.title
    return {label: page.staged_path} if label else page.staged_path


def _folder_title(folder: _Folder) -> str:
    if folder.category and folder.category.label:
        return folder.category.label
    if folder.index and (folder.index.label or folder.index.title):
        return folder.index.label or folder.index.title
    return folder.name.replace("-", " ").replace("_", " ").capitalize()


def _folder_entries(folder: _Folder) -> list[NavEntry]:
    entries: list[tuple[tuple, NavEntry]] = []
    for page in folder.pages:
        entries.append((_sort_key(page), _entry(page)))
    for sub in folder.folders.values():
        children = _folder_entries(sub)
        if sub.index:
            children.insert(0, sub.index.staged_path)
        key = _sort_key(sub.index) if sub.index else (float("inf"), sub.name.lower())
        if sub.category and sub.category.position is not None:
            key = (sub.category.position, *key[1:])
        entries.append((key, {_folder_title(sub): children}))
    entries.sort(key=lambda item: item[0])
    return [entry for _, entry in entries]


def default_source_nav(pages: list[NavPage], categories: dict[str, Category] | None = None) -> list[NavEntry]:
    """Index first, then pages and folders ordered by ``sidebar_position`` (a folder's ``_category_``
    ``position``) and title; ``categories`` are keyed by repo-relative folder."""
    root = _Folder("")
    for page in pages:
        parts = PurePosixPath(page.repo_path).parts
        folder = root
        for depth, part in enumerate(parts[:-1], start=1):
            folder = folder.folders.setdefault(part, _Folder(part, category=(categories or {}).get(
                "/".join(parts[:depth]))))
        if PurePosixPath(page.staged_path).name == "index.md" and _is_index_of(page, folder, parts):
            folder.index = page
        else:
            folder.pages.append(page)
    docs = root.folders.get("docs")
    if docs is not None and docs.index is None:
        # `docs/` is where the pages live, not a topic: its pages and folders join the section's top level.
        del root.folders["docs"]
        root.pages += docs.pages
        root.folders.update({name: folder for name, folder in docs.folders.items() if name not in root.folders})
    entries = _folder_entries(root)
    if root.index:
        entries.insert(0, root.index.staged_path)
    return entries


def _is_index_of(page: NavPage, folder: _Folder, parts: tuple[str, ...]) -> bool:
    return folder.index is None and PurePosixPath(page.repo_path).name.lower() in ("readme.md", "index.md")


def nav_from_file(text: str, pages: list[NavPage], file: str,
                  categories: dict[str, Category] | None = None) -> tuple[list[NavEntry], list[Diagnostic]]:
    """Apply a source's nav file; unknown paths are reported, unlisted pages appended."""
    problems: list[Diagnostic] = []
    try:
        data = load_yaml(text)
    except yaml.YAMLError as exc:
        return default_source_nav(pages), [yaml_error(file, exc, subject="nav file", code="nav-yaml",
                                                      hint="the nav file is a YAML list of paths")]
    if not isinstance(data, list):
        return default_source_nav(pages), [error(file, "nav file must be a YAML list", code="nav-invalid",
                                                 line=1, hint="e.g. `- README.md` then `- Guide: docs/guide.md`")]
    by_repo = {page.repo_path: page for page in pages}
    used: set[str] = set()
    positions = Positions(text)

    def convert(items: list, path: tuple = ()) -> list[NavEntry]:
        result: list[NavEntry] = []
        for index, item in enumerate(items):
            where = positions.where(*path, index)
            if isinstance(item, str):
                title, target = None, item
            elif isinstance(item, dict) and len(item) == 1:
                title, target = next(iter(item.items()))
                if isinstance(target, list):
                    result.append({str(title): convert(target, (*path, index, title))})
                    continue
            else:
                problems.append(error(file, f"nav entry {item!r} is neither a path nor `Title: path`",
                                      code="nav-invalid", hint="write `- path.md` or `- Title: path.md`", **where))
                continue
            page = by_repo.get(str(target).lstrip("./"))
            if page is None:
                problems.append(error(file, f"nav entry `{target}` is not a published page of this source",
                                      code="nav-missing-page", **where,
                                      hint="use a repo-relative path matched by the source's `pages` globs"))
                continue
            used.add(page.repo_path)
            result.append({str(title): page.staged_path} if title else _entry(page))
        return result

    entries = convert(data)
    rest = [page for page in pages if page.repo_path not in used]
    if rest:
        problems.append(warning(file, f"{len(rest)} page(s) not listed in the nav file were appended: "
                                      + ", ".join(sorted(p.repo_path for p in rest)[:5]),
                                code="nav-unlisted", hint="list them in the nav file to place them"))
        entries.extend(default_source_nav(rest, categories))
    return entries, problems


@dataclass
class ApiArea:
    """A group of sources in the navigation's APIs section; ``title`` None: listed directly under it."""

    title: str | None
    sources: list[int]  # indexes into the list of sources, in the order shown


def _alphabetical_areas(titles: list[str], members: list[int], area_size: int) -> list[ApiArea]:
    """Sources without an area, in alphabetical chunks of at most ``area_size``, titled by their letters."""
    ordered = sorted(members, key=lambda i: titles[i].casefold())
    count = -(-len(ordered) // area_size)
    step = -(-len(ordered) // count)
    chunks = [ordered[start:start + step] for start in range(0, len(ordered), step)]

    def label(chunk: list[int], words: bool) -> str:
        first, last = (titles[chunk[0]], titles[chunk[-1]])
        if words:
            first, last = first.split()[0] if first.split() else first, last.split()[0] if last.split() else last
        else:
            first, last = first[:1].upper(), last[:1].upper()
        return first if first == last else f"{first}–{last}"

    labels = [label(chunk, words=False) for chunk in chunks]
    if len(set(labels)) < len(labels):  # letters shared by two chunks: their first words tell them apart
        labels = [label(chunk, words=True) for chunk in chunks]
    return [ApiArea(title, chunk) for title, chunk in zip(labels, chunks, strict=True)]


def api_areas(titles: list[str], areas: list[str | None], *, area_size: int) -> list[ApiArea]:
    """Group the sources (their titles and configured ``area``) into the navigation's areas.

    Configured areas come first, in the order they first appear, each with its sources in config order. The
    sources without an area follow: listed directly when no area is configured and they are at most
    ``area_size``, else in an "Other APIs" area, or in alphabetical areas of at most ``area_size`` when more.
    Each page carries its own area's entries only, so the pages stay the same size as sources are added.
    """
    named: dict[str, list[int]] = {}
    rest: list[int] = []
    for index, area in enumerate(areas):
        if area:
            named.setdefault(area, []).append(index)
        else:
            rest.append(index)
    result = [ApiArea(title, members) for title, members in named.items()]
    if not rest:
        return result
    if len(rest) <= area_size:
        return result + [ApiArea("Other APIs" if named else None, rest)]
    return result + _alphabetical_areas(titles, rest, area_size)


def api_section_nav(title: str, index_page: str, areas: list[ApiArea],
                    source_navs: list[tuple[str, list[NavEntry]]]) -> list[NavEntry]:
    """The navigation's section of all APIs: the index page of every API, then each area's sources."""
    children: list[NavEntry] = [index_page]
    for area in areas:
        entries = [{source_navs[i][0]: source_navs[i][1]} for i in area.sources]
        if area.title is None:
            children += entries
        else:
            children.append({area.title: entries})
    return [{title: children}]
