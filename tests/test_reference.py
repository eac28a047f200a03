"""The API reference on specs nobody here wrote: every operation appears with its parameters and responses;
validation problems carry file, line and JSON pointer; $refs never leave the repo."""

from __future__ import annotations

import datetime
import http.server
import json
import multiprocessing
import os
import re
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.render.reference import reference_workers, render_api_reference, validate_spec
from generator.render.reference.render import element_text
from generator.render.reference.views import compact_json, pretty_json
from generator.validate.spec import forget_gone_specs
from generator.validate.spec_files import SpecFiles, parse_text
from tests.fetch_fixtures import oas_examples
from tests.helpers import CORPUS

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _examples() -> list[Path]:
    try:
        root = oas_examples()
    except RuntimeError as exc:  # the npm registry is part of this project's environment; say why if it fails
        pytest.fail(f"cannot fetch @readme/oas-examples: {exc}")
    return sorted(root.glob("*/yaml/*.yaml"))


def _corpus_specs() -> list[Path]:
    return sorted(CORPUS.glob("vipps-*/docs/**/*.y*ml")) if CORPUS.is_dir() else []


def _expected_operations(spec: Path, files: SpecFiles) -> list[tuple[str, str, dict]]:
    """(method, path or webhook name, operation) of every operation in the raw document."""
    document = files.load(files.uri_of(spec))
    found = []
    for section in ("paths", "webhooks"):
        for path, item in (document.get(section) or {}).items():
            if isinstance(item, dict) and "$ref" in item:
                item, _, _ = files.resolve(item["$ref"], files.uri_of(spec))
            for method, op in (item or {}).items():
                if method in METHODS and isinstance(op, dict):
                    params = [p for p in (item.get("parameters") or []) + (op.get("parameters") or [])]
                    found.append((method, str(path), {**op, "parameters": params, "x-section": section}))
    return found


def _param_names(params: list, files: SpecFiles, uri: str) -> set[str]:
    names = set()
    for param in params:
        if isinstance(param, dict) and "$ref" in param:
            try:
                param, _, _ = files.resolve(param["$ref"], uri)
            except Exception:  # noqa: BLE001 - an unresolvable parameter is reported by validation
                continue
        if isinstance(param, dict) and param.get("in") != "body" and param.get("name"):
            names.add(str(param["name"]))
    return names


def _spec_examples(op: dict, files: SpecFiles, uri: str) -> list:
    """The example values an operation's spec gives for its request body and responses (not generated ones)."""
    def resolved(node):
        try:
            return files.resolve(node["$ref"], uri)[0] if isinstance(node, dict) and "$ref" in node else node
        except Exception:  # noqa: BLE001 - reported by validation
            return None

    values = []
    bodies = [resolved(op.get("requestBody"))] + [resolved(r) for r in (op.get("responses") or {}).values()]
    for body in bodies:
        if not isinstance(body, dict):
            continue
        if isinstance(body.get("examples"), dict) and "schema" in body:  # Swagger 2.0: {media type: value}
            values += list(body["examples"].values())
        for media in (body.get("content") or {}).values():
            if isinstance(media, dict):
                values += [media["example"]] if "example" in media else []
                examples = [resolved(e) for e in (media.get("examples") or {}).values()]
                values += [e["value"] for e in examples if isinstance(e, dict) and "value" in e]
    return values


def _sections(html: str) -> dict[str, str]:
    """Each operation section of a page by its anchor, whole: with the callbacks nested in it."""
    result, open_ = {}, []
    for m in re.finditer(r'<section\b(?: class="dp-op[^"]*" id="([^"]+)")?|</section>', html):
        if m.group(0) != "</section>":
            open_.append((m.start(), m.group(1)))
        elif open_:
            start, anchor = open_.pop()
            if anchor:
                result.setdefault(anchor, html[start:m.end()])
    return result


