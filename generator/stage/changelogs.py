"""Stage each API's changelog, from the Git history of its spec (and the API's older versions, when given).

Runs after the API references are rendered (a change links to its operation there) and before the pages
are converted (guides may link to a changelog) and the updates archive is written (it lists the releases
with a breaking change). The Git histories are listed and compared earlier, in worker processes, while the
references render (:func:`start_histories`): the comparisons land in their cache, where the changelogs
then find them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from concurrent.futures import Executor, Future
from pathlib import Path

from generator.config import ProjectConfig
from generator.diagnostics import Diagnostic, Diagnostics, warning
from generator.render.changelog import (
    BreakingRelease,
    ChangelogPage,
    Comparisons,
    Revision,
    build_changelog,
    folder_revision,
    history_revisions,
    write_changelog,
)
from generator.render.pages import SiteIndex
from generator.repo_files import DEFAULT_LIMITS, ContentLimits
from generator.sources.git import GitError
from generator.stage.staged import StagedSource

Histories = Mapping[tuple[str, str], "Future[list[Revision] | None]"]
"""(source, spec repo path) → its history's revisions, listed (and compared) in a worker process."""


def start_histories(project: ProjectConfig, staged_sources: list[StagedSource], scratch: Path,
                    workers: Executor) -> Histories:
    """List the Git history of every spec in ``workers`` and compare its revisions there (each comparison is
    kept in the comparisons' cache), so that :func:`stage_changelogs`, given the result, reads no spec and
    runs no git. ``scratch`` is where revisions are written to be compared (removed by the caller)."""
    portal = project.portal
    limit = portal.limits.spec_history
    folder = project.resolve(portal.cache_dir) / "changelog"
    histories: dict[tuple[str, str], Future] = {}
    for staged in staged_sources:
        checkout = staged.checkout
        if checkout.history is None or not checkout.commit or limit <= 0:
            continue
        for repo_path in staged.spec_files:
            histories[(staged.config.name, repo_path)] = workers.submit(
                _compared_history, checkout.history, checkout.commit, repo_path, limit=limit,
                scratch=scratch / staged.config.name, display=f"{staged.config.name}/{repo_path}",
                limits=portal.limits.content_limits(), cache=folder)
    return histories


def _compared_history(git_dir: Path, commit: str, repo_path: str, *, limit: int, scratch: Path, display: str,
                      limits: ContentLimits, cache: Path) -> list[Revision] | None:
    """The history's revisions, compared into ``cache``; ``None`` when git fails (the changelog step then runs
    it again, and reports the failure as it always does)."""
    try:
        history = history_revisions(git_dir, commit, repo_path, limit=limit, scratch=scratch, display=display,
                                    limits=limits)
    except GitError:
        return None
    if len(history) >= 2:
        build_changelog(history, Comparisons(cache))
    return history


