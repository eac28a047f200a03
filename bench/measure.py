"""Wall time and peak memory of one command and every process it starts, measured from a wrapper process.

Peak memory is the largest *sum* of the resident memory of the command's whole process tree, sampled
every 50 ms from /proc (a tool that works in several processes at once is charged for all of them), and
at least the largest single process's peak as the kernel reports it (which catches spikes shorter than
a sample).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_WRAPPER = r'''
import os, resource, subprocess, sys, time

def tree_rss(root):
    children = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(pid))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            pass
    return total

start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
import threading
err = []
reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
reader.start()
peak = 0
while proc.poll() is None:
    peak = max(peak, tree_rss(proc.pid))
    time.sleep(0.05)
wall = time.perf_counter() - start
reader.join()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
single = usage.ru_maxrss * 1024
sys.stderr.write(err[0][-3000:] if proc.returncode and err else "")
print(f"{wall:.3f} {max(peak, single) / 2**20:.1f} {usage.ru_utime + usage.ru_stime:.3f}")
sys.exit(proc.returncode)
'''


def measure(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``argv`` and its children; raises when it fails."""
    wall, peak, _ = measure_with_cpu(argv, cwd)
    return wall, peak


def measure_with_cpu(argv: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds (user + system, of every process it waited for) of
    ``argv``; the CPU time is what a loaded machine does not inflate. Raises when it fails."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed: {proc.stderr[-1500:]}")
    wall, peak, cpu = proc.stdout.strip().splitlines()[-1].split()
    return float(wall), float(peak), float(cpu)


@dataclass
class ServedSave:
    """What one save costs under ``devportal serve``."""

    wall: float  # seconds from the save to the page served with the change
    cpu: float  # CPU seconds the serve process (and its children) spent meanwhile
    builds: int  # builds the save started (1 is right)
    first_build: float  # wall seconds of the first build, before the page could be served


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and of the children it waited for."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[str]:
    """The processes ``pid`` started that are still running (a background search index, say)."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children += task.read_text().split()
    return children


def serve_save(config: Path, page: Path, url_path: str, *, timeout: float = 600) -> ServedSave:
    """Start ``devportal serve`` of ``config``, wait for its first build, then append a sentence to ``page``
    (a watched file) and time until ``url_path`` serves it, counting the builds the save started."""
    return serve_saves(config, page, url_path, timeout=timeout)[0]


def serve_saves(config: Path, page: Path, url_path: str, *, saves: int = 1, timeout: float = 600,
                code: Path | None = None) -> list[ServedSave]:
    """:func:`serve_save` ``saves`` times in one session (each save appends one more sentence; the page is put
    back at the end), served by the devportal checkout ``code`` (this one by default). A save's CPU is
    counted until the serve process is quiet and has no child process left (the work it does after the page
    is served, such as the search index, is part of the save's cost)."""
    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tests.helpers import devportal_serve

    results = []
    with devportal_serve(config, code=code or root) as serve:
        first = serve.wait_for(url_path, lambda text: "</html>" in text, timeout=timeout, interval=0.2)
        if first is None:
            raise RuntimeError("devportal serve did not serve the page:\n" + "".join(serve.lines[-20:]))
        serve.wait_idle(2)
        original = page.read_text(encoding="utf-8")
        try:
            for _ in range(saves):
                _quiet(serve)
                builds, cpu = serve.builds(), _process_cpu(serve.pid)
                marker = f"Saved at {time.time_ns()}."
                page.write_text(page.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
                wall = serve.wait_for(url_path, lambda text, marker=marker: marker in text, timeout=timeout,
                                      interval=0.02)
                if wall is None:
                    raise RuntimeError("the save was not served:\n" + "".join(serve.lines[-20:]))
                _quiet(serve)
                results.append(ServedSave(wall=wall, cpu=_process_cpu(serve.pid) - cpu,
                                          builds=serve.builds() - builds, first_build=first))
        finally:
            page.write_text(original, encoding="utf-8")
    return results


def _quiet(serve, timeout: float = 300) -> None:
    """Wait until ``serve`` printed nothing for 3 s (a second build would start within the watcher's delay)
    and runs no child process."""
    deadline = time.monotonic() + timeout
    serve.wait_idle(3)
    while _children(serve.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
