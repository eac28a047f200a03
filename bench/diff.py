"""Benchmark: ``devportal diff`` of two releases of GitHub's REST API spec (``@octokit/openapi`` on npm).

Runs ``devportal diff OLD NEW --format json`` in its own process and prints its wall time, CPU time
(user + system) and peak memory (max RSS), with the number of operations and changes found. The two
releases are fetched from the npm registry into tests/.fixtures (gitignored) on first use, as the tests do.

Usage: python bench/diff.py [--old 16.0.0] [--new 23.0.2] [--repeat N]
       python bench/diff.py OLD_SPEC NEW_SPEC   (any two specs)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fetch_fixtures import octokit_openapi  # noqa: E402


def run_once(old: Path, new: Path) -> tuple[float, float, float, dict]:
    """Wall seconds, CPU seconds, peak RSS (MiB) and the JSON output of one ``devportal diff``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "generator.cli", "diff", str(old), str(new), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"devportal diff failed: {proc.stderr[-1500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, json.loads(proc.stdout)


def _operations(path: Path) -> int:
    document = json.loads(path.read_text()) if path.suffix == ".json" else None
    if document is None:
        return 0
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(1 for item in document.get("paths", {}).values() for method in item if method in methods)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", type=Path, help="two spec files (default: the octokit releases)")
    parser.add_argument("--old", default="16.0.0", help="@octokit/openapi version of the old spec")
    parser.add_argument("--new", default="23.0.2", help="@octokit/openapi version of the new spec")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the best is reported")
    args = parser.parse_args()
    if args.specs and len(args.specs) != 2:
        parser.error("give two specs, or none")
    old, new = args.specs or (octokit_openapi(args.old), octokit_openapi(args.new))
    runs = [run_once(old, new) for _ in range(max(1, args.repeat))]
    wall, cpu, peak, result = min(runs, key=lambda run: run[0])
    changes = result["changes"]
    print(f"old  {old}  {old.stat().st_size / 2**20:.1f} MiB  {_operations(old)} operations")
    print(f"new  {new}  {new.stat().st_size / 2**20:.1f} MiB  {_operations(new)} operations")
    print(f"changes {len(changes)}  breaking {sum(c['breaking'] for c in changes)}")
    print(f"{'case':<8}{'wall s':>8}{'cpu s':>8}{'peak MiB':>10}")
    print(f"{'diff':<8}{wall:>8.2f}{cpu:>8.2f}{peak:>10.1f}")


if __name__ == "__main__":
    main()
