"""GitHub-flavoured Markdown → the Markdown the staged tree's Python-Markdown renders the same way.

Python-Markdown is not CommonMark: nested list content must be indented by four spaces, a list, a fence
or a table must follow a blank line, two blockquotes separated by a blank line merge, a ``\\`` at a line's
end is no break, ``~x~`` is not struck through, ``> [!NOTE]`` is a quote. Each page is parsed with
markdown-it-py (CommonMark plus GFM tables, the parser MyST uses); its block tokens and
their line ranges say what GitHub sees, and the lines are rewritten so Python-Markdown (with the
extensions in ``generator.stage.mkdocs_yml.REQUIRED_EXTENSIONS``) builds the same structure. Only
indentation, blank lines and a few markers change: the text of every line stays as written.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from generator.package_data import templates_dir
from generator.render.pages.segments import INLINE_CODE, code_mask

#: What the staged pages need in the browser: the alerts' colours and the math loader (which fetches the
#: vendored KaTeX under ``assets/markdown/katex/`` only on pages with math).
ASSETS = ("assets/markdown/gfm.css", "assets/markdown/math.js")

#: GitHub's alert types → (Material admonition type, GitHub's title).
ALERTS = {"note": ("note", "Note"), "tip": ("tip", "Tip"), "important": ("important", "Important"),
          "warning": ("warning", "Warning"), "caution": ("caution", "Caution")}
ALERT_MARK = re.compile(r"^\[!(?P<kind>NOTE|TIP|IMPORTANT|WARNING|CAUTION)\][ \t]*$", re.IGNORECASE)
QUOTE_PREFIX = re.compile(r"^[ ]{0,3}>[ ]?")
LIST_LINE = re.compile(r"^[ \t>]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)", re.MULTILINE)  # a page may have a list
LIST_MARKER = re.compile(r"^(?P<indent>[ ]*)(?P<marker>[-+*]|\d{1,9}[.)])(?P<space>[ \t]*)")
#: ``~text~``: GitHub's single-tilde strikethrough (Python-Markdown's tilde extension needs two).
SINGLE_TILDE = re.compile(r"(?<![~\w\\/])~(?=[^\s~])(?P<text>[^~\n]*?[^\s~\\])~(?![~\w])")
#: What pymdownx.arithmatex reads as inline math.
INLINE_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])(?:\\.|[^\\$\n])+?(?<=[^\s\\])\$(?!\$)")
URL = re.compile(r"https?://\S+|\]\([^)\n]*\)|<[^>\n]*>")

#: The blocks a page is a sequence of (what sits inside a table or a list item's marker is not).
KINDS = {"paragraph", "heading", "bullet_list", "ordered_list", "blockquote", "fence", "code_block", "html_block",
         "table", "hr"}
BLOCKS = {f"{kind}_open" for kind in KINDS} | {"fence", "code_block", "html_block", "hr"}


class _BlockParser(MarkdownIt):
    """markdown-it for block structure only: no href is ever rendered, so a link definition's URL is not
    normalized (percent-encoding, punycode: a quarter of the parse of a page of definitions). Whether the URL
    is accepted, which decides if ``[id]: url`` is a definition or a paragraph, is the same for the URL as
    written: normalizing keeps its scheme and only percent-encodes, and :meth:`validateLink` strips and
    lower-cases it first."""

    def normalizeLink(self, url: str) -> str:  # noqa: N802 (markdown-it's name)
        return url


#: Block structure only: inline content is read from the lines (with code masked), never parsed.
BLOCK_PARSER = _BlockParser("commonmark", {"html": True}).enable("table").disable("inline")


def to_python_markdown(text: str) -> str:
    """``text`` (GitHub-flavoured Markdown) rewritten so Python-Markdown renders GitHub's structure."""
    text, tokens = _reindent_lists(text)
    return _rewrite_blocks(text, tokens)


def install_assets(docs_dir: Path) -> None:
    """Copy the package's Markdown assets (:data:`ASSETS`, KaTeX) into the staged docs tree."""
    shutil.copytree(templates_dir() / "markdown", docs_dir / "assets" / "markdown", dirs_exist_ok=True)


