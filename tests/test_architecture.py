"""The shape of the house, checked: data flows one way (data -> methods -> validate ->
report), no two files import each other (directly or around a loop, lazy imports
included), and no module grows past the size a reader takes in at once."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "physlens"
MAX_LINES = 450


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported_modules(name: str, path: Path) -> set[str]:
    """Every physlens module this file imports, at the top or inside a function; an
    imported name that is itself a module counts as that module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t in MODULES and t != name)
    return found


GRAPH = {name: _imported_modules(name, path) for name, path in MODULES.items()}


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one file (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in GRAPH[node]:
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return components


def test_the_import_graph_is_read_from_the_sources():
    assert "physlens.methods.base" in GRAPH["physlens.methods"]  # the package __init__ imports base
    assert any(m.startswith("physlens.methods") for m in GRAPH["physlens.cli.dynamics"])


def test_no_two_files_import_each_other_around_any_loop():
    assert _cycles() == []


@pytest.mark.parametrize(
    "lower, upper",
    [("physlens.data", "physlens.methods"), ("physlens.methods", "physlens.report"), ("physlens.validate", "physlens.methods"),
     ("physlens.validate", "physlens.report"), ("physlens.data", "physlens.report")],
)
def test_data_flows_one_way(lower, upper):
    upward = {(name, target) for name, targets in GRAPH.items() if name.startswith(lower)
              for target in targets if target.startswith(upper)}
    assert upward == set()


def test_no_module_is_longer_than_a_reader_takes_in():
    """Over the limit only with a reason written at the top of the module ("Long because: ...")."""
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
            and "Long because:" not in path.read_text(encoding="utf-8")[:2000]}
    assert long == {}
