"""What changed between two versions of an API spec, and whether each change breaks an existing client.

Both specs (Swagger 2.0, OpenAPI 3.0 or 3.1; one file or several reached by ``$ref``; YAML or JSON) are
read through :class:`SpecFiles` (confined to each spec's folder) into one normalised shape: operations
keyed by method and path template (parameter names left out, so renaming a path parameter is no
change; the path of the first server, or Swagger's ``basePath``, is put in front, so an operation
matches across 2.0 → 3.0 even when its prefix moved between the server and the path), with their
parameters, request body (Swagger's ``in: body`` and ``formData`` included), responses, security and
servers. Schemas are compared property by property after following ``$ref``s; a schema pair is compared
once per direction (a big spec's shared schemas are reached from hundreds of operations) and a pair
already being compared further up is not entered again (recursive schemas).

A change breaks clients by the rules of oasdiff and openapi-diff: a narrower request or a wider
response breaks; a new optional input or a new output does not. :data:`RULES` is the table (the README
prints it).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

import yaml

from generator.diagnostics import DiagnosticError, error
from generator.positions import Positions, pointer_escape
from generator.validate.spec import spec_version
from generator.validate.spec_files import ParsedDocuments, RefError, SpecFiles

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORMATS = ("text", "json", "markdown")

# (direction, kind) → (breaking, why). "request" covers parameters and request bodies (what a client
# sends), "response" response bodies and headers (what it reads). The kind of a schema change is shown
# with its place in front: parameter-…, request-…, response-…, response-header-….
RULES: dict[tuple[str, str], tuple[bool, str]] = {
    ("api", "operation-added"): (False, "a new operation is not called by existing clients"),
    ("api", "operation-removed"): (True, "clients calling it get 404 or 405 (a renamed path is a removal plus an "
                                         "addition)"),
    ("api", "operation-deprecated"): (False, "it still works; clients are warned"),
    ("api", "operation-deprecation-removed"): (False, "it works as before"),
    ("api", "server-added"): (False, "existing clients keep their server"),
    ("api", "server-removed"): (True, "clients configured with that URL stop reaching the API"),
    ("api", "security-added"): (True, "clients that called it without credentials are refused"),
    ("api", "security-alternative-added"): (False, "one more way to authenticate; the existing ones still work"),
    ("api", "security-alternative-removed"): (True, "clients authenticating that way are refused"),
    ("api", "security-scope-added"): (True, "tokens without the new scope are refused"),
    ("api", "security-scope-removed"): (False, "existing tokens still carry enough scopes"),
    ("api", "security-scheme-added"): (False, "nothing uses it until an operation requires it"),
    ("api", "security-scheme-removed"): (False, "the operations that used it report their own change"),
    ("api", "security-scheme-type-changed"): (True, "clients send credentials the old way, which is refused"),
    ("api", "security-scheme-location-changed"): (True, "clients send the key or token where it is no longer "
                                                        "read"),
    ("api", "security-scheme-url-changed"): (True, "clients get tokens from the old URL"),
    ("api", "security-scheme-flow-added"): (False, "one more way to get a token"),
    ("api", "security-scheme-flow-removed"): (True, "clients getting tokens that way can no longer"),
    ("api", "security-scheme-scope-added"): (False, "one more scope clients may ask for"),
    ("api", "security-scheme-scope-removed"): (True, "clients asking for that scope are refused"),
    ("api", "webhook-added"): (False, "integrators not listening for it are not affected"),
    ("api", "webhook-removed"): (True, "integrations relying on it no longer receive it"),
    ("api", "callback-added"): (False, "integrators not listening for it are not affected"),
    ("api", "callback-removed"): (True, "integrations relying on it no longer receive it"),
    ("request", "parameter-added"): (False, "an optional input: existing calls stay valid"),
    ("request", "required-parameter-added"): (True, "existing calls lack it and are refused"),
    ("request", "parameter-removed"): (True, "clients still send it; the server ignores or refuses it"),
    ("request", "parameter-became-required"): (True, "calls without it are refused"),
    ("request", "parameter-became-optional"): (False, "existing calls stay valid"),
    ("request", "parameter-deprecated"): (False, "it still works"),
    ("request", "body-added"): (False, "an optional body: existing calls stay valid"),
    ("request", "required-body-added"): (True, "existing calls have no body and are refused"),
    ("request", "body-removed"): (True, "clients still send a body the server no longer reads"),
    ("request", "body-became-required"): (True, "calls without a body are refused"),
    ("request", "body-became-optional"): (False, "existing calls stay valid"),
    ("request", "media-type-added"): (False, "one more accepted content type"),
    ("request", "media-type-removed"): (True, "clients sending that content type are refused"),
    ("response", "status-added"): (False, "a new response clients may treat as unexpected, not a contract break"),
    ("response", "success-status-removed"): (True, "clients expecting that success response no longer get it"),
    ("response", "status-removed"): (False, "an error response that no longer occurs"),
    ("response", "body-removed"): (True, "clients reading the body no longer get it"),
    ("response", "media-type-added"): (False, "one more content type, sent only when asked for"),
    ("response", "media-type-removed"): (True, "clients asking for that content type no longer get it"),
    ("response", "header-added"): (False, "a new output"),
    ("response", "header-removed"): (True, "clients reading it no longer get it"),
    ("response", "header-became-optional"): (True, "clients relying on it may not get it"),
    ("response", "header-became-required"): (False, "always sent now"),
    ("response", "link-added"): (False, "a new output"),
    ("response", "link-removed"): (True, "clients following it no longer can"),
    ("response", "link-changed"): (True, "clients following it reach another operation or send other values"),
    # Webhooks and callbacks: the API sends the request (its payload) and the integrator answers.
    ("event", "payload-added"): (False, "integrators that read no payload ignore it"),
    ("event", "payload-removed"): (True, "integrators reading the payload no longer get it"),
    ("event", "payload-media-type-added"): (True, "integrators get a content type they do not parse (no Accept "
                                                  "negotiation)"),
    ("event", "payload-media-type-removed"): (False, "one content type fewer is sent"),
    ("event", "answer-status-added"): (False, "one more answer the API accepts"),
    ("event", "answer-status-removed"): (True, "integrators answering with it are treated as failing"),
}
# Schema changes: the same change breaks in one direction and not in the other.
SCHEMA_KINDS: list[str] = []
for _kind, _request, _response, _why in (
        ("type-changed", True, True, "values of the old type are refused (request) or not understood (response)"),
        ("type-widened", False, True, "more types accepted (request); clients get types they do not parse "
                                      "(response)"),
        ("type-narrowed", True, False, "values of the dropped type are refused (request); fewer types returned"),
        ("format-changed", True, True, "values are read or written differently"),
        ("property-added", False, False, "a new optional input, or a new output"),
        ("required-property-added", True, False, "existing requests lack it (request); a new output (response)"),
        ("property-removed", False, True, "the server ignores it (request); clients reading it lose it "
                                          "(response)"),
        ("property-became-required", True, False, "requests without it are refused; always returned now"),
        ("property-became-optional", False, True, "fewer inputs needed; clients relying on it may not get it"),
        ("enum-value-added", False, True, "a new accepted value; clients get a value they do not know"),
        ("enum-value-removed", True, False, "requests with that value are refused; a value no longer returned"),
        ("enum-added", True, False, "fewer values accepted; fewer values returned"),
        ("enum-removed", False, True, "any value accepted; clients get values they do not know"),
        ("constraint-narrowed", True, False, "values accepted before are refused; fewer values returned"),
        ("constraint-widened", False, True, "more values accepted; clients get values outside the old bounds"),
        ("constraint-changed", True, True, "a pattern or multiple that neither contains the other"),
        ("default-changed", False, False, "documented behaviour only"),
        ("nullable-added", False, True, "null accepted; clients get null where they expected a value"),
        ("nullable-removed", True, False, "null refused; null no longer returned"),
        ("read-only-added", True, False, "a value clients send is refused or ignored; no effect on responses"),
        ("read-only-removed", False, False, "clients may send it now"),
        ("write-only-added", False, True, "no effect on requests; clients reading it no longer get it"),
        ("write-only-removed", False, False, "returned now"),
        ("one-of-member-added", False, True, "one more accepted shape; clients get a shape they do not handle"),
        ("one-of-member-removed", True, False, "requests of that shape are refused; a shape no longer returned"),
        ("any-of-member-added", False, True, "one more accepted shape; clients get a shape they do not handle"),
        ("any-of-member-removed", True, False, "requests of that shape are refused; a shape no longer returned"),
        ("all-of-member-added", True, False, "one more constraint on requests; more is returned"),
        ("all-of-member-removed", False, True, "fewer constraints on requests; less is returned"),
        ("discriminator-changed", True, True, "payloads are told apart by another property"),
        ("discriminator-mapping-added", False, True, "one more accepted kind; clients get a kind they do not "
                                                     "know"),
        ("discriminator-mapping-removed", True, False, "requests of that kind are refused; a kind no longer "
                                                       "returned"),
        ("additional-properties-narrowed", True, False, "extra properties are refused; fewer returned"),
        ("additional-properties-widened", False, True, "extra properties accepted; clients get unknown ones"),
):
    RULES[("request", _kind)] = (_request, _why)
    RULES[("response", _kind)] = (_response, _why)
    SCHEMA_KINDS.append(_kind)



def shown(direction: str, kind: str) -> str:
    """A change's kind as printed: ``request-`` or ``response-`` in front, except for operations, security,
    servers and parameters, which say what they are (a schema change gets its place in front instead)."""
    if direction == "api" or kind.startswith(("parameter-", "required-parameter-")):
        return kind
    return f"{direction}-{kind}"


_UPPER = ("maximum", "maxLength", "maxItems", "maxProperties")
_LOWER = ("minimum", "minLength", "minItems", "minProperties")
_COMBINERS = (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of"))
_PARAMETER_KEYWORDS = ("type", "format", "items", "enum", "default", "maximum", "exclusiveMaximum", "minimum",
                       "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
                       "uniqueItems", "multipleOf", "x-nullable")


@dataclass(frozen=True)
class Change:
    """One difference between the specs, at ``pointer`` (in the new spec; in the old one for a removal)."""

    operation: str | None  # "GET /orders", or None for the whole API (servers)
    breaking: bool
    kind: str
    pointer: str
    line: int | None
    message: str
    file: str
    why: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"operation": self.operation, "breaking": self.breaking, "kind": self.kind, "pointer": self.pointer,
                "line": self.line, "message": self.message, "file": self.file}


@dataclass
class SpecDiff:
    """Every change from ``old`` to ``new`` (display names of the two specs)."""

    old: str
    new: str
    changes: list[Change] = field(default_factory=list)

    @property
    def breaking(self) -> list[Change]:
        return [change for change in self.changes if change.breaking]


# ---------------------------------------------------------------------------------------------------
# Reading: a spec as operations with the location of every part.

@dataclass(frozen=True)
class _Node:
    """A node of a spec and where it is: document URI and JSON pointer (without ``#``)."""

    value: Any
    uri: str
    pointer: str

    def child(self, *parts: object) -> _Node:
        value = self.value
        for part in parts:
            value = value.get(part) if isinstance(value, dict) else value[part] if isinstance(value, list) else None
        return _Node(value, self.uri, self.pointer + "".join(f"/{pointer_escape(p)}" for p in parts))


@dataclass
class _Operation:
    method: str
    path: str
    node: _Node
    parameters: dict[tuple[str, str], _Node]  # (in, name) → parameter; path parameters by position
    parameter_names: dict[tuple[str, str], str]
    body: _Node | None  # the request body (3.x) or Swagger's body / form parameters
    body_required: bool
    body_content: dict[str, _Node]  # media type → schema
    responses: dict[str, tuple[_Node, dict[str, _Node], dict[str, _Node]]]  # code → (response, headers, content)
    security: _Node
    servers: list[str] | None
    callbacks: dict[tuple[str, str, str], _Operation] = field(default_factory=dict)  # (name, expression, method)
    webhook: bool = False

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}" + (" (webhook)" if self.webhook else "")


