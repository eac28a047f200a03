"""What the templates show of an operation or a schema: plain data, computed once and shared.

A schema view is cached per (``$ref``, request/response) so a schema used by a hundred operations is
walked once; cycles are cut and shown as a link to the schema on the models page. An operation's view
(:class:`OperationView` and its parts) is what the reference templates, the code samples and the "Try it"
console read of it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import orjson
from markupsafe import Markup

from generator.render.reference.model import Api, Operation, resolve, schema_name
from generator.validate.spec_files import SpecFiles

CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern",
               "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "multipleOf")
FORMAT_EXAMPLES = {"date-time": "2026-11-25T08:30:00Z", "date": "2026-11-25", "time": "08:30:00Z",
                   "email": "user@example.com", "uri": "https://example.com", "url": "https://example.com",
                   "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "hostname": "example.com", "ipv4": "192.0.2.1",
                   "ipv6": "2001:db8::1", "byte": "aGVsbG8=", "binary": "<binary>", "password": "********",
                   "int32": 0, "int64": 0, "float": 0.0, "double": 0.0}
MAX_DEPTH = 12


@dataclass
class SchemaView:
    """One node of a schema tree."""

    type_label: str = "any"
    name: str | None = None  # component name when the node is a named schema
    model: str | None = None  # its name on the models page, when it is one there (a link goes there)
    description: str | None = None
    constraints: list[str] = field(default_factory=list)
    enum: list[Any] | None = None
    default: Any = None
    example: Any = None
    nullable: bool = False
    read_only: bool = False
    write_only: bool = False
    deprecated: bool = False
    properties: list[tuple[str, bool, SchemaView]] = field(default_factory=list)  # (name, required, view)
    items: SchemaView | None = None
    additional: SchemaView | bool | None = None
    alternatives: list[SchemaView] = field(default_factory=list)
    alternatives_kind: str | None = None  # "oneOf" / "anyOf"
    discriminator: dict[str, Any] | None = None
    cycle: bool = False  # a reference back to an enclosing schema: shown as a link
    linked: bool = False  # a named schema shown as a link to the models page (big APIs, nested names)
    unresolved: str | None = None

    @property
    def has_facets(self) -> bool:
        """Says more than its type: shown even where it is an array's items of a plain type."""
        return bool(self.enum or self.constraints or self.description or self.default is not None or
                    self.example is not None or self.nullable)

    @property
    def has_children(self) -> bool:
        return bool(self.properties or self.items and self.items.has_children or self.alternatives or
                    isinstance(self.additional, SchemaView))



@dataclass(frozen=True)
class ParameterView:
    """A parameter of an operation: its row in the parameters table, its value in the code samples and its
    field in the "Try it" console."""

    name: str
    location: Any  # the spec's ``in`` (path, query, header or cookie in a valid spec); ``in`` is a keyword
    required: bool
    deprecated: bool
    view: SchemaView
    description: Markup | None
    #: The value the code samples send and a required field of the console starts with: the parameter's
    #: example, else its first named example, else one generated from its schema (None: none).
    example: Any
    schema: Any  # the parameter's schema as written (a ``$ref`` stays one), relative to ``schema_uri``
    schema_uri: str


@dataclass(frozen=True)
class MediaView:
    """One media type of a request body or a response: its schema and its examples."""

    type: Any  # the media type, as the spec's key
    view: SchemaView | None  # None when the media type has no schema
    examples: list[tuple[Any, str]]  # (label, text): the spec's examples, else one generated from the schema
    generated: bool  # the spec gives no example: ``examples`` holds the generated one, if any
    schema: Any  # the schema as written, relative to ``schema_uri``
    schema_uri: str
    first_example: Any  # the first example's value, not formatted (None: no example); a request's body sample


@dataclass(frozen=True)
class RequestBodyView:
    """An operation's request body."""

    required: bool
    media: list[MediaView]
    description: Markup | None


@dataclass(frozen=True)
class HeaderView:
    """A header of a response."""

    name: Any  # the header's name, as the spec's key
    description: Markup | None
    view: SchemaView


@dataclass(frozen=True)
class LinkView:
    """An OpenAPI link of a response: which operation its values feed, with which parameters."""

    name: str
    operation: str  # the target's operationId, else its operationRef
    href: str | None  # where the target operation is rendered (None: not an operation of this API)
    parameters: dict[str, str]  # parameter → runtime expression or value (JSON unless a string)
    description: Markup | None


