"""The code's shape: no module imports itself back through others, and the domain knows no HTTP.

Every import of partnerhub/ and api/ counts, at the top of a module or inside a function: an
import moved into a function still makes the two modules depend on each other, it only hides it.
Only imports under `if TYPE_CHECKING:` are left out: they name a type for mypy and never run
(the models' relationships point both ways, Lead to Handoff and back).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
PACKAGES = ("partnerhub", "api")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def imports_of(source: str, *, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Every module `source` imports, anywhere in it. `from package import name` is the module
    package.name when there is one (the dependency is on it), else the package itself; a name
    outside `known` is kept as written (flask, sqlalchemy). Importing a.b.c from outside the
    package a.b runs a.b's __init__ first, so it imports a.b as well."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    found |= {
        package
        for name in found
        for package in _packages_around(name)
        if module != package and not module.startswith(package + ".")
    }
    found.discard(module)
    return found


def _packages_around(name: str) -> list[str]:
    """a and a.b for a.b.c: the packages whose __init__ runs before a.b.c does."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree but those under `if TYPE_CHECKING:`."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def import_graph() -> dict[str, set[str]]:
    """module -> the modules it imports (of partnerhub/ and api/ and outside them)."""
    known = modules()
    graph = {}
    for module, path in known.items():
        is_package = path.stem == "__init__"
        graph[module] = imports_of(path.read_text(), module=module, is_package=is_package, known=set(known))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
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
            while (member := stack.pop()) != node:
                on_stack.discard(member)
                component.append(member)
            on_stack.discard(node)
            component.append(node)
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def a_loop_in(component: list[str], graph: dict[str, set[str]]) -> str:
    """The shortest loop through the component's first module, as `a -> b -> ... -> a`."""
    start, members = component[0], set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & members):
                if target == start:
                    trail = [node]
                    while trail[-1] != start:
                        trail.append(came_from[trail[-1]])
                    return " -> ".join([*reversed(trail), start])
                if target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    raise AssertionError(f"no loop through {start}")


def test_no_module_imports_itself_back_through_others():
    graph = import_graph()

    loops = [a_loop_in(component, graph) for component in cycles(graph)]

    assert loops == [], "import cycles (break each with a module both sides may import):\n" + "\n".join(loops)


def test_the_domain_imports_nothing_of_the_http_side():
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if module.split(".")[0] == "partnerhub"
        for target in targets
        if target.split(".")[0] == "api" or target.split(".")[0].partition("_")[0] == "flask"
    )

    assert wrong == []


def test_the_check_sees_an_import_inside_a_function_and_names_the_loop():
    known = {"app.a", "app.b", "app.c", "app.d", "app"}
    source = (
        "from typing import TYPE_CHECKING\nfrom app import b\n\nif TYPE_CHECKING:\n    from app import d\n\n"
        "def later():\n    from app.c import thing\n    import flask\n"
    )

    found = imports_of(source, module="app.a", is_package=False, known=known)

    assert found == {"typing", "app.b", "app.c", "flask"}
    outside = imports_of("import app.d.e", module="other", is_package=False, known=known)
    assert outside == {"app", "app.d", "app.d.e"}
    graph = {"app.a": {"app.b"}, "app.b": {"app.c"}, "app.c": {"app.a"}, "app.d": {"app.a"}}
    assert cycles(graph) == [["app.a", "app.b", "app.c"]]
    assert a_loop_in(["app.a", "app.b", "app.c"], graph) == "app.a -> app.b -> app.c -> app.a"


# The capability packages and what each may import (docs/architecture.md, "Packages"); partnerhub.models
# belongs to core. A package imports itself and the packages named here, nothing else.
ALLOWED = {
    "core": set(),
    "directory": {"core"},
    "people": {"core", "directory"},
    "customers": {"core", "directory", "people"},
    "exchange": {"core", "directory", "people", "customers"},
    "reports": {"core", "directory", "people", "customers", "exchange"},
    "delivery": {"core", "directory", "people", "customers", "exchange", "reports"},
    "demo": {"core", "directory", "people", "customers", "exchange", "reports", "delivery"},
}


def package_of(module: str) -> str | None:
    """The capability package of a module of partnerhub/ (None for partnerhub itself and for api/)."""
    parts = module.split(".")
    if parts[0] != "partnerhub" or len(parts) < 2:
        return None
    return "core" if parts[1] == "models" else parts[1]


def test_each_package_imports_only_the_packages_below_it():
    wrong = sorted(
        f"{module} ({home}) imports {target} ({there})"
        for module, targets in import_graph().items()
        if (home := package_of(module)) is not None
        for target in targets
        if (there := package_of(target)) is not None and there != home and there not in ALLOWED[home]
    )

    assert wrong == [], "imports against the packages' direction:\n" + "\n".join(wrong)


def test_every_module_of_the_domain_is_in_a_capability_package():
    loose = sorted(m for m in modules() if package_of(m) is not None and package_of(m) not in ALLOWED)

    assert loose == [], "put each in a package of ALLOWED: " + ", ".join(loose)
