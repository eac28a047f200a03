"""Build the staged ``mkdocs.yml`` with MkDocs (or Zensical) into ``site/``, atomically, and index it for search.

The site is built into a sibling folder and swapped in only when the build succeeded, so a failed or
interrupted build leaves the previous ``site/`` untouched.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from generator.config import read_mkdocs_yml
from generator.diagnostics import Diagnostic, Diagnostics, error, warning
from generator.heap import frozen
from generator.stage.dirty import (
    DIRTY_SAFE_PLUGINS,
    SEARCH_INDEX,
    OnlyChanged,
    dirty_notice_silenced,
    merge_search_index,
)
from generator.stage.nav_items import NAME as NAV_ITEMS
from generator.stage.nav_items import NavItems
from generator.stage.one_markdown import NAME as ONE_MARKDOWN
from generator.stage.one_markdown import OneMarkdown
from generator.stage.raw_fragments import NAME as RAW_FRAGMENTS
from generator.stage.raw_fragments import RawFragments
from generator.stage.render_ahead import RenderAhead
from generator.stage.search_index import INDEX_ENTRY, SearchIndexError, index_site, stale_bundles
from generator.stage.site_state import (
    BuildPlan,
    SiteState,
    forget_unused_sites,
    kept_tree,
    plan_build,
    site_files,
    staged_inputs,
)
from generator.stage.swap import claim, keep_unchanged, link_tree, recover, release, swap_into_place, work_dir
from generator.stage.template_attributes import NAME as TEMPLATE_ATTRIBUTES
from generator.stage.template_attributes import TemplateAttributes
from generator.stage.template_cache import NAME as TEMPLATE_CACHE
from generator.stage.template_cache import CompiledTemplates
from generator.stage.theme_files import visible_theme_files
from generator.stage.theme_parts import NAME as THEME_PARTS
from generator.stage.theme_parts import ThemeParts
from generator.stage.zensical_engine import build_with_zensical

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig


class _CollectWarnings(logging.Handler):
    """Turns MkDocs' own warnings into diagnostics, so they are reported with ours."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _collect_mkdocs_warnings() -> Iterator[_CollectWarnings]:
    handler = _CollectWarnings()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@contextmanager
def config_parsed_by_libyaml() -> Iterator[None]:
    """MkDocs' ``load_config`` with its YAML parsed by libyaml: PyYAML's ``CLoader``, which has the constructors
    and resolver of the pure-Python ``Loader`` MkDocs uses (its own tags are added to either), so the config
    is the same. The staged ``mkdocs.yml`` carries the whole navigation (63 KB at the scale benchmark's M),
    which the pure-Python parser read in 0.09 CPU s, libyaml in 0.016. Scoped to the call; without libyaml,
    MkDocs' own loader."""
    import mkdocs.config.defaults as defaults

    if not getattr(yaml, "__with_libyaml__", False):
        yield
        return
    original = defaults.get_yaml_loader
    defaults.get_yaml_loader = functools.partial(original, yaml.CLoader)
    try:
        yield
    finally:
        defaults.get_yaml_loader = original


def _record_to_diagnostic(record: logging.LogRecord, mkdocs_yml: Path) -> Diagnostic | None:
    message = record.getMessage().strip()
    if not message or "MkDocs 2.0" in message or "end of life" in message.lower():
        return None
    make = error if record.levelno >= logging.ERROR else warning
    return make(str(mkdocs_yml), message.splitlines()[0], code="mkdocs",
                hint="reported by MkDocs while building the staged tree")


def _search_engine(extra: object) -> str | None:
    """The portal's ``search`` setting, as the staged config's ``extra`` carries it (``extra.devportal.search``)."""
    devportal = extra.get("devportal") if isinstance(extra, Mapping) else None  # a loaded config's: a UserDict
    return devportal.get("search") if isinstance(devportal, Mapping) else None


