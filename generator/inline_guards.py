"""Inline patterns skip the texts they cannot match: a text every match needs is looked for first.

Python-Markdown runs each of the staged config's 20 inline patterns over each text of a page with
``finditer``. A pattern whose regex starts with a lookbehind or an alternation (pymdownx's code spans, inline
math, bare URLs and e-mail addresses) gets no fast scan from Python's ``re``: it is tried at every position of
every text, and most texts hold no ``$``, no ``@`` and no backtick. That was a tenth of the Markdown render of
the M benchmark portal's pages.

:func:`required_text` reads a regex's parse tree (the one Python's ``re`` compiles, from its private
``re._parser``: where a Python's tree has another shape, no pattern is guarded) and finds texts of which
every match must contain at least one, at or after where the search starts: a run of literals the match
consumes or a lookahead peeks at, an alternation's union, never a lookbehind's (it reads before the start).
They are looked for by a regex of those literals with the pattern's own flags, so case-insensitive ones fold
as the pattern folds them. :func:`guard_inline_patterns` wraps each pattern's regex so that ``finditer``
returns no match at once when none of those texts is in the part searched: the same matches, in the same
order, as the regex finds itself. ``tests/test_build_cost.py`` checks that against the regexes and against
Python-Markdown's HTML of the corpus's pages. The staged pages' instance (``generator.stage.one_markdown``) and
the API reference's descriptions (magiclink's patterns) use it.

The inline processor also takes each pattern by its index from the instance's ``Registry``, whose
``__getitem__`` (a sort check and two lookups, in Python) ran 743,000 times for M's pages, 5 % of their render:
:func:`list_inline_patterns` gives the processor the same patterns, in the same order, as a list.

Of the 758,000 times the processor then hands a text to a pattern (its private ``__applyPattern``: an
exclusion check, the regex's ``finditer``, a tuple back) for M's 803 pages, 12,700 find a match: the calls
were a sixth of the pages' render. :func:`search_before_trying` has the processor search each pattern's
regex (or its guard) itself and hand the text over only where it finds something: a pattern whose regex finds
nothing from where the processor would start cannot match there, and the processor then goes on to the next
pattern from the text's start, as it does when the pattern gives nothing back. :func:`prepare_inline_patterns`
does all three to an instance.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from typing import Any

try:
    from re import _constants as constants
    from re import _parser as parser
except ImportError:  # Python 3.10
    import sre_constants as constants
    import sre_parse as parser

#: Characters common in prose: a text of them is a weak guard, and another is preferred (an estimate only:
#: any choice is correct, this one skips more texts).
COMMON = frozenset(" \n\t.,;:-'\"()abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
#: A character class gives a guard when it has at most this many characters.
MAX_CLASS = 8
_REPEATS = {constants.MAX_REPEAT, constants.MIN_REPEAT} | ({constants.POSSESSIVE_REPEAT}
                                                         if hasattr(constants, "POSSESSIVE_REPEAT") else set())
_GROUPS = {constants.ATOMIC_GROUP} if hasattr(constants, "ATOMIC_GROUP") else set()


def required_text(pattern: re.Pattern[str]) -> frozenset[tuple[str, bool]] | None:
    """Texts of which every match of ``pattern`` contains one, consumed or peeked at by a lookahead at or after
    the search's start, each with whether it is matched ignoring case; None when no such text can be named."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    try:
        return _sequence(list(parsed), bool(parsed.state.flags & re.IGNORECASE))
    except (AttributeError, IndexError, TypeError, ValueError):  # a Python whose parse tree has another shape
        return None


def scanned_fast(pattern: re.Pattern[str]) -> bool:
    """Whether Python's ``re`` finds where ``pattern`` may match by a fast scan: it starts with a character or
    a character class (in a group, or in every branch), which ``re`` looks for before trying a match."""
    parsed = _parsed(pattern)
    try:
        return parsed is None or _starts_with_char(list(parsed))
    except (AttributeError, IndexError, TypeError, ValueError):  # as in required_text: no guard then
        return True


def _parsed(pattern: re.Pattern[str]) -> Any:
    if not isinstance(pattern.pattern, str) or pattern.flags & re.LOCALE:
        return None
    try:
        return parser.parse(pattern.pattern, pattern.flags)
    except (re.error, RecursionError, TypeError):
        return None


def _starts_with_char(items: list[tuple[Any, Any]]) -> bool:
    if not items:
        return False
    op, av = items[0]
    if op is constants.IN or op is constants.LITERAL:
        return True
    if op is constants.SUBPATTERN:
        return _starts_with_char(list(av[3]))
    if op is constants.BRANCH:
        return all(_starts_with_char(list(branch)) for branch in av[1])
    return False


