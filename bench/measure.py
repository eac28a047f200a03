"""Wall time and peak memory of one command, measured in a wrapper process of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_WRAPPER = ("import resource,subprocess,sys,time;s=time.perf_counter();"
            "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True);"
            "w=time.perf_counter()-s;m=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024;"
            "sys.stderr.write(r.stderr[-3000:] if r.returncode else '');"
            "print(f'{w:.3f} {m:.1f}');sys.exit(r.returncode)")


def measure(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of ``argv`` and its children; raises when it fails."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed: {proc.stderr[-1500:]}")
    wall, peak = proc.stdout.strip().splitlines()[-1].split()
    return float(wall), float(peak)
