"""The layers are the doors: each distribution imports only the one below it, never a
private module of another, and declares what it imports; inside wt-api the modules form
floors without a circle, and an import inside a function says why."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["wt_loader", "wt_ffi", "wt_api", "wt_wasi"]
# The only arrows between distributions: each layer imports the one right below it.
ALLOWED = {"wt_loader": set(), "wt_ffi": {"wt_loader"}, "wt_api": {"wt_ffi"}, "wt_wasi": {"wt_api"}}


def sources(layer: str) -> list[Path]:
    return sorted((ROOT / "packages" / layer.replace("_", "-") / "src" / layer).rglob("*.py"))


def module_name(path: Path) -> str:
    """``packages/wt-api/src/wt_api/_x.py`` -> ``wt_api._x`` (a package is its ``__init__``)."""
    parts = path.relative_to(ROOT / "packages").parts[2:]
    name = ".".join(Path(*parts).with_suffix("").parts)
    return name.removesuffix(".__init__")


def imports(path: Path) -> list[tuple[str, ast.stmt, bool]]:
    """Every import of ``path``: the absolute module name, the node, and whether it sits
    inside a function. Relative imports are resolved against the file's package."""
    tree = ast.parse(path.read_text(), str(path))
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, ast.stmt, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.Import):
                found.extend((alias.name, child, in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                    names = [f"{target}.{alias.name}" for alias in child.names] if not child.module else [target]
                    found.extend((name, child, in_function) for name in names)
                elif child.module:
                    found.extend((f"{child.module}.{alias.name}", child, in_function) for alias in child.names)
            visit(child, inside)

    visit(tree, False)
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_imports_only_the_one_below(layer: str) -> None:
    for path in sources(layer):
        for name, node, _ in imports(path):
            top = name.split(".")[0]
            if top in LAYERS and top != layer:
                assert top in ALLOWED[layer], (
                    f"{path.relative_to(ROOT)}:{node.lineno} imports {top}: {layer} may import only "
                    f"{sorted(ALLOWED[layer]) or 'no other layer'}")


@pytest.mark.parametrize("layer", LAYERS)
def test_no_layer_reaches_into_another_layers_private_modules(layer: str) -> None:
    for path in sources(layer):
        for name, node, _ in imports(path):
            parts = name.split(".")
            if parts[0] in LAYERS and parts[0] != layer:
                private = [p for p in parts[1:] if p.startswith("_") and not p.startswith("__")]
                assert not private, f"{path.relative_to(ROOT)}:{node.lineno} imports the private {name}"


@pytest.mark.parametrize("layer", LAYERS)
def test_each_distribution_declares_what_it_imports(layer: str) -> None:
    text = (ROOT / "packages" / layer.replace("_", "-") / "pyproject.toml").read_text()
    declared = {dep.replace("-", "_") for dep in re.findall(r'"(wt-[a-z]+)==', text)}
    used = {name.split(".")[0] for path in sources(layer) for name, _, _ in imports(path)}
    used = {u for u in used if u in LAYERS and u != layer}
    assert used <= declared, f"{layer} imports {sorted(used - declared)} without declaring them"
    assert declared <= used | ALLOWED[layer], f"{layer} declares {sorted(declared - used)} but never imports them"


def _floors(layer: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports, at module level, inside a
    function (those run too) or under ``if TYPE_CHECKING:`` (they never run, but a reader
    sees them as arrows)."""
    known = {module_name(path) for path in sources(layer)}
    graph: dict[str, set[str]] = {}
    for path in sources(layer):
        module = module_name(path)
        graph[module] = set()
        for name, _, _ in imports(path):
            target = name
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != module and target != layer:
                graph[module].add(target)
    return graph


@pytest.mark.parametrize("layer", LAYERS)
def test_no_import_circle_inside_a_layer(layer: str) -> None:
    graph = _floors(layer)
    state: dict[str, int] = {}

    def visit(module: str, stack: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycle = stack[stack.index(target):] + [target] if target in stack else [module, target]
                raise AssertionError(f"import circle: {' -> '.join(cycle)}")
            if target not in state:
                visit(target, stack + [target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


@pytest.mark.parametrize("layer", LAYERS)
def test_every_import_inside_a_function_says_why(layer: str) -> None:
    for path in sources(layer):
        lines = path.read_text().splitlines()
        for name, node, in_function in imports(path):
            if not in_function:
                continue
            text = lines[node.lineno - 1]
            assert "#" in text, (f"{path.relative_to(ROOT)}:{node.lineno} imports {name} inside a function "
                                 "without saying why (a comment on that line)")


def test_wt_api_touches_no_ctypes_function_pointers() -> None:
    for path in sources("wt_api"):
        text = path.read_text()
        for forbidden in ("CFUNCTYPE", "CDLL", ".argtypes", ".restype", "_library"):
            assert forbidden not in text, f"{path.name} uses {forbidden}: that belongs in wt-ffi"


def test_versions_move_in_lockstep() -> None:
    versions = {}
    pins = {}
    for layer in LAYERS:
        text = (ROOT / "packages" / layer.replace("_", "-") / "pyproject.toml").read_text()
        versions[layer] = re.search(r'^version = "([^"]+)"', text, re.M).group(1)  # type: ignore[union-attr]
        pins[layer] = re.findall(r'"wt-[a-z]+==([^"]+)"', text)
    assert len(set(versions.values())) == 1, versions
    for layer, found in pins.items():
        assert all(v == versions[layer] for v in found), (layer, found)