def _cost(texts: frozenset[tuple[str, bool]]) -> tuple[int, int]:
    """How often a guard of ``texts`` would be found in text it cannot match (lower is better): each text of
    common characters counts for many, and a longer text is rarer than a shorter one."""
    return (sum(100 if all(ch in COMMON for ch in text) else 1 for text, _ in texts),
            -min(len(text) for text, _ in texts))


def _sequence(items: list[tuple[Any, Any]], ignore_case: bool) -> frozenset[tuple[str, bool]] | None:
    """What a sequence of items needs: the rarest need of any of its items (on a tie, the later: past the
    escapes patterns start with), runs of literal characters joined into one text (``://``)."""
    best: frozenset[tuple[str, bool]] | None = None
    run: list[str] = []

    def consider(candidate: frozenset[tuple[str, bool]] | None) -> None:
        nonlocal best
        if candidate and (best is None or _cost(candidate) <= _cost(best)):
            best = candidate

    for op, av in items:
        if op is constants.LITERAL:
            run.append(chr(av))
            continue
        if op in _REPEATS and av[0] == av[1] <= MAX_CLASS and len(av[2]) == 1 and av[2][0][0] is constants.LITERAL:
            run.append(chr(av[2][0][1]) * av[0])  # w{3}
            continue
        if run:
            consider(frozenset({("".join(run), ignore_case)}))
            run = []
        consider(_item(op, av, ignore_case))
    if run:
        consider(frozenset({("".join(run), ignore_case)}))
    return best


def _caseless(code: int) -> bool:
    char = chr(code)
    return char.lower() == char == char.upper() and char.casefold() == char


