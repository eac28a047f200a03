"""Benchmark: converting one big Markdown page grows linearly with its size.

Writes a page of a link, an image, a bare URL, inline code, raw HTML, a reference link, a fence and an
admonition every few lines (``--hostile``: misspelled anchors, unclosed ``<script>`` and backticks
instead), at each size, and times the page step of the pipeline (read and plan, then convert: links
rewritten and checked, Docusaurus blocks, sanitizing; with the objects alive before it frozen out of the
collector's passes, as staging runs it) and its peak Python memory (tracemalloc). A quadratic
step shows as a time per MB that grows with the size. The baseline, measured in the same run: MkDocs' own
render of the converted page (Python-Markdown with the staged tree's extensions, as the build renders it),
and the ratio of the two, which a slower or busier machine changes less than either time; and, the floor of
the conversion with its parser, markdown-it-py's block parse of the page alone.

Usage: python bench/page_size.py [--sizes 0.5 1 2 4] [--hostile]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import markdown  # noqa: E402
from mkdocs.config import load_config  # noqa: E402

from generator.heap import frozen  # noqa: E402
from generator.render.pages import SiteIndex, SourcePages, convert_page, plan_source  # noqa: E402
from generator.render.pages.gfm import BLOCK_PARSER  # noqa: E402
from generator.repo_files import ContentLimits  # noqa: E402
from generator.stage.mkdocs_yml import REQUIRED_EXTENSIONS, write_mkdocs_yml  # noqa: E402

BLOCK = ("## Section {i}\n\nText with a [link](guide.md#section-{i}), an ![image](missing-{i}.png), `code {i}`, "
         "https://example.com/{i}, <b>bold</b> and a [reference][r{i}].\n\n[r{i}]: https://example.com/r/{i}\n\n"
         "```python\nprint({i})\n```\n\n:::note\nA note {i}\n:::\n\n")
HOSTILE = ("## Heading {i}\n\n[a](#headnig-{i}) [b](nope-{i}.md) `` unclosed ` x <script> <b x [c](#Heading-{i}) "
           "![i](x{i}.png) https://github.com/o/r/blob/main/{i}.md\n\n   \n")


def page(size: int, block: str) -> str:
    parts, total, i = ["# Big page\n\n"], 0, 0
    while total < size:
        parts.append(block.format(i=i))
        total += len(parts[-1])
        i += 1
    return "".join(parts)


def convert(root: Path) -> tuple[float, float, float, str]:
    """Wall and CPU seconds (untraced) and peak MB (a second, traced run) of planning and converting the pages
    of ``root`` (CPU time is what to compare on a busy machine), and the big page as converted."""
    source = SourcePages(name="big", root=root, files=["big.md", "guide.md"], web_url=None, github_repo=None,
                         published_urls=[], trusted=False)

    def run() -> str:
        index = SiteIndex()
        with frozen():  # as staging converts pages: what is alive before it is out of the collector's passes
            return [convert_page(plan, index).markdown
                    for plan in plan_source(source, index, limits=ContentLimits(page_bytes=1 << 30))][0]

    start, cpu = time.perf_counter(), time.process_time()
    converted = run()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, cpu, peak, converted


def staged_markdown() -> markdown.Markdown:
    """A Python-Markdown converter set up as the staged tree's MkDocs build sets one up for a page."""
    with tempfile.TemporaryDirectory(prefix="devportal-bench-yml-") as tmp:
        (Path(tmp) / "docs").mkdir()
        write_mkdocs_yml({"site_name": "bench", "markdown_extensions": REQUIRED_EXTENSIONS}, Path(tmp) / "mkdocs.yml")
        config = load_config(str(Path(tmp) / "mkdocs.yml"))
    return markdown.Markdown(extensions=config.markdown_extensions, extension_configs=config.mdx_configs)


def render_cpu(text: str) -> float:
    """CPU seconds of MkDocs' Markdown render of ``text`` (after an untimed render of its start, which imports
    what the extensions load on first use)."""
    converter = staged_markdown()
    converter.convert(text[:20_000])
    converter.reset()
    cpu = time.process_time()
    converter.convert(text)
    return time.process_time() - cpu


def parse_cpu(text: str) -> float:
    """CPU seconds of markdown-it-py's block parse of ``text`` alone, as the conversion parses a page: the
    floor of the conversion's cost with this parser (the conversion parses the page once, then rewrites it)."""
    cpu = time.process_time()
    BLOCK_PARSER.parse(text)
    return time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.5, 1, 2, 4], help="page sizes in MB")
    parser.add_argument("--hostile", action="store_true", help="broken anchors, unclosed tags and code spans")
    args = parser.parse_args()
    kind = "hostile" if args.hostile else "link-heavy"
    print(f"{'MB':>6} {'wall s':>7} {'CPU s':>6} {'CPU s/MB':>8} {'peak MB':>8} {'parse CPU s':>11} "
          f"{'MkDocs CPU s':>12} {'convert/MkDocs':>14}   ({kind} page; parse: markdown-it-py's block parse of "
          "the page alone; MkDocs: its render of the converted page)")
    with tempfile.TemporaryDirectory(prefix="devportal-bench-page-") as tmp:
        for mb in args.sizes:
            root = Path(tmp) / str(mb)
            root.mkdir()
            (root / "guide.md").write_text("# Guide\n\n## Section 1\n", encoding="utf-8")
            (root / "big.md").write_text(page(int(mb * 2**20), HOSTILE if args.hostile else BLOCK), encoding="utf-8")
            seconds, cpu, peak, converted = convert(root)
            parsed = parse_cpu((root / "big.md").read_text(encoding="utf-8"))
            rendered = render_cpu(converted)
            print(f"{mb:>6} {seconds:>7.2f} {cpu:>6.2f} {cpu / mb:>8.2f} {peak:>8.0f} {parsed:>11.2f} "
                  f"{rendered:>12.2f} {cpu / rendered:>14.2f}")


if __name__ == "__main__":
    main()
