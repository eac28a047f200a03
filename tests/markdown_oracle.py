"""GitHub's rendering as the oracle for the portal's: cmark-gfm (``cmarkgfm``, GitHub's own C library) renders
a Markdown file, the portal's built page is read back, and both are reduced to the same block outline.

The outline keeps what a reader sees as the page's structure: headings (level, text), paragraphs, lists
(ordered or not, start number, nesting, items), blockquotes, GitHub alerts, tables (rows, cells), code blocks
(their text), rules. It drops what is presentation: inline markup (text only, compared by its letters and
digits), tight or loose lists, raw HTML wrappers (``<div align=center>``, ``<details>``), images, the
portal's own additions (permalinks, the title Material adds to a page without a heading, buttons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import cmarkgfm
import lxml.html
from cmarkgfm.cmark import Options
from lxml.etree import _Element
from pymdownx.emoji import gemoji

GFM_OPTIONS = Options.CMARK_OPT_UNSAFE  # GitHub keeps raw HTML (then sanitizes it, which we do not need)
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
ALERT = re.compile(r"^\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.IGNORECASE)
_GEMOJI = gemoji({}, None)  # GitHub's shortcodes, as pymdownx.emoji knows them
_SHORTCODES = {code.strip(":") for code in [*_GEMOJI["emoji"], *_GEMOJI["aliases"]]}
SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
#: Markup a reader must never see as text: an alert marker, a Docusaurus fence, a list marker inside a paragraph.
LITERAL_MARKUP = re.compile(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]|^:::|\n\s*[-*+] \S|\n\s*\d+\. \S")

Block = tuple


def github_html(markdown: str) -> str:
    """The HTML GitHub's cmark-gfm makes of ``markdown`` (tables, strikethrough, task lists, autolinks)."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=GFM_OPTIONS)


def letters(text: str) -> str:
    """Text compared by its letters and digits only (no emoji, punctuation, spacing or permalink signs)."""
    text = SHORTCODE.sub(lambda m: "" if m.group(1) in _SHORTCODES else m.group(0), text)
    return re.sub(r"[\W_]+", "", text).lower()


def _text(element: _Element) -> str:
    return "".join(element.itertext())


@dataclass
class Outline:
    blocks: list[Block]
    literal_markup: list[str]


def outline(html: str, *, portal: bool = False) -> Outline:
    """The block outline of an HTML fragment (``portal``: a built page's ``<article>`` content)."""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    for junk in root.xpath(".//a[contains(@class,'headerlink')] | .//a[contains(@class,'md-content__button')]"
                           " | .//img | .//picture | .//svg | .//script | .//style"):
        junk.drop_tree()
    literal: list[str] = []
    blocks = _blocks(root, literal, portal)
    return Outline(blocks, literal)


def _blocks(parent: _Element, literal: list[str], portal: bool) -> list[Block]:
    blocks: list[Block] = []
    inline: list[str] = [parent.text or ""]
    for child in parent:
        if not isinstance(child.tag, str):  # comments, processing instructions
            inline.append(child.tail or "")
            continue
        tag = child.tag.lower()
        block = _block(child, tag, literal, portal)
        if block is None:  # an inline element
            inline.append(_text(child))
            inline.append(child.tail or "")
            continue
        _flush(inline, blocks, literal)
        blocks.extend(block)
        inline = [child.tail or ""]
    _flush(inline, blocks, literal)
    return blocks


def _flush(inline: list[str], blocks: list[Block], literal: list[str]) -> None:
    text = "".join(inline)
    if letters(text):
        blocks.append(("p", letters(text)))
        literal.extend(m.group(0).strip() for m in LITERAL_MARKUP.finditer(text))
    inline.clear()


