"""Writing a staged page: the one format every step writes its Markdown pages in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.render.escaping import html_meta


def write_page(path: Path, meta: dict[str, Any], markdown: str) -> None:
    """Write a staged page: YAML front matter (its text escaped as HTML, see :mod:`generator.render.escaping`),
    then the Markdown body."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(staged_page_text(meta, markdown), encoding="utf-8")


def staged_page_text(meta: dict[str, Any], markdown: str) -> str:
    """The text :func:`write_page` writes for ``meta`` and ``markdown``."""
    front = yaml.safe_dump(html_meta(meta), sort_keys=True, allow_unicode=True,
                           default_flow_style=False) if meta else ""
    text = f"---\n{front}---\n\n{markdown}" if front else markdown
    return text if text.endswith("\n") else text + "\n"
