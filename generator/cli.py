"""The ``devportal`` command.

Exit codes: 0 success, 1 the input has errors (or warnings with ``--strict``), 2 the tool itself could
not run (bad usage, missing config, unexpected failure).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from generator.diagnostics import FORMATS, DiagnosticError, Diagnostics, report
from generator.heap import collections_spaced
from generator.project_lock import DEFAULT_WAIT
from generator.stage.zensical_engine import ENGINES, TESTED_VERSION

EXIT_OK, EXIT_PROBLEMS, EXIT_TOOL = 0, 1, 2
#: New objects after which the program's collector takes its youngest generation (see :func:`run`).
PROGRAM_YOUNG = 20_000


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _common(parser: argparse.ArgumentParser, *, fetch_modes: bool = True) -> None:
    parser.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"), metavar="PATH",
                        help="the portal's mkdocs.yml (default: ./mkdocs.yml)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="how problems are printed: text for people, json or github (annotations) for CI")
    parser.add_argument("--strict", action="store_true", default=None,
                        help="treat warnings (broken links, invalid specs...) as errors; any error, also in one "
                             "source's files, fails the build")
    if fetch_modes:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--frozen", action="store_true",
                           help="build exactly the commits in devportal.lock; fail if it is missing or stale")
        group.add_argument("--offline", action="store_true",
                           help="contact no remote: use the cached commits pinned in devportal.lock")
        parser.add_argument("--allow-stale", action="store_true",
                            help="when a source's remote cannot be reached, build its last locked commit from the "
                                 "cache (a warning, and a banner on that source's pages) instead of failing")
        parser.add_argument("--wait", type=float, default=DEFAULT_WAIT, metavar="SECONDS",
                            help="one build at a time per folder: wait this long for another build, stage, "
                                 f"fetch or check in progress there (default {DEFAULT_WAIT:g}; 0 refuses at once)")


def _mode(args: argparse.Namespace) -> str:
    if getattr(args, "update", False):
        return "update"
    if getattr(args, "frozen", False):
        return "frozen"
    if getattr(args, "offline", False):
        return "offline"
    return "auto"


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devportal",
        description="Build a developer portal from the Markdown docs and OpenAPI specs of many Git repos.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser("build", help="fetch the sources, stage them and build the site atomically",
                           description="Fetch every source, stage the docs tree and build the site with "
                                       "MkDocs (or Zensical: --engine) into a folder beside site/, swapped in "
                                       "only on success. Errors in a source's files (too big, not UTF-8, "
                                       "unreadable YAML...) leave those files out and the rest of the portal is "
                                       "built (exit status 1); with --strict they fail the build. Each step "
                                       "logs its wall and CPU time (time: fetch, stage, site).")
    _common(build)
    build.add_argument("-d", "--site-dir", type=Path, help="where the site goes (default: site_dir of mkdocs.yml)")
    build.add_argument("--engine", choices=ENGINES, default="mkdocs",
                       help="what builds the staged tree: mkdocs (MkDocs with Material, the default) or zensical "
                            f"(Material's successor; tested with {TESTED_VERSION}: pip install 'devportal[zensical]')")

    stage = sub.add_parser("stage", help="write the staged docs tree and generated mkdocs.yml, without building",
                           description="Write .devportal/stage/{docs,mkdocs.yml}: a plain tree that MkDocs "
                                       "or Zensical builds (`mkdocs build -f .devportal/stage/mkdocs.yml`).")
    _common(stage)

    serve = sub.add_parser("serve", help="preview the portal with live reload (mkdocs serve through the plugin)",
                           description="Build the portal and serve it at --dev-addr; a save in the portal's "
                                       "content or a local source restages only the pages it changed and "
                                       "re-renders only those (everything when a file was added or removed, "
                                       "or a title, front matter, the nav or the config changed), once per "
                                       "save; the search index follows in the background.")
    serve.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"), metavar="PATH")
    serve.add_argument("-a", "--dev-addr", default="127.0.0.1:8000", metavar="IP:PORT")

    fetch = sub.add_parser("fetch", help="fetch the sources into the cache and write devportal.lock",
                           description="Fetch every source into the cache and write devportal.lock; logs the "
                                       "step's wall and CPU time (time: fetch).")
    _common(fetch)
    fetch.add_argument("--update", action="store_true", help="resolve every ref again and move the lock forward")

    check = sub.add_parser("check", help="run every validator without writing a site",
                           description="Validate config, Markdown (front matter, links, anchors, images, nav) "
                                       "and OpenAPI specs. Exit 0 clean, 1 problems, 2 the tool could not run.")
    _common(check)
    check.add_argument("--source", type=Path, metavar="PATH",
                       help="check one repo's docs as the portal would (for an API team's own CI)")
    check.add_argument("--pages", action="append", metavar="GLOB", help="with --source: page globs")
    check.add_argument("--specs", action="append", metavar="GLOB", help="with --source: spec globs")

    render = sub.add_parser(
        "render-spec", help="render one OpenAPI spec as a standalone reference site",
        description="Render one Swagger 2.0 / OpenAPI 3.0 / 3.1 spec (relative $refs to files beside it are "
                    "followed, never outside its folder) as a site of its own with the portal's theme: overview, "
                    "a page per tag, models, single page, YAML and JSON downloads. Problems are printed with "
                    "file:line and JSON pointer; an invalid spec is rendered with a warning banner, or fails "
                    "with --strict. Exit status: 0 built, 1 errors, 2 no such file.")
    render.add_argument("spec", type=Path, help="the OpenAPI / Swagger file (YAML or JSON)")
    render.add_argument("-o", "--output", type=Path, required=True, metavar="DIR", help="where the site goes")
    render.add_argument("--strict", action="store_true", help="fail when the spec is invalid")

    diff = sub.add_parser(
        "diff", help="list what changed between two versions of a spec, and what breaks clients",
        description="Compare two Swagger 2.0 / OpenAPI 3.0 / 3.1 specs (YAML or JSON; $refs followed to files in "
                    "the Git work tree of each spec, else its folder) and list every change to operations, parameters, "
                    "request and response bodies, responses, headers, security and servers, with the operation, "
                    "JSON pointer and line, and whether it breaks existing clients (the rules are in the README). "
                    "Exit status: 0 compared, 1 breaking changes found with --fail-on breaking, 2 a spec cannot "
                    "be read.")
    diff.add_argument("old", type=Path, help="the earlier spec (root file)")
    diff.add_argument("new", type=Path, help="the later spec (root file)")
    diff.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                      help="text for people, json for tools, markdown for a pull-request comment")
    diff.add_argument("--fail-on", choices=("breaking",), help="exit 1 when a breaking change is found")

    updates = sub.add_parser("updates", help="technical updates: `devportal updates new \"Title\"`")
    updates_sub = updates.add_subparsers(dest="updates_command", required=True, metavar="ACTION")
    new = updates_sub.add_parser("new", help="scaffold an update dated today")
    new.add_argument("title")
    new.add_argument("--dir", type=Path, default=Path("content/portal/updates"), help="folder of updates")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    handler = _HANDLERS[args.command]
    try:
        return handler(args)
    except DiagnosticError as exc:
        fmt = getattr(args, "format", "text")
        report(exc.diagnostics, fmt, strict=bool(getattr(args, "strict", False)),
               stream=sys.stdout if fmt != "text" else None)
        return EXIT_PROBLEMS if _input_problem(exc.diagnostics) else EXIT_TOOL
    except KeyboardInterrupt:
        _log("interrupted: the previous site was left untouched")
        return 130


def _input_problem(diagnostics: Diagnostics) -> bool:
    return not any(d.code == "config-missing" for d in diagnostics)


def _finish(diagnostics: Diagnostics, args: argparse.Namespace, *, ok_message: str | None = None) -> int:
    strict = bool(args.strict)
    if diagnostics:
        report(diagnostics, args.format, strict=strict, stream=sys.stdout if args.format != "text" else None)
    failed = diagnostics.has_errors(strict=strict)
    if ok_message and not failed:
        _log(ok_message)
    return EXIT_PROBLEMS if failed else EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from generator.pipeline import build

    result = build(args.config_file, site_dir=args.site_dir, mode=_mode(args), strict=args.strict, log=_log,
                   allow_stale=args.allow_stale, wait=args.wait, engine=args.engine)
    code = _finish(result.diagnostics, args, ok_message=f"site built: {result.site_dir}" if result.built else None)
    if not result.built:
        _log(f"build failed: {result.site_dir} was left as it was")
        return EXIT_PROBLEMS
    if code != EXIT_OK:
        _log(f"site built: {result.site_dir}, without the sources' files in error above; fix them "
             "(a --strict build refuses to publish)")
    return code


def _cmd_stage(args: argparse.Namespace) -> int:
    from generator.pipeline import stage

    result = stage(args.config_file, mode=_mode(args), strict=args.strict, log=_log, allow_stale=args.allow_stale,
                   wait=args.wait)
    return _finish(result.diagnostics, args, ok_message=f"staged: {result.staged.mkdocs_yml}")


def _cmd_fetch(args: argparse.Namespace) -> int:
    from generator.config import load_project_config
    from generator.pipeline import fetch

    project = load_project_config(args.config_file)
    checkouts = fetch(project, mode=_mode(args), log=_log, allow_stale=args.allow_stale, strict=args.strict,
                      wait=args.wait)
    code = _finish(Diagnostics(d for c in checkouts for d in c.diagnostics), args)
    _log(f"fetched {len(checkouts)} source(s); lock: {project.resolve(project.portal.lock_file)}")
    return code


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from mkdocs.commands.serve import serve

    logging.basicConfig(level=logging.INFO, format="%(levelname)-7s -  %(message)s")
    # dirty: a save re-renders only the pages it changed (the plugin builds everything when more changed)
    serve(config_file=str(args.config_file), dev_addr=args.dev_addr, livereload=True, build_type="dirty")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from generator.commands.check import run_check

    diagnostics = run_check(args.config_file, source=args.source, pages=args.pages, specs=args.specs,
                            mode=_mode(args), strict=args.strict, log=_log, allow_stale=args.allow_stale,
                            wait=args.wait)
    warnings = len(diagnostics.warnings)
    return _finish(diagnostics, args, ok_message=f"check: no errors, {warnings} warning(s) (`--strict` fails on them)"
                   if warnings else "check: no problems found")


def _cmd_render_spec(args: argparse.Namespace) -> int:
    from generator.commands.render_spec import run_render_spec

    return run_render_spec(args.spec, args.output, strict=args.strict)


def _cmd_diff(args: argparse.Namespace) -> int:
    from generator.validate.diff import diff_specs, write_changes

    try:
        result = diff_specs(args.old, args.new)
    except DiagnosticError as exc:
        report(exc.diagnostics, "text")
        return EXIT_TOOL
    write_changes(result, args.format, sys.stdout)
    return EXIT_PROBLEMS if args.fail_on == "breaking" and result.breaking else EXIT_OK


def _cmd_updates(args: argparse.Namespace) -> int:
    from generator.render.archive import scaffold_update

    path = scaffold_update(args.dir, args.title, date.today())
    print(os.fspath(path))
    return EXIT_OK


_HANDLERS = {"build": _cmd_build, "stage": _cmd_stage, "serve": _cmd_serve, "fetch": _cmd_fetch,
             "check": _cmd_check, "render-spec": _cmd_render_spec, "diff": _cmd_diff,
             "updates": _cmd_updates}


def run() -> int:
    """The ``devportal`` program: :func:`main`, with the collector's youngest generation collected after
    :data:`PROGRAM_YOUNG` new objects instead of Python's 700 while it runs (a build makes its pages, templates,
    specs and their views in bulk: at the M benchmark portal the collector's passes took 0.17 CPU s of a cold
    build over its processes, the workers it forks included, and 0.06 so spaced; cyclic garbage lives at most
    that many objects longer), then every object left is frozen (``gc.freeze``) before the interpreter exits.
    Python's exit runs the cyclic garbage collector over the whole heap (a build's pages, navigation and
    templates): 0.09 of a cold build's 3.3 CPU s at the S benchmark portal, for memory the process is about to
    give back anyway. Frozen objects are not walked; objects still freed by their reference count (open files
    among them) are closed as before. Only the program does this: a caller of :func:`main` in the same process
    (the tests) keeps its collector as it was."""
    with collections_spaced(PROGRAM_YOUNG):
        code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(run())
