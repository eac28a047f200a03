"""Fetch third-party test input from the npm registry into tests/.fixtures/ (gitignored, never committed).

* ``@readme/oas-examples``: OpenAPI 2.0 / 3.0 / 3.1 examples, including the OpenAPI Initiative's petstore,
  uspto, callbacks, links and webhooks examples.
* ``@octokit/openapi``: GitHub's REST API spec (~13 MB, ~1,000 operations), two releases for the
  spec diff (``devportal diff``) and its benchmark.

Usage: python tests/fetch_fixtures.py   (the tests call :func:`oas_examples` themselves)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / ".fixtures"
OAS_EXAMPLES = "@readme/oas-examples@8.2.2"
OCTOKIT_RELEASES = ("16.0.0", "23.0.2")  # GHES 3.12 era (early 2024), and the newest release


def npm_package(spec: str, target: Path) -> Path:
    """Unpack the npm package ``spec`` into ``target`` (once); return the package folder."""
    package = target / "package"
    if package.is_dir():
        return package
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run([npm, "pack", spec, "--silent"], cwd=tmp, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"npm pack {spec} failed: {result.stderr.strip()[:300]}")
        tarball = Path(tmp) / result.stdout.strip().splitlines()[-1]
        staging = target.with_name(f"{target.name}.partial-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(tarball) as archive:
            archive.extractall(staging, filter="data")
        try:
            staging.rename(target)
        except OSError:  # another test worker unpacked it first
            shutil.rmtree(staging, ignore_errors=True)
    return package


def oas_examples() -> Path:
    return npm_package(OAS_EXAMPLES, FIXTURES / "oas-examples")


def octokit_openapi(version: str) -> Path:
    """GitHub's REST API spec (api.github.com.json) of ``@octokit/openapi`` release ``version``."""
    package = npm_package(f"@octokit/openapi@{version}", FIXTURES / f"octokit-openapi-{version}")
    return package / "generated" / "api.github.com.json"


if __name__ == "__main__":
    print(oas_examples())
    for release in OCTOKIT_RELEASES:
        print(octokit_openapi(release))
