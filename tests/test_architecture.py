"""The import contract: the layers of docs/contributing.md, checked over the source with ``ast``.

Every import of every module under ``src/ran_events`` counts: at module top, under
``if TYPE_CHECKING:`` and inside functions. Relative imports are resolved, and
``from package import submodule`` is an import of the submodule. The contract has no
exception list: a failure names the file, the line and both modules, and is fixed in the
code (docs/contributing.md, "The layers", says how).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final, NamedTuple

import pytest

SRC: Final = Path(__file__).resolve().parent.parent / "src"
TOP: Final = "ran_events"

LAYERS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("L0", ("ran_events.errors", "ran_events._version")),
    ("L1", ("ran_events.tz", "ran_events._email", "ran_events._spreadsheet",
            "ran_events._deprecation", "ran_events._atomic")),
    ("L2", ("ran_events.models",)),
    ("L3", ("ran_events._converter",)),
    ("L4", ("ran_events.eventfile",)),
    ("L5", ("ran_events.intake",)),
    ("L5b", ("ran_events.examples",)),
    ("L5c", ("ran_events.store",)),
    ("L6", ("ran_events.selection", "ran_events.ics", "ran_events.groups")),
    ("L7", ("ran_events.imip", "ran_events.testing")),
    ("L7b", ("ran_events.replies", "ran_events.delivery")),
    ("L8a", ("ran_events._commands",)),
    ("L8b", ("ran_events.cli",)),
    ("L8c", ("ran_events.__main__",)),
    ("L9", ("ran_events.serialization", "ran_events.registration")),
)  # fmt: skip
"""The layers, bottom up: each module imports only from layers below it (and from its own
layer, without a circle). An entry is a module or a package with all its submodules; an entry
that does not exist yet is allowed. Every module of the source must be in some entry."""

SIBLINGS: Final = frozenset({"ran_events.selection", "ran_events.ics", "ran_events.groups"})
"""Entries of one layer that never import each other (selection knows nothing of iCalendar,
the invites nothing of selection internals, the small groups neither: each takes plain
registrations and sessions)."""

HEAVY: Final = frozenset(
    {"scipy", "numpy", "matplotlib", "highspy", "psycopg", "pandas", "polars"}
)
"""The only modules a function may import (with ``# noqa: PLC0415 - <reason>``)."""

LOADER: Final = "ran_events.selection._registry"
"""The one module that may call ``importlib.import_module`` with a name it is given: the
policy registry loads ``"module:attr"`` strings (built-in policies and third-party entry
points alike) by design. A literal ``ran_events`` name is refused there too."""

NOQA: Final = re.compile(r"#\s*noqa:\s*PLC0415\s+-\s+\S")
DYNAMIC: Final = frozenset({"importlib.import_module", "__import__", "importlib.__import__"})


class Source(NamedTuple):
    """One module of the tree: its dotted name, file and text."""

    name: str
    path: str
    package: bool
    text: str


class Edge(NamedTuple):
    """``importer`` imports ``target`` at ``path:line``."""

    importer: str
    target: str
    path: str
    line: int


def sources_of(files: Mapping[str, str]) -> dict[str, Source]:
    """The modules of ``{"ran_events/x/y.py": text}`` (paths relative to the source root)."""
    found = {}
    for path, text in files.items():
        parts = path.removesuffix(".py").split("/")
        package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if package else parts)
        found[name] = Source(name, path, package, text)
    return found


def tree_sources(root: Path = SRC) -> dict[str, Source]:
    """The modules under ``root/ran_events``."""
    files = {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((root / TOP).rglob("*.py"))
    }
    return sources_of(files)


def entry_of(module: str) -> tuple[int, str, str] | None:
    """(layer index, layer label, entry) of ``module``: the longest entry that contains it."""
    best = None
    for index, (label, entries) in enumerate(LAYERS):
        for entry in entries:
            if (module == entry or module.startswith(entry + ".")) and (
                best is None or len(entry) > len(best[2])
            ):
                best = (index, label, entry)
    return best


