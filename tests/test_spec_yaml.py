"""Specs are read with libyaml's composer when that is safe: the same values and the same errors as the
checked loader (:class:`FastYaml12Loader`), and every hostile shape still refused without a crash; the
processes of a run parse a spec's text once between them."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import yaml12
from generator.validate.spec_files import ParsedDocuments, parse_text
from generator.yaml12 import (
    C_COMPOSE_DEPTH,
    MAX_DEPTH,
    FastYaml12Loader,
    YamlLimitError,
    load_yaml_document,
    nesting_bound,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
SPECS = sorted([*REPO_ROOT.glob("content/sources/*/openapi/**/*.yaml"), *CORPUS.glob("**/*swagger*.y*ml"),
                *CORPUS.glob("**/openapi*.y*ml"), *CORPUS.glob("**/*.v1.yml")])


def _checked(text: str):
    return yaml.load(text, Loader=FastYaml12Loader)  # noqa: S506 - a SafeLoader subclass


def _outcome(read, text: str):
    try:
        return "value", read(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return type(exc).__name__, str(getattr(exc, "problem", exc)), mark and (mark.line, mark.column)


def _bomb(levels: int = 9) -> str:
    lines = ["x-bomb:", '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"  a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "openapi: 3.0.3\ninfo: {title: Bomb, version: '1'}\n" + "\n".join(lines) + "\n"


def _depth(node: yaml.Node | None) -> int:
    """How deep collections nest in a tree of nodes (as composed by the checked loader)."""
    deepest, stack = 0, [(node, 1)] if node is not None else []
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            continue
        deepest = max(deepest, depth)
        children = [part for pair in node.value for part in pair] if isinstance(node, yaml.MappingNode) else node.value
        stack.extend((child, depth + 1) for child in children)
    return deepest


@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.relative_to(path.parents[3]).as_posix())
def test_every_spec_of_the_example_and_the_corpus_reads_the_same_as_with_the_checked_loader(spec: Path):
    """(One corpus spec has a mapping as a key: both refuse it, at the same line.)"""
    text = spec.read_text(encoding="utf-8")
    assert _outcome(load_yaml_document, text) == _outcome(_checked, text)


def test_shared_objects_written_with_anchors_and_aliases_read_the_same():
    shared = {"description": "Bad request", "content": {"application/json": {"schema": {"type": "object"}}}}
    text = yaml.safe_dump({"openapi": "3.0.3", "paths": {f"/p{n}": {"get": {"responses": {"400": shared}}}
                                                         for n in range(5)}})
    assert "&id001" in text and "*id001" in text
    assert load_yaml_document(text) == _checked(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", [
    _bomb(),  # billion laughs
    "a: &a [1, *a]\n",  # an alias inside the collection it names
    "openapi: 3.0.3\nx: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n",  # one level too deep, in flow
    "x:\n" + "".join("  " * n + f"k{n}:\n" for n in range(1, MAX_DEPTH + 2)) + "  " * (MAX_DEPTH + 2) + "end\n",
    "a: [1, 2\nb: 3\n",  # invalid YAML
    "a: *nowhere\n",  # an undefined alias
    "a: &x 1\nb: &x 2\n",  # a second anchor of one name
    "a: 1\n---\nb: 2\n",  # two documents
    "country: NO\nflag: true\nwhen: 2025-13-45\n",  # YAML 1.2 booleans, dates left as strings
    "",
], ids=["alias bomb", "endless alias", "too deep (flow)", "too deep (block)", "invalid", "undefined alias",
        "duplicate anchor", "two documents", "yaml 1.2 scalars", "empty"])
def test_hostile_and_invalid_documents_get_the_checked_loaders_outcome(text: str):
    assert _outcome(load_yaml_document, text) == _outcome(_checked, text)


def _aliases(count: int, *, scalar: bool = False) -> str:
    """A list of ``count`` aliases to one anchored scalar, or to one list of 999 scalars (1,000 nodes), written as
    block collections (lines short enough for libyaml's composer, see :func:`generator.yaml12.nesting_bound`)."""
    name = "s" if scalar else "a"
    anchored = "a: &s x\n" if scalar else "a: &a\n" + "  - x\n" * 999
    return anchored + "b:\n" + f"  - *{name}\n" * count


@pytest.mark.parametrize(("text", "refused"), [
    (_aliases(100), False),  # expands the document by 100,000 nodes: the most accepted
    (_aliases(101), True),
    (_aliases(100_000, scalar=True), False),
    (_aliases(100_001, scalar=True), True),
    ("a: &a [x, [y, {z: *a}]]\n", True),  # an alias deep inside the collection it names
    ("a: &a {k: v}\nb: {c: *a, d: [*a, {e: *a}]}\n", False),  # aliases beside, not inside, what they name
    ("a: &a [1]\nb: " + "[" * (MAX_DEPTH - 1) + "*a" + "]" * (MAX_DEPTH - 1) + "\n", False),  # an alias does not nest
    ("a: &a [1]\nb: " + "[" * MAX_DEPTH + "*a" + "]" * MAX_DEPTH + "\n", True),
    ('url: "https://example.com/?a=1&b=2"\nlist: [x, y]\n', False),  # an `&` that is no anchor
], ids=["100,000 more nodes", "100,001 more nodes", "100,000 scalar aliases", "100,001 scalar aliases",
        "endless alias, nested", "aliases beside", "alias at the depth limit", "one level too deep",
        "ampersand in a string"])
def test_alias_expansion_and_depth_are_refused_exactly_where_the_checked_loader_refuses_them(text: str, refused: bool,
                                                                                             monkeypatch):
    """The checks made while the values are built (:func:`generator.yaml12.constructed`) draw the line where
    :func:`generator.yaml12.check_expansion` and the checked loader's depth bound do, on either side of it: a
    document they accept is read in that one walk, one they refuse is read again by the checked loader, which
    reports it."""
    reread = []

    class Rereading(yaml12.FastYaml12Loader):
        def __init__(self, stream) -> None:
            reread.append(stream)
            super().__init__(stream)

    monkeypatch.setattr(yaml12, "FastYaml12Loader", Rereading)
    outcome = _outcome(load_yaml_document, text)
    assert bool(reread) is refused
    assert (outcome[0] == "YamlLimitError") is refused
    assert outcome == _outcome(_checked, text)


@pytest.mark.parametrize("text", [
    "base: &b {x: 1, y: 2}\nmerged:\n  <<: *b\n  y: 3\n",  # a merge key
    "list: &l [a]\nmerged: {<<: [{a: 1}, {b: 2}], c: 3}\nquoted: {'<<': 1}\n",  # merges of several, a quoted key
    "= : value key\n",  # PyYAML's value key
    "b: !!binary aGVsbG8=\ns: !!set {a, b}\no: !!omap [a: 1, b: 2]\nt: !!timestamp 2025-01-02\n",
    "ints: [0x1F, 0o17, 1_000, -7, +3, 1:30]\nfloats: [.inf, -.Inf, .nan, 1e3, 6.02e+23, 1_0.5]\n",
    "explicit: [!!bool yes, !!int '12', !!float '1', !!null '', !!str 12]\n",
    "1: int key\ntrue: bool key\n~: null key\n1.5: float key\n",
    "a: 1\na: 2\n",  # a duplicate key: the last one
    "s: &s shared\nt: *s\nm: &m {k: [1, 2]}\nn: *m\nl: &q [*m, *s]\nr: [*q, *q]\n",  # aliases
    "x: !custom 1\n",  # a tag no constructor knows: PyYAML's error
    "x: !!str [1]\n",  # a collection tagged as a scalar: PyYAML's error
    "x: !!bool maybe\n", "x: [!!int twelve]\n", "x: {a: !!float f}\n",  # values their tag cannot read
    "? [a, b]\n: value\n",  # a collection as a key: PyYAML's error
    "--- !!map\na: !!seq [1]\n",
    "null\n", "'just a string'\n", "- 1\n- [2, {three: 3}]\n",
], ids=["merge key", "merges", "value key", "other tags", "numbers", "explicit tags", "typed keys", "duplicate key",
        "aliases", "unknown tag", "tagged collection",
        "bad bool", "bad int", "bad float", "collection key", "tagged root", "null root",
        "string root", "sequence root"])
def test_every_kind_of_node_reads_as_pyyaml_builds_it(text: str):
    """The nodes a spec is made of are built without PyYAML's constructor, the others with it: the values (and
    the errors) are the checked loader's either way, and a node written once and aliased is one object."""
    outcome = _outcome(load_yaml_document, text)
    assert repr(outcome) == repr(_outcome(_checked, text))  # repr: nan != nan
    if "r: [*q, *q]" in text:
        value = outcome[1]
        assert value["n"] is value["m"] and value["l"][0] is value["m"] and value["r"][0] is value["r"][1]


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), children,
                                                    max_size=4)), max_leaves=30), st.sampled_from([None, True]))
