"""API references and changelogs are computed in worker processes while this process goes on: the staged
tree does not depend on how many there are, and their problems keep their file and line."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

from generator.config import load_project_config
from generator.pipeline import stage
from tests.helpers import write_portal

SPEC = """openapi: 3.0.3
info: {{title: {title}, version: '{version}'}}
paths:
  /{name}:
    get:
      operationId: list{title}
      summary: List {name}
      responses:
        '200': &ok
          description: OK
          content:
            application/json:
              schema: {{type: array, items: {{type: string}}}}
  /{name}/{{id}}:
    get:
      operationId: get{title}
      parameters: [{{name: id, in: path, required: true, schema: {{type: string}}}}]
      responses:
        '200': *ok
"""
BROKEN = """openapi: 3.0.3
info: {title: Broken, version: '1'}
paths:
  /broken:
    get:
      responses:
        '200': {description: OK}
        default: 5
"""


def _portal(tmp_path: Path, make_upstream) -> Path:
    sources, upstreams = [], []
    for name in ("orders", "payments", "refunds"):
        upstream = make_upstream(name, {"README.md": f"# {name.title()}\n\nSee the [API](openapi.yaml).\n",
                                        "openapi.yaml": SPEC.format(name=name, title=name.title(), version="1")})
        upstreams.append(upstream)
        sources.append({"name": name, "repo": upstream.url, "pages": ["README.md"], "specs": ["openapi.yaml"]})
    # a second commit of one spec: its changelog is compared in a worker
    upstreams[0].commit({"openapi.yaml": SPEC.format(name="orders", title="Orders", version="2").replace(
        "      summary: List orders\n", "      summary: List orders\n      deprecated: true\n")},
        "Deprecate listing orders")
    broken = make_upstream("broken", {"README.md": "# Broken\n", "openapi.yaml": BROKEN})
    sources.append({"name": "broken", "repo": broken.url, "pages": ["README.md"], "specs": ["openapi.yaml"]})
    return write_portal(tmp_path / "portal", sources)


def _set_jobs(config: Path, jobs: int) -> None:
    data = yaml.safe_load(config.read_text())
    data["plugins"][1]["devportal"]["jobs"] = jobs
    config.write_text(yaml.safe_dump(data, sort_keys=False))


def _cold_stage(config: Path, jobs: int):
    _set_jobs(config, jobs)
    project = load_project_config(config)
    for name in ("validation", "references", "changelog"):
        shutil.rmtree(project.resolve(project.portal.cache_dir) / name, ignore_errors=True)
    result = stage(config)
    docs = result.staged.docs_dir
    tree = {path.relative_to(docs.parent).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(docs.parent.rglob("*")) if path.is_file() and path.name != "mkdocs.yml"}
    return result, tree


def test_the_staged_tree_is_the_same_with_one_worker_or_two(tmp_path, make_upstream):
    config = _portal(tmp_path, make_upstream)
    one, tree_one = _cold_stage(config, 1)
    two, tree_two = _cold_stage(config, 2)
    assert tree_one == tree_two
    assert any(path.endswith("orders/api/openapi/changelog.md") for path in tree_two)  # compared in a worker
    assert [d.to_json() for d in one.diagnostics.sorted()] == [d.to_json() for d in two.diagnostics.sorted()]


def test_a_spec_rendered_in_a_worker_reports_its_problem_with_file_and_line(tmp_path, make_upstream):
    config = _portal(tmp_path, make_upstream)
    result, _ = _cold_stage(config, 2)
    problems = [d for d in result.diagnostics.sorted() if d.file == "broken/openapi.yaml"]
    assert problems, [d.to_json() for d in result.diagnostics.sorted()]
    assert any(d.line == 8 for d in problems), [d.to_json() for d in problems]