@dataclass
class _Edits:
    """Line edits collected from one parse, applied together (no edit moves another's line)."""

    lines: list[str]
    inline: dict[int, list[Callable[[str], str]]] = field(default_factory=dict)
    structure: dict[int, Callable[[str], str]] = field(default_factory=dict)
    before: dict[int, list[str]] = field(default_factory=dict)

    def apply(self) -> str:
        out: list[str] = []
        last = 0  # the lines between edited ones are copied as they are
        for number in sorted(self.inline.keys() | self.structure.keys() | self.before.keys()):
            if number >= len(self.lines):
                continue
            out.extend(self.lines[last:number])
            last, line = number + 1, self.lines[number]
            quoted = self.structure.get(number) is _unquote  # lines put into an alert's body lose their ">"
            out.extend(_unquote(inserted) if quoted else inserted for inserted in self.before.get(number, []))
            for edit in self.inline.get(number, []):
                line = edit(line)
            if number in self.structure:
                line = self.structure[number](line)
            out.append(line)
        out.extend(self.lines[last:])
        out.extend(self.before.get(len(self.lines), []))  # closing what the page left open
        return "\n".join(out)


def _expand(line: str) -> str:
    """Leading tabs as spaces (tab stops of four), as CommonMark reads indentation."""
    stripped = line.lstrip(" \t")
    return line[: len(line) - len(stripped)].expandtabs(4) + stripped


@dataclass
class _Item:
    first: int
    last: int  # exclusive
    depth: int
    quotes: int  # blockquotes around the outermost list
    content: int = 0  # the content's column in the source (after the container prefix)


def _reindent_lists(text: str) -> tuple[str, list[Token] | None]:
    """Nested list content at four spaces a level, as Python-Markdown reads it (GitHub accepts two); with the
    tokens of the text when it did not change (parsing is most of the cost)."""
    if not LIST_LINE.search(text):
        return text, None
    tokens = BLOCK_PARSER.parse(text)
    lines = text.split("\n")
    items: list[_Item] = []
    stack: list[str] = []  # open containers: "list", "item", "quote"
    for token in tokens:
        if token.nesting == 1 and token.type in ("bullet_list_open", "ordered_list_open", "list_item_open",
                                                 "blockquote_open"):
            if token.type == "list_item_open" and token.map and _simple_containers(stack):
                quotes = stack.count("quote")
                depth = stack.count("item")
                items.append(_Item(token.map[0], token.map[1], depth, quotes))
            stack.append({"bullet_list_open": "list", "ordered_list_open": "list", "list_item_open": "item",
                          "blockquote_open": "quote"}[token.type])
        elif token.nesting == -1 and token.type in ("bullet_list_close", "ordered_list_close", "list_item_close",
                                                    "blockquote_close"):
            stack.pop()
    if not items:
        return text, tokens
    owner: dict[int, _Item] = {}
    for item in items:  # inner items come later and overwrite their lines
        for number in range(item.first, min(item.last, len(lines))):
            owner[number] = item
    out = list(lines)
    for number, item in sorted(owner.items()):
        prefix, body = _split_prefix(lines[number], item.quotes)
        body = _expand(body)
        if number == item.first:
            marker = LIST_MARKER.match(body)
            if marker is None:
                continue
            space = len(marker.group("space").expandtabs(4))
            after = body[marker.end():]
            item.content = marker.end("marker") + (space if 1 <= space <= 4 and after else 1)
            symbol = marker.group("marker")
            out[number] = prefix + " " * (4 * item.depth) + symbol + " " + (after if space <= 4
                                                                             else " " * (space - 1) + after)
            continue
        if not body.strip():
            out[number] = prefix.rstrip() if prefix.strip() else ""
            continue
        indent = len(body) - len(body.lstrip(" "))
        kept = body[item.content:] if indent >= item.content else body.lstrip(" ")
        out[number] = prefix + " " * (4 * (item.depth + 1)) + kept
    return ("\n".join(out), None) if out != lines else (text, tokens)


def _simple_containers(stack: list[str]) -> bool:
    """Lists directly in the page or in blockquotes (no blockquote inside a list item around them)."""
    seen_list = False
    for container in stack:
        if container == "list":
            seen_list = True
        elif container == "quote" and seen_list:
            return False
    return True


def _split_prefix(line: str, quotes: int) -> tuple[str, str]:
    """The blockquote markers a line starts with (``> > ``) and the rest."""
    prefix = ""
    for _ in range(quotes):
        match = QUOTE_PREFIX.match(line[len(prefix):])
        if match is None:
            break
        prefix += match.group(0)
    return prefix, line[len(prefix):]


