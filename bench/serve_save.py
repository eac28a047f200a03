"""Benchmark: a writer's save under ``devportal serve``, for one or more devportal checkouts in one run.

For each portal and each checkout (``--code``, this one by default; give main's and a branch's to compare
them on the same machine load), one serve session: its first build, then ``--saves`` saves of a portal page,
each timed from the write to the page served with the new text (wall), with the CPU seconds the serve
process and its children spent on it (the search index made after the page is served included) and the
builds it started (one is right). Portals: ``corpus`` (``../shared/corpus/vipps``, saving its home page),
or a generated size of ``bench/scale.py`` (``XS``, ``S``, ``M``; saving ``getting-started.md``).

Usage: python bench/serve_save.py [--portal corpus,M] [--code DIR ...] [--saves N] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import serve_saves  # noqa: E402
from bench.scale import SIZES, TINY, make_portal  # noqa: E402
from tests.helpers import corpus_sources, write_portal  # noqa: E402


def _portal(name: str, work: Path) -> tuple[Path, Path, str]:
    """The portal's config, the page saved and its URL path."""
    if name == "corpus":
        config = write_portal(work, corpus_sources())
        return config, config.parent / "content" / "portal" / "index.md", ""
    size = {**SIZES, **{s.name: s for s in TINY}}[name]
    config, _ = make_portal(size, work)
    return config, config.parent / "content" / "portal" / "getting-started.md", "getting-started/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", default="corpus", help="comma-separated: corpus, XS, S, M (default corpus)")
    parser.add_argument("--code", type=Path, action="append",
                        help="a devportal checkout to serve with (repeat to compare; default: this one)")
    parser.add_argument("--saves", type=int, default=3, help="saves per session; the median is reported")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args()
    codes = [code.resolve() for code in args.code or [ROOT]]
    rows = []
    with tempfile.TemporaryDirectory(prefix="devportal-serve-bench-") as tmp:
        for name in args.portal.split(","):
            for number, code in enumerate(codes):
                config, page, url = _portal(name, Path(tmp) / f"{name}-{number}")
                saves = serve_saves(config, page, url, saves=args.saves, code=code)
                rows.append({"portal": name, "code": str(code), "first_build_s": saves[0].first_build,
                             "save_wall_s": statistics.median(s.wall for s in saves),
                             "save_cpu_s": statistics.median(s.cpu for s in saves),
                             "builds_per_save": max(s.builds for s in saves),
                             "saves": [[s.wall, s.cpu, s.builds] for s in saves]})
                row = rows[-1]
                print(f"{name:7} {str(code):28} first build {row['first_build_s']:6.1f} s   save: "
                      f"{row['save_wall_s']:5.2f} s wall, {row['save_cpu_s']:5.2f} s CPU, "
                      f"{row['builds_per_save']} build(s)   (each: "
                      + ", ".join(f"{w:.2f}/{c:.2f}" for w, c, _ in row["saves"]) + ")", flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
