"""Docusaurus / MDX / GitHub-only constructs turned into what Material renders.

* ``<!-- START_COMMENT -->…<!-- END_COMMENT -->`` (shown on GitHub only) is dropped;
  ``<!-- START_HIDDEN_IN_GITHUB … -->`` (shown on the site only) is unwrapped.
* MDX ``import`` lines go; ``import X from './_x.md'`` + ``<X />`` inlines the partial.
* ``:::note Title`` … ``:::`` → ``!!! note "Title"``; ``<Tabs>``/``<TabItem>`` → ``=== "Label"`` tabs.
* Fence info strings are normalised (``` mermaid``, ``c#``, ``$``) so the highlighter never chokes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from generator.render.pages.segments import FENCE, fenced_lines

START_COMMENT = re.compile(r"<!--\s*START_COMMENT\s*-->.*?<!--\s*END_COMMENT\s*-->", re.DOTALL)
HIDDEN_IN_GITHUB = re.compile(
    r"<!--\s*START_HIDDEN_IN_GITHUB[ \t]*\n?(?P<inner>.*?)\n?[ \t]*END_HIDDEN_IN_GITHUB\s*-->", re.DOTALL)
IMPORT = re.compile(r"^import\s+(?P<name>\w+)\s+from\s+['\"](?P<path>[^'\"]+)['\"];?\s*$", re.MULTILINE)
ANY_IMPORT = re.compile(r"^import\s+.*?from\s+['\"][^'\"]+['\"];?\s*$|^import\s+['\"][^'\"]+['\"];?\s*$",
                        re.MULTILINE)
ADMONITION_OPEN = re.compile(r"^(?P<indent>\s*):::(?P<kind>[A-Za-z]+)(?:[ \t]+(?P<title>.*?))?\s*$")
ADMONITION_CLOSE = re.compile(r"^\s*:::\s*$")
ADMONITION_KINDS = {"note": "note", "tip": "tip", "info": "info", "caution": "warning", "warning": "warning",
                    "danger": "danger", "important": "info", "success": "success", "secondary": "note"}
TABS_OPEN = re.compile(r"^\s*<Tabs\b")
TAB_ITEM = re.compile(r"^\s*<TabItem\b(?P<attrs>[^>]*)>\s*$")
TAB_ITEM_CLOSE = re.compile(r"^\s*</TabItem>\s*$")
TABS_CLOSE = re.compile(r"^\s*</Tabs>\s*$")
TAB_VALUE_LABEL = re.compile(r"\{\s*label:\s*['\"](?P<label>[^'\"]*)['\"]\s*,\s*"
                             r"value:\s*['\"](?P<value>[^'\"]*)['\"]\s*\}|\{\s*value:\s*['\"](?P<value2>[^'\"]*)['\"]\s*,\s*label:\s*['\"](?P<label2>[^'\"]*)['\"]")
ATTRIBUTE = re.compile(r"(?P<name>\w+)=(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|\{(?P<js>[^}]*)\})")
JSX_STYLE = re.compile(r"\s+style=\{\{.*?\}\}")
LANGUAGE = re.compile(r"^[A-Za-z0-9_+.-]+$")
LANGUAGE_ALIASES = {"c#": "csharp", "$": "shell", "sh": "shell", "{": "text", "": ""}


def _blank_out(match: re.Match) -> str:
    return "\n" * match.group(0).count("\n")


def drop_github_only(text: str) -> str:
    """Blank out each ``<!-- START_COMMENT -->`` … ``<!-- END_COMMENT -->`` block (text the repo shows on
    GitHub only), keeping the line count so diagnostics keep their lines. MDX imports are removed later, by
    :func:`inline_partials`."""
    text = START_COMMENT.sub(_blank_out, text)
    return text


def unwrap_site_only(text: str) -> str:
    """Show what the repo hid from GitHub because only the site should render it."""
    return HIDDEN_IN_GITHUB.sub(lambda m: m.group("inner"), text)


def partial_imports(text: str) -> dict[str, str]:
    """``import X from './_x.md'`` → ``{"X": "./_x.md"}`` (Markdown partials only)."""
    return {m.group("name"): m.group("path").replace("\\_", "_") for m in IMPORT.finditer(text)
            if m.group("path").replace("\\_", "_").endswith((".md", ".mdx"))}


def inline_partials(text: str, load: Callable[[str], str | None], *, max_chars: int | None = None,
                    refused: list[str] | None = None) -> str:
    """Replace ``<X />`` by the partial's text (``load`` reads it, or returns None when it may not).

    With ``max_chars``, a partial whose uses would grow the page beyond it is not inlined (a 5 MB partial
    used 100,000 times is a half-terabyte page) and its path is added to ``refused``."""
    for name, path in partial_imports(text).items():
        content = load(path)
        if content is None:
            continue
        use = re.compile(rf"^[ \t]*<{name}\s*/>[ \t]*$", re.MULTILINE)
        if max_chars is not None and len(text) + len(content) * sum(1 for _ in use.finditer(text)) > max_chars:
            if refused is not None:
                refused.append(path)
            continue
        text = use.sub(lambda _m, c=content: c.strip("\n"), text)
    lines = text.split("\n")  # an `import` line in a code block is code (a README's JavaScript sample)
    return "\n".join(line if in_code else ANY_IMPORT.sub(_blank_out_line, line)
                     for line, in_code in zip(lines, fenced_lines(lines), strict=True))


def _blank_out_line(match: re.Match) -> str:
    return ""


def strip_jsx(text: str) -> str:
    """JSX-only attributes (``style={{...}}``) mean nothing in HTML."""
    return JSX_STYLE.sub("", text)


def _indent(lines: list[str], prefix: str = "    ") -> list[str]:
    return [prefix + line if line.strip() else "" for line in lines]


def convert_blocks(text: str) -> str:
    """Admonitions and tabs, outside code fences, nested as written."""
    lines = text.split("\n")
    out, _ = _convert(lines, 0, fenced_lines(lines), stop=None)
    return "\n".join(out)


MAX_NESTING = 8
"""Admonitions and tabs nested deeper are left as written: each level re-indents its whole body, and the
conversion recurses per level (a hostile page of 10,000 nested ``:::note`` would crash it)."""
MAX_TABS_HEADER = 50  # lines a ``<Tabs ...>`` opening tag may span


def _convert(lines: list[str], start: int, code: list[bool],
             stop: Callable[[str], bool] | None, depth: int = 0) -> tuple[list[str], int]:
    out: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        if code[i]:
            out.append(line)
            i += 1
            continue
        if stop and stop(line):
            return out, i
        if depth >= MAX_NESTING:
            out.append(line)
            i += 1
            continue
        admonition = ADMONITION_OPEN.match(line)
        if admonition:
            body, end = _convert(lines, i + 1, code, stop=ADMONITION_CLOSE.match, depth=depth + 1)
            kind = ADMONITION_KINDS.get(admonition.group("kind").lower(), "note")
            title = (admonition.group("title") or "").strip().replace('"', "'")
            out.append(f'!!! {kind} "{title}"' if title else f"!!! {kind}")
            out.extend(_indent(_dedent(body)))
            out.append("")
            i = end + 1
            continue
        if TABS_OPEN.match(line):
            header = [line]
            while ">" not in _strip_js(" ".join(header)) and i + 1 < len(lines) and len(header) < MAX_TABS_HEADER:
                i += 1
                header.append(lines[i])
            labels = _tab_labels(" ".join(header))
            body, end = _convert(lines, i + 1, code, stop=TABS_CLOSE.match, depth=depth + 1)
            out.extend(_tabs(body, labels))
            i = end + 1
            continue
        out.append(line)
        i += 1
    return out, i


def _strip_js(text: str) -> str:
    """The header text with ``{...}`` JS expressions removed, to find the tag's closing ``>``."""
    depth, kept = 0, []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            kept.append(ch)
    return "".join(kept)


