"""A spec and the files its ``$ref``s reach, bundled into one document, as ``redocly bundle`` does.

A schema reached through another file (``$ref: schemas.yaml#/Amount``) becomes a component schema of the
bundle (``#/components/schemas/Amount``, ``#/definitions/Amount`` in Swagger 2.0) under a name that no
other schema has, and every ``$ref`` to it points there; anything else another file holds (a parameter, a
response, a path item) is inlined. ``$ref``s inside the spec stay as written. The same names are the
reference's models, so a schema has one name on the models page and in the download.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from generator.positions import fragment_parts, pointer_escape
from generator.validate.spec_files import RefError, SpecFiles

#: Where a schema holds schemas: maps of them, single ones, lists of them (JSON Schema / OpenAPI 3.1).
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})
SCHEMA_ONE = frozenset({"items", "additionalProperties", "not", "additionalItems", "contains", "propertyNames",
                        "if", "then", "else", "unevaluatedProperties", "unevaluatedItems"})
SCHEMA_LISTS = frozenset({"allOf", "oneOf", "anyOf", "prefixItems"})
SCHEMA_VALUES = frozenset({"example", "examples", "default", "enum", "const"})  # data, never followed
COMPONENT_NAME = re.compile(r"[^A-Za-z0-9._-]+")  # OpenAPI 3: component names match ^[a-zA-Z0-9._-]+$

Location = tuple[str, tuple[str, ...]]  # (document URI, pointer parts)


def location(absolute_ref: str) -> Location:
    """``file:///…/schemas.yaml#/Amount`` → its document and pointer, however the pointer was escaped."""
    document, _, pointer = absolute_ref.partition("#")
    return document, tuple(fragment_parts(pointer))


def has_external_refs(document: Any) -> bool:
    """Whether a ``$ref`` of ``document`` reaches another file."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


class SpecBundle:
    """The spec at ``uri`` as one document (:attr:`document`) and the name of every schema it defines or
    reaches in another file (:attr:`names`, by location)."""

    def __init__(self, files: SpecFiles, uri: str, version: str) -> None:
        self.files, self.root = files, uri.split("#", 1)[0]
        self.prefix = ("definitions",) if version == "2.0" else ("components", "schemas")
        source = files.load(self.root)
        own = _at(source, self.prefix)
        own = own if isinstance(own, dict) else {}
        self.names: dict[Location, str] = {(self.root, (*self.prefix, str(name))): str(name) for name in own}
        self.taken = set(self.names.values())
        self.added: dict[str, Any] = {}  # name → schema from another file, in the order first reached
        self._inlining: set[Location] = set()
        self.self_contained = not has_external_refs(source)  # no $ref reaches another file
        document = source if self.self_contained else self._walk(source, self.root, "other")
        if self.added:
            document = dict(document)
            parent = document
            for part in self.prefix[:-1]:
                parent[part] = dict(parent.get(part) or {})
                parent = parent[part]
            parent[self.prefix[-1]] = {**(parent.get(self.prefix[-1]) or {}), **self.added}
        self.document = document

    def external_schemas(self) -> dict[Location, str]:
        """The schemas of other files, by location, in the order the spec reaches them."""
        return {loc: name for loc, name in self.names.items() if name in self.added}

    # -- walking the documents ------------------------------------------------------------------------------
    def _walk(self, node: Any, uri: str, context: str) -> Any:
        if isinstance(node, list):
            return [self._walk(item, uri, context) for item in node]
        if not isinstance(node, dict) or context == "value":
            return node
        if isinstance(node.get("$ref"), str):
            return self._ref(node, uri, context)
        if context == "discriminator":
            return {key: self._mapping(value, uri) if key == "mapping" else value for key, value in node.items()}
        return {key: self._walk(value, uri, _context(context, key, value)) for key, value in node.items()}

    def _mapping(self, mapping: Any, uri: str) -> Any:
        """A discriminator's mapping: values that are references (not bare names) point into the bundle."""
        if not isinstance(mapping, dict):
            return mapping
        result = {}
        for key, value in mapping.items():
            if isinstance(value, str) and ("#" in value or "/" in value or "." in value):
                value = self._ref({"$ref": value}, uri, "schema")["$ref"]
            result[key] = value
        return result

    def _ref(self, node: dict[str, Any], uri: str, context: str) -> Any:
        ref = node["$ref"]
        siblings = {key: self._walk(value, uri, _context(context, key, value)) for key, value in node.items()
                    if key != "$ref"}
        try:
            target, target_uri, pointer = self.files.resolve(ref, uri)
        except (RefError, OSError):
            return {"$ref": ref, **siblings}  # left as written: the spec's validation reports it
        loc = (target_uri, tuple(fragment_parts(pointer)))
        if target_uri == self.root:
            return {"$ref": "#" + "".join("/" + pointer_escape(part) for part in loc[1]), **siblings}
        if context == "schema":
            name = self._schema_name(loc, target, target_uri)
            return {"$ref": "#" + "".join("/" + pointer_escape(part) for part in (*self.prefix, name)), **siblings}
        if loc in self._inlining:  # a cycle of non-schema objects: cannot be inlined, left as written
            return {"$ref": ref, **siblings}
        self._inlining.add(loc)
        try:
            inlined = self._walk(target, target_uri, context)
        finally:
            self._inlining.discard(loc)
        return {**inlined, **siblings} if isinstance(inlined, dict) else inlined

    def _schema_name(self, loc: Location, target: Any, target_uri: str) -> str:
        if loc in self.names:
            return self.names[loc]
        path = PurePosixPath(unquote(urlsplit(target_uri).path))
        base = COMPONENT_NAME.sub("_", loc[1][-1] if loc[1] else path.stem).strip("_") or "Schema"
        name, number = base, 2
        while name in self.taken:
            name, number = f"{base}-{number}", number + 1
        self.names[loc] = name
        self.taken.add(name)
        self.added[name] = None  # placed first: a schema that refers to itself finds its name
        self.added[name] = self._walk(target, target_uri, "schema")
        return name


def _context(context: str, key: str, value: Any) -> str:
    """What the value under ``key`` is, in a node that is a schema (``schema``), a map of schemas
    (``schemas``) or any other object of the spec (``other``)."""
    if context == "schemas":
        return "schema"
    if context == "schema":
        if key in SCHEMA_MAPS:
            return "schemas"
        if key in SCHEMA_ONE or key in SCHEMA_LISTS:
            return "schema"
        if key in SCHEMA_VALUES:
            return "value"
        return "discriminator" if key == "discriminator" else "other"
    if context == "example":
        return "value" if key == "value" else "other"
    if context == "examples":
        return "example"
    if key == "schema":
        return "schema"
    if key in ("schemas", "definitions"):
        return "schemas"
    if key == "example" or (key == "examples" and not isinstance(value, dict)):
        return "value"
    return "examples" if key == "examples" else "other"


def _at(document: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        document = document.get(part) if isinstance(document, dict) else None
    return document
