"""How the apps depend on each other (docs/architecture.md), checked on the code itself.

Imports point one way, so each module can be read, tested and changed knowing everything it
stands on. Two habits would hide a circle from `lint-imports` or from a reader: an import made
inside a function, run only when the function is called, and two modules that import each other
(directly or through others). Both are refused here, for every first-party module.
"""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest

from config.env import BASE_DIR

FIRST_PARTY = ("intake", "cases", "reports", "accesslog", "api_tokens", "plumbing", "config")

# --- No first-party import inside a function ---------------------------------------------------


def _module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _first_party_modules() -> Iterator[tuple[Path, str]]:
    """Every first-party module but migrations: a migration imports the code it runs inside its
    operation, so the migration graph still loads after that code has moved on."""
    for package in FIRST_PARTY:
        for path in sorted((BASE_DIR / package).rglob("*.py")):
            if "migrations" not in path.relative_to(BASE_DIR).parts:
                yield path, _module_name(path)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_app_config(node: ast.ClassDef) -> bool:
    return any(
        (isinstance(base, ast.Name) and base.id == "AppConfig")
        or (isinstance(base, ast.Attribute) and base.attr == "AppConfig")
        for base in node.bases
    )


def _imported_modules(
    node: ast.Import | ast.ImportFrom, module: str, is_package: bool
) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not node.level:
        return [node.module or ""]
    # A relative import: counted from the module's package.
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return [f"{package}.{node.module}" if node.module else package]


def function_level_imports(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """Each import of a first-party module inside a function of `source`, as "line: imported
    (in function)". Allowed: inside `ready()` of an AppConfig subclass (an app registers its
    signal receivers and checks once every app is loaded), and under `if TYPE_CHECKING:`
    (never run)."""
    found: list[str] = []

    def visit(node: ast.AST, function: str | None, allowed: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            if function is not None and not allowed:
                for name in _imported_modules(node, module, is_package):
                    if name.split(".")[0] in FIRST_PARTY:
                        found.append(f"{node.lineno}: {name} (in {function})")
            return
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, function, True)
            for child in node.orelse:
                visit(child, function, allowed)
            return
        if isinstance(node, ast.ClassDef):
            for child in node.body:
                ready = (
                    function is None
                    and _is_app_config(node)
                    and isinstance(child, ast.FunctionDef)
                    and child.name == "ready"
                )
                visit(child, function, allowed or ready)
            return
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.iter_child_nodes(node):
                visit(child, function or node.name, allowed)
            return
        for child in ast.iter_child_nodes(node):
            visit(child, function, allowed)

    visit(ast.parse(source), None, False)
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from cases.models import Case\n", ["2: cases.models (in f)"]),
        ("def f():\n    import intake.models, json\n", ["2: intake.models (in f)"]),
        ("async def f():\n    if x:\n        import plumbing.events\n",
         ["3: plumbing.events (in f)"]),
        ("class A:\n    def g(self):\n        from . import models\n", ["3: reports (in g)"]),
        ("def f():\n    from .models import Document\n", ["2: reports.models (in f)"]),
        ("def f():\n    import json\n    from django.db import models\n", []),
        ("from cases.models import Case\n", []),
        ("class C(AppConfig):\n    def ready(self):\n        import cases.access\n", []),
        ("class C(apps.AppConfig):\n    def ready(self):\n        from cases import roles\n", []),
        ("class C(AppConfig):\n    def other(self):\n        import cases.access\n",
         ["3: cases.access (in other)"]),
        ("class C:\n    def ready(self):\n        import cases.access\n",
         ["3: cases.access (in ready)"]),
        ("def f():\n    if TYPE_CHECKING:\n        from cases.models import Case\n", []),
        ("def f():\n    if typing.TYPE_CHECKING:\n        pass\n    else:\n"
         "        from cases.models import Case\n", ["5: cases.models (in f)"]),
    ],
)
def test_the_check_finds_first_party_imports_inside_functions_and_only_those(source, expected):
    assert function_level_imports(source, "reports.rendering") == expected


def test_no_first_party_module_is_imported_inside_a_function():
    offenders = []
    for path, module in _first_party_modules():
        for found in function_level_imports(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        ):
            offenders.append(f"{path.relative_to(BASE_DIR)}:{found}")
    assert not offenders, (
        "Import these at the top of their modules; where that makes a circle, move the function "
        "to the module it belongs in, or publish the task by name through the outbox:\n"
        + "\n".join(offenders)
    )


# --- No import cycle ---------------------------------------------------------------------------


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """One cycle per group of modules that import each other: each is a chain of imports that
    starts and ends at the same module."""
    cycles: list[list[str]] = []
    seen: set[frozenset[str]] = set()
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is None:
                continue
            cycle = [importer, *back]
            if frozenset(cycle) not in seen:
                seen.add(frozenset(cycle))
                cycles.append(cycle)
    return cycles


def test_the_cycle_check_names_the_modules_of_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("app.a", "app.b", "app.c", "app.d"):
        graph.add_module(module)
    graph.add_import(importer="app.a", imported="app.b")
    graph.add_import(importer="app.b", imported="app.c")
    graph.add_import(importer="app.c", imported="app.a")
    graph.add_import(importer="app.d", imported="app.a")
    assert import_cycles(graph) == [["app.a", "app.b", "app.c", "app.a"]]


def test_no_two_first_party_modules_import_each_other_directly_or_through_others():
    """Across apps too (a module of `cases` and one of `intake`), and counting every import:
    inside functions and under TYPE_CHECKING as well."""
    graph = grimp.build_graph(*FIRST_PARTY, include_external_packages=False)
    cycles = import_cycles(graph)
    assert not cycles, "Import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in cycles)


# --- `# type: ignore` says why ---------------------------------------------------------------

# The ignores written before the rule that each says why on its line; none may be added. Lower
# this as they are given reasons or made unnecessary.
BARE_IGNORES_BEFORE_THE_RULE = 69
_IGNORE = re.compile(r"#\s*type:\s*ignore(?:\[[^\]]*\])?(?P<rest>.*)$")


def bare_type_ignores(source: str) -> list[int]:
    """The lines of `source` with a `# type: ignore` and nothing after it to say why."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        match = _IGNORE.search(line)
        if match and not match.group("rest").strip():
            found.append(number)
    return found


def test_bare_type_ignores_are_found_and_reasons_accepted():
    source = (
        "a = 1  # type: ignore[misc]\n"
        "b = 2  # type: ignore[misc]  # the stubs miss this overload\n"
        "c = 3  # type: ignore\n"
    )
    assert bare_type_ignores(source) == [1, 3]


def test_no_new_type_ignore_without_a_reason_on_its_line():
    bare = [
        f"{path.relative_to(BASE_DIR)}:{line}"
        for path, _module in _first_party_modules()
        for line in bare_type_ignores(path.read_text(encoding="utf-8"))
    ]
    assert len(bare) <= BARE_IGNORES_BEFORE_THE_RULE, (
        "Say on the line why the type checker is wrong there, after the ignore "
        f"(`# type: ignore[code]  # why`): {len(bare)} without a reason, "
        f"{BARE_IGNORES_BEFORE_THE_RULE} allowed.\n" + "\n".join(bare)
    )
