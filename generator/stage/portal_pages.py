"""The portal's own pages (``content/portal``) and the generated parts they carry.

The home page's ``<!-- devportal:api-overview -->`` marker becomes a table built from the sources, and
``<!-- devportal:latest-updates -->`` the three latest technical updates; each API section's index page
gets the updates tagged with that API.
"""

from __future__ import annotations

import shutil
from datetime import date
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from markupsafe import Markup

from generator.config import ProjectConfig
from generator.diagnostics import Diagnostics, error
from generator.package_data import templates_dir
from generator.render.archive import Update, UpdatesOutput, render_latest
from generator.render.archive import plan_updates as plan_archive
from generator.render.changelog import BreakingRelease, render_breaking
from generator.render.escaping import template_environment
from generator.render.pages import ConvertedPage, SiteIndex, SourcePages, plan_source
from generator.render.staged_page import write_page
from generator.repo_files import GlobLimitError, is_markdown, walk_glob
from generator.sources import CheckedOutSource
from generator.stage.nav import ApiArea
from generator.stage.staged import StagedSource, page_source_meta
from generator.urls import relative_link

PORTAL = "portal"
API_OVERVIEW_MARKER = "<!-- devportal:api-overview -->"
LATEST_UPDATES_MARKER = "<!-- devportal:latest-updates -->"
TEMPLATES = templates_dir() / "portal"


@lru_cache(maxsize=1)  # one environment a run: each would compile its templates again
def _templates() -> jinja2.Environment:
    return template_environment(TEMPLATES, output="markdown")


def content_dir(project: ProjectConfig) -> Path:
    return project.resolve(project.portal.content_dir)


def plan(project: ProjectConfig, index: SiteIndex, problems: Diagnostics) -> list:
    """Plan the portal's own Markdown pages (staged at the root of the docs tree)."""
    root = content_dir(project)
    if not root.is_dir():
        problems.add(error(str(project.path), f"`content_dir` {project.portal.content_dir} is not a folder",
                           code="config-content-dir", hint="create it or point `content_dir` at the portal's pages"))
        return []
    updates_dir = _updates_dir(project)
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md")
                   if p.is_file() and not (updates_dir and p.resolve().is_relative_to(updates_dir)))
    published = [url for url in (project.portal.published_url, project.raw.get("site_url")) if url]
    pages = SourcePages(name="", root=root, files=files, web_url=None, github_repo=None, published_urls=published,
                        trusted=True)
    return plan_source(pages, index, problems=problems)


def _updates_dir(project: ProjectConfig) -> Path | None:
    cfg = project.portal.updates
    return project.resolve(cfg.dir) if cfg.enabled and not cfg.source else None


def portal_page_meta(project: ProjectConfig, repo_path: str) -> dict[str, str]:
    """Edit and issue links of a page of the portal's own repo (``repo_url`` + ``edit_uri``)."""
    repo_url = (project.raw.get("repo_url") or "").rstrip("/")
    if "github.com" not in repo_url:
        return {}
    edit_uri = str(project.raw.get("edit_uri") or "edit/main/").strip("/")
    content_rel = PurePosixPath(project.portal.content_dir).as_posix().strip("/")
    return {"edit_url": f"{repo_url}/{edit_uri}/{content_rel}/{repo_path}", "issue_url": f"{repo_url}/issues/new",
            "source_file": f"{content_rel}/{repo_path}"}


def updates_meta(project: ProjectConfig, checkouts: list[CheckedOutSource], updates: list[Update]) -> dict:
    """Edit and issue links of each update, in the repo it comes from."""
    source = next((c for c in checkouts if c.config.name == project.portal.updates.source), None)
    return {u.staged_path: page_source_meta(source, u.plan.repo_path) if source else
            portal_page_meta(project, u.plan.repo_path) for u in updates}


def plan_updates(project: ProjectConfig, checkouts: list[CheckedOutSource], index: SiteIndex, problems: Diagnostics,
                 *, today: date) -> list[Update] | None:
    """Plan the technical updates: files in ``updates.dir`` (inside the portal's content) or in a source."""
    cfg = project.portal.updates
    if not cfg.enabled:
        return None
    api_names = {s.name for s in project.portal.sources}
    if cfg.source:
        source = index.sources.get(cfg.source)
        if source is None:
            return None
        root, prefix = source.root, ""
    else:
        folder = _updates_dir(project)
        root = content_dir(project)
        if folder is None or not folder.is_dir():
            return [] if folder is None else None
        if not folder.is_relative_to(root.resolve()):
            problems.add(error(str(project.path), f"`updates.dir` {cfg.dir} must be inside `content_dir` "
                               f"{project.portal.content_dir}", code="config-updates-dir",
                               hint="move the updates folder into the portal's content folder"))
            return None
        source = index.sources.get("")
        prefix = folder.relative_to(root.resolve()).as_posix() + "/"
        root = folder
    limits = project.portal.limits.content_limits()
    try:
        matched = walk_glob(root, [cfg.glob], max_walked=limits.walked_files)[cfg.glob]
    except GlobLimitError as exc:
        problems.add(error(str(project.path), f"`updates.glob`: {exc}; no update is published",
                           code="source-too-many-files", pointer="updates.glob", source=cfg.source,
                           hint="narrow `updates.glob`, or raise `limits: {walked_files: ...}`"))
        matched = set()
    inside = root.resolve()
    files = sorted(prefix + rel for rel in matched
                   if is_markdown(rel) and PurePosixPath(rel).name.lower() not in ("readme.md", "index.md")
                   and (root / rel).resolve().is_relative_to(inside))
    updates, found = plan_archive(source, files, index, url=cfg.url, api_names=api_names, today=today,
                                  limits=limits)
    problems.extend(found)
    return updates


