"""The "Try it" console's data: what a reader can send for an operation, and where it may go.

The console's markup is ``templates/apiref/tryit.html.j2`` and its behaviour ``assets/tryit.js``; this module
only turns an operation's view (from :mod:`generator.render.reference.render`) into the form's fields and
the schemas the page validates a JSON body against. Nothing here is HTML: spec text reaches the page through
the autoescaping templates and, in the browser, as ``textContent`` only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from generator.render.reference.model import Api, resolve
from generator.render.reference.views import OperationView
from generator.validate.spec_files import SpecFiles

ASSETS = ("assets/apiref/tryit.css", "assets/apiref/tryit.js")
#: The JSON Schema keywords the page's validator knows; the rest are dropped from what the page carries.
_KEYWORDS = {"type", "properties", "required", "items", "enum", "const", "minimum", "maximum", "exclusiveMinimum",
             "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "nullable",
             "additionalProperties", "oneOf", "anyOf", "allOf", "format", "readOnly"}
_MAX_DEPTH = 12
_MAX_SCHEMA_BYTES = 60_000  # a bigger body schema is not validated in the page (the server still checks it)


@dataclass(frozen=True)
class TryIt:
    """The portal's "Try it" settings for one spec: which hosts it may call, through which proxy."""

    allowed_hosts: tuple[str, ...] = ()
    proxy: str | None = None

    def allows(self, url: str) -> bool:
        """Whether a request to ``url`` (absolute) may be sent: its host, or host:port, is allowed. A URL that
        browsers could read differently from Python (a backslash, user info, spaces) is refused."""
        if "\\" in url or "@" in url or any(ch.isspace() or ord(ch) < 32 for ch in url):
            return False
        try:
            parts = urlsplit(url)
            host, port = (parts.hostname or "").lower(), parts.port
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host:
            return False
        allowed = {h.strip().lower() for h in self.allowed_hosts}
        return host in allowed or (port is not None and f"{host}:{port}" in allowed)

    def page_config(self, api_key: str, schemes: dict[str, Any]) -> dict[str, Any]:
        """What every console of a page shares: the allowed hosts, the proxy, the API's security schemes."""
        return {"api": api_key, "allowedHosts": sorted({h.strip().lower() for h in self.allowed_hosts}),
                "proxy": self.proxy or "", "schemes": {str(k): self.scheme(v) for k, v in schemes.items()
                                                        if isinstance(v, dict)}}

    def scheme(self, scheme: dict[str, Any]) -> dict[str, Any]:
        """:func:`security_scheme`, with the authorization-code flow's URLs when both are on allowed hosts."""
        result = security_scheme(scheme)
        flow = authorization_code_flow(scheme)
        if flow and self.allows(flow[0]) and self.allows(flow[1]):
            result["authorizationUrl"], result["tokenUrl"] = flow
        return result


def security_scheme(scheme: dict[str, Any]) -> dict[str, Any]:
    """A security scheme as the console sends it; Swagger 2's ``basic`` and ``accessCode`` in OpenAPI 3 terms."""
    kind = str(scheme.get("type") or "")
    if kind == "basic":
        return {"type": "http", "scheme": "basic"}
    if kind == "apiKey":
        return {"type": "apiKey", "in": str(scheme.get("in") or "header"), "name": str(scheme.get("name") or "")}
    if kind == "http":
        return {"type": "http", "scheme": str(scheme.get("scheme") or "").lower()}
    if kind in ("oauth2", "openIdConnect"):
        return {"type": kind}
    return {"type": "unsupported"}


def authorization_code_flow(scheme: dict[str, Any]) -> tuple[str, str] | None:
    """(authorization URL, token URL) of an OAuth2 scheme's authorization-code flow (Swagger 2's
    ``accessCode``), if the spec gives both."""
    if scheme.get("type") != "oauth2":
        return None
    flows = scheme.get("flows") if isinstance(scheme.get("flows"), dict) else {}
    flow = flows.get("authorizationCode") if isinstance(flows.get("authorizationCode"), dict) else (
        scheme if scheme.get("flow") == "accessCode" else None)
    if not flow or not isinstance(flow.get("authorizationUrl"), str) or not isinstance(flow.get("tokenUrl"), str):
        return None
    return flow["authorizationUrl"], flow["tokenUrl"]


def server_urls(servers: list[Any]) -> list[str]:
    """Each server's URL with its variables at their defaults."""
    result = []
    for server in servers:
        if not isinstance(server, dict) or not isinstance(server.get("url"), str):
            continue
        url = server["url"]
        variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}
        for name, variable in variables.items():
            if isinstance(variable, dict) and "default" in variable:
                url = url.replace("{" + str(name) + "}", str(variable["default"]))
        result.append(url.rstrip("/"))
    return result


