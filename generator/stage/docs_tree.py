"""Stage the portal: a plain docs tree plus a generated ``mkdocs.yml`` that MkDocs or Zensical builds.

This is the generator's core output. Data flows one way: checked-out sources → converted pages, API
reference and updates written into a fresh docs tree → links checked across all of it → navigation and
``mkdocs.yml`` generated. The tree is written beside the stage folder and synced into it at the end,
touching only files that changed, so ``mkdocs serve`` rebuilds only what an edit changed.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from stat import S_ISREG
from typing import Any

import material

from generator.cache_entries import remove_other_entries
from generator.config import ProjectConfig, SourceConfig, TryItConfig, VersionConfig
from generator.cpus import usable_cpus
from generator.diagnostics import Diagnostic, Diagnostics, error, warning
from generator.redaction import redact_url
from generator.render.archive import UpdatesOutput, write_archive
from generator.render.pages import ConvertedPage, SiteIndex, SourcePages, convert_page, gfm, plan_source
from generator.render.published_files import REFUSED_HINT, publish_file
from generator.render.reference import (
    ApiReference,
    cached_api_reference,
    prepare_rendering,
    reference_folder,
    reference_workers,
    render_api_reference,
    restore_api_reference,
)
from generator.render.reference.render import PARALLEL_VALIDATION_BYTES, install_page_template
from generator.render.reference.tryit import TryIt
from generator.render.reference.versions import (
    OLD_VERSION_SEARCH,
    VERSIONS_META,
    ApiVersion,
    VersionedApi,
    write_version_bars,
)
from generator.render.staged_page import copy_linking_unchanged, staged_page_text, write_page
from generator.repo_files import (
    DEFAULT_LIMITS,
    ContentLimits,
    GlobLimitError,
    SourceFileError,
    is_inside,
    is_markdown,
    read_text,
    walk_glob,
)
from generator.sources import CheckedOutSource
from generator.stage import portal_pages
from generator.stage.categories import folders_of, read_categories
from generator.stage.changelog_cache import ChangelogCache
from generator.stage.changelogs import stage_changelogs, start_histories, version_revisions
from generator.stage.mkdocs_yml import generated_mkdocs_config, write_mkdocs_yml
from generator.stage.nav import NavPage, api_areas, api_section_nav, default_source_nav, nav_from_file
from generator.stage.page_cache import PageCache
from generator.stage.search_index import install_search_box, install_search_hook
from generator.stage.staged import StagedPortal, StagedSource, page_source_meta
from generator.stage.swap import recover, release, work_dir
from generator.stage.zensical_engine import CACHE_NAME as ZENSICAL_CACHE
from generator.urls import page_url, slug
from generator.validate.spec import forget_gone_specs
from generator.validate.spec_files import ParsedDocuments

MATERIAL_ICONS = Path(material.__file__).parent / "templates" / ".icons"


def glob_files(root: Path, patterns: list[str], exclude: list[str] = (), *,
               max_walked: int = DEFAULT_LIMITS.walked_files) -> tuple[list[str], list[str]]:
    """Repo-relative posix paths matched by ``patterns`` minus ``exclude``, and the patterns that
    matched nothing. Files reached through a symlink that leaves ``root`` are never returned; the walk of
    the repo is bounded (:class:`~generator.repo_files.GlobLimitError` beyond ``max_walked`` entries)."""
    root_resolved = root.resolve()
    matched = walk_glob(root, [*patterns, *exclude], max_walked=max_walked)
    folders: dict[str, bool] = {}  # a folder's path resolved once, not once per file in it

    def stays_inside(rel: str) -> bool:
        folder = rel.rpartition("/")[0]
        if folder not in folders:
            folders[folder] = is_inside(root / folder, root_resolved)
        try:
            linked = (root / rel).is_symlink()
        except OSError:
            return False
        return is_inside(root / rel, root_resolved) if linked else folders[folder]

    found: set[str] = set()
    empty: list[str] = []
    for pattern in patterns:
        inside = {rel for rel in matched[pattern] if stays_inside(rel)}
        if not inside:
            empty.append(pattern)
        found |= inside
    for pattern in exclude:
        found -= matched[pattern]
    return sorted(found), empty


def spec_slug(repo_path: str) -> str:
    """URL-safe name of a spec from its file name: ``docs/epayment.v1.yml`` → ``epayment-v1``."""
    stem = PurePosixPath(repo_path).name.rsplit(".", 1)[0]
    return slug(stem, "api")


def stage_portal(project: ProjectConfig, checkouts: list[CheckedOutSource], *, strict: bool = False,
                 today: date | None = None, stage_dir: Path | None = None) -> StagedPortal:
    """Write the staged docs tree and ``mkdocs.yml`` for ``project`` from the fetched sources."""
    portal = project.portal
    final_dir = stage_dir or project.resolve(portal.stage_dir)
    recover(final_dir)  # work folders of killed runs
    work = work_dir(final_dir, "staging")
    try:
        docs_dir = work / "docs"
        docs_dir.mkdir()
        gfm.install_assets(docs_dir)  # the alerts' colours, the math renderer
        overrides = _stage_theme_overrides(project, work / "overrides")
        if portal.search == "pagefind":
            install_search_hook(work)  # named in the staged mkdocs.yml: its MkDocs build makes the search index
        problems = Diagnostics()
        index = SiteIndex()

        portal_plan = portal_pages.plan(project, index, problems)
        staged_sources = [_plan_source(project, checkout, index, problems) for checkout in checkouts]
        updates = portal_pages.plan_updates(project, checkouts, index, problems, today=today or date.today())
        problems.extend(duplicate_urls(portal_plan, staged_sources,
                                        use_directory_urls=project.raw.get("use_directory_urls", True)))
        policy_page = next((plan.staged_path for plan in portal_plan if plan.staged_path == portal.lifecycle_page),
                           None)
        with reference_workers(min(portal.jobs, usable_cpus())) as workers, \
                tempfile.TemporaryDirectory(prefix="devportal-staging-") as scratch:
            parsed = ParsedDocuments(Path(scratch) / "parsed")  # each spec's text parsed once by the processes
            parsed.folder.mkdir()
            validation_cache = project.resolve(portal.cache_dir) / "validation"
            version_context = _VersionContext(project, policy_page, project.raw.get("use_directory_urls", True))
            prepared: list[bool] = []
            reference_cache = project.resolve(portal.cache_dir) / "references"
            started = [_start_references(staged, docs_dir, overrides, workers, validation_cache, reference_cache,
                                         portal.limits.content_limits(), portal.try_it, versions=version_context,
                                         prepared=prepared, copy_file=copy_linking_unchanged(work, final_dir),
                                         parsed=parsed)
                       for staged in staged_sources]
            changelogs = ChangelogCache(project.resolve(portal.cache_dir) / "changelogs")
            histories = start_histories(project, staged_sources, Path(scratch), workers, changelogs, parsed)
            for staged, references in zip(staged_sources, started, strict=True):
                _render_references(staged, references, docs_dir, index, problems, overrides, workers,
                                   validation_cache, portal.limits.content_limits(), versions=version_context)
            breaking = stage_changelogs(project, staged_sources, docs_dir, index, problems, scratch=Path(scratch),
                                        versions=version_revisions(staged_sources, portal.limits.content_limits()),
                                        histories=histories, cache=changelogs)

        pages = PageCache(project.resolve(portal.cache_dir) / "pages", index,
                          max_walked=portal.limits.content_limits().walked_files)
        portal_converted = [_convert(pages, plan, problems) for plan in portal_plan]
        for staged in staged_sources:
            staged.pages = [_convert(pages, plan, problems) for plan in staged.plans]
        converted_updates = {u.staged_path: _convert(pages, u.plan, problems) for u in updates or []}
        _drop_unknown_icons([(p.repo_path, p) for p in portal_converted]
                            + [(f"{s.config.name}/{p.repo_path}", p) for s in staged_sources for p in s.pages]
                            + [(u.plan.file, converted_updates[u.staged_path]) for u in updates or []],
                            [overrides / ".icons", MATERIAL_ICONS], problems)
        archive: UpdatesOutput | None = None
        if updates is not None:
            archive = write_archive(updates, converted_updates, docs_dir, url=project.portal.updates.url,
                                    page_meta=portal_pages.updates_meta(project, checkouts, updates),
                                    site_url=project.raw.get("site_url"), site_name=str(project.raw.get("site_name")),
                                    api_names={s.name for s in project.portal.sources},
                                    use_directory_urls=project.raw.get("use_directory_urls", True),
                                    breaking=[item for items in breaking.values() for item in items])
            problems.extend(archive.diagnostics)

        for staged in staged_sources:
            _write_source(staged, docs_dir, problems, pages, final_dir / "docs")
            staged.nav = _source_nav(staged, problems, portal.limits.content_limits())
            if archive is not None and staged.config.name == project.portal.updates.source:
                _publish_update_assets(staged, list(converted_updates.values()), docs_dir, problems)
        portal_pages.write(project, portal_converted, staged_sources, archive, docs_dir, breaking=breaking)
        pages.save()
        changelogs.save()
        remove_other_entries(reference_cache, {reference_folder(reference_cache, options["url_prefix"]).name
                                               for references in started for options in references.options.values()})
        forget_gone_specs(validation_cache)

        nav = portal_pages.portal_nav(project, portal_plan)
        if staged_sources:
            areas = api_areas([s.title for s in staged_sources], [s.config.area for s in staged_sources],
                              area_size=portal.api_nav.area_size)
            index_page = portal_pages.write_api_index(project, staged_sources, areas, docs_dir)
            nav += api_section_nav(portal.api_nav.title, index_page, areas,
                                   [(s.title, s.nav) for s in staged_sources])
        if archive is not None:
            nav += archive.nav
        config = generated_mkdocs_config(project, final_dir, nav=nav, staged_sources=staged_sources,
                                         updates=archive)
        write_mkdocs_yml(config, work / "mkdocs.yml")
        sync_tree(work, final_dir, keep={ZENSICAL_CACHE})
        return StagedPortal(stage_dir=final_dir, docs_dir=final_dir / "docs", mkdocs_yml=final_dir / "mkdocs.yml",
                            config=config, sources=staged_sources, diagnostics=problems, index=index,
                            portal_plans=portal_plan, portal_pages=portal_converted,
                            converted_pages=pages.converted, reused_pages=pages.reused,
                            histories_read=changelogs.histories_read)
    finally:
        release(work)


@dataclass(frozen=True)
class RestagedPage:
    """A page staged again on its own by :func:`restage_page`."""

    staged_path: str
    diagnostics: list[Diagnostic]


def restage_page(project: ProjectConfig, staged: StagedPortal, path: Path) -> RestagedPage | None:
    """Stage again only the page whose file ``path`` (a portal page or a local source's page) was edited, with
    the code path of :func:`stage_portal` (plan, convert against the portal's index, write), so the staged
    file is the one a full staging would write; ``staged`` is updated with the new page.

    None when more than that page's body may have changed and the portal must be staged whole: the file is
    no published page (a partial, a nav or category file, a spec, an update, a new or deleted file), its
    staged path, front matter, title, anchors or routes changed (the navigation and other pages' links use
    them), it links other files than before, or its staged file is not what the last staging wrote. What
    staging appended to the page (an API section's updates and breaking releases, which do not depend on the
    page's text) is kept."""
    found = _planned_page(project, staged, path) if staged.index is not None and path.is_file() else None
    if found is None:
        return None
    plans, pages, number, content = found
    old_plan, old_page = plans[number], pages[number]
    target = staged.docs_dir / old_page.staged_path
    try:
        staged_text = target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    written = staged_page_text(*content(old_page))
    if not staged_text.startswith(written):
        return None
    appended = staged_text[len(written):]
    scratch, problems = SiteIndex(), Diagnostics()
    replanned = plan_source(dataclasses.replace(old_plan.source, files=[old_plan.repo_path]), scratch,
                            limits=old_plan.source_limits, problems=problems)
    if len(replanned) != 1 or problems:
        return None
    plan = replanned[0]
    if (plan.staged_path, plan.meta, plan.title) != (old_plan.staged_path, old_plan.meta, old_plan.title) \
            or not _same_index_entry(scratch, staged.index, plan.staged_path):
        return None
    plan.source = old_plan.source  # the source's file verdicts, its every file
    page = convert_page(plan, staged.index)
    if project.portal.updates.enabled and portal_pages.LATEST_UPDATES_MARKER in old_page.markdown + page.markdown:
        return None  # the latest updates, which only a full staging has
    _drop_unknown_icons([(plan.file, page)], [staged.stage_dir / "overrides" / ".icons", MATERIAL_ICONS], problems)
    if page.assets != old_page.assets:
        return None  # a file to publish beside it
    text = staged_page_text(*content(page)) + appended
    if text != staged_text:
        target.write_text(text, encoding="utf-8")
    plans[number], pages[number] = plan, page
    return RestagedPage(staged_path=plan.staged_path, diagnostics=[*problems, *page.diagnostics])


def _planned_page(project: ProjectConfig, staged: StagedPortal, path: Path) -> tuple[
        list, list[ConvertedPage], int, Callable[[ConvertedPage], tuple[dict[str, Any], str]]] | None:
    """The plans and pages ``path`` is one of, its number among them, and how such a page is staged."""
    path = path.resolve()
    owners = [(portal_pages.content_dir(project).resolve(), staged.portal_plans, staged.portal_pages,
               lambda page: portal_pages.page_content(project, page, staged.sources, None))]
    owners += [(source.checkout.root.resolve(), source.plans, source.pages,
                lambda page, checkout=source.checkout: _source_page_content(checkout, page))
               for source in staged.sources]
    for root, plans, pages, content in owners:
        if path.is_relative_to(root):
            repo_path = path.relative_to(root).as_posix()
            number = next((i for i, plan in enumerate(plans) if plan.repo_path == repo_path), None)
            return None if number is None or len(pages) != len(plans) else (plans, pages, number, content)
    return None


def _same_index_entry(new: SiteIndex, old: SiteIndex, staged_path: str) -> bool:
    """Whether a page registers the same anchors, title, GitHub slugs and routes in ``new`` as in ``old``."""
    entry, before = new.pages.get(staged_path), old.pages.get(staged_path)
    return entry is not None and before is not None and (entry.anchors, entry.title) == (before.anchors, before.title) \
        and new.github_slugs.get(staged_path) == old.github_slugs.get(staged_path) \
        and {route for route, page in new.routes.items() if page == staged_path} == \
        {route for route, page in old.routes.items() if page == staged_path}


def _convert(pages: PageCache, plan, problems: Diagnostics) -> ConvertedPage:
    page = pages.convert(plan)
    problems.extend(page.diagnostics)
    return page


def _plan_source(project: ProjectConfig, checkout: CheckedOutSource, index: SiteIndex,
                 problems: Diagnostics) -> StagedSource:
    cfg = checkout.config
    staged = StagedSource(checkout=checkout)
    problems.extend(checkout.diagnostics)
    exclude = list(cfg.exclude)
    if project.portal.updates.enabled and project.portal.updates.source == cfg.name:
        exclude.append(project.portal.updates.glob)  # published as technical updates, not as guides
    limits = project.portal.limits.content_limits()
    where = _source_pointer(project, cfg)
    try:
        files, empty = glob_files(checkout.root, list(cfg.pages), exclude, max_walked=limits.walked_files)
    except GlobLimitError as exc:
        problems.add(error(str(project.path), f"source `{cfg.name}`: {exc}; none of its pages are published",
                           code="source-too-many-files", pointer=f"{where}.pages", source=cfg.name,
                           hint="narrow the `pages:` globs to the docs folder (e.g. `docs/**/*.md`), or raise "
                                "`limits: {walked_files: ...}`"))
        files, empty = [], []
    markdown = [rel for rel in files if is_markdown(rel)]
    for pattern in empty:
        problems.add(error(str(project.path), f"source `{cfg.name}`: the page glob `{pattern}` matches no file",
                           code="source-glob-empty", pointer=where, **_setting_line(project, cfg, "pages"),
                           hint=f"check `pages:` against the files of {redact_url(cfg.repo)} at {checkout.ref}"))
    if files and not markdown:
        problems.add(error(str(project.path), f"source `{cfg.name}`: the page globs match no Markdown file "
                           f"(`.md`, `.mdx`, `.markdown`); only Markdown files are published as pages",
                           code="source-glob-empty", pointer=where, **_setting_line(project, cfg, "pages"),
                           hint="point `pages:` at the Markdown files"))
    if len(markdown) > limits.pages:
        problems.add(error(str(project.path), f"source `{cfg.name}`: the page globs match {len(markdown):,} Markdown "
                           f"files, over the limit of {limits.pages:,}; none of its pages are published",
                           code="source-too-many-pages", pointer=f"{where}.pages", source=cfg.name,
                           **_setting_line(project, cfg, "pages"),
                           hint="narrow the `pages:` globs (or use `exclude:`), or raise `limits: {pages: ...}`"))
        markdown = []
    files = markdown
    github_repo = _github_repo(checkout.web_url)
    pages = SourcePages(name=cfg.name, root=checkout.root, files=files, web_url=checkout.web_url,
                        github_repo=github_repo, published_urls=list(cfg.published_urls), trusted=cfg.trusted,
                        file_web_url=f"{checkout.web_url}/blob/{checkout.commit or _branch(checkout)}"
                        if checkout.web_url else None, refs=_built_refs(checkout))
    staged.plans = plan_source(pages, index, limits=limits, problems=problems)
    try:
        staged.spec_files, empty_specs = glob_files(checkout.root, list(cfg.specs), max_walked=limits.walked_files)
    except GlobLimitError as exc:
        problems.add(error(str(project.path), f"source `{cfg.name}`: {exc}; none of its specs are published",
                           code="source-too-many-files", pointer=f"{where}.specs", source=cfg.name,
                           **_setting_line(project, cfg, "specs"),
                           hint="narrow the `specs:` globs, or raise `limits: {walked_files: ...}`"))
        staged.spec_files, empty_specs = [], []
    for pattern in empty_specs:
        problems.add(error(str(project.path), f"source `{cfg.name}`: the spec glob `{pattern}` matches no file",
                           code="source-glob-empty", pointer=where, **_setting_line(project, cfg, "specs"),
                           hint="check `specs:`; spec paths are relative to the repo root"))
    return staged


def duplicate_urls(portal_plan: list, staged_sources: list[StagedSource], *, use_directory_urls: bool = True) -> list:
    """Two pages that would be published at one URL: the second would silently replace the first."""
    owners: dict[str, str] = {}
    problems = []
    plans = [("", plan) for plan in portal_plan] + [(s.config.name, plan) for s in staged_sources for plan in s.plans]
    for source, plan in plans:
        url = page_url(plan.staged_path, use_directory_urls=use_directory_urls).removeprefix("./")
        repo_path = getattr(plan, "repo_path", None) or plan.staged_path
        where = f"{source}/{repo_path}" if source else repo_path
        if url in owners:
            problems.append(error(where, f"this page and {owners[url]} would both be published at /{url}",
                                  code="page-duplicate-url",
                                  hint="rename one of them, or set a different `id:`/slug in its front matter"))
        else:
            owners[url] = where
    return problems


def _source_pointer(project: ProjectConfig, cfg: SourceConfig) -> str:
    names = [s.name for s in project.portal.sources]
    return f"sources[{names.index(cfg.name)}]" if cfg.name in names else "sources"


def _setting_line(project: ProjectConfig, cfg: SourceConfig, key: str) -> dict[str, int]:
    names = [s.name for s in project.portal.sources]
    return project.where("sources", names.index(cfg.name), key) if cfg.name in names else {}


def _branch(checkout: CheckedOutSource) -> str:
    """The ref of a checkout, or for a local folder outside Git its ``edit_branch``."""
    return checkout.edit_branch if checkout.ref == "local" else checkout.ref


def _built_refs(checkout: CheckedOutSource) -> frozenset[str]:
    """The names a GitHub URL of the source uses for the version built: its ref, edit branch and commit. A local
    folder has no branch unless ``edit_branch`` names one: then every branch's URL is taken as this one."""
    if checkout.ref == "local":
        return frozenset(filter(None, [checkout.config.edit_branch]))
    return frozenset(filter(None, [checkout.ref, checkout.edit_branch, checkout.commit]))


def _github_repo(web_url: str | None) -> str | None:
    match = re.match(r"https://github\.com/([^/]+/[^/]+?)/?$", web_url or "")
    return match.group(1) if match else None


def _stage_theme_overrides(project: ProjectConfig, target: Path) -> Path:
    """The theme's ``custom_dir`` for the staged build: the project's overrides plus the API reference's
    page template, which receives the pre-rendered reference fragments."""
    theme = project.raw.get("theme")
    custom_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    if isinstance(custom_dir, str) and project.resolve(custom_dir).is_dir():
        shutil.copytree(project.resolve(custom_dir), target, symlinks=False)
    install_page_template(target)
    if project.portal.search == "pagefind":
        install_search_box(target)
    return target


@dataclass(frozen=True)
class _VersionContext:
    """What rendering an API's older versions needs from the portal."""

    project: ProjectConfig
    policy_page: str | None  # the staged page of the API lifecycle policy
    use_directory_urls: bool


@dataclass
class _StartedReferences:
    """A source's API references, each rendering in a worker process or (a big spec, whose validation uses the
    workers) still to be rendered here."""

    older: dict[str, list[VersionConfig]]  # spec repo path → its older versions
    problems: Diagnostics  # of the source's `versions` setting
    options: dict[str, dict[str, Any]]  # spec repo path → the arguments of its cached_api_reference
    rendering: dict[str, Future | ApiReference]  # spec repo path → its reference (from the cache, or a worker)
    try_it: TryIt | None


def _start_references(staged: StagedSource, docs_dir: Path, overrides: Path, workers: Executor,
                      validation_cache: Path, reference_cache: Path | None, limits: ContentLimits = DEFAULT_LIMITS,
                      try_it_config: TryItConfig | None = None, versions: _VersionContext | None = None,
                      prepared: list[bool] | None = None,
                      copy_file: Callable[[str, str], object] = shutil.copy2,
                      parsed: ParsedDocuments | None = None) -> _StartedReferences:
    """Name each of the source's specs (its slug) and start rendering its reference in ``workers`` (unless the
    cache has it, whose files are put in place by ``copy_file``), every source's before any is used, so they
    render side by side while this process takes the big ones. ``prepared`` (one list per run) records that
    :func:`prepare_rendering` ran before the first job; ``parsed`` is where the run's processes share the specs
    they parse."""
    prepared = [] if prepared is None else prepared
    cfg = staged.config
    slugs: set[str] = set()
    enabled = cfg.try_it if cfg.try_it is not None else bool(try_it_config and try_it_config.enabled)
    try_it = TryIt(tuple(try_it_config.allowed_hosts), try_it_config.proxy) if enabled and try_it_config else None
    problems = Diagnostics()
    started = _StartedReferences(older=_older_versions(staged, versions, problems), problems=problems, options={},
                                 rendering={}, try_it=try_it)
    for repo_path in staged.spec_files:
        slug = spec_slug(repo_path)
        while slug in slugs:
            slug += "-2"
        slugs.add(slug)
        staged.reference_slugs[repo_path] = slug
        meta = page_source_meta(staged.checkout, repo_path)
        if started.older.get(repo_path):
            meta[VERSIONS_META] = True
        spec = staged.checkout.root / repo_path
        started.options[repo_path] = options = dict(
            reference_cache=reference_cache, source_root=staged.checkout.root, docs_dir=docs_dir,
            url_prefix=f"{cfg.name}/api/{slug}", title=None, trusted=cfg.trusted, remote_refs=cfg.remote_refs,
            display_path=f"{cfg.name}/{repo_path}", page_meta=meta, fragments_dir=overrides,
            cache_dir=validation_cache, limits=limits, try_it=try_it, parsed=parsed)
        if spec.is_file() and spec.stat().st_size > PARALLEL_VALIDATION_BYTES:
            continue  # rendered here, validated in the workers
        restored = restore_api_reference(spec, **options, copy_file=copy_file)
        if restored is not None:
            started.rendering[repo_path] = restored
            continue
        if not prepared:
            prepare_rendering()
            prepared.append(True)
        started.rendering[repo_path] = workers.submit(cached_api_reference, spec, workers=None, **options)
    return started


def _render_references(staged: StagedSource, started: _StartedReferences, docs_dir: Path, index: SiteIndex,
                       problems: Diagnostics, overrides: Path, workers: Executor, validation_cache: Path,
                       limits: ContentLimits = DEFAULT_LIMITS, versions: _VersionContext | None = None) -> None:
    """Take the source's references (see :func:`_start_references`) into the site index, render their older
    versions, and give each API its versions."""
    cfg = staged.config
    problems.extend(started.problems)
    for repo_path, api_slug in staged.reference_slugs.items():
        rendering = started.rendering.get(repo_path)
        if isinstance(rendering, Future):
            reference = rendering.result()
        elif rendering is not None:
            reference = rendering
        else:
            reference = cached_api_reference(staged.checkout.root / repo_path, workers=workers,
                                             **started.options[repo_path])
        staged.references.append(reference)
        problems.extend(reference.diagnostics)
        for page, anchors in reference.pages.items():
            index.add_page(page, anchors, source=cfg.name, title=reference.title)
        first = next(iter(reference.pages), None)
        if first:
            index.add_api_reference(cfg.name, first, reference.operations, reference.pages)
        api = VersionedApi(source=cfg.name, spec_file=repo_path, slug=api_slug)
        for version in started.older.get(repo_path, []):
            api.versions.append(_render_older_version(staged, version, api, docs_dir, index, problems, overrides,
                                                      workers, validation_cache, limits, started.try_it,
                                                      started.options[repo_path].get("parsed")))
        current_name = cfg.current_version or reference.version or "current"
        api.versions.append(ApiVersion(name=current_name, spec_file=repo_path, ref=None,
                                       commit=staged.checkout.commit, prefix=f"{cfg.name}/api/{api_slug}", current=True,
                                       deprecated=bool(reference.lifecycle.get("deprecated")),
                                       sunset=reference.lifecycle.get("sunset"), reference=reference))
        staged.apis.append(api)
        if len(api.versions) > 1 and versions is not None:
            write_version_bars(api, overrides, use_directory_urls=versions.use_directory_urls,
                               policy_page=versions.policy_page)


def _older_versions(staged: StagedSource, versions: _VersionContext | None,
                    problems: Diagnostics) -> dict[str, list[VersionConfig]]:
    """The configured older versions of each of the source's specs (a version naming no spec of the source
    is an error on its line of mkdocs.yml)."""
    cfg = staged.config
    older: dict[str, list[VersionConfig]] = {}
    for number, version in enumerate(cfg.versions):
        spec = version.spec or (staged.spec_files[0] if len(staged.spec_files) == 1 else None)
        if spec in staged.spec_files:
            older.setdefault(spec, []).append(version)
            continue
        file = str(versions.project.path) if versions else "mkdocs.yml"
        where = _setting_line(versions.project, cfg, "versions") if versions else {}
        if version.spec:
            message = f"`versions[{number}].spec` is `{version.spec}`, which is not one of the source's specs"
        else:
            message = (f"`versions[{number}]` names no `spec`, and the source has {len(staged.spec_files)} specs: "
                       "which API is it a version of?")
        problems.add(error(file, f"source `{cfg.name}`: {message}; version `{version.name}` is not published",
                           code="version-spec", pointer=f"{_source_pointer(versions.project, cfg)}.versions"
                           if versions else "sources", source=cfg.name, **where,
                           hint=f"set `spec:` to one of: {', '.join(staged.spec_files) or 'no spec matched `specs:`'}"))
    return older


def _render_older_version(staged: StagedSource, version: VersionConfig, api: VersionedApi, docs_dir: Path,
                          index: SiteIndex, problems: Diagnostics, overrides: Path, workers: Executor,
                          validation_cache: Path, limits: ContentLimits, try_it: TryIt | None,
                          parsed: ParsedDocuments | None = None) -> ApiVersion:
    """The reference of an older version at ``<source>/api/<spec>/<version>/``: its spec is a file beside the
    current one, or a file at a Git ref of the repo (fetched by the sources step)."""
    cfg, checkout = staged.config, staged.checkout
    spec_file = version.file or api.spec_file
    root = checkout.version_root(version.ref) if version.ref else checkout.root
    commit = next((tree.commit for tree in checkout.version_trees if tree.ref == version.ref), None) \
        if version.ref else checkout.commit
    prefix = f"{cfg.name}/api/{api.slug}/{version.name}"
    result = ApiVersion(name=version.name, spec_file=spec_file, ref=version.ref, commit=commit, prefix=prefix,
                        current=False, deprecated=version.deprecated, sunset=version.sunset)
    where = f"{cfg.name}/{spec_file}" + (f"@{version.ref}" if version.ref else "")
    if root is None or not (root / spec_file).is_file() or not is_inside(root / spec_file, root):
        problems.add(error(where, f"version `{version.name}` of {api.spec_file}: the spec file is not in the "
                                  f"repo{' at ' + version.ref if version.ref else ''}; the version is not published",
                           code="version-spec-missing", source=cfg.name,
                           hint="check `versions[].file` (and `ref`) in mkdocs.yml"))
        return result
    meta = {**page_source_meta(checkout, spec_file if not version.ref else None), VERSIONS_META: True,
            "search": OLD_VERSION_SEARCH}
    reference = render_api_reference(
        root / spec_file, source_root=root, docs_dir=docs_dir, url_prefix=prefix, title=None, trusted=cfg.trusted,
        remote_refs=cfg.remote_refs, display_path=where, page_meta=meta, fragments_dir=overrides,
        cache_dir=validation_cache, limits=limits, workers=workers, try_it=try_it, download_name=api.slug,
        title_suffix=f" (version {version.name})", parsed=parsed)
    problems.extend(reference.diagnostics)
    for page, anchors in reference.pages.items():
        index.add_page(page, anchors, source=cfg.name, title=reference.title)
    result.reference = reference
    result.deprecated = version.deprecated or bool(reference.lifecycle.get("deprecated"))
    result.sunset = version.sunset or reference.lifecycle.get("sunset")
    return result


def _write_source(staged: StagedSource, docs_dir: Path, problems: Diagnostics, pages: PageCache,
                  previous: Path) -> None:
    """Write a source's pages into ``docs_dir``; one unchanged since the staged docs ``previous`` is linked."""
    checkout = staged.checkout
    root = checkout.root.resolve()
    for page in staged.pages:
        meta, markdown = _source_page_content(checkout, page)
        write_page(docs_dir / page.staged_path, meta, markdown, text=pages.staged_text(page, meta, markdown),
                   previous=previous / page.staged_path)
        repo_path = getattr(page, "repo_path", None) or page.meta.get("source_file")
        for asset in getattr(page, "assets", []) or []:
            _publish_asset(root, asset, docs_dir / checkout.config.name, problems,
                           f"{checkout.config.name}/{repo_path}", trusted=checkout.config.trusted)


def _source_page_content(checkout: CheckedOutSource, page: ConvertedPage) -> tuple[dict[str, Any], str]:
    """The front matter and Markdown a source's page is staged with."""
    meta = dict(page.meta)
    meta.update(page_source_meta(checkout, getattr(page, "repo_path", None) or meta.get("source_file")))
    markdown = page.markdown
    if checkout.stale:
        markdown = stale_banner(checkout.stale.notice) + markdown
    return meta, markdown


def _publish_update_assets(staged: StagedSource, updates: list[ConvertedPage], docs_dir: Path,
                           problems: Diagnostics) -> None:
    """The files the technical updates of a source link (their links point into the source's folder)."""
    root = staged.checkout.root.resolve()
    for page in updates:
        for asset in page.assets:
            _publish_asset(root, asset, docs_dir / staged.config.name, problems,
                           f"{staged.config.name}/{page.repo_path}", trusted=staged.config.trusted)


def _drop_unknown_icons(pages: list[tuple[str, ConvertedPage]], icon_dirs: list[Path], problems: Diagnostics) -> None:
    """The theme includes ``.icons/<icon>.svg`` for a page's ``icon``: an unknown one would fail the whole
    portal's build, so it is dropped with a warning naming the page (``pages`` are (file, page) pairs)."""
    for file, page in pages:
        icon = page.meta.get("icon")
        if icon is None:
            continue
        parts = PurePosixPath(str(icon)).parts
        if parts and ".." not in parts and not str(icon).startswith("/") and \
                any((folder / f"{icon}.svg").is_file() for folder in icon_dirs):
            continue
        del page.meta["icon"]
        problems.add(warning(file, f"front matter `icon: {icon}` names no icon of the theme and was ignored",
                             code="frontmatter-icon", hint="use an icon of the theme, e.g. `material/rocket-launch`"))


def stale_banner(notice: str) -> str:
    """A warning admonition opening a page of a source built from its cached commit (``--allow-stale``)."""
    return f'!!! warning "Possibly out of date"\n\n    {notice}\n\n'


def _publish_asset(root: Path, asset: str, target_root: Path, problems: Diagnostics, page_file: str, *,
                   trusted: bool) -> None:
    """Publish a file a page links or embeds, as :func:`publish_file` allows (the links were judged
    by the same rule, so a refusal here means the file changed in between)."""
    source = (root / asset)
    if not is_inside(source, root) or not source.is_file():
        problems.add(warning(page_file, f"referenced file `{asset}` is not in the repo and was not copied",
                             code="asset-missing", hint="add the file or fix the path"))
        return
    target = target_root / asset
    if target.exists():
        return
    verdict = publish_file(root, asset, target, trusted=trusted)
    if not verdict.published:
        problems.add(warning(page_file, f"`{asset}` is not published: {verdict.reason}", code="file-refused",
                             hint=REFUSED_HINT))


def _source_nav(staged: StagedSource, problems: Diagnostics, limits: ContentLimits = DEFAULT_LIMITS) -> list:
    cfg = staged.config
    nav_pages = [NavPage(staged_path=p.staged_path, repo_path=getattr(p, "repo_path", None) or
                         p.meta.get("source_file") or p.staged_path.split("/", 1)[-1],
                         title=p.title, position=_number(p.meta.get("sidebar_position")),
                         label=p.meta.get("sidebar_label"))
                 for p in staged.pages]
    categories, category_problems = read_categories(staged.checkout.root, folders_of(p.repo_path for p in nav_pages),
                                                    source=cfg.name, limits=limits)
    problems.extend(category_problems)
    nav_file = staged.checkout.root / cfg.nav_file
    text = None
    if cfg.nav_file and nav_file.is_file() and is_inside(nav_file, staged.checkout.root):
        try:
            text = read_text(nav_file, max_bytes=limits.page_bytes, setting="page_mb")
        except SourceFileError as exc:
            problems.add(error(f"{cfg.name}/{cfg.nav_file}", f"nav file not read: {exc}", code="source-file-refused",
                               line=exc.line, hint=exc.hint))
    if text is not None:
        entries, nav_problems = nav_from_file(text, nav_pages, f"{cfg.name}/{cfg.nav_file}", categories)
        problems.extend(nav_problems)
    else:
        entries = default_source_nav(nav_pages, categories)
    for reference, api in zip(staged.references, staged.apis, strict=True):
        label = "API reference" if len(staged.references) == 1 else f"API reference: {reference.title}"
        versions = [{f"Version {v.name}" + (" (deprecated)" if v.deprecated else ""): v.reference.nav}
                    for v in api.versions[:-1] if v.reference is not None and v.reference.nav]
        entries.append({label: reference.nav + ([{"Older versions": versions}] if versions else [])})
    return entries


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def sync_tree(new: Path, target: Path, *, keep: set[str] = frozenset()) -> None:
    """Make ``target`` equal to ``new``, touching only files that differ, and leaving alone what ``target`` has
    under the top-level names ``keep`` (Zensical's cache, which its next build of the stage folder reads).

    ``mkdocs serve`` watches the staged docs: rewriting only what changed keeps its watch alive and
    rebuilds only what an edit changed. When there is no ``target`` yet (a first staging), ``new`` is renamed
    to it: its folders are not made again and deleted (a folder per page).
    """
    if not target.exists() and not target.is_symlink():
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            new.rename(target)
            return
        except OSError:
            pass  # another file system, or another build made it meanwhile: synced below
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.relative_to(new) for p in new.rglob("*") if p.is_file()}
    for rel in sorted(wanted):
        source, dest = new / rel, target / rel
        if _unchanged(source, dest):
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, dest)
    synced = [path for path in target.iterdir() if path.name not in keep]
    inner = [path for top in synced if top.is_dir() and not top.is_symlink() for path in top.rglob("*")]
    for path in sorted([*synced, *inner], reverse=True):
        rel = path.relative_to(target)
        if path.is_file() and rel not in wanted:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _unchanged(source: Path, dest: Path) -> bool:
    """Whether the file ``dest`` holds the bytes of ``source``: is the same file (a page staging linked, see
    :func:`~generator.render.staged_page.link_unchanged`) or has the same bytes."""
    try:
        new, old = source.stat(), dest.stat()
    except OSError:
        return False
    if (new.st_ino, new.st_dev) == (old.st_ino, old.st_dev):
        return True
    return S_ISREG(old.st_mode) and new.st_size == old.st_size and dest.read_bytes() == source.read_bytes()
