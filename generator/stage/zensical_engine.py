"""Build the staged tree with Zensical instead of MkDocs (``devportal build --engine zensical``).

Material for MkDocs reaches end of life in May 2027; Zensical, its successor, reads the same ``mkdocs.yml``.
The staged tree is the same for both engines; only what Zensical needs differently is set here, in a copy
of the generated config (``mkdocs.zensical.yml`` beside it):

* ``theme.variant: classic``: Zensical's default "modern" variant is a new design that ignores the portal's
  brand stylesheet in places; "classic" is Material's design, which the brand stylesheet is written for.
* ``site_dir`` inside the stage folder (Zensical refuses a ``site_dir`` outside its project folder); the
  result is moved to where the caller wants it.
* without the staged search hook (``hooks/devportal_search.py``): Zensical runs no MkDocs hook, and
  ``devportal build`` indexes its site for search after the build.

Zensical runs in a child process: its Rust runtime keeps global state for the process, and its Markdown
rendering calls back into Python, which must find the staged config's own extension
(``generator.render.pages.safe_attributes``): the child imports every ``generator.`` extension before the
build starts. Zensical keeps its own cache in ``<stage>/.cache``, so a rebuild renders only what changed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

import generator
from generator.config import TaggedDumper, read_mkdocs_yml
from generator.diagnostics import Diagnostics, error, info
from generator.stage.search_index import SEARCH_HOOK

ENGINES = ("mkdocs", "zensical")
CONFIG_NAME = "mkdocs.zensical.yml"
SITE_NAME = ".zensical-site"
#: Zensical's own cache, in the stage folder: staging keeps it (:func:`generator.stage.docs_tree.sync_tree`)
CACHE_NAME = ".cache"
#: The newest Zensical that installs from the registry here (0.1.x needs ``zensical-ui``, not published).
TESTED_VERSION = "0.0.73"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ISSUE = re.compile(r"^(?P<level>Warning|Error):\s*(?P<message>.+)$")
LOCATION = re.compile(r"\[\s*(?P<file>[^\]\s]+?):(?P<line>\d+):\d+\s*\]")

#: The child's program: import the staged config's own Markdown extensions, then run Zensical's CLI.
BOOT = """
import importlib, sys
for name in sys.argv[1].split(","):
    if name:
        importlib.import_module(name)
sys.argv = ["zensical"] + sys.argv[2:]
from zensical.main import cli
cli()
"""


def zensical_version() -> str | None:
    """The installed Zensical's version, or None when it is not installed."""
    try:
        from importlib.metadata import PackageNotFoundError, version
        return version("zensical")
    except PackageNotFoundError:
        return None


def zensical_config(mkdocs_yml: Path) -> tuple[Path, list[str]]:
    """Write the Zensical copy of the staged config beside it; returns its path and the ``generator.``
    extensions the child must import first."""
    config = read_mkdocs_yml(mkdocs_yml)
    theme = dict(config.get("theme") or {})
    theme.setdefault("variant", "classic")
    config["theme"] = theme
    config["site_dir"] = SITE_NAME
    # devportal indexes a Zensical site for search itself: Zensical runs no MkDocs hook (and should it run the
    # staged one some day, the site would be indexed twice)
    hooks = [hook for hook in config.get("hooks") or [] if hook != SEARCH_HOOK]
    if hooks:
        config["hooks"] = hooks
    else:
        config.pop("hooks", None)
    own = []
    for entry in config.get("markdown_extensions") or []:
        name = entry if isinstance(entry, str) else next(iter(entry))
        if name.startswith("generator."):
            own.append(name)
    path = mkdocs_yml.with_name(CONFIG_NAME)
    path.write_text(yaml.dump(config, Dumper=TaggedDumper, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path, own


def _issues(output: str, config: Path) -> Diagnostics:
    """Zensical's warnings as info diagnostics: they are the link checks MkDocs reports at info level too
    (devportal checks links itself, with the source file's lines)."""
    problems = Diagnostics()
    lines = ANSI.sub("", output).splitlines()
    for number, line in enumerate(lines):
        match = ISSUE.match(line.strip())
        if not match:
            continue
        where = next((LOCATION.search(following) for following in lines[number + 1:number + 3]
                      if LOCATION.search(following)), None)
        file = f"{config.parent.name}/docs/{where['file']}" if where else str(config)
        problems.add(info(file, f"Zensical: {match['message']}", code="zensical",
                          line=int(where["line"]) if where else None,
                          hint="reported by Zensical while building the staged tree"))
    return problems


def build_with_zensical(mkdocs_yml: Path, out_dir: Path, *, strict: bool = False) -> Diagnostics:
    """Build the staged ``mkdocs_yml`` with Zensical into ``out_dir`` (which must not exist yet)."""
    problems = Diagnostics()
    if zensical_version() is None:
        problems.add(error(str(mkdocs_yml), "the Zensical engine is not installed", code="engine-missing",
                           hint=f"pip install 'zensical=={TESTED_VERSION}' (or 'devportal[zensical]'), "
                                "or build with --engine mkdocs"))
        return problems
    config, own = zensical_config(mkdocs_yml)
    built = config.parent / SITE_NAME
    shutil.rmtree(built, ignore_errors=True)
    package_root = str(Path(generator.__file__).resolve().parent.parent)
    env = dict(os.environ, NO_COLOR="1", PYTHONPATH=os.pathsep.join(
        p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p))
    command = [sys.executable, "-c", BOOT, ",".join(own), "build", "-f", str(config)]
    if strict:
        command.append("--strict")
    result = subprocess.run(command, cwd=config.parent, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    if result.returncode != 0 or not built.is_dir():
        tail = [line for line in ANSI.sub("", output).strip().splitlines() if line.strip()][-3:]
        problems.add(error(str(mkdocs_yml), "Zensical could not build the site: " + " / ".join(tail),
                           code="zensical-failed",
                           hint="fix the problems above, or build with --engine mkdocs; "
                                "the previous site was left untouched"))
        return problems
    problems.extend(_issues(output, config))
    if out_dir.is_dir() and not any(out_dir.iterdir()):
        out_dir.rmdir()  # the caller's fresh work folder
    shutil.move(str(built), str(out_dir))
    return problems


def main(argv: list[str] | None = None) -> int:
    """``python -m generator.stage.zensical_engine STAGED_MKDOCS_YML SITE_DIR``: build a staged tree with
    Zensical as ``devportal build --engine zensical`` does (the benchmark times the engine alone with it)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m generator.stage.zensical_engine",
                                     description=main.__doc__.splitlines()[0] if main.__doc__ else None)
    parser.add_argument("mkdocs_yml", type=Path, help="the staged mkdocs.yml (.devportal/stage/mkdocs.yml)")
    parser.add_argument("site_dir", type=Path, help="where the site goes (must not exist)")
    parser.add_argument("--clean", action="store_true", help="drop Zensical's cache first (a cold build)")
    args = parser.parse_args(argv)
    if args.clean:
        shutil.rmtree(args.mkdocs_yml.parent / CACHE_NAME, ignore_errors=True)
    problems = build_with_zensical(args.mkdocs_yml.resolve(), args.site_dir.resolve())
    for problem in problems:
        if problem.severity.name != "INFO":
            print(f"{problem.file}: {problem.message}", file=sys.stderr)
    return 1 if problems.has_errors(strict=False) else 0


if __name__ == "__main__":
    sys.exit(main())