@dataclass(frozen=True)
class ResponseView:
    """One response of an operation, by status code."""

    code: str
    description: Markup | None
    headers: list[HeaderView]
    media: list[MediaView]
    links: list[LinkView]


@dataclass(frozen=True)
class CallbackView:
    """One operation of a callback: the request the API sends back, under the callback's name."""

    name: Any  # the callback's name, as the spec's key
    operation: OperationView


@dataclass(frozen=True)
class SecurityView:
    """One security scheme of a requirement an operation lists, with the scopes it needs."""

    name: str
    scopes: list[Any]
    scheme: dict[str, Any]  # the scheme's object ({} when the spec does not define it)


@dataclass
class OperationView:
    """What the reference shows of one operation (or webhook, or callback operation).

    Built once per operation and shared by its tag page, the single page and the searchable text. Mutable
    for one field only: ``try_it`` is set once the API's allowed servers are known."""

    op: Operation
    uid: int  # this operation's number on its pages: the id of its samples' tabs and of its console
    external_docs: dict[str, Any] | None
    servers: list[dict[str, Any]]  # the operation's own servers, those with a URL
    anchor: str
    aliases: list[str]  # Redoc's anchors of the operation
    method: str  # upper case
    path: str
    kind: str  # "operation", "webhook" or "callback"
    summary: Any  # the spec's summary, else the operationId, else "METHOD path"
    description: Markup | None
    deprecated: bool
    security: list[list[SecurityView]]  # alternatives, each a list of schemes used together
    parameters: list[tuple[str, list[ParameterView]]]  # by location: path, query, header, cookie (those used)
    request: RequestBodyView | None
    responses: list[ResponseView]
    callbacks: list[CallbackView]
    samples: list[tuple[str, Markup]]  # (label, code block)
    request_examples: list[tuple[str, str, bool]]  # (tab label, text, generated), beside the operation
    response_examples: list[tuple[str, str, bool]]
    example_uids: tuple[int, int]  # the ids of the request and the response examples' tabs
    try_it: dict[str, Any] | None = None  # its "Try it" console's data, when the API's servers allow one


