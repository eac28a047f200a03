"""The whole pipeline behind ``devportal build`` / ``stage`` / ``check``: config → fetch → stage → build."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.build.site import build_site
from generator.build.stage import StagedPortal, stage_portal
from generator.config import ProjectConfig, load_project_config
from generator.diagnostics import Diagnostics
from generator.sources import CheckedOutSource, fetch_sources


@dataclass
class BuildResult:
    """What a run produced and every problem it found."""

    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    project: ProjectConfig | None = None
    staged: StagedPortal | None = None
    site_dir: Path | None = None
    built: bool = False


def fetch(project: ProjectConfig, *, mode: str = "auto", progress: bool | None = None,
          log: Callable[[str], None] | None = None) -> list[CheckedOutSource]:
    """Fetch every source of ``project`` into its cache and update the lock file."""
    portal = project.portal
    if portal.offline and mode == "auto":
        mode = "offline"
    return fetch_sources(list(portal.sources), project_root=project.root, cache_dir=project.resolve(portal.cache_dir),
                         lock_path=project.resolve(portal.lock_file), mode=mode, jobs=portal.jobs,
                         progress=progress, log=log, config_file=str(project.path))


def stage(config_file: Path, *, mode: str = "auto", strict: bool | None = None, today: date | None = None,
          log: Callable[[str], None] | None = None, progress: bool | None = None) -> BuildResult:
    """Fetch and stage; raises :class:`DiagnosticError` when the config or a source is unusable."""
    project = load_project_config(config_file)
    strict = project.portal.strict if strict is None else strict
    checkouts = fetch(project, mode=mode, progress=progress, log=log)
    staged = stage_portal(project, checkouts, strict=strict, today=today)
    return BuildResult(diagnostics=Diagnostics(staged.diagnostics), project=project, staged=staged)


def build(config_file: Path, *, site_dir: Path | None = None, mode: str = "auto", strict: bool | None = None,
          today: date | None = None, log: Callable[[str], None] | None = None,
          progress: bool | None = None) -> BuildResult:
    """Fetch, stage and build the site atomically into ``site_dir`` (default: the config's ``site_dir``).

    Errors in a source's files do not stop a non-strict build (see :meth:`StagedPortal.blocking`): the site
    is built without what failed, and the errors are in the result (``devportal build`` exits 1)."""
    result = stage(config_file, mode=mode, strict=strict, today=today, log=log, progress=progress)
    project = result.project
    strict = project.portal.strict if strict is None else strict
    target = site_dir or project.resolve(project.raw.get("site_dir", "site"))
    result.site_dir = target
    if result.staged.blocking(strict):
        return result
    site_problems = build_site(result.staged.mkdocs_yml, target, strict=strict)
    result.diagnostics.extend(site_problems)
    result.built = not Diagnostics(site_problems).has_errors(strict=strict)
    return result
