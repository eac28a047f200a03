"""`devportal diff`: every kind of change between two specs, and whether it breaks existing clients."""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml

from generator.cli import main
from generator.positions import positions
from generator.validate.diff import RULES, SCHEMA_KINDS, diff_specs, shown
from tests.fetch_fixtures import OCTOKIT_RELEASES, octokit_openapi

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus" / "vipps"
VERSIONS = CORPUS / "_spec-versions"

BASE = {
    "openapi": "3.0.3",
    "info": {"title": "Orders", "version": "1"},
    "servers": [{"url": "https://api.example.com/v1"}],
    "security": [{"oauth": ["orders:read"]}],
    "paths": {
        "/orders": {
            "get": {
                "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}},
                               {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok",
                                      "headers": {"X-Rate-Limit": {"required": True, "schema": {"type": "integer"}}},
                                      "content": {"application/json": {"schema": {
                                          "type": "array", "items": {"$ref": "#/components/schemas/Order"}}}}},
                              "404": {"description": "none"}},
            },
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/NewOrder"}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Order"}}}}},
            },
        },
        "/orders/{orderId}": {
            "get": {
                "parameters": [{"name": "orderId", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/Order"}}}}},
            },
        },
    },
    "components": {
        "securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "https://example.com/token", "scopes": {"orders:read": "read", "orders:write": "w"}}}},
                            "key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
        "schemas": {
            "Order": {"type": "object", "required": ["id", "status"], "properties": {
                "id": {"type": "string", "readOnly": True},
                "status": {"type": "string", "enum": ["open", "paid"]},
                "note": {"type": "string", "maxLength": 200},
                "total": {"type": "integer", "minimum": 0},
                "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                "payment": {"oneOf": [{"$ref": "#/components/schemas/Card"}, {"$ref": "#/components/schemas/Invoice"}],
                            "discriminator": {"propertyName": "kind"}},
                "parent": {"$ref": "#/components/schemas/Order"},
            }},
            "NewOrder": {"type": "object", "required": ["customer"], "properties": {
                "customer": {"type": "string", "pattern": "^[a-z]+$"},
                "note": {"type": "string", "maxLength": 200},
                "priority": {"type": "string", "enum": ["low", "high"]},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/NewOrder"}},
            }},
            "Line": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}},
            "Card": {"type": "object", "properties": {"kind": {"type": "string"}, "last4": {"type": "string"}}},
            "Invoice": {"type": "object", "properties": {"kind": {"type": "string"}, "due": {"type": "string"}}},
        },
    },
}


def _diff(tmp_path: Path, change, old: dict | None = None):
    """The changes from BASE (or ``old``) to a copy of it edited by ``change``."""
    old = copy.deepcopy(old or BASE)
    new = copy.deepcopy(old)
    change(new)
    (tmp_path / "old.yaml").write_text(yaml.safe_dump(old, sort_keys=False))
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new, sort_keys=False))
    return diff_specs(tmp_path / "old.yaml", tmp_path / "new.yaml").changes


def _schemas(spec: dict) -> dict:
    return spec["components"]["schemas"]


def _get(spec: dict) -> dict:
    return spec["paths"]["/orders"]["get"]