class _Spec:
    """One spec, read and normalised; its texts' line maps computed when a change needs them."""

    def __init__(self, path: Path, display: str, root: Path | None = None,
                 parsed: ParsedDocuments | None = None) -> None:
        self.path, self.display = path, display
        self.files = SpecFiles(root=root or _repo_of(path), parsed=parsed)
        self.uri = self.files.uri_of(path)
        self._positions: dict[str, Positions] = {}
        try:
            document = self.files.load(self.uri)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise DiagnosticError([error(display, f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                                         code="spec-yaml", line=mark.line + 1 if mark else None,
                                         column=mark.column + 1 if mark else None,
                                         hint="quote keys and values that contain `[`, `{`, `:` or `#`")]) from exc
        except RecursionError as exc:
            raise DiagnosticError([error(display, "cannot read the spec: nested too deeply", code="spec-unreadable",
                                         hint="flatten the document")]) from exc
        except (RefError, OSError) as exc:
            raise DiagnosticError([error(display, f"cannot read the spec: {exc}", code="spec-unreadable",
                                         hint="give the path of a YAML or JSON OpenAPI file")]) from exc
        self.version = spec_version(document)
        if self.version is None:
            raise DiagnosticError([error(display, "not an OpenAPI or Swagger document (no `openapi: 3.x` or "
                                                  "`swagger: \"2.0\"`)", code="spec-not-openapi", line=1,
                                         hint="give the path of the spec's root file")])
        self.root = _Node(document, self.uri, "")
        self.servers = self._servers(self.root)
        prefix = urlsplit(self.servers[0]).path.rstrip("/") if self.servers else ""
        self.operations: dict[tuple[str, str], _Operation] = {}
        for path_key, item in _mapping(document.get("paths")).items():
            if not isinstance(item, dict):
                continue
            item_node = self.deref(self.root.child("paths", path_key))
            if not isinstance(item_node.value, dict):
                continue
            for method in METHODS:
                if isinstance(item_node.value.get(method), dict):
                    operation = self._operation(method, str(path_key), item_node)
                    key = (method, re.sub(r"\{[^}/]*\}", "{}", prefix + str(path_key)))
                    self.operations.setdefault(key, operation)
        self.webhooks: dict[tuple[str, str], _Operation] = {}  # (name, method) → the webhook (OpenAPI 3.1)
        for name in _mapping(document.get("webhooks")):
            item_node = self.deref(self.root.child("webhooks", name))
            for method in METHODS if isinstance(item_node.value, dict) else ():
                if isinstance(item_node.value.get(method), dict):
                    self.webhooks[(str(name), method)] = self._operation(method, str(name), item_node, webhook=True)
        self.security_schemes = self._security_schemes()

    # -- where things are

    def deref(self, node: _Node) -> _Node:
        """``node`` with its ``$ref`` chain followed (a dangling ``$ref`` is a Diagnostic)."""
        for _ in range(32):
            ref = node.value.get("$ref") if isinstance(node.value, dict) else None
            if not isinstance(ref, str):
                return node
            try:
                target, uri, pointer = self.files.resolve(ref, node.uri)
            except (RefError, OSError, yaml.YAMLError) as exc:
                line, column = self.positions(node.uri)(node.pointer + "/$ref")
                raise DiagnosticError([error(self.file_of(node.uri), f"$ref cannot be followed: {exc}",
                                             code="spec-ref", line=line, column=column,
                                             pointer=f"#{node.pointer}/$ref",
                                             hint="point the $ref at a file beside the spec and an existing "
                                                  "pointer")]) from exc
            node = _Node(target, uri, pointer.lstrip("#"))
        return node

    def positions(self, uri: str) -> Positions:
        if uri not in self._positions:
            self._positions[uri] = Positions(self.files.texts.get(uri, ""))
        return self._positions[uri]

    def line(self, node: _Node) -> int | None:
        return self.positions(node.uri)(node.pointer)[0] if node.uri in self.files.texts else None

    def file_of(self, uri: str) -> str:
        """A file the spec reaches, shown as a path from where the spec was shown."""
        if uri == self.uri or not uri.startswith("file:"):
            return self.display if uri == self.uri else uri
        relative = os.path.relpath(unquote(urlsplit(uri).path), self.path.resolve().parent)
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.display), Path(relative).as_posix()))

    # -- normalising

    def _servers(self, scope: _Node) -> list[str]:
        doc = scope.value
        if self.version == "2.0":
            host, base = doc.get("host") or "", doc.get("basePath") or ""
            if not host:
                return [base] if base else []
            return [f"{scheme}://{host}{base}" for scheme in _sequence(doc.get("schemes")) or ["https"]]
        return [_server_url(server) for server in _sequence(doc.get("servers")) if isinstance(server, dict)]

    def _security_schemes(self) -> dict[str, _Node]:
        if self.version == "2.0":
            holder = self.root.child("securityDefinitions")
        else:
            holder = self.root.child("components", "securitySchemes")
        return {str(name): self.deref(holder.child(name)) for name in _mapping(holder.value)
                if isinstance(self.deref(holder.child(name)).value, dict)}

    def _callbacks(self, node: _Node) -> dict[tuple[str, str, str], _Operation]:
        """An operation's callbacks (OpenAPI 3.x), each expression's operations read like the API's own."""
        found: dict[tuple[str, str, str], _Operation] = {}
        if self.version == "2.0":
            return found
        for name in _mapping(node.value.get("callbacks")):
            callback = self.deref(node.child("callbacks", name))
            for expression in _mapping(callback.value):
                item = self.deref(callback.child(expression))
                for method in METHODS if isinstance(item.value, dict) else ():
                    if isinstance(item.value.get(method), dict):
                        found[(str(name), str(expression), method)] = self._operation(method, str(expression), item,
                                                                                     webhook=True)
        return found

    def _operation(self, method: str, path: str, item: _Node, *, webhook: bool = False) -> _Operation:
        node = item.child(method)
        op = node.value
        placeholders = re.findall(r"\{([^}/]*)\}", path)
        parameters: dict[tuple[str, str], _Node] = {}
        names: dict[tuple[str, str], str] = {}
        body, body_required, body_content = None, False, {}
        form: list[_Node] = []
        declared = [item.child("parameters", i) for i in range(len(_sequence(item.value.get("parameters"))))] + \
                   [node.child("parameters", i) for i in range(len(_sequence(op.get("parameters"))))]
        for declared_node in declared:
            parameter = self.deref(declared_node)
            value = parameter.value
            if not isinstance(value, dict):
                continue
            location, name = str(value.get("in")), str(value.get("name"))
            if location == "body":
                body, body_required = parameter, bool(value.get("required"))
                continue
            if location == "formData":
                form.append(parameter)
                continue
            key = (location, str(placeholders.index(name)) if location == "path" and name in placeholders else name)
            if location == "header":
                key = (location, name.lower())
            parameters[key], names[key] = parameter, name  # the operation's own replaces the path item's
        if self.version == "2.0":
            consumes = _sequence(op.get("consumes")) or _sequence(self.root.value.get("consumes")) or \
                ["application/json"]
            if body is not None:
                body_content = {str(media): body.child("schema") for media in consumes}
            elif form:
                # The form parameters as one object schema whose properties are $refs to the parameters.
                media = "multipart/form-data" if any(p.value.get("type") == "file" for p in form) else \
                    "application/x-www-form-urlencoded"
                schema = {"type": "object",
                          "required": [str(p.value.get("name")) for p in form if p.value.get("required")],
                          "properties": {str(p.value.get("name")): {"$ref": "#" + p.pointer} for p in form}}
                body = _Node(schema, form[0].uri, form[0].pointer.rsplit("/", 1)[0])
                body_required = bool(schema["required"])
                body_content = {media: body}
        elif isinstance(op.get("requestBody"), dict):
            body = self.deref(node.child("requestBody"))
            body_required = bool(body.value.get("required"))
            body_content = self._content(body)
        responses = {}
        produces = _sequence(op.get("produces")) or _sequence(self.root.value.get("produces")) or \
            ["application/json"]
        for code in _mapping(op.get("responses")):
            response = self.deref(node.child("responses", code))
            if not isinstance(response.value, dict):
                continue
            headers = {str(name).lower(): response.child("headers", name)
                       for name in _mapping(response.value.get("headers"))}
            if self.version == "2.0":
                content = {str(m): response.child("schema") for m in produces} if "schema" in response.value else {}
            else:
                content = self._content(response)
            responses[str(code)] = (response, headers, content)
        security = node.child("security") if "security" in op else self.root.child("security")
        servers = None
        for scope in (node, item):
            if self.version != "2.0" and isinstance(scope.value.get("servers"), list):
                servers = self._servers(scope)
                break
        callbacks = self._callbacks(node) if not webhook else {}
        return _Operation(method, path, node, parameters, names, body, body_required, body_content, responses,
                          security, servers, callbacks, webhook)

    def _content(self, holder: _Node) -> dict[str, _Node]:
        content = holder.value.get("content")
        if not isinstance(content, dict):
            return {}
        return {str(media): holder.child("content", media, "schema") for media, value in content.items()
                if isinstance(value, dict)}


