"""Front matter as real docs repos write it: leading ``---`` YAML, or Docusaurus front matter hidden from
GitHub inside ``<!-- START_METADATA ... END_METADATA -->`` (sometimes with MDX ``import`` lines)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from generator.diagnostics import Diagnostic, error
from generator.positions import Positions
from generator.yaml12 import load_yaml, yaml_error

HIDDEN = re.compile(r"\A\s*<!--\s*START_METADATA\s*\n(?P<inner>.*?)\n\s*END_METADATA\s*-->[ \t]*\n?", re.DOTALL)
LEADING = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?---[ \t]*(?:\n|\Z)", re.DOTALL)
INNER_YAML = re.compile(r"^---[ \t]*\n(?P<yaml>.*?\n)?---[ \t]*$", re.DOTALL | re.MULTILINE)

#: Docusaurus keys that mean nothing on the portal.
DROPPED_KEYS = {"pagination_next", "pagination_prev", "id", "slug", "toc_min_heading_level", "toc_max_heading_level",
                "hide_table_of_contents", "custom_edit_url", "sidebar_class_name", "keywords", "image"}


@dataclass
class FrontMatter:
    """The page's metadata and where its body starts in the original file."""

    meta: dict[str, Any] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # line number of the body's first line in the original file
    raw: dict[str, Any] = field(default_factory=dict)  # every key as written (id, sidebar_position...)
    problems: list[Diagnostic] = field(default_factory=list)
    positions: Positions = field(default_factory=lambda: Positions(""))  # key path → line in the original file


def split_front_matter(text: str, file: str) -> FrontMatter:
    """Separate front matter from the body; a YAML error becomes a diagnostic at its original line."""
    text = text.lstrip("\ufeff")
    match = HIDDEN.match(text)
    yaml_text, yaml_line = None, 1
    if match:
        inner = match.group("inner")
        found = INNER_YAML.search(inner)
        if found:
            yaml_text = found.group("yaml") or ""
            yaml_line = text[: match.start("inner") + found.start("yaml")].count("\n") + 1 if found.group("yaml") \
                else 1
    else:
        match = LEADING.match(text)
        if match:
            yaml_text = match.group("yaml") or ""
            yaml_line = 2
    if not match:
        return FrontMatter(body=text)
    body = text[match.end():]
    result = FrontMatter(body=body, body_line=text[: match.end()].count("\n") + 1)
    if yaml_text is None:
        return result
    result.positions = Positions(yaml_text, first_line=yaml_line)
    try:
        data = load_yaml(yaml_text) or {}
    except yaml.YAMLError as exc:
        result.problems.append(yaml_error(
            file, exc, subject="front matter", code="frontmatter-yaml", first_line=yaml_line,
            hint="quote values that contain `:`, `[` or `#`, and check the indentation",
            refused_hint="front matter is a few `key: value` lines; write it without aliases or deep nesting"))
        return result
    if not isinstance(data, dict):
        result.problems.append(error(file, "front matter must be a mapping of `key: value` lines",
                                     code="frontmatter-yaml", line=yaml_line, hint="e.g. `title: Quick start`"))
        return result
    result.raw = data
    result.meta = portal_meta(data)
    return result


def portal_meta(data: dict[str, Any]) -> dict[str, Any]:
    """Docusaurus front matter → what MkDocs/Material understand (``hide: [toc]`` and friends)."""
    meta = {key: value for key, value in data.items() if key not in DROPPED_KEYS and value is not None}
    if data.get("hide_table_of_contents") is True:
        hide = list(meta.get("hide") or [])
        meta["hide"] = hide + ["toc"] if "toc" not in hide else hide
    return meta
