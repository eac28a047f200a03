"""OpenAPI / Swagger validation with file, line, column and JSON pointer for every problem.

openapi-spec-validator does the validation, with ``$ref`` handlers that read only files inside the
source repo (it would otherwise fetch any URL, ``file:///etc/passwd`` included). It reports JSON paths
without lines, and a dangling ``$ref`` raises out of it, so every ``$ref`` is checked here first and
each pointer is mapped back to its position in the YAML/JSON text.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from collections.abc import Callable
from concurrent.futures import Executor
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from generator.cache_entries import remove_other_entries
from generator.diagnostics import Diagnostic, Severity, error, warning
from generator.positions import Positions, pointer_escape, pointer_parts, value_at
from generator.repo_files import DEFAULT_LIMITS, ContentLimits, SourceFileError
from generator.validate.spec_files import ParsedDocuments, RefError, SpecFiles
from generator.yaml12 import yaml_error

VALIDATOR_VERSION = package_version("openapi-spec-validator")
#: `pattern`s are ECMA-262 regexes: openapi-schema-validator checks them with `regress` (a dependency) when it
#: is installed, else with Python's `re`, which rejects valid ones such as `\p{L}`. Part of the cache key.
#: Told by whether `regress` can be imported, as the validator tells it (`has_ecma_regex`), without importing
#: the validator: a build whose specs are all validated already never needs it (0.15 s of its start-up).
REGEX_ENGINE = "regress" if importlib.util.find_spec("regress") else "re"
CACHE_FORMAT = 2  # bump when what a validation reports changes, so cached results are not reused


def spec_version(document: Any) -> str | None:
    """``"2.0"``, ``"3.0"`` or ``"3.1"`` (None when the file is not an OpenAPI document)."""
    if not isinstance(document, dict):
        return None
    if str(document.get("swagger", "")).startswith("2"):
        return "2.0"
    version = str(document.get("openapi", ""))
    return version[:3] if version.startswith(("3.0", "3.1")) else None


def _refuse(uri: str) -> Any:
    raise RefError(f"`{uri}` may not be read while validating")


def _walk_refs(node: Any, pointer: str = ""):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield pointer + "/$ref", ref
        for key, value in node.items():
            if key != "$ref":
                yield from _walk_refs(value, f"{pointer}/{pointer_escape(key)}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_refs(value, f"{pointer}/{index}")


class _Located(Positions):
    """Pointer → line:column in one document's text, computed on first use."""

    def ending_with(self, pointer: str, document: Any, value: Any) -> str | None:
        """The document's first pointer that ends with ``pointer`` and holds ``value``: where a problem
        reported relative to a schema object (a check of that schema alone) is in the whole document."""
        for candidate in self.known:
            if candidate.endswith(pointer) and _value_at(document, candidate) == value:
                return candidate
        return None


def check_refs(files: SpecFiles, uri: str, display: str) -> list[Diagnostic]:
    """Every ``$ref`` of the spec and of the files it reaches must resolve inside the repo."""
    problems: list[Diagnostic] = []
    pending, seen = [uri], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            document = files.load(current)
        except (RefError, OSError, yaml.YAMLError):
            continue  # reported where it is referenced
        locate = _Located(files.texts.get(current, ""))
        shown = display if current == uri else f"{display.rsplit('/', 1)[0]}/{files.display(current)}" \
            if "/" in display else files.display(current)
        for pointer, ref in _walk_refs(document):
            try:
                _, target_uri, _ = files.resolve(ref, current)
            except RefError as exc:
                line, column = locate(pointer)
                problems.append(error(shown, f"$ref cannot be followed: {exc}", code="spec-ref", line=line,
                                      column=column, pointer="#" + pointer,
                                      hint="point the $ref at a file in this repo (relative path) and an existing "
                                           "pointer, e.g. `schemas.yaml#/Payment`"))
            except (OSError, yaml.YAMLError) as exc:
                line, column = locate(pointer)
                problems.append(error(shown, f"$ref target cannot be read: {exc}", code="spec-ref", line=line,
                                      column=column, pointer="#" + pointer, hint="fix the referenced file"))
            else:
                pending.append(target_uri)
    return problems


def _cache_file(cache_dir: Path, spec_path: Path, remote_refs: bool, display: str,
                limits: ContentLimits = DEFAULT_LIMITS) -> Path:
    key = (f"{spec_path.resolve()}|{remote_refs}|{display}|{VALIDATOR_VERSION}|{REGEX_ENGINE}|{CACHE_FORMAT}|"
           f"{limits.spec_bytes}")
    key = hashlib.sha256(key.encode()).hexdigest()
    return cache_dir / f"{key[:32]}.json"