def _repo_of(path: Path) -> Path:
    """Where the spec's ``$ref``s may reach: the Git work tree the spec is in, else the spec's folder."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


def _mapping(value: Any) -> dict:
    """``value`` if it is a mapping, else an empty one (a malformed spec is compared as far as it can be)."""
    return value if isinstance(value, dict) else {}


def _sequence(value: Any) -> list:
    return value if isinstance(value, list) else []


def _server_url(server: dict[str, Any]) -> str:
    url = str(server.get("url", ""))
    for name, variable in _mapping(server.get("variables")).items():
        if isinstance(variable, dict):
            url = url.replace("{" + str(name) + "}", str(variable.get("default", "")))
    return url


ComparableSpec = _Spec
"""A spec read and normalised for comparing (see :func:`read_spec`)."""


# ---------------------------------------------------------------------------------------------------
# Comparing

@dataclass(frozen=True)
class _Finding:
    """A schema change relative to the schema pair compared, before it is tied to an operation."""

    kind: str
    where: str  # "customer.email", "items[]", "" for the schema itself
    node: _Node  # where it is: in the new spec, or in the old one when ``in_old``
    in_old: bool
    detail: str


class _Differ:
    def __init__(self, old: _Spec, new: _Spec) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self._compared: dict[tuple, list[_Finding]] = {}
        self._comparing: set[tuple] = set()
        self._properties_of: dict[int, tuple[dict[str, _Node], set[str]]] = {}

    # -- recording

    def add(self, operation: str | None, direction: str, kind: str, node: _Node, message: str, *,
            in_old: bool = False, shown_kind: str | None = None) -> None:
        breaking, why = RULES[(direction, kind)]
        spec = self.old if in_old else self.new
        self.changes.append(Change(operation=operation, breaking=breaking, kind=shown_kind or shown(direction, kind),
                                   pointer="#" + node.pointer, line=spec.line(node), message=message,
                                   file=spec.file_of(node.uri), why=why))

    # -- the API

    def run(self) -> list[Change]:
        old_servers, new_servers = self.old.servers, self.new.servers
        for url in new_servers:
            if url not in old_servers:
                self.add(None, "api", "server-added", self._servers_node(self.new), f"server `{url}` added")
        for url in old_servers:
            if url not in new_servers:
                self.add(None, "api", "server-removed", self._servers_node(self.old), f"server `{url}` removed",
                         in_old=True)
        for key, old_op in self.old.operations.items():
            new_op = self.new.operations.get(key)
            if new_op is None:
                self.add(old_op.name, "api", "operation-removed", old_op.node, "operation removed",
                         in_old=True)
            else:
                self.operation(old_op, new_op)
        for key, new_op in self.new.operations.items():
            if key not in self.old.operations:
                self.add(new_op.name, "api", "operation-added", new_op.node, "operation added")
        for key, old_op in self.old.webhooks.items():
            if key not in self.new.webhooks:
                self.add(old_op.name, "api", "webhook-removed", old_op.node, "webhook removed", in_old=True)
            else:
                self.event(old_op.name, "webhook", old_op, self.new.webhooks[key])
        for key, new_op in self.new.webhooks.items():
            if key not in self.old.webhooks:
                self.add(new_op.name, "api", "webhook-added", new_op.node, "webhook added")
        self.security_schemes()
        return self.changes

    # -- webhooks and callbacks: the API calls the integrator

    def callbacks(self, name: str, old: _Operation, new: _Operation) -> None:
        for key, old_callback in old.callbacks.items():
            label = f"callback `{key[0]}` {key[2].upper()} `{key[1]}`"
            if key not in new.callbacks:
                self.add(name, "api", "callback-removed", old_callback.node, f"{label} removed", in_old=True)
            else:
                self.event(name, label, old_callback, new.callbacks[key])
        for key, new_callback in new.callbacks.items():
            if key not in old.callbacks:
                self.add(name, "api", "callback-added", new_callback.node,
                         f"callback `{key[0]}` {key[2].upper()} `{key[1]}` added")

    def event(self, name: str, label: str, old: _Operation, new: _Operation) -> None:
        """A webhook or callback: its payload is read by the integrator (response rules) and the integrator's
        answer is sent to the API (request rules); kinds are shown with ``webhook-`` or ``callback-`` in front."""
        what = "webhook" if label == "webhook" else "callback"
        prefix = "" if label == "webhook" else f"{label}: "
        if new.body is not None and old.body is None:
            self.add(name, "event", "payload-added", new.body, f"{prefix}payload added",
                     shown_kind=f"{what}-payload-added")
        elif old.body is not None and new.body is None:
            self.add(name, "event", "payload-removed", old.body, f"{prefix}payload removed", in_old=True,
                     shown_kind=f"{what}-payload-removed")
        elif old.body is not None and new.body is not None:
            for media, schema in new.body_content.items():
                if media not in old.body_content:
                    self.add(name, "event", "payload-media-type-added", new.body,
                             f"{prefix}payload media type `{media}` added",
                             shown_kind=f"{what}-payload-media-type-added")
                    continue
                self.schema(name, "response", f"{what}-payload", f"{prefix}payload", old.body_content[media], schema)
            for media in old.body_content:
                if media not in new.body_content:
                    self.add(name, "event", "payload-media-type-removed", old.body, in_old=True,
                             message=f"{prefix}payload media type `{media}` removed",
                             shown_kind=f"{what}-payload-media-type-removed")
        for code, (response, _, content) in new.responses.items():
            if code not in old.responses:
                self.add(name, "event", "answer-status-added", response, f"{prefix}answer {code} added",
                         shown_kind=f"{what}-answer-status-added")
                continue
            old_content = old.responses[code][2]
            for media, schema in content.items():
                if media in old_content:
                    self.schema(name, "request", f"{what}-answer", f"{prefix}answer {code}", old_content[media],
                                schema)
        for code, (response, _, _) in old.responses.items():
            if code not in new.responses:
                self.add(name, "event", "answer-status-removed", response, f"{prefix}answer {code} removed",
                         in_old=True, shown_kind=f"{what}-answer-status-removed")

    # -- security schemes

    def security_schemes(self) -> None:
        old_schemes, new_schemes = self.old.security_schemes, self.new.security_schemes
        for scheme, node in new_schemes.items():
            if scheme not in old_schemes:
                self.add(None, "api", "security-scheme-added", node, f"security scheme `{scheme}` added")
                continue
            self.security_scheme(scheme, old_schemes[scheme], node)
        for scheme, node in old_schemes.items():
            if scheme not in new_schemes:
                self.add(None, "api", "security-scheme-removed", node, f"security scheme `{scheme}` removed",
                         in_old=True)

    def security_scheme(self, scheme: str, old: _Node, new: _Node) -> None:
        before, after = _scheme_shape(self.old.version, old.value), _scheme_shape(self.new.version, new.value)
        label = f"security scheme `{scheme}`"
        if before["type"] != after["type"]:
            self.add(None, "api", "security-scheme-type-changed", new.child("type"),
                     f"{label}: type changed from {_show(before['type'])} to {_show(after['type'])}")
            return
        for key in ("in", "name", "scheme"):
            if before.get(key) != after.get(key):
                self.add(None, "api", "security-scheme-location-changed", new.child(key),
                         f"{label}: `{key}` changed from {_show(before.get(key))} to {_show(after.get(key))}")
        if before.get("openIdConnectUrl") != after.get("openIdConnectUrl"):
            self.add(None, "api", "security-scheme-url-changed", new.child("openIdConnectUrl"),
                     f"{label}: `openIdConnectUrl` changed to {_show(after.get('openIdConnectUrl'))}")
        old_flows, new_flows = before["flows"], after["flows"]
        for flow, (value, where) in new_flows.items():
            if flow not in old_flows:
                self.add(None, "api", "security-scheme-flow-added", new.child(*where), f"{label}: flow `{flow}` added")
                continue
            old_value = old_flows[flow][0]
            for url in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                if old_value.get(url) != value.get(url):
                    self.add(None, "api", "security-scheme-url-changed", new.child(*where, url),
                             f"{label}: flow `{flow}` `{url}` changed to {_show(value.get(url))}")
            old_scopes, new_scopes = _mapping(old_value.get("scopes")), _mapping(value.get("scopes"))
            added = [scope for scope in new_scopes if scope not in old_scopes]
            removed = [scope for scope in old_scopes if scope not in new_scopes]
            if added:
                self.add(None, "api", "security-scheme-scope-added", new.child(*where, "scopes"),
                         f"{label}: flow `{flow}`: scope(s) {_list(added)} added")
            if removed:
                self.add(None, "api", "security-scheme-scope-removed", new.child(*where, "scopes"),
                         f"{label}: flow `{flow}`: scope(s) {_list(removed)} removed")
        for flow, (_, where) in old_flows.items():
            if flow not in new_flows:
                self.add(None, "api", "security-scheme-flow-removed", old.child(*where), in_old=True,
                         message=f"{label}: flow `{flow}` removed")

    def _servers_node(self, spec: _Spec) -> _Node:
        key = "host" if spec.version == "2.0" and "host" in spec.root.value else \
            "basePath" if spec.version == "2.0" else "servers"
        return spec.root.child(key)

    def operation(self, old: _Operation, new: _Operation) -> None:
        name = new.name
        old_deprecated, new_deprecated = bool(old.node.value.get("deprecated")), bool(new.node.value.get("deprecated"))
        if new_deprecated and not old_deprecated:
            self.add(name, "api", "operation-deprecated", new.node.child("deprecated"), "operation deprecated")
        elif old_deprecated and not new_deprecated:
            self.add(name, "api", "operation-deprecation-removed", new.node, "operation no longer deprecated")
        self.parameters(name, old, new)
        self.request_body(name, old, new)
        self.responses(name, old, new)
        self.security(name, old, new)
        self.callbacks(name, old, new)
        if old.servers is not None or new.servers is not None:
            old_servers = old.servers if old.servers is not None else self.old.servers
            new_servers = new.servers if new.servers is not None else self.new.servers
            for url in new_servers:
                if url not in old_servers:
                    self.add(name, "api", "server-added", new.node, f"server `{url}` added for {name}")
            for url in old_servers:
                if url not in new_servers:
                    self.add(name, "api", "server-removed", old.node, f"server `{url}` removed for {name}",
                             in_old=True)

    def parameters(self, name: str, old: _Operation, new: _Operation) -> None:
        for key, node in new.parameters.items():
            label = f"{key[0]} parameter `{new.parameter_names[key]}`"
            required = bool(node.value.get("required"))
            if key not in old.parameters:
                self.add(name, "request", "required-parameter-added" if required else "parameter-added", node,
                         f"{'required' if required else 'optional'} {label} added")
                continue
            before = old.parameters[key]
            if required and not before.value.get("required"):
                self.add(name, "request", "parameter-became-required", node.child("required"),
                         f"{label} became required")
            elif before.value.get("required") and not required and key[0] != "path":
                self.add(name, "request", "parameter-became-optional", node, f"{label} became optional")
            if node.value.get("deprecated") and not before.value.get("deprecated"):
                self.add(name, "request", "parameter-deprecated", node.child("deprecated"), f"{label} deprecated")
            self.schema(name, "request", "parameter", label, self._parameter_schema(self.old, before),
                        self._parameter_schema(self.new, node))
        for key, node in old.parameters.items():
            if key not in new.parameters:
                self.add(name, "request", "parameter-removed", node,
                         f"{key[0]} parameter `{old.parameter_names[key]}` removed", in_old=True)

    def _parameter_schema(self, spec: _Spec, parameter: _Node) -> _Node | None:
        value = parameter.value
        if "schema" in value:
            return parameter.child("schema")
        if isinstance(value.get("content"), dict) and value["content"]:
            return parameter.child("content", next(iter(value["content"])), "schema")
        if spec.version == "2.0":  # a Swagger 2.0 parameter is its own schema
            return parameter
        return None

    def request_body(self, name: str, old: _Operation, new: _Operation) -> None:
        if new.body is not None and old.body is None:
            required = new.body_required
            self.add(name, "request", "required-body-added" if required else "body-added", new.body,
                     f"{'required' if required else 'optional'} request body added")
            return
        if old.body is not None and new.body is None:
            self.add(name, "request", "body-removed", old.body, "request body removed", in_old=True)
            return
        if new.body is None or old.body is None:
            return
        if new.body_required and not old.body_required:
            self.add(name, "request", "body-became-required", new.body, "request body became required")
        elif old.body_required and not new.body_required:
            self.add(name, "request", "body-became-optional", new.body, "request body became optional")
        self.content(name, "request", "request", "request body", old.body_content, new.body_content, new.body,
                     old.body)

    def content(self, name: str, direction: str, prefix: str, label: str, old: dict[str, _Node],
                new: dict[str, _Node], new_holder: _Node, old_holder: _Node) -> None:
        for media, schema in new.items():
            if media not in old:
                if old or direction == "response":
                    self.add(name, direction, "media-type-added", new_holder, f"{label}: media type `{media}` added")
                continue
            self.schema(name, direction, prefix, label, old[media], schema)
        for media in old:
            if media not in new and new:
                self.add(name, direction, "media-type-removed", old_holder, f"{label}: media type `{media}` removed",
                         in_old=True)
        if old and not new and direction == "response":
            self.add(name, direction, "body-removed", old_holder, f"{label}: body removed", in_old=True)

    def responses(self, name: str, old: _Operation, new: _Operation) -> None:
        for code, (response, headers, content) in new.responses.items():
            if code not in old.responses:
                self.add(name, "response", "status-added", response, f"response {code} added")
                continue
            old_response, old_headers, old_content = old.responses[code]
            label = f"response {code}"
            self.content(name, "response", "response", label, old_content, content, response, old_response)
            for header, node in headers.items():
                header_node = self.new.deref(node)
                if not isinstance(header_node.value, dict):
                    continue
                if header not in old_headers:
                    self.add(name, "response", "header-added", header_node, f"{label}: header `{header}` added")
                    continue
                before = self.old.deref(old_headers[header])
                if not isinstance(before.value, dict):
                    continue
                if before.value.get("required") and not header_node.value.get("required"):
                    self.add(name, "response", "header-became-optional", header_node,
                             f"{label}: header `{header}` became optional")
                elif header_node.value.get("required") and not before.value.get("required"):
                    self.add(name, "response", "header-became-required", header_node,
                             f"{label}: header `{header}` became required")
                self.schema(name, "response", "response-header", f"{label} header `{header}`",
                            self._parameter_schema(self.old, before), self._parameter_schema(self.new, header_node))
            self.links(name, label, old_response, response)
            for header, node in old_headers.items():
                if header not in headers:
                    self.add(name, "response", "header-removed", node, f"{label}: header `{header}` removed",
                             in_old=True)
        for code, (response, _, _) in old.responses.items():
            if code not in new.responses:
                success = code.startswith("2") or code.lower() == "default" and not any(
                    c.startswith("2") for c in old.responses)
                self.add(name, "response", "success-status-removed" if success else "status-removed", response,
                         f"response {code} removed", in_old=True)

    def links(self, name: str, label: str, old: _Node, new: _Node) -> None:
        """A response's links (OpenAPI 3.x): what a client may call next with values from this response."""
        old_links, new_links = _mapping(old.value.get("links")), _mapping(new.value.get("links"))
        for link in new_links:
            node = self.new.deref(new.child("links", link))
            if link not in old_links:
                self.add(name, "response", "link-added", node, f"{label}: link `{link}` added")
                continue
            before = self.old.deref(old.child("links", link)).value
            after = node.value
            if not isinstance(before, dict) or not isinstance(after, dict):
                continue
            changed = [key for key in ("operationId", "operationRef", "parameters", "requestBody", "server")
                       if before.get(key) != after.get(key)]
            if changed:
                self.add(name, "response", "link-changed", node,
                         f"{label}: link `{link}`: {', '.join(f'`{key}`' for key in changed)} changed")
        for link in old_links:
            if link not in new_links:
                self.add(name, "response", "link-removed", old.child("links", link), in_old=True,
                         message=f"{label}: link `{link}` removed")

    def security(self, name: str, old: _Operation, new: _Operation) -> None:
        old_alternatives, new_alternatives = _alternatives(old.security.value), _alternatives(new.security.value)
        if old_alternatives == new_alternatives:
            return
        where = new.security if new.security.value is not None else new.node
        anonymous_before = not old_alternatives or frozenset() in old_alternatives
        anonymous_after = not new_alternatives or frozenset() in new_alternatives
        if anonymous_before and not anonymous_after:
            self.add(name, "api", "security-added", where,
                     f"authentication now required: {_show_alternatives(new_alternatives)}")
            return
        if anonymous_after and not anonymous_before:
            self.add(name, "api", "security-alternative-added", where, "authentication no longer required")
        old_by_schemes = {frozenset(s for s, _ in alternative): alternative for alternative in old_alternatives}
        new_by_schemes = {frozenset(s for s, _ in alternative): alternative for alternative in new_alternatives}
        for schemes, alternative in new_by_schemes.items():
            if schemes not in old_by_schemes:
                if schemes and not anonymous_before:
                    self.add(name, "api", "security-alternative-added", where,
                             f"security requirement {_show_alternatives([alternative])} added")
                continue
            before = dict(old_by_schemes[schemes])
            for scheme, scopes in alternative:
                added, removed = set(scopes) - set(before[scheme]), set(before[scheme]) - set(scopes)
                if added:
                    self.add(name, "api", "security-scope-added", where,
                             f"security `{scheme}`: scope(s) {_list(added)} now required")
                if removed:
                    self.add(name, "api", "security-scope-removed", where,
                             f"security `{scheme}`: scope(s) {_list(removed)} no longer required")
        for schemes, alternative in old_by_schemes.items():
            if schemes not in new_by_schemes and schemes:
                self.add(name, "api", "security-alternative-removed",
                         old.security if old.security.value is not None else old.node,
                         f"security requirement {_show_alternatives([alternative])} removed", in_old=True)

    # -- schemas

    def schema(self, name: str, direction: str, prefix: str, label: str, old: _Node | None,
               new: _Node | None) -> None:
        if old is None or new is None:
            return
        old, new = self.old.deref(old), self.new.deref(new)
        if not isinstance(old.value, dict) or not isinstance(new.value, dict):
            return
        for finding in self.compare(old, new, direction):
            where = f"{label} `{finding.where}`" if finding.where else label
            self.add(name, direction, finding.kind, finding.node, f"{where}: {finding.detail}",
                     in_old=finding.in_old, shown_kind=f"{prefix}-{finding.kind}")

    def compare(self, old: _Node, new: _Node, direction: str) -> list[_Finding]:
        """The changes from schema ``old`` to ``new`` (both dereferenced), computed once per pair."""
        key = (id(old.value), id(new.value), direction)  # the documents live as long as the comparison
        if key in self._compared:
            return self._compared[key]
        if key in self._comparing:
            return []  # a recursive schema: this pair is being compared further up
        self._comparing.add(key)
        try:
            # One change of one node is one finding, reached by the first of the paths that lead to it
            # (a schema used by nine properties of a schema used by nine... is not reported 9^n times).
            unique: dict[tuple, _Finding] = {}
            for finding in self._compare(old, new, direction):
                unique.setdefault((finding.kind, finding.node.uri, finding.node.pointer, finding.detail), finding)
            found = list(unique.values())
        finally:
            self._comparing.discard(key)
        self._compared[key] = found
        return found

    def _nested(self, old: _Node, new: _Node, direction: str, where: str) -> Iterator[_Finding]:
        old, new = self.old.deref(old), self.new.deref(new)
        if not isinstance(old.value, dict) or not isinstance(new.value, dict):
            return
        for finding in self.compare(old, new, direction):
            yield _Finding(finding.kind, _join(where, finding.where), finding.node, finding.in_old, finding.detail)

    def _compare(self, old: _Node, new: _Node, direction: str) -> Iterator[_Finding]:
        o, n = old.value, new.value
        old_types, new_types = _types(o), _types(n)
        if old_types != new_types and old_types is not None and new_types is not None:
            if _within(old_types, new_types):
                kind = "type-widened"
            elif _within(new_types, old_types):
                kind = "type-narrowed"
            else:
                kind = "type-changed"
            yield _Finding(kind, "", new.child("type"), False, f"type {_show_types(old_types)} → "
                                                               f"{_show_types(new_types)}")
        elif old_types is None and new_types is not None and not _combined(o):
            yield _Finding("type-narrowed", "", new.child("type"), False, f"type {_show_types(new_types)} set")
        elif new_types is None and old_types is not None and not _combined(n):
            yield _Finding("type-widened", "", new, False, f"type {_show_types(old_types)} no longer set")
        if o.get("format") != n.get("format"):
            before, after = o.get("format"), n.get("format")
            kind = "constraint-narrowed" if before is None else "constraint-widened" if after is None else \
                "format-changed"
            yield _Finding(kind, "", new.child("format") if "format" in n else new, False,
                           f"format {_show(before, 'none')} → {_show(after, 'none')}")
        yield from self._flags(old, new)
        yield from self._enum(old, new)
        yield from self._constraints(old, new)
        if "default" in o and "default" in n and o["default"] != n["default"]:
            yield _Finding("default-changed", "", new.child("default"), False,
                           f"default {_show(o['default'])} → {_show(n['default'])}")
        if (_variant_keyword(o) is None) != (_variant_keyword(n) is None):
            yield from self._variants(old, new, direction)
            return
        yield from self._properties(old, new, direction)
        if isinstance(o.get("items"), dict) and isinstance(n.get("items"), dict):
            yield from self._nested(old.child("items"), new.child("items"), direction, "[]")
        yield from self._additional(old, new, direction)
        for keyword, kind in _COMBINERS:
            yield from self._members(old, new, keyword, kind, direction)
        yield from self._discriminator(old, new)

    def _variants(self, old: _Node, new: _Node, direction: str) -> Iterator[_Finding]:
        """One side is a oneOf/anyOf, the other a plain schema: the plain one is compared with the variant
        most like it, and the other variants are added (or removed)."""
        grew = _variant_keyword(new.value) is not None
        plain, many = (old, new) if grew else (new, old)
        plain_spec, many_spec = (self.old, self.new) if grew else (self.new, self.old)
        keyword = _variant_keyword(many.value)
        kind = dict(_COMBINERS)[keyword]
        plain_props = set(self._property_map(plain_spec, plain)[0])
        plain_types = _types(plain.value)
        best, best_score = None, 0
        for index in range(len(many.value[keyword])):
            member = many_spec.deref(many.child(keyword, index))
            if not isinstance(member.value, dict):
                continue
            score = len(plain_props & set(self._property_map(many_spec, member)[0])) * 2 + (
                plain_types is not None and _types(member.value) == plain_types)
            if score > best_score:
                best, best_score = index, score
        if best is None:
            yield _Finding("type-changed", "", new, False, f"{'became' if grew else 'no longer'} a {keyword} "
                                                           f"of {len(many.value[keyword])} schemas")
            return
        for index, member in enumerate(many.value[keyword]):
            label = _label(_member_key(member, index))
            if index == best:
                pair = (old, new.child(keyword, index)) if grew else (old.child(keyword, index), new)
                yield from self._nested(*pair, direction, "")
            elif grew:
                yield _Finding(f"{kind}-member-added", "", new.child(keyword, index), False,
                               f"{keyword} member {label} added")
            else:
                yield _Finding(f"{kind}-member-removed", "", old.child(keyword, index), True,
                               f"{keyword} member {label} removed")

    def _property_map(self, spec: _Spec, schema: _Node) -> tuple[dict[str, _Node], set[str]]:
        """The properties of ``schema`` and of its ``allOf`` members (merged), and the required ones."""
        value = schema.value
        key = id(value)
        if key in self._properties_of:
            return self._properties_of[key]
        self._properties_of[key] = ({}, set())  # an allOf that includes itself adds nothing
        properties: dict[str, _Node] = {}
        required = {name for name in value.get("required") or [] if isinstance(name, str)} \
            if isinstance(value.get("required"), list) else set()
        for index, member in enumerate(value.get("allOf") if isinstance(value.get("allOf"), list) else []):
            member_node = spec.deref(schema.child("allOf", index))
            if isinstance(member, dict) and isinstance(member_node.value, dict):
                member_properties, member_required = self._property_map(spec, member_node)
                properties.update(member_properties)
                required |= member_required
        if isinstance(value.get("properties"), dict):
            properties.update({name: schema.child("properties", name) for name in value["properties"]})
        self._properties_of[key] = (properties, required)
        return properties, required

    def _flags(self, old: _Node, new: _Node) -> Iterator[_Finding]:
        o, n = old.value, new.value
        if _nullable(o) != _nullable(n):
            yield _Finding("nullable-added" if _nullable(n) else "nullable-removed", "", new, False,
                           "may be null now" if _nullable(n) else "may no longer be null")
        for keyword, kind in (("readOnly", "read-only"), ("writeOnly", "write-only")):
            if bool(o.get(keyword)) != bool(n.get(keyword)):
                added = bool(n.get(keyword))
                yield _Finding(f"{kind}-{'added' if added else 'removed'}", "",
                               new.child(keyword) if added else new, False,
                               f"became {keyword}" if added else f"no longer {keyword}")

    def _enum(self, old: _Node, new: _Node) -> Iterator[_Finding]:
        o, n = old.value.get("enum"), new.value.get("enum")
        if not isinstance(o, list) and not isinstance(n, list):
            return
        if not isinstance(o, list):
            yield _Finding("enum-added", "", new.child("enum"), False, f"values restricted to {_list(n)}")
            return
        if not isinstance(n, list):
            yield _Finding("enum-removed", "", new, False, "values no longer restricted to a list")
            return
        for value in n:
            if value not in o:
                yield _Finding("enum-value-added", "", new.child("enum", n.index(value)), False,
                               f"enum value {_show(value)} added")
        for value in o:
            if value not in n:
                yield _Finding("enum-value-removed", "", new.child("enum"), False,
                               f"enum value {_show(value)} removed")

    def _constraints(self, old: _Node, new: _Node) -> Iterator[_Finding]:
        o, n = old.value, new.value
        for keyword in _UPPER + _LOWER:
            before, after = _number(o.get(keyword)), _number(n.get(keyword))
            if before == after:
                continue
            upper = keyword in _UPPER
            if before is None:
                narrower = True
            elif after is None:
                narrower = False
            else:
                narrower = after < before if upper else after > before
            yield _Finding("constraint-narrowed" if narrower else "constraint-widened", "",
                           new.child(keyword) if keyword in n else new, False,
                           f"{keyword} {_show(o.get(keyword), 'none')} → {_show(n.get(keyword), 'none')}")
        for keyword in ("exclusiveMinimum", "exclusiveMaximum"):  # a flag in 3.0, a bound in 3.1
            before, after = o.get(keyword) or None, n.get(keyword) or None  # False is no bound
            if before == after:
                continue
            if before is None or after is None:
                kind = "constraint-narrowed" if before is None else "constraint-widened"
            elif _number(before) is not None and _number(after) is not None:
                narrower = after < before if keyword == "exclusiveMaximum" else after > before
                kind = "constraint-narrowed" if narrower else "constraint-widened"
            else:
                kind = "constraint-changed"
            yield _Finding(kind, "", new.child(keyword) if keyword in n else new, False,
                           f"{keyword} {_show(before, 'none')} → {_show(after, 'none')}")
        if bool(o.get("uniqueItems")) != bool(n.get("uniqueItems")):
            yield _Finding("constraint-narrowed" if n.get("uniqueItems") else "constraint-widened", "",
                           new.child("uniqueItems") if "uniqueItems" in n else new, False,
                           "items must be unique now" if n.get("uniqueItems") else "items may repeat now")
        for keyword in ("pattern", "multipleOf"):
            before, after = o.get(keyword), n.get(keyword)
            if before == after:
                continue
            kind = "constraint-narrowed" if before is None else "constraint-widened" if after is None else \
                "constraint-changed"
            yield _Finding(kind, "", new.child(keyword) if keyword in n else new, False,
                           f"{keyword} {_show(before, 'none')} → {_show(after, 'none')}")

    def _properties(self, old: _Node, new: _Node, direction: str) -> Iterator[_Finding]:
        old_props, old_required = self._property_map(self.old, old)
        new_props, new_required = self._property_map(self.new, new)
        for prop, node in new_props.items():
            if prop not in old_props:
                if prop in new_required and not self._read_only(node, direction):
                    yield _Finding("required-property-added", prop, node, False, "required property added")
                else:
                    yield _Finding("property-added", prop, node, False, "property added")
                continue
            if prop in new_required and prop not in old_required and not self._read_only(node, direction):
                yield _Finding("property-became-required", prop, node, False, "became required")
            elif prop in old_required and prop not in new_required:
                yield _Finding("property-became-optional", prop, node, False, "became optional")
            yield from self._nested(old_props[prop], node, direction, prop)
        for prop, node in old_props.items():
            if prop not in new_props:
                yield _Finding("property-removed", prop, node, True, "property removed")

    def _read_only(self, node: _Node, direction: str) -> bool:
        """A required readOnly property is not required in requests (nor writeOnly in responses)."""
        value = self.new.deref(node).value
        return isinstance(value, dict) and bool(value.get("readOnly" if direction == "request" else "writeOnly"))

    def _additional(self, old: _Node, new: _Node, direction: str) -> Iterator[_Finding]:
        o, n = old.value.get("additionalProperties"), new.value.get("additionalProperties")
        if isinstance(o, dict) and isinstance(n, dict):
            yield from self._nested(old.child("additionalProperties"), new.child("additionalProperties"), direction,
                                    "*")
        elif (o is False) != (n is False):
            narrowed = n is False
            yield _Finding("additional-properties-narrowed" if narrowed else "additional-properties-widened", "",
                           new.child("additionalProperties") if narrowed else new, False,
                           "additional properties no longer allowed" if narrowed else "additional properties allowed")

    def _members(self, old: _Node, new: _Node, keyword: str, kind: str, direction: str) -> Iterator[_Finding]:
        o, n = old.value.get(keyword), new.value.get(keyword)
        o = o if isinstance(o, list) else []
        n = n if isinstance(n, list) else []
        if not o and not n:
            return
        old_members = {_member_key(member, index): index for index, member in enumerate(o)}
        new_members = {_member_key(member, index): index for index, member in enumerate(n)}
        if keyword == "allOf":  # the members' properties were compared merged; only named members count
            old_members = {m: i for m, i in old_members.items() if not m.startswith("[")}
            new_members = {m: i for m, i in new_members.items() if not m.startswith("[")}
        for member, index in new_members.items():
            node = new.child(keyword, index)
            if member in old_members:
                if keyword == "allOf":
                    continue
                yield from self._nested(old.child(keyword, old_members[member]), node, direction,
                                        f"{keyword}[{index}]" if member.startswith("[") else
                                        f"{keyword}[{member.rsplit('/', 1)[-1]}]")
            else:
                yield _Finding(f"{kind}-member-added", "", node, False, f"{keyword} member {_label(member)} added")
        for member, index in old_members.items():
            if member not in new_members:
                yield _Finding(f"{kind}-member-removed", "", old.child(keyword, index), True,
                               f"{keyword} member {_label(member)} removed")

    def _discriminator(self, old: _Node, new: _Node) -> Iterator[_Finding]:
        o, n = old.value.get("discriminator"), new.value.get("discriminator")
        if o is None and n is None:
            return
        old_name = o.get("propertyName") if isinstance(o, dict) else o  # Swagger 2.0: the property name itself
        new_name = n.get("propertyName") if isinstance(n, dict) else n
        if old_name != new_name:
            yield _Finding("discriminator-changed", "", new.child("discriminator") if n is not None else new, False,
                           f"discriminator {_show(old_name, 'none')} → {_show(new_name, 'none')}")
            return
        old_mapping = o.get("mapping") if isinstance(o, dict) and isinstance(o.get("mapping"), dict) else {}
        new_mapping = n.get("mapping") if isinstance(n, dict) and isinstance(n.get("mapping"), dict) else {}
        for value in new_mapping:
            if value not in old_mapping:
                yield _Finding("discriminator-mapping-added", "", new.child("discriminator", "mapping", value), False,
                               f"discriminator value {_show(value)} added")
        for value in old_mapping:
            if value not in new_mapping:
                yield _Finding("discriminator-mapping-removed", "", old.child("discriminator", "mapping", value), True,
                               f"discriminator value {_show(value)} removed")