def _ancestors(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


def _known(module: str, sources: Mapping[str, Source]) -> str:
    """``module``, or its longest prefix that is a module of the tree."""
    while module not in sources and "." in module:
        module = module.rsplit(".", 1)[0]
    return module


class _Reader(ast.NodeVisitor):
    """Collects one module's imports (edges, function-level imports, dynamic imports)."""

    def __init__(self, source: Source, sources: Mapping[str, Source]) -> None:
        self.source = source
        self.sources = sources
        self.lines = source.text.splitlines()
        self.depth = 0  # how many functions enclose the node
        self.edges: list[Edge] = []
        self.problems: list[str] = []
        self.aliases: dict[str, str] = {"__import__": "__import__"}

    def where(self, node: ast.AST, target: str, message: str) -> str:
        line = getattr(node, "lineno", 0)
        return f"{self.source.path}:{line}: {self.source.name} -> {target}: {message}"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815 - the name ast.NodeVisitor calls

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name == "importlib" and alias.asname is None:
                self.aliases["importlib.import_module"] = "importlib.import_module"
                self.aliases["importlib.__import__"] = "importlib.__import__"
            self.add(node, alias.name, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self.resolve(node)
        names = []
        for alias in node.names:
            if base == "importlib" and alias.name in ("import_module", "__import__"):
                self.aliases[alias.asname or alias.name] = f"importlib.{alias.name}"
            submodule = f"{base}.{alias.name}"
            if submodule in self.sources:
                self.add(node, submodule, submodule)
            else:
                names.append(alias.name)
        if names:
            self.add(node, base, f"{base} ({', '.join(names)})")

    def resolve(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.source.name.split(".")
        if not self.source.package:
            parts = parts[:-1]
        parts = parts[: len(parts) - (node.level - 1)]
        return ".".join(parts + ([node.module] if node.module else []))

    def add(self, node: ast.stmt, module: str, shown: str) -> None:
        if self.depth:
            self.function_level(node, module, shown)
        if module.split(".", maxsplit=1)[0] != TOP:
            return
        target = _known(module, self.sources)
        if target == TOP and self.source.name != TOP:
            self.problems.append(
                self.where(
                    node,
                    shown,
                    "imports the top package; import the module that defines the name "
                    "(ran_events/__init__.py only re-exports)",
                )
            )
        self.edges.append(Edge(self.source.name, target, self.source.path, node.lineno))
        importer_packages = set(_ancestors(self.source.name))
        if self.source.package:
            importer_packages.add(self.source.name)
        for package in _ancestors(target):  # Python runs their __init__ first
            if package not in importer_packages and package in self.sources:
                self.edges.append(Edge(self.source.name, package, self.source.path, node.lineno))

    def function_level(self, node: ast.stmt, module: str, shown: str) -> None:
        if module.split(".", maxsplit=1)[0] not in HEAVY:
            self.problems.append(
                self.where(
                    node,
                    shown,
                    "imported inside a function; import it at module top (only "
                    f"{', '.join(sorted(HEAVY))} may load on first use)",
                )
            )
        elif not NOQA.search(self.lines[node.lineno - 1]):
            self.problems.append(
                self.where(node, shown, "needs '# noqa: PLC0415 - <reason>' on its line")
            )

    def visit_Call(self, node: ast.Call) -> None:
        called = ast.unparse(node.func)
        if self.aliases.get(called) in DYNAMIC:
            self.dynamic(node, called)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if ast.unparse(node.value) == "sys.modules":
            self.dynamic(node, "sys.modules", node.slice)
        self.generic_visit(node)

    def dynamic(self, node: ast.expr, called: str, argument: ast.expr | None = None) -> None:
        if argument is None:
            argument = node.args[0] if isinstance(node, ast.Call) and node.args else None
        if isinstance(argument, ast.JoinedStr):
            first = argument.values[0] if argument.values else None
            argument = first if isinstance(first, ast.Constant) else None
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            name = argument.value
            if name.startswith(".") or name.split(".")[0] == TOP:
                self.problems.append(
                    self.where(node, name, f"{called}() of a ran_events module; import it by name")
                )
        elif self.source.name != LOADER:
            self.problems.append(
                self.where(
                    node,
                    "?",
                    f"{called}() of a computed name; only {LOADER} loads by string "
                    "('module:attr')",
                )
            )


def read(sources: Mapping[str, Source]) -> tuple[list[Edge], list[str]]:
    """Every import edge between modules of ``sources``, and the problems seen reading them."""
    edges: list[Edge] = []
    problems: list[str] = []
    for source in sources.values():
        reader = _Reader(source, sources)
        reader.visit(ast.parse(source.text, filename=source.path))
        edges += reader.edges
        problems += reader.problems
    return edges, problems


def layer_problems(sources: Mapping[str, Source], edges: list[Edge]) -> Iterator[str]:
    """Modules in no layer; imports of a higher layer, or of a sibling."""
    for name, source in sources.items():
        if name != TOP and entry_of(name) is None:
            yield f"{source.path}:1: {name}: in no layer of the contract (add it to LAYERS)"
    for edge in edges:
        here, there = entry_of(edge.importer), entry_of(edge.target)
        if here is None or there is None or edge.importer == edge.target:
            continue
        where = f"{edge.path}:{edge.line}: {edge.importer} ({here[1]}) -> {edge.target}"
        if there[0] > here[0]:
            yield f"{where} ({there[1]}): imports a higher layer"
        elif here[2] != there[2] and {here[2], there[2]} <= SIBLINGS:
            yield f"{where} ({there[1]}): imports its sibling {there[2]}"


def circles(edges: list[Edge]) -> Iterator[str]:
    """Every import circle, one per strongly connected set of modules, with each edge's line."""
    graph: dict[str, dict[str, Edge]] = {}
    for edge in edges:
        if edge.importer != edge.target:
            graph.setdefault(edge.importer, {}).setdefault(edge.target, edge)
    for component in _components(graph):
        start = min(component)
        path = _path_back(graph, component, start)
        steps = " -> ".join(f"{e.target} ({e.path}:{e.line})" for e in path)
        yield f"{path[0].path}:{path[0].line}: import circle: {start} -> {steps}"


def _components(graph: Mapping[str, Mapping[str, Edge]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, {}))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(graph.get(child, {})))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
    return found


def _path_back(
    graph: Mapping[str, Mapping[str, Edge]], within: set[str], start: str
) -> list[Edge]:
    """The shortest circle from ``start`` back to it inside ``within`` (breadth first)."""
    came: dict[str, Edge] = {}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child, edge in sorted(graph.get(node, {}).items()):
            if child not in within or child in came:
                continue
            came[child] = edge
            if child == start:
                path = [edge]
                while path[0].importer != start:
                    path.insert(0, came[path[0].importer])
                return path
            queue.append(child)
    raise AssertionError(f"no circle through {start}")  # pragma: no cover - a component has one


def contract_problems(sources: Mapping[str, Source]) -> list[str]:
    """Every breach of the contract by ``sources``, sorted, one line each."""
    edges, problems = read(sources)
    return sorted({*problems, *layer_problems(sources, edges), *circles(edges)})


def test_the_source_keeps_the_import_contract() -> None:
    sources = tree_sources()
    assert "ran_events.cli" in sources
    problems = contract_problems(sources)
    assert not problems, "\n".join(["", *problems])


# The checker works: each kind of breach, fed to it on a small synthetic tree, is reported.

CLEAN: Final = {
    "ran_events/__init__.py": "from ran_events._version import __version__\n"
    "from .models import Event\nfrom . import tz\n__all__ = ['Event', '__version__', 'tz']\n",
    "ran_events/_version.py": "__version__ = '1'\n",
    "ran_events/errors.py": "class RanEventsError(Exception): ...\n",
    "ran_events/tz.py": "from .errors import RanEventsError\n",
    "ran_events/models/__init__.py": "from .event import Event\n",
    "ran_events/models/event.py": "from .. import tz\nfrom ..errors import RanEventsError\n"
    "class Event: ...\n",
    "ran_events/selection/__init__.py": "from ._engine import select\n",
    "ran_events/selection/_engine.py": "from ran_events.models import Event\n"
    "from . import _registry\n"
    "def select():\n    import numpy as np  # noqa: PLC0415 - only when solving\n",
    "ran_events/selection/_registry.py": "import importlib\n"
    "def load(spec):\n    return importlib.import_module(spec.partition(':')[0])\n",
    "ran_events/ics.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
    "    from .models.event import Event\n",
    "ran_events/cli.py": "from ran_events._version import __version__\n"
    "from . import ics, selection\n",
    "ran_events/_commands/__init__.py": "",
    "ran_events/_commands/demo.py": "from .. import selection\n",
}


def problems_with(changes: Mapping[str, str] | None = None) -> list[str]:
    """The contract's problems with files of the clean tree replaced or added."""
    return contract_problems(sources_of({**CLEAN, **(changes or {})}))


def test_the_clean_tree_has_no_problem() -> None:
    assert problems_with() == []


def test_the_layers_cover_every_existing_entry_at_most_once() -> None:
    entries = [e for _, layer in LAYERS for e in layer]
    assert len(entries) == len(set(entries))
    assert set(entries) >= SIBLINGS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (  # at module top, relative
            "from ..selection import select\n",
            (
                "ran_events/models/event.py:1: ran_events.models.event (L2) -> "
                "ran_events.selection (L6): imports a higher layer"
            ),
        ),
        (  # only for the type checker
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import ran_events.cli\n",
            (
                "ran_events/models/event.py:3: ran_events.models.event (L2) -> ran_events.cli"
                " (L8b): imports a higher layer"
            ),
        ),
        (  # inside a function, as a package's submodule
            "def f():\n    from ran_events.selection import _engine\n",
            (
                "ran_events/models/event.py:2: ran_events.models.event (L2) -> "
                "ran_events.selection._engine (L6): imports a higher layer"
            ),
        ),
    ],
)
def test_an_upward_import_is_reported(text: str, expected: str) -> None:
    assert expected in problems_with({"ran_events/models/event.py": text})


