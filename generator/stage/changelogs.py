"""Stage each API's changelog, from the Git history of its spec (and the API's older versions, when given).

Runs after the API references are rendered (a change links to its operation there) and before the pages
are converted (guides may link to a changelog) and the updates archive is written (it lists the releases
with a breaking change). The Git histories are listed and compared earlier, in worker processes, while the
references render (:func:`start_histories`): the comparisons land in their cache, where the changelogs
then find them.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path

from generator.config import ProjectConfig
from generator.diagnostics import Diagnostic, Diagnostics, warning
from generator.package_data import code_digest
from generator.render.changelog import (
    BreakingRelease,
    ChangelogPage,
    Comparisons,
    Revision,
    build_changelog,
    folder_revision,
    write_changelog,
)
from generator.render.changelog.history import (
    SpecHistory,
    files_read_together,
    history_settings,
    relocated,
    spec_history,
)
from generator.render.pages import SiteIndex
from generator.repo_files import DEFAULT_LIMITS, ContentLimits
from generator.sources.git import GitError
from generator.stage.changelog_cache import CachedChangelog, ChangelogCache
from generator.stage.stage_record import library_versions
from generator.stage.staged import StagedSource
from generator.validate.spec_files import ParsedDocuments


@dataclass(frozen=True)
class StartedHistory:
    """A spec's history as :func:`start_histories` started it: taken from the cache, or listed (and its
    revisions compared) in a worker process (``None`` when git failed there)."""

    settings: str  # its history_settings
    history: Future[SpecHistory | None]
    kept: bool = False  # taken from the cache


Histories = Mapping[tuple[str, str], StartedHistory]
"""(source, spec repo path) → its history."""


def start_histories(project: ProjectConfig, staged_sources: list[StagedSource], scratch: Path,
                    workers: Executor, cache: ChangelogCache | None = None,
                    parsed: ParsedDocuments | None = None) -> Histories:
    """The Git history of every spec: the one kept in ``cache`` by an earlier build when it is still the
    history of the built commit (:meth:`SpecHistory.same_at`), otherwise listed in ``workers``, its revisions
    compared there (each comparison is kept in the comparisons' cache), so that :func:`stage_changelogs`,
    given the result, reads no spec and runs no git. ``scratch`` is where revisions are written to be
    compared (removed by the caller); ``parsed``, where the run's processes share the specs they parse."""
    portal = project.portal
    limit = portal.limits.spec_history
    folder = project.resolve(portal.cache_dir) / "changelog"
    histories: dict[tuple[str, str], StartedHistory] = {}
    for staged in staged_sources:
        checkout = staged.checkout
        if checkout.history is None or not checkout.commit or limit <= 0:
            continue
        for repo_path in staged.spec_files:
            name = staged.config.name
            settings = history_settings(checkout.history, repo_path, limit=limit, display=f"{name}/{repo_path}",
                                        limits=portal.limits.content_limits())
            kept = cache.history(name, repo_path, settings) if cache else None
            if kept is not None and kept.same_at(checkout.history, checkout.commit):
                done: Future[SpecHistory | None] = Future()
                done.set_result(dataclasses.replace(kept, commit=checkout.commit,
                                                    revisions=relocated(kept.revisions, scratch / name)))
                histories[(name, repo_path)] = StartedHistory(settings, done, kept=True)
                continue
            histories[(name, repo_path)] = StartedHistory(settings, workers.submit(
                _compared_history, checkout.history, checkout.commit, repo_path, limit=limit,
                scratch=scratch / name, display=f"{name}/{repo_path}", limits=portal.limits.content_limits(),
                cache=folder, parsed=parsed))
    return histories


def _compared_history(git_dir: Path, commit: str, repo_path: str, *, limit: int, scratch: Path, display: str,
                      limits: ContentLimits, cache: Path, parsed: ParsedDocuments | None = None) -> SpecHistory | None:
    """The history, its revisions compared into ``cache``; ``None`` when git fails (the changelog step then runs
    it again, and reports the failure as it always does)."""
    try:
        history = spec_history(git_dir, commit, repo_path, limit=limit, scratch=scratch, display=display,
                               limits=limits)
    except GitError:
        return None
    if len(history.revisions) >= 2:
        with files_read_together(history.revisions):
            build_changelog(history.revisions, Comparisons(cache, parsed))
    return history


def stage_changelogs(project: ProjectConfig, staged_sources: list[StagedSource], docs_dir: Path, index: SiteIndex,
                     problems: Diagnostics, *, scratch: Path,
                     versions: Mapping[tuple[str, str], list[Revision]] | None = None,
                     histories: Histories | None = None,
                     comparisons: Comparisons | None = None,
                     cache: ChangelogCache | None = None) -> dict[str, list[BreakingRelease]]:
    """Write the changelog page and feeds of every spec with something to compare; return each source's
    releases with a breaking change (by source name).

    A spec's revisions are ``versions[(source, spec repo path)]`` (its older versions, oldest first, each its
    own release) followed by the commits of its Git history (``limits: {spec_history: N}``, the newest N),
    taken from ``histories`` (see :func:`start_histories`, with the same ``scratch``) when it has them;
    a spec with fewer than two revisions gets no changelog. A changelog kept in ``cache`` for the same
    revisions and page is written as it was, and what this build made is kept there. The kept readings and
    comparisons (``comparisons``) of contents no changelog is made from any more are deleted."""
    portal = project.portal
    comparisons = comparisons or Comparisons(project.resolve(portal.cache_dir) / "changelog")
    cache = cache or ChangelogCache(None)
    limit = portal.limits.spec_history
    site = {"site_url": project.raw.get("site_url"), "site_name": str(project.raw.get("site_name") or ""),
            "use_directory_urls": project.raw.get("use_directory_urls", True)}
    code = (code_digest(), library_versions())
    breaking: dict[str, list[BreakingRelease]] = {}
    contents: set[str] | None = set()  # the spec contents the changelogs are made from (None: not all known)
    listed_specs: set[tuple[str, str]] = set()
    for staged in staged_sources:
        name = staged.config.name
        for reference, (repo_path, slug) in zip(staged.references, staged.reference_slugs.items(), strict=False):
            overview = f"{name}/api/{slug}/index.md"
            if overview not in reference.pages:
                contents = None
                continue  # the spec could not be rendered: its own error says why
            revisions = list((versions or {}).get((name, repo_path), []))
            listed: SpecHistory | None = None
            settings: str | None = None
            checkout = staged.checkout
            if checkout.history is not None and checkout.commit and limit > 0:
                started = (histories or {}).get((name, repo_path))
                listed = started.history.result() if started is not None else None
                if started is None or not started.kept:
                    cache.histories_read.append(f"{name}/{repo_path}")
                settings = started.settings if started is not None else history_settings(
                    checkout.history, repo_path, limit=limit, display=f"{name}/{repo_path}",
                    limits=portal.limits.content_limits())
                try:
                    if listed is None:
                        listed = spec_history(checkout.history, checkout.commit, repo_path, limit=limit,
                                              scratch=scratch / name, display=f"{name}/{repo_path}",
                                              limits=portal.limits.content_limits())
                except GitError as exc:
                    problems.add(_history_problem(staged, repo_path, exc))
                    contents = None
            history = [dataclasses.replace(revision, reference=overview, endpoints=reference.endpoints)
                       for revision in (listed.revisions if listed else [])]
            revisions += history
            if contents is not None:
                contents.update(revision.key for revision in revisions)
                listed_specs.add((name, repo_path))
            listed_count = sum(1 for revision in history if not revision.baseline)
            page = ChangelogPage(path=_page_path(name, slug, index), title=reference.title, reference=overview,
                                 from_history=bool(history), limit=limit if listed_count >= limit else None)
            key = _changelog_key(revisions, page, site, code)
            found, changelog = cache.changelog(name, repo_path, key)
            if found:
                for path, content in (changelog.files.items() if changelog else []):
                    (docs_dir / path).parent.mkdir(parents=True, exist_ok=True)
                    (docs_dir / path).write_bytes(content)
            else:
                changelog = _write_changelog(revisions, page, docs_dir, comparisons, site) \
                    if len(revisions) >= 2 else None
            cache.keep(name, repo_path, settings=settings, history=listed, key=key, changelog=changelog)
            if changelog is None:
                continue
            problems.extend(changelog.diagnostics)
            breaking.setdefault(name, []).extend(changelog.breaking)
            index.add_page(page.path, changelog.anchors, source=name, title=f"Changelog: {reference.title}")
            reference.nav.append({"Changelog": page.path})
    # Only when every history was listed and waited for: a spec that could not be rendered or listed needs its
    # comparisons again, and its history's worker may still be writing them.
    if contents is not None and set(histories or {}) <= listed_specs:
        comparisons.forget_others(contents)
    return breaking


def _write_changelog(revisions: list[Revision], page: ChangelogPage, docs_dir: Path, comparisons: Comparisons,
                     site: dict) -> CachedChangelog:
    """Build the changelog of ``revisions`` and write it as ``page``; return what was written and found."""
    changelog = build_changelog(revisions, comparisons)
    found = write_changelog(changelog, page, docs_dir, **site)
    return CachedChangelog(files={path: (docs_dir / path).read_bytes() for path in (page.path, *page.feeds)},
                           breaking=found, diagnostics=list(changelog.diagnostics),
                           anchors={item.anchor for item in found} | {entry.anchor for entry in changelog.entries})


def _changelog_key(revisions: list[Revision], page: ChangelogPage, site: dict, code: tuple) -> str:
    """A digest of everything a changelog is made from but the comparisons (cached by the specs' contents):
    ``code`` (devportal's code and the libraries' versions), every revision, the page and the site's settings."""
    endpoints: dict[int, str] = {}  # the history's revisions share their reference's operations
    for revision in revisions:
        if id(revision.endpoints) not in endpoints:
            endpoints[id(revision.endpoints)] = repr(sorted(revision.endpoints.items()))
    parts = (code, page, sorted(site.items()),
             [(r.label, r.key, r.display, r.date, r.release, r.release_date, r.commit, r.subject, r.reference,
               endpoints[id(r.endpoints)], r.baseline) for r in revisions])
    return hashlib.sha256(repr(parts).encode()).hexdigest()


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
