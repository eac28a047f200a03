"""The whole pipeline behind ``devportal build`` / ``stage`` / ``check``: config → fetch → stage → build."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from generator.config import DEFAULT_AUTH, ProjectConfig, load_project_config
from generator.diagnostics import Diagnostics
from generator.heap import frozen
from generator.project_lock import DEFAULT_WAIT, build_lock
from generator.sources import CheckedOutSource, fetch_sources
from generator.stage.site import build_site
from generator.stage.site_state import state_file
from generator.stage.stage_record import StageRecord, record_file, stage_key, tree_files
from generator.stage.staged import StagedPortal, StagedSource
from generator.timing import timed


@dataclass
class BuildResult:
    """What a run produced and every problem it found."""

    diagnostics: Diagnostics = field(default_factory=Diagnostics)
    project: ProjectConfig | None = None
    staged: StagedPortal | None = None
    site_dir: Path | None = None
    built: bool = False


def fetch(project: ProjectConfig, *, mode: str = "auto", progress: bool | None = None,
          log: Callable[[str], None] | None = None, allow_stale: bool = False,
          strict: bool | None = None, wait: float | None = DEFAULT_WAIT) -> list[CheckedOutSource]:
    """Fetch every source of ``project`` into its cache and update the lock file.

    ``allow_stale`` builds the cached commit of a source whose remote cannot be reached (with a warning).
    Holds the project's build lock (waiting up to ``wait`` seconds for another build in the folder) and logs
    the step's time (``time: fetch``)."""
    portal = project.portal
    if portal.offline and mode == "auto":
        mode = "offline"
    with build_lock(project.root, wait=wait, log=log), timed("fetch", log):
        return fetch_sources(list(portal.sources), project_root=project.root,
                             cache_dir=project.resolve(portal.cache_dir), lock_path=project.resolve(portal.lock_file),
                             mode=mode, jobs=portal.jobs, progress=progress, log=log, config_file=str(project.path),
                             auth={**DEFAULT_AUTH, **portal.auth}, allow_stale=allow_stale,
                             strict=portal.strict if strict is None else strict,
                             history=portal.limits.spec_history > 0)


def stage(config_file: Path, *, mode: str = "auto", strict: bool | None = None, today: date | None = None,
          log: Callable[[str], None] | None = None, progress: bool | None = None,
          allow_stale: bool = False, wait: float | None = DEFAULT_WAIT, reuse: bool = False) -> BuildResult:
    """Fetch and stage; raises :class:`DiagnosticError` when the config or a source is unusable.

    With ``reuse``, staging is skipped when nothing it reads changed since the last staging and the staged
    tree is as that left it (see :mod:`generator.stage.stage_record`): the result then holds the checkouts
    only (no pages or references) and the diagnostics that staging reported."""
    project = load_project_config(config_file)
    strict = project.portal.strict if strict is None else strict
    with build_lock(project.root, wait=wait, log=log):
        checkouts = fetch(project, mode=mode, progress=progress, log=log, allow_stale=allow_stale, strict=strict)
        with timed("stage", log):
            staged = _stage(project, checkouts, strict=strict, today=today or date.today(), log=log, reuse=reuse)
    return BuildResult(diagnostics=Diagnostics(staged.diagnostics), project=project, staged=staged)


def _stage(project: ProjectConfig, checkouts: list[CheckedOutSource], *, strict: bool, today: date,
           log: Callable[[str], None] | None, reuse: bool) -> StagedPortal:
    """Stage the portal, or with ``reuse`` keep the staged tree when its record says nothing changed."""
    stage_dir = project.resolve(project.portal.stage_dir)
    record_path = record_file(project.resolve(project.portal.cache_dir), stage_dir)
    key = stage_key(project, checkouts, strict=strict, today=today)
    record = StageRecord.load(record_path) if reuse else None
    if record is not None and record.still_valid(key, stage_dir):
        if log:
            log("stage: reused (nothing it reads changed since the last staging)")
        return StagedPortal(stage_dir=stage_dir, docs_dir=stage_dir / "docs", mkdocs_yml=stage_dir / "mkdocs.yml",
                            config=record.config, sources=[StagedSource(checkout=c) for c in checkouts],
                            diagnostics=Diagnostics(record.diagnostics))
    record_path.unlink(missing_ok=True)  # a staging killed half-way must not leave a record of the old tree
    # Imported when staging runs: the renderers' libraries are most of a no-change build's start-up.
    from generator.stage.docs_tree import stage_portal

    # The objects alive now (imported modules, the config) stay alive through staging: frozen, the collector's
    # full passes skip them (0.15 CPU s of a cold staging at M). Unfrozen after, so nothing outlives its use.
    with frozen():
        staged = stage_portal(project, checkouts, strict=strict, today=today)
    if log:
        log(f"stage: {len(staged.converted_pages)} page(s) converted, {len(staged.reused_pages)} unchanged "
            f"taken from the page cache; {len(staged.histories_read)} spec history(ies) read from Git")
    if key is not None:
        try:
            StageRecord(key=key, files=tree_files(stage_dir), config=staged.config,
                        diagnostics=list(staged.diagnostics)).save(record_path)
        except OSError:
            pass  # the next build then stages again
    return staged


def build(config_file: Path, *, site_dir: Path | None = None, mode: str = "auto", strict: bool | None = None,
          today: date | None = None, log: Callable[[str], None] | None = None,
          progress: bool | None = None, allow_stale: bool = False, wait: float | None = DEFAULT_WAIT,
          engine: str = "mkdocs") -> BuildResult:
    """Fetch, stage and build the site atomically into ``site_dir`` (default: the config's ``site_dir``) with
    ``engine`` (``mkdocs`` or ``zensical``).

    One build at a time per project folder: another one there is waited for up to ``wait`` seconds. Errors in
    a source's files do not stop a non-strict build (see :meth:`StagedPortal.blocking`): the site is built
    without what failed, and the errors are in the result (``devportal build`` exits 1)."""
    if not Path(config_file).is_file():  # nothing to lock: stage() reports the missing config
        return _build(config_file, site_dir=site_dir, mode=mode, strict=strict, today=today, log=log,
                      progress=progress, allow_stale=allow_stale, engine=engine)
    with build_lock(Path(config_file).resolve().parent, wait=wait, log=log):
        return _build(config_file, site_dir=site_dir, mode=mode, strict=strict, today=today, log=log,
                      progress=progress, allow_stale=allow_stale, engine=engine)


def _build(config_file: Path, *, site_dir: Path | None, mode: str, strict: bool | None, today: date | None,
           log: Callable[[str], None] | None, progress: bool | None, allow_stale: bool,
           engine: str = "mkdocs") -> BuildResult:
    result = stage(config_file, mode=mode, strict=strict, today=today, log=log, progress=progress,
                   allow_stale=allow_stale, reuse=True)
    project = result.project
    strict = project.portal.strict if strict is None else strict
    target = site_dir or project.resolve(project.raw.get("site_dir", "site"))
    result.site_dir = target
    if result.staged.blocking(strict):
        return result
    with timed("site", log):
        site_problems = build_site(result.staged.mkdocs_yml, target, strict=strict, log=log, engine=engine,
                                   state_file=state_file(project.resolve(project.portal.cache_dir), target))
    result.diagnostics.extend(site_problems)
    result.built = not Diagnostics(site_problems).has_errors(strict=strict)
    return result
