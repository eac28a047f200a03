"""Where each key and item of a YAML or JSON text is: JSON pointer → line and column.

The one mapping from a key path to its exact line, for every file a user edits: ``mkdocs.yml`` (the
plugin's settings), front matter, nav files and OpenAPI specs. It reads the text with ``yaml.compose``
(a node graph with marks, nothing constructed), so a problem found in the parsed data is reported on the
line of its own key even when the same key name occurs many times in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

import yaml

from generator.yaml12 import DepthBoundedLoader


def pointer_escape(part: object) -> str:
    """One JSON pointer token (RFC 6901): ``~`` → ``~0``, ``/`` → ``~1``."""
    return str(part).replace("~", "~0").replace("/", "~1")


def pointer_parts(pointer: str) -> list[str]:
    """The tokens of a JSON pointer (RFC 6901): ``/a~1b/0`` → ``["a/b", "0"]``."""
    return [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]


def fragment_parts(fragment: str) -> list[str]:
    """The tokens of a ``$ref``'s URI fragment (``#/components/schemas/Pay%20ment`` → ``["components",
    "schemas", "Pay ment"]``); ``#`` and ``#/`` are the whole document."""
    pointer = unquote(fragment.lstrip("#"))
    if not pointer or pointer == "/":
        return []
    return pointer_parts("/" + pointer.lstrip("/"))


def value_at(document: Any, parts: Iterable[str]) -> Any:
    """The node of ``document`` at the pointer tokens ``parts``; :class:`LookupError` with the first token
    that is not there."""
    node = document
    for part in parts:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise LookupError(part)
    return node


def json_pointer(*parts: object) -> str:
    """``("sources", 2, "name")`` → ``/sources/2/name``."""
    return "".join(f"/{pointer_escape(part)}" for part in parts)


def positions(text: str) -> dict[str, tuple[int, int]]:
    """JSON pointer → (line, column), 1-based, of every node of a YAML or JSON document.

    A mapping entry's pointer is at its key. A node reached again through a YAML alias is not walked
    again (its pointers fall back to the alias' key), so the map stays as small as the text.
    A JSON text is read by a scanner of its own, with the same result, 20 times faster than the YAML
    composer (a 13 MB spec in about 2 s instead of 60).
    """
    if text.lstrip()[:1] in ("{", "["):
        try:
            return _json_positions(text)
        except ValueError:
            pass  # not plain JSON (YAML flow style, comments...): the YAML composer reads it
    found: dict[str, tuple[int, int]] = {}
    try:
        root = yaml.compose(text, Loader=DepthBoundedLoader)  # never at the mercy of the stack
    except (yaml.YAMLError, RecursionError):
        return found
    if root is None:
        return found
    walked: set[int] = set()
    # Depth first in file order, without recursion (a deeply nested text must not overflow the stack).
    pending: list[tuple[yaml.Node, str, yaml.Mark]] = [(root, "", root.start_mark)]
    while pending:
        node, pointer, mark = pending.pop()
        found[pointer] = (mark.line + 1, mark.column + 1)
        if id(node) in walked:
            continue
        walked.add(id(node))
        if isinstance(node, yaml.MappingNode):
            children = [(value, f"{pointer}/{pointer_escape(key.value)}", key.start_mark)
                        for key, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [(value, f"{pointer}/{index}", value.start_mark) for index, value in enumerate(node.value)]
        else:
            continue
        pending.extend(reversed(children))
    return found


# Commas are skipped, a key is read with its colon: (1) key, (2) scalar, (3) opening, (4) closing bracket.
_JSON_TOKEN = re.compile(r'''[\s,]*(?:("(?:[^"\\\n]|\\.)*")\s*:'''
                         r'''|("(?:[^"\\\n]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null)|([{\[])|([}\]]))''')


def _json_positions(text: str) -> dict[str, tuple[int, int]]:
    """:func:`positions` of a JSON text; ``ValueError`` when the text is not plain JSON."""
    found: dict[str, tuple[int, int]] = {}
    stack: list[list] = []  # [pointer, next item index, or None for an object]
    key_pointer, after_key = "", False  # the innermost object's last key, and whether its value is next
    line, line_start, counted = 1, 0, 0
    match = _JSON_TOKEN.match
    pos, end = 0, len(text.rstrip())
    while pos < end:
        token = match(text, pos)
        if token is None:
            raise ValueError(f"not JSON at offset {pos}")
        kind, pos = token.lastindex, token.end()
        if kind == 4:
            if not stack or after_key:
                raise ValueError("unbalanced")
            stack.pop()
            continue
        frame = stack[-1] if stack else None
        if frame is not None and frame[1] is None and kind != 1:  # the value of an object's key: found already
            if not after_key:
                raise ValueError("a value without a key")
            pointer, after_key = key_pointer, False
        else:
            start = token.start(kind)
            line += text.count("\n", counted, start)
            newline = text.rfind("\n", counted, start)
            if newline >= 0:
                line_start = newline + 1
            counted = start
            if kind == 1:
                if frame is None or frame[1] is not None:
                    raise ValueError("a key outside an object")
                key = token.group(1)
                key = json.loads(key) if "\\" in key else key[1:-1]
                key_pointer = f"{frame[0]}/{pointer_escape(key)}"
                found[key_pointer] = (line, start - line_start + 1)
                after_key = True
                continue
            if frame is None:
                if found:
                    raise ValueError("more than one value")
                pointer = ""
            else:
                pointer = f"{frame[0]}/{frame[1]}"
                frame[1] += 1
            found[pointer] = (line, start - line_start + 1)
        if kind == 3:
            stack.append([pointer, None if text[token.start(3)] == "{" else 0])
    if stack or not found:
        raise ValueError("unbalanced")
    return found


class Positions:
    """The positions of one YAML or JSON text, computed on first use (cheap when nothing is wrong).

    ``first_line`` is the line of the text's first line in its file (front matter starts on line 2).
    """

    def __init__(self, text: str, first_line: int = 1) -> None:
        self.text = text
        self.first_line = first_line
        self._known: dict[str, tuple[int, int]] | None = None

    @property
    def known(self) -> dict[str, tuple[int, int]]:
        """Every pointer of the text → (line, column) in the file."""
        if self._known is None:
            shift = self.first_line - 1
            self._known = {pointer: (line + shift, column) for pointer, (line, column) in positions(self.text).items()}
        return self._known

    def __call__(self, pointer: str) -> tuple[int, int]:
        """(line, column) of ``pointer``, or of its nearest ancestor the text has (a missing key is
        reported where its parent is)."""
        known = self.known
        while pointer:
            if pointer in known:
                return known[pointer]
            pointer = pointer.rsplit("/", 1)[0]
        return (self.first_line, 1)

    def where(self, *parts: object) -> dict[str, int]:
        """``line=`` and ``column=`` of the key path ``parts``, ready for a :class:`Diagnostic`."""
        line, column = self(json_pointer(*parts))
        return {"line": line, "column": column}

    def find(self, pattern: str) -> str | None:
        """The first pointer (in file order) matching the regular expression ``pattern``."""
        regex = re.compile(pattern)
        matches = [pointer for pointer in self.known if regex.fullmatch(pointer)]
        return min(matches, key=lambda p: self.known[p]) if matches else None
