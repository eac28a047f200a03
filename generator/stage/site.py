"""Build the staged ``mkdocs.yml`` with MkDocs into ``site/``, atomically.

The site is built into a sibling folder and swapped in only when the build succeeded, so a failed or
interrupted build leaves the previous ``site/`` untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.config import read_mkdocs_yml
from generator.diagnostics import Diagnostic, Diagnostics, error, warning
from generator.stage.search_index import index_site
from generator.stage.swap import recover, release, swap_into_place, work_dir
from generator.stage.zensical_engine import build_with_zensical


class _CollectWarnings(logging.Handler):
    """Turns MkDocs' own warnings into diagnostics, so they are reported with ours."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _collect_mkdocs_warnings() -> Iterator[_CollectWarnings]:
    handler = _CollectWarnings()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _record_to_diagnostic(record: logging.LogRecord, mkdocs_yml: Path) -> Diagnostic | None:
    message = record.getMessage().strip()
    if not message or "MkDocs 2.0" in message or "end of life" in message.lower():
        return None
    make = error if record.levelno >= logging.ERROR else warning
    return make(str(mkdocs_yml), message.splitlines()[0], code="mkdocs",
                hint="reported by MkDocs while building the staged tree")


def _search_engine(mkdocs_yml: Path) -> str | None:
    """The portal's ``search`` setting, as the staged config carries it (``extra.devportal.search``)."""
    extra = read_mkdocs_yml(mkdocs_yml).get("extra") or {}
    devportal = extra.get("devportal") if isinstance(extra, dict) else None
    return devportal.get("search") if isinstance(devportal, dict) else None


def build_site(mkdocs_yml: Path, site_dir: Path, *, strict: bool = False, engine: str = "mkdocs") -> Diagnostics:
    """Build ``mkdocs_yml`` with ``engine`` (the real MkDocs build, or Zensical) and swap the result into
    ``site_dir``.

    Returns the engine's warnings and errors as diagnostics; on failure ``site_dir`` is left as it was.
    """
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    problems = Diagnostics()
    site_dir = site_dir.resolve()
    recover(site_dir)  # what a killed build left: restore the last good site, delete its work folders
    work = work_dir(site_dir)
    try:
        if engine == "zensical":
            problems.extend(build_with_zensical(mkdocs_yml, work, strict=strict))
        else:
            with _collect_mkdocs_warnings() as collected:
                try:
                    config = load_config(str(mkdocs_yml), site_dir=str(work), strict=strict)
                    build(config)
                except (ConfigurationError, Abort, OSError, ValueError, KeyError) as exc:
                    problems.add(error(str(mkdocs_yml), f"MkDocs could not build the site: {exc}",
                                       code="mkdocs-failed",
                                       hint="fix the problems above; the previous site was left untouched"))
            for record in collected.records:
                diagnostic = _record_to_diagnostic(record, mkdocs_yml)
                if diagnostic:
                    problems.add(diagnostic)
        if not problems.has_errors(strict=strict) and _search_engine(mkdocs_yml) == "pagefind":
            problems.extend(index_site(work, config_file=str(mkdocs_yml)))
        if problems.has_errors(strict=strict):
            return problems
        swap_into_place(work, site_dir)
        work = None
        return problems
    finally:
        if work is not None:
            release(work)

