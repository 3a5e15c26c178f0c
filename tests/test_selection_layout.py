"""The selection package imports one way: no circle, and no hidden import inside a function.

Read from the source with ``ast``, so an import inside a function counts as much as one at
the top. The only imports allowed inside functions are the heavy third-party ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SELECTION = Path(__file__).resolve().parent.parent / "src" / "ran_events" / "selection"
HEAVY = ("numpy", "scipy", "matplotlib", "pandas", "polars")
"""The solvers; and the optional extras of a report's plot() and data frames."""


def module_name(path: Path) -> str:
    parts = ["ran_events", *path.relative_to(SELECTION.parent).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, bool]]:
    """Each module ``path`` imports (absolute), and whether the import is inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: list[tuple[str, bool]] = []

    def visit(node: ast.AST, nested: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = nested or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                found.extend((alias.name, nested) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = package[: len(package) - child.level + 1] if child.level else []
                module = ".".join([*base, *([child.module] if child.module else [])])
                found.append((module, nested))
                found.extend((f"{module}.{alias.name}", nested) for alias in child.names)
            visit(child, inner)

    visit(tree, False)
    return found


MODULES = {module_name(p): p for p in sorted(SELECTION.rglob("*.py"))}


def edges(name: str) -> set[str]:
    """The selection modules ``name`` imports, except its own enclosing packages (Python
    runs those first in any case)."""
    return {
        target
        for target, _ in imports(MODULES[name])
        if target in MODULES and target != name and not name.startswith(target + ".")
    }


def test_no_selection_module_imports_in_a_circle() -> None:
    graph = {name: edges(name) for name in MODULES}
    state: dict[str, str] = {}
    path: list[str] = []

    def walk(name: str) -> None:
        state[name] = "open"
        path.append(name)
        for target in sorted(graph[name]):
            assert state.get(target) != "open", " -> ".join([*path, target])
            if target not in state:
                walk(target)
        path.pop()
        state[name] = "done"

    for name in graph:
        if name not in state:
            walk(name)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_only_heavy_third_party_modules_are_imported_inside_functions(name: str) -> None:
    nested = [target for target, inside in imports(MODULES[name]) if inside]
    assert all(target.split(".")[0] in HEAVY for target in nested), nested


def test_the_engine_and_the_registry_import_no_concrete_policy() -> None:
    concrete = ("FirstComePolicy", "LotteryPolicy", "ScorePolicy", "FairLotteryPolicy")
    for name in ("_engine", "_registry", "_simulate"):
        imported = {target for target, _ in imports(MODULES[f"ran_events.selection.{name}"])}
        assert not {t for t in imported if t.startswith("ran_events.selection.fair")}, name
        assert not {t for t in imported if t.rsplit(".", 1)[-1] in concrete}, name