def _cached(cache_file: Path) -> list[Diagnostic] | None:
    """The diagnostics of an earlier validation, if no file it read has changed since."""
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        for path, digest in data["files"].items():
            if hashlib.sha256(Path(path).read_bytes()).hexdigest() != digest:
                return None
        return [Diagnostic(**{**d, "severity": Severity(d["severity"])}) for d in data["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _store(cache_file: Path, uris: list[str], problems: list[Diagnostic]) -> None:
    paths = [unquote(urlsplit(uri).path) for uri in uris if uri.startswith("file:")]
    if len(paths) != len(uris):
        return  # remote documents can change without notice: not cached
    record = {"files": {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in sorted(set(paths))},
              "diagnostics": [d.to_json() for d in problems]}
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    cache_file.write_text(json.dumps(record), encoding="utf-8")


# openapi-spec-validator checks a spec in two independent halves: the document against the OpenAPI JSON
# Schema, then its own keyword checks (schemas, parameters, operation ids...). They can run in parallel.
PARTS = ("schema", "keywords")


def forget_gone_specs(cache_dir: Path) -> None:
    """Delete the validations kept in ``cache_dir`` that can never be used again: an entry is found by its
    spec's path (in a checkout named after its commit) and used only while every file it read is there, so an
    entry with a file gone (a checkout the fetch deleted, a spec moved or removed) is of no use."""
    kept = set()
    try:
        entries = list(cache_dir.glob("*.json"))
    except OSError:
        return
    for entry in entries:
        try:
            if all(Path(path).is_file() for path in json.loads(entry.read_text(encoding="utf-8"))["files"]):
                kept.add(entry.name)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable: deleted
    remove_other_entries(cache_dir, kept)


def validate_spec(spec_path: Path, *, source_root: Path, remote_refs: bool = False,
                  display_path: str | None = None, files: SpecFiles | None = None,
                  cache_dir: Path | None = None, limits: ContentLimits = DEFAULT_LIMITS) -> list[Diagnostic]:
    """All problems of one spec: YAML errors, unresolvable ``$ref``s and schema violations, with lines.

    With ``cache_dir``, the result is reused while no file the spec reaches has changed (validating a
    big spec takes tens of seconds, and most builds do not change it)."""
    display = display_path or spec_path.name
    cache_file = _cache_file(cache_dir, spec_path, remote_refs, display, limits) if cache_dir else None
    if cache_file is not None:
        cached = _cached(cache_file)
        if cached is not None:
            return cached
    files = files or SpecFiles(root=source_root, remote_refs=remote_refs, limits=limits)
    problems = _validate(spec_path, files, remote_refs, display, PARTS)
    if cache_file is not None:
        _store(cache_file, list(files.texts), problems)
    return problems


def validate_spec_in_background(executor: Executor, spec_path: Path, *, source_root: Path,
                                remote_refs: bool = False, display_path: str | None = None,
                                cache_dir: Path | None = None, limits: ContentLimits = DEFAULT_LIMITS,
                                parsed: ParsedDocuments | None = None) -> Callable[[], list[Diagnostic]]:
    """Start :func:`validate_spec` as two jobs on ``executor`` (a process pool); returns the wait for it.

    The problems are the same, in the same order, as :func:`validate_spec` finds."""
    display = display_path or spec_path.name
    cache_file = _cache_file(cache_dir, spec_path, remote_refs, display, limits) if cache_dir else None
    cached = _cached(cache_file) if cache_file is not None else None
    if cached is not None:
        return lambda: cached
    jobs = [executor.submit(_validate_part, spec_path, source_root, remote_refs, display, part, limits, parsed)
            for part in PARTS]

    def result() -> list[Diagnostic]:
        problems: list[Diagnostic] = []
        uris: list[str] = []
        for job in jobs:
            found, read = job.result()
            problems += found
            uris += read
        if cache_file is not None:
            _store(cache_file, uris, problems)
        return problems

    return result


def _validate_part(spec_path: Path, source_root: Path, remote_refs: bool, display: str,
                   part: str, limits: ContentLimits = DEFAULT_LIMITS,
                   parsed: ParsedDocuments | None = None) -> tuple[list[Diagnostic], list[str]]:
    files = SpecFiles(root=source_root, remote_refs=remote_refs, limits=limits, parsed=parsed)
    return _validate(spec_path, files, remote_refs, display, (part,)), list(files.texts)


def _validate(spec_path: Path, files: SpecFiles, remote_refs: bool, display: str,
              parts: tuple[str, ...]) -> list[Diagnostic]:
    reports_reading = "keywords" in parts  # the problems of reading the spec are reported once
    uri = files.uri_of(spec_path)
    try:
        document = files.load(uri)
    except yaml.YAMLError as exc:
        return [yaml_error(display, exc, subject="the spec", code="spec-yaml",
                           hint="quote keys and values that contain `[`, `{`, `:` or `#`", refused_code="spec-refused",
                           refused_hint="write the spec without deep nesting or repeated aliases ($ref a component "
                                        "instead); the rest of the portal is built without this API reference")
                ] if reports_reading else []
    except (RefError, OSError) as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, SourceFileError) else None
        return [error(display, f"cannot read the spec: {exc}", code="spec-unreadable", line=cause and cause.line,
                      hint=cause.hint if cause else "check `specs:`")] if reports_reading else []
    version = spec_version(document)
    if version is None:
        return [error(display, "not an OpenAPI or Swagger document (no `openapi: 3.x` or `swagger: \"2.0\"`)",
                      code="spec-not-openapi", line=1,
                      hint="remove it from the source's `specs:` globs")] if reports_reading else []
    # Imported here: openapi-spec-validator takes 0.4 s to import, and a big spec is validated in
    # worker processes while the main one renders.
    from generator.validate import speedups

    with speedups.fast_node_lookups():
        return _check(files, document, uri, version, remote_refs, display, parts)


def _check(files: SpecFiles, document: Any, uri: str, version: str, remote_refs: bool, display: str,
           parts: tuple[str, ...]) -> list[Diagnostic]:
    """The validator's own findings on the loaded ``document`` (the ``parts`` asked for)."""
    from generator.validate import speedups  # see _validate

    handlers = {"file": files.handler, "http": files.handler if remote_refs else _refuse,
                "https": files.handler if remote_refs else _refuse, "<all_urls>": _refuse}
    validator = speedups.VALIDATORS[version](speedups.schema_path(document, uri, handlers))
    text = files.texts.get(uri, "")
    locate = _Located(text)
    problems: list[Diagnostic] = []
    if "schema" in parts:  # plain JSON Schema validation of the document: reads no $ref target
        problems += [_diagnostic(problem, display, text, locate)
                     for problem in validator.schema_validator.iter_errors(validator.schema)]
    if "keywords" in parts:
        found = check_refs(files, uri, display)
        try:
            for problem in validator.root_validator(validator.schema_path):
                found.append(_diagnostic(problem, display, text, locate, document))
        except Exception as exc:  # noqa: BLE001 - the validator raises many kinds on a broken $ref
            if not found:
                found.append(error(display, f"validation stopped: {str(exc).splitlines()[0][:300]}",
                                   code="spec-invalid", line=1, hint="fix the $ref problems first"))
            else:
                found.append(warning(display, "validation stopped at the first unresolvable $ref; fix those first",
                                     code="spec-invalid-partial"))
        problems += found
    return problems


def _value_at(document: Any, pointer: str) -> Any:
    try:
        return value_at(document, pointer_parts(pointer))
    except LookupError:
        return _MISSING


_MISSING = object()


def _diagnostic(problem, display: str, text: str, locate: _Located, document: Any = None) -> Diagnostic:
    pointer = "".join(f"/{pointer_escape(part)}" for part in problem.absolute_path)
    if pointer and pointer not in locate.known and document is not None:
        pointer = locate.ending_with(pointer, document, problem.instance) or pointer
    line, column = locate(pointer)
    if not pointer:  # a value checked against a schema (an example): find it in the text
        line, column, pointer = *_find_value(text, problem.instance), None
    return error(display, _plain(problem.message), code="spec-invalid", line=line, column=column,
                 pointer="#" + pointer if pointer is not None else None, hint=_hint(problem))


def _find_value(text: str, value: Any) -> tuple[int | None, int | None]:
    """Line and column of the first YAML/JSON scalar equal to ``value`` (where the validator gives no path)."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool) or not str(value):
        return 1, 1
    pattern = re.compile(rf"""(?:[:\-\[,]\s*|^\s*)(?P<v>["']?{re.escape(str(value))}["']?)\s*(?:[,\]}}]|$)""",
                         re.MULTILINE)
    match = pattern.search(text)
    if not match:
        return 1, 1
    start = match.start("v")
    return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)


def _plain(message: str) -> str:
    message = message.replace("does not match any of the regexes: '^\\\\/', '^x-'",
                              "is not a path (paths start with `/`) nor an `x-` extension")
    return message if len(message) < 400 else message[:400] + "…"


def _hint(problem) -> str:
    validator = getattr(problem, "validator", "")
    hints = {
        "required": "add the missing field",
        "additionalProperties": "remove the field, or prefix it with `x-` to make it an extension",
        "type": "check the type of the value (quote it if it is meant as a string)",
        "format": "fix the value's format (e.g. a valid regular expression for `pattern`)",
        "enum": "use one of the allowed values",
        "pattern": "fix the value to match the expected pattern",
        "patternProperties": "paths must start with `/`",
    }
    return hints.get(str(validator), "see the OpenAPI specification for this field")
