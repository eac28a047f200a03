"""`devportal diff` on OpenAPI 3.1 webhooks, callbacks, response links and security schemes' internals."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from generator.validate.diff import diff_specs

ORDER = {"type": "object", "required": ["id"], "properties": {
    "id": {"type": "string"}, "status": {"type": "string", "enum": ["open", "paid"]}, "note": {"type": "string"}}}
BASE = {
    "openapi": "3.1.0",
    "info": {"title": "Shop", "version": "1"},
    "paths": {
        "/subscriptions": {"post": {
            "operationId": "subscribe",
            "responses": {"201": {"description": "subscribed", "links": {
                "cancel": {"operationId": "unsubscribe", "parameters": {"id": "$response.body#/id"}}}}},
            "callbacks": {"orderPaid": {"{$request.body#/url}": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
                "responses": {"200": {"description": "received"}}}}}},
        }},
        "/subscriptions/{id}": {"delete": {"operationId": "unsubscribe",
                                           "responses": {"204": {"description": "gone"}}}},
    },
    "webhooks": {"newOrder": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}},
        "responses": {"200": {"description": "received"}, "202": {"description": "queued"}}}}},
    "components": {
        "schemas": {"Order": ORDER},
        "securitySchemes": {
            "oauth": {"type": "oauth2", "flows": {"clientCredentials": {
                "tokenUrl": "https://auth.example.com/token", "scopes": {"orders:read": "r", "orders:write": "w"}}}},
            "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
        },
    },
    "security": [{"oauth": ["orders:read"]}],
}


def _webhook(spec: dict) -> dict:
    return spec["webhooks"]["newOrder"]["post"]


def _callback(spec: dict) -> dict:
    return spec["paths"]["/subscriptions"]["post"]["callbacks"]["orderPaid"]["{$request.body#/url}"]["post"]


def _links(spec: dict) -> dict:
    return spec["paths"]["/subscriptions"]["post"]["responses"]["201"]["links"]


def _schemes(spec: dict) -> dict:
    return spec["components"]["securitySchemes"]


def _order(spec: dict) -> dict:
    return spec["components"]["schemas"]["Order"]


def _changes(tmp_path: Path, edit, old: dict | None = None):
    old = copy.deepcopy(old or BASE)
    new = copy.deepcopy(old)
    edit(new)
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(old, sort_keys=False))
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new, sort_keys=False))
    return diff_specs(tmp_path / "old.yaml", tmp_path / "new.yaml").changes


WEBHOOK = "POST newOrder (webhook)"
SUBSCRIBE = "POST /subscriptions"
# (what changed, the edit, expected kind, breaking?, operation)
CASES = [
    ("webhook removed", lambda s: s.pop("webhooks"), "webhook-removed", True, WEBHOOK),
    ("webhook added", lambda s: s["webhooks"].__setitem__("orderShipped", copy.deepcopy(s["webhooks"]["newOrder"])),
     "webhook-added", False, "POST orderShipped (webhook)"),
    ("webhook payload property removed: its receivers read it", lambda s: _order(s)["properties"].pop("note"),
     "webhook-payload-property-removed", True, WEBHOOK),
    ("webhook payload enum value added: receivers get a value they do not know",
     lambda s: _order(s)["properties"]["status"]["enum"].append("refunded"), "webhook-payload-enum-value-added",
     True, WEBHOOK),
    ("webhook payload required property added: more is sent",
     lambda s: (_order(s)["properties"].__setitem__("shop", {"type": "string"}), _order(s)["required"].append("shop")),
     "webhook-payload-required-property-added", False, WEBHOOK),
    ("webhook payload media type added: no Accept to ask for the old one",
     lambda s: _webhook(s)["requestBody"]["content"].__setitem__("application/xml", {"schema": {"type": "string"}}),
     "webhook-payload-media-type-added", True, WEBHOOK),
    ("webhook payload removed", lambda s: _webhook(s).pop("requestBody"), "webhook-payload-removed", True, WEBHOOK),
    ("webhook answer no longer accepted", lambda s: _webhook(s)["responses"].pop("202"),
     "webhook-answer-status-removed", True, WEBHOOK),
    ("webhook answer accepted", lambda s: _webhook(s)["responses"].__setitem__("204", {"description": "ok"}),
     "webhook-answer-status-added", False, WEBHOOK),
    ("callback removed", lambda s: s["paths"]["/subscriptions"]["post"].pop("callbacks"), "callback-removed", True,
     SUBSCRIBE),
    ("callback added", lambda s: s["paths"]["/subscriptions"]["post"]["callbacks"].__setitem__(
        "orderShipped", copy.deepcopy(s["paths"]["/subscriptions"]["post"]["callbacks"]["orderPaid"])),
     "callback-added", False, SUBSCRIBE),
    ("callback payload property removed", lambda s: _callback(s)["requestBody"]["content"]["application/json"]
     .__setitem__("schema", {"type": "object", "properties": {"id": {"type": "string"}}}),
     "callback-payload-property-removed", True, SUBSCRIBE),
    ("link removed", lambda s: _links(s).pop("cancel"), "response-link-removed", True, SUBSCRIBE),
    ("link points elsewhere", lambda s: _links(s)["cancel"].__setitem__("operationId", "subscribe"),
     "response-link-changed", True, SUBSCRIBE),
    ("link added", lambda s: _links(s).__setitem__("again", {"operationId": "subscribe"}), "response-link-added",
     False, SUBSCRIBE),
    ("API key moved to another header", lambda s: _schemes(s)["key"].__setitem__("name", "X-Api-Key"),
     "security-scheme-location-changed", True, None),
    ("API key moved to the query", lambda s: _schemes(s)["key"].__setitem__("in", "query"),
     "security-scheme-location-changed", True, None),
    ("scheme type changed", lambda s: _schemes(s).__setitem__("key", {"type": "http", "scheme": "bearer"}),
     "security-scheme-type-changed", True, None),
    ("token URL changed", lambda s: _schemes(s)["oauth"]["flows"]["clientCredentials"].__setitem__(
        "tokenUrl", "https://login.example.com/token"), "security-scheme-url-changed", True, None),
    ("scope no longer offered", lambda s: _schemes(s)["oauth"]["flows"]["clientCredentials"]["scopes"].pop(
        "orders:write"), "security-scheme-scope-removed", True, None),
    ("scope offered", lambda s: _schemes(s)["oauth"]["flows"]["clientCredentials"]["scopes"].__setitem__(
        "orders:admin", "a"), "security-scheme-scope-added", False, None),
    ("flow added", lambda s: _schemes(s)["oauth"]["flows"].__setitem__("authorizationCode", {
        "authorizationUrl": "https://auth.example.com/authorize", "tokenUrl": "https://auth.example.com/token",
        "scopes": {}}), "security-scheme-flow-added", False, None),
    ("scheme added", lambda s: _schemes(s).__setitem__("basic", {"type": "http", "scheme": "basic"}),
     "security-scheme-added", False, None),
]


@pytest.mark.parametrize(("what", "edit", "kind", "breaking", "operation"), CASES, ids=[c[0] for c in CASES])
def test_each_change_is_found_and_classified(tmp_path, what, edit, kind, breaking, operation):
    changes = _changes(tmp_path, edit)
    found = [change for change in changes if change.kind == kind]
    assert found, f"{what}: expected {kind}, got {[(c.kind, c.message) for c in changes]}"
    change = found[0]
    assert change.breaking is breaking and change.operation == operation
    assert change.line is not None and change.pointer.startswith("#/")


def test_a_flow_removed_breaks_and_points_into_the_old_spec(tmp_path):
    old = copy.deepcopy(BASE)
    _schemes(old)["oauth"]["flows"]["authorizationCode"] = {
        "authorizationUrl": "https://auth.example.com/authorize", "tokenUrl": "https://auth.example.com/token",
        "scopes": {}}
    (change,) = _changes(tmp_path, lambda s: _schemes(s)["oauth"]["flows"].pop("authorizationCode"), old)
    assert change.kind == "security-scheme-flow-removed" and change.breaking
    assert change.file.endswith("old.yaml") and change.pointer == "#/components/securitySchemes/oauth/flows/" \
                                                                  "authorizationCode"


def test_a_schema_shared_by_a_webhook_and_a_callback_is_reported_for_both(tmp_path):
    changes = _changes(tmp_path, lambda s: _order(s)["properties"].pop("note"))
    assert {(c.operation, c.kind) for c in changes} == {(WEBHOOK, "webhook-payload-property-removed"),
                                                        (SUBSCRIBE, "callback-payload-property-removed")}


def test_a_callback_change_names_its_callback_and_the_operation_declaring_it(tmp_path):
    changes = _changes(tmp_path, lambda s: _callback(s)["responses"].pop("200"))
    (change,) = changes
    assert change.kind == "callback-answer-status-removed" and change.operation == SUBSCRIBE
    assert "callback `orderPaid` POST `{$request.body#/url}`" in change.message


def test_swagger_2_security_definitions_compare_with_their_openapi_3_schemes(tmp_path):
    swagger = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "paths": {},
               "securityDefinitions": {
                   "oauth": {"type": "oauth2", "flow": "accessCode", "authorizationUrl": "https://a.example.com/auth",
                             "tokenUrl": "https://a.example.com/token", "scopes": {"read": "r"}},
                   "basic": {"type": "basic"}}}
    openapi = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {
        "securitySchemes": {
            "oauth": {"type": "oauth2", "flows": {"authorizationCode": {
                "authorizationUrl": "https://a.example.com/auth", "tokenUrl": "https://a.example.com/token",
                "scopes": {"read": "r"}}}},
            "basic": {"type": "http", "scheme": "basic"}}}}
    (tmp_path / "v2.yaml").write_text(yaml.safe_dump(swagger))
    (tmp_path / "v3.yaml").write_text(yaml.safe_dump(openapi))
    assert diff_specs(tmp_path / "v2.yaml", tmp_path / "v3.yaml").changes == []
    openapi["components"]["securitySchemes"]["oauth"]["flows"]["authorizationCode"]["scopes"] = {}
    (tmp_path / "v3.yaml").write_text(yaml.safe_dump(openapi))
    (change,) = diff_specs(tmp_path / "v2.yaml", tmp_path / "v3.yaml").changes
    assert change.kind == "security-scheme-scope-removed" and change.breaking
