"""The package's modules form no import circle: every `import` in every module of `ecgcc`, at module level
or inside a function (a deferred import is still a dependency), is an edge of one graph, which must be
acyclic. Relative and absolute imports are resolved; `from pkg import name` counts as importing the
submodule `pkg.name` where that is a module, else `pkg` itself."""
from __future__ import annotations

import ast
from pathlib import Path

import ecgcc

PACKAGE_ROOT = Path(ecgcc.__file__).resolve().parent


def module_names(root: Path = PACKAGE_ROOT) -> dict[str, Path]:
    modules = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _resolve(module: str, is_package: bool, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def import_edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node.level, node.module)
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            for target in targets:
                # `import a.b.c` depends on the deepest module of the package that exists
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_package_has_no_import_circle():
    modules = module_names()
    assert "ecgcc.harness.hil" in modules and len(modules) > 50
    assert cycles(import_edges(modules)) == []


def test_a_circle_is_found_when_there_is_one(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "top.py").write_text("def f():\n    from .sub import low\n")
    (package / "sub" / "low.py").write_text("from .. import top\n")
    (package / "sub" / "other.py").write_text("import pkg.sub.low\n")
    modules = module_names(package)
    edges = import_edges(modules)
    assert edges["pkg.sub.other"] == {"pkg.sub.low"}
    assert cycles(edges) == [["pkg.sub.low", "pkg.top"]]


def test_the_harness_imports_nothing_above_it():
    """The harness runs and checks vectors; the demo and the command line drive it, never the reverse."""
    edges = import_edges(module_names())
    above = {"ecgcc.demo", "ecgcc.cli", "ecgcc.bench", "ecgcc.flash"}
    offending = {(name, target) for name, targets in edges.items() if name.startswith("ecgcc.harness.")
                 for target in targets & above}
    assert offending == set()
