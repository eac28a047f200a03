"""A partial MkDocs build that gives the same site as a full one: only pages whose staged file changed are
rendered, into a hard-linked copy of the last site (see :func:`generator.stage.swap.link_tree`).

MkDocs' own ``dirty`` mode guesses what changed from mtimes and skips reading unchanged pages, so their
titles and metadata are missing from the navigation of the pages it renders, and the search index holds
only the rendered pages. :class:`OnlyChanged` tells MkDocs exactly which files changed and still reads
every page's metadata; :func:`merge_search_index` puts the rendered pages' search entries in the place of
their old ones in the last site's index.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from generator.stage.search_index import SEARCH_HOOK
from generator.stage.site_state import StagedInputs, front_matter

SEARCH_INDEX = "search/search_index.json"
DIRTY_SAFE_PLUGINS = {"search", "material/search", SEARCH_HOOK}
"""Plugins known to write only through MkDocs (never into an existing file) and whose output is a
function of each page alone, or the search index this module merges."""


def _not_the_dirty_notice(record: logging.LogRecord) -> bool:
    return "'dirty' build" not in record.getMessage()


@contextmanager
def dirty_notice_silenced() -> Iterator[None]:
    """Drop MkDocs' warning that a dirty build may be inaccurate (this one is not): in strict mode MkDocs
    would count it and abort the build."""
    logger = logging.getLogger("mkdocs.commands.build")
    logger.addFilter(_not_the_dirty_notice)
    try:
        yield
    finally:
        logger.removeFilter(_not_the_dirty_notice)


class OnlyChanged(BasePlugin):
    """Builds only the files in ``changed`` (docs-relative paths); every page's metadata is still read."""

    def __init__(self, changed: set[str]) -> None:
        super().__init__()
        self.changed = changed
        self.urls: set[str] = set()  # the URLs of the pages rendered

    def outputs(self, config: MkDocsConfig) -> set[str]:
        """The site files the build writes for ``changed`` (site-relative posix paths)."""
        return {File(path, config.docs_dir, config.site_dir, config.use_directory_urls).dest_uri
                for path in self.changed}

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        for file in files:
            if file.abs_src_path and Path(file.abs_src_path).is_relative_to(config.docs_dir):
                modified = file.src_uri in self.changed
                file.is_modified = (lambda modified=modified: modified)  # this build's answer, not the mtime's
        return files

    def on_pre_page(self, page, *, config: MkDocsConfig, files: Files):
        self.urls.add(page.url)  # as the search index writes it (the home page's is "")
        return page

    def on_env(self, env, *, config: MkDocsConfig, files: Files):
        for file in files.documentation_pages():
            if file.page is not None and file.page.markdown is None:
                file.page.read_source(config)  # titles and metadata the navigation shows
        return env


def merge_search_index(old: Path, new: Path, urls: set[str]) -> bool:
    """Write into ``new`` (the index of the rendered pages only) the whole index: ``old``'s entries, with
    those of the pages at ``urls`` replaced, in place, by their new ones. False when that cannot be done
    exactly (no index, or a page that had no entry before now has some: its place is unknown)."""
    if not old.is_file() and not new.is_file():
        return True  # no search index in this site
    try:
        previous, fresh = json.loads(old.read_text(encoding="utf-8")), json.loads(new.read_text(encoding="utf-8"))
        by_page: dict[str, list] = {}
        for entry in fresh["docs"]:
            by_page.setdefault(entry["location"].split("#", 1)[0], []).append(entry)
        merged, placed = [], set()
        for entry in previous["docs"]:
            page = entry["location"].split("#", 1)[0]
            if page not in urls:
                merged.append(entry)
            elif page not in placed:
                merged += by_page.get(page, [])
                placed.add(page)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if set(by_page) - placed or fresh.get("config") != previous.get("config"):
        return False
    new.unlink()
    new.write_text(json.dumps({"config": fresh["config"], "docs": merged}, separators=(",", ":"), default=str),
                   encoding="utf-8")
    return True


def restaged_inputs(inputs: StagedInputs, docs_dir: Path, pages: list[str]) -> StagedInputs:
    """``inputs`` with the digests of ``pages`` (docs-relative paths) read again: the inputs of the staged tree
    after only those pages were staged again, without reading every other file."""
    docs = dict(inputs.docs)
    for path in pages:
        data = (docs_dir / path).read_bytes()
        docs[path] = [hashlib.sha256(front_matter(data)).hexdigest() if path.endswith(".md") else "",
                      hashlib.sha256(data).hexdigest()]
    return dataclasses.replace(inputs, docs=docs)