def test_any_document_reads_as_the_checked_loader_reads_it(data, flow):
    text = yaml.safe_dump({"doc": data, "again": data}, default_flow_style=flow, allow_unicode=True)
    assert _outcome(load_yaml_document, text) == _outcome(_checked, text)


def test_an_alias_bomb_in_a_spec_is_still_refused_at_its_anchor():
    with pytest.raises(YamlLimitError, match="alias bomb") as raised:
        parse_text(_bomb(), "openapi.yaml")
    assert raised.value.problem_mark.line == 3  # the first anchor the bomb expands


def test_a_document_too_deep_for_libyaml_is_refused_without_crashing():
    """libyaml's composer recurses in C: 30,000 levels crash the interpreter. The bound sends such a text to
    the checked loader, which refuses it (run in a child process, so a crash fails the test cleanly)."""
    levels = 50_000
    code = ("import sys; from generator.yaml12 import load_yaml_document, YamlLimitError\n"
            f"text = 'x: ' + '[' * {levels} + ']' * {levels}\n"
            "try:\n    load_yaml_document(text)\nexcept YamlLimitError as exc:\n    print(exc.problem)\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
                         env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert f"nested more than {MAX_DEPTH} levels" in run.stdout
    assert nesting_bound(f"x: {'[' * levels}") > C_COMPOSE_DEPTH


@pytest.mark.parametrize("text", [
    "- " * 40 + "a\n",  # compact nested sequences on one line
    "k:\n" + "".join("  " * n + "- x\n" + "  " * n + "- k:\n" for n in range(30)) + "  " * 30 + "- end\n",
    "x: " + "[a: " * 30 + "b" + "]" * 30 + "\n",  # single-pair mappings in flow sequences
    "x: " + "{a: [" * 20 + "1" + "]}" * 20 + "\n",
    "? - - a\n  - b\n: - - c\n",  # complex keys
    "- &a !!seq\n  - - &b [1, [2, [3]]]\n",  # properties before nested collections
], ids=["compact sequences", "indentless sequences", "single-pair mappings", "flow mappings", "complex keys",
        "properties"])
def test_the_nesting_bound_is_never_below_the_real_depth(text: str):
    node = FastYaml12Loader(text).get_single_node()
    assert nesting_bound(text) >= _depth(node) >= 3
    assert _outcome(load_yaml_document, text) == _outcome(_checked, text)


def _cannot_parse() -> None:
    """A worker of a run in which only another process may parse YAML."""
    import generator.validate.spec_files as spec_files

    def refuse(text: str, name: str):
        raise AssertionError(f"{name} parsed a second time")

    spec_files.parse_text = refuse


def test_a_spec_one_process_of_a_run_parsed_is_loaded_by_the_others_as_the_same_document(tmp_path):
    spec = CORPUS / "vipps" / "vipps-recurring-api" / "docs" / "openapi.yaml"
    text = spec.read_text(encoding="utf-8")
    parsed = ParsedDocuments(tmp_path)
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=fork) as first:
        document = first.submit(parsed.parse, text, spec.name).result()
    with ProcessPoolExecutor(2, mp_context=fork, initializer=_cannot_parse) as others:
        again = [job.result() for job in [others.submit(parsed.parse, text, spec.name) for _ in range(2)]]
    assert document == again[0] == again[1] == parse_text(text, spec.name)
    assert [path.suffix for path in tmp_path.iterdir()].count(".pickle") == 1


