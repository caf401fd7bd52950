"""The package's import graph: layers that import one way (downward or within a layer) and no cycle."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "xent_symbolic"

#: the layers, lowest first; a module may import modules of its own layer or of a lower one, never a higher one
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "leaves",
        frozenset(
            {"_version", "errors", "names", "functions", "primitives", "timebox", "latex_printer", "output"}
        ),
    ),
    ("records", frozenset({"assumptions", "core"})),
    (
        "algebra",
        frozenset(
            {
                "rules",
                "claims",
                "calculus",
                "matrices",
                "sums",
                "gradient",
                "likelihood",
                "bounds",
                "prove",
                "evidence",
                "parse",
                "arrays",
                "inputs",
                "stable_rules",
            }
        ),
    ),
    (
        "checking",
        frozenset(
            {
                "check",
                "verdict",
                "diagnose",
                "verify",
                "verify_arrays",
                "array_evidence",
                "diagnose_arrays",
                "decide",
            }
        ),
    ),
    ("catalog", frozenset({"catalog", "derivation_file"})),
    ("renderers", frozenset({"latex", "render", "display", "trace", "plot"})),
    ("export", frozenset({"export", "losses"})),
    ("entry points", frozenset({"cli", "__main__", "__init__"})),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1]) if parts[-1] == "__init__" and len(parts) > 1 else ".".join(parts)


def _layer(module: str) -> int:
    head = module.split(".")[0]
    for k, (_, members) in enumerate(LAYERS):
        if head in members:
            return k
    raise AssertionError(f"module xent_symbolic.{module} is in no layer of LAYERS; add it to one")


def _runtime_imports(tree: ast.AST):
    """Import nodes that run: at module level and inside functions, but not under `if TYPE_CHECKING:` and not
    in the Jupyter hooks (`_repr_*_` methods), which import the renderers lazily by design."""
    stack = [tree]
    while stack:
        node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", None) == "TYPE_CHECKING":
                stack.extend(child.orelse)
                continue
            if isinstance(child, ast.FunctionDef) and child.name.startswith("_repr_"):
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child
            stack.append(child)


@functools.cache
def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
        if module == "__init__":
            package = []
        for node in _runtime_imports(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [
                    a.name.removeprefix("xent_symbolic.")
                    for a in node.names
                    if a.name.startswith("xent_symbolic.")
                ]
                graph[module].update(n for n in names if n in modules)
                continue
            if node.level == 0:
                if not (node.module or "").startswith("xent_symbolic"):
                    continue
                base = (node.module or "").split(".")[1:]
            else:
                base = package[: len(package) - (node.level - 1)] + (
                    node.module.split(".") if node.module else []
                )
            for alias in node.names:
                target = ".".join([*base, alias.name])
                if target in modules:
                    graph[module].add(target)
                elif ".".join(base) in modules:
                    graph[module].add(".".join(base))
                elif not base:
                    graph[module].add("__init__")
    return graph


def test_every_module_is_in_a_layer():
    for module in _graph():
        _layer(module)


def test_imports_go_down_the_layers_or_stay_within_one():
    upward = [
        f"{m} ({LAYERS[_layer(m)][0]}) imports {t} ({LAYERS[_layer(t)][0]})"
        for m, targets in _graph().items()
        for t in targets
        if _layer(t) > _layer(m)
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path[path.index(target) :], target]))
            if target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_graph_sees_real_imports():
    """The walk finds the edges it must (a walk that found none would pass every test above)."""
    graph = _graph()
    assert {"core", "bounds", "prove", "evidence"} <= graph["check"]
    assert "latex_printer" in graph["latex"]
    assert "check" in graph["cli"]  # imported inside a function
    assert "display" not in graph["core"]  # only from the _repr_ hooks
