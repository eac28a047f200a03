"""The MkDocs plugin: a thin adapter that lets plain ``mkdocs build`` / ``mkdocs serve`` use the core.

On ``on_config`` it fetches and stages the portal exactly as ``devportal stage`` does, then points MkDocs
at the staged docs tree and takes over the generated nav, Markdown extensions and assets. On
``on_serve`` it watches the portal's content and every local source so that editing a page rebuilds it,
once: the staged tree itself is not watched (restaging rewrites the files an edit changed). Under
``mkdocs serve --dirty`` (what ``devportal serve`` runs) a save of page bodies restages only those pages
(:func:`generator.stage.docs_tree.restage_page`; anything else restages the portal), a rebuild renders
only the pages whose staged file changed (:class:`generator.stage.dirty.OnlyChanged`; everything when more
than page bodies changed), and the search index is made again in the background once the page is served
(:class:`generator.stage.search_index.BackgroundIndex`).
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from generator.config import PortalConfig, ProjectConfig, Tagged, read_mkdocs_yml, validate_portal_config
from generator.diagnostics import Diagnostic, DiagnosticError, Diagnostics, Severity
from generator.pipeline import fetch
from generator.project_lock import acquire as acquire_build_lock
from generator.project_lock import release as release_build_lock
from generator.stage.dirty import OnlyChanged, dirty_notice_silenced, restaged_inputs
from generator.stage.docs_tree import restage_page, stage_portal
from generator.stage.search_index import BackgroundIndex, index_site, skip_lunr_index
from generator.stage.site_state import StagedInputs, changes, staged_inputs
from generator.stage.staged import StagedPortal

log = logging.getLogger("mkdocs.plugins.devportal")


def _untag(value: Any) -> Any:
    """Turn ``!!python/name:`` values of the generated config back into Python objects for MkDocs."""
    if isinstance(value, Tagged):
        if "python/name:" in value.tag:
            module, _, name = value.tag.split("python/name:", 1)[1].rpartition(".")
            return getattr(importlib.import_module(module), name)
        return value.value
    if isinstance(value, list):
        return [_untag(v) for v in value]
    if isinstance(value, dict):
        return {k: _untag(v) for k, v in value.items()}
    return value


class DevportalPlugin(BasePlugin[PortalConfig]):
    """``plugins: - devportal: {sources: [...]}``."""

    def __init__(self) -> None:
        super().__init__()
        self._fetched = False
        self._watch: list[Path] = []
        self._lock: Path | None = None
        self._dirty_serve = False  # `mkdocs serve --dirty`: rebuild only what changed
        self._inputs: StagedInputs | None = None  # what the last build of this serve session was made from
        self._clean_first = False
        self._silenced = None  # the filter of MkDocs' dirty-build notice, for a dirty serve session
        self._staged: StagedPortal | None = None  # what the last build of a dirty serve session staged...
        self._files: dict[str, tuple[int, int]] = {}  # ...from these watched files (mtime, size)
        self._search: BackgroundIndex | None = None  # Pagefind under a dirty serve session, after its first build

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self._dirty_serve = command == "serve" and dirty
        if self._dirty_serve:  # held for the session, closed in on_shutdown
            self._silenced = dirty_notice_silenced()
            self._silenced.__enter__()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        path = Path(config.config_file_path).resolve()
        # Held until on_post_build: no `devportal build` or other `mkdocs build` mixes into this one.
        self._release()
        try:
            self._lock = acquire_build_lock(path.parent, log=log.info)
        except DiagnosticError as exc:
            raise PluginError("devportal:\n" + "\n".join(str(d) for d in exc.diagnostics)) from exc
        try:
            return self._configure(config, path)
        except BaseException:
            self._release()
            raise

    def _configure(self, config: MkDocsConfig, path: Path) -> MkDocsConfig:
        raw = read_mkdocs_yml(path)
        _, config_problems = validate_portal_config(
            (raw.get("plugins") and next((e["devportal"] for e in raw["plugins"]
                                          if isinstance(e, dict) and "devportal" in e), {})) or {},
            str(path), path.read_text(encoding="utf-8"))
        project = ProjectConfig(path=path, raw=raw, portal=self.config)
        if self._search is not None:
            self._search.build_started()
        restaged = self._restage_edited_pages(project) if self._dirty_serve else None
        if restaged is None:
            staged = self._stage(project, path, strict=self.config.strict or config.strict)
            found, pages = list(staged.diagnostics), None
        else:
            staged, found, pages = restaged
        problems = list(config_problems) + found
        for diagnostic in problems:
            (log.error if diagnostic.severity is Severity.ERROR else
             log.warning if diagnostic.severity is Severity.WARNING else log.debug)(str(diagnostic))
        blocking = [d for d in config_problems if d.severity is Severity.ERROR] + \
            dataclasses.replace(staged, diagnostics=Diagnostics(found)).blocking(self.config.strict)
        if blocking:
            raise PluginError(f"devportal: {len(blocking)} error(s), see above")
        generated = _untag(staged.config)
        config.docs_dir = str(staged.docs_dir)
        # The staged custom_dir: the project's overrides plus the API reference's page template and fragments.
        config.theme.dirs.insert(0, str(staged.stage_dir / "overrides"))
        config.nav = generated["nav"]
        for entry in generated["markdown_extensions"]:
            name, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
            if name not in config.markdown_extensions:
                config.markdown_extensions.append(name)
                config.mdx_configs[name] = options or {}
        for key in ("extra_css", "extra_javascript"):
            for asset in generated.get(key, []):
                if asset not in config[key]:
                    config[key].append(asset)
        config.extra["devportal"] = generated["extra"]["devportal"]
        if config.extra["devportal"].get("search") == "pagefind":
            skip_lunr_index(config)  # the search box stays; Pagefind indexes the site in on_post_build
        if self._dirty_serve:
            self._only_changed(config, staged, pages)
        return config

    def _stage(self, project: ProjectConfig, path: Path, *, strict: bool) -> StagedPortal:
        """Fetch and stage the whole portal; under a dirty serve session, remember what from."""
        self._staged = None
        mode = "offline" if self._fetched or self.config.offline else "auto"
        try:
            checkouts = fetch(project, mode=mode, log=log.info)
            self._watch = [project.resolve(self.config.content_dir), project.root / "templates"]
            self._watch += [c.root for c in checkouts
                            if not c.root.is_relative_to(project.resolve(self.config.cache_dir))]
            if self.config.updates.enabled and not self.config.updates.source:
                self._watch.append(project.resolve(self.config.updates.dir))
            files = _watched_files([*self._watch, path], skip=self._own_folders(project))
            staged = stage_portal(project, checkouts, strict=strict)
        except DiagnosticError as exc:
            raise PluginError("devportal:\n" + "\n".join(str(d) for d in exc.diagnostics)) from exc
        self._fetched = True
        if self._dirty_serve:
            self._staged, self._files = staged, files
        return staged

    def _own_folders(self, project: ProjectConfig) -> set[Path]:
        return {project.resolve(self.config.stage_dir), project.resolve(self.config.cache_dir)}

    def _restage_edited_pages(self, project: ProjectConfig) -> tuple[StagedPortal, list[Diagnostic], list[str]] | None:
        """When only existing pages' files changed since the last build, stage just those pages again (with
        their problems and staged paths); None when the portal must be staged whole."""
        if self._staged is None:
            return None
        files = _watched_files([*self._watch, project.path], skip=self._own_folders(project))
        edited = sorted(path for path in files.keys() | self._files.keys() if files.get(path) != self._files.get(path))
        if not edited or not all(path in files and path in self._files for path in edited):
            return None  # a file added or removed, or a change no watched file shows
        problems: list[Diagnostic] = []
        pages: list[str] = []
        for path in edited:
            page = restage_page(project, self._staged, Path(path))
            if page is None:
                log.info(f"devportal: restaging the portal: {path} changed more than a page's text")
                return None
            problems += page.diagnostics
            pages.append(page.staged_path)
        self._files = files
        log.info(f"devportal: restaged only {len(edited)} page(s): {', '.join(edited)}")
        return self._staged, problems, pages

    def _only_changed(self, config: MkDocsConfig, staged, restaged: list[str] | None) -> None:
        """A dirty rebuild renders what changed since the last one; when more than page bodies changed, the
        site folder is emptied first and everything is built. When only the pages ``restaged`` may have
        changed, only their files are read again."""
        if restaged is not None and self._inputs is not None:
            inputs = restaged_inputs(self._inputs, staged.docs_dir, restaged)
        else:
            inputs = staged_inputs(staged.mkdocs_yml, Path(config.site_dir))
        plan = changes(self._inputs, inputs) if self._inputs is not None else None
        self._inputs = inputs
        self._clean_first = plan is None or plan.kind == "full"
        if plan is not None:
            log.info(f"devportal: {'full rebuild' if self._clean_first else 'rebuilding only what changed'}: "
                     f"{plan.reason}")
        if not self._clean_first:
            config.plugins["devportal/only-changed"] = OnlyChanged(set(plan.pages))

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        if self._clean_first:
            from mkdocs.utils import clean_directory

            clean_directory(config.site_dir)

    def on_post_build(self, config: MkDocsConfig) -> None:
        try:
            if (config.extra.get("devportal") or {}).get("search") != "pagefind":
                return
            site_dir = Path(config.site_dir)
            if self._search is not None:
                # a rebuild of a serve session: the page is served (and the browser reloaded) at once, the
                # search index follows in the background
                self._search.request(site_dir)
                return
            # the portal's search box answers from Pagefind's index (also under `serve`)
            problems = index_site(site_dir, config_file=str(config.config_file_path))
            if problems:
                raise PluginError("devportal:\n" + "\n".join(str(d) for d in problems))
            if self._dirty_serve:
                self._search = BackgroundIndex(config_file=str(config.config_file_path), log=log.info,
                                               report=log.error)
        finally:
            self._release()

    def on_build_error(self, error: Exception) -> None:
        self._inputs = None  # the next build of a serve session is a full one
        self._staged = None
        self._release()

    def on_shutdown(self) -> None:
        if self._search is not None:
            self._search.wait(timeout=30)
            self._search = None
        if self._silenced is not None:
            self._silenced.__exit__(None, None, None)
            self._silenced = None
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            release_build_lock(self._lock)
            self._lock = None

    def on_serve(self, server, config: MkDocsConfig, builder):
        # The staged tree changes when a watched source does; watching it too would build every save twice.
        server.unwatch(config.docs_dir)
        for path in self._watch:
            if path.exists():
                server.watch(str(path))
        return server


def _watched_files(paths: list[Path], *, skip: set[Path]) -> dict[str, tuple[int, int]]:
    """Every file under ``paths`` (folders or files) with its mtime and size, Git's and devportal's own
    folders (``skip``) left out: what a save changes."""
    found: dict[str, tuple[int, int]] = {}
    skipped = {str(path.resolve()) for path in skip}
    for top in paths:
        top = top.resolve()
        if top.is_file():
            stat = top.stat()
            found[str(top)] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, names in os.walk(top):
            dirs[:] = [d for d in dirs if d != ".git" and os.path.join(folder, d) not in skipped]
            for name in names:
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:
                    continue
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found
