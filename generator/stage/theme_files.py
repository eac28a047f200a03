"""The theme's static files listed without walking its hidden folders: Material's ``.icons`` alone holds 14,000
files that MkDocs lists, then throws away, on every build (0.1 CPU s, cold build or a rebuild of one page).

MkDocs adds a theme's static files to a build (``Files.add_files_from_theme``) by listing every file of the
theme's Jinja loader and dropping, among others, every path with a part that starts with a dot (its patterns
``.*`` and ``*/.*``). The list is made right after ``theme.get_env()``, with no plugin event between, so
:func:`visible_theme_files` wraps the ``get_env`` of one loaded config's theme: its environment's loader lists
the same files but does not descend into hidden folders. What MkDocs keeps, and renders, is unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import jinja2
from mkdocs.config.defaults import MkDocsConfig


class _VisibleFilesLoader(jinja2.FileSystemLoader):
    """A :class:`jinja2.FileSystemLoader` whose listing leaves out hidden folders (their templates still load)."""

    def list_templates(self) -> list[str]:
        found = set()
        for searchpath in self.searchpath:
            for folder, folders, names in os.walk(searchpath, followlinks=self.followlinks):
                folders[:] = [name for name in folders if not name.startswith(".")]
                rel = os.path.relpath(folder, searchpath).replace(os.path.sep, "/")
                found.update(name if rel == "." else f"{rel}/{name}" for name in names)
        return sorted(found)


def visible_theme_files(config: MkDocsConfig) -> None:
    """Make the environments of ``config``'s theme list its files without its hidden folders (this config only)."""
    theme = config.theme
    get_env: Callable[[], jinja2.Environment] = theme.get_env

    def get_env_listing_visible_files() -> jinja2.Environment:
        env = get_env()
        loader = env.loader
        if type(loader) is jinja2.FileSystemLoader:  # as MkDocs makes it; any other is left as it is
            env.loader = _VisibleFilesLoader(loader.searchpath, encoding=loader.encoding,
                                             followlinks=loader.followlinks)
        return env

    theme.get_env = get_env_listing_visible_files
