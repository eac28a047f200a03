"""Code blocks highlighted as pymdownx.highlight highlights them, with Pygments' per-block set-up done once.

For every code block (and every inline ``#!lang`` code), pymdownx.highlight asks Pygments for a lexer by
name and makes a new HTML formatter:

* ``get_lexer_by_name`` scans the table of Pygments' ~600 lexers for the name, and for a name no lexer has
  (a block's language Pygments does not know) also reads the installed packages' entry points;
* the formatter's ``__init__`` rebuilds the style's stylesheet: a CSS class and a style for each of the
  style's ~80 token types.

For the 1,200 code blocks of the M benchmark portal's pages that was 9 % of their Markdown render.
:class:`HighlightCache` answers both once: the lexer class per name (or that no lexer has it), and the
stylesheet per style and class prefix (what it is made from; the formatter only reads it). Pygments still
lexes and formats every block itself: the HTML is the same, which ``tests/test_build_cost.py`` checks
against pymdownx.highlight without the cache.

pymdownx.highlight looks its formatter classes and ``get_lexer_by_name`` up as its module's globals when it
highlights, so :meth:`HighlightCache.active` puts the cached ones there for the time of a render and puts
the module's own back after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound
from pymdownx import highlight

#: pymdownx.highlight's own formatter classes (the module globals :meth:`HighlightCache.active` replaces),
#: taken when this module is imported.
FORMATTERS = {name: getattr(highlight, name) for name in ("BlockHtmlFormatter", "InlineHtmlFormatter")}


class HighlightCache:
    """Lexer classes by name and stylesheets by style, for as long as the instance lives (one build)."""

    def __init__(self) -> None:
        self.lexers: dict[str, type | None] = {}  # name → its lexer class (None: no lexer has it)
        self.stylesheets: dict[tuple[Any, str], tuple[dict, dict]] = {}  # (style, class prefix) → its dicts
        self._formatters = {name: self._formatter(base) for name, base in FORMATTERS.items()}

    def _formatter(self, base: type) -> type:
        stylesheets = self.stylesheets

        class Formatter(base):
            def _create_stylesheet(self) -> None:
                key = (self.style, self.classprefix)
                if key not in stylesheets:
                    base._create_stylesheet(self)
                    stylesheets[key] = (self.ttype2class, self.class2style)
                self.ttype2class, self.class2style = stylesheets[key]

        Formatter.__name__ = Formatter.__qualname__ = base.__name__
        return Formatter

    def lexer_by_name(self, name: str, **options: Any) -> Any:
        """``pygments.lexers.get_lexer_by_name``: a new lexer of the class that has ``name``, given ``options``."""
        if name not in self.lexers:
            try:
                lexer = get_lexer_by_name(name, **options)
            except ClassNotFound:
                self.lexers[name] = None
                raise
            self.lexers[name] = type(lexer)
            return lexer
        found = self.lexers[name]
        if found is None:
            raise ClassNotFound(f"no lexer for alias {name!r} found")
        return found(**options)

    @contextmanager
    def active(self) -> Iterator[None]:
        """pymdownx.highlight uses the cached lexers and stylesheets inside the ``with`` block."""
        names = (*self._formatters, "get_lexer_by_name")
        saved = {name: getattr(highlight, name) for name in names}
        for name, formatter in self._formatters.items():
            setattr(highlight, name, formatter)
        highlight.get_lexer_by_name = self.lexer_by_name
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(highlight, name, value)
