"""The API as the reference shows it: operations grouped by tag, schemas, security, servers.

Swagger 2.0 is read into the same shape as OpenAPI 3.x (``requestBody``, ``content``, ``servers``,
``components``), so the templates know one model. ``$ref``s are followed through :class:`SpecFiles`
(confined to the repo); a cycle is cut and shown as a link to the schema.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from generator.positions import fragment_parts, pointer_escape
from generator.render.reference.bundle import Location, SpecBundle, location
from generator.validate.spec_files import RefError, SpecFiles

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
@dataclass
class Operation:
    method: str
    path: str
    data: dict[str, Any]
    tag: str
    kind: str = "operation"  # "operation", "webhook" or "callback"
    base_uri: str = ""
    parent: str | None = None  # for a callback: the anchor of the operation that declares it

    @property
    def operation_id(self) -> str | None:
        return self.data.get("operationId")

    @property
    def anchor(self) -> str:
        """Stable: from operationId, else method + path, as Redoc names them."""
        if self.kind == "callback":  # namespaced: a callback may reuse an operationId of the API
            return f"{self.parent}/callbacks/{pointer_escape(self.path)}/{self.method}"
        if self.operation_id:
            return f"operation/{self.operation_id}"
        return f"{'webhooks' if self.kind == 'webhook' else 'paths'}/{pointer_escape(self.path)}/{self.method}"

    @property
    def redoc_anchors(self) -> list[str]:
        """Other fragments Redoc gives this operation, accepted by the page's script."""
        anchors = []
        for tag in dict.fromkeys(tag_anchors(self.tag)):
            if self.operation_id:
                anchors.append(f"{tag}/operation/{self.operation_id}")
            anchors.append(f"{tag}/paths/{pointer_escape(self.path)}/{self.method}")
        return anchors


def tag_anchors(tag: str) -> list[str]:
    """The fragments that name a tag in Redoc-style links: ``tag/<name>``, and Redoc's own, in which
    spaces are dashes (``tag/Payment-methods``)."""
    return list(dict.fromkeys([f"tag/{tag}", "tag/" + re.sub(r"\s+", "-", tag.strip())]))


@dataclass
class Api:
    """A spec read for rendering."""

    version: str  # "2.0", "3.0" or "3.1"
    document: dict[str, Any]
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    security_schemes: dict[str, Any]
    security: list[dict[str, Any]]
    tags: dict[str, dict[str, Any]]  # name → tag object (description), in spec order
    operations: list[Operation] = field(default_factory=list)
    schemas: dict[str, Any] = field(default_factory=dict)
    schema_refs: dict[str, str] = field(default_factory=dict)  # the models: "#/components/schemas/X" (or file ref) → X
    schema_names: dict[Location, str] = field(default_factory=dict)  # where each model is → its name
    bundle: SpecBundle | None = None  # the spec as one document, as its downloads have it

    def model_name(self, absolute_ref: str) -> str | None:
        """The name on the models page of the schema at ``absolute_ref`` (None: not a model)."""
        return self.schema_names.get(location(absolute_ref))

    def by_tag(self) -> dict[str, list[Operation]]:
        groups: dict[str, list[Operation]] = {name: [] for name in self.tags}
        for operation in self.operations:
            groups.setdefault(operation.tag, []).append(operation)
        return {name: ops for name, ops in groups.items() if ops}