def build_site(mkdocs_yml: Path, site_dir: Path, *, strict: bool = False, state_file: Path | None = None,
               log: Callable[[str], None] | None = None, engine: str = "mkdocs") -> Diagnostics:
    """Build ``mkdocs_yml`` with ``engine`` (the real MkDocs build, or Zensical), index it for search
    (Pagefind, unless ``search: lunr``) and swap the result into ``site_dir``.

    With ``state_file`` (see :mod:`generator.stage.site_state`) a MkDocs build is incremental: an unchanged
    staged tree reuses the site as it is, a tree where only page bodies changed re-renders only those pages
    into a hard-linked copy of the last site, and output files whose bytes did not change keep their inode
    and mtime. Zensical keeps its own cache, and always builds the whole site here. Returns the engine's
    warnings and errors as diagnostics; on failure ``site_dir`` is left as it was.
    """
    problems = Diagnostics()
    site_dir = site_dir.resolve()
    recover(site_dir)  # what a killed build left: restore the last good site, delete its work folders
    if engine != "mkdocs" and state_file is not None:
        state_file.unlink(missing_ok=True)  # the site is no longer MkDocs' last one: never reuse it
        release(kept_tree(state_file))
        state_file = None
    kept = kept_tree(state_file) if state_file is not None else None
    inputs = staged_inputs(mkdocs_yml, site_dir) if state_file else None
    plan = plan_build(inputs, SiteState.load(state_file), site_dir) if state_file and site_dir.is_dir() else \
        BuildPlan("full", "no previous site")
    if log:
        log(f"site: {'reused' if plan.kind == 'reuse' else plan.kind + ' build'} ({plan.reason})")
    if plan.kind == "reuse":
        _used(state_file)
        return problems
    templates = state_file.parent.parent / "templates" if state_file is not None else None
    work = work_dir(site_dir)
    try:
        if engine == "zensical":
            problems.extend(build_with_zensical(mkdocs_yml, work, strict=strict))
            records: list[logging.LogRecord] | None = []
            # A MkDocs build makes the search index in the staged config's hook; Zensical runs no MkDocs hook.
            if not problems.has_errors(strict=strict) and \
                    _search_engine(read_mkdocs_yml(mkdocs_yml).get("extra")) == "pagefind":
                problems.extend(index_site(work, config_file=str(mkdocs_yml)))
        else:
            records = _mkdocs_build(mkdocs_yml, site_dir, work, strict=strict, problems=problems,
                                    pages=plan.pages if plan.kind == "dirty" else None, templates=templates,
                                    kept=kept)
        if records is None:  # the dirty build could not be completed: build it all
            if log:
                log("site: full build (a partial build could not give the same site)")
            release(work)
            work = work_dir(site_dir)
            records = _mkdocs_build(mkdocs_yml, site_dir, work, strict=strict, problems=problems, pages=None,
                                    templates=templates)
        for record in records or []:
            diagnostic = _record_to_diagnostic(record, mkdocs_yml)
            if diagnostic:
                problems.add(diagnostic)
        if problems.has_errors(strict=strict):
            return problems
        if site_dir.is_dir():
            keep_unchanged(work, site_dir, renewed=frozenset({INDEX_ENTRY}))  # see search_index._current
        swap_into_place(work, site_dir, keep=kept)
        work = None
        if state_file is not None:
            try:
                SiteState(inputs=inputs, site=site_files(site_dir), clean=not problems).save(state_file)
            except OSError:
                pass  # the next build is then a full one
            _used(state_file)
        return problems
    finally:
        if work is not None:
            release(work)


def _used(state_file: Path) -> None:
    """Mark the record of this site used now, and delete those of site folders no build used for a week."""
    now = time.time()
    try:
        os.utime(state_file, (now, now))
    except OSError:
        pass  # no record: the next build is a full one anyway
    forget_unused_sites(state_file, now)


