"""What ships is what runs: the wheel holds every package and template, and builds the example portal.

The wheel is installed into a fresh virtual environment (its dependencies come from this interpreter's
site-packages, so no download is needed) and run from a folder that holds only the example project's
files: no ``generator/`` package and none of the package's templates beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source")  # a copy: setuptools leaves build/ behind in the tree it builds
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source)
    for name in ("generator", "templates"):
        shutil.copytree(REPO_ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(source)], check=True, capture_output=True, text=True)
    return next(out.glob("devportal-*.whl"))


def test_wheel_holds_every_package_module_and_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "generator").rglob("*.py")}
    templates = {"generator/" + p.relative_to(REPO_ROOT).as_posix()
                 for p in (REPO_ROOT / "templates").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert modules - names == set(), "packages missing from [tool.setuptools] packages in pyproject.toml"
    assert templates - names == set()


def test_installed_wheel_builds_the_example_portal(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "--force-reinstall", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO_ROOT / "mkdocs.yml", project)
    shutil.copytree(REPO_ROOT / "content", project / "content")
    # the example project names templates/overrides as its theme custom_dir; the package templates are not copied
    shutil.copytree(REPO_ROOT / "templates" / "overrides", project / "templates" / "overrides")

    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # a checkout on it would win
    where = subprocess.run([python, "-c", "import generator; print(generator.__file__)"], cwd=project, env=env,
                           check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(venv), f"the test must run the installed wheel, not {where}"

    result = subprocess.run([venv / "bin" / "devportal", "build", "--offline"], cwd=project, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "site built:" in result.stdout + result.stderr
    site = project / "site"
    overview = (site / "payments" / "api" / "payments" / "index.html").read_text(encoding="utf-8")
    assert "createPayment" in overview  # rendered through the wheel's templates/apiref
    assert (site / "assets" / "apiref" / "apiref.css").read_bytes() == \
        (REPO_ROOT / "templates" / "apiref" / "assets" / "apiref.css").read_bytes()
    assert "Payments API" in (site / "index.html").read_text(encoding="utf-8")  # templates/portal's API table