def _check_every_operation(spec: Path, root: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    reference = render_api_reference(spec, source_root=root, docs_dir=docs, url_prefix="api/x",
                                     display_path=spec.name)
    files = SpecFiles(root=root)
    expected = _expected_operations(spec, files)
    html = "".join(p.read_text() for p in (docs / "api" / "x").rglob("*.md") if p.name not in ("all.md",))
    sections = _sections(html)
    for method, path, op in expected:
        escaped = path.replace("~", "~0").replace("/", "~1")
        anchor = f"operation/{op['operationId']}" if op.get("operationId") else f"{op['x-section']}/{escaped}/{method}"
        section = sections.get(anchor)
        assert section, f"{spec.name}: {method.upper()} {path} is missing from the reference"
        for name in _param_names(op.get("parameters") or [], files, files.uri_of(spec)):
            assert f">{_escape(name)}</code>" in section, f"{spec.name}: parameter {name} of {method} {path}"
        for code in (op.get("responses") or {}):
            assert f"<strong>{code}</strong>" in section, f"{spec.name}: response {code} of {method} {path}"
        for value in _spec_examples(op, files, files.uri_of(spec)):
            text = value if isinstance(value, str) else pretty_json(value)
            assert element_text(text) in section, \
                f"{spec.name}: an example of {method} {path} is not shown: {text[:80]}"
    assert reference.nav and (docs / "api" / "x" / "all.md").is_file()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


@pytest.mark.parametrize("name", ["2.0/yaml/petstore.yaml", "3.0/yaml/petstore.yaml", "3.0/yaml/uspto.yaml",
                                  "3.0/yaml/callbacks.yaml", "3.0/yaml/link-example.yaml", "3.1/yaml/webhooks.yaml"])
def test_openapi_initiative_examples_render_every_operation(name, tmp_path):
    root = oas_examples()
    _check_every_operation(root / name, root / name.split("/")[0], tmp_path)


@pytest.mark.slow
def test_every_readme_oas_example_renders_every_operation(tmp_path):
    specs = _examples()
    assert len(specs) > 50
    for index, spec in enumerate(specs):
        _check_every_operation(spec, spec.parents[1], tmp_path / str(index))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
@pytest.mark.parametrize("spec", _corpus_specs(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_corpus_specs_render_every_operation(spec, tmp_path):
    _check_every_operation(spec, spec.parents[1] if spec.parent.name == "docs" else spec.parents[2], tmp_path)


def test_callbacks_and_webhooks_are_rendered_like_operations(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.1/yaml/webhooks.yaml", source_root=root, docs_dir=tmp_path, url_prefix="w")
    html = "".join(p.read_text() for p in (tmp_path / "w").glob("*.md"))
    assert 'id="operation/newPet"' in html or "webhooks/newPet" in html
    render_api_reference(root / "3.0/yaml/callbacks.yaml", source_root=root, docs_dir=tmp_path, url_prefix="c")
    assert "Callback <code>" in "".join(p.read_text() for p in (tmp_path / "c").glob("*.md"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_validation_problems_have_file_line_and_pointer():
    psp = CORPUS / "vipps-psp-api"
    problems = validate_spec(psp / "docs/swagger.yaml", source_root=psp, display_path="psp/docs/swagger.yaml")
    paths = next(p for p in problems if p.pointer == "#/paths")
    assert paths.file == "psp/docs/swagger.yaml" and paths.line == 18 and "[ makePaymentUrl ]" in paths.message
    broken = CORPUS / "_2020" / "vipps-psp-api"
    problems = validate_spec(broken / "docs/swagger.yaml", source_root=broken)
    assert problems[0].code == "spec-yaml" and problems[0].line == 219
    ecom = CORPUS / "vipps-ecom-api"
    problems = validate_spec(ecom / "docs/ms_import.yaml", source_root=ecom)
    assert len(problems) == 3 and all(p.line and p.line > 1 for p in problems)
    pattern = next(p for p in problems if "does not match" in p.message)  # an example checked against a pattern
    assert "H" in ecom.joinpath("docs/ms_import.yaml").read_text().splitlines()[pattern.line - 1]
    # `^[\p{L}...` is a valid ECMA-262 pattern (checked with regress), once a false alarm of Python's `re`.
    partner = CORPUS / "vipps-partner-api"
    assert "pattern: '^[\\p{L}" in partner.joinpath("docs/swagger.yaml").read_text()
    assert validate_spec(partner / "docs/swagger.yaml", source_root=partner) == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="corpus not present")
def test_norway_problem_yaml_12_booleans():
    signup = CORPUS / "vipps-psp-api" / "docs" / "signup" / "swagger.yaml"
    assert validate_spec(signup, source_root=signup.parents[2]) == []
    assert "NO" in signup.read_text() and "example: NO" in signup.read_text().replace("  ", " ")
    assert parse_text("country: NO\nflag: true\n", "x.yaml") == {"country": "NO", "flag": True}


SPEC_WITH_REFS = """
openapi: 3.0.3
info: {{title: T, version: "1"}}
paths:
  /x:
    get:
      operationId: getX
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {{$ref: "{ref}"}}
"""


@pytest.mark.parametrize("ref, words", [
    ("file:///etc/passwd#/x", ["outside the source repo"]),
    ("../outside.yaml#/X", ["outside the source repo"]),
    ("schemas.yaml#/Missing", ["points to nothing"]),
    ("gopher://example.com/x", ["scheme is not allowed"]),
])
def test_refs_never_leave_the_repo(tmp_path, ref, words):
    repo = tmp_path / "repo"
    repo.mkdir()
    (tmp_path / "outside.yaml").write_text("X: {type: string, description: SECRET-OUTSIDE}\n")
    (repo / "schemas.yaml").write_text("Thing: {type: string}\n")
    spec = repo / "api.yaml"
    spec.write_text(SPEC_WITH_REFS.format(ref=ref))
    problems = validate_spec(spec, source_root=repo)
    text = " ".join(str(p) for p in problems)
    assert any(p.code == "spec-ref" and p.line == 13 for p in problems), text
    for word in words:
        assert word in text
    assert "root:" not in text and "SECRET-OUTSIDE" not in text  # no file content leaks into messages
    render_api_reference(spec, source_root=repo, docs_dir=tmp_path / "docs", url_prefix="x")
    assert "SECRET-OUTSIDE" not in "".join(p.read_text() for p in (tmp_path / "docs").rglob("*.*"))


def test_remote_refs_make_no_request_unless_the_source_allows_them(tmp_path):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's API
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"X: {type: string}\n")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        spec = tmp_path / "api.yaml"
        spec.write_text(SPEC_WITH_REFS.format(ref=f"http://127.0.0.1:{server.server_address[1]}/s.yaml#/X"))
        problems = validate_spec(spec, source_root=tmp_path)
        assert hits == [] and any("remote_refs" in str(p) for p in problems)
        assert validate_spec(spec, source_root=tmp_path, remote_refs=True) == []
        assert hits, "with remote_refs the $ref is fetched"
    finally:
        server.shutdown()


def test_circular_schemas_are_links_not_infinite_trees(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.0/yaml/schema-circular.yaml", source_root=root, docs_dir=tmp_path, url_prefix="c")
    html = "".join(p.read_text() for p in (tmp_path / "c").glob("*.md"))
    assert "(recursive)" in html
    assert len(html) < 5_000_000


def test_a_property_that_is_its_own_ancestor_with_a_description_is_a_link(tmp_path):
    """Jira's NotificationEvent.templateEvent: ``allOf: [$ref: NotificationEvent]`` plus a description (how
    generators add a description to a $ref) merged the schema into itself until Python's recursion limit."""
    (tmp_path / "spec.yaml").write_text(textwrap.dedent("""
        openapi: 3.0.3
        info: {title: Events, version: "1"}
        paths:
          /events:
            get:
              responses:
                "200":
                  description: An event
                  content: {application/json: {schema: {$ref: "#/components/schemas/NotificationEvent"}}}
        components:
          schemas:
            NotificationEvent:
              type: object
              properties:
                name: {type: string}
                templateEvent:
                  allOf: [{$ref: "#/components/schemas/NotificationEvent"}]
                  description: The template of the event.
        """), encoding="utf-8")
    render_api_reference(tmp_path / "spec.yaml", source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="e")
    models = (tmp_path / "docs/e/models.md").read_text()
    assert 'href="#schema-NotificationEvent">NotificationEvent (recursive)</a>' in models
    assert "The template of the event." in models


def _code_blocks(section: str) -> list[str]:
    import html

    return [html.unescape(code) for code in re.findall(r"<code[^>]*>(.*?)</code>", section, re.S)]


def test_generated_xml_examples_follow_the_schemas_xml_objects(tmp_path):
    from xml.etree import ElementTree

    root = oas_examples()
    render_api_reference(root / "3.0/yaml/petstore.yaml", source_root=root, docs_dir=tmp_path, url_prefix="p")
    section = _sections((tmp_path / "p" / "pet.md").read_text())["operation/addPet"]
    xml = next(code for code in _code_blocks(section) if code.startswith("<?xml"))
    pet = ElementTree.fromstring(xml.split("\n", 1)[1])  # well-formed, and named as the schemas say:
    assert pet.tag == "Pet" and pet.find("Category/name") is not None and pet.find("id") is None  # id: readOnly
    assert [e.tag for e in pet.find("photoUrl")] == ["photoUrl"]  # wrapped array
    assert [e.tag for e in pet.find("tag")] == ["Tag"]
    assert any(code.startswith("{") for code in _code_blocks(section))  # the JSON one is still JSON

    spec = tmp_path / "attrs.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /b:
    get:
      operationId: getB
      responses:
        "200":
          description: ok
          content:
            application/atom+xml:
              schema:
                type: object
                xml: {name: book, prefix: bk, namespace: "https://example.com/bk"}
                properties:
                  id: {type: integer, xml: {attribute: true}}
                  title: {type: string, example: "Tom & <Jerry>"}
                  authors: {type: array, items: {type: string}}
""")
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="a")
    section = _sections((tmp_path / "docs" / "a" / "other-operations.md").read_text())["operation/getB"]
    xml = next(code for code in _code_blocks(section) if code.startswith("<?xml"))
    book = ElementTree.fromstring(xml.split("\n", 1)[1])
    assert book.tag == "{https://example.com/bk}book" and book.get("id") == "0"
    assert book.find("title").text == "Tom & <Jerry>" and [e.tag for e in book.findall("authors")] == ["authors"]


def test_a_property_refined_by_a_later_allof_part_shows_the_refinement(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.1/yaml/train-travel.yaml", source_root=root, docs_dir=tmp_path, url_prefix="t")
    section = _sections((tmp_path / "t" / "stations.md").read_text())["operation/get-stations"]
    xml = next(code for code in _code_blocks(section) if code.startswith("<?xml"))
    assert "<stations>\n    <station>\n      <id>" in xml  # data: array of object, then of Station
    assert '<code class="dp-prop">country_code</code>' in section  # and the schema tree shows a station's fields


def test_array_items_of_a_plain_type_show_their_allowed_values_and_default(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.0/yaml/petstore.yaml", source_root=root, docs_dir=tmp_path, url_prefix="p")
    section = _sections((tmp_path / "p" / "pet.md").read_text())["operation/findPetsByStatus"]
    params = section[section.index('<table class="dp-params">'):section.index("</table>")]
    assert "Items:" in params and '"pending"' in params and 'Default: <code>"available"</code>' in params


def test_generated_examples_carry_the_discriminator_value_that_selects_their_schema(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.0/yaml/discriminators.yaml", source_root=root, docs_dir=tmp_path, url_prefix="d")
    ops = _sections((tmp_path / "d" / "other-operations.md").read_text())
    # oneOf with a mapping: the mapping's key; without one: the schema's name (what a server would dispatch on)
    assert '"discrim": "Option One"' in ops["operation/oneOfWithTopLevelDiscriminatorAndMapping"]
    assert '"discrim": "string"' not in ops["operation/oneOfWithTopLevelDiscriminatorAndMapping"]
    assert '"discrim": "OptionOneNoDisc"' in ops["operation/oneOfWithTopLevelDiscriminatorNoMapping"]
    assert '"pet_type": "CatNoDisc"' in ops["paths/~1oneof-allof-top-level-disc/patch"]
    # a subtype (Cat: allOf [Pet, …]) inherits the parent's discriminator and names itself in it
    assert '"pet_type": "Cat"' in ops["paths/~1embedded-discriminator/patch"]


def test_untrusted_descriptions_are_sanitized(tmp_path):
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC_WITH_REFS.format(ref="#/components/schemas/S") + """
components:
  schemas:
    S:
      type: string
      description: 'Hi <script>alert(1)</script><img src=x onerror="alert(2)"> **bold**'
      example: '</code></pre><script>alert(3)</script>'
""")
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="x")
    html = (tmp_path / "docs" / "x" / "models.md").read_text()
    assert "<strong>bold</strong>" in html and "<script>" not in html and "onerror" not in html
    # Examples and samples are text: whatever they hold is shown, never run.
    tag_page = (tmp_path / "docs" / "x" / "other-operations.md").read_text()
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(3)" in tag_page and "<script>" not in tag_page
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "trusted", url_prefix="x", trusted=True)
    assert "<script>" in (tmp_path / "trusted" / "x" / "models.md").read_text()


def test_urls_in_a_spec_are_links_only_when_safe(tmp_path):
    spec = tmp_path / "api.yaml"
    spec.write_text("""openapi: 3.0.3
info:
  title: X
  version: "1"
  contact: {name: Team, url: "javascript:alert(1)", email: "team@example.com"}
  license: {name: MIT, url: " JavaScript:alert(2)"}
externalDocs: {url: "https://example.com/guide", description: The guide}
tags:
  - {name: T, externalDocs: {url: "data:text/html,<script>alert(3)</script>"}}
paths:
  /a:
    get:
      tags: [T]
      operationId: getA
      externalDocs: {url: "../guides/a.md"}
      responses: {"200": {description: ok}}
""")
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="x")
    html = "".join(p.read_text() for p in (tmp_path / "docs" / "x").glob("*.md"))
    assert '<a href="https://example.com/guide">The guide</a>' in html and '<a href="../guides/a.md">' in html
    assert '<a href="mailto:team@example.com">' in html
    assert 'href="javascript' not in html.lower() and 'href=" javascript' not in html.lower()
    assert 'href="data:' not in html and "<script>" not in html
    assert "<code>javascript:alert(1)</code>" in html  # still shown, as text


def test_code_samples_call_the_operations_own_server_with_variables_at_their_defaults(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.0/yaml/server-path-level.yaml", source_root=root, docs_dir=tmp_path,
                         url_prefix="s")
    html = (tmp_path / "s" / "all.md").read_text()
    for url in ["/v2/relative-path-server", "/v3/relative-operation-server",
                "https://operation.example.com/v3/operation-server-variables",  # {version} at its default
                "https://demo.example.com:443/v2/empty-path-item-servers"]:  # `servers: []`: the API's
        assert f"curl -X GET '{url}'" in html, url
    assert "Server for this operation: <code>https://operation.example.com/{version}</code>" in html


def test_a_parameter_given_as_content_shows_its_schema(tmp_path):
    spec = tmp_path / "api.yaml"
    spec.write_text("""openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /search:
    get:
      operationId: search
      parameters:
        - name: filter
          in: query
          content:
            application/json:
              schema: {type: object, properties: {color: {type: string, enum: [red, blue]}}}
      responses: {"200": {description: ok}}
""")
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="x")
    section = _sections((tmp_path / "docs" / "x" / "other-operations.md").read_text())["operation/search"]
    params = section[section.index('<table class="dp-params">'):section.index("</table>")]
    assert '<code class="dp-prop">color</code>' in params and '"blue"' in params


def test_response_links_point_at_the_operation_they_feed(tmp_path):
    root = oas_examples()
    render_api_reference(root / "3.0/yaml/link-example.yaml", source_root=root, docs_dir=tmp_path, url_prefix="l")
    page = (tmp_path / "l" / "other-operations.md").read_text()
    assert ('<code>userRepositories</code> → <a href="../other-operations/#operation/getRepositoriesByOwner">'
            'getRepositoriesByOwner</a> with <code>username</code> = <code>$response.body#/username</code>') in page
    assert 'id="operation/getRepositoriesByOwner"' in page


def test_render_spec_builds_a_standalone_site(tmp_path, capsys):
    root = oas_examples()
    out = tmp_path / "site"
    assert main(["render-spec", str(root / "3.0/yaml/petstore.yaml"), "-o", str(out)]) == 0
    pages = {p.relative_to(out).as_posix() for p in out.rglob("index.html")}
    assert "petstore/index.html" in pages and "petstore/pet/index.html" in pages
    assert 'id="operation/addPet"' in (out / "petstore" / "pet" / "index.html").read_text()
    assert (out / "petstore" / "petstore.json").is_file() and (out / "petstore" / "petstore.yaml").is_file()


def test_reference_pages_in_a_site_include_prerendered_html_search_finds_and_jinja_in_specs_stays_text(tmp_path):
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC_WITH_REFS.format(ref="#/components/schemas/S").replace(
        "operationId: getX", "operationId: getX\n      summary: Get {{ 7*7 }} things {% endraw %}{{ 6*7 }}") + """
components:
  schemas:
    S: {type: string, description: "{{ config.site_name }}"}
""")
    out = tmp_path / "site"
    assert main(["render-spec", str(spec), "-o", str(out)]) == 0
    page = (out / "api" / "other-operations" / "index.html").read_text()
    assert page.count('id="operation/getX"') == 1
    assert "Get {{ 7*7 }} things {% endraw %}{{ 6*7 }}" in page
    assert "Get 49 things" not in page and "{% endraw %}42" not in page and "things 42" not in page
    assert "{{ config.site_name }}" in (out / "api" / "models" / "index.html").read_text()
    index = (out / "search" / "search_index.json").read_text()
    assert "api/other-operations/#operation/getX" in index


def test_validation_results_are_reused_until_a_file_the_spec_reaches_changes(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "schemas.yaml").write_text("Thing: {type: string}\n")
    spec = repo / "api.yaml"
    spec.write_text(SPEC_WITH_REFS.format(ref="schemas.yaml#/Thing"))
    cache = tmp_path / "cache"
    assert validate_spec(spec, source_root=repo, cache_dir=cache) == []
    assert len(list(cache.glob("*.json"))) == 1
    (repo / "schemas.yaml").write_text("Other: {type: string}\n")  # the $ref target disappears
    problems = validate_spec(spec, source_root=repo, cache_dir=cache)
    assert "spec-ref" in [p.code for p in problems]  # the change was seen: not a stale cached result
    assert validate_spec(spec, source_root=repo, cache_dir=cache) == problems  # and this result is reused


def test_validations_whose_files_are_gone_are_deleted_from_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    specs = {}
    for name in ("kept", "gone"):  # two checkouts of a repo, each in its commit's folder
        repo = tmp_path / name
        repo.mkdir()
        (repo / "schemas.yaml").write_text("Thing: {type: string}\n")
        specs[name] = repo / "api.yaml"
        specs[name].write_text(SPEC_WITH_REFS.format(ref="schemas.yaml#/Thing"))
        assert validate_spec(specs[name], source_root=repo, cache_dir=cache) == []
    of = {entry.name: "kept" if str(tmp_path / "kept") in entry.read_text() else "gone" for entry in cache.iterdir()}
    assert sorted(of.values()) == ["gone", "kept"]
    (tmp_path / "gone" / "schemas.yaml").unlink()  # one file an entry read is gone: it can never be used again
    (cache / "unreadable.json").write_text("{not json")
    forget_gone_specs(cache)
    assert [of.get(entry.name) for entry in cache.iterdir()] == ["kept"]
    import generator.validate.spec as spec_module

    monkeypatch.setattr(spec_module, "_validate", lambda *args: pytest.fail("validated again"))
    assert validate_spec(specs["kept"], source_root=tmp_path / "kept", cache_dir=cache) == []  # still reused


def _findings(validator_cls, path: Path, fast: bool) -> list[tuple[str, tuple]]:
    from jsonschema_path import SchemaPath

    from generator.validate import speedups

    files = SpecFiles(root=path.parent)
    uri = files.uri_of(path)
    handlers = {"file": files.handler}
    schema_path = speedups.schema_path(files.load(uri), uri, handlers) if fast else SchemaPath.from_dict(
        files.load(uri), base_uri=uri, handlers=handlers)
    found = []
    try:
        for problem in validator_cls(schema_path).iter_errors():
            found.append((problem.message, tuple(problem.absolute_path)))
    except Exception as exc:  # noqa: BLE001 - a dangling $ref raises out of the validator; compare that too
        found.append((type(exc).__name__, ()))
    return found


@pytest.mark.slow
def test_sped_up_validators_find_exactly_what_the_stock_ones_find(tmp_path):
    from generator.validate import speedups
    from generator.validate.spec import spec_version

    broken = tmp_path / "broken.yaml"
    broken.write_text("""openapi: 3.0.3
info: {title: Broken, version: "1"}
paths:
  /a/{id}:
    get:
      operationId: same
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, default: nope}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                allOf:
                  - $ref: '#/components/schemas/A'
                  - {required: [ghost], properties: {b: {type: string, minLength: -1}}}
  /b:
    get:
      operationId: same
      responses: {"200": {description: ok}}
components:
  schemas:
    A: {type: object, properties: {a: {type: string, enum: [x], default: y}}}
    B: {type: object, properties: {p: {type: string, pattern: "(("}, q: {type: string, example: {pattern: "(("}}}}
""")
    specs = [broken, *_corpus_specs(), *_examples()]
    stock_validators = speedups.stock_validators()
    compared = 0
    for spec in specs:
        version = spec_version(SpecFiles(root=spec.parent).load(SpecFiles(root=spec.parent).uri_of(spec)))
        if version is None:
            continue
        stock = _findings(stock_validators[version], spec, fast=False)
        with speedups.fast_node_lookups():
            fast = _findings(speedups.VALIDATORS[version], spec, fast=True)
        assert fast == stock, spec
        compared += 1
    assert compared > 50  # the oas examples alone are 59 specs; the corpus adds more where present
    with speedups.fast_node_lookups():
        assert len(_findings(speedups.VALIDATORS["3.0"], broken, fast=True)) >= 3


def test_the_validator_is_imported_without_requests_which_later_imports_still_get():
    """jsonschema-path imports requests when it can (for http $refs, which the guarded handlers never let it
    make): the validator is imported without it, and an import of it after still gets it."""
    import subprocess
    import sys

    program = ("import sys; from generator.validate import speedups; import jsonschema_path.retrievers as r; "
               "print(sorted(m for m in sys.modules if m.split('.')[0] in ('requests', 'urllib3')), r.USE_REQUESTS); "
               "import requests, jsonschema_path.handlers.requests; print(callable(requests.get))")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:2] == ["[] False", "True"]


def test_the_validator_is_imported_without_pydantic_and_its_settings_are_the_installed_modules_defaults():
    """The validators' settings modules import pydantic and pydantic-settings (about 50 ms): while none of their
    environment variables is set, stand-ins give the settings the installed modules give, without importing it."""
    import subprocess
    import sys

    from generator.validate.speedups import SETTINGS

    real = textwrap.dedent("""
        import importlib, json
        names = %r
        print(json.dumps({name: getattr(importlib.import_module(name), cls)().model_dump()
                          for name, cls in names.items()}))
    """) % {name: cls for name, (cls, _, _) in SETTINGS.items()}
    clean = {key: value for key, value in os.environ.items() if not key.upper().startswith("OPENAPI_")}
    installed = json.loads(subprocess.run([sys.executable, "-c", real], capture_output=True, text=True, check=True,
                                          env=clean).stdout)
    assert installed == {name: defaults for name, (_, _, defaults) in SETTINGS.items()}

    program = textwrap.dedent("""
        import sys
        from generator.validate import speedups, spec
        from openapi_spec_validator import validate
        from openapi_spec_validator.settings import OpenAPISpecValidatorSettings, get_schema_validator_backend
        from openapi_schema_validator.settings import get_settings
        validate({"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}})
        print("pydantic" in sys.modules, OpenAPISpecValidatorSettings().resolved_cache_maxsize,
              get_schema_validator_backend(), get_settings().compiled_validator_cache_max_size)
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, env=clean)
    assert done.stdout.split() == ["False", "128", "auto", "128"]
    # A variable set (in any case, as pydantic-settings reads them): the installed module's answer.
    configured = {**clean, "openapi_spec_validator_resolved_cache_maxsize": "7",
                  "OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND": " JSONSchema ",
                  "OPENAPI_SCHEMA_VALIDATOR_COMPILED_VALIDATOR_CACHE_MAX_SIZE": "9"}
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True,
                          env=configured)
    assert done.stdout.split() == ["True", "7", "jsonschema", "9"]


def test_the_validator_is_imported_with_requests_when_the_installed_libraries_need_it():
    """A later jsonschema-path (or another library the validator imports) might import requests unconditionally:
    the validator is then imported with it rather than failing."""
    import subprocess
    import sys

    program = textwrap.dedent("""
        import importlib.abc, sys
        class Needs(importlib.abc.MetaPathFinder):  # jsonschema_path as if it imported requests unconditionally
            def find_spec(self, name, path=None, target=None):
                if name == "jsonschema_path":
                    import requests
                return None
        sys.meta_path.insert(0, Needs())
        from generator.validate import speedups
        print(speedups.SchemaPath.__name__, "requests" in sys.modules,
              [type(f).__name__ for f in sys.meta_path if type(f).__module__ == speedups.__name__])
    """)
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "SchemaPath True []"


def test_an_import_declined_fails_only_in_its_thread_and_only_inside_the_block(tmp_path, monkeypatch):
    import importlib
    import sys

    from generator.validate.speedups import declined_import

    (tmp_path / "declined_here.py").write_text("VALUE = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    other: list = []
    with declined_import("declined_here"):
        with pytest.raises(ImportError):
            importlib.import_module("declined_here")
        thread = threading.Thread(target=lambda: other.append(importlib.import_module("declined_here").VALUE))
        thread.start()
        thread.join()
        del sys.modules["declined_here"]
    assert other == [1]
    assert importlib.import_module("declined_here").VALUE == 1
    monkeypatch.delitem(sys.modules, "declined_here")


def test_spec_downloads_are_bundled_and_one_file_specs_are_copied_as_written(tmp_path):
    import json

    import yaml

    from bench.specgen import write_spec
    from generator.render.reference.render import PARALLEL_VALIDATION_BYTES, write_downloads

    def external_refs(node) -> list[str]:
        if isinstance(node, dict):
            ref = node.get("$ref")
            own = [ref] if isinstance(ref, str) and not ref.startswith("#") else []
            return own + [r for v in node.values() for r in external_refs(v)]
        return [r for v in node for r in external_refs(v)] if isinstance(node, list) else []

    # Split across two files: both downloads are one file with the same content.
    payments = Path(__file__).parents[1] / "content/sources/payments"
    assert external_refs(yaml.safe_load((payments / "openapi/payments.yaml").read_text()))
    write_downloads(payments / "openapi/payments.yaml", tmp_path / "split" / "payments", source_root=payments)
    as_json = json.loads((tmp_path / "split/payments.json").read_text())
    assert not external_refs(as_json) and as_json["paths"]
    assert yaml.safe_load((tmp_path / "split/payments.yaml").read_text()) == as_json

    # One YAML file: its YAML download is the file as written (comments kept), its JSON the same data.
    root = oas_examples()
    petstore = root / "3.0/yaml/petstore.yaml"
    write_downloads(petstore, tmp_path / "one" / "petstore", source_root=root)
    assert (tmp_path / "one/petstore.yaml").read_bytes() == petstore.read_bytes()
    assert json.loads((tmp_path / "one/petstore.json").read_text()) == yaml.safe_load(petstore.read_text())

    # A big JSON spec: written by the worker processes while the pages render.
    big = write_spec(tmp_path / "big.json", 400)
    assert big.stat().st_size > PARALLEL_VALIDATION_BYTES
    with reference_workers() as workers:
        render_api_reference(big, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="api/big",
                             fragments_dir=tmp_path / "overrides", workers=workers)
    assert (tmp_path / "docs/api/big/big.json").read_bytes() == big.read_bytes()
    assert yaml.safe_load((tmp_path / "docs/api/big/big.yaml").read_text()) == json.loads(big.read_text())


def test_a_big_spec_validated_in_parallel_gets_its_problems_banner_on_every_page(tmp_path):
    import json

    from bench.specgen import write_spec
    from generator.render.reference.render import PARALLEL_VALIDATION_BYTES

    spec = write_spec(tmp_path / "big.json", 400)
    document = json.loads(spec.read_text())
    parameter = next(p for item in document["paths"].values() for op in item.values() if isinstance(op, dict)
                     for p in op.get("parameters", []) if p.get("in") == "query")
    parameter["in"] = "{{ 7*7 }}"  # invalid, and Jinja syntax in the message must stay text
    spec.write_text(json.dumps(document, indent=1))
    assert spec.stat().st_size > PARALLEL_VALIDATION_BYTES
    out = tmp_path / "site"
    assert main(["render-spec", str(spec), "-o", str(out)]) == 0  # rendered, with the problems shown
    assert multiprocessing.active_children() == []  # the worker processes ended with the command
    pages = [out / "big/index.html", out / "big/all/index.html",
             next(p for p in (out / "big").glob("*/index.html") if p.parent.name not in ("all", "models"))]
    for page in pages:
        html = page.read_text()
        banner = html[html.index('class="admonition warning dp-invalid"'):]
        assert "{{ 7*7 }}" in banner[:3000] and "/parameters/" in banner[:3000], page
    assert main(["render-spec", str(spec), "-o", str(tmp_path / "strict"), "--strict"]) == 1
    assert not (tmp_path / "strict").exists()


TRICKY_YAML_VALUES = [
    "", " ", "yes", "No", "ON", "off", "y", "n", "null", "Null", "~", "true", "FALSE", "=", "<<", "-", "- x", "? x",
    "a: b", "a:b", "a:", "#x", "a #b", "a#b", "[x]", "{x}", "x, y", "@x", "`x`", "!x", "&x", "*x", "|x", ">x", "%x",
    "'x'", '"x"', "1", "1.5", "1e3", "0x1F", "0o17", "017", "1_000", "1:20", ".5", ".inf", "-.inf", ".nan", "+1",
    "2024-01-01", "2024-01-01T10:00:00Z", " lead", "trail ", "tab\there", "\ttab first", "multi\nline",
    "multi\nline\n", "two trailing\n\n", "\nleading newline", "inner\n\nblank", "spaces \nbefore break",
    "after\n  indented", "\u2028", "a\u2029b", "nel\x85", "bom\ufeff", "del\x7f", "\x00nul", "é ø 😀",
    "https://example.com/a#b", "#/components/schemas/X", "$ref", "x" * 2000, "line\r\nwindows", "---", "...",
    "--- x\nnext", "key:\n  value",
]


@pytest.mark.slow
def test_yaml_downloads_read_back_exactly_as_written():
    import json

    import yaml

    from generator.render.reference import yaml_out
    from generator.yaml12 import load_yaml

    tricky = {"strings": TRICKY_YAML_VALUES, "as keys": {v: i for i, v in enumerate(TRICKY_YAML_VALUES)},
              "numbers": [0, -1, 10**30, 1.5, -0.0, 1e20, 1e-7, 2.5e-300, float("inf"), float("-inf")],
              "others": [True, False, None, {}, [], [[]], [{}], [[1, [2]], {"a": [{"b": {}}]}]],
              200: "int key", True: "bool key", None: "null key", 1.5: "float key",
              "long key " + "k" * 1100: "explicit", "long " + "l" * 1100: ["x", {"y": 1}], "l" * 1200: {"z": "a\nb"}}
    documents = [tricky, {"only": "x\n"}, ["top", "list"], "a string alone", 42, None]
    for spec in [*_corpus_specs(), *_examples()]:
        text = spec.read_text(encoding="utf-8")
        documents.append(json.loads(text) if spec.suffix == ".json" else load_yaml(text))
    for document in documents:
        written = yaml_out.dump(document)
        written.encode("utf-8")  # writable as a file
        assert yaml.load(written, Loader=yaml.SafeLoader) == document
        assert yaml.load(written, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) == document
        assert load_yaml(written) == document
    assert yaml.safe_load(yaml_out.dump({"half": "a \ud800"})) == {"half": "a \ufffd"}  # no YAML can hold it
    assert yaml_out.dump({"a": "b", "m": [1, "two"], "n": 0}) == "a: b\nm:\n- 1\n- two\n\"n\": 0\n"
    assert yaml_out.dump({"d": "one\ntwo\n"}) == "d: |\n  one\n  two\n"


def test_many_tags_are_grouped_in_the_navigation_and_x_tag_groups_are_honoured():
    from generator.render.reference.render import NAV_GROUP, tag_nav

    few = [(f"T{i}", f"api/t{i}.md") for i in range(NAV_GROUP)]
    assert tag_nav(few) == [{tag: page} for tag, page in few]
    many = [(f"T{i:03}", f"api/t{i}.md") for i in range(165)]
    groups = tag_nav(many)
    assert len(groups) == 9 and list(groups[0]) == ["T000 – T019"] and list(groups[-1]) == ["T160 – T164"]
    assert [entry for group in groups for entries in group.values() for entry in entries] == [
        {tag: page} for tag, page in many]
    spec_groups = [{"name": "Money", "tags": ["T001", "T000", "nope"]}, {"name": "Empty", "tags": ["nope"]},
                   {"name": "Again", "tags": ["T000", "T002"]}, "junk"]
    assert tag_nav(many[:4], spec_groups) == [
        {"Money": [{"T001": "api/t1.md"}, {"T000": "api/t0.md"}]}, {"Again": [{"T002": "api/t2.md"}]},
        {"Other": [{"T003": "api/t3.md"}]}]


def test_plain_descriptions_skip_markdown_but_come_out_as_markdown_makes_them():
    import markdown

    from generator.render.reference.render import DESCRIPTION_EXTENSIONS, PLAIN_TEXT, Describer

    texts = {"A page of results.", "Either 'open' or \"closed\"", "Ids (comma-separated): a, b; max 100%",
             "1. A list", "- item", "# heading", "Use *bold*", "a < b", "x & y", "line\nbreak", " padded ",
             "https://example.com/x?y=1", "See www.example.com.", "Trailing two  "}
    for spec in [*_corpus_specs(), *_examples()]:
        texts.update(re.findall(r"description: ([^\n]+)", spec.read_text(encoding="utf-8")))
    md = markdown.Markdown(extensions=DESCRIPTION_EXTENSIONS)
    describe = Describer(trusted=True)
    plain = [text for text in texts if PLAIN_TEXT.match(text)]
    assert len(plain) > 50
    for text in texts:
        assert describe(text) == md.reset().convert(text), text
    assert describe("See www.example.com.") == (
        '<p>See <a href="http://www.example.com">www.example.com</a>.</p>')  # linked, as Redoc does


def test_a_big_tag_is_split_into_parts_and_every_link_to_its_operations_still_lands(tmp_path):
    """A tag of 120 operations: its page lists them all, each on a part of at most TAG_PAGE_OPERATIONS;
    every link the reference makes goes straight to the operation on its part, and a link made before the
    split (to the tag's page) finds the operation's entry there, which carries the part's URL."""
    from bench.tag_page import TAG, one_tag_spec
    from generator.render.reference.render import TAG_PAGE_OPERATIONS
    from tests.oracles import site_problems_beyond_the_portal_header

    site = tmp_path / "site"
    assert main(["render-spec", str(one_tag_spec(tmp_path / "big-tag.json", 120)), "-o", str(site)]) == 0
    tag_dir = site / "big-tag" / TAG.lower()
    parts = sorted(tag_dir.glob("part-*/index.html"))
    assert [p.parent.name for p in parts] == ["part-1", "part-2", "part-3"]
    on_part = {}
    for part in parts:
        anchors = re.findall(r'<section class="dp-op[^"]*" id="([^"]+)"', part.read_text())
        assert 0 < len(anchors) <= TAG_PAGE_OPERATIONS
        on_part.update(dict.fromkeys(anchors, part.parent.name))
    assert len(on_part) == 120
    tag_page = (tag_dir / "index.html").read_text()
    assert "<section" not in tag_page.split('class="dp-api dp-api--tag', 1)[1]  # no operation rendered here
    entries = dict(re.findall(r'<li id="([^"]+)" data-aliases="[^"]*" data-dp-moved="([^"]+)"', tag_page))
    assert entries == {anchor: f"{part}/#{anchor}" for anchor, part in on_part.items()}
    # Every operation link of the site (overview, single page, parts, the tag's list) reaches the
    # operation's own section, on its part or on the same page, without a detour through the tag's page.
    links = 0
    for page in site.rglob("index.html"):
        for href in re.findall(r'href="([^"#]*)#((?:operation|paths)/[^"]+)"', page.read_text()):
            target = (page.parent / href[0]).resolve() / "index.html" if href[0] else page
            assert f'id="{href[1]}"' in target.read_text() and "<section" in target.read_text(), (page, href)
            assert target.parent.name.startswith("part-") or not href[0], (page, href)  # or on this page
            links += 1
    assert links > 3 * 120
    part2 = (tag_dir / "part-2" / "index.html").read_text()
    assert 'href="../part-1/" rel="prev"' in part2 and 'href="../part-3/" rel="next"' in part2
    assert 'href="../">All operations of Payment</a>' in part2
    summary, problems = site_problems_beyond_the_portal_header(site)  # the crawler: every link reaches
    assert "broken_anchors=0" in summary and not problems, (summary, problems[:20])


def test_a_big_apis_generated_examples_stop_where_its_schema_trees_do(tmp_path):
    """Microsoft Graph's user, expanded through every named schema it reaches, was a 700 KB example under
    each of hundreds of operations. In a big API a generated example expands named schemas as deep as the
    schema tree shows them (two); deeper ones are an empty object or list, their own examples kept."""
    import json

    from generator.render.reference.render import BIG_SPEC

    schemas = {"User": {"type": "object", "properties": {"name": {"type": "string"},
                                                         "manager": {"$ref": "#/components/schemas/Manager"}}},
               "Manager": {"type": "object", "properties": {"team": {"$ref": "#/components/schemas/Team"},
                                                            "reports": {"type": "array", "items": {
                                                                "$ref": "#/components/schemas/Team"}},
                                                            "level": {"$ref": "#/components/schemas/Level"},
                                                            "office": {"$ref": "#/components/schemas/Office"}}},
               "Team": {"type": "object", "properties": {"members": {"type": "array", "items": {
                   "$ref": "#/components/schemas/User"}}, "size": {"type": "integer"}}},
               "Level": {"type": "string", "enum": ["senior", "junior"]},
               "Office": {"type": "object", "example": {"city": "Oslo"}}}
    response = {"200": {"description": "OK", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/User"}}}}}
    paths = {f"/users{i}": {"get": {"operationId": f"getUser{i}", "tags": ["Users"], "responses": response}}
             for i in range(BIG_SPEC + 1)}
    spec = tmp_path / "big.json"
    spec.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Big", "version": "1"}, "paths": paths,
                                "components": {"schemas": schemas}}))
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="big")
    section = _sections((tmp_path / "docs/big/users/part-1.md").read_text())["operation/getUser0"]
    shown = element_text(pretty_json({"name": "string", "manager": {
        "team": {}, "reports": [{}], "level": "senior", "office": {"city": "Oslo"}}}))
    assert shown in section
    # a small API keeps the whole example
    small = tmp_path / "small.json"
    small.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "Small", "version": "1"},
                                 "paths": {"/users": paths["/users0"]}, "components": {"schemas": schemas}}))
    render_api_reference(small, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="small")
    assert '"size": 0' in (tmp_path / "docs/small/users.md").read_text()  # Team, two named levels down


