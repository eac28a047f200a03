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

Two imports are left out: requests (see :data:`UNUSED`) and pydantic. Both validators read their settings
(``OPENAPI_SPEC_VALIDATOR_*``, ``OPENAPI_SCHEMA_VALIDATOR_*`` environment variables) through pydantic-settings:
importing pydantic and pydantic-settings cost about 50 ms of every build that validates a spec, and each
validator made reads the environment through them again (about 80 ms of CPU in all in a cold build of the
benchmark's S portal). While no such variable is set, every setting is its default; :class:`_DefaultSettings`
modules stand in for the two settings modules then, and give the real module's answers (importing it) as soon as
a variable is set or a name they do not define is asked for.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
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


#: The validators' settings modules: (the settings class, its environment variables' prefix, the default of each
#: setting). ``tests/test_reference.py`` checks them against the installed modules' own defaults.
SETTINGS = {
    "openapi_spec_validator.settings": ("OpenAPISpecValidatorSettings", "OPENAPI_SPEC_VALIDATOR_",
                                        {"resolved_cache_maxsize": 128, "schema_validator_backend": "auto"}),
    "openapi_schema_validator.settings": ("OpenAPISchemaValidatorSettings", "OPENAPI_SCHEMA_VALIDATOR_",
                                          {"compiled_validator_cache_max_size": 128}),
}


class _DefaultSettings(types.ModuleType):
    """Stands in for the settings module ``name`` (see :data:`SETTINGS`): its settings class and functions give the
    defaults while no variable of its prefix is set (in any case, as pydantic-settings reads them); otherwise, and
    for any other name, the real module's (loaded then, without replacing this one)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, f"{name}, its defaults without pydantic (generator.validate.speedups)")
        class_name, self._prefix, defaults = SETTINGS[name]
        module = self

        class Settings:
            def __new__(cls, *args: Any, **kwargs: Any) -> Any:
                if args or kwargs or module.configured():
                    return getattr(module.real(), class_name)(*args, **kwargs)
                return super().__new__(cls)

            def __getattr__(self, attribute: str) -> Any:
                return getattr(getattr(module.real(), class_name)(), attribute)

        for field, value in defaults.items():
            setattr(Settings, field, value)
        Settings.__name__ = Settings.__qualname__ = class_name
        setattr(self, class_name, Settings)
        for field in defaults:  # openapi-spec-validator's get_resolved_cache_maxsize(), ...
            setattr(self, f"get_{field}", self._getter(f"get_{field}", lambda field=field: getattr(Settings(), field)))
        self.get_settings = self._getter("get_settings", Settings)  # openapi-schema-validator's
        self.reset_settings_cache = self._getter("reset_settings_cache", lambda: None)

    def _getter(self, name: str, default: Any) -> Any:
        def get() -> Any:
            return getattr(self.real(), name)() if self.configured() else default()
        get.__name__ = name
        return get

    def configured(self) -> bool:
        """Whether a variable of the module's prefix is set (pydantic-settings reads them case-insensitively)."""
        return any(key.upper().startswith(self._prefix) for key in os.environ)

    def real(self) -> types.ModuleType:
        """The real module, loaded from its package the first time it is needed (it imports pydantic)."""
        real = self.__dict__.get("_real")
        if real is None:
            package = sys.modules[self.__name__.rpartition(".")[0]]
            spec = importlib.machinery.PathFinder.find_spec(self.__name__, package.__path__)
            real = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(real)
            self.__dict__["_real"] = real
        return real

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.real(), name)


def _stand_in_for_settings() -> None:
    """:class:`_DefaultSettings` for each validator's settings module not imported yet (see the module)."""
    for name in SETTINGS:
        if name not in sys.modules:
            sys.modules[name] = _DefaultSettings(name)


_stand_in_for_settings()
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
