"""Reading OpenAPI / Swagger documents safely, with the source position of every JSON pointer.

* YAML is read with YAML 1.2 booleans, so ``NO`` (Norway's country code) stays a string.
* ``$ref`` targets are read only from files inside the source repo; ``http(s)`` only when the source
  allows remote refs; every other scheme is refused.
* Line numbers (:class:`generator.positions.Positions`) are computed only when a problem needs them.
* Files are read within the source's size limit, as strict UTF-8, and a document may nest at most
  :data:`~generator.yaml12.MAX_DEPTH` levels (YAML aliases are bounded by the same loader).
* A run's processes parse a big YAML text once between them (:class:`ParsedDocuments`): a staging reads the
  current text of each spec for its reference, for each part of a big spec's validation, for its downloads
  and for its changelog, often in different processes at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from generator.pickled_files import read_pickled, write_pickled
from generator.positions import fragment_parts, value_at
from generator.repo_files import DEFAULT_LIMITS, ContentLimits, SourceFileError, is_inside, read_text
from generator.yaml12 import MAX_DEPTH, load_yaml_document

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: each process parses its own texts
    fcntl = None

PARSED_FORMAT = 1


class RefError(Exception):
    """A ``$ref`` that may not or cannot be followed."""


def parse_text(text: str, name: str) -> Any:
    """The document in ``text`` (JSON or YAML); a :class:`yaml.YAMLError` with its line when it cannot be
    read or nests deeper than :data:`MAX_DEPTH` levels."""
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):  # JSONDecodeError, or a number past Python's 4,300 digits
            pass  # some ".json" files are YAML, and the YAML reader says where the document goes wrong
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


@dataclass(frozen=True)
class _Parsed:
    """A document as :class:`ParsedDocuments` keeps it."""

    document: Any


@dataclass(frozen=True)
class ParsedDocuments:
    """YAML texts parsed once for the processes of one run, which share ``folder`` (a private folder the run
    creates and removes): the first process to parse a text keeps the document there as a pickle, while any
    other asking for the same text waits for it, then loads it (about fifty times faster than parsing it).
    JSON and small texts are parsed as they are: ``json.loads`` is as fast as loading a pickle."""

    folder: Path
    min_chars: int = 16_000

    def parse(self, text: str, name: str) -> Any:
        """:func:`parse_text` of ``text``: the same document, or the same error."""
        if len(text) < self.min_chars or name.endswith(".json") or fcntl is None:
            return parse_text(text, name)
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        kept = self.folder / f"{key}.pickle"
        try:
            lock = os.open(self.folder / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return parse_text(text, name)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another process parsing this text: wait for its document
            found = read_pickled(kept, PARSED_FORMAT, _Parsed)
            if found is not None:
                return found.document
            document = parse_text(text, name)  # an error is not kept: each asking process gets it in turn
            try:
                write_pickled(kept, PARSED_FORMAT, _Parsed(document))
            except OSError:
                pass  # not kept: the others parse it themselves
            return document
        finally:
            os.close(lock)  # releases the lock


@dataclass
class SpecFiles:
    """The spec and every document its ``$ref``s reach, confined to the source repo."""

    root: Path  # the source repo
    remote_refs: bool = False
    limits: ContentLimits = DEFAULT_LIMITS
    documents: dict[str, Any] = field(default_factory=dict)  # absolute URI → parsed document
    texts: dict[str, str] = field(default_factory=dict)
    parsed: ParsedDocuments | None = None  # YAML parsed once for the run's processes
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
        document = parse_text(text, parts.path) if self.parsed is None else self.parsed.parse(text, parts.path)
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
