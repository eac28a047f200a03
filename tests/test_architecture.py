"""The package reads as its pipeline: imports point one way, and nothing imports in a circle.

Layers, lowest first: shared primitives (the top-level modules such as ``diagnostics``, ``positions``,
``yaml12``, ``config``) → ``sources`` → ``validate`` → ``render`` → ``stage`` → the orchestrator
(``pipeline``) → the ``commands`` → the adapters (``cli``, ``plugin``). A module may import its own layer
or a lower one. Every import counts: at module level, inside functions, under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import generator

PACKAGE = Path(generator.__file__).parent
STEPS = ["sources", "validate", "render", "stage"]
LAYERS = {"core": 0, **{step: i + 1 for i, step in enumerate(STEPS)}, "pipeline": 5, "commands": 6, "adapters": 7}
ADAPTERS = {"cli", "plugin"}


def module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package is its ``__init__``)."""
    names = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph() -> dict[str, set[str]]:
    """Which package modules each module imports (``from a import b`` counts ``a.b`` when it is a module)."""
    modules = module_names()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "templates":
        return "core"
    if parts[1] in STEPS or parts[1] in ("pipeline", "commands"):
        return parts[1]
    if parts[1] in ADAPTERS:
        return "adapters"
    return "core"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read_from_every_kind_of_import():
    graph = import_graph()
    assert "generator.stage.docs_tree" in graph["generator.pipeline"]
    assert "generator.commands.check" in graph["generator.cli"]  # imported inside a function
    assert "generator.diagnostics" in graph["generator.render.reference.render"]
    assert {"core", *STEPS, "pipeline", "commands", "adapters"} == {layer(m) for m in graph}


def test_no_step_imports_a_later_step():
    backwards = [f"{source} ({layer(source)}) imports {target} ({layer(target)})"
                 for source, targets in import_graph().items() for target in sorted(targets)
                 if LAYERS[layer(target)] > LAYERS[layer(source)]]
    assert backwards == []


def test_only_the_adapters_import_the_commands_and_only_they_and_the_commands_import_the_pipeline():
    graph = import_graph()
    wrong = [f"{source} imports {target}" for source, targets in graph.items() for target in sorted(targets)
             if layer(target) == "commands" and layer(source) not in ("commands", "adapters")
             or layer(target) == "pipeline" and layer(source) not in ("commands", "adapters")]
    assert wrong == []


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_a_cycle_and_a_backward_import_would_be_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert LAYERS[layer("generator.stage.site")] > LAYERS[layer("generator.validate.spec")]
