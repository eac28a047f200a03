"""The portal's own pages (``content/portal``) and the generated parts they carry.

The home page's ``<!-- devportal:api-overview -->`` marker becomes a table built from the sources, and
``<!-- devportal:latest-updates -->`` the three latest technical updates; each API section's index page
gets the updates tagged with that API.
"""

from __future__ import annotations

import posixpath
import shutil
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import jinja2

from generator.config import ProjectConfig
from generator.diagnostics import Diagnostics, error
from generator.render.pages import ConvertedPage, SiteIndex, SourcePages, plan_source
from generator.render.updates import UpdatesOutput, render_latest
from generator.render.updates import stage_updates as render_updates
from generator.sources import CheckedOutSource

if TYPE_CHECKING:
    from generator.build.stage import StagedSource

PORTAL = "portal"
API_OVERVIEW_MARKER = "<!-- devportal:api-overview -->"
LATEST_UPDATES_MARKER = "<!-- devportal:latest-updates -->"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "portal"


def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                              keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def content_dir(project: ProjectConfig) -> Path:
    return project.resolve(project.portal.content_dir)


def plan(project: ProjectConfig, index: SiteIndex, problems: Diagnostics) -> list:
    """Plan the portal's own Markdown pages (staged at the root of the docs tree)."""
    root = content_dir(project)
    if not root.is_dir():
        problems.add(error(str(project.path), f"`content_dir` {project.portal.content_dir} is not a folder",
                           code="config-content-dir", hint="create it or point `content_dir` at the portal's pages"))
        return []
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.md") if p.is_file())
    published = [url for url in (project.portal.published_url, project.raw.get("site_url")) if url]
    pages = SourcePages(name="", root=root, files=files, web_url=None, github_repo=None, published_urls=published,
                        trusted=True)
    return plan_source(pages, index)


def stage_updates(project: ProjectConfig, checkouts: list[CheckedOutSource], docs_dir: Path, index: SiteIndex,
                  problems: Diagnostics, *, today: date, strict: bool) -> UpdatesOutput | None:
    """Render the technical-updates archive from ``content/updates`` or the configured source."""
    cfg = project.portal.updates
    if not cfg.enabled:
        return None
    if cfg.source:
        checkout = next((c for c in checkouts if c.config.name == cfg.source), None)
        if checkout is None:
            return None
        root, prefix, trusted = checkout.root, cfg.source, checkout.config.trusted
    else:
        root, prefix, trusted = project.resolve(cfg.dir), cfg.dir, True
        if not root.is_dir():
            return None
    files = [(root / rel, f"{prefix}/{rel}") for rel in sorted(
        p.relative_to(root).as_posix() for p in root.glob(cfg.glob) if p.is_file())
        if PurePosixPath(rel).name.lower() not in ("readme.md", "index.md")]
    output = render_updates(files, docs_dir=docs_dir, url=cfg.url, site_url=project.raw.get("site_url"),
                            api_names={s.name for s in project.portal.sources}, today=today, strict=strict,
                            trusted=trusted)
    problems.extend(output.diagnostics)
    for page, anchors in output.pages.items():
        index.add_page(page, anchors, source=None)
    return output


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


def _link(from_page: str, to_page: str) -> str:
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def api_overview(staged_sources: list[StagedSource], from_page: str) -> str:
    """The home page's table of APIs: title, description, reference links and versions."""
    apis = []
    for staged in staged_sources:
        index_page = first_path(staged.nav) or f"{staged.config.name}/index.md"
        references = [{"title": ref.title, "version": ref.version, "link": _link(from_page, first_path(ref.nav))}
                      for ref in staged.references if first_path(ref.nav)]
        apis.append({"title": staged.title, "description": staged.config.description or "",
                     "link": _link(from_page, index_page), "references": references})
    return _templates().get_template("api-overview.md.j2").render(apis=apis)


def write(project: ProjectConfig, plans: list, pages: list[ConvertedPage], staged_sources: list[StagedSource],
          updates: UpdatesOutput | None, docs_dir: Path) -> None:
    """Write the portal pages with their markers filled, copy their images, and add per-API updates."""
    from generator.build.stage import write_page

    root = content_dir(project)
    repo_url = (project.raw.get("repo_url") or "").rstrip("/")
    edit_uri = project.raw.get("edit_uri") or "edit/main/"
    content_rel = PurePosixPath(project.portal.content_dir).as_posix().strip("/")
    for page in pages:
        markdown = page.markdown
        if API_OVERVIEW_MARKER in markdown:
            markdown = markdown.replace(API_OVERVIEW_MARKER, api_overview(staged_sources, page.staged_path))
        if LATEST_UPDATES_MARKER in markdown:
            latest = render_latest(updates.latest[:3], from_page=page.staged_path) if updates else ""
            markdown = markdown.replace(LATEST_UPDATES_MARKER, latest)
        meta = dict(page.meta)
        repo_path = getattr(page, "repo_path", None) or page.staged_path
        if repo_url and "github.com" in repo_url:
            meta.setdefault("edit_url", f"{repo_url}/{edit_uri.strip('/')}/{content_rel}/{repo_path}")
            meta.setdefault("issue_url", f"{repo_url}/issues/new")
        write_page(docs_dir / page.staged_path, meta, markdown)
    for path in root.rglob("*"):
        if path.is_file() and path.suffix != ".md" and not path.is_symlink():
            target = docs_dir / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
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
        target.write_text(text + template.render(updates=render_latest(items, from_page=index_page)),
                          encoding="utf-8")


def portal_nav(project: ProjectConfig, plans: list, docs_dir: Path) -> list:
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
