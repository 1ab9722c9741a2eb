"""The house rule that data and dependencies flow one way: no import cycle among helpers modules."""

from __future__ import annotations

import ast

import networkx as nx

from helpers import paths

PACKAGE = paths.PROJECT_ROOT / "src" / "helpers"


def imports_of(path) -> set[str]:
    """The helpers modules a module imports anywhere (top level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("helpers")):
            module = (node.module or "").removeprefix("helpers").lstrip(".")
            if module:
                found.add(module.split(".")[0])
            else:  # "from . import a, b"
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("helpers."))
    return found


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    for module in modules:
        graph.add_node(module)
        for target in imports_of(PACKAGE / f"{module}.py") & modules:
            if target != module:
                graph.add_edge(module, target)
    return graph


def test_no_import_cycle_among_helpers_modules():
    cycles = list(nx.simple_cycles(import_graph()))
    assert cycles == [], f"import cycles: {cycles}"


def test_analysis_sits_below_assembly():
    graph = import_graph()
    below = nx.descendants(graph, "analysis")
    assert {"extract", "engines", "api", "run", "cli"}.isdisjoint(below)
    assert "analysis" in nx.descendants(graph, "extract") and "analysis" in nx.descendants(graph, "engines")


def test_the_import_reader_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from . import a\n\ndef f():\n    from .b import c\n    import helpers.d\n")
    assert imports_of(module) == {"a", "b", "d"}