def test_a_subcommand_importing_the_command_line_is_reported() -> None:
    # the edge that made ran_events._commands.demo import the cli for its list of steps
    found = problems_with({"ran_events/_commands/demo.py": "from ..cli import main\n"})
    assert found == [
        (
            "ran_events/_commands/demo.py:1: ran_events._commands.demo (L8a) -> ran_events.cli "
            "(L8b): imports a higher layer"
        )
    ]


def test_a_function_level_import_of_a_ran_events_module_is_reported() -> None:
    text = "def f():\n    from ..errors import RanEventsError\n"
    assert problems_with({"ran_events/models/event.py": text}) == [
        (
            "ran_events/models/event.py:2: ran_events.models.event -> ran_events.errors "
            "(RanEventsError): imported inside a function; import it at module top (only "
            "highspy, matplotlib, numpy, pandas, polars, psycopg, scipy may load on first use)"
        )
    ]


def test_a_sibling_import_is_reported() -> None:
    found = problems_with({"ran_events/ics.py": "from .selection import _engine\n"})
    assert found == [
        (
            "ran_events/ics.py:1: ran_events.ics (L6) -> ran_events.selection (L6): imports its "
            "sibling ran_events.selection"
        ),
        (
            "ran_events/ics.py:1: ran_events.ics (L6) -> ran_events.selection._engine (L6): "
            "imports its sibling ran_events.selection"
        ),
    ]


