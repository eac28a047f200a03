"""The MkDocs hook of a staged tree searched with Pagefind (``search: pagefind``): the index is part of the build.

Staging copies this module into the stage folder and names the copy in the staged ``mkdocs.yml``
(``hooks: [hooks/devportal_search.py]``, see :func:`generator.stage.search_index.install_search_hook`), so
``devportal build``, a plain ``mkdocs build -f .devportal/stage/mkdocs.yml`` and ``mkdocs serve`` of the
staged tree all give the same site, its ``pagefind/`` index included. It only imports this package: the copy
runs the installed code.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from generator.stage.search_index import SearchIndexError, index_site, skip_lunr_index

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Material's lunr index is not made: no page loads it (its search box answers from Pagefind)."""
    skip_lunr_index(config)
    return config


def on_post_build(config: MkDocsConfig) -> None:
    """Index the site just built into its ``pagefind/`` folder; a failure fails the build."""
    problems = index_site(Path(config.site_dir), config_file=str(config.config_file_path))
    if problems:
        raise SearchIndexError(problems)
