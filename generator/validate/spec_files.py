"""Reading OpenAPI / Swagger documents safely, with the source position of every JSON pointer.

* YAML is read with YAML 1.2 booleans, so ``NO`` (Norway's country code) stays a string.
* ``$ref`` targets are read only from files inside the source repo; ``http(s)`` only when the source
  allows remote refs; every other scheme is refused.
* Line numbers (:class:`generator.positions.Positions`) are computed only when a problem needs them.
* Files are read within the source's size limit, as strict UTF-8, and a document may nest at most
  :data:`~generator.yaml12.MAX_DEPTH` levels (YAML aliases are bounded by the same loader).
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from generator.positions import fragment_parts, value_at
from generator.repo_files import DEFAULT_LIMITS, ContentLimits, SourceFileError, is_inside, read_text
from generator.yaml12 import MAX_DEPTH, load_yaml_document


class RefError(Exception):
    """A ``$ref`` that may not or cannot be followed."""


def parse_text(text: str, name: str) -> Any:
    """The document in ``text`` (JSON or YAML); a :class:`yaml.YAMLError` with its line when it cannot be
    read or nests deeper than :data:`MAX_DEPTH` levels."""
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError):
            pass  # some ".json" files are YAML, and the YAML reader says where a too deep document goes wrong
        else:
            if _depth(document) <= MAX_DEPTH:
                return document
    return string_keys(load_yaml_document(text))


def _depth(document: Any) -> int:
    """How deep mappings and sequences nest in ``document`` (without recursion: it may be very deep)."""
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH:
            stack.extend((child, depth + 1) for child in node)
    return deepest


def string_keys(node: Any) -> Any:
    """YAML reads ``200:`` as the integer 200; OpenAPI (and JSON) keys are strings."""
    if isinstance(node, dict):
        return {(k if isinstance(k, str) else str(k).lower() if isinstance(k, bool) else str(k)): string_keys(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [string_keys(v) for v in node]
    return node


@dataclass
class SpecFiles:
    """The spec and every document its ``$ref``s reach, confined to the source repo."""

    root: Path  # the source repo
    remote_refs: bool = False
    limits: ContentLimits = DEFAULT_LIMITS
    documents: dict[str, Any] = field(default_factory=dict)  # absolute URI → parsed document
    texts: dict[str, str] = field(default_factory=dict)
    _resolved: dict[tuple[str, str], tuple[Any, str, str]] = field(default_factory=dict, repr=False)

    def uri_of(self, path: Path) -> str:
        return path.resolve().as_uri()

    def load(self, uri: str) -> Any:
        """The document at ``uri`` (file inside the repo, or http(s) when allowed)."""
        uri = uri.split("#", 1)[0]
        if uri in self.documents:
            return self.documents[uri]
        parts = urlsplit(uri)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not is_inside(path, self.root):
                raise RefError(f"`{uri}` is outside the source repo; $ref may only reach files in the repo")
            if not path.is_file():
                raise RefError(f"`{path.relative_to(self.root.resolve())}` does not exist in the repo")
            try:
                text = read_text(path, max_bytes=self.limits.spec_bytes, setting="spec_mb")
            except SourceFileError as exc:
                raise RefError(f"`{path.relative_to(self.root.resolve()).as_posix()}`: {exc}") from exc
        elif parts.scheme in ("http", "https"):
            if not self.remote_refs:
                raise RefError(f"`{uri}` is a remote $ref; set `remote_refs: true` on the source to allow it")
            with urllib.request.urlopen(uri, timeout=20) as response:  # noqa: S310 - http(s) only, opt-in
                data = response.read(self.limits.spec_bytes + 1)
            if len(data) > self.limits.spec_bytes:
                raise RefError(f"`{uri}` is over the spec size limit of {self.limits.spec_bytes:,} bytes")
            text = data.decode("utf-8", "replace")
        else:
            raise RefError(f"`{uri}`: the `{parts.scheme}:` scheme is not allowed in $ref")
        document = parse_text(text, parts.path)
        self.documents[uri] = document
        self.texts[uri] = text
        return document

    def resolve(self, ref: str, base_uri: str) -> tuple[Any, str, str]:
        """(target, its document URI, its pointer) of ``ref`` relative to ``base_uri``."""
        key = (ref, base_uri)
        if key not in self._resolved:  # a big spec's renderer resolves the same refs tens of thousands of times
            self._resolved[key] = self._resolve(ref, base_uri)
        return self._resolved[key]

    def _resolve(self, ref: str, base_uri: str) -> tuple[Any, str, str]:
        target_uri = urljoin(base_uri, ref)
        document_uri, _, pointer = target_uri.partition("#")
        node = self.load(document_uri)
        try:
            node = value_at(node, fragment_parts(pointer))
        except LookupError as exc:
            raise RefError(f"`{ref}` points to nothing (no `{exc.args[0]}` there)") from None
        return node, document_uri, "#" + pointer

    def handler(self, uri: str) -> Any:
        """For openapi-spec-validator's resolver: the same rules as :meth:`load`."""
        return self.load(uri)

    def display(self, uri: str) -> str:
        try:
            return Path(unquote(urlsplit(uri).path)).resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return uri
