"""Relative URLs in a page's raw HTML, resolved the way MkDocs resolves the page's Markdown links.

A staged page writes every link relative to its own file, as GitHub reads it (``../img/flow.png``,
``other.md``). MkDocs turns the links and images the Markdown makes into URLs relative to the page's
published URL (``x/page.md`` is served at ``x/page/``), but leaves raw HTML as written, so ``<img src>``,
``<picture><source srcset>``, ``<video poster>`` and ``<a href>`` of a page that is not a folder's index
pointed one folder too high. Zensical already rewrites raw HTML itself. Inside MkDocs (recognised by its
``relpath`` tree processor, which knows the page), this tree processor hands each relative URL of the raw
HTML to that same processor's ``path_to_url``, so raw HTML and Markdown links resolve alike. Elsewhere it
does nothing. It is registered by :mod:`generator.render.pages.safe_attributes`, the staged pages' extension.
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown.treeprocessors import Treeprocessor

TAG = re.compile(r"<(?:a|img|source|video|audio|track)\b[^>]*>", re.IGNORECASE)
URL_ATTRIBUTE = re.compile(r"""(?<![\w-])(?P<name>href|src|srcset|poster)(?P<eq>\s*=\s*)"""
                           r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""", re.IGNORECASE)


class RawHtmlUrlsTreeprocessor(Treeprocessor):
    """Rewrites the relative URLs of the stashed raw HTML with MkDocs' own ``path_to_url`` (MkDocs only)."""

    def run(self, root: Element) -> None:
        relpath = self.md.treeprocessors["relpath"] if "relpath" in self.md.treeprocessors else None
        to_url = getattr(relpath, "path_to_url", None)
        if to_url is None:
            return
        blocks = self.md.htmlStash.rawHtmlBlocks
        for number, block in enumerate(blocks):
            if isinstance(block, str) and "<" in block:
                blocks[number] = TAG.sub(lambda tag: URL_ATTRIBUTE.sub(lambda a: _rewritten(a, to_url), tag.group(0)),
                                         block)


def _rewritten(attribute: re.Match, to_url) -> str:
    quote = '"' if attribute.group("dq") is not None else "'"
    value = attribute.group("dq") if attribute.group("dq") is not None else attribute.group("sq")
    if attribute.group("name").lower() == "srcset":
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            candidates.append(f"{_relative(url, to_url)} {descriptor.strip()}".strip() if url else "")
        new = ", ".join(c for c in candidates if c)
    else:
        new = _relative(value, to_url)
    return f"{attribute.group('name')}{attribute.group('eq')}{quote}{new}{quote}"


def _relative(url: str, to_url) -> str:
    if not url or url.startswith(("/", "#", "?")) or ":" in url.split("/", 1)[0]:
        return url  # absolute, an anchor or a URL with a scheme
    return to_url(url)