def _alternatives(security: Any) -> set[frozenset]:
    """Security requirements as a set of alternatives, each a set of (scheme, scopes)."""
    if not isinstance(security, list):
        return set()
    return {frozenset((str(scheme), tuple(sorted(map(str, _sequence(scopes))))) for scheme, scopes in item.items())
            for item in security if isinstance(item, dict)}


def _scheme_shape(version: str | None, scheme: dict[str, Any]) -> dict[str, Any]:
    """A security scheme in one shape for Swagger 2.0 and OpenAPI 3.x: type, where the credential goes,
    and its OAuth2 flows by their 3.x names (flow → (flow object, its pointer parts below the scheme))."""
    kind = scheme.get("type")
    shape: dict[str, Any] = {"type": kind, "in": scheme.get("in"), "name": scheme.get("name"),
                             "scheme": str(scheme.get("scheme") or "").lower() or None,
                             "openIdConnectUrl": scheme.get("openIdConnectUrl"), "flows": {}}
    if version == "2.0":
        if kind == "basic":
            shape.update(type="http", scheme="basic")
        if kind == "oauth2":
            flow = {"implicit": "implicit", "password": "password", "application": "clientCredentials",
                    "accessCode": "authorizationCode"}.get(str(scheme.get("flow")), str(scheme.get("flow")))
            shape["flows"] = {flow: (scheme, ())}
        return shape
    shape["flows"] = {str(flow): (value, ("flows", flow)) for flow, value in _mapping(scheme.get("flows")).items()
                      if isinstance(value, dict)}
    return shape


