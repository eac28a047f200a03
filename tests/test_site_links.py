"""What a reader clicks lands, what a reader downloads works: every link and anchor of the example portal,
every schema link of an API reference, every downloadable spec (of the example and of the real corpus)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from generator.cli import main
from generator.render.reference import render_api_reference
from generator.render.reference.render import write_downloads
from generator.validate.spec_files import parse_text
from tests.helpers import CORPUS, REPO_ROOT, copy_example, write_portal
from tests.oracles import (
    SITE_INTEGRITY,
    site_integrity,
    site_problems_beyond_the_portal_header,
    spec_errors,
    standalone_spec_errors,
)


@pytest.fixture(scope="module")
def example_site(tmp_path_factory) -> Path:
    config = copy_example(tmp_path_factory.mktemp("example"))
    assert main(["build", "-f", str(config), "--strict"]) == 0
    return config.parent / "site"


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if isinstance(node.get("$ref"), str) else []) + [r for v in node.values()
                                                                                 for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_every_link_of_the_example_portal_reaches_a_page_and_an_anchor_on_it(example_site: Path):
    code, output = site_integrity(example_site)
    summary = output.strip().splitlines()[-1]
    print(("shared crawler: " if SITE_INTEGRITY.is_file() else "fallback crawler: ") + summary)
    assert code == 0, output[-3000:]
    assert re.search(r"broken_links=0 broken_anchors=0", summary), output[-3000:]
    assert int(re.search(r"links=(\d+)", summary).group(1)) > 2000  # the crawl saw the whole site


def test_the_payments_models_page_lists_the_schemas_kept_in_a_second_file(example_site: Path):
    models = (example_site / "payments/api/payments/models/index.html").read_text()
    listed = re.findall(r'<section class="dp-model" id="schema-([^"]+)"', models)
    source = parse_text((REPO_ROOT / "content/sources/payments/openapi/schemas.yaml").read_text(), "schemas.yaml")
    assert "This API defines no component schemas" not in models
    assert {"Amount", "PaymentState", "Payment", "CreatePaymentRequest", "PaymentMethod", "WalletMethod"} <= set(listed)
    assert sorted(listed) == sorted(source)
    tag_page = (example_site / "payments/api/payments/payments/index.html").read_text()
    linked = set(re.findall(r'href="\.\./models/#schema-([^"]+)"', tag_page))
    assert {"Amount", "PaymentState", "CreatePaymentRequest"} <= linked <= set(listed)


def test_every_download_of_the_example_is_one_valid_file_the_same_in_yaml_and_json(example_site: Path, tmp_path):
    downloads = sorted(p for p in example_site.glob("*/api/**/*.json")
                       if p.with_suffix(".yaml").is_file())
    assert {p.name for p in downloads} == {"payments.json", "swagger.json", "events.json"}
    for download in downloads:
        document = json.loads(download.read_text())
        assert parse_text(download.with_suffix(".yaml").read_text(), "spec.yaml") == document, download
        assert all(ref.startswith("#/") for ref in _refs(document)), download
        assert standalone_spec_errors(download, tmp_path / download.stem) == [], download
    payments = json.loads((example_site / "payments/api/payments/payments.json").read_text())
    assert "#/components/schemas/Amount" in _refs(payments)
    assert payments["components"]["schemas"]["PaymentMethod"]["discriminator"]["mapping"] == {
        "WALLET": "#/components/schemas/WalletMethod", "CARD": "#/components/schemas/CardMethod"}


def test_code_blocks_of_a_reference_page_have_ids_of_their_own_and_operations_keep_their_anchors(example_site):
    page = (example_site / "payments/api/payments/payments/index.html").read_text()
    ids = re.findall(r"<pre[^>]*\bid=\"([^\"]+)\"", page)
    assert len(ids) == page.count("<pre") and len(ids) >= 9  # three samples and examples per operation
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", i) for i in ids), ids  # a CSS selector as it is
    assert 'id="operation/createPayment"' in page


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def test_schemas_of_other_files_get_names_no_other_schema_has_in_the_models_and_the_download(tmp_path: Path):
    repo = tmp_path / "repo"
    _write(repo, {
        "api.yaml": """
            openapi: 3.0.3
            info: {title: Orders, version: "1"}
            paths:
              /orders:
                post:
                  operationId: createOrder
                  parameters: [{$ref: "common/parameters.yaml#/Page"}]
                  requestBody:
                    content:
                      application/json: {schema: {$ref: "orders.yaml#/Order"}}
                  responses:
                    "200": {$ref: "common/responses.yaml#/Ok"}
                    "400":
                      description: Wrong
                      content:
                        application/json: {schema: {$ref: "#/components/schemas/Amount"}}
              /tree:
                $ref: "paths/tree.yaml"
            components:
              schemas:
                Amount: {type: integer}
            """,
        "orders.yaml": """
            Order:
              type: object
              properties:
                total: {$ref: "#/Amount"}
                refund: {$ref: "common/money.yaml#/Amount"}
                lines: {type: array, items: {$ref: "#/Order"}}
                own: {$ref: "api.yaml#/components/schemas/Amount"}
              example: {total: {$ref: "not a reference"}}
            Amount: {type: number}
            """,
        "common/money.yaml": "Amount: {type: string, pattern: '^[0-9]+$'}\n",
        "common/parameters.yaml": "Page: {name: page, in: query, schema: {$ref: 'money.yaml#/Amount'}}\n",
        "common/responses.yaml": """
            Ok:
              description: Fine
              content:
                application/json: {schema: {$ref: "../node.yaml"}}
            """,
        "node.yaml": "type: object\nproperties:\n  child: {$ref: '#'}\n",
        "paths/tree.yaml": """
            get:
              responses:
                "200":
                  description: A tree
                  content:
                    application/json: {schema: {$ref: "../node.yaml"}}
            """,
    })
    docs = tmp_path / "docs"
    reference = render_api_reference(repo / "api.yaml", source_root=repo, docs_dir=docs, url_prefix="orders")
    assert not [d for d in reference.diagnostics if d.severity.name == "ERROR"], reference.diagnostics
    models = (docs / "orders/models.md").read_text()
    assert re.findall(r'id="schema-([^"]+)"', models) == ["Amount", "Amount-2", "Order", "Amount-3", "node"]
    bundled = json.loads((docs / "orders/orders.json").read_text())
    schemas = bundled["components"]["schemas"]
    assert list(schemas) == ["Amount", "Amount-2", "Order", "Amount-3", "node"]
    assert schemas["Order"]["properties"] == {
        "total": {"$ref": "#/components/schemas/Amount-3"}, "refund": {"$ref": "#/components/schemas/Amount-2"},
        "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Order"}},
        "own": {"$ref": "#/components/schemas/Amount"}}
    assert schemas["Order"]["example"] == {"total": {"$ref": "not a reference"}}  # data, not a reference
    assert schemas["node"]["properties"]["child"] == {"$ref": "#/components/schemas/node"}
    operation = bundled["paths"]["/orders"]["post"]
    assert operation["parameters"][0]["schema"] == {"$ref": "#/components/schemas/Amount-2"}  # inlined parameter
    assert bundled["paths"]["/tree"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/node"}
    assert spec_errors(bundled, "file:///nowhere/orders.json", tmp_path / "empty") == []
    assert parse_text((docs / "orders/orders.yaml").read_text(), "orders.yaml") == bundled
    # the operation's schema links go to those models
    tag = next(p.read_text() for p in (docs / "orders").glob("*.md") if p.stem not in ("index", "models", "all"))
    assert 'href="../models/#schema-Order"' in tag and 'href="../models/#schema-node"' in tag


def test_a_swagger_2_spec_bundles_other_files_into_definitions(tmp_path: Path):
    repo = tmp_path / "repo"
    _write(repo, {
        "swagger.yaml": """
            swagger: "2.0"
            info: {title: Pets, version: "1"}
            paths:
              /pets:
                get:
                  responses:
                    "200": {description: Pets, schema: {type: array, items: {$ref: "defs.yaml#/Pet"}}}
            definitions:
              Error: {type: object}
            """,
        "defs.yaml": "Pet: {type: object, properties: {error: {$ref: 'swagger.yaml#/definitions/Error'}}}\n",
    })
    target = tmp_path / "out" / "pets"
    write_downloads(repo / "swagger.yaml", target, source_root=repo)
    bundled = json.loads(target.with_suffix(".json").read_text())
    assert bundled["definitions"] == {"Error": {"type": "object"}, "Pet": {
        "type": "object", "properties": {"error": {"$ref": "#/definitions/Error"}}}}
    assert bundled["paths"]["/pets"]["get"]["responses"]["200"]["schema"]["items"] == {"$ref": "#/definitions/Pet"}
    assert spec_errors(bundled, "file:///nowhere/pets.json", tmp_path / "empty") == []


def _corpus_specs() -> list[Path]:
    return sorted(p for folder in CORPUS.glob("vipps-*") for p in folder.glob("docs/**/*.y*ml")) \
        if CORPUS.is_dir() else []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the repo")
@pytest.mark.parametrize("spec", _corpus_specs(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_every_corpus_download_is_one_file_as_valid_as_its_source(spec: Path, tmp_path: Path):
    """A bundle is complete and changes nothing: a valid source gives a valid standalone download; an invalid
    one (a pattern openapi-spec-validator's regex engine rejects, a path without '/', a remote $ref the source
    may not fetch) gives the same kinds of complaints, and no new one."""
    repo = CORPUS / spec.relative_to(CORPUS).parts[0]
    target = tmp_path / "download" / "spec"
    write_downloads(spec, target, source_root=repo)
    download = target.with_suffix(".json")
    document = json.loads(download.read_text())
    assert parse_text(target.with_suffix(".yaml").read_text(), "spec.yaml") == document
    source = parse_text(spec.read_text(encoding="utf-8"), spec.name)
    remote = {ref for ref in _refs(source) if ref.startswith(("http://", "https://"))}
    assert all(ref.startswith("#/") or ref in remote for ref in _refs(document)), \
        [ref for ref in _refs(document) if not ref.startswith("#/")]
    before = spec_errors(source, spec.resolve().as_uri(), repo)
    after = standalone_spec_errors(download, tmp_path)
    kinds = {message.split(":")[0] for message in before}
    assert {message.split(":")[0] for message in after} == kinds, (before[:3], after[:3])
    if not before:
        assert after == []


def test_guide_links_to_a_tag_and_to_a_schema_of_the_api_reference_land_on_their_pages(tmp_path: Path):
    """Written for the published Redoc site and for Redocusaurus: ``…/api/shop#tag/Orders`` and
    ``<ApiSchema pointer="#/components/schemas/Order" />`` go to the tag's page and the models page."""
    repo = tmp_path / "shop"
    _write(repo, {
        "README.md": """
            # Shop API

            See [the orders](https://docs.example.com/api/shop#tag/Orders) and
            [creating one](https://docs.example.com/api/shop#tag/Orders/operation/createOrder).

            <ApiSchema id="shop" pointer="#/components/schemas/Order" />
            """,
        "openapi.yaml": """
            openapi: 3.0.3
            info: {title: Shop API, version: "1"}
            paths:
              /orders:
                post:
                  operationId: createOrder
                  tags: [Orders]
                  responses:
                    "201":
                      description: Created
                      content: {application/json: {schema: {$ref: "schemas.yaml#/Order"}}}
            """,
        "schemas.yaml": "Order: {type: object, properties: {id: {type: string}}}\n",
    })
    config = write_portal(tmp_path, [{"name": "shop", "repo": str(repo), "pages": ["README.md"],
                                      "specs": ["openapi.yaml"],
                                      "published_urls": ["https://docs.example.com/shop/",
                                                         "https://docs.example.com/api/shop"]}])
    assert main(["build", "-f", str(config), "--strict"]) == 0
    site = tmp_path / "site"
    guide = (site / "shop" / "index.html").read_text()
    assert 'href="api/openapi/orders/">the orders' in guide
    assert 'href="api/openapi/orders/#operation/createOrder">creating one' in guide
    assert 'href="api/openapi/models/#schema-Order"' in guide
    assert 'id="schema-Order"' in (site / "shop/api/openapi/models/index.html").read_text()
    assert 'id="operation/createOrder"' in (site / "shop/api/openapi/orders/index.html").read_text()


