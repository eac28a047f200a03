"""One build at a time per project folder: an exclusive ``flock`` on ``.devportal/build.lock``.

A second ``devportal build`` / ``stage`` / ``fetch`` / ``check``, ``devportal serve`` or plain
``mkdocs build`` with the plugin in the same folder waits for the first one ("waiting for the build in
progress (pid N)…") up to a timeout, then refuses with a clear error; it never mixes its output with
the other's. The kernel releases the lock when its holder exits, even on SIGKILL, so a killed build never
leaves a stale lock behind. The lock is re-entrant within a process (the plugin inside a build).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.diagnostics import DiagnosticError, error

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: builds are not serialised there
    fcntl = None

LOCK_NAME = Path(".devportal") / "build.lock"
DEFAULT_WAIT = 600.0  # seconds
_POLL = 0.1

_held: dict[Path, tuple[int, int]] = {}  # lock file → (fd, depth) held by this process
_guard = threading.Lock()


def lock_path(project_root: Path) -> Path:
    """The lock file of the project whose ``mkdocs.yml`` is in ``project_root``."""
    return project_root.resolve() / LOCK_NAME


def acquire(project_root: Path, *, wait: float | None = DEFAULT_WAIT,
            log: Callable[[str], None] | None = None) -> Path:
    """Take the project's build lock, waiting at most ``wait`` seconds (``None``: forever, ``0``: not at all).

    Raises :class:`DiagnosticError` (code ``build-locked``) when another process still holds it.
    """
    path = lock_path(project_root)
    with _guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
            return path
    if fcntl is None:  # pragma: no cover
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = None if wait is None else time.monotonic() + wait
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            holder = _holder(fd)
            if deadline is not None and time.monotonic() >= deadline:
                os.close(fd)
                raise DiagnosticError([error(
                    str(path), f"another build is in progress in this folder (pid {holder or '?'})",
                    code="build-locked",
                    hint="wait for it to finish, or give it longer with `--wait SECONDS`")]) from None
            if not announced and log is not None:
                log(f"waiting for the build in progress (pid {holder or '?'})…")
                announced = True
            time.sleep(_POLL)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    with _guard:
        _held[path] = (fd, 1)
    return path


def release(path: Path) -> None:
    """Give back a lock taken with :func:`acquire` (the last release of a nested hold unlocks the file)."""
    with _guard:
        if path not in _held:
            return
        fd, depth = _held[path]
        if depth > 1:
            _held[path] = (fd, depth - 1)
            return
        del _held[path]
    os.close(fd)  # closing the descriptor releases the flock


@contextmanager
def build_lock(project_root: Path, *, wait: float | None = DEFAULT_WAIT,
               log: Callable[[str], None] | None = None) -> Iterator[Path]:
    """``with build_lock(root):`` – hold the project's build lock for the block."""
    path = acquire(project_root, wait=wait, log=log)
    try:
        yield path
    finally:
        release(path)


def _holder(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None
