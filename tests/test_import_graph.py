"""No import cycles in the package: every `import` in every module, at the top or inside a function.

A function-local import can hide a cycle that would fail at the top of the file (the report used to
publish the edition that way); walking the syntax tree finds both kinds. The same holds one level up,
between the stage packages and top-level modules: each pair imports in one direction only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "pipelines"


def modules(package: Path = PACKAGE) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package's __init__)."""
    found = {}
    for path in package.rglob("*.py"):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _resolve(name: str, known: dict) -> str | None:
    """The module `name` lives in (pipelines.a.b.func -> pipelines.a.b); None outside the package."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, is_package: bool, known: dict) -> set[str]:
    """The package's modules that `module` imports anywhere in its body (functions and classes too)."""
    package = module if is_package else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from . import x` imports the submodule x when there is one, else a name of the package.
            subs = [f"{origin}.{alias.name}" for alias in node.names if f"{origin}.{alias.name}" in known]
            names = subs + ([origin] if len(subs) < len(node.names) else [])
        else:
            continue
        targets.update(t for t in (_resolve(n, known) for n in names) if t and t != module)
    return targets


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    known = modules(package)
    return {name: imports_of(name, path, is_package, known) for name, (path, is_package) in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
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


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert len(graph) > 50 and graph["pipelines.cli"]  # the walk found the package and its imports
    assert cycles(graph) == []


def part(module: str) -> str:
    """The stage package or top-level module a module belongs to (pipelines.report.build -> pipelines.report)."""
    return ".".join(module.split(".")[:2])


def test_the_stages_import_each_other_in_one_direction():
    # e.g. the report must not know it gets published: pipelines.publish imports pipelines.report,
    # never the reverse (the report's builder once published the edition through a hidden import)
    graph = import_graph()
    parts: dict[str, set[str]] = {}
    for module, targets in graph.items():
        parts.setdefault(part(module), set()).update(part(t) for t in targets if part(t) != part(module))
    assert cycles(parts) == []
    assert (
        "pipelines.report" in parts["pipelines.publish"]
        and "pipelines.publish" not in parts["pipelines.report"]
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # the shapes a cycle takes: top-level, hidden in a function, through a package's __init__, three long
        ({"a.py": "from . import b\n", "b.py": "from .a import x\n"}, [["p.a", "p.b"]]),
        ({"a.py": "import p.b\n", "b.py": "def f():\n    from .a import x\n"}, [["p.a", "p.b"]]),
        ({"__init__.py": "from .a import x\n", "a.py": "from . import helper\n"}, [["p", "p.a"]]),
        (
            {
                "a.py": "from .b import x\n",
                "b.py": "class C:\n    def f(self):\n        import p.c\n",
                "c.py": "from ..p import a\n",
            },
            [["p.a", "p.b", "p.c"]],
        ),
        # not cycles: a submodule imported from its package, two modules that share a third
        ({"__init__.py": "from . import a\n", "a.py": "from . import b\n", "b.py": "x = 1\n"}, []),
        ({"a.py": "from .c import x\n", "b.py": "from .c import y\n", "c.py": "import os\n"}, []),
    ],
)
def test_the_walk_finds_every_kind_of_cycle(tmp_path, files, expected):
    package = tmp_path / "p"
    package.mkdir()
    files = {"__init__.py": ""} | files
    for name, text in files.items():
        (package / name).write_text(text)
    assert cycles(import_graph(package)) == expected
