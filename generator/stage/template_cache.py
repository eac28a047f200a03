"""MkDocs' theme templates compiled once, not on every build: a Jinja bytecode cache in devportal's cache folder.

MkDocs compiles Material's templates (``base.html``, its partials, the staged ``main.html``) again on every
build: a quarter of a second, most of what a rebuild of one page spends in Jinja. Jinja's own
:class:`jinja2.FileSystemBytecodeCache` keeps the compiled code per template, found by the template's name
and file and used only while the template's source is unchanged, so what a build renders stays the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from mkdocs.plugins import BasePlugin

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/compiled-templates"


class CompiledTemplates(BasePlugin):
    """Gives the build's template environment a bytecode cache in ``folder``."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self._folder = folder

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return env  # no cache: the templates are compiled as without it
        env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(self._folder))
        return env
