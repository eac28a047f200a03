"""Stage each API's changelog, from the Git history of its spec (and the API's older versions, when given).

Runs after the API references are rendered (a change links to its operation there) and before the pages
are converted (guides may link to a changelog) and the updates archive is written (it lists the releases
with a breaking change).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
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


def stage_changelogs(project: ProjectConfig, staged_sources: list[StagedSource], docs_dir: Path, index: SiteIndex,
                     problems: Diagnostics, *,
                     versions: Mapping[tuple[str, str], list[Revision]] | None = None,
                     comparisons: Comparisons | None = None) -> dict[str, list[BreakingRelease]]:
    """Write the changelog page and feeds of every spec with something to compare; return each source's
    releases with a breaking change (by source name).

    A spec's revisions are ``versions[(source, spec repo path)]`` (its older versions, oldest first, each its
    own release) followed by the commits of its Git history (``limits: {spec_history: N}``, the newest N);
    a spec with fewer than two revisions gets no changelog."""
    portal = project.portal
    comparisons = comparisons or Comparisons(project.resolve(portal.cache_dir) / "changelog")
    limit = portal.limits.spec_history
    breaking: dict[str, list[BreakingRelease]] = {}
    with tempfile.TemporaryDirectory(prefix="devportal-changelog-") as scratch:
        for staged in staged_sources:
            for reference, (repo_path, slug) in zip(staged.references, staged.reference_slugs.items(), strict=False):
                overview = f"{staged.config.name}/api/{slug}/index.md"
                if overview not in reference.pages:
                    continue  # the spec could not be rendered: its own error says why
                revisions = list((versions or {}).get((staged.config.name, repo_path), []))
                history: list[Revision] = []
                checkout = staged.checkout
                if checkout.history is not None and checkout.commit and limit > 0:
                    try:
                        history = history_revisions(
                            checkout.history, checkout.commit, repo_path, limit=limit,
                            scratch=Path(scratch) / staged.config.name, display=f"{staged.config.name}/{repo_path}",
                            reference=overview, endpoints=reference.endpoints,
                            limits=portal.limits.content_limits())
                    except GitError as exc:
                        problems.add(_history_problem(staged, repo_path, exc))
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
