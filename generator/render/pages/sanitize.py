"""The one HTML policy for what a source controls: which tags, attributes and URL schemes may reach a page.

Three places apply it:

- raw HTML in Markdown from untrusted repos (:func:`sanitize_html`, at staging): each tag outside code is
  judged on its own: allowed tags are cleaned by nh3 (no event handlers, no ``javascript:`` URLs, only
  listed attributes); ``script``/``style`` blocks are dropped; an ``iframe`` becomes a link to what it
  embedded; any other tag-like text (``<JWT access token>``, ``<snip>``) is escaped so it shows as the
  literal text the writer meant instead of vanishing;
- HTML rendered from an untrusted spec's Markdown descriptions (:func:`clean_html`);
- elements the Markdown itself generates, at build time, by the ``generator.render.pages.safe_attributes``
  Markdown extension: ``attr_list`` lets a page set any attribute (``{ onerror=... }``) and a link's URL is
  whatever the page wrote (``jav&#x61;script:``); the extension removes event handlers and URLs whose
  scheme :func:`is_safe_url` rejects.
"""

from __future__ import annotations

import html
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
    "img": {"src", "srcset", "sizes", "alt", "width", "height", "loading"},
    "source": {"src", "srcset", "sizes", "type", "media"},
    "video": {"src", "controls", "width", "height", "poster"},
    "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan", "scope"},
    "details": {"open", "markdown"}, "div": {"markdown"}, "ol": {"start", "type"},  # markdown: md_in_html
}
#: URL schemes a link or embed may use; relative URLs (no scheme) are always allowed.
URL_SCHEMES = {"http", "https", "mailto", "tel", "ftp"}
#: Attributes holding a URL (``srcset`` holds several).
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "poster", "data", "cite", "background",
                  "longdesc", "lowsrc", "dynsrc", "ping", "xlink:href", "codebase", "manifest", "icon"}
#: Attributes that run or embed code whatever their value, besides every ``on*`` event handler.
SCRIPT_ATTRIBUTES = {"srcdoc"}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_URL_IGNORED = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_URL_STRIPPED = "".join(map(chr, range(0x21)))  # leading spaces and control characters


def is_safe_url(value: str) -> bool:
    """Whether a URL attribute's value, read as a browser reads it (entities decoded, tabs and newlines
    removed, leading spaces and control characters stripped), is relative or uses an allowed scheme."""
    url = _URL_IGNORED.sub("", html.unescape(value)).lstrip(_URL_STRIPPED)
    scheme = _SCHEME.match(url)
    if scheme is None:
        return ":" not in url.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return scheme.group(1).lower() in URL_SCHEMES


def is_safe_attribute(name: str, value: str) -> bool:
    """Whether an attribute may stay on an element a page's Markdown generated."""
    name = name.lower()
    if name.startswith("on") or name in SCRIPT_ATTRIBUTES:
        return False
    if name == "srcset":
        return all(is_safe_url(candidate.strip().split(" ")[0]) for candidate in value.split(",") if candidate.strip())
    return name not in URL_ATTRIBUTES or is_safe_url(value)


def clean_html(fragment: str) -> str:
    """An HTML fragment (an untrusted spec's rendered description) with only the allowed tags and attributes."""
    return nh3.clean(fragment, tags=ALLOWED_TAGS, attributes=ATTRIBUTES, link_rel=None, url_schemes=URL_SCHEMES)


DROPPED_BLOCKS = re.compile(r"<(script|style|noscript|template)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
BLOCK_OPEN = re.compile(r"<(script|style|noscript|template)\b[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<(?P<close>/?)(?P<name>[A-Za-z][A-Za-z0-9:-]*)(?P<attrs>(?:\s[^<>]*?)?)(?P<self>/?)>")
IFRAME_SRC = re.compile(r"""\bsrc\s*=\s*["']?(?P<src>[^"'\s>]+)""", re.IGNORECASE)
VOID = {"br", "hr", "img", "source"}
TABLE_CONTEXT = {"thead": "<table>{}</table>", "tbody": "<table>{}</table>", "tfoot": "<table>{}</table>",
                 "tr": "<table><tbody>{}</tbody></table>", "td": "<table><tbody><tr>{}</tr></tbody></table>",
                 "th": "<table><tbody><tr>{}</tr></tbody></table>"}


def _clean_tag(tag: str, name: str) -> str:
    """An allowed opening tag with only safe attributes (nh3 decides what is safe)."""
    probe = tag if name in VOID else f"{tag}</{name}>"
    if name in TABLE_CONTEXT:  # the HTML parser drops a <tr> or <td> that is not inside a table
        probe = TABLE_CONTEXT[name].format(probe)
    cleaned = clean_html(probe)
    start = cleaned.find(f"<{name}")
    end = cleaned.find(">", start)
    return cleaned[start: end + 1] if start >= 0 and end >= 0 else ""


def sanitize_html(text: str) -> str:
    """Defuse raw HTML in a Markdown text, leaving code spans and fences alone."""
    mask = code_mask(text)
    kept = _drop_blocks(text, mask)
    if kept != text:  # the mask of an unchanged text is the one computed already
        text, mask = kept, code_mask(kept)
    cleaned: dict[str, str] = {}  # opening tag as written → as cleaned (a page repeats its tags)

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
        tag = match.group(0)
        if tag not in cleaned:
            cleaned[tag] = _clean_tag(tag, name)
        return cleaned[tag]

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
