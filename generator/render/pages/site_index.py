"""Every page of the portal with its anchors, and the lookups links need.

Sources, the portal's own pages and generated pages (API reference, updates) all register here before
any page is converted, so a link anywhere can be resolved and checked against everything.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from generator.render.pages.headings import ATTRIBUTES, HEADING, github_slug, heading_text, headings_of


@dataclass
class SourcePages:
    """What the page converter needs to know about one source."""

    name: str  # URL prefix ("" for the portal's own pages, staged at the root)
    root: Path
    files: list[str]  # repo-relative posix paths of the pages to publish
    web_url: str | None = None
    github_repo: str | None = None  # "owner/repo"
    published_urls: list[str] = field(default_factory=list)
    trusted: bool = False
    file_web_url: str | None = None  # a repo file's web page is this + "/" + its path (".../blob/<commit>")
    file_verdicts: dict = field(default_factory=dict)  # repo path → FileVerdict: each linked file judged once
    refs: frozenset[str] = frozenset()  # the built version's names in the repo's URLs (branch, commit); empty: any

    @cached_property
    def docs_root(self) -> str:
        """The folder Docusaurus serves the docs from (``docs``, in a repo with a ``docusaurus.config``),
        else the repo root (``""``): root-relative links and front matter ``slug:`` are read from it."""
        configs = (f"docusaurus.config.{ext}" for ext in ("js", "ts", "mjs", "cjs"))
        return "docs" if any((self.root / name).is_file() for name in configs) and (self.root / "docs").is_dir() \
            else ""

    def web_page(self, repo_path: str, *, folder: bool = False) -> str | None:
        """The file (or folder) on the repo's web page at the built commit, when the source has one."""
        if not self.file_web_url:
            return None
        base = self.file_web_url
        if folder and "/blob/" in base:
            head, _, tail = base.rpartition("/blob/")
            base = f"{head}/tree/{tail}"
        return f"{base}/{quote(repo_path)}" if repo_path else base

    def same_version(self, ref: str) -> bool:
        """Whether a GitHub URL's ``ref`` names the version the portal builds (another branch does not)."""
        return not self.refs or ref in self.refs or (len(ref) >= 7 and any(r.startswith(ref) for r in self.refs))


@dataclass
class PageEntry:
    staged_path: str
    anchors: set[str] = field(default_factory=set)
    source: str | None = None
    repo_path: str | None = None
    title: str | None = None


HTML_ANCHOR = re.compile(r"<a\s[^>]*\b(?:name|id)=[\"'](?P<id>[^\"']+)[\"']", re.IGNORECASE)


def first_heading(lines: list[str], code: Iterable[bool]) -> str | None:
    """The text of the first ``# H1`` outside code (``code`` flags each line of a fenced block), the
    page's title when its front matter gives none."""
    for line, in_code in zip(lines, code, strict=True):
        heading = HEADING.match(line)
        if heading and not in_code and len(heading.group("hashes")) == 1:
            return heading_text(ATTRIBUTES.sub("", heading.group("text")))
    return None


def anchors_of(lines: list[str], code: list[bool], *, github: bool = False) -> tuple[list[str], dict[str, str]]:
    """Anchors of a page in order (``github``: the ids GitHub gives its headings, else ``toc``'s), and for
    ``toc``'s ids, GitHub-style slugs → the real anchor (to repair links written for GitHub)."""
    anchors: list[str] = [match.group("id") for line, is_code in zip(lines, code, strict=False)
                          if not is_code and "<" in line for match in HTML_ANCHOR.finditer(line)]
    repairs: dict[str, str] = {}
    for heading in headings_of(lines, code, github=github):
        anchors.append(heading.anchor)
        if not github and not heading.explicit:
            repairs.setdefault(github_slug(heading.text), heading.anchor)
    return anchors, repairs