def test_a_spec_that_cannot_be_read_gets_the_same_error_in_every_process_and_nothing_is_kept(tmp_path):
    parsed = ParsedDocuments(tmp_path)
    text = "openapi: 3.0.3\ninfo:\n  title: " + "x" * parsed.min_chars + "\npaths: [1, 2\n"
    with pytest.raises(yaml.YAMLError) as direct:
        parse_text(text, "openapi.yaml")
    for _ in range(2):
        with pytest.raises(yaml.YAMLError) as shared:
            parsed.parse(text, "openapi.yaml")
        assert str(shared.value) == str(direct.value)
    assert not list(tmp_path.glob("*.pickle"))


@pytest.mark.parametrize("name", ["openapi.json", "openapi.yaml"])
def test_a_number_too_long_for_python_is_a_yaml_error_at_its_line(name: str):
    """Python refuses to read an integer of more than 4,300 digits (ValueError): in a JSON or YAML spec it is a
    YAML error at the number, its value cut short in the message, not a crash."""
    text = '{\n  "openapi": "3.0.3",\n  "x-big": 1' + "0" * 5000 + "\n}\n"
    with pytest.raises(yaml.YAMLError) as raised:
        parse_text(text, name)
    assert raised.value.problem_mark.line == 2
    assert raised.value.problem == "'1000000000000000000000000000000000000000…' is not a !!int value"
