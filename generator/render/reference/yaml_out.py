"""Block-style YAML for the spec downloads, fast enough for a 13 MB spec.

PyYAML's dumper builds a node object per value in Python before its C emitter writes them: 3.8 s for
GitHub's REST spec, the longest single step of its reference after validation. This writer emits the
same data directly, ~8× faster. It only ever writes three kinds of scalar, so it cannot misquote:

* plain, for strings that no YAML 1.1 or 1.2 reader can take for anything but that string (a letter
  first, then letters, digits, ``_$./ ()+,@-``, ``:`` not before a space and ``#`` not after one, not
  ending in a space or ``:``, and no word such as ``yes``, ``off`` or ``null``);
* JSON double-quoted (a subset of YAML's double-quoted style), with every character YAML may not hold
  raw, or would read as a line break, escaped;
* literal blocks (``|``, ``|-``) for multi-line text made only of characters that a block keeps as is.

``tests/test_reference.py`` checks that PyYAML and the YAML 1.2 loader read back exactly what was written,
for every spec of the corpus and of @readme/oas-examples and for a set of tricky values.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_PLAIN = re.compile(r"[A-Za-z_$](?:[A-Za-z0-9_$./ ()+,@-]|:(?! )|(?<! )#)*(?<![ :])\Z")
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}
_ESCAPE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")  # half a character (from a JSON escape): YAML cannot hold it
# What a literal block keeps verbatim: printable characters, no tab or space that could be taken for
# indentation or trimmed, no character that YAML 1.1 reads as a line break.
_BLOCK_UNSAFE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
                           r"|[ \t]\n|\n[ \t]|^[ \t]|[ \t]\Z")


def dump(data: Any) -> str:
    """``data`` (dicts, lists, strings, numbers, booleans, None) as a YAML document."""
    out: list[str] = []
    if isinstance(data, dict) and data:
        _mapping(data, 0, out)
    elif isinstance(data, list) and data:
        _sequence(data, 0, out)
    else:
        out.append(_scalar(data, 0) + "\n")
    return "".join(out)


def _mapping(data: dict, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for key, value in data.items():
        key = _key(key)
        if len(key) > 1000:  # over YAML's limit for an implicit key: an explicit key, then ":" and the value
            out.append(f"{pad}? {key}\n")
            key = ""
            if isinstance(value, list) and value:
                out.append(f"{pad}:\n")
                _sequence(value, indent + 2, out)
                continue
        if isinstance(value, dict) and value:
            out.append(f"{pad}{key}:\n")
            _mapping(value, indent + 2, out)
        elif isinstance(value, list) and value:
            out.append(f"{pad}{key}:\n")
            _sequence(value, indent, out)
        else:
            out.append(f"{pad}{key}: {_scalar(value, indent + 2)}\n")


def _sequence(data: list, indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in data:
        if isinstance(item, dict) and item:
            first = len(out)
            _mapping(item, indent + 2, out)
            out[first] = f"{pad}- {out[first][indent + 2:]}"
        elif isinstance(item, list) and item:
            out.append(f"{pad}-\n")
            _sequence(item, indent + 2, out)
        else:
            out.append(f"{pad}- {_scalar(item, indent + 2)}\n")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _string(key, None)
    return _scalar(key, 0)


def _scalar(value: Any, indent: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        if "e" in text and "." not in text:  # YAML 1.1 floats need a dot: 1e+20 → 1.0e+20
            mantissa, exponent = text.split("e")
            text = f"{mantissa}.0e{exponent}"
        return text
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _string(str(value), indent)


def _string(text: str, indent: int | None) -> str:
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    if indent is not None and "\n" in text and not text.endswith("\n\n") and not _BLOCK_UNSAFE.search(text):
        pad = " " * indent
        body = text[:-1] if text.endswith("\n") else text
        lines = "".join(f"{pad}{line}\n" if line else "\n" for line in body.split("\n"))
        return ("|\n" if text.endswith("\n") else "|-\n") + lines.rstrip("\n")
    quoted = json.dumps(_SURROGATE.sub("\ufffd", text), ensure_ascii=False)
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
