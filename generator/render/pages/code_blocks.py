"""Fenced code blocks as Docusaurus writes them → what pymdownx.superfences and pymdownx.highlight render.

Docusaurus reads a fence's info string as ``language`` plus a free "metastring": ``{1,3-4}`` highlights
lines, ``showLineNumbers`` (or ``showLineNumbers=5``) numbers them, ``title="file.js"`` names the block;
without a line range, the magic comments ``// highlight-next-line`` and ``// highlight-start`` /
``// highlight-end`` (``#`` in Python and shell, ``<!-- -->`` in HTML...) highlight lines and are removed.
superfences accepts only the options it knows (``hl_lines``, ``linenums``, ``title``): any other word
made it refuse the fence, and Python-Markdown then rendered the whole block as one inline code span. So
every opening fence is rewritten with only those options, and the magic comments become ``hl_lines``.
The rules follow Docusaurus' ``codeBlockUtils`` (theme-common).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.render.pages.segments import FENCE

LANGUAGE = re.compile(r"^[A-Za-z0-9_+.-]+$")
LANGUAGE_ALIASES = {"c#": "csharp", "$": "shell", "sh": "shell", "{": "text", "": ""}
LINE_RANGE = re.compile(r"\{(?P<range>[\d,\s-]+)\}")
TITLE = re.compile(r"""title=(?P<quote>["'])(?P<title>.*?)(?P=quote)""")
SHOW_LINE_NUMBERS = re.compile(r"(?:^|\s)showLineNumbers(?:=(?P<start>\d+))?(?=\s|$)")
OPTION = re.compile(r"""(?P<key>hl_lines|linenums)=(?P<quote>["'])(?P<value>[^"']*)(?P=quote)""")
MAX_INFO = 2000  # characters of a fence's metastring read (a hostile one may be a whole page long)
#: Metastring words Docusaurus sites use for features the portal has no equivalent of.
UNSUPPORTED_META = {"live": "a live, editable playground (`@docusaurus/theme-live-codeblock`)",
                    "noInline": "a live playground rendering (`@docusaurus/theme-live-codeblock`)"}

# The comment styles of Docusaurus' magic comments, and which styles a language uses.
_COMMENTS = {"js": (r"//", ""), "jsBlock": (r"/\*", r"\*/"), "jsx": (r"\{\s*/\*", r"\*/\s*\}"), "bash": ("#", ""),
             "html": ("<!--", "-->"), "lua": ("--", ""), "wasm": (";;", ""), "tex": ("%", ""),
             "vb": ("['‘’]", ""), "vbnet": (r"(?:_\s*)?['‘’]", ""), "rem": (r"[Rr][Ee][Mm]\b", ""),
             "f90": ("!", ""), "ml": (r"\(\*", r"\*\)"), "cobol": (r"\*>", "")}
_POPULAR = ("js", "jsBlock", "jsx", "bash", "html")
_LANGUAGE_COMMENTS = {
    **dict.fromkeys(("js", "javascript", "ts", "typescript"), ("js", "jsBlock")),
    **dict.fromkeys(("jsx", "tsx"), ("js", "jsBlock", "jsx")),
    "html": ("js", "jsBlock", "html"),
    **dict.fromkeys(("python", "py", "bash"), ("bash",)),
    **dict.fromkeys(("markdown", "md"), ("html", "jsx", "bash")),
    **dict.fromkeys(("tex", "latex", "matlab"), ("tex",)),
    **dict.fromkeys(("lua", "haskell"), ("lua",)),
    "sql": ("lua", "jsBlock"), "wasm": ("wasm",),
    **dict.fromkeys(("vb", "vba", "visual-basic"), ("vb", "rem")), "vbnet": ("vbnet", "rem"),
    "batch": ("rem",), "basic": ("rem", "f90"), "fsharp": ("js", "ml"), **dict.fromkeys(("ocaml", "sml"), ("ml",)),
    "fortran": ("f90",), "cobol": ("cobol",),
}
_DIRECTIVES = "highlight-next-line|highlight-start|highlight-end"
_MAGIC: dict[tuple[str, ...], re.Pattern] = {}


def _magic_comment(language: str) -> re.Pattern:
    """The pattern of a line holding only a magic comment, in the comment styles of ``language``."""
    styles = _LANGUAGE_COMMENTS.get(language.lower(), _POPULAR)
    if styles not in _MAGIC:
        either = "|".join(rf"(?:{_COMMENTS[s][0]}\s*({_DIRECTIVES})\s*{_COMMENTS[s][1]})" for s in styles)
        _MAGIC[styles] = re.compile(rf"^\s*(?:{either})\s*$")
    return _MAGIC[styles]


@dataclass
class CodeMeta:
    """What a fence's metastring asks for, in superfences' terms."""

    language: str
    ranges: list[str]  # the lines to highlight, as written: "1,3-4" (Docusaurus), "1 3-4" (superfences)
    line_numbers: int | None  # first line number, or None for no numbers
    title: str | None
    has_range: bool  # ``{1,3-4}``: Docusaurus then leaves magic comments alone


def parse_info(info: str) -> CodeMeta:
    """A fence info string (``js title="a.js" {1,3-4} showLineNumbers``) read as Docusaurus reads it; the
    superfences options a Material page may already use (``hl_lines="2"``, ``linenums="1"``) are kept."""
    first, _, rest = info.strip().partition(" ")
    language = LANGUAGE_ALIASES.get(first.lower(), first)
    if language and not LANGUAGE.match(language):
        language = "text"
    rest = rest[:MAX_INFO]
    line_numbers = None
    line_range = LINE_RANGE.search(rest)
    ranges = [line_range.group("range")] if line_range else []
    title = TITLE.search(rest)
    shown = SHOW_LINE_NUMBERS.search(rest)
    if shown:
        line_numbers = int(shown.group("start") or 1)
    for option in OPTION.finditer(rest):  # superfences' own spelling
        if option.group("key") == "hl_lines":
            ranges.append(option.group("value").replace(" ", ","))
        elif option.group("value").isdigit():
            line_numbers = int(option.group("value"))
    return CodeMeta(language=language, ranges=ranges, line_numbers=line_numbers,
                    title=title.group("title") if title else None, has_range=bool(line_range))


def line_numbers(ranges: list[str], last_line: int) -> set[int]:
    """``["1,3-4"]`` → ``{1, 3, 4}`` (``parse-numeric-range`` as Docusaurus uses it), lines of the block only."""
    numbers: set[int] = set()
    for part in ",".join(ranges).replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        if low.isdigit() and (not dash or high.isdigit()):
            first, last = int(low), int(high) if dash else int(low)
            numbers.update(range(max(first, 1), min(last, last_line) + 1))
    return numbers


def strip_magic_comments(code: list[str], language: str) -> tuple[list[str], list[int]]:
    """The code without its magic comment lines, and the (1-based) lines they highlight."""
    pattern = _magic_comment(language or "text")
    kept: list[str] = []
    highlighted: list[int] = []
    start: int | None = None
    for line in code:
        match = pattern.match(line)
        if not match:
            kept.append(line)
            continue
        directive = next(group for group in match.groups() if group)
        if directive == "highlight-next-line":
            highlighted.append(len(kept) + 1)
        elif directive == "highlight-start":
            start = len(kept) + 1
        elif start is not None:  # highlight-end
            highlighted += range(start, len(kept) + 1)
            start = None
    return kept, highlighted


def fence_line(indent: str, fence: str, meta: CodeMeta, highlighted: set[int]) -> str:
    """The opening fence superfences understands: language, then only the options it knows."""
    options: list[str] = []
    if meta.language == "mermaid":  # a custom fence: superfences refuses options it does not define
        return f"{indent}{fence}{meta.language}"
    if meta.title:
        options.append('title="{}"'.format(meta.title.replace('"', "'")))
    if highlighted:
        options.append('hl_lines="{}"'.format(" ".join(str(n) for n in sorted(highlighted))))
    if meta.line_numbers is not None:
        options.append(f'linenums="{meta.line_numbers}"')
    return f"{indent}{fence}{meta.language}{(' ' + ' '.join(options)) if options else ''}"


def convert_code_blocks(text: str) -> str:
    """Rewrite every fenced block's opening line for superfences and apply its magic comments.

    ```` ``` mermaid```` → ```` ```mermaid````; info strings no lexer knows (``$``, ``{``) → ``text``."""
    lines = text.split("\n")
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = FENCE.match(line) if "```" in line or "~~~" in line else None  # a fence line has one of them
        if not match:
            out.append(lines[index])
            index += 1
            continue
        fence = match.group("fence")
        end = index + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        meta = parse_info(match.group("info"))
        code = lines[index + 1:end]
        magic: list[int] = []
        if not meta.has_range and meta.language != "mermaid":
            code, magic = strip_magic_comments(code, meta.language)
        out.append(fence_line(match.group("indent"), fence, meta, line_numbers(meta.ranges, len(code)) | set(magic)))
        out.extend(code)
        out.extend(lines[end:end + 1])  # the closing fence (none at the end of an unclosed block)
        index = end + 1
    return "\n".join(out)


def _closes(line: str, fence: str) -> bool:
    match = FENCE.match(line) if fence[:3] in line else None
    return bool(match and match.group("fence").startswith(fence[0]) and len(match.group("fence")) >= len(fence)
                and not match.group("info").strip())


def unsupported_meta(info: str) -> list[str]:
    """The metastring words of ``info`` that ask for a feature the portal does not have."""
    words = info.strip().split()[1:]
    return [word for word in words if word in UNSUPPORTED_META]
