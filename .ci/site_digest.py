#!/usr/bin/env python3
"""Fingerprint the HTML the portal builds, to prove a refactoring changes no output.

Builds the example portal (this checkout's ``mkdocs.yml``) and, when ``../shared/corpus/vipps`` is there,
the corpus portal, each into a temporary folder, and writes one line per built file: its sha256 and
path. Run it before and after a change and compare:

    python .ci/site_digest.py > before.txt
    ... change the code ...
    python .ci/site_digest.py > after.txt
    python .ci/site_digest.py --compare before.txt after.txt

``--compare`` prints the files that differ, appear or vanish and exits 1 if any does.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SKIP = {"sitemap.xml.gz"}  # gzip stores its own timestamp


def _digest(site: Path, label: str) -> list[str]:
    lines = []
    for path in sorted(site.rglob("*")):
        if path.is_file() and path.name not in SKIP:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{sha}  {label}/{path.relative_to(site).as_posix()}")
    return lines


def _build(config: Path, cwd: Path) -> Path:
    # This checkout's package, not the one installed (the build runs in another folder, where `python -m`
    # would import whichever checkout `pip install -e` last pointed at).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "generator.cli", "build", "--offline", "-f", str(config)],
                            cwd=cwd, capture_output=True, text=True, env=env)
    if result.returncode not in (0, 1):
        sys.exit(f"build of {config} failed:\n{result.stdout}{result.stderr}")
    return config.parent / "site"


def digest() -> list[str]:
    lines = []
    with tempfile.TemporaryDirectory(prefix="devportal-digest-") as tmp:
        example = Path(tmp) / "example"
        example.mkdir()
        shutil.copy(ROOT / "mkdocs.yml", example)
        for name in ("content", "templates"):
            shutil.copytree(ROOT / name, example / name, ignore=shutil.ignore_patterns("__pycache__"))
        lines += _digest(_build(example / "mkdocs.yml", example), "example")

        from tests.helpers import CORPUS, corpus_sources, write_portal

        if CORPUS.is_dir():
            config = write_portal(Path(tmp) / "corpus", corpus_sources())
            lines += _digest(_build(config, config.parent), "corpus")
    return lines


def compare(before: Path, after: Path) -> int:
    def read(path: Path) -> dict[str, str]:
        return {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in path.read_text().splitlines() if line}

    old, new = read(before), read(after)
    changed = sorted(p for p in old.keys() & new.keys() if old[p] != new[p])
    for label, paths in (("differs", changed), ("vanished", sorted(old.keys() - new.keys())),
                         ("appeared", sorted(new.keys() - old.keys()))):
        for path in paths:
            print(f"{label}: {path}")
    same = len(old.keys() & new.keys()) - len(changed)
    print(f"{same} of {len(old)} files byte-identical; {len(changed)} differ, "
          f"{len(old.keys() - new.keys())} vanished, {len(new.keys() - old.keys())} appeared")
    return 1 if changed or old.keys() != new.keys() else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        sys.exit(compare(*args.compare))
    print("\n".join(digest()))


if __name__ == "__main__":
    main()
