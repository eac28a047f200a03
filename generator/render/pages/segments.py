"""Where code is in a Markdown text, so transformations and checks leave code untouched."""

from __future__ import annotations

import bisect
import re

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


def fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fence lines included)."""
    inside: list[bool] = []
    fence: str | None = None
    for line in lines:
        match = FENCE.match(line) if "```" in line or "~~~" in line else None  # a fence line has one of them
        if fence is None and match:
            fence = match.group("fence")
            inside.append(True)
        elif fence is not None:
            inside.append(True)
            if match and match.group("fence").startswith(fence[0]) and len(match.group("fence")) >= len(fence) \
                    and not match.group("info").strip():
                fence = None
        else:
            inside.append(False)
    return inside


BLOCK_START = re.compile(r"^\s*(?:[-*+]\s|\d{1,9}[.)]\s|#|\||:::|===[!+]{0,2} |!!! )")


def longest_paragraph(lines: list[str], code: list[bool]) -> tuple[int, int]:
    """(1-based first line, characters) of the longest run of text lines that Markdown renders as one
    paragraph: consecutive non-blank lines outside code, where list items, headings, table rows and
    admonitions each start a new run. Python-Markdown's inline processing of one paragraph grows with
    the square of its length (40,000 entities in one paragraph: 30 s), so pages bound it."""
    best, best_line, length, start = 0, 1, 0, 0
    for index, (line, in_code) in enumerate(zip(lines, code, strict=True)):
        if in_code or not line.strip() or BLOCK_START.match(line):
            length, start = (len(line), index) if (not in_code and line.strip()) else (0, index + 1)
        else:
            if length == 0:
                start = index
            length += len(line) + 1
        if length > best:
            best, best_line = length, start + 1
    return best_line, best


def code_mask(text: str) -> str:
    """``text`` with every character of code (fences, inline code spans) replaced by a space.

    Newlines and offsets are kept, so a match found in the mask is at the same place in ``text``.
    """
    lines = text.split("\n")
    masked = [(" " * len(line) if code else line) for line, code in zip(lines, fenced_lines(lines), strict=True)]
    result = "\n".join(masked)
    return INLINE_CODE.sub(_blank, result)


def _blank(match: re.Match) -> str:
    code = match.group(0)
    return " " * len(code) if "\n" not in code else re.sub(r"[^\n]", " ", code)


class LineIndex:
    """1-based line numbers of offsets in one text: the line starts are found once (O(size)), then each
    offset's line is a binary search, so numbering every link of a big page stays linear."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