# (what changed, the edit, expected kind, breaking?, operation)
CASES = [
    ("operation removed", lambda s: s["paths"]["/orders"].pop("post"), "operation-removed", True, "POST /orders"),
    ("operation added", lambda s: s["paths"]["/orders"].__setitem__(
        "delete", {"responses": {"204": {"description": "gone"}}}), "operation-added", False, "DELETE /orders"),
    ("operation deprecated", lambda s: _get(s).__setitem__("deprecated", True), "operation-deprecated", False,
     "GET /orders"),
    ("optional parameter added", lambda s: _get(s)["parameters"].append(
        {"name": "cursor", "in": "query", "schema": {"type": "string"}}), "parameter-added", False, "GET /orders"),
    ("required parameter added", lambda s: _get(s)["parameters"].append(
        {"name": "shop", "in": "query", "required": True, "schema": {"type": "string"}}), "required-parameter-added",
     True, "GET /orders"),
    ("parameter removed", lambda s: _get(s)["parameters"].pop(0), "parameter-removed", True, "GET /orders"),
    ("parameter made required", lambda s: _get(s)["parameters"][0].__setitem__("required", True),
     "parameter-became-required", True, "GET /orders"),
    ("parameter type changed", lambda s: _get(s)["parameters"][0]["schema"].__setitem__("type", "string"),
     "parameter-type-changed", True, "GET /orders"),
    ("parameter maximum lowered", lambda s: _get(s)["parameters"][0]["schema"].__setitem__("maximum", 50),
     "parameter-constraint-narrowed", True, "GET /orders"),
    ("parameter maximum raised", lambda s: _get(s)["parameters"][0]["schema"].__setitem__("maximum", 500),
     "parameter-constraint-widened", False, "GET /orders"),
    ("request body made optional", lambda s: s["paths"]["/orders"]["post"]["requestBody"].__setitem__(
        "required", False), "request-body-became-optional", False, "POST /orders"),
    ("request property added, optional", lambda s: _schemas(s)["NewOrder"]["properties"].__setitem__(
        "tag", {"type": "string"}), "request-property-added", False, "POST /orders"),
    ("request property added, required", lambda s: (_schemas(s)["NewOrder"]["properties"].__setitem__(
        "shop", {"type": "string"}), _schemas(s)["NewOrder"]["required"].append("shop")),
     "request-required-property-added", True, "POST /orders"),
    ("request property made required", lambda s: _schemas(s)["NewOrder"]["required"].append("note"),
     "request-property-became-required", True, "POST /orders"),
    ("request enum value removed", lambda s: _schemas(s)["NewOrder"]["properties"]["priority"]["enum"].remove(
        "high"), "request-enum-value-removed", True, "POST /orders"),
    ("request enum value added", lambda s: _schemas(s)["NewOrder"]["properties"]["priority"]["enum"].append(
        "urgent"), "request-enum-value-added", False, "POST /orders"),
    ("request maxLength lowered", lambda s: _schemas(s)["NewOrder"]["properties"]["note"].__setitem__(
        "maxLength", 20), "request-constraint-narrowed", True, "POST /orders"),
    ("request pattern changed", lambda s: _schemas(s)["NewOrder"]["properties"]["customer"].__setitem__(
        "pattern", "^[0-9]+$"), "request-constraint-changed", True, "POST /orders"),
    ("request pattern removed", lambda s: _schemas(s)["NewOrder"]["properties"]["customer"].pop("pattern"),
     "request-constraint-widened", False, "POST /orders"),
    ("request property became readOnly", lambda s: _schemas(s)["NewOrder"]["properties"]["note"].__setitem__(
        "readOnly", True), "request-read-only-added", True, "POST /orders"),
    ("request property nullable", lambda s: _schemas(s)["NewOrder"]["properties"]["note"].__setitem__(
        "nullable", True), "request-nullable-added", False, "POST /orders"),
    ("response property removed", lambda s: _schemas(s)["Order"]["properties"].pop("note"),
     "response-property-removed", True, "GET /orders"),
    ("response property added", lambda s: _schemas(s)["Order"]["properties"].__setitem__(
        "currency", {"type": "string"}), "response-property-added", False, "GET /orders"),
    ("response property made optional", lambda s: _schemas(s)["Order"]["required"].remove("status"),
     "response-property-became-optional", True, "GET /orders"),
    ("response enum value added", lambda s: _schemas(s)["Order"]["properties"]["status"]["enum"].append(
        "refunded"), "response-enum-value-added", True, "GET /orders"),
    ("response enum value removed", lambda s: _schemas(s)["Order"]["properties"]["status"]["enum"].remove("paid"),
     "response-enum-value-removed", False, "GET /orders"),
    ("response maxLength raised", lambda s: _schemas(s)["Order"]["properties"]["note"].__setitem__(
        "maxLength", 1000), "response-constraint-widened", True, "GET /orders"),
    ("response minimum raised", lambda s: _schemas(s)["Order"]["properties"]["total"].__setitem__("minimum", 1),
     "response-constraint-narrowed", False, "GET /orders"),
    ("response type widened", lambda s: _schemas(s)["Order"]["properties"]["total"].__setitem__("type", "number"),
     "response-type-widened", True, "GET /orders"),
    ("response property nullable", lambda s: _schemas(s)["Order"]["properties"]["note"].__setitem__(
        "nullable", True), "response-nullable-added", True, "GET /orders"),
    ("response property writeOnly", lambda s: _schemas(s)["Order"]["properties"]["note"].__setitem__(
        "writeOnly", True), "response-write-only-added", True, "GET /orders"),
    ("nested array item property removed", lambda s: _schemas(s)["Line"]["properties"].pop("qty"),
     "response-property-removed", True, "GET /orders"),
    ("oneOf member added in a response", lambda s: (_schemas(s).__setitem__(
        "Wallet", {"type": "object", "properties": {"kind": {"type": "string"}}}),
        _schemas(s)["Order"]["properties"]["payment"]["oneOf"].append({"$ref": "#/components/schemas/Wallet"})),
     "response-one-of-member-added", True, "GET /orders"),
    ("oneOf member removed in a response", lambda s: _schemas(s)["Order"]["properties"]["payment"]["oneOf"].pop(),
     "response-one-of-member-removed", False, "GET /orders"),
    ("allOf member added in a response", lambda s: _schemas(s)["Order"].__setitem__(
        "allOf", [{"$ref": "#/components/schemas/Line"}]), "response-all-of-member-added", False, "GET /orders"),
    ("discriminator changed", lambda s: _schemas(s)["Order"]["properties"]["payment"].__setitem__(
        "discriminator", {"propertyName": "type"}), "response-discriminator-changed", True, "GET /orders"),
    ("discriminator mapping added", lambda s: _schemas(s)["Order"]["properties"]["payment"]["discriminator"]
     .__setitem__("mapping", {"card": "#/components/schemas/Card"}), "response-discriminator-mapping-added", True,
     "GET /orders"),
    ("success response removed", lambda s: s["paths"]["/orders"]["post"]["responses"].__setitem__(
        "200", s["paths"]["/orders"]["post"]["responses"].pop("201")), "response-success-status-removed", True,
     "POST /orders"),
    ("error response removed", lambda s: _get(s)["responses"].pop("404"), "response-status-removed", False,
     "GET /orders"),
    ("error response added", lambda s: _get(s)["responses"].__setitem__("429", {"description": "slow down"}),
     "response-status-added", False, "GET /orders"),
    ("response header removed", lambda s: _get(s)["responses"]["200"].pop("headers"), "response-header-removed",
     True, "GET /orders"),
    ("response header made optional", lambda s: _get(s)["responses"]["200"]["headers"]["X-Rate-Limit"].pop(
        "required"), "response-header-became-optional", True, "GET /orders"),
    ("response media type added", lambda s: _get(s)["responses"]["200"]["content"].__setitem__(
        "text/csv", {"schema": {"type": "string"}}), "response-media-type-added", False, "GET /orders"),
    ("request media type removed", lambda s: s["paths"]["/orders"]["post"]["requestBody"]["content"].__setitem__(
        "application/xml", s["paths"]["/orders"]["post"]["requestBody"]["content"].pop("application/json")),
     "request-media-type-removed", True, "POST /orders"),
    ("security scope added", lambda s: s["security"][0]["oauth"].append("orders:write"), "security-scope-added",
     True, "GET /orders"),
    ("security alternative added", lambda s: s["security"].append({"key": []}), "security-alternative-added",
     False, "GET /orders"),
    ("security alternative removed", lambda s: s["security"].__setitem__(0, {"key": []}),
     "security-alternative-removed", True, "GET /orders"),
    ("response format changed", lambda s: _schemas(s)["Order"]["properties"]["total"].__setitem__(
        "format", "int64"), "response-constraint-narrowed", False, "GET /orders"),
    ("request format changed", lambda s: _schemas(s)["NewOrder"]["properties"]["note"].__setitem__(
        "format", "email"), "request-constraint-narrowed", True, "POST /orders"),
    ("parameter deprecated", lambda s: _get(s)["parameters"][0].__setitem__("deprecated", True),
     "parameter-deprecated", False, "GET /orders"),
    ("required request body added", lambda s: _get(s).__setitem__("requestBody", {"required": True, "content": {
        "application/json": {"schema": {"type": "object"}}}}), "request-required-body-added", True, "GET /orders"),
    ("response header added", lambda s: _get(s)["responses"]["200"]["headers"].__setitem__(
        "X-Next", {"schema": {"type": "string"}}), "response-header-added", False, "GET /orders"),
    ("request additional properties refused", lambda s: _schemas(s)["NewOrder"].__setitem__(
        "additionalProperties", False), "request-additional-properties-narrowed", True, "POST /orders"),
    ("response property became a oneOf", lambda s: _schemas(s)["Order"]["properties"].__setitem__(
        "lines", {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/Line"},
                                                       {"$ref": "#/components/schemas/Card"}]}}),
     "response-one-of-member-added", True, "GET /orders"),
    ("server removed", lambda s: s.__setitem__("servers", [{"url": "https://api.example.com/v2"}]),
     "server-removed", True, None),
    ("server added", lambda s: s["servers"].append({"url": "https://eu.example.com/v1"}), "server-added", False,
     None),
]


