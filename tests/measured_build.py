"""Run the real ``devportal`` command in a child process and measure what it cost: wall time and peak memory.

A resource test must survive the attack it checks (an alias bomb that takes 4 GB, a build that hangs),
so the build runs in a process of its own, with a timeout and an address-space cap that turn a failed
bound into a test failure instead of a dead test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

_RUNNER = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
from generator.cli import main
from generator.timing import cpu_seconds
code = main(sys.argv[1:])
# This process's own high-water mark from /proc (ru_maxrss of RUSAGE_SELF keeps the pytest worker's size from
# before exec), and the largest of its children (validation workers, git).
own_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
peak_kb = max(own_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({{"exit": code, "peak_mb": peak_kb / 1024, "cpu_seconds": cpu_seconds()}}), file=sys.stderr)
"""


@dataclass
class Measured:
    """What one ``devportal`` run printed and cost."""

    exit: int
    seconds: float
    peak_mb: float
    stdout: str
    stderr: str
    problems: list[dict] = field(default_factory=list)
    cpu_seconds: float = 0.0  # user + system, of the process and the children it waited for (workers, git)

    def codes(self, file_prefix: str = "") -> dict[str, dict]:
        """The problems of files starting with ``file_prefix``, by code."""
        return {p["code"]: p for p in self.problems if p["file"].startswith(file_prefix)}


def measured_devportal(*args: str, timeout: float = 120, memory_cap_mb: int = 3000) -> Measured:
    """``devportal ARGS`` (with ``--format json`` where given, problems are parsed) in a child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "NO_COLOR": "1"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _RUNNER.format(cap=memory_cap_mb * 1024 * 1024), *args],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=REPO_ROOT)
    seconds = time.perf_counter() - start
    last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    try:
        summary = json.loads(last)
    except ValueError:
        raise AssertionError(f"devportal crashed (exit {done.returncode}):\n{done.stderr[-3000:]}") from None
    problems = json.loads(done.stdout) if done.stdout.strip().startswith("[") else []
    return Measured(exit=summary["exit"], seconds=seconds, peak_mb=summary["peak_mb"], stdout=done.stdout,
                    stderr=done.stderr, problems=problems, cpu_seconds=summary["cpu_seconds"])