def _rewrite_blocks(text: str, tokens: list[Token] | None = None) -> str:
    """Alerts, separate blockquotes, blank lines before lists/fences/tables, hard breaks, single tildes,
    ``\\|`` in table code, Markdown inside ``<details>``."""
    tokens = tokens if tokens is not None else BLOCK_PARSER.parse(text)
    edits = _Edits(text.split("\n"))
    parents: list[Token] = []
    closed: dict[int, Token] = {}  # level → the last block closed at that level
    for index, token in enumerate(tokens):
        parent = parents[-1] if parents else None
        if token.type in BLOCKS and token.map:
            quotes = sum(1 for opened in parents if opened.type == "blockquote_open")
            _separate(token, closed.get(token.level), parent, ">" * quotes, edits)
        if token.type == "list_item_open" and token.map:
            _separate_item(token, closed.get(token.level), parents, edits)
            if token.markup == ")":  # Python-Markdown knows `1.` only (the lists are told apart already)
                edits.inline.setdefault(token.map[0], []).append(
                    lambda line: re.sub(r"^((?:\s*>)*\s*\d{1,9})\)", r"\1.", line, count=1))
        if token.type in ("fence", "html_block", "table_open") and token.map:
            _blank_after(token.map[1], sum(1 for opened in parents if opened.type == "blockquote_open"), edits)
        if token.type == "blockquote_open" and token.map and parent is None:
            _alert(tokens, index, edits)
        elif token.type == "inline" and token.map and parent is not None:
            _inline(token, parent, edits)
        elif token.type == "html_block" and token.map:
            _markdown_in_html(token, edits)
        elif token.type == "fence" and token.map:
            _fence(token, edits)
        if token.nesting == 1:
            parents.append(token)
            for level in [level for level in closed if level > token.level]:
                del closed[level]  # a new container: its first child has no previous sibling
        elif token.nesting == -1:
            opened = parents.pop()
            token.meta["end"] = opened.map[1] if opened.map else None
            token.meta["start"] = opened.map[0] if opened.map else None
            closed[token.level] = token
        elif token.block:
            token.meta["end"] = token.map[1] if token.map else None
            closed[token.level] = token
    return edits.apply()


def _separate(token: Token, previous: Token | None, parent: Token | None, container: str, edits: _Edits) -> None:
    """What keeps two sibling blocks apart in Python-Markdown as they are in CommonMark: a blank line
    between blocks GitHub lets touch (a list, fence or table right after a paragraph, text right after a
    fence), and an empty comment between two lists or two blockquotes (Python-Markdown joins them across
    blank lines, and a bullet list with an ordered list right after it)."""
    if previous is None or previous.meta.get("end") is None or previous.type.removesuffix("_close") not in KINDS:
        return
    start = token.map[0]
    touching = previous.meta["end"] == start
    in_item = parent is not None and parent.type == "list_item_open"
    kinds = {previous.type.removesuffix("_close"), token.type.removesuffix("_open")}
    if not in_item and len(kinds) <= 2 and (kinds <= {"bullet_list", "ordered_list"} or kinds == {"blockquote"}) \
            and not (kinds == {"blockquote"} and parent is not None):
        edits.before.setdefault(start, []).extend(([container] if touching else []) + [f"{container} <!-- -->".strip(),
                                                                                     container])
        return
    if touching and not (in_item and token.type in ("bullet_list_open", "ordered_list_open")):
        edits.before.setdefault(start, []).append(container)


def _separate_item(item: Token, previous: Token | None, parents: list[Token], edits: _Edits) -> None:
    """A blank line before a list item that follows an item with a blank line in it (a second paragraph, a
    nested list or a fence after a blank line): Python-Markdown would read the new item into the last block
    of the previous one."""
    start = item.map[0]
    if previous is None or previous.type != "list_item_close" or previous.meta.get("start") is None \
            or not edits.lines[start - 1].strip(" >"):
        return
    first = previous.meta["start"]
    if any(not line.strip(" >") for line in edits.lines[first:start]) \
            or any(edits.before.get(number) for number in range(first + 1, start)):  # blank lines put in
        quotes = sum(1 for opened in parents if opened.type == "blockquote_open")
        edits.before.setdefault(start, []).append(">" * quotes)


def _blank_after(end: int, quotes: int, edits: _Edits) -> None:
    """A blank line after a fence, an HTML block or a table when the next line has text (the next list item,
    a paragraph of the enclosing item): Python-Markdown would read that line into the block's paragraph."""
    if end < len(edits.lines) and edits.lines[end].strip(" >"):
        prefix = ">" * min(quotes, re.match(r"^(?:\s*>)*", edits.lines[end]).group(0).count(">"))
        if prefix not in edits.before.get(end, []):
            edits.before.setdefault(end, []).append(prefix)


def _alert(tokens: list[Token], index: int, edits: _Edits) -> None:
    """``> [!NOTE]`` + quoted lines → ``!!! note "Note"`` + the lines indented (GitHub's alerts are
    blockquotes at the page's top level)."""
    opening = tokens[index]
    if index + 2 >= len(tokens) or tokens[index + 1].type != "paragraph_open":
        return
    first_line = tokens[index + 2].content.split("\n", 1)[0]
    mark = ALERT_MARK.match(first_line.strip())
    start, end = opening.map
    if mark is None or not edits.lines[start].lstrip().startswith(">"):
        return
    kind, title = ALERTS[mark.group("kind").lower()]
    edits.structure[start] = lambda _line: f'!!! {kind} gfm-alert "{title}"'
    for number in range(start + 1, end):
        edits.structure[number] = _unquote