def _tab_labels(header: str) -> dict[str, str]:
    labels = {}
    for m in TAB_VALUE_LABEL.finditer(header):
        value = m.group("value") if m.group("value") is not None else m.group("value2")
        labels[value] = m.group("label") if m.group("label") is not None else m.group("label2")
    return labels


def _tabs(body: list[str], labels: dict[str, str]) -> list[str]:
    out: list[str] = []
    current: list[str] | None = None
    title = ""
    for line in body + ["</TabItem>"]:
        item = TAB_ITEM.match(line)
        if item:
            attrs = {a.group("name"): a.group("dq") or a.group("sq") or a.group("js") or ""
                     for a in ATTRIBUTE.finditer(item.group("attrs"))}
            value = attrs.get("value", "")
            title = attrs.get("label") or labels.get(value) or value or "Tab"
            current = []
            continue
        if TAB_ITEM_CLOSE.match(line):
            if current is not None:
                out.append(f'=== "{title}"')
                out.append("")
                out.extend(_indent(_dedent(_trim(current))))
                out.append("")
            current = None
            continue
        if current is not None:
            current.append(line)
        elif line.strip():
            out.append(line)
    return out


def _trim(lines: list[str]) -> list[str]:
    """``lines`` without leading and trailing blank lines."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def _dedent(lines: list[str]) -> list[str]:
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths) if widths else 0
    return [line[cut:] for line in lines]


def normalize_fences(text: str) -> str:
    """```` ``` mermaid```` → ```` ```mermaid````; info strings no lexer knows (``$``, ``{``) → ``text``."""
    lines = text.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        match = FENCE.match(line)
        if not match:
            continue
        if fence is None:
            fence = match.group("fence")
            info = match.group("info").strip()
            first, _, rest = info.partition(" ")
            language = LANGUAGE_ALIASES.get(first.lower(), first)
            if language and not LANGUAGE.match(language):
                language = "text"
            lines[index] = f"{match.group('indent')}{fence}{language}{(' ' + rest) if rest else ''}"
        elif match.group("fence").startswith(fence[0]) and len(match.group("fence")) >= len(fence) \
                and not match.group("info").strip():
            fence = None
    return "\n".join(lines)
