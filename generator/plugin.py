"""The MkDocs plugin: a thin adapter that lets plain ``mkdocs build`` / ``mkdocs serve`` use the core.

On ``on_config`` it fetches and stages the portal exactly as ``devportal stage`` does, then points MkDocs
at the staged docs tree and takes over the generated nav, Markdown extensions and assets. On
``on_serve`` it watches the portal's content and every local source so that editing a page rebuilds it.
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
from generator.stage.docs_tree import stage_portal

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
        self._watch = [project.resolve(self.config.content_dir), project.root / "templates"]
        self._watch += [c.root for c in checkouts if not c.root.is_relative_to(project.resolve(self.config.cache_dir))]
        if self.config.updates.enabled and not self.config.updates.source:
            self._watch.append(project.resolve(self.config.updates.dir))
        return config

    def on_post_build(self, config: MkDocsConfig) -> None:
        self._release()

    def on_build_error(self, error: Exception) -> None:
        self._release()

    def on_shutdown(self) -> None:
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            release_build_lock(self._lock)
            self._lock = None

    def on_serve(self, server, config: MkDocsConfig, builder):
        for path in self._watch:
            if path.exists():
                server.watch(str(path))
        return server