def _block(element: _Element, tag: str, literal: list[str], portal: bool) -> list[Block] | None:
    classes = set((element.get("class") or "").split())
    if tag in HEADINGS:
        text = letters(_text(element))
        return [(tag, text)] if text else []
    if tag == "p":
        text = _text(element)
        if not letters(text):
            return []
        if text.strip().startswith("$$") and text.strip().endswith("$$"):
            return [("math", letters(text))]
        literal.extend(m.group(0).strip() for m in LITERAL_MARKUP.finditer(text))
        return [("p", letters(text))]
    if tag in ("ul", "ol"):
        start = int(element.get("start") or 1) if tag == "ol" else None
        items = [tuple(_blocks(li, literal, portal)) for li in element if isinstance(li.tag, str) and li.tag == "li"]
        return [(tag, start, tuple(items))]
    if tag == "blockquote":
        children = _blocks(element, literal, portal)
        mark = ALERT.match(_text(element)) if children and children[0][0] == "p" else None
        if mark:  # cmark-gfm leaves GitHub's alerts as quotes: GitHub's HTML pipeline makes them alerts
            first = letters(ALERT.sub("", _first_paragraph_text(element), count=1))
            rest = ([("p", first)] if first else []) + children[1:]
            return [("alert", mark.group(1).lower(), tuple(rest))]
        return [("blockquote", tuple(children))]
    if portal and tag == "div" and "admonition" in classes and "gfm-alert" in classes:
        title = element.find("p")
        if title is not None and "admonition-title" in (title.get("class") or ""):
            title.drop_tree()
        kind = next(c for c in ("note", "tip", "important", "warning", "caution") if c in classes)
        return [("alert", kind, tuple(_blocks(element, literal, portal)))]
    if tag == "pre" and element.get("lang") == "math" or portal and tag == "div" and "arithmatex" in classes:
        return [("math", letters(_text(element)))]
    if tag == "pre" or (portal and tag == "div" and "highlight" in classes):
        code = element.find(".//code")
        text = _text(code if code is not None else element)
        return [("pre", letters(text))]
    if tag == "table":
        rows = tuple(tuple(letters(_text(cell)) for cell in row if isinstance(cell.tag, str))
                     for row in element.iter("tr"))
        return [("table", rows)]
    if tag == "hr":
        return [("hr",)]
    if tag in ("div", "details", "section", "article", "center", "figure", "span") and _has_blocks(element):
        return _blocks(element, literal, portal)  # a wrapper: its content counts, not the wrapper
    if tag in ("div", "details", "section", "center", "figure", "dl", "video", "iframe", "br"):
        return _blocks(element, literal, portal) if tag not in ("br",) else None
    return None


def _first_paragraph_text(element: _Element) -> str:
    paragraph = element.find("p")
    return _text(paragraph) if paragraph is not None else ""


BLOCK_TAGS = HEADINGS | {"p", "ul", "ol", "blockquote", "pre", "table", "hr", "div", "details", "section"}


def _has_blocks(element: _Element) -> bool:
    return any(isinstance(child.tag, str) and child.tag.lower() in BLOCK_TAGS for child in element.iter())


def article_html(page: str) -> str:
    """The content of a built Material page (its ``<article>``)."""
    match = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', page, re.DOTALL)
    return match.group(1) if match else ""


@dataclass
class Comparison:
    same: bool
    difference: str  # the first difference, for the report


def compare(markdown: str, built_page: str) -> Comparison:
    """GitHub's outline of ``markdown`` against the outline of the portal's built page."""
    github = outline(github_html(markdown))
    portal = outline(article_html(built_page), portal=True)
    ours = portal.blocks
    if ours and ours[0][0] == "h1" and (not github.blocks or github.blocks[0] != ours[0]):
        ours = ours[1:]  # the title Material adds to a page that has no heading of its own
    literal = [text for text in portal.literal_markup if text not in github.literal_markup]  # GitHub's own stay
    if literal:
        return Comparison(False, f"literal markup in the text: {literal[:3]}")
    if github.blocks == ours:
        return Comparison(True, "")
    return Comparison(False, _first_difference(github.blocks, ours))


def _first_difference(expected: list[Block], actual: list[Block], path: str = "") -> str:
    for index, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            if want[0] == got[0] and want[0] in ("ul", "ol", "blockquote", "alert") and want[1] == got[1]:
                items_want, items_got = want[-1], got[-1]
                if want[0] in ("ul", "ol"):
                    for number, (a, b) in enumerate(zip(items_want, items_got, strict=False)):
                        if a != b:
                            return _first_difference(list(a), list(b), f"{path}{want[0]}[{index}] item {number} > ")
                    return f"{path}{want[0]}[{index}]: GitHub {len(items_want)} items, portal {len(items_got)}"
                return _first_difference(list(items_want), list(items_got), f"{path}{want[0]}[{index}] > ")
            return f"{path}block {index}: GitHub {_short(want)}, portal {_short(got)}"
    if len(expected) != len(actual):
        extra = expected[len(actual)] if len(expected) > len(actual) else actual[len(expected)]
        return f"{path}GitHub {len(expected)} blocks, portal {len(actual)} (first unmatched: {_short(extra)})"
    return ""


def _short(block: Block) -> str:
    return repr(block)[:160]
