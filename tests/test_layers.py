"""The structure: modules import only from their own layer or the layers below, with no import circle,
and only the store speaks SQL."""

from __future__ import annotations

import ast
import builtins
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "watchbot"

# Lowest first. A module may import from its own layer and the layers before it.
LAYERS = [
    ["watchbot", "watchbot.core"],
    ["watchbot.fetch"],
    ["watchbot.discover"],
    ["watchbot.read"],
    ["watchbot.match"],
    ["watchbot.facts"],
    ["watchbot.evaluate"],
    ["watchbot.run.analysis"],
    ["watchbot.store"],
    ["watchbot.publish", "watchbot.report"],
    ["watchbot.run", "watchbot.config"],
    ["watchbot.queue"],
    ["watchbot.commands"],
    ["watchbot.cli", "watchbot.__main__"],
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts}


def layer(module: str) -> int:
    """The layer of a module: that of the longest listed name it is or lies under."""
    best = max((name for names in LAYERS for name in names if module == name or module.startswith(name + ".")),
               key=len)
    return next(index for index, names in enumerate(LAYERS) if best in names)


def imports(module: str) -> set[str]:
    """The watchbot modules a module imports, anywhere in it (a function-level import counts too)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module)
    return found


def test_every_module_has_a_layer():
    assert [module for module in MODULES if not any(module == name or module.startswith(name + ".")
                                                    for names in LAYERS for name in names if name != "watchbot")
            and module != "watchbot"] == []


def test_no_import_runs_back_up():
    upward = [f"{module} imports {imported}" for module in MODULES for imported in imports(module)
              if imported in MODULES and layer(imported) > layer(module)]
    assert upward == []


def test_no_import_circle():
    graph = {module: {name for name in imports(module) if name in MODULES} for module in MODULES}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, "import circle: " + " -> ".join(path[path.index(module):] + [module])
        if module in done:
            return
        for imported in sorted(graph[module]):
            visit(imported, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_only_the_store_speaks_sql():
    outside = [module for module in MODULES if not module.startswith("watchbot.store")
               and any(name.split(".")[0] in ("sqlalchemy", "alembic") for name in imports(module))]
    assert outside == []



def test_every_error_derives_from_the_watchbot_error():
    """Only the base error and the run's stop signal derive from an exception defined outside watchbot."""
    trees = {module: ast.parse(path.read_text(encoding="utf-8")) for module, path in MODULES.items()}
    classes = {node.name for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    builtin_errors = {name for name, value in vars(builtins).items()
                      if isinstance(value, type) and issubclass(value, BaseException)}
    foreign = [f"{module}.{node.name}({ast.unparse(base)})" for module, tree in trees.items()
               for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for base in node.bases
               if (name := ast.unparse(base).rpartition(".")[2]) not in classes
               and (name in builtin_errors or name.endswith(("Error", "Exception")))]
    assert sorted(foreign) == ["watchbot.core.errors.WatchbotError(Exception)",
                               "watchbot.run.stop.Stopped(BaseException)"]


def test_the_house_rules_of_size_and_names():
    """Issue 20: at most 8 top-level modules, no module over 400 lines (migrations aside), no function over
    60 lines, no class name defined twice."""
    top_level = [path.name for path in PACKAGE.glob("*.py")]
    assert len(top_level) <= 8, top_level
    long_modules = [module for module, path in MODULES.items()
                    if len(path.read_text(encoding="utf-8").splitlines()) > 400]
    assert long_modules == []
    long_functions, classes = [], {}
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None \
                    and node.end_lineno - node.lineno + 1 > 60:
                long_functions.append(f"{module}.{node.name}")
            if isinstance(node, ast.ClassDef):
                classes.setdefault(node.name, []).append(module)
    assert long_functions == []
    assert {name: modules for name, modules in classes.items() if len(modules) > 1} == {}