def test_the_python_sample_sends_the_example_body_as_written(tmp_path):
    """Python itself is the oracle: the sample parses, and its ``json=`` is the example's value, with JSON's
    true, false and null spelled as Python's only outside strings (a string saying "true" stays as written)."""
    import ast
    import html as html_module

    body = {"note": "true, false or null", "flag": True, "gone": None, "n": 1.5, "list": [False, "null\\\"x"],
            "nested": {"é": "a\nb"}}
    spec = tmp_path / "api.yaml"
    spec.write_text(f"""openapi: 3.0.3
info: {{title: X, version: "1"}}
paths:
  /notes:
    post:
      operationId: addNote
      requestBody:
        content:
          application/json:
            example: {pretty_json(body)}
      responses: {{"200": {{description: ok}}}}
""")
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="x")
    page = (tmp_path / "docs" / "x" / "other-operations.md").read_text()
    source = html_module.unescape(re.search(r'<code class="language-python">(.*?)</code>', page, re.S).group(1))
    call = next(node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call) and node.keywords)
    sent = next(keyword.value for keyword in call.keywords if keyword.arg == "json")
    assert ast.literal_eval(sent) == body
    assert '"note": "true, false or null"' in source and '"flag": True' in source


@settings(max_examples=200, deadline=None)
@given(value=st.recursive(st.none() | st.booleans() | st.integers() | st.floats() |
                          st.text(alphabet=st.sampled_from('truefalsnNIiy"\\ \n\x00é\u2028{}[],:')),
                          lambda inner: st.lists(inner, max_size=4) |
                          st.dictionaries(st.text(alphabet='truenl"\\ ', max_size=6), inner, max_size=4),
                          max_leaves=12))
