"""Benchmark: how long a reader waits for a big tag of an API reference in chromium.

Generates a spec (bench/specgen.py) whose operations all carry one tag (400 by default, like the issue's
380-operation tag), builds its reference with ``devportal render-spec``, and opens it in Debian's chromium
through Playwright, after one untimed visit of the reference's overview (the theme's CSS, JavaScript and
fonts cached, as a reader arrives). It prints, per page, the HTML bytes and the median wall time from
navigation to the ``load`` event over ``--repeat`` visits: the tag's own page (``<tag>/``), and, where the
tag is split into parts, its first and last part, and an old link to the tag's last operation
(``<tag>/#operation/…``) until that operation is on screen.

Usage: python bench/tag_page.py [--operations N] [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.specgen import write_spec  # noqa: E402
from tests.helpers import CHROMIUM, serve_folder  # noqa: E402

TAG = "Payment"


def one_tag_spec(path: Path, operations: int) -> Path:
    """A generated spec of ``operations`` operations, every one tagged :data:`TAG`."""
    spec = json.loads(write_spec(path, operations).read_text())
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation["tags"] = [TAG]
    path.write_text(json.dumps(spec))
    return path


def measure_pages(site: Path, spec_slug: str, repeat: int) -> dict[str, dict[str, float]]:
    """Per page of the big tag: its HTML bytes and its median load time in chromium (seconds)."""
    from playwright.sync_api import sync_playwright

    tag_dir = site / spec_slug / TAG.lower()
    parts = sorted((p.parent for p in tag_dir.glob("part-*/index.html")), key=lambda p: int(p.name[5:]))
    pages = {"tag page": f"{spec_slug}/{TAG.lower()}/"}
    if parts:
        pages["first part"] = f"{spec_slug}/{TAG.lower()}/{parts[0].name}/"
        pages["last part"] = f"{spec_slug}/{TAG.lower()}/{parts[-1].name}/"
    tag_html = (tag_dir / "index.html").read_text()
    last_anchor = [line.split('"')[0] for line in tag_html.split('id="operation/')[1:]][-1]
    results = {}
    with serve_folder(site) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/{spec_slug}/", wait_until="load")
        for name, url in pages.items():
            times = []
            for _ in range(repeat):
                page.goto(f"{base}/{spec_slug}/", wait_until="load")
                start = time.perf_counter()
                page.goto(f"{base}/{url}", wait_until="load")
                times.append(time.perf_counter() - start)
            results[name] = {"bytes": (site / url / "index.html").stat().st_size, "seconds": statistics.median(times)}
        times = []
        for _ in range(repeat):  # an old link to the last operation, until the operation is on screen
            page.goto(f"{base}/{spec_slug}/", wait_until="load")
            start = time.perf_counter()
            page.goto(f"{base}/{pages['tag page']}#operation/{last_anchor}", wait_until="load")
            page.wait_for_function(
                "id => { const e = document.getElementById(id); if (!e || !e.matches('section')) return false;"
                " const r = e.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight }",
                arg=f"operation/{last_anchor}", timeout=30_000)
            times.append(time.perf_counter() - start)
        results["old link to the last operation"] = {"bytes": 0, "seconds": statistics.median(times)}
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3, help="visits per page; the median time is shown")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="devportal-tag-bench-") as tmp:
        work = Path(tmp)
        spec = one_tag_spec(work / "big-tag.json", args.operations)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "generator.cli", "render-spec", str(spec), "-o", str(work / "site")],
                       check=True, capture_output=True, cwd=BENCH.parent)
        build = time.perf_counter() - start
        results = measure_pages(work / "site", "big-tag", args.repeat)
    print(f"one tag of {args.operations} operations (render-spec {build:.1f} s)")
    print(f"{'page':32} {'KB':>8} {'load s':>7}")
    for name, figures in results.items():
        size = f"{figures['bytes'] / 1024:8.0f}" if figures["bytes"] else " " * 8
        print(f"{name:32} {size} {figures['seconds']:7.2f}")
    if args.json:
        args.json.write_text(json.dumps({"operations": args.operations, "build_seconds": build, "pages": results},
                                        indent=2))


if __name__ == "__main__":
    main()
