"""The garbage collector told to skip what a long step inherits (a step's start-up objects stay frozen), and to
collect its youngest objects less often while a page is converted."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_spaced_depth = 0
_spaced_from: tuple[int, int, int] | None = None  # the thresholds the outermost spaced block found


@contextmanager
def frozen() -> Iterator[None]:
    """Run the block with the objects alive now (imported modules, the config, a loaded theme) moved out of the
    collector's reach: they stay alive through the block anyway, and its full passes no longer walk them.

    They are given back to the collector when the outermost such block ends, so nothing outlives its use; a
    block inside another freezes what was made since and leaves the thawing to the outer one (a thaw moves
    every frozen object, the outer block's too)."""
    global _depth  # noqa: PLW0603 - one count of nested blocks for the process, as the frozen set is
    with _lock:
        _depth += 1
        gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.unfreeze()


@contextmanager
def collections_spaced(young: int = 5_000) -> Iterator[None]:
    """Run the block with the collector's youngest generation collected after ``young`` new objects instead of
    Python's 700 (when that is fewer). A page's conversion makes its objects in one go (a 2 MB page: 82,000
    block tokens and their attributes), and every 700 of them the collector ran, then older generations
    after it, each pass walking what the page had made so far: 780 passes, 0.37 of its 2.0 CPU s; with 5,000,
    103 passes and 0.1 s. Cyclic garbage lives at most ``young`` objects longer. The thresholds are put back
    when the outermost such block ends (one inside another, or in another thread, leaves it to the outer one)."""
    global _spaced_depth, _spaced_from  # noqa: PLW0603 - one count of nested blocks for the process, as the thresholds are
    with _lock:
        if _spaced_depth == 0:
            _spaced_from = gc.get_threshold()
            gc.set_threshold(max(young, _spaced_from[0]), *_spaced_from[1:])
        _spaced_depth += 1
    try:
        yield
    finally:
        with _lock:
            _spaced_depth -= 1
            if _spaced_depth == 0 and _spaced_from is not None:
                gc.set_threshold(*_spaced_from)
                _spaced_from = None
