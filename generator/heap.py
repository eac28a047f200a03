"""The garbage collector told to skip what a long step inherits: a step's start-up objects stay frozen."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0


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
