"""Writing a staged page: the one format every step writes its Markdown pages in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.render.escaping import html_meta


def staged_page_text(meta: dict[str, Any], markdown: str) -> str:
    """The text of a staged page: YAML front matter (its text escaped as HTML, see
    :mod:`generator.render.escaping`), then the Markdown body."""
    front = yaml.safe_dump(html_meta(meta), sort_keys=True, allow_unicode=True,
                           default_flow_style=False) if meta else ""
    text = f"---\n{front}---\n\n{markdown}" if front else markdown
    return text if text.endswith("\n") else text + "\n"


def write_page(path: Path, meta: dict[str, Any], markdown: str, *, text: str | None = None) -> None:
    """Write a staged page (:func:`staged_page_text`; ``text`` when it was made already)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(staged_page_text(meta, markdown) if text is None else text, encoding="utf-8")