def test_a_circle_inside_a_package_is_reported() -> None:
    text = "from . import _engine\n"
    found = problems_with({"ran_events/selection/_registry.py": text})
    assert found == [
        (
            "ran_events/selection/_engine.py:2: import circle: ran_events.selection._engine -> "
            "ran_events.selection._registry (ran_events/selection/_engine.py:2) -> "
            "ran_events.selection._engine (ran_events/selection/_registry.py:1)"
        )
    ]


def test_a_circle_through_a_package_init_is_reported() -> None:
    text = "from ran_events.selection import select\n"  # a name of selection/__init__.py
    found = problems_with({"ran_events/selection/_registry.py": text})
    assert len(found) == 1
    assert "import circle: ran_events.selection -> ran_events.selection._engine" in found[0]
    assert "-> ran_events.selection (ran_events/selection/_registry.py:1)" in found[0]


def test_a_circle_through_another_package_init_is_reported() -> None:
    # models/event.py imports nothing of selection/__init__.py by name, but importing its
    # submodule runs it first, and it imports models.
    text = "from ran_events.errors import RanEventsError\n"
    found = problems_with({"ran_events/tz.py": "import ran_events.selection._registry\n" + text})
    assert any("ran_events.tz (L1) -> ran_events.selection (L6)" in p for p in found)
    assert any("import circle: ran_events.models -> ran_events.models.event" in p for p in found)