@dataclass
class ConsoleData:
    """Builds each operation's console for one API; body schemas are cached per ``$ref``."""

    api: Api
    files: SpecFiles
    settings: TryIt
    cache: dict[str, Any] = field(default_factory=dict)

    def allowed_servers(self) -> list[dict[str, Any]]:
        """The API's servers the console may call (variables at their defaults), with their place in the
        server selector."""
        return [{"index": index, "url": url} for index, url in enumerate(server_urls(self.api.servers))
                if self.settings.allows(url)]

    def operation(self, view: OperationView) -> dict[str, Any] | None:
        """The console of one operation view: its fields, body editors and the schemes it can use. An
        operation with servers of its own is sent to the first of them on an allowed host (None: none is)."""
        own = server_urls(view.servers)
        allowed_own = [url for url in own if self.settings.allows(url)]
        if own and not allowed_own:
            return None
        params = []
        for location, items in view.parameters:
            for param in items:
                schema = param.schema if isinstance(param.schema, dict) else {}
                schema, _, _ = resolve(self.files, schema, param.schema_uri)
                schema = schema if isinstance(schema, dict) else {}
                kind = str(schema.get("type") or "string")
                items_schema = schema.get("items") if isinstance(schema.get("items"), dict) else {}
                enum = schema.get("enum") if isinstance(schema.get("enum"), list) else (
                    items_schema.get("enum") if kind == "array" and isinstance(items_schema.get("enum"), list)
                    else None)
                if kind == "boolean" and not enum:
                    enum = [True, False]
                prefill = schema.get("default")
                if prefill is None and param.required:
                    prefill = param.example
                params.append({"name": param.name, "in": location, "required": param.required,
                               "type": kind, "enum": [_text(v) for v in enum] if enum else None,
                               "value": "" if prefill is None else _text(prefill)})
        bodies = []
        for media in view.request.media if view.request else []:
            media_type = str(media.type)
            kind = _body_kind(media_type)
            schema = media.schema if isinstance(media.schema, dict) else {}
            fields = []
            if kind in ("multipart", "form"):
                target, _, _ = resolve(self.files, schema, media.schema_uri)
                properties = target.get("properties") if isinstance(target, dict) else None
                required = target.get("required") if isinstance(target, dict) else None
                for name, prop in (properties or {}).items() if isinstance(properties, dict) else []:
                    prop, _, _ = resolve(self.files, prop, media.schema_uri)
                    prop = prop if isinstance(prop, dict) else {}
                    binary = prop.get("format") in ("binary", "base64") or prop.get("contentMediaType") is not None
                    fields.append({"name": str(name), "file": kind == "multipart" and binary,
                                   "required": isinstance(required, list) and name in required})
            example = media.examples[0][1] if media.examples else ""
            plain = self.plain_schema(schema, media.schema_uri) if kind == "json" else None
            bodies.append({"type": media_type, "kind": kind, "example": example if kind in ("json", "text") else "",
                           "fields": fields, "schema": plain})
        schemes = []
        for requirement in view.security:
            for item in requirement:
                if item.name not in schemes:
                    schemes.append(item.name)
        return {"method": view.method, "path": view.path, "params": params, "bodies": bodies,
                "server": allowed_own[0] if allowed_own else "",
                "schemes": [(name, self.settings.scheme(self.api.security_schemes.get(name) or {}),
                             str((self.api.security_schemes.get(name) or {}).get("description") or ""))
                            for name in schemes],
                "optional_auth": any(not requirement for requirement in view.security),
                "schemas": [b["schema"] for b in bodies]}

    def plain_schema(self, schema: Any, uri: str) -> Any:
        """``schema`` with its ``$ref``s followed (cycles and depth cut to ``{}``), only the keywords the page's
        validator knows; None when too big to carry in the page."""
        result = self._plain(schema, uri, (), 0)
        return result if len(json.dumps(result)) <= _MAX_SCHEMA_BYTES else None

    def _plain(self, schema: Any, uri: str, stack: tuple[str, ...], depth: int) -> Any:
        if not isinstance(schema, dict) or depth > _MAX_DEPTH:
            return {}
        ref = schema.get("$ref") if isinstance(schema.get("$ref"), str) else None
        if ref:
            key = f"{uri}|{ref}"
            if key in stack:
                return {}
            if key in self.cache:
                return self.cache[key]
            target, target_uri, _ = resolve(self.files, schema, uri)
            result = self._plain(target, target_uri, (*stack, key), depth + 1)
            self.cache[key] = result
            return result
        result: dict[str, Any] = {}
        for key, value in schema.items():
            if key not in _KEYWORDS:
                continue
            if key == "properties" and isinstance(value, dict):
                result[key] = {str(k): self._plain(v, uri, stack, depth + 1) for k, v in value.items()}
            elif key in ("items", "additionalProperties") and isinstance(value, dict):
                result[key] = self._plain(value, uri, stack, depth + 1)
            elif key in ("oneOf", "anyOf", "allOf") and isinstance(value, list):
                result[key] = [self._plain(v, uri, stack, depth + 1) for v in value]
            else:
                result[key] = value
        return result


def _body_kind(media_type: str) -> str:
    base = media_type.split(";")[0].strip().lower()
    if base == "multipart/form-data":
        return "multipart"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base == "application/json" or base.endswith("+json"):
        return "json"
    if base == "application/octet-stream" or base.startswith(("image/", "audio/", "video/")) or base == "*/*" \
            or base == "application/pdf":
        return "file"
    return "text"


def _text(value: Any) -> str:
    """A value as the reader types it: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return json.dumps(value, ensure_ascii=False, default=str)
