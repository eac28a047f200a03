"""How long each step of a run took, wall and CPU, written to the run's log (``time: stage 4.91 s, CPU 6.22 s``).

CPU is user + system time of the process, its threads and the child processes it has waited for (the
reference workers, the render-ahead child, git, Pagefind), so on a shared machine it says what a step cost
when the wall clock says how long it waited."""

from __future__ import annotations

import re
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: A step's line in the log, as :func:`timed` writes it (``bench/scale.py`` reads it back).
LINE = re.compile(r"^time: (?P<step>[\w-]+) (?P<wall>\d+\.\d+) s, CPU (?P<cpu>\d+\.\d+) s$", re.MULTILINE)


def cpu_seconds() -> float:
    """User + system seconds of this process (all its threads) and of the children it has waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@contextmanager
def timed(step: str, log: Callable[[str], None] | None) -> Iterator[None]:
    """Log the wall and CPU time of the ``with`` block as step ``step`` when it ends without an exception."""
    if log is None:
        yield
        return
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield
    log(f"time: {step} {time.perf_counter() - wall:.2f} s, CPU {cpu_seconds() - cpu:.2f} s")


def step_times(output: str) -> dict[str, tuple[float, float]]:
    """Each step's (wall, CPU) seconds in a run's log (the sum when a step ran more than once)."""
    times: dict[str, tuple[float, float]] = {}
    for match in LINE.finditer(output):
        wall, cpu = times.get(match.group("step"), (0.0, 0.0))
        times[match.group("step")] = (wall + float(match.group("wall")), cpu + float(match.group("cpu")))
    return times