def first_path(nav: Any) -> str | None:
    """The first page path in a MkDocs nav structure."""
    if isinstance(nav, str):
        return nav
    if isinstance(nav, dict):
        for value in nav.values():
            found = first_path(value)
            if found:
                return found
    if isinstance(nav, list):
        for item in nav:
            found = first_path(item)
            if found:
                return found
    return None


def api_overview(staged_sources: list[StagedSource], from_page: str) -> str:
    """The home page's table of APIs: title, description, reference links and versions."""
    apis = []
    for staged in staged_sources:
        index_page = first_path(staged.nav) or f"{staged.config.name}/index.md"
        references = [{"title": ref.title, "version": ref.version,
                       "link": relative_link(from_page, first_path(ref.nav))}
                      for ref in staged.references if first_path(ref.nav)]
        apis.append({"title": staged.title, "description": staged.config.description or "",
                     "link": relative_link(from_page, index_page), "references": references})
    return _templates().get_template("api-overview.md.j2").render(apis=apis)


def write_api_index(project: ProjectConfig, staged_sources: list[StagedSource], areas: list[ApiArea],
                    docs_dir: Path) -> str:
    """Write the index page of every API (``api_nav.url``), one table per area; returns its staged path.
    A page of the portal's own at that URL is kept instead (the portal then introduces its APIs itself)."""
    url = project.portal.api_nav.url
    for own in (f"{url}/index.md", f"{url}.md"):
        if (docs_dir / own).is_file():
            return own
    staged_path = f"{url}/index.md"
    tables = [{"title": area.title,
               "table": Markup(api_overview([staged_sources[i] for i in area.sources], staged_path))}
              for area in areas]
    markdown = _templates().get_template("api-index.md.j2").render(title=project.portal.api_nav.title, areas=tables)
    write_page(docs_dir / staged_path, {"title": project.portal.api_nav.title}, markdown)
    return staged_path


def write(project: ProjectConfig, pages: list[ConvertedPage], staged_sources: list[StagedSource],
          updates: UpdatesOutput | None, docs_dir: Path,
          breaking: dict[str, list[BreakingRelease]] | None = None) -> None:
    """Write the portal pages with their markers filled, copy their files, and add per-API updates and
    releases with a breaking change (``breaking``, by source name) to each API's section."""
    root = content_dir(project)
    for page in pages:
        write_page(docs_dir / page.staged_path, *page_content(project, page, staged_sources, updates))
    updates_dir = _updates_dir(project)
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".md" and not path.is_symlink():
            target = docs_dir / path.relative_to(root)
            if updates_dir and path.resolve().is_relative_to(updates_dir):
                target = docs_dir / project.portal.updates.url / path.relative_to(updates_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    _add_breaking(staged_sources, breaking or {}, docs_dir)
    if updates is None:
        return
    template = _templates().get_template("api-updates.md.j2")
    for staged in staged_sources:
        items = updates.by_api.get(staged.config.name) or []
        index_page = first_path(staged.nav)
        if not items or not index_page or not (docs_dir / index_page).is_file():
            continue
        target = docs_dir / index_page
        text = target.read_text(encoding="utf-8")
        target.write_text(text + template.render(updates=Markup(render_latest(items, from_page=index_page))),
                          encoding="utf-8")


def page_content(project: ProjectConfig, page: ConvertedPage, staged_sources: list[StagedSource],
                 updates: UpdatesOutput | None) -> tuple[dict[str, Any], str]:
    """The front matter and Markdown a portal page is staged with: its markers filled, its edit links added."""
    markdown = page.markdown
    if API_OVERVIEW_MARKER in markdown:
        markdown = markdown.replace(API_OVERVIEW_MARKER, api_overview(staged_sources, page.staged_path))
    if LATEST_UPDATES_MARKER in markdown:
        latest = render_latest(updates.latest[:3], from_page=page.staged_path) if updates else ""
        markdown = markdown.replace(LATEST_UPDATES_MARKER, latest)
    return {**portal_page_meta(project, page.repo_path), **page.meta}, markdown


def _add_breaking(staged_sources: list[StagedSource], breaking: dict[str, list[BreakingRelease]],
                  docs_dir: Path) -> None:
    """A line on each API's section (its first page) per release with a breaking change."""
    template = _templates().get_template("api-breaking.md.j2")
    for staged in staged_sources:
        items = breaking.get(staged.config.name)
        index_page = first_path(staged.nav)
        if not items or not index_page or not (docs_dir / index_page).is_file():
            continue
        target = docs_dir / index_page
        items = sorted(items, key=lambda item: item.date or date.min, reverse=True)
        target.write_text(target.read_text(encoding="utf-8") + template.render(
            releases=Markup(render_breaking(items, from_page=index_page))), encoding="utf-8")


def portal_nav(project: ProjectConfig, plans: list) -> list:
    """The user's own ``nav:`` for the portal pages when given, else home first then by title."""
    if project.raw.get("nav"):
        return list(project.raw["nav"])
    entries = []
    for plan_ in plans:
        path = plan_.staged_path
        title = getattr(plan_, "title", None)
        entries.append((0 if path == "index.md" else 1, (title or path).lower(),
                        {title: path} if title else path))
    return [entry for *_, entry in sorted(entries, key=lambda e: (e[0], e[1]))]
