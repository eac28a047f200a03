"""The GitHub workflows call devportal commands that exist, with flags that exist."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.cli import make_parser

WORKFLOWS = sorted((Path(__file__).resolve().parents[1] / ".github" / "workflows").glob("*.yml"))


def _devportal_commands(workflow: dict) -> list[list[str]]:
    commands = []
    for job in workflow.get("jobs", {}).values():
        for step in job.get("steps", []):
            for line in str(step.get("run", "")).splitlines():
                words = shlex.split(line, comments=True)
                if words and words[0] == "devportal":
                    # Shell variables and array expansions are filled at run time; drop them.
                    commands.append([w for w in words[1:] if not w.startswith("$")])
    return commands


def test_there_are_workflows_for_publish_check_lock_and_sources():
    names = {path.stem for path in WORKFLOWS}
    assert {"publish", "check", "update-lock", "check-source"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_yaml_with_jobs_and_triggers(path: Path):
    workflow = yaml.safe_load(path.read_text())
    # PyYAML reads the key `on` as the boolean True (YAML 1.1).
    assert workflow.get("on", workflow.get(True)), f"{path.name} has no trigger"
    assert workflow["jobs"], f"{path.name} has no job"
    for job in workflow["jobs"].values():
        assert job.get("steps") or job.get("uses"), f"{path.name}: a job has no steps"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_devportal_command_in_a_workflow_parses(path: Path):
    parser = make_parser()
    for argv in _devportal_commands(yaml.safe_load(path.read_text())):
        try:
            parser.parse_args(argv)
        except SystemExit as exc:  # argparse exits on an unknown command or flag
            pytest.fail(f"{path.name}: `devportal {' '.join(argv)}` is not a valid command line ({exc})")


def test_publish_builds_frozen_and_strict_and_deploys_with_the_official_pages_actions():
    workflow = yaml.safe_load((WORKFLOWS[0].parent / "publish.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))
    assert {"push", "schedule", "repository_dispatch"} <= set(triggers)
    commands = _devportal_commands(workflow)
    assert any(c[:1] == ["build"] and "--frozen" in c and "--strict" in c for c in commands)
    uses = [step.get("uses", "") for job in workflow["jobs"].values() for step in job.get("steps", [])]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)


def test_check_source_is_reusable_and_checks_the_calling_repo():
    workflow = yaml.safe_load((WORKFLOWS[0].parent / "check-source.yml").read_text())
    assert "workflow_call" in workflow.get("on", workflow.get(True))
    commands = _devportal_commands(workflow)
    assert any(c[:1] == ["check"] and "--source" in c and "--format" in c for c in commands)


def test_check_source_can_fail_on_breaking_changes_against_a_base_ref():
    workflow = yaml.safe_load((WORKFLOWS[0].parent / "check-source.yml").read_text())
    assert "base-ref" in workflow.get("on", workflow.get(True))["workflow_call"]["inputs"]
    commands = _devportal_commands(workflow)
    assert any(c[:1] == ["diff"] and "--fail-on" in c and "breaking" in c for c in commands)


def test_check_source_base_ref_step_fails_a_pull_request_that_breaks_the_api(tmp_path, make_upstream):
    """The step's own script, run by bash in a clone of a real repo: a removed operation fails it."""
    workflow = yaml.safe_load((WORKFLOWS[0].parent / "check-source.yml").read_text())
    step = next(s for s in workflow["jobs"]["check"]["steps"] if "devportal diff" in s.get("run", ""))
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/a": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/b": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    upstream = make_upstream("api", {"openapi.yaml": yaml.safe_dump(spec)})
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", upstream.url, str(clone)], check=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "devportal").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator.cli "$@"\n')
    (bin_dir / "devportal").chmod(0o755)
    summary = tmp_path / "summary.md"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "BASE_REF": "main", "SPECS": "",
           "GITHUB_STEP_SUMMARY": str(summary), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def run_step() -> subprocess.CompletedProcess:
        subprocess.run(["git", "worktree", "remove", "--force", ".devportal-base"], cwd=clone, capture_output=True)
        return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=clone, env=env, capture_output=True, text=True)

    spec["paths"]["/c"] = spec["paths"]["/a"]  # an addition: passes
    (clone / "openapi.yaml").write_text(yaml.safe_dump(spec))
    result = run_step()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "operation added" in result.stdout

    del spec["paths"]["/b"]  # a removal: fails
    (clone / "openapi.yaml").write_text(yaml.safe_dump(spec))
    result = run_step()
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BREAKING  GET /b: operation removed" in result.stdout
    assert "::error file=openapi.yaml::" in result.stdout
    assert "## Breaking changes" in summary.read_text()
