"""Headings of a page and the ids (anchors) they get.

A source's pages are written for GitHub or Docusaurus, and both give a heading the id GitHub gives it
(Docusaurus uses ``github-slugger``, the JavaScript port of GitHub's rule): lower case, punctuation and
symbols dropped except ``-`` and ``_``, spaces turned to ``-``, letters of every script kept, and a repeated
heading numbered ``example-1``, ``example-2``. Python-Markdown's ``toc`` gives other ids (``example_1``,
accents folded away), so a source page is staged with each heading's GitHub id written as an ``attr_list``
``{#id}``: MkDocs and Zensical then both print that id, and links written for GitHub land. An explicit
``{#custom-id}`` (Docusaurus' syntax, also ``attr_list``'s) is kept. The portal's own pages keep ``toc``'s
ids, which their writers see in MkDocs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from markdown.extensions.toc import slugify as toc_slugify
from markdown.extensions.toc import unique
from markdown_it import MarkdownIt

HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.+?)(?:[ \t]+#+)?[ \t]*$")
#: An ``attr_list`` at the end of a heading (``{#custom-id}``, ``{: .class }``); Docusaurus needs no space before it.
ATTRIBUTES = re.compile(r"[ \t]*\{:?(?P<body>[^{}\n]*)\}[ \t]*$")
EXPLICIT_ID = re.compile(r"(?:^|\s)#(?P<id>[^\s}]+)")

#: Parses a heading's inline Markdown (code spans, emphasis, links, entities, inline HTML) as CommonMark does.
_INLINE = MarkdownIt("commonmark").enable("strikethrough")
_MARKUP = re.compile(r"[\\`*_~\[\]<>&!]")

#: Unicode general categories github-slugger removes (``script/generate-regex.mjs``): other numbers, all
#: punctuation but connectors (``_``) and the plain ``-``, symbols, controls, formats, private use,
#: unassigned and separators but the plain space. Letters, marks, decimal and letter numbers stay.
_REMOVED = ("No", "Pe", "Pf", "Pi", "Ps", "Po", "Pd", "Sc", "Sk", "Sm", "So", "Cc", "Cf", "Co", "Cn", "Zl", "Zp",
            "Zs")
#: Symbols github-slugger keeps because Unicode calls them alphabetic (circled and squared Latin letters).
_ALPHABETIC_SYMBOLS = ((0x24B6, 0x24E9), (0x1F130, 0x1F149), (0x1F150, 0x1F169), (0x1F170, 0x1F189))


def _kept(char: str) -> bool:
    if char in " -":
        return True
    if not unicodedata.category(char).startswith(_REMOVED):
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _ALPHABETIC_SYMBOLS)


#: :func:`_kept` of every ASCII character, as a table for ``str.translate`` (most headings are ASCII).
_ASCII_REMOVED = str.maketrans("", "", "".join(chr(code) for code in range(128) if not _kept(chr(code))))


def github_slug(text: str) -> str:
    """The id GitHub (and Docusaurus, through github-slugger) gives a heading whose text is ``text``:
    ``"Café déjà vu!"`` → ``café-déjà-vu``, ``"🎉 Party"`` → ``-party``."""
    if text.isascii():
        return text.lower().translate(_ASCII_REMOVED).replace(" ", "-")
    return "".join(char for char in text.lower() if _kept(char)).replace(" ", "-")


class GithubSlugger:
    """github-slugger's ``BananaSlug``: the second ``Example`` is ``example-1``, and a later heading named
    ``Example 1`` then gets ``example-1-1``."""

    def __init__(self) -> None:
        self.occurrences: dict[str, int] = {}

    def slug(self, text: str) -> str:
        original = result = github_slug(text)
        while result in self.occurrences:
            self.occurrences[original] += 1
            result = f"{original}-{self.occurrences[original]}"
        self.occurrences[result] = 0
        return result

    def taken(self, anchor: str) -> None:
        """Count an explicit id, as github-slugger does once Docusaurus has read ``{#custom-id}``."""
        self.occurrences.setdefault(anchor, 0)


def heading_slug(text: str) -> str:
    """The id Python-Markdown's ``toc`` gives a heading (the portal's own pages)."""
    return toc_slugify(text, "-")


def heading_text(raw: str) -> str:
    """A heading's text as a reader sees it (and as GitHub slugs it): inline Markdown rendered, then its tags
    dropped (code spans keep their text, images and raw HTML tags show none)."""
    if not _MARKUP.search(raw):  # plain words (most headings): nothing to render
        return raw.strip()
    tokens = _INLINE.parseInline(raw)[0].children or []
    words = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            words.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            words.append(" ")
    return "".join(words).strip()


@dataclass(frozen=True)
class Heading:
    """An ATX heading of a page: its line (0-based), its level, text and id."""

    line: int
    level: int
    text: str
    anchor: str
    explicit: bool  # written by the author as ``{#id}``


def headings_of(lines: Iterable[str], code: Iterable[bool], *, github: bool) -> list[Heading]:
    """The page's headings outside code, with the ids GitHub gives them (``github``) or ``toc``'s."""
    found: list[Heading] = []
    slugger = GithubSlugger()
    seen: set[str] = set()
    for number, (line, in_code) in enumerate(zip(lines, code, strict=False)):
        heading = HEADING.match(line) if line[:1] == "#" and not in_code else None  # a heading starts with #
        if not heading:
            continue
        raw = heading.group("text")
        attributes = ATTRIBUTES.search(raw)
        explicit = EXPLICIT_ID.search(attributes.group("body")) if attributes else None
        text = heading_text(raw[:attributes.start()] if attributes else raw)
        if explicit:
            anchor = explicit.group("id")
            slugger.taken(anchor)
        elif github:
            anchor = slugger.slug(text)
        else:
            anchor = unique(heading_slug(text), seen)
        seen.add(anchor)
        found.append(Heading(number, len(heading.group("hashes")), text, anchor, bool(explicit)))
    return found


def with_heading_ids(text: str, code: list[bool]) -> str:
    """``text`` with each heading's GitHub id written as ``{#id}`` (the line count is kept)."""
    lines = text.split("\n")
    for heading in headings_of(lines, code, github=True):
        if not heading.anchor:
            continue
        match = HEADING.match(lines[heading.line])
        raw = match.group("text")
        attributes = ATTRIBUTES.search(raw)
        if attributes:  # attr_list reads the last ``{...}`` after a space: keep the author's, with the id in it
            body = attributes.group("body").strip()
            body = body if heading.explicit else f"#{heading.anchor} {body}".strip()
            raw = f"{raw[:attributes.start()]} {{{body}}}"
        else:
            raw = f"{raw} {{#{heading.anchor}}}"
        lines[heading.line] = f"{match.group('hashes')} {raw}"
    return "\n".join(lines)
