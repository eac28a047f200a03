"""GitHub's emoji shortcodes (``:tada:``) for ``pymdownx.emoji``, built once per process.

pymdownx's own GitHub index (``pymdownx.emoji.gemoji``) deep-copies its whole table, about 1,900 emoji and
their aliases, for every ``Markdown`` instance, and MkDocs and Zensical make one instance per page: about
4 ms of CPU a page, the largest single cost in a profile of a 600-page build. pymdownx only reads the index
(``EmojiPattern`` looks a shortcode up in ``aliases`` and ``emoji``, and hands the generator the index's
``name``), so every page can share one copy. It is made read-only, so a generator or extension that tried to
change it fails loudly instead of changing the emoji of the pages rendered after it.

The staged ``mkdocs.yml`` names :func:`github_emoji_index` as the extension's ``emoji_index``
(:data:`EMOJI_INDEX`), so both engines use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any

#: The ``emoji_index`` of ``pymdownx.emoji`` in the staged ``mkdocs.yml`` (a ``!!python/name:`` tag).
EMOJI_INDEX = "generator.render.pages.emoji.github_emoji_index"


@cache
def _frozen_gemoji() -> Mapping[str, Any]:
    """pymdownx's GitHub table, copied once into read-only mappings (the cache holds only this constant)."""
    from pymdownx import gemoji_db

    return MappingProxyType({
        "name": gemoji_db.name,
        "emoji": MappingProxyType({name: MappingProxyType(dict(entry)) for name, entry in gemoji_db.emoji.items()}),
        "aliases": MappingProxyType(dict(gemoji_db.aliases)),
    })


def github_emoji_index(options: dict[str, Any], md: Any) -> Mapping[str, Any]:
    """``pymdownx.emoji``'s ``emoji_index``: GitHub's shortcodes, the same as ``pymdownx.emoji.gemoji`` gives,
    as one read-only mapping shared by every page's ``Markdown`` instance instead of a deep copy for each."""
    return _frozen_gemoji()