def _swagger2_to_3(doc: dict[str, Any]) -> dict[str, Any]:
    """The parts of a Swagger 2.0 document the reference shows, in OpenAPI 3 shape."""
    host, base = doc.get("host", ""), doc.get("basePath", "")
    schemes = doc.get("schemes") or ["https"]
    servers = [{"url": f"{scheme}://{host}{base}"} for scheme in schemes] if host else (
        [{"url": base}] if base else [])
    consumes_default = doc.get("consumes") or ["application/json"]
    produces_default = doc.get("produces") or ["application/json"]

    def convert_op(op: dict[str, Any], shared: list[dict[str, Any]]) -> dict[str, Any]:
        result = {k: v for k, v in op.items() if k not in ("parameters", "responses", "consumes", "produces")}
        params, body, form = [], None, []
        for param in shared + list(op.get("parameters") or []):
            if not isinstance(param, dict):
                continue
            if param.get("in") == "body":
                body = param
            elif param.get("in") == "formData":
                form.append(param)
            else:
                if "$ref" in param:
                    params.append(param)
                    continue
                schema = {k: param[k] for k in ("type", "format", "items", "enum", "default", "minimum", "maximum",
                                                "minLength", "maxLength", "pattern", "collectionFormat") if k in param}
                params.append({**{k: v for k, v in param.items() if k not in schema}, "schema": schema})
        result["parameters"] = params
        consumes = op.get("consumes") or consumes_default
        if body is not None:
            result["requestBody"] = {"description": body.get("description"), "required": body.get("required", False),
                                     "content": {c: {"schema": body.get("schema", {})} for c in consumes}}
        elif form:
            props = {p["name"]: {k: p[k] for k in ("type", "format", "enum", "description", "default") if k in p}
                     for p in form}
            required = [p["name"] for p in form if p.get("required")]
            media = "multipart/form-data" if any(p.get("type") == "file" for p in form) else \
                "application/x-www-form-urlencoded"
            result["requestBody"] = {"content": {media: {"schema": {"type": "object", "properties": props,
                                                                    "required": required}}}}
        produces = op.get("produces") or produces_default
        responses = {}
        for code, response in (op.get("responses") or {}).items():
            if not isinstance(response, dict) or "$ref" in response:
                responses[str(code)] = response
                continue
            converted = {"description": response.get("description", "")}
            if response.get("headers"):
                converted["headers"] = {name: {"description": h.get("description"), "schema": h}
                                        for name, h in response["headers"].items()}
            if "schema" in response:
                converted["content"] = {p: {"schema": response["schema"]} for p in produces}
                if response.get("examples"):
                    for media, example in response["examples"].items():
                        converted["content"].setdefault(media, {"schema": response["schema"]})["example"] = example
            responses[str(code)] = converted
        result["responses"] = responses
        return result

    paths = {}
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        shared = [p for p in item.get("parameters") or [] if isinstance(p, dict)]
        paths[path] = {method: convert_op(op, shared) for method, op in item.items()
                       if method in METHODS and isinstance(op, dict)}
    schemes = {}
    for name, scheme in (doc.get("securityDefinitions") or {}).items():
        converted = dict(scheme)
        if scheme.get("type") == "basic":
            converted = {"type": "http", "scheme": "basic", "description": scheme.get("description")}
        elif scheme.get("type") == "oauth2":
            flow = {"accessCode": "authorizationCode", "application": "clientCredentials"}.get(scheme.get("flow"),
                                                                                                 scheme.get("flow"))
            converted = {"type": "oauth2", "description": scheme.get("description"), "flows": {flow: {
                k: v for k, v in (("authorizationUrl", scheme.get("authorizationUrl")),
                                  ("tokenUrl", scheme.get("tokenUrl")), ("scopes", scheme.get("scopes") or {})) if v
                is not None}}}
        schemes[name] = converted
    return {"info": doc.get("info") or {}, "servers": servers, "paths": paths, "tags": doc.get("tags") or [],
            "security": doc.get("security") or [], "components": {"schemas": doc.get("definitions") or {},
                                                                  "securitySchemes": schemes}}