def stage_changelogs(project: ProjectConfig, staged_sources: list[StagedSource], docs_dir: Path, index: SiteIndex,
                     problems: Diagnostics, *, scratch: Path,
                     versions: Mapping[tuple[str, str], list[Revision]] | None = None,
                     histories: Histories | None = None,
                     comparisons: Comparisons | None = None) -> dict[str, list[BreakingRelease]]:
    """Write the changelog page and feeds of every spec with something to compare; return each source's
    releases with a breaking change (by source name).

    A spec's revisions are ``versions[(source, spec repo path)]`` (its older versions, oldest first, each its
    own release) followed by the commits of its Git history (``limits: {spec_history: N}``, the newest N),
    taken from ``histories`` (see :func:`start_histories`, with the same ``scratch``) when it has them;
    a spec with fewer than two revisions gets no changelog."""
    portal = project.portal
    comparisons = comparisons or Comparisons(project.resolve(portal.cache_dir) / "changelog")
    limit = portal.limits.spec_history
    breaking: dict[str, list[BreakingRelease]] = {}
    for staged in staged_sources:
        for reference, (repo_path, slug) in zip(staged.references, staged.reference_slugs.items(), strict=False):
            overview = f"{staged.config.name}/api/{slug}/index.md"
            if overview not in reference.pages:
                continue  # the spec could not be rendered: its own error says why
            revisions = list((versions or {}).get((staged.config.name, repo_path), []))
            history: list[Revision] | None = None
            checkout = staged.checkout
            if checkout.history is not None and checkout.commit and limit > 0:
                started = (histories or {}).get((staged.config.name, repo_path))
                history = started.result() if started is not None else None
                try:
                    if history is None:
                        history = history_revisions(
                            checkout.history, checkout.commit, repo_path, limit=limit,
                            scratch=scratch / staged.config.name, display=f"{staged.config.name}/{repo_path}",
                            limits=portal.limits.content_limits())
                except GitError as exc:
                    problems.add(_history_problem(staged, repo_path, exc))
            history = [dataclasses.replace(revision, reference=overview, endpoints=reference.endpoints)
                       for revision in history or []]
            revisions += history
            if len(revisions) < 2:
                continue
            path = _page_path(staged.config.name, slug, index)
            changelog = build_changelog(revisions, comparisons)
            problems.extend(changelog.diagnostics)
            shown = sum(1 for revision in history if not revision.baseline)
            page = ChangelogPage(path=path, title=reference.title, reference=overview, from_history=bool(history),
                                 limit=limit if shown >= limit else None)
            found = write_changelog(changelog, page, docs_dir, site_url=project.raw.get("site_url"),
                                    site_name=str(project.raw.get("site_name") or ""),
                                    use_directory_urls=project.raw.get("use_directory_urls", True))
            breaking.setdefault(staged.config.name, []).extend(found)
            index.add_page(path, {item.anchor for item in found} |
                           {entry.anchor for entry in changelog.entries}, source=staged.config.name,
                           title=f"Changelog: {reference.title}")
            reference.nav.append({"Changelog": path})
    return breaking


def version_revisions(staged_sources: list[StagedSource], limits: ContentLimits = DEFAULT_LIMITS,
                      ) -> dict[tuple[str, str], list[Revision]]:
    """Each API's published versions as revisions of its changelog, oldest first, each its own release.

    The current version closes the list only when the source has no Git history to show (a local folder,
    or a history that could not be fetched): otherwise the history's commits bring the changelog up to the
    current spec, and the current version's changes are the commits since the newest older version."""
    revisions: dict[tuple[str, str], list[Revision]] = {}
    for staged in staged_sources:
        checkout = staged.checkout
        for api in staged.apis:
            if len(api.versions) < 2:
                continue
            chosen = [v for v in api.versions if v.reference is not None and not v.current]
            if checkout.history is None:
                chosen += [v for v in api.versions if v.current and v.reference is not None]
            found = []
            for version in chosen:
                root = checkout.version_root(version.ref) if version.ref else checkout.root
                if root is None:
                    continue
                shown = f"{api.source}/{version.origin}"
                revision = folder_revision(root, version.spec_file, label=version.name, display=shown,
                                           reference=version.overview, endpoints=version.reference.endpoints,
                                           limits=limits)
                if revision is not None:
                    found.append(revision)
            if found:
                revisions[(api.source, api.spec_file)] = found
    return revisions


def _page_path(source: str, slug: str, index: SiteIndex) -> str:
    """``<source>/api/<slug>/changelog.md``, or ``api-changelog.md`` there when a tag page has that name."""
    path = f"{source}/api/{slug}/changelog.md"
    return path if path not in index.pages else f"{source}/api/{slug}/api-changelog.md"


def _history_problem(staged: StagedSource, repo_path: str, exc: GitError) -> Diagnostic:
    return warning(f"{staged.config.name}/{repo_path}", f"the Git history of this spec could not be read "
                   f"({exc.first_line}): its changelog shows only its versions", code="changelog-history",
                   source=staged.config.name, hint="rebuild; delete the source's history.git in the cache if "
                                                   "it persists")