def _item(op: Any, av: Any, ignore_case: bool) -> frozenset[tuple[str, bool]] | None:
    if op is constants.IN:
        return _char_class(av, ignore_case)
    if op in _REPEATS:
        low, _high, item = av
        return _sequence(list(item), ignore_case) if low >= 1 else None
    if op is constants.SUBPATTERN:
        _group, add, remove, item = av
        case = (ignore_case or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
        return _sequence(list(item), case)
    if op in _GROUPS:
        return _sequence(list(av), ignore_case)
    if op is constants.BRANCH:
        return _union([_sequence(list(branch), ignore_case) for branch in av[1]])
    if op is constants.GROUPREF_EXISTS:
        _group, yes, no = av
        return _union([_sequence(list(yes), ignore_case), _sequence(list(no), ignore_case) if no else None])
    if op is constants.ASSERT:
        direction, item = av
        return _sequence(list(item), ignore_case) if direction == 1 else None  # a lookbehind reads before
    return None  # any character, a negated literal, an anchor, a lookaround that must fail, a backreference


def _union(needs: list[frozenset[tuple[str, bool]] | None]) -> frozenset[tuple[str, bool]] | None:
    if any(need is None for need in needs):
        return None
    return frozenset().union(*needs)


def _char_class(items: list[tuple[Any, Any]], ignore_case: bool) -> frozenset[tuple[str, bool]] | None:
    """The characters of a small class; with case ignored, only when none has a case (how ``re`` folds a class
    is not how it folds a literal, so a class's letters are not looked for)."""
    chars: set[str] = set()
    for op, av in items:
        if op is constants.LITERAL:
            codes = [av]
        elif op is constants.RANGE and av[1] - av[0] < MAX_CLASS:
            codes = list(range(av[0], av[1] + 1))
        else:  # a category (\d, \s), a negation, a big range
            return None
        if ignore_case and not all(_caseless(code) for code in codes):
            return None
        chars.update(chr(code) for code in codes)
    return frozenset((char, False) for char in chars) if 0 < len(chars) <= MAX_CLASS else None


def guard_regex(pattern: re.Pattern[str], required: frozenset[tuple[str, bool]]) -> re.Pattern[str]:
    """A regex that finds any of ``required`` as ``pattern`` matches it: each text's characters are literals
    compiled with the same flags (case-insensitive ones in ``(?i:...)``, ``re.ASCII`` as the pattern has it)."""
    parts = [f"(?i:{re.escape(text)})" if ignore_case else re.escape(text) for text, ignore_case in sorted(required)]
    return re.compile("|".join(parts), pattern.flags & re.ASCII)


class GuardedPattern:
    """A compiled regex whose ``finditer`` looks for its :func:`required_text` first; everything else is the
    regex's own."""

    def __init__(self, regex: re.Pattern[str], required: frozenset[tuple[str, bool]]) -> None:
        self.regex = regex
        self.required = required
        self.guard = guard_regex(regex, required)
        self.skipped = 0  # searches answered without running the regex

    def finditer(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> Iterator[re.Match[str]]:
        if self.guard.search(string, pos, endpos) is None:
            self.skipped += 1
            return iter(())
        return self.regex.finditer(string, pos, endpos)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.regex, name)


def guard_inline_patterns(md: Any) -> list[GuardedPattern]:
    """Wrap the regex of each of ``md``'s inline patterns that ``re`` scans slowly (:func:`scanned_fast`) and
    that needs a text it can look for first (a fast scan is not made faster: the guard would cost a call)."""
    guarded = []
    for name in [item.name for item in md.inlinePatterns._priority]:
        pattern = md.inlinePatterns[name]
        regex = getattr(pattern, "compiled_re", None)
        if not isinstance(regex, re.Pattern) or scanned_fast(regex):
            continue
        required = required_text(regex)
        if required:
            pattern.compiled_re = GuardedPattern(regex, required)
            guarded.append(pattern.compiled_re)
    return guarded


def list_inline_patterns(md: Any) -> None:
    """Have ``md``'s inline processor take its patterns from a list of them in the registry's order, instead of
    from the registry itself one index at a time (the processor only counts them and indexes them). For an
    instance whose inline patterns are all registered (its extensions loaded): one registered later would not
    be in the list."""
    processor = md.treeprocessors["inline"]
    processor.inlinePatterns = list(md.inlinePatterns)


class SearchFirst:
    """``md``'s inline processor's ``__handleInline`` (Python-Markdown 3's loop over the patterns from
    ``pattern_index``), with each pattern's regex searched before the pattern is tried: ``skipped`` counts the
    trials saved. Patterns that are not regex-driven (``InlineProcessor``) are always tried."""

    def __init__(self, processor: Any) -> None:
        from markdown.inlinepatterns import InlineProcessor
        from markdown.util import AtomicString

        self._atomic = AtomicString
        self._patterns = processor.inlinePatterns
        self._apply = processor._InlineProcessor__applyPattern  # noqa: SLF001 - the processor's one trial
        self._searches = [_search_of(pattern) if isinstance(pattern, InlineProcessor) else None
                          for pattern in self._patterns]
        self.skipped = 0

    def __call__(self, data: str, pattern_index: int = 0) -> str:
        if isinstance(data, self._atomic):
            return data
        patterns, searches, count, start, skipped = self._patterns, self._searches, len(self._patterns), 0, 0
        while pattern_index < count:
            search = searches[pattern_index]
            if search is not None and search(data, start) is None:  # no match from ``start``: not matched
                pattern_index += 1
                start = 0
                skipped += 1
                continue
            data, matched, start = self._apply(patterns[pattern_index], data, pattern_index, start)
            if not matched:
                pattern_index += 1
        self.skipped += skipped
        return data


def _search_of(pattern: Any) -> Any:
    """What finds where ``pattern`` may match, or None: its guard's search for a guarded regex (a hit hands the
    text to the pattern, whose regex then scans it once), else its regex's own."""
    regex = pattern.getCompiledRegExp()
    if isinstance(regex, GuardedPattern):
        return regex.guard.search
    return regex.search if isinstance(regex, re.Pattern) else None


def search_before_trying(md: Any) -> SearchFirst | None:
    """Have ``md``'s inline processor search each pattern's regex before it tries the pattern on a text
    (:class:`SearchFirst`), for an instance whose patterns are listed (:func:`list_inline_patterns`); None, and
    nothing changed, for a processor without Python-Markdown 3's private loop."""
    processor = md.treeprocessors["inline"]
    if not callable(getattr(processor, "_InlineProcessor__applyPattern", None)) or \
            not callable(getattr(processor, "_InlineProcessor__handleInline", None)):
        return None
    search_first = SearchFirst(processor)
    # The processor calls ``self.__handleInline``: an attribute of the instance comes before its class's method.
    processor._InlineProcessor__handleInline = search_first  # noqa: SLF001
    return search_first


def prepare_inline_patterns(md: Any) -> list[GuardedPattern]:
    """The three savings for an instance whose extensions are loaded: :func:`guard_inline_patterns` (its guards
    are returned), :func:`list_inline_patterns`, then :func:`search_before_trying`."""
    guarded = guard_inline_patterns(md)
    list_inline_patterns(md)
    search_before_trying(md)
    return guarded
