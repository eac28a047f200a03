"""Where code is in a Markdown text, so transformations and checks leave code untouched."""

from __future__ import annotations

import bisect
import re

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)


def fenced_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, line after the last) of each fenced code block, its fence lines included, in page order; a
    block nothing closes runs to the end."""
    blocks: list[tuple[int, int]] = []
    fence: str | None = None
    start = 0
    for index, line in enumerate(lines):
        if "```" not in line and "~~~" not in line:  # a fence line has one of them
            continue
        match = FENCE.match(line)
        if match is None:
            continue
        if fence is None:
            fence, start = match.group("fence"), index
        elif match.group("fence").startswith(fence[0]) and len(match.group("fence")) >= len(fence) \
                and not match.group("info").strip():
            blocks.append((start, index + 1))
            fence = None
    if fence is not None:
        blocks.append((start, len(lines)))
    return blocks


def fenced_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it belongs to a fenced code block (fence lines included)."""
    return lines_in(fenced_blocks(lines), len(lines))


def lines_in(blocks: list[tuple[int, int]], count: int) -> list[bool]:
    """For each of ``count`` lines, whether one of ``blocks`` (:func:`fenced_blocks`) holds it."""
    inside = [False] * count
    for start, end in blocks:
        inside[start:end] = [True] * (end - start)
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
    return _blank_code_spans("\n".join(masked))


BACKTICKS = re.compile(r"`+")


def _blank_code_spans(text: str) -> str:
    """``text`` with the spans :data:`INLINE_CODE` matches blanked (newlines kept), found in one pass over its
    runs of backticks instead of a regex search from each of them (a fifth of the time on a guide page).

    A span opens at a run of backticks and closes at the next run of the same length; a run that no later
    run closes is text, and the search goes on from the next run."""
    runs = [match.span() for match in BACKTICKS.finditer(text)]
    closing: list[int | None] = [None] * len(runs)  # each run's next run of the same length
    following: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        closing[index] = following.get(length)
        following[length] = index
    pieces, done, index = [], 0, 0
    while index < len(runs):
        close = closing[index]
        if close is None:
            index += 1
            continue
        start, end = runs[index][0], runs[close][1]
        code = text[start:end]
        pieces += [text[done:start], " " * len(code) if "\n" not in code else re.sub(r"[^\n]", " ", code)]
        done, index = end, close + 1
    return "".join(pieces) + text[done:] if pieces else text


class LineIndex:
    """1-based line numbers of offsets in one text: the line starts are found once (O(size)), then each
    offset's line is a binary search, so numbering every link of a big page stays linear."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