class SiteIndex:
    """All pages by staged path, with lookups by source file, GitHub repo and published URL."""

    def __init__(self) -> None:
        self.pages: dict[str, PageEntry] = {}
        self.by_source_file: dict[tuple[str, str], str] = {}
        self.sources: dict[str, SourcePages] = {}
        self.github_slugs: dict[str, dict[str, str]] = {}
        self.api_pages: dict[str, str] = {}  # source → its first API reference page
        self.operations: dict[tuple[str, str], tuple[str, str]] = {}  # (source, operationId) → (page, anchor)
        self.api_reference_pages: dict[str, list[str]] = {}  # source → every page of its API references
        self.published_partials: set[tuple[str, str]] = set()  # partials also published as pages, reported once each
        self.routes: dict[tuple[str, str], str] = {}  # (source, route from the repo root) → page, by id/slug

    def add_source(self, source: SourcePages) -> None:
        self.sources[source.name] = source

    def add_page(self, staged_path: str, anchors: Iterable[str] = (), *, source: str | None = None,
                 repo_path: str | None = None, title: str | None = None) -> None:
        entry = self.pages.setdefault(staged_path, PageEntry(staged_path=staged_path))
        entry.anchors |= set(anchors)
        entry.source = source if source is not None else entry.source
        entry.title = title or entry.title
        if repo_path is not None and source is not None:
            entry.repo_path = repo_path
            self.by_source_file[(source, repo_path)] = staged_path

    def add_api_reference(self, source: str, first_page: str, operations: dict[str, tuple[str, str]],
                          pages: Iterable[str] = ()) -> None:
        """Register a source's API reference so Redoc-style links (``#operation/<id>``, ``#tag/<Tag>``) and
        links to its schemas (``#schema-<Name>``) resolve."""
        self.api_pages.setdefault(source, first_page)
        self.api_reference_pages.setdefault(source, []).extend(pages)
        for operation_id, where in operations.items():
            self.operations[(source, operation_id)] = where

    def api_page_with(self, source: str, anchor: str) -> str | None:
        """The page of ``source``'s API reference that has ``anchor`` (a tag's page for ``tag/<Tag>``)."""
        return next((page for page in self.api_reference_pages.get(source, ())
                     if anchor in self.pages[page].anchors), None)

    def page_for(self, source: str, repo_path: str) -> str | None:
        return self.by_source_file.get((source, repo_path))

    def source_for_github(self, owner_repo: str) -> str | None:
        wanted = owner_repo.lower().removesuffix(".git")
        for name, source in self.sources.items():
            if source.github_repo and source.github_repo.lower() == wanted:
                return name
        return None

    def published_prefixes(self) -> list[tuple[str, str]]:
        """(URL prefix, source name), longest first, so ``/docs/APIs/x/`` wins over ``/docs/``."""
        pairs = [(prefix.rstrip("/"), name) for name, source in self.sources.items()
                 for prefix in source.published_urls]
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    def add_routes(self, source: str, repo_path: str, staged_path: str, *, doc_id: str | None,
                   slug: str | None) -> None:
        """Register the routes Docusaurus gives a page through its front matter: ``id: new-name`` (the page is
        ``new-name`` in its folder) and ``slug:`` (``/start`` from the docs root, ``start`` from its folder)."""
        folder = posixpath.dirname(repo_path)
        if doc_id and "/" not in doc_id:
            self.routes[(source, posixpath.join(folder, doc_id))] = staged_path
        if slug:
            base = self.sources[source].docs_root if slug.startswith("/") else folder
            route = posixpath.normpath(posixpath.join(base, slug.strip("/")))
            if not route.startswith(".."):
                self.routes[(source, "" if route == "." else route)] = staged_path

    def find_route(self, source: str, route: str) -> str | None:
        """A Docusaurus route inside a source (``how-it-works/x``, from the repo root) → a staged page, as
        Docusaurus maps it: the file ``x.md``/``x.mdx``, the folder's index, or a front matter ``id``/``slug``."""
        route = route.strip("/")
        route = route.rsplit(".", 1)[0] if route.endswith((".md", ".mdx")) else route
        if source == "":  # the portal's own published URL: any staged page of the portal
            for candidate in ([f"{route}.md", f"{route}/index.md"] if route else ["index.md"]):
                if candidate in self.pages:
                    return candidate
        routed = self.routes.get((source, route))
        if routed:
            return routed
        prefix = f"{route}/" if route else ""
        for candidate in (f"{route}.md", f"{route}.mdx", f"{prefix}README.md", f"{prefix}index.md",
                          f"{prefix}index.mdx"):
            page = self.page_for(source, candidate.lstrip("/"))
            if page:
                return page
        return None