def _show_alternatives(alternatives: Any) -> str:
    return " or ".join(" + ".join(f"`{scheme}`" for scheme, _ in sorted(alternative)) or "none"
                       for alternative in sorted(alternatives, key=sorted))


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    value = schema.get("type")
    if isinstance(value, str):
        return frozenset([value])
    if isinstance(value, list):
        return frozenset(str(t) for t in value if t != "null") or None
    return None


def _within(small: frozenset[str], big: frozenset[str]) -> bool:
    return all(t in big or t == "integer" and "number" in big for t in small)


def _variant_keyword(schema: dict[str, Any]) -> str | None:
    for keyword in ("oneOf", "anyOf"):
        if isinstance(schema.get(keyword), list) and schema[keyword]:
            return keyword
    return None


def _combined(schema: dict[str, Any]) -> bool:
    return any(k in schema for k in ("oneOf", "anyOf", "allOf", "$ref"))


def _nullable(schema: dict[str, Any]) -> bool:
    value = schema.get("type")
    return bool(schema.get("nullable") or schema.get("x-nullable")) or isinstance(value, list) and "null" in value


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _member_key(member: Any, index: int) -> str:
    if isinstance(member, dict) and isinstance(member.get("$ref"), str):
        return member["$ref"]
    return f"[{index}]"


