"""A realistic, deterministic OpenAPI 3.0 spec of any size, for benchmarks and the big-spec browser test.

Operations spread over tags like a large public API (CRUD per resource, nested resources, filters),
with shared component schemas (nested objects, arrays, enums, oneOf with a discriminator, allOf), path
and query parameters, request bodies, several responses and examples.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

RESOURCES = ["account", "payment", "refund", "customer", "invoice", "subscription", "plan", "product", "price",
             "order", "shipment", "webhook", "event", "dispute", "payout", "transfer", "balance", "coupon",
             "discount", "tax-rate", "report", "file", "mandate", "terminal", "location"]


def _schemas(rng: random.Random) -> dict:
    schemas = {
        "Money": {"type": "object", "required": ["currency", "value"], "properties": {
            "currency": {"type": "string", "enum": ["NOK", "DKK", "EUR", "SEK", "USD"]},
            "value": {"type": "integer", "format": "int64", "minimum": 0, "example": 49900}}},
        "Address": {"type": "object", "properties": {
            "line1": {"type": "string", "maxLength": 100}, "line2": {"type": "string", "nullable": True},
            "postalCode": {"type": "string", "pattern": "^[0-9]{4,5}$"}, "city": {"type": "string"},
            "country": {"type": "string", "minLength": 2, "maxLength": 2, "example": "NO"}}},
        "Error": {"type": "object", "required": ["type", "title"], "properties": {
            "type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
            "status": {"type": "integer"}, "detail": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "field": {"type": "string"}, "message": {"type": "string"}}}}}},
        "CardSource": {"type": "object", "required": ["kind", "last4"], "properties": {
            "kind": {"type": "string", "enum": ["card"]}, "last4": {"type": "string"},
            "brand": {"type": "string", "enum": ["visa", "mastercard", "amex"]}}},
        "WalletSource": {"type": "object", "required": ["kind", "phone"], "properties": {
            "kind": {"type": "string", "enum": ["wallet"]}, "phone": {"type": "string"}}},
        "Source": {"oneOf": [{"$ref": "#/components/schemas/CardSource"},
                             {"$ref": "#/components/schemas/WalletSource"}],
                   "discriminator": {"propertyName": "kind", "mapping": {
                       "card": "#/components/schemas/CardSource", "wallet": "#/components/schemas/WalletSource"}}},
        "Metadata": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 500}},
        "Page": {"type": "object", "properties": {"hasMore": {"type": "boolean"}, "nextCursor": {"type": "string"}}},
    }
    for resource in RESOURCES:
        name = "".join(part.capitalize() for part in resource.split("-"))
        properties = {
            "id": {"type": "string", "readOnly": True, "example": f"{resource[:3]}_1234"},
            "created": {"type": "string", "format": "date-time", "readOnly": True},
            "status": {"type": "string", "enum": ["pending", "active", "closed", "failed"]},
            "amount": {"$ref": "#/components/schemas/Money"},
            "metadata": {"$ref": "#/components/schemas/Metadata"},
            "description": {"type": "string", "maxLength": 1000},
        }
        for index in range(rng.randint(3, 10)):
            kind = rng.choice(["string", "integer", "boolean", "address", "source", "list"])
            key = f"{resource.replace('-', '')}Field{index}"
            properties[key] = {
                "string": {"type": "string", "description": f"The {key} of the {resource}."},
                "integer": {"type": "integer", "minimum": 0, "maximum": 10000},
                "boolean": {"type": "boolean", "default": False},
                "address": {"$ref": "#/components/schemas/Address"},
                "source": {"$ref": "#/components/schemas/Source"},
                "list": {"type": "array", "items": {"$ref": "#/components/schemas/Money"}, "maxItems": 20},
            }[kind]
        schemas[name] = {"type": "object", "required": ["id", "status"], "properties": properties,
                         "description": f"A {resource} object."}
        schemas[f"{name}Create"] = {"allOf": [{"$ref": f"#/components/schemas/{name}"},
                                              {"type": "object", "required": ["amount"]}]}
        schemas[f"{name}List"] = {"allOf": [{"$ref": "#/components/schemas/Page"}, {"type": "object", "properties": {
            "data": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}}}]}
    return schemas


def generate_spec(operations: int = 1000, seed: int = 7) -> dict:
    """An OpenAPI 3.0.3 document with about ``operations`` operations."""
    rng = random.Random(seed)
    paths: dict = {}
    error = {"description": "Problem", "content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    count = 0
    round_ = 0
    while count < operations:
        for resource in RESOURCES:
            if count >= operations:
                break
            name = "".join(part.capitalize() for part in resource.split("-"))
            base = f"/v{round_ + 1}/{resource}s"
            tag = resource.replace("-", " ").title() + (f" v{round_ + 1}" if round_ else "")
            suffix = f"V{round_ + 1}" if round_ else ""
            item_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"},
                          "description": f"ID of the {resource}."}
            ops = {
                (base, "get"): {"operationId": f"list{name}s{suffix}", "summary": f"List {resource}s", "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                                                "default": 10}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                    {"name": "status", "in": "query", "schema": {"type": "string",
                                                                 "enum": ["pending", "active", "closed"]}}],
                    "responses": {"200": {"description": "A page", "content": {"application/json": {
                        "schema": {"$ref": f"#/components/schemas/{name}List"}}}}, "400": error}},
                (base, "post"): {"operationId": f"create{name}{suffix}", "summary": f"Create a {resource}",
                                 "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                                 "schema": {"type": "string", "format": "uuid"}}],
                                 "requestBody": {"required": True, "content": {"application/json": {
                                     "schema": {"$ref": f"#/components/schemas/{name}Create"}}}},
                                 "responses": {"201": {"description": "Created", "content": {"application/json": {
                                     "schema": {"$ref": f"#/components/schemas/{name}"}}}}, "400": error,
                                     "409": error}},
                (base + "/{id}", "get"): {"operationId": f"get{name}{suffix}", "summary": f"Get a {resource}",
                                          "parameters": [item_param], "responses": {"200": {
                                              "description": "The object", "content": {"application/json": {
                                                  "schema": {"$ref": f"#/components/schemas/{name}"}}}},
                                              "404": error}},
                (base + "/{id}", "patch"): {"operationId": f"update{name}{suffix}", "summary": f"Update a {resource}",
                                            "parameters": [item_param], "requestBody": {"content": {
                                                "application/json": {"schema": {
                                                    "$ref": f"#/components/schemas/{name}"}}}},
                                            "responses": {"200": {"description": "Updated", "content": {
                                                "application/json": {"schema": {
                                                    "$ref": f"#/components/schemas/{name}"}}}}, "404": error}},
                (base + "/{id}", "delete"): {"operationId": f"delete{name}{suffix}",
                                             "summary": f"Delete a {resource}", "parameters": [item_param],
                                             "deprecated": rng.random() < 0.1,
                                             "responses": {"204": {"description": "Deleted"}, "404": error}},
                (base + "/{id}/events", "get"): {"operationId": f"list{name}Events{suffix}",
                                                 "summary": f"Events of a {resource}", "parameters": [item_param],
                                                 "responses": {"200": {"description": "Events", "content": {
                                                     "application/json": {"schema": {"type": "array", "items": {
                                                         "$ref": "#/components/schemas/Event"}}}}}}},
            }
            for (path, method), op in ops.items():
                if count >= operations:
                    break
                op["tags"] = [tag]
                op["description"] = f"{op['summary']}. Requires the `{resource}:write` scope for changes."
                paths.setdefault(path, {})[method] = op
                count += 1
        round_ += 1
    return {"openapi": "3.0.3", "info": {"title": "Generated API", "version": "1.0.0",
                                         "description": f"A generated API with {count} operations."},
            "servers": [{"url": "https://api.example.com"}],
            "security": [{"bearer": []}],
            "paths": paths,
            "components": {"schemas": _schemas(rng),
                           "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}}}


def write_spec(path: Path, operations: int = 1000) -> Path:
    path.write_text(json.dumps(generate_spec(operations), indent=1), encoding="utf-8")
    return path


if __name__ == "__main__":
    target = write_spec(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    print(target)