def _unquote(line: str) -> str:
    body = QUOTE_PREFIX.sub("", line, count=1)
    return "    " + body if body.strip() else ""


def _inline(token: Token, parent: Token, edits: _Edits) -> None:
    start, end = token.map
    lines = edits.lines[start:end]
    in_table = parent.type in ("th_open", "td_open")
    joined = "\n".join(lines)
    if not any(mark in joined for mark in ("~", "$", "\\")):  # no edit below can apply: skip the masking
        return
    mask = code_mask(joined).split("\n")
    for offset, masked in enumerate(mask):
        number = start + offset
        if in_table and "\\|" in lines[offset]:
            edits.inline.setdefault(number, []).append(_table_code_pipes)
        if "~" in masked:
            spans = [m.span("text") for m in SINGLE_TILDE.finditer(URL.sub(lambda m: " " * len(m.group(0)), masked))]
            if spans:
                edits.inline.setdefault(number, []).append(lambda line, s=spans: _strike(line, s))
        if "$" in masked:
            starts = {m.start() for m in INLINE_MATH.finditer(masked) if re.match(r"\w", masked[m.end():m.end() + 1])}
            if starts:  # `$x$y` is not math on GitHub (a letter after the closing dollar): escape the opening one
                edits.inline.setdefault(number, []).append(
                    lambda line, at=starts: "".join(("\\" if i in at else "") + c for i, c in enumerate(line)))
        if parent.type == "paragraph_open" and offset < len(mask) - 1:
            trailing = len(masked) - len(masked.rstrip("\\"))
            if trailing % 2 == 1:
                edits.inline.setdefault(number, []).append(lambda line: line[:-1] + "  ")


def _table_code_pipes(line: str) -> str:
    """In a table, ``\\|`` is a pipe even inside a code span (GFM unescapes it before the cell is parsed)."""
    return INLINE_CODE.sub(lambda m: m.group(0).replace("\\|", "|"), line)


def _strike(line: str, spans: list[tuple[int, int]]) -> str:
    for begin, finish in reversed(spans):
        line = line[: begin - 1] + "~~" + line[begin:finish] + "~~" + line[finish + 1:]
    return line


def _fence(token: Token, edits: _Edits) -> None:
    """A fence closed as CommonMark closes it: by a longer fence (```` ```` ```` after ```` ``` ````) or by the end
    of its container, made the closing fence Python-Markdown's superfences expects (the same as the opening
    one). GitHub's ```` ```math ```` block becomes arithmatex's ``$$`` block."""
    start, end = token.map
    math = token.info.strip().lower() == "math"
    last = edits.lines[end - 1] if end - 1 > start else ""
    fence_line = rf"^\s*(?:>\s?)*\s*{re.escape(token.markup[0])}{{3,}}\s*$"
    closing = end - 1 if end - 1 > start and re.match(fence_line, last) else None
    opening_prefix = re.match(r"^\s*(?:>\s?)*\s*", edits.lines[start]).group(0)
    if math:
        edits.inline.setdefault(start, []).append(
            lambda line: re.sub(r"^(\s*(?:>\s?)*\s*)(`{3,}|~{3,}).*$", r"\1$$", line))
    if closing is not None:
        marker = "$$" if math else token.markup
        edits.inline.setdefault(closing, []).append(
            lambda _line: opening_prefix + marker)  # indented as the opening fence, as superfences needs
    else:
        edits.before.setdefault(end, []).append(opening_prefix + ("$$" if math else token.markup))


def _markdown_in_html(token: Token, edits: _Edits) -> None:
    """``<details>`` / ``<div>`` whose HTML block ends before its content: GitHub renders that content as
    Markdown, Python-Markdown's ``md_in_html`` does when the tag says ``markdown="1"``."""
    content = token.content
    for name in ("details", "div"):
        if len(re.findall(rf"<{name}\b", content, re.IGNORECASE)) <= \
                len(re.findall(rf"</{name}\s*>", content, re.IGNORECASE)):
            continue
        for number in range(token.map[0], token.map[1]):
            if re.search(rf"<{name}\b", edits.lines[number], re.IGNORECASE):
                edits.inline.setdefault(number, []).append(
                    lambda line, n=name: re.sub(rf"<({n})\b(?![^>]*\bmarkdown=)", r'<\1 markdown="1"', line,
                                                flags=re.IGNORECASE))