def _label(member: str) -> str:
    return f"`{member.rsplit('/', 1)[-1]}`" if not member.startswith("[") else f"#{member.strip('[]')}"


def _join(where: str, inner: str) -> str:
    if not where or not inner:
        return where or inner
    return f"{where}{inner}" if inner.startswith("[") else f"{where}.{inner}"


def _show(value: Any, missing: str = "") -> str:
    if value is None:
        return missing or "null"
    return f"`{json.dumps(value, ensure_ascii=False, default=str)}`"


def _show_types(types: frozenset[str]) -> str:
    return "/".join(f"`{t}`" for t in sorted(types))


def _list(values: Any) -> str:
    return ", ".join(_show(v) for v in values)


# ---------------------------------------------------------------------------------------------------
# Public entry points

def diff_specs(old: Path, new: Path, *, old_display: str | None = None, new_display: str | None = None) -> SpecDiff:
    """Every change from spec ``old`` to spec ``new``; ``DiagnosticError`` when a spec cannot be read."""
    return compare_specs(read_spec(Path(old), old_display or str(old)), read_spec(Path(new), new_display or str(new)))


def read_spec(path: Path, display: str, *, root: Path | None = None,
              parsed: ParsedDocuments | None = None) -> ComparableSpec:
    """The spec at ``path`` read for comparing (``$ref``s confined to ``root``, by default the Git work tree
    or folder it is in); ``DiagnosticError`` when it cannot be read. One read spec can be compared with
    several others (a changelog compares each version with the one before and the one after). ``parsed``
    shares the parsing of its texts with the run's other processes."""
    return _Spec(path, display, root, parsed)