@pytest.mark.parametrize(("edit", "kind", "breaking", "operation"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_each_kind_of_change_is_found_and_classified(tmp_path, edit, kind, breaking, operation):
    changes = _diff(tmp_path, edit)
    found = [c for c in changes if c.kind == kind and c.operation == operation]
    assert found, f"no {kind} on {operation}; got {[(c.operation, c.kind) for c in changes]}"
    assert all(c.breaking is breaking for c in found)
    for change in found:  # the pointer is where the change is, in the new spec (the old one for a removal)
        spec = (tmp_path / ("old.yaml" if change.file.endswith("old.yaml") else "new.yaml")).read_text()
        assert change.line == positions(spec)[change.pointer.lstrip("#")][0]


def test_openapi_3_1_null_types_and_numeric_exclusive_bounds(tmp_path):
    spec = copy.deepcopy(BASE)
    spec["openapi"] = "3.1.0"
    _schemas(spec)["Order"]["properties"]["total"] = {"type": "integer", "exclusiveMaximum": 100}

    def edit(new):
        _schemas(new)["Order"]["properties"]["total"] = {"type": ["integer", "null"], "exclusiveMaximum": 1000}

    changes = {(c.kind, c.breaking) for c in _diff(tmp_path, edit, old=spec) if c.operation == "GET /orders"}
    assert changes == {("response-nullable-added", True), ("response-constraint-widened", True)}


def test_a_schema_split_into_all_of_members_is_no_change(tmp_path):
    def split(spec):
        order = _schemas(spec)["Order"]
        _schemas(spec)["Base"] = {"type": "object", "required": ["id"],
                                  "properties": {"id": order["properties"].pop("id")}}
        order["required"].remove("id")
        _schemas(spec)["Order"] = {"allOf": [{"$ref": "#/components/schemas/Base"}, order]}

    assert [(c.kind, c.message) for c in _diff(tmp_path, split) if not c.kind.endswith("all-of-member-added")] == []


def test_authentication_required_where_there_was_none_breaks(tmp_path):
    spec = copy.deepcopy(BASE)
    spec["security"] = [{}, {"oauth": []}]  # anonymous, or with a token

    changes = _diff(tmp_path, lambda s: s["paths"]["/orders"]["post"].__setitem__("security", [{"key": []}]),
                    old=spec)
    assert [(c.operation, c.kind, c.breaking) for c in changes] == [("POST /orders", "security-added", True)]


def test_no_change_no_output(tmp_path):
    assert _diff(tmp_path, lambda s: None) == []


def test_renamed_path_parameter_is_no_change_but_renamed_path_is_a_removal_and_an_addition(tmp_path):
    def rename_parameter(spec):
        item = spec["paths"].pop("/orders/{orderId}")
        item["get"]["parameters"][0]["name"] = "id"
        spec["paths"]["/orders/{id}"] = item

    assert _diff(tmp_path, rename_parameter) == []

    changes = _diff(tmp_path, lambda s: s["paths"].__setitem__("/purchases/{orderId}",
                                                               s["paths"].pop("/orders/{orderId}")))
    assert {(c.operation, c.kind, c.breaking) for c in changes} == {
        ("GET /orders/{orderId}", "operation-removed", True),
        ("GET /purchases/{orderId}", "operation-added", False)}


def test_recursive_schemas_are_compared_once(tmp_path):
    changes = _diff(tmp_path, lambda s: _schemas(s)["NewOrder"]["properties"].__setitem__(
        "tag", {"type": "string"}))
    assert [c.message for c in changes] == ["request body `tag`: property added"]


def test_a_required_read_only_property_added_does_not_break_requests(tmp_path):
    def add(spec):
        _schemas(spec)["NewOrder"]["properties"]["id"] = {"type": "string", "readOnly": True}
        _schemas(spec)["NewOrder"]["required"].append("id")

    assert [(c.kind, c.breaking) for c in _diff(tmp_path, add)] == [("request-property-added", False)]


def test_every_rule_has_a_reason():
    assert all(why for _, why in RULES.values())


def test_a_split_spec_in_json_and_yaml_is_compared_after_resolving_refs(tmp_path):
    for name, maximum in (("old", 10), ("new", 5)):
        folder = tmp_path / name
        (folder / "schemas").mkdir(parents=True)
        (folder / "schemas" / "page.json").write_text(json.dumps(
            {"Page": {"type": "integer", "maximum": maximum}}, indent=2))
        (folder / "api.yaml").write_text(yaml.safe_dump({
            "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
            "paths": {"/items": {"get": {"parameters": [{"name": "page", "in": "query", "schema": {
                "$ref": "schemas/page.json#/Page"}}], "responses": {"200": {"description": "ok"}}}}}}))
    changes = diff_specs(tmp_path / "old" / "api.yaml", tmp_path / "new" / "api.yaml").changes
    assert [(c.operation, c.kind, c.breaking, c.pointer, c.line, c.file) for c in changes] == [
        ("GET /items", "parameter-constraint-narrowed", True, "#/Page/maximum", 4,
         f"{tmp_path / 'new' / 'api.yaml'}".rsplit("/", 1)[0] + "/schemas/page.json")]


def test_swagger_2_body_and_form_parameters_compare_with_openapi_3_request_bodies(tmp_path):
    swagger = {"swagger": "2.0", "info": {"title": "t", "version": "1"}, "host": "api.example.com",
               "basePath": "/v1", "paths": {
                   "/pets": {"post": {"parameters": [{"name": "body", "in": "body", "required": True, "schema": {
                       "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}}],
                       "responses": {"200": {"description": "ok", "schema": {"type": "string"}}}}},
                   "/upload": {"post": {"consumes": ["multipart/form-data"], "parameters": [
                       {"name": "file", "in": "formData", "type": "file", "required": True},
                       {"name": "caption", "in": "formData", "type": "string"}],
                       "responses": {"204": {"description": "ok"}}}}}}
    openapi = {"openapi": "3.0.3", "info": {"title": "t", "version": "2"},
               "servers": [{"url": "https://api.example.com"}], "paths": {
                   "/v1/pets": {"post": {"requestBody": {"required": True, "content": {"application/json": {
                       "schema": {"type": "object", "required": ["name", "age"], "properties": {
                           "name": {"type": "string"}, "age": {"type": "integer"}}}}}},
                       "responses": {"200": {"description": "ok", "content": {"application/json": {
                           "schema": {"type": "string"}}}}}}},
                   "/v1/upload": {"post": {"requestBody": {"content": {"multipart/form-data": {"schema": {
                       "type": "object", "required": ["file"], "properties": {
                           "file": {"type": "string", "format": "binary"}}}}}},
                       "responses": {"204": {"description": "ok"}}}}}}
    (tmp_path / "old.json").write_text(json.dumps(swagger, indent=2))
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(openapi))
    changes = diff_specs(tmp_path / "old.json", tmp_path / "new.yaml").changes
    kinds = {(c.operation, c.kind, c.breaking) for c in changes}
    assert ("POST /v1/pets", "request-required-property-added", True) in kinds
    assert ("POST /v1/upload", "request-property-removed", False) in kinds
    assert not any(c.kind.startswith("operation-") for c in changes)  # matched across basePath and server


# -- the corpus: Swagger 2.0 releases against today's OpenAPI 3.0 specs of the same APIs

CORPUS_PAIRS = [
    ("vipps-ecom-api@ec4782e/docs/swagger.json", "vipps-ecom-api/docs/swagger.yaml"),
    ("vipps-login-api@62a7c65/docs/swagger.json", "vipps-login-api/docs/swagger.yaml"),
    ("vipps-recurring-api@7ffe012/docs/swagger.yaml", "vipps-recurring-api/docs/openapi.yaml"),
    ("vipps-psp-api@3d06695/docs/swagger.json", "vipps-psp-api/docs/swagger.yaml"),
    ("vipps-partner-api@6488e29/docs/swagger.yaml", "vipps-partner-api/docs/swagger.yaml"),
]


def _operations(document: dict, prefix: str = "", folder: Path | None = None) -> set[tuple[str, str]]:
    """(method, path template) of every operation, a path item given as `file#/pointer` read from its file."""
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    found = set()
    for path, item in document["paths"].items():
        if "$ref" in item:
            file, _, pointer = item["$ref"].partition("#")
            item = yaml.safe_load((folder / file).read_text())
            for part in pointer.strip("/").split("/"):
                item = item[part.replace("~1", "/").replace("~0", "~")]
        found |= {(method, re.sub(r"\{[^}]*\}", "{}", prefix + path)) for method in item if method in methods}
    return found


@pytest.mark.parametrize(("old", "new"), CORPUS_PAIRS, ids=[pair[1].split("/")[0] for pair in CORPUS_PAIRS])
def test_corpus_swagger_2_release_against_the_current_openapi_3_spec(old, new):
    old_path, new_path = VERSIONS / old, CORPUS / new
    changes = diff_specs(old_path, new_path).changes
    old_doc = yaml.safe_load(old_path.read_text())
    new_doc = yaml.safe_load(new_path.read_text())
    old_ops = _operations(old_doc, (old_doc.get("basePath") or "").rstrip("/"))
    new_ops = _operations(new_doc, folder=new_path.parent)
    removed = {c.operation for c in changes if c.kind == "operation-removed"}
    added = {c.operation for c in changes if c.kind == "operation-added"}
    assert len(removed) == len(old_ops - new_ops)
    assert len(added) == len(new_ops - old_ops)
    assert all(c.breaking for c in changes if c.kind == "operation-removed")
    assert not any(c.breaking for c in changes if c.kind == "operation-added")
    for change in changes:
        assert change.line is not None and change.line >= 1
        assert change.pointer.startswith("#/")


def test_corpus_ecom_operations_are_matched_across_swagger_2_and_openapi_3():
    changes = diff_specs(VERSIONS / CORPUS_PAIRS[0][0], CORPUS / CORPUS_PAIRS[0][1]).changes
    matched = {c.operation for c in changes if not c.kind.startswith("operation-") and c.operation}
    assert "POST /ecomm/v2/payments" in matched
    assert len(matched) >= 5


# -- the command

def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _write_pair(tmp_path: Path, edit) -> tuple[str, str]:
    _diff(tmp_path, edit)
    return str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")


def test_cli_json_output_and_fail_on_breaking(tmp_path):
    old, new = _write_pair(tmp_path, lambda s: s["paths"]["/orders"].pop("post"))
    code, out, _ = _run("diff", old, new, "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert list(data) == ["changes"]
    change = data["changes"][0]
    assert {k: change[k] for k in ("operation", "breaking", "kind", "pointer")} == {
        "operation": "POST /orders", "breaking": True, "kind": "operation-removed",
        "pointer": "#/paths/~1orders/post"}
    assert change["line"] == positions(Path(old).read_text())["/paths/~1orders/post"][0]
    assert change["message"]
    assert _run("diff", old, new, "--fail-on", "breaking")[0] == 1


def test_cli_exit_0_with_fail_on_when_nothing_breaks(tmp_path):
    old, new = _write_pair(tmp_path, lambda s: _schemas(s)["Order"]["properties"].__setitem__(
        "currency", {"type": "string"}))
    code, out, _ = _run("diff", old, new, "--fail-on", "breaking")
    assert code == 0
    assert "response 200 `[].currency`: property added" in out
    assert "0 breaking" in out


def test_cli_text_and_markdown(tmp_path):
    old, new = _write_pair(tmp_path, lambda s: (s["paths"]["/orders"].pop("post"),
                                                _get(s)["parameters"].append({"name": "cursor", "in": "query"})))
    code, text, _ = _run("diff", old, new)
    assert code == 0
    assert re.search(r"^BREAKING\s+POST /orders: operation removed\s+\[operation-removed\] "
                     r".*old\.yaml:\d+$", text, re.MULTILINE)
    assert "2 change(s), 1 breaking" in text
    code, markdown, _ = _run("diff", old, new, "--format", "markdown")
    assert code == 0
    breaking, other = markdown.split("## Breaking changes")[1].split("## Other changes")
    assert "**POST /orders**: operation removed (`operation-removed`" in breaking
    assert "**GET /orders**: optional query parameter `cursor` added" in other


def test_cli_exit_2_with_a_diagnostic_when_a_spec_cannot_be_read(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump(BASE))
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.0.3\ninfo: {title: t\npaths: {}\n")
    code, out, err = _run("diff", str(good), str(bad), "--fail-on", "breaking")
    assert code == 2 and out == ""
    assert f"{bad}" in err and "not valid YAML" in err and re.search(r"^\s+\d+:\d+\s+error", err, re.MULTILINE)

    code, _, err = _run("diff", str(tmp_path / "missing.yaml"), str(good))
    assert code == 2 and "cannot read the spec" in err

    dangling = copy.deepcopy(BASE)
    dangling["paths"]["/orders"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Nope"}
    bad.write_text(yaml.safe_dump(dangling, sort_keys=False))
    code, _, err = _run("diff", str(good), str(bad))
    assert code == 2 and "$ref cannot be followed" in err and "spec-ref" in err
    line = positions(bad.read_text())["/paths/~1orders/post/requestBody/content/application~1json/schema/$ref"][0]
    assert re.search(rf"^\s+{line}:\d+ ", err, re.MULTILINE)


def test_json_line_mapping_agrees_with_the_parsed_document():
    """The JSON scanner of positions() finds every node json.loads finds, at its key or first character."""
    text = (VERSIONS / CORPUS_PAIRS[0][0]).read_text()
    found = positions(text)
    lines = text.splitlines()

    def walk(node, pointer=""):
        yield pointer, node
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield from walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")

    nodes = dict(walk(json.loads(text)))
    assert set(found) == set(nodes)
    for pointer, (line, column) in found.items():
        at = lines[line - 1][column - 1:]
        if pointer and not pointer.rsplit("/", 1)[1].isdigit():
            assert at.startswith(json.dumps(pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~"))[:-1])


# -- two real releases of a big public spec

@pytest.fixture(scope="module")
def octokit() -> tuple[Path, Path]:
    return tuple(octokit_openapi(version) for version in OCTOKIT_RELEASES)


@pytest.mark.slow
def test_github_rest_api_releases_every_removed_operation_breaks_every_added_one_does_not(octokit):
    old, new = octokit
    old_ops, new_ops = (_operations(json.loads(path.read_text())) for path in (old, new))
    changes = diff_specs(old, new).changes
    removed = {c.operation for c in changes if c.kind == "operation-removed" and c.breaking}
    added = {c.operation for c in changes if c.kind == "operation-added" and not c.breaking}
    normal = {(m.upper(), re.sub(r"\{[^}]*\}", "{}", op.split(" ", 1)[1])) for m, op in
              ((o.split(" ", 1)[0].lower(), o) for o in removed)}
    assert {(m.upper(), p) for m, p in old_ops - new_ops} == normal
    assert len(added) == len(new_ops - old_ops) and len(removed) == len(old_ops - new_ops)
    assert len(removed) > 10 and len(added) > 100
    assert not any(c.breaking for c in changes if c.kind == "operation-added")


@pytest.mark.bench
def test_diff_benchmark_runs_and_prints_figures():
    old, new = (VERSIONS / CORPUS_PAIRS[0][0], CORPUS / CORPUS_PAIRS[0][1])
    result = subprocess.run([sys.executable, "bench/diff.py", str(old), str(new)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    row = next(line for line in result.stdout.splitlines() if line.startswith("diff "))
    wall, cpu, peak = map(float, row.split()[1:4])
    assert wall > 0 and cpu > 0 and peak > 0
    assert re.search(r"changes \d+  breaking \d+", result.stdout)


def test_the_readme_rule_table_is_the_rule_table_the_command_applies():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## devportal diff\n")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")] if line.startswith("| `") else []
        if cells:
            rows[cells[0].strip("`").removeprefix("…-")] = [cell == "**yes**" for cell in cells[1:-1]]
    expected = {}
    for (direction, kind), (breaking, _) in RULES.items():
        if kind in SCHEMA_KINDS:
            expected[kind] = [RULES[("request", kind)][0], RULES[("response", kind)][0]]
        elif direction == "event":  # shown with webhook- or callback- in front
            expected[kind] = [breaking]
        else:
            expected[shown(direction, kind)] = [breaking]
    assert rows == expected


def _spec_with_body(schema_yaml: str, extra: str = "") -> str:
    return ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n"
            "      requestBody:\n        content:\n          application/json:\n            schema:\n"
            "              $ref: '#/components/schemas/Top'\n      responses:\n        '200': {description: ok}\n"
            f"components:\n  schemas:\n{schema_yaml}{extra}")


def test_hostile_specs_end_quickly(tmp_path):
    """$ref bombs (9^8 paths through properties or allOf members) are compared once per schema; deep
    nesting is a clear error."""
    def level(n: int) -> str:
        properties = ", ".join(f"p{i}: {{$ref: '#/components/schemas/L{n - 1}'}}" for i in range(9))
        return f"    L{n}: {{type: object, properties: {{{properties}}}}}\n"

    bomb = "    Top: {$ref: '#/components/schemas/L8'}\n    L0: {type: object, properties: {v: {type: string}}}\n" + \
        "".join(level(n) for n in range(1, 9))
    member = "{$ref: '#/components/schemas/A%d'}"
    all_of = "    Top: {$ref: '#/components/schemas/A8'}\n    A0: {type: object, properties: {v: {type: string}}}\n" + \
        "".join(f"    A{level}: {{allOf: [{', '.join([member % (level - 1)] * 9)}]}}\n" for level in range(1, 9))
    for name, schemas in (("properties", bomb), ("allof", all_of)):
        old, new = tmp_path / f"{name}-old.yaml", tmp_path / f"{name}-new.yaml"
        old.write_text(_spec_with_body(schemas))
        new.write_text(_spec_with_body(schemas.replace("v: {type: string}", "v: {type: integer}")))
        yaml.safe_load(new.read_text())  # the test's own input is valid YAML
        started = time.process_time()  # CPU, not wall: a loaded CI machine must not fail a linear diff
        changes = diff_specs(old, new).changes
        assert time.process_time() - started < 5, name
        assert changes and {c.kind for c in changes} == {"request-type-changed"}, name

    deep = tmp_path / "deep.json"
    schema: dict = {"type": "string"}
    for _ in range(400):
        schema = {"type": "object", "properties": {"a": schema}}
    document = yaml.safe_load(_spec_with_body("    Top: {type: object}\n"))
    document["components"]["schemas"]["Top"] = schema
    deep.write_text(json.dumps(document))
    code, out, err = _run("diff", str(deep), str(deep))
    # the one YAML/JSON loader refuses documents nested over its limit (generator/yaml12.py), at the line
    assert code == 2 and "nested more than 100 levels deep" in err and "deep.json" in err, (code, out, err)


def test_refs_reach_the_specs_git_work_tree_and_nothing_outside_it(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "shared").mkdir()
    (repo / "shared" / "top.yaml").write_text("type: object\nproperties: {v: {type: string}}\n")
    (repo / "api").mkdir()
    spec = _spec_with_body("    Top: {$ref: '../shared/top.yaml'}\n")
    (repo / "api" / "old.yaml").write_text(spec)
    (repo / "api" / "new.yaml").write_text(spec.replace("'../shared/top.yaml'", "'../shared/top2.yaml'"))
    (repo / "shared" / "top2.yaml").write_text("type: object\nproperties: {v: {type: integer}}\n")
    changes = diff_specs(repo / "api" / "old.yaml", repo / "api" / "new.yaml", new_display="api/new.yaml").changes
    assert [(c.kind, c.file, c.line) for c in changes] == [("request-type-changed", "shared/top2.yaml", 2)]

    (tmp_path / "secret.yaml").write_text("type: object\n")
    (repo / "api" / "new.yaml").write_text(spec.replace("'../shared/top.yaml'", "'../../secret.yaml'"))
    code, _, err = _run("diff", str(repo / "api" / "old.yaml"), str(repo / "api" / "new.yaml"))
    assert code == 2 and "outside the source repo" in err and "spec-ref" in err


def test_malformed_specs_never_crash_the_diff(tmp_path):
    """Any node of a spec replaced by a value of the wrong type: a list of changes or a Diagnostic, no crash."""
    import random

    from generator.diagnostics import DiagnosticError

    def nodes(node, path=()):
        yield path
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield from nodes(value, (*path, key))

    paths = list(nodes(BASE))[1:]
    rng = random.Random(13)
    weird = [None, 7, "x", [], {}, [1, {"a": None}], {"$ref": 5}, {"type": ["x", {}]}, True, "2026-01-01"]
    for _ in range(120):
        spec = copy.deepcopy(BASE)
        target = rng.choice(paths)
        holder = spec
        for key in target[:-1]:
            holder = holder[key]
        holder[target[-1]] = rng.choice(weird)
        old, new = (spec, BASE) if rng.random() < 0.5 else (BASE, spec)
        (tmp_path / "old.yaml").write_text(yaml.safe_dump(old))
        (tmp_path / "new.yaml").write_text(yaml.safe_dump(new))
        try:
            diff_specs(tmp_path / "old.yaml", tmp_path / "new.yaml")
        except DiagnosticError:
            pass
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{'/'.join(map(str, target))} = {holder[target[-1]]!r}: {type(exc).__name__}: {exc}")
