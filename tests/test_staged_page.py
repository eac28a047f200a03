"""A staged page's front matter is the text PyYAML's own emitter writes, whichever emitter wrote it; a page
unchanged since the last staging is that staging's file, and no staging ever writes into a file already there."""

from __future__ import annotations

import os
import random

import pytest
import yaml

from generator.render.escaping import html_meta
from generator.render.staged_page import staged_page_text, write_page


def _expected(meta: dict, markdown: str) -> str:
    front = yaml.safe_dump(html_meta(meta), sort_keys=True, allow_unicode=True, default_flow_style=False)
    return f"---\n{front}---\n\n{markdown}"


@pytest.mark.parametrize("meta", [
    {"title": "Payments API", "hide": ["toc"], "search": {"boost": 3}, "api_reference": True, "n": 1.5, "x": None},
    {"title": "Grüße aus 東京 & <friends> — 'quoted' \"twice\" #1: yes"},
    {"title": "a very long title " * 12, "tags": ["one " * 30, "two"]},
    {"title": "emoji 🚀 beyond the BMP"},
    {"title": "next line\x85here", "description": "byte order\ufeffmark"},
    {"description": "two\nlines, and a long one " + "x" * 120 + "\n\ttabbed"},
    {"title": "null", "summary": "- dash", "other": ": colon", "empty": "", "space": " lead"},
    {"a key with spaces": "v", "ключ": "v", 3: "int key"},
    {"nested": {"list": [["deep", {"k": "v 🚀"}]], "when": "2026-11-26"}},
], ids=["portal", "unicode", "long", "emoji", "nel-bom", "multiline", "plain-lookalikes", "odd-keys", "nested"])
def test_the_front_matter_is_what_pyyaml_writes(meta):
    assert staged_page_text(meta, "# Body\n") == _expected(meta, "# Body\n")


def test_random_strings_get_the_same_front_matter_as_pyyaml_writes():
    plain = [*"ab c:#-'\"\\&*!|>%@`{}[],?é中~=+;<.", "  ", "\xa0", "\ue000", "\ufffd", "\u3000", "x" * 30, "y" * 85,
             "null", "yes", "---", "..."]
    special = ["\n", "\t", "\x85", "\ufeff", "🚀", "\u2028"]
    rng = random.Random(14)
    for case in range(1000):
        alphabet = plain + special if case % 2 else plain  # half of them only with text both emitters write alike
        text = "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 3, 10, 40, 90, 200])))
        meta = {"title": text, "tags": [text, "z"], "search": {"k": text}, "n": 1}
        assert staged_page_text(meta, "x\n") == _expected(meta, "x\n"), repr(text)


def test_a_page_unchanged_since_the_last_staging_is_its_file_and_nothing_is_written_into_a_file(tmp_path):
    last, work = tmp_path / "last", tmp_path / "work"
    write_page(last / "guide.md", {"title": "Guide"}, "# Guide\n")
    write_page(last / "faq.md", {"title": "FAQ"}, "# FAQ\n")
    (last / "link.md").symlink_to(last / "guide.md")  # a link is never followed to what it points to
    write_page(work / "guide.md", {"title": "Guide"}, "# Guide\n", previous=last / "guide.md")
    write_page(work / "faq.md", {"title": "FAQ"}, "# FAQ, changed\n", previous=last / "faq.md")
    write_page(work / "link.md", {"title": "Guide"}, "# Guide\n", previous=last / "link.md")
    write_page(work / "new.md", {"title": "New"}, "# New\n", previous=last / "new.md")
    assert os.path.samefile(work / "guide.md", last / "guide.md")  # the same bytes: linked, not written again
    assert not os.path.samefile(work / "faq.md", last / "faq.md")
    assert not os.path.samefile(work / "link.md", last / "guide.md") and not (work / "link.md").is_symlink()
    assert (work / "faq.md").read_text(encoding="utf-8") == staged_page_text({"title": "FAQ"}, "# FAQ, changed\n")
    assert (work / "new.md").read_text(encoding="utf-8") == staged_page_text({"title": "New"}, "# New\n")
    # Writing the linked page again replaces it: the last staging's file keeps its bytes.
    write_page(work / "guide.md", {"title": "Guide"}, "# Guide, rewritten\n")
    assert (last / "guide.md").read_text(encoding="utf-8") == staged_page_text({"title": "Guide"}, "# Guide\n")
    assert "rewritten" in (work / "guide.md").read_text(encoding="utf-8")