def test_a_json_value_written_as_a_python_literal_is_the_same_value(value):
    from generator.render.reference.views import python_literal

    literal = python_literal(pretty_json(value))
    evaluated = eval(literal, {"__builtins__": {}, "float": float})  # noqa: S307 - the literal under test
    assert pretty_json(evaluated) == pretty_json(value)  # NaN is not equal to itself; its JSON is


def _python_pretty_json(value):
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _json_values(floats):
    scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**64 - 1) | floats | st.text())
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) |
                        st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=16)


_FINITE = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(value=_json_values(_FINITE.filter(lambda number: "e" not in repr(number))))
def test_pretty_json_writes_what_python_json_writes(value):
    """orjson writes the examples and downloads: the same text as json.dumps(indent=2), control characters, line
    separators and non-ASCII included."""
    assert pretty_json(value) == _python_pretty_json(value)


@settings(max_examples=300, deadline=None)
@given(value=_json_values(_FINITE))
def test_pretty_json_writes_the_same_value(value):
    """A number Python spells with an exponent has orjson's spelling (``1e16``, ``1e-7``: as JavaScript's
    ``JSON.stringify`` writes them; Python writes ``1e+16``, ``1e-07``), which reads back as the same number."""
    assert json.loads(pretty_json(value)) == value


