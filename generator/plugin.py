"""The MkDocs plugin: a thin adapter that lets plain ``mkdocs build`` / ``mkdocs serve`` use the core.

On ``on_config`` it fetches and stages the portal exactly as ``devportal stage`` does, then points MkDocs
at the staged docs tree and takes over the generated nav, Markdown extensions and assets. On
``on_serve`` it watches the portal's content and every local source so that editing a page rebuilds it,
once: the staged tree itself is not watched (restaging rewrites the files an edit changed). Under
``mkdocs serve --dirty`` (what ``devportal serve`` runs) a rebuild renders only the pages whose staged
file changed (:class:`generator.stage.dirty.OnlyChanged`), and everything when more than page bodies changed.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from generator.config import PortalConfig, ProjectConfig, Tagged, read_mkdocs_yml, validate_portal_config
from generator.diagnostics import DiagnosticError, Severity
from generator.pipeline import fetch
from generator.project_lock import acquire as acquire_build_lock
from generator.project_lock import release as release_build_lock
from generator.stage.dirty import OnlyChanged, dirty_notice_silenced
from generator.stage.docs_tree import stage_portal
from generator.stage.search_index import index_site
from generator.stage.site import skip_lunr_index
from generator.stage.site_state import StagedInputs, changes, staged_inputs

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
        mode = "offline" if self._fetched or self.config.offline else "auto"
        try:
            checkouts = fetch(project, mode=mode, log=log.info)
            staged = stage_portal(project, checkouts, strict=self.config.strict or config.strict)
        except DiagnosticError as exc:
            raise PluginError("devportal:\n" + "\n".join(str(d) for d in exc.diagnostics)) from exc
        self._fetched = True
        problems = list(config_problems) + list(staged.diagnostics)
        for diagnostic in problems:
            (log.error if diagnostic.severity is Severity.ERROR else
             log.warning if diagnostic.severity is Severity.WARNING else log.debug)(str(diagnostic))
        blocking = [d for d in config_problems if d.severity is Severity.ERROR] + \
            staged.blocking(self.config.strict)
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
            self._only_changed(config, staged)
        self._watch = [project.resolve(self.config.content_dir), project.root / "templates"]
        self._watch += [c.root for c in checkouts if not c.root.is_relative_to(project.resolve(self.config.cache_dir))]
        if self.config.updates.enabled and not self.config.updates.source:
            self._watch.append(project.resolve(self.config.updates.dir))
        return config

    def _only_changed(self, config: MkDocsConfig, staged) -> None:
        """A dirty rebuild renders what changed since the last one; when more than page bodies changed, the
        site folder is emptied first and everything is built."""
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
            if (config.extra.get("devportal") or {}).get("search") == "pagefind":
                # the portal's search box answers from Pagefind's index (also under `serve`, also after a
                # dirty rebuild: it indexes the whole site again, in under a second for hundreds of pages)
                problems = index_site(Path(config.site_dir), config_file=str(config.config_file_path))
                if problems:
                    raise PluginError("devportal:\n" + "\n".join(str(d) for d in problems))
        finally:
            self._release()

    def on_build_error(self, error: Exception) -> None:
        self._inputs = None  # the next build of a serve session is a full one
        self._release()

    def on_shutdown(self) -> None:
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