class Views:
    """Builds views for one API; ``describe`` renders (and sanitizes) Markdown descriptions."""

    def __init__(self, api: Api, files: SpecFiles, describe, named_depth: int | None = None) -> None:
        self.api, self.files, self.describe = api, files, describe
        self.cache: dict[tuple[str, str, int], SchemaView] = {}
        self.example_cache: dict[tuple, Any] = {}
        self.named_depth = named_depth  # how many named schemas deep a tree is inlined (None: all the way)

    # -- schemas ------------------------------------------------------------------------------------------
    def schema(self, node: Any, base_uri: str, mode: str = "response", stack: tuple[str, ...] = (),
               depth: int = 0) -> SchemaView:
        ref = node.get("$ref") if isinstance(node, dict) else None
        key = None
        model = None
        if isinstance(ref, str):
            named = len(stack)
            absolute = self._absolute(ref, base_uri)
            model = self.api.model_name(absolute)
            if self.named_depth is not None and named >= self.named_depth and model:
                return SchemaView(type_label="object", name=model, model=model, linked=True)
            key = (absolute, mode, named if self.named_depth is not None else 0)
            if key[0] in stack or depth > MAX_DEPTH:
                return SchemaView(type_label=model or schema_name(ref) or "object", name=model or schema_name(ref),
                                  model=model, cycle=True)
            if key in self.cache:
                return self.cache[key]
        else:
            cycle = self._all_of_cycle(node, base_uri, stack)
            if cycle or depth > MAX_DEPTH:
                return cycle or SchemaView(type_label=str(node.get("type") or "object") if isinstance(
                    node, dict) else "any")
        target, target_uri, followed = resolve(self.files, node, base_uri) if ref else (node, base_uri, None)
        if isinstance(target, dict) and "x-unresolved" in target:
            return SchemaView(type_label="unresolved", unresolved=target["x-unresolved"])
        view = self._build(target if isinstance(target, dict) else {}, target_uri, mode,
                           stack + ((key[0],) if key else ()), depth)
        if view.type_label == "any" and isinstance(target, dict) and "allOf" not in target and view.properties:
            view.type_label = "object"
        if followed:
            view.name = model or schema_name(followed)
            view.model = model
        if key:
            self.cache[key] = view
        return view

    def _all_of_cycle(self, node: Any, base_uri: str, stack: tuple[str, ...]) -> SchemaView | None:
        """A property that is its own ancestor with a description of its own (Jira's
        ``templateEvent: {allOf: [$ref: NotificationEvent], description: …}`` inside NotificationEvent):
        a link, as any cycle is, instead of the ancestor merged into itself without end."""
        parts = node.get("allOf") if isinstance(node, dict) else None
        for part in parts if isinstance(parts, list) else []:
            ref = part.get("$ref") if isinstance(part, dict) else None
            if isinstance(ref, str) and self._absolute(ref, base_uri) in stack:
                model = self.api.model_name(self._absolute(ref, base_uri))
                return SchemaView(type_label=model or schema_name(ref) or "object", name=model or schema_name(ref),
                                  model=model, cycle=True, description=self.describe(node.get("description")))
        return None

    def _absolute(self, ref: str, base_uri: str) -> str:
        return _urljoin(base_uri, ref)

    def _build(self, schema: dict[str, Any], uri: str, mode: str, stack: tuple[str, ...], depth: int) -> SchemaView:
        if "allOf" in schema:
            schema = self._merge_all_of(schema, uri)
        view = SchemaView()
        types = schema.get("type")
        if isinstance(types, list):  # OpenAPI 3.1 type arrays: ["string", "null"]
            view.nullable = "null" in types
            types = [t for t in types if t != "null"]
            view.type_label = " | ".join(types) or "null"
        elif types:
            view.type_label = str(types)
        elif "properties" in schema:
            view.type_label = "object"
        elif "oneOf" in schema or "anyOf" in schema:
            view.type_label = "one of" if "oneOf" in schema else "any of"
        if schema.get("format"):
            view.type_label += f" ({schema['format']})"
        view.nullable = view.nullable or bool(schema.get("nullable")) or bool(schema.get("x-nullable"))
        view.description = self.describe(schema.get("description")) if schema.get("description") else None
        view.constraints = [f"{key}: {schema[key]}" for key in CONSTRAINTS if key in schema]
        view.enum = schema.get("enum")
        view.default = schema.get("default")
        view.example = schema.get("example", (schema.get("examples") or [None])[0]
                                  if isinstance(schema.get("examples"), list) else None)
        view.read_only, view.write_only = bool(schema.get("readOnly")), bool(schema.get("writeOnly"))
        view.deprecated = bool(schema.get("deprecated"))
        required = set(schema.get("required") or [])
        for name, prop in (schema.get("properties") or {}).items():
            child = self.schema(prop, uri, mode, stack, depth + 1)
            if (mode == "request" and child.read_only) or (mode == "response" and child.write_only):
                continue
            view.properties.append((str(name), name in required, child))
        if "items" in schema and isinstance(schema["items"], dict):
            view.items = self.schema(schema["items"], uri, mode, stack, depth + 1)
            view.type_label = f"array of {view.items.name or view.items.type_label}"
        additional = schema.get("additionalProperties")
        if isinstance(additional, dict):
            view.additional = self.schema(additional, uri, mode, stack, depth + 1)
        elif additional is True:
            view.additional = True
        for kind in ("oneOf", "anyOf"):
            if isinstance(schema.get(kind), list):
                view.alternatives_kind = kind
                view.alternatives = [self.schema(option, uri, mode, stack, depth + 1) for option in schema[kind]]
        if isinstance(schema.get("discriminator"), dict):
            discriminator = schema["discriminator"]
            view.discriminator = {"property": discriminator.get("propertyName"),
                                  "mapping": {k: schema_name(v) or v for k, v in
                                              (discriminator.get("mapping") or {}).items()}}
        return view

    def merged(self, node: Any, uri: str) -> tuple[dict[str, Any], str]:
        """The schema at ``node`` with ``$ref``s followed and ``allOf`` merged, and the URI it was read from."""
        schema, schema_uri, _ = resolve(self.files, node, uri)
        if not isinstance(schema, dict):
            return {}, schema_uri
        return (self._merge_all_of(schema, schema_uri) if "allOf" in schema else schema), schema_uri

    def _merge_all_of(self, schema: dict[str, Any], uri: str, depth: int = 0) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        properties = dict(merged.get("properties") or {})
        required = list(merged.get("required") or [])
        for part in schema.get("allOf") or []:
            target, target_uri, _ = resolve(self.files, part, uri)
            if not isinstance(target, dict):
                continue
            if "allOf" in target and depth < MAX_DEPTH:
                target = self._merge_all_of(target, target_uri, depth + 1)
            for name, prop in (target.get("properties") or {}).items():
                properties[name] = _both(properties.get(name), _rebase(prop, target_uri, uri))
            required += [r for r in target.get("required") or [] if r not in required]
            for key, value in target.items():
                if key in ("items", "additionalProperties") and isinstance(merged.get(key), dict):
                    merged[key] = _both(merged[key], _rebase(value, target_uri, uri))
                elif key not in ("properties", "required", "allOf"):
                    merged.setdefault(key, _rebase(value, target_uri, uri))
        if properties:
            merged["properties"] = properties
            merged.setdefault("type", "object")
        if required:
            merged["required"] = required
        return merged

    # -- examples -----------------------------------------------------------------------------------------
    def example(self, node: Any, base_uri: str, mode: str = "response", stack: tuple[str, ...] = (),
                depth: int = 0) -> Any:
        """An example value generated from the schema: formats, enums, defaults and required fields.

        Examples of a ``$ref`` are cached (the same response schema under many operations); callers do
        not change the values they get."""
        if depth > 8:
            return None
        ref = node.get("$ref") if isinstance(node, dict) else None
        if ref:
            absolute = self._absolute(ref, base_uri)
            if absolute in stack:
                return None
            if self.named_depth is not None and len(stack) >= self.named_depth:
                return self._shallow_example(node, base_uri, mode, stack, depth)
            key = (absolute, mode, stack, depth)
            if key not in self.example_cache:
                self.example_cache[key] = self._example(node, base_uri, mode, stack + (absolute,), depth)
            return self.example_cache[key]
        return self._example(node, base_uri, mode, stack, depth)

    def _shallow_example(self, node: dict[str, Any], base_uri: str, mode: str, stack: tuple[str, ...],
                         depth: int) -> Any:
        """A named schema deeper than a big API's schema trees go (``named_depth``): an empty object or list,
        as the tree shows a link there (expanded, Microsoft Graph's user made a 700 KB example); a value
        that is not a container is generated as usual."""
        schema, uri, _ = resolve(self.files, node, base_uri)
        if not isinstance(schema, dict):
            return None
        if any(key in schema for key in ("example", "default", "examples", "enum")):  # the schema's own: kept
            return self._example_of(schema, uri, mode, stack, depth)
        types = schema.get("type") if isinstance(schema.get("type"), list) else [schema.get("type")]
        if "allOf" in schema or "properties" in schema or "object" in types:
            return {}
        if "array" in types:
            return []
        return self._example_of(schema, uri, mode, stack, depth)

    def _example(self, node: Any, base_uri: str, mode: str, stack: tuple[str, ...], depth: int) -> Any:
        ref = node.get("$ref") if isinstance(node, dict) else None
        schema, uri, _ = resolve(self.files, node, base_uri) if ref else (node, base_uri, None)
        if not isinstance(schema, dict):
            return None
        if "allOf" in schema:
            inherited = "discriminator" not in schema
            schema = self._merge_all_of(schema, uri)
            if inherited and ref and isinstance(schema.get("discriminator"), dict) and "example" not in schema:
                # a subtype (Cat: allOf [Pet, …]) says what it is in the parent's discriminator property
                value = self._example_of(schema, uri, mode, stack, depth)
                return _tagged(value, schema["discriminator"], ref)
        return self._example_of(schema, uri, mode, stack, depth)

    def _example_of(self, schema: dict[str, Any], uri: str, mode: str, stack: tuple[str, ...], depth: int) -> Any:
        for key in ("example", "default"):
            if key in schema:
                return schema[key]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        if schema.get("enum"):
            return schema["enum"][0]
        for kind in ("oneOf", "anyOf"):
            if schema.get(kind):
                option = schema[kind][0]
                value = self.example(option, uri, mode, stack, depth + 1)
                if isinstance(schema.get("discriminator"), dict) and isinstance(option, dict) and option.get("$ref"):
                    return _tagged(value, schema["discriminator"], option["$ref"])
                return value
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((t for t in kind if t != "null"), "null")
        if kind == "object" or "properties" in schema:
            result = {}
            for name, prop in (schema.get("properties") or {}).items():
                target, _, _ = resolve(self.files, prop, uri)
                if isinstance(target, dict) and ((mode == "request" and target.get("readOnly")) or
                                                 (mode == "response" and target.get("writeOnly"))):
                    continue
                result[name] = self.example(prop, uri, mode, stack, depth + 1)
            return result
        if kind == "array":
            item = self.example(schema.get("items") or {}, uri, mode, stack, depth + 1)
            return [item] if item is not None else []
        fmt = schema.get("format")
        if kind == "string":
            return FORMAT_EXAMPLES.get(fmt, "string") if fmt else "string"
        if kind == "integer":
            return int(schema.get("minimum", 0) or 0)
        if kind == "number":
            return float(schema.get("minimum", 0) or 0)
        if kind == "boolean":
            return True
        return None