@pytest.mark.parametrize(
    ("path", "text", "line"),
    [
        ("ran_events/models/event.py", "from .. import Event\n", 1),
        ("ran_events/models/event.py", "import ran_events\n", 1),
        ("ran_events/cli.py", "from . import __version__\n", 1),
        ("ran_events/cli.py", "from ran_events import ics, __version__\n", 1),
    ],
)
def test_importing_the_top_package_names_is_reported(path: str, text: str, line: int) -> None:
    found = problems_with({path: text})
    module = path.removesuffix(".py").replace("/", ".")
    where = f"{path}:{line}: {module} -> ran_events"
    assert any(p.startswith(where) and "imports the top package" in p for p in found), found


def test_a_top_package_module_is_not_its_names() -> None:
    assert (
        problems_with({"ran_events/cli.py": "from ran_events import ics, selection, tz\n"}) == []
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("def f():\n    import difflib\n", "imported inside a function"),
        ("def f():\n    import numpy\n", "needs '# noqa: PLC0415 - <reason>'"),
        ("def f():\n    import numpy  # noqa: PLC0415\n", "needs '# noqa: PLC0415 - <reason>'"),
        ("class C:\n    def f(self):\n        import attrs\n", "imported inside a function"),
        ("f = lambda name: __import__(name)", "__import__() of a computed name"),
    ],
)
def test_a_function_level_import_is_reported(text: str, message: str) -> None:
    found = problems_with({"ran_events/ics.py": text})
    assert len(found) == 1
    assert found[0].startswith("ran_events/ics.py:")
    assert message in found[0]


@pytest.mark.parametrize(
    "text",
    [
        "import importlib\nimportlib.import_module('ran_events.selection')\n",
        "from importlib import import_module as load\nload('.selection', 'ran_events')\n",
        "def f(name):\n    return __import__(f'ran_events._commands.{name}')\n",
        "import importlib\ndef f(name):\n    return importlib.import_module(name)\n",
        "import sys\nsys.modules['ran_events.selection']\n",
    ],
)
def test_a_dynamic_import_of_a_ran_events_module_is_reported(text: str) -> None:
    found = problems_with({"ran_events/cli.py": text})
    assert len(found) == 1
    assert found[0].startswith("ran_events/cli.py:")
    assert "ran_events.cli -> " in found[0]


def test_only_the_registry_loads_a_computed_name() -> None:
    text = (
        "import importlib\ndef load(spec):\n    return importlib.import_module('ran_events.x')\n"
    )
    found = problems_with({"ran_events/selection/_registry.py": text})
    assert found == [
        (
            "ran_events/selection/_registry.py:3: ran_events.selection._registry -> ran_events.x: "
            "importlib.import_module() of a ran_events module; import it by name"
        )
    ]


def test_a_module_in_no_layer_is_reported() -> None:
    assert problems_with({"ran_events/stray.py": ""}) == [
        "ran_events/stray.py:1: ran_events.stray: in no layer of the contract (add it to LAYERS)"
    ]
