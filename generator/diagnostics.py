"""One model of a problem, used by every step of the pipeline and printed by one reporter.

A :class:`Diagnostic` says where (file and line, or a JSON pointer inside a spec), how bad, what is
wrong and how to fix it. Steps collect them into a :class:`Diagnostics` list instead of raising on the
first problem, so a user sees every problem of a build at once.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import TextIO

from generator.redaction import redact_text


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found in the input, with its location and a hint for the fix.

    ``file`` is the path as the user knows it: ``<source name>/<path in repo>`` for content from a
    source, or a path relative to the project for the portal's own files. ``code`` is a stable,
    machine-readable identifier such as ``link-missing-page`` or ``spec-invalid``.
    """

    file: str
    line: int | None = None
    column: int | None = None
    pointer: str | None = None
    severity: Severity = Severity.ERROR
    code: str = "error"
    message: str = ""
    hint: str | None = None
    source: str | None = field(default=None, compare=False)

    def location(self) -> str:
        """``file:line:column`` (or ``file#pointer``) as editors and terminals understand it."""
        text = self.file or "<config>"
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        if self.pointer:
            text += f" ({self.pointer})" if self.line is not None else f"#{self.pointer}"
        return text

    def to_json(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    def redacted(self) -> Diagnostic:
        """This diagnostic with any credential in a URL it quotes taken out (see :mod:`generator.redaction`)."""
        return Diagnostic(**{**self.__dict__, "file": redact_text(self.file), "message": redact_text(self.message),
                             "hint": redact_text(self.hint) if self.hint else self.hint})

    def __str__(self) -> str:
        text = f"{self.location()}: {self.severity.value}: {self.message} [{self.code}]"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return redact_text(text)


def error(file: str, message: str, *, code: str, hint: str | None = None, **where) -> Diagnostic:
    """Shorthand for an error diagnostic."""
    return Diagnostic(file=file, message=message, code=code, hint=hint, severity=Severity.ERROR, **where)


def warning(file: str, message: str, *, code: str, hint: str | None = None, **where) -> Diagnostic:
    """Shorthand for a warning diagnostic."""
    return Diagnostic(file=file, message=message, code=code, hint=hint, severity=Severity.WARNING, **where)


def info(file: str, message: str, *, code: str, hint: str | None = None, **where) -> Diagnostic:
    """Shorthand for an informational diagnostic (never fails a build)."""
    return Diagnostic(file=file, message=message, code=code, hint=hint, severity=Severity.INFO, **where)


class Diagnostics:
    """An ordered, de-duplicated collection of diagnostics gathered across a run."""

    def __init__(self, items: Iterable[Diagnostic] = ()) -> None:
        self._items: list[Diagnostic] = []
        self._seen: set[Diagnostic] = set()
        self.extend(items)

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self._seen:
            self._seen.add(diagnostic)
            self._items.append(diagnostic)

    def extend(self, items: Iterable[Diagnostic]) -> None:
        for item in items:
            self.add(item)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self._items if d.severity is Severity.WARNING]

    def has_errors(self, strict: bool = False) -> bool:
        """True when the run must fail: any error, or any warning in strict mode."""
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        return sorted(self._items, key=lambda d: (d.file, d.line or 0, d.column or 0, d.pointer or "", d.code))


class DiagnosticError(Exception):
    """Raised when a step cannot go on; carries every problem found so far."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = Diagnostics(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


# ---------------------------------------------------------------------------------------------------
# Reporters: text for people, JSON and GitHub workflow commands for CI.

FORMATS = ("text", "json", "github")


def _use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}


def report(diagnostics: Iterable[Diagnostic], fmt: str = "text", stream: TextIO | None = None,
           strict: bool = False) -> None:
    """Print diagnostics in one of :data:`FORMATS`.

    ``strict`` reports warnings as errors, matching how a strict run judges them.
    """
    stream = stream or sys.stderr
    items = [d.redacted() for d in Diagnostics(diagnostics).sorted()]  # no credential is ever printed
    if strict:
        items = [_as_error(d) for d in items]
    if fmt == "json":
        json.dump([d.to_json() for d in items], stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    elif fmt == "github":
        for d in items:
            stream.write(_github_line(d) + "\n")
    else:
        _report_text(items, stream)


def _as_error(d: Diagnostic) -> Diagnostic:
    if d.severity is Severity.WARNING:
        return Diagnostic(**{**d.__dict__, "severity": Severity.ERROR})
    return d


def _report_text(items: list[Diagnostic], stream: TextIO) -> None:
    colour = _use_colour(stream)
    reset, bold = ("\033[0m", "\033[1m") if colour else ("", "")
    current_file = None
    for d in items:
        if d.file != current_file:
            current_file = d.file
            stream.write(f"{bold}{d.file or '<config>'}{reset}\n")
        where = ""
        if d.line is not None:
            where = f"{d.line}:{d.column}" if d.column is not None else f"{d.line}"
        if d.pointer:
            where = f"{where} {d.pointer}".strip()
        tone = _COLOURS.get(d.severity, "") if colour else ""
        stream.write(f"  {where:>8}  {tone}{d.severity.value}{reset}  {d.message}  [{d.code}]\n")
        if d.hint:
            stream.write(f"            hint: {d.hint}\n")
    if items:
        errors = sum(1 for d in items if d.severity is Severity.ERROR)
        warnings = sum(1 for d in items if d.severity is Severity.WARNING)
        stream.write(f"{errors} error(s), {warnings} warning(s)\n")


def _github_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _github_line(d: Diagnostic) -> str:
    kind = {"error": "error", "warning": "warning"}.get(d.severity.value, "notice")
    props = [f"file={_github_escape(d.file, prop=True)}"]
    if d.line is not None:
        props.append(f"line={d.line}")
        if d.column is not None:
            props.append(f"col={d.column}")
    props.append(f"title={_github_escape(d.code, prop=True)}")
    message = d.message + (f" ({d.pointer})" if d.pointer else "") + (f" Hint: {d.hint}" if d.hint else "")
    return f"::{kind} {','.join(props)}::{_github_escape(message)}"
