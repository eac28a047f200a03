"""Build a portal from the real Vipps documentation corpus (each repo folder as a local source)."""

from __future__ import annotations

import collections
import json
import re
from pathlib import Path

import pytest

from generator.cli import main
from generator.stage.zensical_engine import zensical_version
from tests.helpers import CORPUS, corpus_sources, write_portal

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repo")]

def _draft(path: Path) -> bool:
    return bool(re.search(r"^draft:\s*true\s*$", path.read_text(encoding="utf-8")[:3000], re.MULTILINE))


def _unbuilt_pages(site: Path) -> list[str]:
    """Corpus pages without a built page: every built page links to its file in its own repo."""
    edited = set()
    for page in site.rglob("*.html"):
        edited |= set(re.findall(r"github\.com/vippsas/([\w-]+)/edit/[^/\"]+/([^\"#?]+)", page.read_text()))
    missing = []
    for source in corpus_sources():
        root = Path(source["repo"])
        assert (site / source["name"] / "index.html").is_file(), source["name"]
        for md in sorted(root.rglob("*.md")):
            rel = md.relative_to(root).as_posix()
            if md.name.startswith("_") or md.name == "ISSUE_TEMPLATE.md" or _draft(md):
                continue
            if (root.name, rel) not in edited:
                missing.append(f"{root.name}/{rel}")
    return missing


@pytest.mark.parametrize("engine", ["mkdocs", pytest.param("zensical", marks=pytest.mark.skipif(
    zensical_version() is None, reason="zensical is not installed"))])
def test_every_corpus_page_builds(tmp_path, capsys, engine):
    config = write_portal(tmp_path, corpus_sources())
    code = main(["build", "-f", str(config), "--format", "json", "--engine", engine])
    out = capsys.readouterr()
    problems = json.loads(out.out) if out.out.strip() else []
    counts = collections.Counter((p["severity"], p["code"]) for p in problems)
    print(f"\ncorpus build diagnostics by code ({engine}):")
    for (severity, code_name), count in sorted(counts.items()):
        print(f"  {severity:8} {code_name:32} {count}")
    assert code == 0, [p for p in problems if p["severity"] == "error"][:20]
    missing = _unbuilt_pages(tmp_path / "site")
    assert not missing, f"{len(missing)} corpus pages were not built: {missing[:10]}"