XML_MEDIA = re.compile(r"^(application|text)/(.+\+)?xml\b", re.IGNORECASE)


def is_xml(media_type: str | None) -> bool:
    return bool(media_type and XML_MEDIA.match(media_type))


class XmlExample:
    """A generated example value written as XML, the way the schema's ``xml`` objects say: element names
    (``xml.name``, else the property's or the component's name), attributes, wrapped arrays, prefixes and
    namespaces."""

    def __init__(self, views: Views) -> None:
        self.views = views

    def __call__(self, schema: Any, uri: str, value: Any) -> str:
        from xml.etree import ElementTree

        target, target_uri, ref = resolve(self.views.files, schema, uri)
        root_name = self._xml(target).get("name") or schema_name(ref) or "root"
        elements = self._elements(schema, uri, value, str(root_name), depth=0)
        parts = []
        for element in elements:
            ElementTree.indent(element, space="  ")
            parts.append(ElementTree.tostring(element, encoding="unicode", short_empty_elements=True))
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(parts)

    @staticmethod
    def _xml(schema: Any) -> dict[str, Any]:
        xml = schema.get("xml") if isinstance(schema, dict) else None
        return xml if isinstance(xml, dict) else {}

    def _elements(self, node: Any, uri: str, value: Any, name: str, depth: int) -> list[Any]:
        from xml.etree.ElementTree import Element

        schema, schema_uri = self.views.merged(node, uri)
        xml = self._xml(schema)
        tag = self._tag(xml, name)
        if isinstance(value, list) and depth < MAX_DEPTH:
            items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
            item_schema, _ = self.views.merged(items, schema_uri)
            # items without a name of their own take the array's (as Swagger UI names them)
            item_name = self._xml(item_schema).get("name") or xml.get("name") or name
            children = [e for item in value for e in self._elements(items, schema_uri, item, str(item_name), depth + 1)]
            if not xml.get("wrapped"):
                return children
            wrapper = Element(tag, self._namespace(xml))
            wrapper.extend(children)
            return [wrapper]
        element = Element(tag, self._namespace(xml))
        if isinstance(value, dict) and depth < MAX_DEPTH:
            properties = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
            for key, child in value.items():
                prop = properties.get(key, {})
                prop_schema, _ = self.views.merged(prop, schema_uri)
                prop_xml = self._xml(prop_schema)
                if prop_xml.get("attribute") and not isinstance(child, (dict, list)):
                    element.set(self._tag(prop_xml, str(key)), _xml_text(child))
                else:
                    element.extend(self._elements(prop, schema_uri, child, str(key), depth + 1))
        elif value is not None:
            element.text = _xml_text(value)
        return [element]

    @staticmethod
    def _tag(xml: dict[str, Any], name: str) -> str:
        tag = str(xml.get("name") or name)
        tag = re.sub(r"[^\w.-]", "_", tag) or "element"
        if not re.match(r"[A-Za-z_]", tag):
            tag = "_" + tag
        return f"{xml['prefix']}:{tag}" if isinstance(xml.get("prefix"), str) and xml["prefix"] else tag

    @staticmethod
    def _namespace(xml: dict[str, Any]) -> dict[str, str]:
        if not isinstance(xml.get("namespace"), str):
            return {}
        prefix = xml.get("prefix")
        return {f"xmlns:{prefix}" if isinstance(prefix, str) and prefix else "xmlns": xml["namespace"]}


