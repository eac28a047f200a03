"""openapi-spec-validator's spec validators with two hot spots removed; same checks, same errors.

Measured on GitHub's REST spec (13 MB, 1,223 operations), its keyword checks took 25.6 s, of which:

* ~11 s went to ``schema_id in self.visited_schema_ids``: the validator remembers the schemas it has seen
  in *lists*, so every schema costs a scan of all the schemas before it (quadratic). ``_IdRegistry`` is a
  list whose membership test is a set lookup; the subclasses below install it.
* ~6 s went to ``isinstance(node, Subscriptable)`` in pathable, a ``typing.Protocol`` check that Python 3.11
  recomputes on every call, made for each step of each path the validator reads. For the plain ``dict`` and
  ``list`` nodes a loaded spec consists of, the answer is known; ``_fast_get_subnode`` answers it first and
  leaves every other node to the original, inside :func:`fast_node_lookups` only.

With both, the keyword checks take ~8 s.

* jsonschema-path 0.5 resolves a path from its root on every access unless given a cache, which
  ``SchemaPath.from_dict`` leaves off (``resolved_cache_maxsize=0``); the keyword checks ask each schema
  ten or so questions (``"allOf" in schema``, ``"items" in schema``, …), each a resolution. ``schema_path``
  turns the cache on: the whole validation of GitHub's spec 9.3 s to 4.8 s. Cached resolutions stay right
  while the files behind a ``$ref`` do not change during a validation, which ``SpecFiles`` guarantees
  (it reads each file once).

The other half, the whole document against the OpenAPI JSON Schema, took 7.5 s with jsonschema. jsonschema-rs
(which openapi-spec-validator can use as its backend) answers "is it valid?" in 0.3 s, but its errors lose
what the messages here are built from (the failing value, the keyword). So jsonschema-rs only decides
whether a document is valid; when it is not, jsonschema finds the errors as before. The same goes for the
check of each OpenAPI 3.0 schema object against the draft-04 meta-schema (~3 s of the keyword checks).

``tests/test_reference.py`` checks that the findings are the same as those of the stock validators with the
jsonschema backend, on every corpus spec and every @readme/oas-examples spec.
"""

from __future__ import annotations

import importlib.abc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from functools import cached_property, lru_cache
from typing import Any

#: An optional import of jsonschema-path: its retriever and its handler of http(s) ``$ref``s use requests when it
#: can be imported (urllib otherwise), and neither is ever used here, since every validation passes its own
#: guarded ``handlers=`` (see :mod:`generator.validate.spec`). Importing requests (with urllib3, idna and
#: charset-normalizer) cost about 40 ms of every build that validates a spec.
UNUSED = "requests"


class _Declined(importlib.abc.MetaPathFinder):
    """Refuses to find the module ``name`` for imports made by the thread that made it (another thread's
    import of it, or a module already imported, is not affected)."""

    def __init__(self, name: str) -> None:
        self.name, self.thread = name, threading.get_ident()

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname == self.name and threading.get_ident() == self.thread:
            raise ModuleNotFoundError(f"{fullname} is not imported by generator.validate.speedups", name=fullname)


@contextmanager
def declined_import(name: str) -> Iterator[None]:
    """Inside the block, this thread's imports of the module ``name`` fail with ``ImportError`` (unless it is
    imported already); after it, it is imported as usual."""
    finder = _Declined(name)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


# Without requests; with it when the installed versions cannot do without (a later jsonschema-path might not).
for _imports in (declined_import(UNUSED), nullcontext()):
    try:
        with _imports:
            from jsonschema_path import SchemaPath
            from jsonschema_path.nodes import SchemaNode
            from openapi_schema_validator import OAS30Validator
            from openapi_schema_validator._regex import is_valid_regex
            from openapi_spec_validator.schemas import schema_v2, schema_v30, schema_v31
            from openapi_spec_validator.schemas.backend.jsonschema import create_validator as jsonschema_validator
            from openapi_spec_validator.validation import keywords
            from openapi_spec_validator.validation.validators import (
                OpenAPIV2SpecValidator,
                OpenAPIV30SpecValidator,
                OpenAPIV31SpecValidator,
            )
        break
    except ImportError:
        if isinstance(_imports, nullcontext):
            raise
del _imports

RESOLVED_CACHE = 4096  # resolved paths kept; a schema's checks are consecutive, so a few thousand suffice


def schema_path(document: Any, uri: str, handlers: dict[str, Any]) -> SchemaPath:
    """The document as the validators walk it, with jsonschema-path's cache of resolved paths on."""
    return SchemaPath.from_dict(document, base_uri=uri, handlers=handlers, resolved_cache_maxsize=RESOLVED_CACHE)