def test_pretty_json_writes_real_specs_as_python_json_does():
    """Every document of the corpus and of @readme/oas-examples (whole, so every value in it at every depth)."""
    from generator.validate.spec_files import parse_text

    specs = _corpus_specs() + sorted(oas_examples().glob("*/*/*.*"))
    documents = 0
    for spec in specs:
        if spec.suffix not in (".json", ".yaml", ".yml"):
            continue
        document = parse_text(spec.read_text(encoding="utf-8"), spec.name)
        assert pretty_json(document) == _python_pretty_json(document), spec
        documents += 1
    assert documents > 100


@settings(max_examples=300, deadline=None)
@given(value=_json_values(_FINITE.filter(lambda number: "e" not in repr(number))))
def test_compact_json_writes_what_python_json_writes(value):
    """orjson writes the Try it consoles' schemas and the anchor maps: the same text as json.dumps without spaces,
    non-ASCII, DEL and control characters escaped as json escapes them."""
    assert compact_json(value) == json.dumps(value, separators=(",", ":"))


@settings(max_examples=300, deadline=None)
@given(value=_json_values(_FINITE))
def test_compact_json_writes_the_same_value(value):
    assert json.loads(compact_json(value)) == value


def test_compact_json_writes_real_specs_as_python_json_does():
    """Every document of the corpus and of @readme/oas-examples, whole; and what orjson refuses, by json."""
    from generator.validate.spec_files import parse_text

    documents = 0
    for spec in _corpus_specs() + sorted(oas_examples().glob("*/*/*.*")):
        if spec.suffix in (".json", ".yaml", ".yml"):
            document = parse_text(spec.read_text(encoding="utf-8"), spec.name)
            assert compact_json(document) == json.dumps(document, separators=(",", ":")), spec
            documents += 1
    assert documents > 100
    for value in ({"id": 2**70, "é": [1.5]}, {1: "one", "nested": {True: None}}, ["\ud800", "\x7f"]):
        assert compact_json(value) == json.dumps(value, separators=(",", ":"))
    with pytest.raises(TypeError):
        compact_json({"when": datetime.date(2026, 1, 1)})  # as json.dumps raises


def test_pretty_json_leaves_what_orjson_refuses_to_python_json():
    """An integer past 64 bits, a key that is not a string, a lone surrogate: written by json, not lost."""
    for value in ({"id": 2**70, "n": [1.5]}, {1: "one", "nested": {True: None}}, ["\ud800"]):
        assert pretty_json(value) == _python_pretty_json(value)
    assert pretty_json({"ratio": float("nan")}) == '{\n  "ratio": null\n}'  # JSON has no NaN
