"""Benchmark: build a portal from the real corpus and compare it with a plain MkDocs build.

Runs each case in its own process and prints wall time and peak memory (max RSS), plus ratios against
the baseline measured in the same run:

* baseline  -- plain ``mkdocs build`` (Material theme) of the corpus Markdown copied into one docs dir,
               no conversion, no API reference: what MkDocs alone costs for the same pages;
* portal    -- ``devportal build`` of the corpus: fetch (local), convert, API reference, link check, build;
* rebuild   -- the same again with nothing changed (what CI pays on a no-op merge);
* stage     -- ``devportal stage`` only (what `check` and Zensical users pay);
* serve     -- under ``devportal serve``, a save of a portal page: wall seconds until it is served, the
               CPU of its rebuild and the builds it started (one is right).

Usage: python bench/build_corpus.py [--corpus PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import measure, serve_save  # noqa: E402
from tests.helpers import corpus_sources  # noqa: E402  (one definition of the corpus portal)


def _baseline_project(corpus: Path, work: Path) -> Path:
    docs = work / "docs"
    for folder in sorted(corpus.glob("vipps-*")):
        for path in folder.rglob("*"):
            if path.is_file() and path.suffix in (".md", ".png", ".svg", ".gif", ".jpg", ".jpeg"):
                target = docs / folder.name / path.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    (docs / "index.md").write_text("# Baseline\n")
    config = work / "mkdocs.yml"
    config.write_text(yaml.safe_dump({"site_name": "baseline", "theme": {"name": "material", "font": False},
                                      "plugins": ["search"]}))
    return config


def _portal_project(work: Path) -> Path:
    from tests.helpers import write_portal

    return write_portal(work, corpus_sources())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the best is reported")
    args = parser.parse_args()
    devportal = [sys.executable, "-m", "generator.cli"]
    with tempfile.TemporaryDirectory(prefix="devportal-bench-") as tmp:
        tmp = Path(tmp)
        base_cfg = _baseline_project(Path(corpus_sources()[0]["repo"]).parent, tmp / "baseline")
        portal_cfg = _portal_project(tmp / "portal")
        cases = {
            "baseline": ([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(base_cfg)], base_cfg.parent),
            "portal": ([*devportal, "build", "-f", str(portal_cfg)], portal_cfg.parent),
            "rebuild": ([*devportal, "build", "-f", str(portal_cfg)], portal_cfg.parent),
            "stage": ([*devportal, "stage", "-f", str(portal_cfg)], portal_cfg.parent),
        }
        results = {}
        for name, (argv, cwd) in cases.items():
            runs = [measure(argv, cwd) for _ in range(args.repeat)]
            results[name] = min(runs)
        pages = len(list((tmp / "portal" / "site").rglob("index.html")))
        base_wall, base_mem = results["baseline"]
        print(f"corpus portal: {pages} HTML pages")
        print(f"{'case':10} {'wall s':>8} {'peak MiB':>9} {'x baseline time':>16} {'x baseline mem':>15}")
        for name, (wall, mem) in results.items():
            print(f"{name:10} {wall:8.2f} {mem:9.0f} {wall / base_wall:16.2f} {mem / base_mem:15.2f}")
        saved = serve_save(portal_cfg, portal_cfg.parent / "content" / "portal" / "index.md", "")
        print(f"serve: a save served after {saved.wall:.2f} s wall, {saved.cpu:.2f} s CPU, {saved.builds} build(s) "
              f"per save (first build {saved.first_build:.1f} s)")


if __name__ == "__main__":
    main()
