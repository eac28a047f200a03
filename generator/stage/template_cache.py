"""MkDocs' theme templates compiled once, not on every build: a Jinja bytecode cache in devportal's cache folder.

MkDocs compiles Material's templates (``base.html``, its partials, the staged ``main.html``) again on every
build: a quarter of a second, most of what a rebuild of one page spends in Jinja. Jinja's own
:class:`jinja2.FileSystemBytecodeCache` keeps the compiled code per template, found by the template's name
and file and used only while the template's source is unchanged, so what a build renders stays the same.
After a full build, which loads every template of the site, the entries it did not use are deleted (the API
reference's fragments are not compiled since :mod:`generator.stage.raw_fragments`, but older builds left one
per reference page).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
from mkdocs.plugins import BasePlugin

from generator.cache_entries import remove_other_entries

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files

#: How a build registers it among the loaded config's plugins.
NAME = "devportal/compiled-templates"


class _UsedEntries(jinja2.FileSystemBytecodeCache):
    """Jinja's bytecode cache, recording the file name of every entry the build looks up or writes."""

    def __init__(self, directory: str) -> None:
        super().__init__(directory)
        self.used: set[str] = set()

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.used.add(self.pattern % (bucket.key,))
        super().load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.used.add(self.pattern % (bucket.key,))
        super().dump_bytecode(bucket)


class CompiledTemplates(BasePlugin):
    """Gives the build's template environment a bytecode cache in ``folder``; with ``prune`` (a full build, which
    loads every template of the site), the entries it did not use are deleted once it succeeded."""

    def __init__(self, folder: Path, *, prune: bool = False) -> None:
        super().__init__()
        self._folder = folder
        self._prune = prune
        self._cache: _UsedEntries | None = None

    def on_env(self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return env  # no cache: the templates are compiled as without it
        env.bytecode_cache = self._cache = _UsedEntries(str(self._folder))
        return env

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if self._prune and self._cache is not None:
            remove_other_entries(self._folder, self._cache.used)