def _xml_text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, bool) or value is None else str(value)


def _tagged(value: Any, discriminator: dict[str, Any], ref: str) -> Any:
    """``value`` (an example of the schema at ``ref``) with the discriminator property set to the value that
    selects that schema: its key in the mapping, else the schema's name. A copy: examples are shared."""
    prop, name = discriminator.get("propertyName"), schema_name(ref)
    if not isinstance(value, dict) or not isinstance(prop, str) or not name:
        return value
    mapping = discriminator.get("mapping") if isinstance(discriminator.get("mapping"), dict) else {}
    tag = next((key for key, target in mapping.items() if (schema_name(str(target)) or target) == name), name)
    return {**value, prop: tag}


def _both(first: Any, second: Any) -> Any:
    """A property (or ``items``) that two parts of an ``allOf`` define: it must match both. The parts'
    own ``allOf`` merge then combines them, so a generic wrapper's ``data: array of object`` refined by a
    later part to ``array of Station`` shows the stations."""
    if first is None or first == second or not isinstance(second, dict):
        return second if first is None else first
    if not isinstance(first, dict):
        return second
    return {"allOf": [first, second]}


@lru_cache(maxsize=65536)
def _urljoin(base: str, ref: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, ref)


def _rebase(value: Any, from_uri: str, to_uri: str) -> Any:
    """Make relative ``$ref``s of a merged part absolute, so they resolve from the merged schema."""
    if from_uri == to_uri:
        return value
    if isinstance(value, dict):
        if isinstance(value.get("$ref"), str):
            from urllib.parse import urljoin

            return {**value, "$ref": urljoin(from_uri, value["$ref"])}
        return {k: _rebase(v, from_uri, to_uri) for k, v in value.items()}
    if isinstance(value, list):
        return [_rebase(v, from_uri, to_uri) for v in value]
    return value


