"""Writing a staged page: the one format every step writes its Markdown pages in."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from stat import S_ISREG
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


def write_page(path: Path, meta: dict[str, Any], markdown: str, *, text: str | None = None,
               previous: Path | None = None) -> None:
    """Write a staged page (:func:`staged_page_text`; ``text`` when it was made already); with ``previous``
    (the page's file in the last staged tree), see :func:`link_unchanged`."""
    data = (staged_page_text(meta, markdown) if text is None else text).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    if not link_unchanged(path, data, previous):
        path.write_bytes(data)


def link_unchanged(path: Path, data: bytes, previous: Path | None) -> bool:
    """Remove the file at ``path`` (never write into it: it may be a link to the last staged tree's), and
    when ``previous`` (the same file in the last staged tree) is a regular file holding ``data``, put a hard
    link to it there and return True. Creating and writing a file costs ten times reading one, and a rebuild
    after one page changed stages nearly every file unchanged."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    if previous is None:
        return False
    try:
        found = previous.lstat()  # a regular file, never what a symbolic link points to
        if S_ISREG(found.st_mode) and found.st_size == len(data) and previous.read_bytes() == data:
            os.link(previous, path, follow_symlinks=False)
            return True
    except OSError:
        pass  # no such file last time, or no link possible here
    return False


def copy_linking_unchanged(work: Path, last: Path) -> Callable[[str, str], object]:
    """A ``copy_function`` for :func:`shutil.copytree` into the staged tree being written at ``work``: a file
    unchanged since the last staged tree ``last`` is linked to it (:func:`link_unchanged`), any other copied."""
    def copy(source: str, target: str) -> object:
        place = Path(target)
        previous = last / place.relative_to(work) if place.is_relative_to(work) else None
        if not link_unchanged(place, Path(source).read_bytes(), previous):
            shutil.copy2(source, target)
        return target
    return copy
