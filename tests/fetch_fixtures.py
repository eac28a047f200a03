"""Fetch third-party test input from the npm registry into tests/.fixtures/ (gitignored, never committed).

* ``@readme/oas-examples``: OpenAPI 2.0 / 3.0 / 3.1 examples, including the OpenAPI Initiative's petstore,
  uspto, callbacks, links and webhooks examples.

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


if __name__ == "__main__":
    print(oas_examples())