def test_guide_links_to_operations_of_a_split_tag_land_on_their_part_and_the_crawler_finds_no_broken_link(
        tmp_path: Path):
    """A tag of 60 operations is split into two parts: a guide's Redoc-style link to an operation goes
    straight to the part that holds it, its link to the tag to the tag's page, and the built portal crawls
    clean."""
    repo = tmp_path / "shop"
    paths = {f"/orders/{i}": {"get": {"operationId": f"getOrder{i}", "tags": ["Orders"],
                                      "responses": {"200": {"description": "OK"}}}} for i in range(60)}
    _write(repo, {
        "README.md": """
            # Shop API

            See [the orders](https://docs.example.com/api/shop#tag/Orders),
            [the first](https://docs.example.com/api/shop#tag/Orders/operation/getOrder0) and
            [the last](https://docs.example.com/api/shop#tag/Orders/operation/getOrder59).
            """,
        "openapi.json": json.dumps({"openapi": "3.0.3", "info": {"title": "Shop API", "version": "1"},
                                    "paths": paths}),
    })
    config = write_portal(tmp_path, [{"name": "shop", "repo": str(repo), "pages": ["README.md"],
                                      "specs": ["openapi.json"],
                                      "published_urls": ["https://docs.example.com/shop/",
                                                         "https://docs.example.com/api/shop"]}])
    assert main(["build", "-f", str(config), "--strict"]) == 0
    site = tmp_path / "site"
    guide = (site / "shop" / "index.html").read_text()
    assert 'href="api/openapi/orders/">the orders' in guide
    assert 'href="api/openapi/orders/part-1/#operation/getOrder0">the first' in guide
    assert 'href="api/openapi/orders/part-2/#operation/getOrder59">the last' in guide
    assert 'id="operation/getOrder59"' in (site / "shop/api/openapi/orders/part-2/index.html").read_text()
    summary, problems = site_problems_beyond_the_portal_header(site)
    assert "broken_anchors=0" in summary and not problems, (summary, problems[:20])
