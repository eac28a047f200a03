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
        match = FENCE.match(line)
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


def line_of(text: str, offset: int) -> int:
    """1-based line number of ``offset`` in ``text`` (one lookup; use :class:`LineIndex` for many)."""
    return text.count("\n", 0, offset) + 1
