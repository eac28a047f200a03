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


@pytest.mark.bench
@pytest.mark.slow
def test_page_size_benchmark_runs_and_prints_figures():
    result = subprocess.run([sys.executable, "bench/page_size.py", "--sizes", "0.1", "0.2"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in rows] == ["0.1", "0.2"] and all(float(row[2]) > 0 for row in rows)
