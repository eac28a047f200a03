"""Writing a staged page: the one format every step writes its Markdown pages in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from generator.render.escaping import html_meta


def staged_page_text(meta: dict[str, Any], markdown: str) -> str:
    """The text of a staged page: YAML front matter (its text escaped as HTML, see
    :mod:`generator.render.escaping`), then the Markdown body."""
    front = _front_matter(html_meta(meta)) if meta else ""
    text = f"---\n{front}---\n\n{markdown}" if front else markdown
    return text if text.endswith("\n") else text + "\n"


#: A character outside this set makes PyYAML's emitter quote a string in a way libyaml's does not copy
#: byte for byte (line breaks, escapes, characters beyond the BMP, U+0085, U+FEFF).
_NOT_PLAIN_TEXT = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufefe\uff00-\ufffd]")
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_CSafeDumper = getattr(yaml, "CSafeDumper", None)  # None when PyYAML was built without libyaml


def _front_matter(meta: dict[str, Any]) -> str:
    """``meta`` as YAML, the same text as PyYAML's ``safe_dump`` writes: through libyaml's emitter (about
    five times faster) when every key is a short name and every string one line of text both emitters
    write alike, otherwise through PyYAML's own."""
    options = {"sort_keys": True, "allow_unicode": True, "default_flow_style": False}
    if _CSafeDumper is not None and _emits_alike(meta):
        return yaml.dump(meta, Dumper=_CSafeDumper, **options)
    return yaml.safe_dump(meta, **options)


def _emits_alike(value: Any) -> bool:
    if isinstance(value, str):
        return not _NOT_PLAIN_TEXT.search(value)
    if isinstance(value, list):
        return all(_emits_alike(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _KEY.fullmatch(key) and _emits_alike(item) for key, item in value.items())
    return True


def write_page(path: Path, meta: dict[str, Any], markdown: str, *, text: str | None = None) -> None:
    """Write a staged page (:func:`staged_page_text`; ``text`` when it was made already)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(staged_page_text(meta, markdown) if text is None else text, encoding="utf-8")
