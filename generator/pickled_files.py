"""devportal's own cache files: a value pickled with its format's number, written through a temporary file renamed
into place, and read back only when it is whole, of that format and of the expected kind."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def write_pickled(path: Path, tag: int, value: object) -> None:
    """Write ``value`` with its format ``tag`` to ``path`` (through a temporary file renamed into place, so a
    killed build leaves the old file or none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        temporary.write_bytes(pickle.dumps((tag, value)))
        os.replace(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def read_pickled(path: Path, tag: int, kind: type[T]) -> T | None:
    """What :func:`write_pickled` wrote to ``path``, or None when it is missing, unreadable, of another format
    ``tag`` or not a ``kind`` (a cache entry that cannot be trusted is not used)."""
    try:
        found, value = pickle.loads(path.read_bytes())  # noqa: S301 - devportal's own cache, not a source's file
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return None
    return value if found == tag and isinstance(value, kind) else None
