"""Where a staged page is published, how one page links another, and the slug rule for URL segments.

Every step that names a page by URL or links between staged pages goes through here, so a page has one
URL whichever step computes it: MkDocs' own :attr:`mkdocs.structure.files.File.url`.
"""

from __future__ import annotations

import functools
import posixpath
import re

from mkdocs.structure.files import File

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str, fallback: str) -> str:
    """``text`` as a URL segment: lower-case ASCII letters and digits joined by ``-`` (``fallback`` when
    nothing is left): ``"Payments API v2"`` → ``payments-api-v2``."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-") or fallback


def page_url(staged_path: str, *, use_directory_urls: bool = True) -> str:
    """The URL MkDocs gives the staged page ``staged_path``, relative to the site root (``a.md``,
    ``a/index.md`` and ``a/README.md`` are all ``a/``; the home page is ``./``)."""
    return File(staged_path, src_dir=None, dest_dir="", use_directory_urls=use_directory_urls).url


def relative_link(from_page: str, to_page: str) -> str:
    """The Markdown link from the staged page ``from_page`` to the staged file ``to_page``."""
    return _relpath(to_page, posixpath.dirname(from_page) or ".")


@functools.lru_cache(maxsize=4096)
def _relpath(target: str, start: str) -> str:
    """``posixpath.relpath`` (it looks up the working folder on every call: a page links to few targets)."""
    return posixpath.relpath(target, start)
