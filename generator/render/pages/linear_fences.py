"""pymdownx.superfences' fenced code blocks put back into a page in one pass, not one pass per block.

superfences finds a page's fenced blocks, then puts each one back with ``lines[:start] + [block] +
lines[end:]``: the page's whole list of lines is copied once per block, so a page of n lines and k blocks
costs n·k. Measured with MkDocs' configuration of the staged tree: a 2 MB page of 8,172 blocks spent 3 of its
22 CPU seconds there, and twice the page four times as long; a page of tiny blocks is far worse (400 KB of
them: 50 CPU s). The subclass here does the same replacement in one pass over the lines; its output is
identical (each block replaces the same lines), so what a page renders does not change, only the time.
"""

from __future__ import annotations

from itertools import pairwise

from markdown import Markdown
from pymdownx.superfences import SuperFencesBlockPreprocessor

#: superfences' preprocessor in ``md.preprocessors``, and the priority superfences registers it with.
FENCED = "fenced_code_block"
FENCED_PRIORITY = 25


class LinearSuperFences(SuperFencesBlockPreprocessor):
    """superfences' preprocessor, reassembling the page in one pass."""

    def reassemble(self, lines: list[str]) -> list[str]:
        blocks = self.stack  # (placeholder line, first line, line after the block), found in page order
        if any(start < previous_end for (_, _, previous_end), (_, start, _) in pairwise(blocks)):
            return super().reassemble(lines)  # not in page order: superfences' own way, block by block
        out: list[str] = []
        last = 0
        for fenced, start, end in blocks:
            out.extend(lines[last:start])
            out.append(fenced)
            last = end
        out.extend(lines[last:])
        blocks.clear()  # as superfences leaves its stack: every block used
        return out


def use_linear_fences(md: Markdown) -> None:
    """Replace superfences' preprocessor of ``md`` (registered by an extension listed before the caller's) by
    :class:`LinearSuperFences`, configured alike; nothing when superfences is not used or is not the stock one."""
    if FENCED not in md.preprocessors or type(md.preprocessors[FENCED]) is not SuperFencesBlockPreprocessor:
        return
    stock = md.preprocessors[FENCED]
    linear = LinearSuperFences(md)
    linear.config, linear.extension = stock.config, stock.extension
    for fence in stock.extension.superfences:  # the default fence formats code with its preprocessor's method
        if fence["formatter"] == stock.highlight:
            fence["formatter"] = linear.highlight
    md.preprocessors.register(linear, FENCED, FENCED_PRIORITY)