def compare_specs(old_spec: ComparableSpec, new_spec: ComparableSpec) -> SpecDiff:
    """Every change from ``old_spec`` to ``new_spec`` (both from :func:`read_spec`)."""
    try:
        changes = _Differ(old_spec, new_spec).run()
    except RecursionError as exc:  # schemas nested hundreds of levels deep (not through $ref, which ends)
        raise DiagnosticError([error(new_spec.display, "schemas are nested too deeply to compare",
                                     code="spec-unreadable", hint="move nested schemas to components and $ref "
                                                                  "them")]) from exc
    order = {method: index for index, method in enumerate(METHODS)}

    def sort_key(change: Change) -> tuple:
        method, _, path = (change.operation or "").partition(" ")
        return (change.operation is not None, path, order.get(method.lower(), 9), not change.breaking,
                change.file, change.line or 0, change.kind, change.message)

    return SpecDiff(old=old_spec.display, new=new_spec.display, changes=sorted(set(changes), key=sort_key))


def write_changes(result: SpecDiff, fmt: str, stream: TextIO) -> None:
    """Print the changes as ``text`` (for people), ``json`` (for tools) or ``markdown`` (for a PR comment)."""
    if fmt == "json":
        json.dump({"changes": [change.to_json() for change in result.changes]}, stream, indent=2,
                  ensure_ascii=False)
        stream.write("\n")
        return
    breaking = len(result.breaking)
    summary = f"{len(result.changes)} change(s), {breaking} breaking"
    if fmt == "markdown":
        stream.write(f"# Changes from `{result.old}` to `{result.new}`\n\n{summary}.\n")
        for title, changes in (("Breaking changes", result.breaking),
                               ("Other changes", [c for c in result.changes if not c.breaking])):
            if not changes:
                continue
            stream.write(f"\n## {title}\n\n")
            for change in changes:
                operation = f"**{change.operation}**: " if change.operation else ""
                stream.write(f"- {operation}{change.message} (`{change.kind}`, {change.file} line {change.line})\n")
        return
    for change in result.changes:
        mark = "BREAKING" if change.breaking else "        "
        where = f"{change.file}:{change.line}" if change.line else change.file
        stream.write(f"{mark}  {change.operation or 'API'}: {change.message}  [{change.kind}] {where}\n")
    stream.write(f"{summary}\n")