def _render_for_less(config: MkDocsConfig) -> None:
    """Add the plugins with which MkDocs renders the same pages for less than a plain build of the staged tree."""
    config.plugins[ONE_MARKDOWN] = OneMarkdown()  # one Markdown instance for every page
    config.plugins[RAW_FRAGMENTS] = RawFragments()  # the reference's HTML included without lexing it
    config.plugins[TEMPLATE_ATTRIBUTES] = TemplateAttributes()  # no exception per missing attribute
    config.plugins[NAV_ITEMS] = NavItems()  # each link to another page rendered once per relative URL
    config.plugins[THEME_PARTS] = ThemeParts()  # translations once; header, styles, config per set of URLs


def _mkdocs_build(mkdocs_yml: Path, site_dir: Path, work: Path, *, strict: bool, problems: Diagnostics,
                  pages: list[str] | None, templates: Path | None = None,
                  kept: Path | None = None) -> list[logging.LogRecord] | None:
    """The one place the staged tree is built with MkDocs, into ``work``; with ``templates``, the theme's
    compiled templates are kept in that folder for the next build (:mod:`generator.stage.template_cache`).

    With ``pages`` (docs-relative staged files that changed) only those are rendered, into a hard-linked copy
    of ``site_dir`` (the previous site ``kept`` by the last swap, brought up to date, when there is one);
    returns None when such a build cannot give the site a full build would (then nothing of ``site_dir`` was
    touched). Returns what MkDocs logged; a failure is added to ``problems``."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    with _collect_mkdocs_warnings() as collected:
        try:
            with config_parsed_by_libyaml():
                config = load_config(str(mkdocs_yml), site_dir=str(work), strict=strict)
            visible_theme_files(config)  # the theme's static files, listed without its 14,000 hidden icons
            search = _search_engine(config.extra)  # with Pagefind, the staged hook indexes the site at the end
            if pages is None:
                if RenderAhead.usable(config):  # the later pages' Markdown is rendered on a second core
                    config.plugins["devportal/render-ahead"] = RenderAhead()
                _render_for_less(config)
                if templates is not None:
                    config.plugins[TEMPLATE_CACHE] = CompiledTemplates(templates, prune=True)
                # What is alive when the build starts (the config, the loaded theme and plugins, the imported
                # extensions) stays alive through it: frozen, the collector's full passes need not walk it.
                with frozen():
                    build(config)
                return collected.records
            if set(config.plugins) - DIRTY_SAFE_PLUGINS:
                return None  # a plugin this module does not know may write files in place
            if templates is not None:
                config.plugins[TEMPLATE_CACHE] = CompiledTemplates(templates)
            only = OnlyChanged(set(pages))
            config.plugins["devportal/only-changed"] = only
            _render_for_less(config)
            rewritten = [*config.theme.static_templates, *config.extra_templates, "sitemap.xml.gz", SEARCH_INDEX]
            if search == "pagefind":  # the hook indexes again the bundles that hold a page written again
                rewritten.extend(stale_bundles(site_dir, [*rewritten, *only.outputs(config)]))
            claim(kept, work)  # its folders are there already: only files that changed are linked again
            link_tree(site_dir, work, skip=set(rewritten) | only.outputs(config))
            with dirty_notice_silenced():
                build(config, dirty=True)
            # With Pagefind, the hook indexed the whole site (lunr's partial index is not published).
            if search != "pagefind" and not merge_search_index(site_dir / SEARCH_INDEX, work / SEARCH_INDEX,
                                                               only.urls):
                return None
            return collected.records
        except (ConfigurationError, Abort, OSError, ValueError, KeyError) as exc:
            failure = exc.__context__ if isinstance(exc, Abort) else None  # MkDocs logs a plugin's error, aborts
            if isinstance(failure, SearchIndexError):
                # The staged hook's Pagefind run failed: its own diagnostics, not MkDocs' record of them
                problems.extend(failure.diagnostics)
                return [record for record in collected.records if record.getMessage() != str(failure)]
            problems.add(error(str(mkdocs_yml), f"MkDocs could not build the site: {exc}",
                               code="mkdocs-failed",
                               hint="fix the problems above; the previous site was left untouched"))
            return collected.records