class _IdRegistry(list):
    """The list the schema validator appends ids to, with a set behind ``in``."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: set[int] = set()

    def append(self, item: int) -> None:
        self._ids.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._ids


class _SetRegistries:
    def __init__(self, registry) -> None:
        super().__init__(registry)
        self.visited_schema_ids = _IdRegistry()
        self.meta_checked_schema_ids = _IdRegistry()


class _V30Schema(_SetRegistries, keywords.OpenAPIV30SchemaValidator):
    def _get_schema_checker(self, schema, schema_value):
        exact = super()._get_schema_checker(schema, schema_value)
        fast = _draft4_meta_validator()
        if fast is None:
            return exact

        def check(value: Any) -> None:
            # OpenAPI 3.0 schemas are checked against the draft-04 meta-schema, whose only format is
            # `regex` (for `pattern`): valid for jsonschema-rs, and every `pattern` a regex for the
            # stock check, means the stock check passes. Otherwise, it runs and says why not.
            if fast.is_valid(value) and all(is_valid_regex(p) for p in _patterns(value)):
                return
            exact(value)

        return check


class _V31Schema(_SetRegistries, keywords.OpenAPIV31SchemaValidator):
    pass


class _DocumentValidator:
    """The document against the OpenAPI JSON Schema: jsonschema-rs says whether, jsonschema says what."""

    def __init__(self, schema) -> None:
        self._schema = schema

    @cached_property
    def schema(self) -> dict[str, Any]:
        return dict(self._schema)

    @cached_property
    def _exact(self):
        return jsonschema_validator(self.schema)

    @cached_property
    def _fast(self):
        try:
            import jsonschema_rs
        except ImportError:
            return None
        # No format checks: jsonschema (without a format checker) makes none either.
        return jsonschema_rs.validator_for(self.schema, validate_formats=False)

    def iter_errors(self, instance: Any):
        if self._fast is not None and self._fast.is_valid(instance):
            return iter(())
        return self._exact.iter_errors(instance)


@lru_cache(maxsize=1)
def _draft4_meta_validator():
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.validator_for(OAS30Validator.META_SCHEMA, validate_formats=False)


def _patterns(node: Any):
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "pattern" and isinstance(value, str):
                    yield value
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(item for item in node if isinstance(item, (dict, list)))


_DOCUMENT = {version: _DocumentValidator(schema) for version, schema in
             (("2.0", schema_v2), ("3.0", schema_v30), ("3.1", schema_v31))}


class FastV2SpecValidator(OpenAPIV2SpecValidator):
    schema_validator = _DOCUMENT["2.0"]
    keyword_validators = {**OpenAPIV2SpecValidator.keyword_validators, "schema": _V30Schema}


class FastV30SpecValidator(OpenAPIV30SpecValidator):
    schema_validator = _DOCUMENT["3.0"]
    keyword_validators = {**OpenAPIV30SpecValidator.keyword_validators, "schema": _V30Schema}


class FastV31SpecValidator(OpenAPIV31SpecValidator):
    schema_validator = _DOCUMENT["3.1"]
    keyword_validators = {**OpenAPIV31SpecValidator.keyword_validators, "schema": _V31Schema}


VALIDATORS = {"2.0": FastV2SpecValidator, "3.0": FastV30SpecValidator, "3.1": FastV31SpecValidator}


def stock_validators() -> dict[str, type]:
    """openapi-spec-validator's own classes with its jsonschema backend: what the ones above must equal."""
    return {version: type(f"Stock{cls.__name__}", (cls,), {"schema_validator": jsonschema_validator(
        dict(_DOCUMENT[version].schema))}) for version, cls in
        (("2.0", OpenAPIV2SpecValidator), ("3.0", OpenAPIV30SpecValidator), ("3.1", OpenAPIV31SpecValidator))}

_stock_get_subnode = SchemaNode._get_subnode.__func__


def _fast_get_subnode(cls, node, part):
    if type(node) is dict or type(node) is list:
        try:
            return node[part]
        except (KeyError, IndexError, TypeError) as exc:
            raise KeyError(part) from exc
    return _stock_get_subnode(cls, node, part)


@contextmanager
def fast_node_lookups() -> Iterator[None]:
    """jsonschema-path's node lookups through the fast path while the block runs, and its own lookup again
    after it (also when the block raises): the patch of the library's class is scoped to a validation."""
    own = SchemaNode.__dict__.get("_get_subnode")  # the lookup may be inherited, not SchemaNode's own
    SchemaNode._get_subnode = classmethod(_fast_get_subnode)
    try:
        yield
    finally:
        if own is None:
            del SchemaNode._get_subnode
        else:
            SchemaNode._get_subnode = own