def read_api(files: SpecFiles, uri: str, version: str) -> Api:
    """The :class:`Api` of the spec at ``uri`` (already loaded and validated as well as it could be)."""
    original = files.load(uri)
    doc = _swagger2_to_3(original) if version == "2.0" else original
    components = doc.get("components") or {}
    tag_objects = {t["name"]: t for t in doc.get("tags") or [] if isinstance(t, dict) and "name" in t}
    api = Api(version=version, document=original, info=doc.get("info") or {}, servers=doc.get("servers") or [],
              security_schemes=components.get("securitySchemes") or {}, security=doc.get("security") or [],
              tags=dict(tag_objects), schemas=dict(components.get("schemas") or {}))
    # Schemas reached through another file are models too, named as in the bundled download.
    api.bundle = bundle = SpecBundle(files, uri, version)
    api.schema_names = dict(bundle.names)
    api.schema_refs = {"#" + "".join("/" + pointer_escape(p) for p in parts): name
                       for (_, parts), name in bundle.names.items() if name not in bundle.added}
    api.schema_refs.update({document + "#" + "".join("/" + pointer_escape(p) for p in parts): name
                            for (document, parts), name in bundle.external_schemas().items()})
    for path, item in (doc.get("paths") or {}).items():
        item, item_uri = _deref_item(files, item, uri)
        for method in METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                data = _merge_parameters(files, item, op, item_uri)
                if isinstance(item.get("servers"), list) and not data.get("servers"):  # path-level servers apply
                    data = {**data, "servers": item["servers"]}
                _add(api, Operation(method=method, path=str(path), data=data, tag="", base_uri=item_uri))
    for name, item in (doc.get("webhooks") or {}).items():
        item, item_uri = _deref_item(files, item, uri)
        for method in METHODS:
            op = item.get(method) if isinstance(item, dict) else None
            if isinstance(op, dict):
                _add(api, Operation(method=method, path=str(name), data=op, tag="", kind="webhook",
                                    base_uri=item_uri))
    return api


def _deref_item(files: SpecFiles, item: Any, uri: str) -> tuple[Any, str]:
    """A path item given as ``$ref`` (ecom's ``ms_import.yaml#/paths/...``) is read from its file, and its own
    relative ``$ref``s resolve from that file."""
    if isinstance(item, dict) and isinstance(item.get("$ref"), str):
        try:
            target, target_uri, _ = files.resolve(item["$ref"], uri)
            return target, target_uri
        except (RefError, OSError):
            return {}, uri
    return item, uri


def _merge_parameters(files: SpecFiles, item: dict[str, Any], op: dict[str, Any], uri: str) -> dict[str, Any]:
    """Path-level parameters apply unless the operation redefines one (same name and location)."""
    shared = [p for p in item.get("parameters") or [] if isinstance(p, dict)]
    if not shared:
        return op
    own = list(op.get("parameters") or [])

    def key(param: Any) -> tuple:
        target, _, _ = resolve(files, param, uri)
        return (target.get("name"), target.get("in")) if isinstance(target, dict) else (None, None)

    names = {key(p) for p in own if isinstance(p, dict)}
    return {**op, "parameters": [p for p in shared if key(p) not in names] + own}


def _add(api: Api, operation: Operation) -> None:
    tags = operation.data.get("tags") or []
    operation.tag = str(tags[0]) if tags else ("Webhooks" if operation.kind == "webhook" else "Other operations")
    api.tags.setdefault(operation.tag, {"name": operation.tag})
    api.operations.append(operation)


def resolve(files: SpecFiles, node: Any, base_uri: str, depth: int = 0) -> tuple[Any, str, str | None]:
    """Follow ``$ref`` chains: (target, its document URI, the last ref followed or None)."""
    ref_followed = None
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
        ref_followed = node["$ref"]
        try:
            node, base_uri, pointer = files.resolve(node["$ref"], base_uri)
        except (RefError, OSError):
            return {"x-unresolved": ref_followed}, base_uri, ref_followed
        depth += 1
    return node, base_uri, ref_followed


def schema_name(ref: str | None) -> str | None:
    """``#/components/schemas/Payment`` or ``schemas.yaml#/Payment`` → ``Payment``."""
    if not ref:
        return None
    parts = fragment_parts(ref.partition("#")[2])
    return parts[-1] if parts else None
