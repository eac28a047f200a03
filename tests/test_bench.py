"""The benchmarks run (on small input) so CI keeps them working; figures come from running them in full."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.bench
@pytest.mark.slow
def test_reference_benchmark_runs_and_prints_figures():
    result = subprocess.run([sys.executable, "bench/reference.py", "--only", "devportal", "--operations", "40",
                             "--no-github"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    row = next(line for line in result.stdout.splitlines() if line.startswith("devportal"))
    wall, peak = map(float, row.split()[1:3])
    assert wall > 0 and peak > 0
    assert "40 operations" in result.stdout
