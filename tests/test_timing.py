"""A run's log says how long each step took, in wall and CPU time, its child processes' CPU included."""

from __future__ import annotations

import subprocess
import sys

import pytest

from generator.cli import main
from generator.timing import step_times, timed
from tests.helpers import write_portal

BUSY = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"


def test_a_step_logs_its_wall_and_cpu_time_with_the_cpu_of_the_processes_it_waited_for():
    lines: list[str] = []
    with timed("stage", lines.append):
        subprocess.run([sys.executable, "-c", BUSY], check=True)  # 0.4 CPU s in a child process
    assert len(lines) == 1 and lines[0].startswith("time: stage ")
    wall, cpu = step_times("\n".join(["before", *lines, "after"]))["stage"]
    assert cpu >= 0.4 and wall >= 0.35, lines  # a measure of this process alone would miss the child's


def test_a_step_that_fails_logs_no_time_and_without_a_log_nothing_is_measured():
    lines: list[str] = []
    with pytest.raises(RuntimeError), timed("fetch", lines.append):
        raise RuntimeError("unreachable remote")
    assert lines == []
    with timed("fetch", None):
        pass


def test_step_times_adds_up_a_step_that_ran_twice_and_ignores_other_lines():
    log = "time: site 1.25 s, CPU 2.00 s\nsite: dirty build\ntime: site 0.75 s, CPU 1.00 s\ntime: x 1 s, CPU 1 s"
    assert step_times(log) == {"site": (2.0, 3.0)}


def test_devportal_fetch_alone_logs_the_fetch_step_once(tmp_path, make_upstream, capsys):
    upstream = make_upstream("payments", {"README.md": "# Payments\n"})
    config = write_portal(tmp_path / "portal", [{"name": "payments", "repo": upstream.url, "pages": ["README.md"]}])
    assert main(["fetch", "-f", str(config)]) == 0
    log = capsys.readouterr().err
    assert log.count("time: ") == 1 and set(step_times(log)) == {"fetch"}