#: orjson's options for :func:`compact_json`: dates and dataclasses are not written natively but handed to
#: ``default``, as ``json`` does (``str`` in :func:`pretty_json`; none in :func:`compact_json`, so it raises).
ORJSON_COMPACT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
#: The same, indented by two spaces, for :func:`pretty_json`.
ORJSON_INDENTED = orjson.OPT_INDENT_2 | ORJSON_COMPACT


def pretty_json(value: Any) -> str:
    """``value`` as JSON indented by two spaces: what ``json.dumps(value, indent=2, ensure_ascii=False,
    default=str)`` writes, by orjson (Python's own encoder indents in pure Python: 10 to 20 times slower, 1.5 % of a
    cold build at M). The two write the same text for every value of 261 real specs (565,155 values). They differ
    on a number Python spells with an exponent (``1e+16``, ``1e-07``), which orjson spells as JavaScript does
    (``1e16``, ``1e-7``: the same number), and on NaN and infinities, which orjson writes as ``null`` (JSON has no
    such number; Python writes ``NaN``). A value orjson refuses (an integer past 64 bits, a key that is not a
    string, a string that is not valid Unicode) is written by ``json``."""
    try:
        return orjson.dumps(value, default=str, option=ORJSON_INDENTED).decode("utf-8")
    except orjson.JSONEncodeError:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def compact_json(value: Any) -> str:
    """``value`` as JSON without spaces, non-ASCII characters escaped: what ``json.dumps(value, separators=(",",
    ":"))`` writes (the Try it consoles' schemas, the reference's maps of anchors: 0.8 % of a cold build at M), by
    orjson when its text is ASCII, with the same differences as :func:`pretty_json`; otherwise by ``json``, which
    escapes the rest (orjson cannot), and raises what ``json`` raises."""
    try:
        text = orjson.dumps(value, option=ORJSON_COMPACT)
        if text.isascii() and b"\x7f" not in text:  # json escapes the others (DEL too); orjson cannot
            return text.decode("ascii")
    except orjson.JSONEncodeError:
        pass
    return json.dumps(value, separators=(",", ":"))


@dataclass
class CodeSample:
    label: str
    language: str
    source: str


def server_url(servers: list[Any]) -> str:
    """The first server's URL with its variables at their defaults, as a request would use it."""
    server = servers[0] if servers and isinstance(servers[0], dict) else {}
    url = str(server.get("url") or "")
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
    for name, variable in variables.items():
        if isinstance(variable, dict) and "default" in variable:
            url = url.replace("{" + str(name) + "}", str(variable["default"]))
    return url


