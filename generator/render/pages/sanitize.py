"""Raw HTML in Markdown from untrusted repos: keep the harmless tags, defuse the rest.

Each tag outside code is judged on its own: allowed tags are cleaned by nh3 (no event handlers, no
``javascript:`` URLs, only listed attributes); ``script``/``style`` blocks are dropped; an ``iframe``
becomes a link to what it embedded; any other tag-like text (``<JWT access token>``, ``<snip>``) is
escaped so it shows as the literal text the writer meant instead of vanishing.
"""

from __future__ import annotations

import re

import nh3

from generator.render.pages.segments import code_mask

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "center", "code", "dd", "del", "details", "div", "dl", "dt", "em",
    "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
    "p", "picture", "pre", "s", "samp", "small", "source", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var", "video",
}
ATTRIBUTES = {
    "*": {"class", "id", "title", "align", "lang", "dir"},
    "a": {"href", "name", "target"},
    "img": {"src", "alt", "width", "height", "loading"},
    "source": {"src", "srcset", "type", "media"},
    "video": {"src", "controls", "width", "height", "poster"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"},
    "details": {"open"}, "ol": {"start", "type"},
}
DROPPED_BLOCKS = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
BLOCK_OPEN = re.compile(r"<(script|style|noscript|template)\b[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9:-]*)(?P<attrs>(?:\s[^<>]*?)?)(?P<self>/?)>")
IFRAME_SRC = re.compile(r"""\bsrc\s*=\s*["']?(?P<src>[^"'\s>]+)""", re.IGNORECASE)
VOID = {"br", "hr", "img", "source"}


def _clean_tag(tag: str, name: str) -> str:
    """An allowed opening tag with only safe attributes (nh3 decides what is safe)."""
    probe = tag if name in VOID else f"{tag}</{name}>"
    cleaned = nh3.clean(probe, tags=ALLOWED_TAGS, attributes=ATTRIBUTES, link_rel=None,
                        url_schemes={"http", "https", "mailto", "tel"})
    end = cleaned.find(">")
    return cleaned[: end + 1] if cleaned.startswith(f"<{name}") and end >= 0 else ""


def sanitize_html(text: str) -> str:
    """Defuse raw HTML in a Markdown text, leaving code spans and fences alone."""
    mask = code_mask(text)
    text = _drop_blocks(text, mask)
    mask = code_mask(text)

    def judge(match: re.Match) -> str:
        name = match.group("name").lower()
        if name == "iframe":
            src = IFRAME_SRC.search(match.group(0))
            return f"[Watch the embedded content]({src.group('src')})" if src and not match.group("close") and \
                src.group("src").startswith("https://") else ""
        if name not in ALLOWED_TAGS:
            return match.group(0).replace("<", "&lt;").replace(">", "&gt;")
        if match.group("close"):
            return f"</{name}>"
        return _clean_tag(match.group(0), name)

    return _replace_outside_code(text, mask, TAG, judge)


def _drop_blocks(text: str, mask: str) -> str:
    """Remove :data:`DROPPED_BLOCKS` outside code (keeping their line breaks), in one pass: an opening tag
    whose closing tag is missing makes every later one of its name open-ended too, instead of each
    scanning to the end of the page again (quadratic on a page of unclosed ``<script>`` tags)."""
    pieces, last = [], 0
    unclosed: set[str] = set()
    for opening in BLOCK_OPEN.finditer(mask):
        name = opening.group(1).lower()
        if opening.start() < last or name in unclosed:
            continue
        closing = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(mask, opening.end())
        if closing is None:
            unclosed.add(name)
            continue
        block = DROPPED_BLOCKS.fullmatch(text, opening.start(), closing.end())
        if block is None:  # the tags are not the same in the text (one of them is inside code)
            continue
        pieces += [text[last: opening.start()], "\n" * block.group(0).count("\n")]
        last = closing.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _replace_outside_code(text: str, mask: str, pattern: re.Pattern, replace) -> str:
    pieces, last = [], 0
    for match in pattern.finditer(mask):
        original = pattern.match(text, match.start())
        if original is None or original.end() != match.end():
            continue
        pieces.append(text[last: match.start()])
        pieces.append(replace(original))
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)
