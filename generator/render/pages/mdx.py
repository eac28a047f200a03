"""MDX in Docusaurus pages: comments, ``<head>`` and components the portal does not have.

* ``{/* comment */}`` is removed (its lines stay, blank, so diagnostics keep their line numbers).
* ``<head>`` … ``</head>`` shows nothing: its ``<title>`` and ``<meta name="description">`` become the
  page's title and description.
* A component that is neither HTML nor one the portal converts (``<Highlight color="…">text</Highlight>``,
  ``<DocCardList />``) is unwrapped: its children are shown, the tags are not. :func:`components` finds
  them for the warnings ``devportal check`` prints.

Everything is found in the text with code masked out (:func:`~generator.render.pages.segments.code_mask`),
so an example in a code block or a code span is never touched.
"""

from __future__ import annotations

import html
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from generator.render.pages.segments import LineIndex, code_mask

COMMENT_OPEN, COMMENT_CLOSE = re.compile(r"\{/\*"), re.compile(r"\*/\}")
HEAD_OPEN = re.compile(r"^[ \t]*<head>", re.MULTILINE | re.IGNORECASE)
HEAD_CLOSE = re.compile(r"</head>[ \t]*$", re.MULTILINE | re.IGNORECASE)
HEAD_TAG = re.compile(r"<(?P<name>[A-Za-z]+)(?P<attrs>[^>]*?)/?>(?:(?P<text>[^<]*)</(?P=name)\s*>)?", re.DOTALL)
HTML_ATTRIBUTE = re.compile(r"""(?P<name>[\w:-]+)\s*=\s*"""
                            r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|\{["'](?P<js>[^"']*)["']\})""")
_JSX_VALUE = r"""(?:"[^"]*"|'[^']*'|\{(?:[^{}]|\{[^{}]*\})*\})"""
OPEN_TAG = re.compile(rf"<(?P<name>[A-Z][\w.]*)(?P<attrs>(?:\s+[\w:-]+(?:\s*=\s*{_JSX_VALUE})?)*)\s*(?P<self>/)?>")
ANY_COMPONENT = re.compile(r"<([A-Z][\w.]*)")
CLOSE_TAG = re.compile(r"</(?P<name>[A-Z][\w.]*)\s*>")

#: Components the page converter turns into Material constructs itself.
CONVERTED = frozenset({"Tabs", "TabItem", "ApiSchema", "Admonition"})


def drop_comments(text: str) -> str:
    """``text`` without its MDX comments; a comment's lines stay (blank) so later lines keep their numbers."""
    if "{/*" not in text:
        return text
    return _blank_spans(text, _blocks(code_mask(text), COMMENT_OPEN, COMMENT_CLOSE))


def _blocks(masked: str, opening: re.Pattern, closing: re.Pattern) -> list[tuple[int, int]]:
    """(start, end) of each opening … closing pair, the closing being the first one after the opening.

    Openings and closings are found once each, so a page of 100,000 openings never closed stays linear
    (a lazy ``opening.*?closing`` expression scans to the end of the page from each of them)."""
    closings = [match.span() for match in closing.finditer(masked)]
    blocks: list[tuple[int, int]] = []
    index = 0
    for match in opening.finditer(masked):
        if blocks and match.start() < blocks[-1][1]:
            continue  # inside the previous block
        while index < len(closings) and closings[index][0] < match.end():
            index += 1
        if index == len(closings):
            break
        blocks.append((match.start(), closings[index][1]))
    return blocks


def _blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], "\n" * text.count("\n", start, end)]
        last = end
    return "".join(pieces) + text[last:]


@dataclass
class PageHead:
    """What a page's ``<head>`` said, and the page without it."""

    text: str
    title: str | None = None
    description: str | None = None
    ignored: list[tuple[int, str]] = field(default_factory=list)  # (line, tag) the portal does not use


def page_head(text: str) -> PageHead:
    """Take the ``<head>`` blocks out of ``text`` (keeping its line count) and read their title and
    description, as Docusaurus puts them into the page's HTML head."""
    if "<head>" not in text.lower():
        return PageHead(text)
    masked = code_mask(text)
    head = PageHead(text)
    lines = LineIndex(text)
    spans = _blocks(masked, HEAD_OPEN, HEAD_CLOSE)
    for start, end in spans:
        for tag in HEAD_TAG.finditer(text, text.index(">", start) + 1, text.rindex("<", start, end)):
            name = tag.group("name").lower()
            attrs = {a.group("name").lower(): a.group("dq") if a.group("dq") is not None else
                     a.group("sq") if a.group("sq") is not None else a.group("js")
                     for a in HTML_ATTRIBUTE.finditer(tag.group("attrs"))}
            if name == "title" and (tag.group("text") or "").strip():
                head.title = html.unescape(tag.group("text").strip())
            elif name == "meta" and attrs.get("name", "").lower() == "description" and attrs.get("content"):
                head.description = html.unescape(attrs["content"])
            else:
                head.ignored.append((lines.line(tag.start()), f"<{tag.group('name')}>"))
    head.text = _blank_spans(text, spans)
    return head


@dataclass
class Component:
    """A JSX component used in a page."""

    name: str
    line: int
    children: bool  # ``<X>…</X>`` (its children are shown) rather than ``<X />`` (nothing to show)


def components(text: str, known: Collection[str] = ()) -> list[Component]:
    """The components of ``text`` (outside code) that are neither :data:`CONVERTED` nor in ``known``: a
    self-closing tag, or an opening tag with its closing tag later on (``<AUTH TOKEN>`` in prose is not one)."""
    if not _might_have_components(text, known):
        return []
    masked = code_mask(text)
    lines = LineIndex(text)
    return [Component(tag.group("name"), lines.line(tag.start()), children=close is not None)
            for tag, close in _tags(masked, known)]


def _might_have_components(text: str, known: Collection[str]) -> bool:
    """Whether ``text`` has a tag of a component to look at (most pages have none: the code is not masked)."""
    return any(name not in CONVERTED and name not in known for name in set(ANY_COMPONENT.findall(text)))


def _tags(masked: str, known: Collection[str]) -> list[tuple[re.Match, re.Match | None]]:
    """Each unknown self-closing tag (with None), and each unknown opening tag with its closing tag,
    paired as JSX nests them; an opening tag never closed is not a component."""
    events = sorted([*((tag.start(), tag) for tag in OPEN_TAG.finditer(masked)
                       if tag.group("name") not in CONVERTED and tag.group("name") not in known),
                     *((close.start(), close) for close in CLOSE_TAG.finditer(masked))], key=lambda event: event[0])
    open_tags: dict[str, list[re.Match]] = {}
    result: list[tuple[re.Match, re.Match | None]] = []
    for _, tag in events:
        name = tag.group("name")
        if tag.re is CLOSE_TAG:
            if open_tags.get(name):
                result.append((open_tags[name].pop(), tag))
        elif tag.group("self"):
            result.append((tag, None))
        else:
            open_tags.setdefault(name, []).append(tag)
    return sorted(result, key=lambda pair: pair[0].start())


def unwrap_components(text: str, known: Collection[str] = ()) -> str:
    """Remove the tags of unknown components, keeping their children; a self-closing one goes entirely."""
    if not _might_have_components(text, known):
        return text
    spans = [span for tag, close in _tags(code_mask(text), known)
             for span in ([tag.span()] if close is None else [tag.span(), close.span()])]
    return _blank_spans(text, sorted(spans))