def code_samples(api: Api, operation: Operation, parameters: list[ParameterView], body: Any,
                 media_type: str | None) -> list[CodeSample]:
    """curl, Python (requests) and JavaScript (fetch) for the operation, plus the spec's own samples."""
    own = operation.data.get("servers")
    server = server_url(own if isinstance(own, list) and own else api.servers)  # an empty list: the API's
    path = operation.path
    query, headers = {}, {}
    for param in parameters:
        value = param.example
        if param.location == "path":
            path = path.replace("{" + param.name + "}", str(value if value is not None else "value"))
        elif param.location == "query" and param.required:
            query[param.name] = value if value is not None else "value"
        elif param.location == "header" and param.required and param.name.lower() != "authorization":
            headers[param.name] = str(value if value is not None else "value")
    for requirement in (operation.data.get("security", api.security) or [])[:1]:
        for scheme_name in requirement:
            scheme = api.security_schemes.get(scheme_name) or {}
            if scheme.get("type") == "http" and scheme.get("scheme") == "basic":
                headers["Authorization"] = "Basic <base64 client_id:client_secret>"
            elif scheme.get("type") in ("http", "oauth2", "openIdConnect"):
                headers["Authorization"] = "Bearer <access token>"
            elif scheme.get("type") == "apiKey" and scheme.get("in") == "header":
                headers[scheme.get("name", "X-API-Key")] = "<api key>"
    url = server.rstrip("/") + path + (("?" + urlencode(query)) if query else "")
    if body is not None and media_type:
        headers["Content-Type"] = media_type
    method = operation.method.upper()
    json_body = "json" in (media_type or "")
    pretty = pretty_json(body) if body is not None and json_body else None  # written once, shown three times
    body_text = pretty if pretty is not None else (
        body if isinstance(body, str) else urlencode(body) if isinstance(body, dict) else None)
    curl = [f"curl -X {method} '{url}'"] + [f"  -H '{k}: {v}'" for k, v in headers.items()]
    if body_text is not None:
        curl.append("  --data '" + body_text.replace("'", "'\\''") + "'")
    call = operation.method if operation.method in ("get", "post", "put", "patch", "delete", "head", "options") \
        else "request"
    python = ["import requests", "", f"response = requests.{call}(", f"    {url!r},"]
    if headers:
        python.append(f"    headers={json.dumps(headers, ensure_ascii=False)},")
    if body_text is not None:
        python.append(f"    json={python_literal(pretty)}," if json_body else f"    data={body!r},")
    python += ["    timeout=30,", ")", "response.raise_for_status()", "print(response.json())"]
    js_options = [f"  method: {json.dumps(method)},"]
    if headers:
        js_options.append(f"  headers: {json.dumps(headers, ensure_ascii=False)},")
    if body_text is not None:
        js_options.append(f"  body: JSON.stringify({pretty})," if json_body else
                          f"  body: {json.dumps(body)}," if isinstance(body, str) else
                          f"  body: new URLSearchParams({json.dumps(body)}),")
    js = [f"const response = await fetch({json.dumps(url)}, {{", *js_options, "});",
          "const data = await response.json();"]
    samples = [CodeSample("curl", "bash", " \\\n".join(curl)), CodeSample("Python", "python", "\n".join(python)),
               CodeSample("JavaScript", "javascript", "\n".join(js))]
    for sample in operation.data.get("x-codeSamples") or operation.data.get("x-code-samples") or []:
        if isinstance(sample, dict) and sample.get("source"):
            language = str(sample.get("lang", "text"))
            samples.append(CodeSample(str(sample.get("label") or language), _lexer(language), str(sample["source"])))
    return samples


#: A JSON string (skipped whole: its text is the same in Python) or a JSON literal Python spells otherwise.
_JSON_STRING_OR_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|\b(?:true|false|null|NaN|Infinity)\b')
_PYTHON_LITERALS = {"true": "True", "false": "False", "null": "None", "NaN": 'float("nan")',
                    "Infinity": 'float("inf")'}


def python_literal(json_text: str) -> str:
    """The Python literal of the value ``json_text`` (:func:`pretty_json`'s) writes, indented to sit in a call:
    JSON's strings and numbers are Python's too (both encoders write only escapes Python reads alike); only
    its literals outside strings are spelled otherwise, so ``"is true"`` stays a string as written."""
    text = _JSON_STRING_OR_LITERAL.sub(lambda match: _PYTHON_LITERALS.get(match.group(), match.group()), json_text)
    return text.replace("\n", "\n    ")


def _lexer(language: str) -> str:
    return {"c#": "csharp", "shell": "bash", "node": "javascript", "node.js": "javascript"}.get(language.lower(),
                                                                                               language.lower())
