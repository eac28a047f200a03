"""``devportal check``: every validator of a build, without writing a site.

It stages the portal into a throw-away folder (so it checks exactly what a build would publish) and
adds the checks that only make sense across the whole portal: pages no navigation reaches, two pages
with one URL, redirects to pages that do not exist. ``--source PATH`` checks one repo's docs alone, as
the portal would stage them, for an API team's own CI.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from generator.config import ProjectConfig, feedback_diagnostics, load_project_config, validate_portal_config
from generator.diagnostics import DiagnosticError, Diagnostics, error, warning
from generator.pipeline import fetch
from generator.project_lock import DEFAULT_WAIT
from generator.stage.docs_tree import stage_portal
from generator.stage.staged import StagedPortal

DEFAULT_SPEC_GLOBS = ["**/openapi*.yaml", "**/openapi*.yml", "**/openapi*.json", "**/swagger*.yaml",
                      "**/swagger*.yml", "**/swagger*.json"]


def run_check(config_file: Path, *, source: Path | None = None, pages: list[str] | None = None,
              specs: list[str] | None = None, mode: str = "auto", strict: bool | None = None,
              log: Callable[[str], None] | None = None, allow_stale: bool = False,
              wait: float | None = DEFAULT_WAIT) -> Diagnostics:
    """Run every validator; return all problems (config, fetch, Markdown, links, specs, nav, redirects)."""
    problems = Diagnostics()
    with tempfile.TemporaryDirectory(prefix="devportal-check-") as tmp:
        # A config or source that cannot be used raises: the command reports it (exit 1, or 2 without config).
        project = (source_project(source, Path(tmp) / "portal", pages=pages, specs=specs) if source
                   else load_project_config(config_file))
        strict = project.portal.strict if strict is None else strict
        problems.extend(feedback_diagnostics(project))
        checkouts = fetch(project, mode="auto" if source else mode, log=log, allow_stale=allow_stale, strict=strict,
                          wait=wait)
        staged = stage_portal(project, checkouts, strict=bool(strict), stage_dir=Path(tmp) / "stage")
        problems.extend(staged.diagnostics)
        problems.extend(check_nav_reachability(staged, project))
        problems.extend(check_redirects(staged, project))
    return problems


def source_project(path: Path, folder: Path, *, pages: list[str] | None, specs: list[str] | None) -> ProjectConfig:
    """A one-source portal for ``check --source PATH``: the repo's docs as the portal would stage them.

    Its config, home page, cache and lock file are written into ``folder`` (the caller removes it)."""
    root = path.resolve()
    if not root.is_dir():
        raise DiagnosticError([error(str(path), "--source must be a folder (the repo to check)",
                                     code="check-source-missing", hint="run it from the repo: --source .")])
    spec_globs = specs if specs is not None else [g for g in DEFAULT_SPEC_GLOBS if any(root.glob(g))]
    empty = folder
    empty.mkdir(parents=True)
    (empty / "index.md").write_text("# Portal\n", encoding="utf-8")
    settings: dict[str, Any] = {
        "content_dir": str(empty),
        "cache_dir": str(empty / "cache"),
        "lock_file": str(empty / "devportal.lock"),
        "updates": {"enabled": False},
        "sources": [{"name": _source_name(root), "repo": str(root), "pages": pages or ["**/*.md"],
                     "exclude": ["**/node_modules/**", "**/CHANGELOG.md", "**/_*.md"], "specs": spec_globs}],
    }
    portal, problems = validate_portal_config(settings, str(root))
    if problems.errors:
        raise DiagnosticError(problems)
    config_path = empty / "mkdocs.yml"
    config_path.write_text("site_name: check\n", encoding="utf-8")
    return ProjectConfig(path=config_path, raw={"site_name": "check"}, portal=portal)


def _source_name(root: Path) -> str:
    name = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in root.name.lower()).strip("-._")
    return name or "source"


def _nav_paths(nav: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(nav, str):
        found.add(nav)
    elif isinstance(nav, dict):
        for value in nav.values():
            found |= _nav_paths(value)
    elif isinstance(nav, list):
        for item in nav:
            found |= _nav_paths(item)
    return found


def _display_path(staged: StagedPortal, staged_path: str) -> str:
    for source in staged.sources:
        for page in source.pages:
            if page.staged_path == staged_path:
                return f"{source.config.name}/{getattr(page, 'repo_path', None) or page.meta.get('source_file', '')}"
    return staged_path


def check_nav_reachability(staged: StagedPortal, project: ProjectConfig) -> list:
    """Pages the navigation does not reach (only possible when the portal's own ``nav:`` is given)."""
    in_nav = _nav_paths(staged.config.get("nav"))
    problems = []
    for path in sorted(p.relative_to(staged.docs_dir).as_posix() for p in staged.docs_dir.rglob("*.md")):
        if path in in_nav or _generated(path, staged):
            continue
        problems.append(warning(_display_path(staged, path), f"page `{path}` is not reachable from the navigation",
                                code="nav-unreachable",
                                hint="add it to `nav:` in mkdocs.yml (or the source's nav file), or exclude it"))
    return problems


def _generated(path: str, staged: StagedPortal) -> bool:
    """Pages that are reached another way: the updates archive's posts and index pages."""
    updates_url = staged.config.get("extra", {}).get("devportal", {}).get("updates_url", "updates")
    return PurePosixPath(path).parts[:1] == (updates_url,)


def check_redirects(staged: StagedPortal, project: ProjectConfig) -> list:
    """A redirect whose target page does not exist would publish a redirect into nothing."""
    problems = []
    for old, new in sorted(project.portal.redirects.items()):
        if "://" in new:
            continue
        target = new.split("#", 1)[0]
        if not (staged.docs_dir / target).is_file():
            problems.append(error(str(project.path), f"redirect `{old}` → `{new}`: the target page does not exist",
                                  code="redirect-missing-target", **project.where("redirects", old),
                                  hint="point it at a staged page path such as `payments/index.md`"))
        if (staged.docs_dir / old).is_file():
            problems.append(error(str(project.path), f"redirect `{old}` would hide an existing page",
                                  code="redirect-shadows-page", **project.where("redirects", old),
                                  hint="remove the redirect or the page"))
    return problems
