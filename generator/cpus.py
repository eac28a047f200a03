"""How many CPUs this process may run on: the work the build spreads over processes is sized by it."""

from __future__ import annotations

import os


def usable_cpus() -> int:
    """The CPUs this process may run on: its affinity mask where the platform has one (a container or
    ``taskset`` limiting it to fewer CPUs than the machine has), else the machine's count; at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1
