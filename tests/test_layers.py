"""The layers are the doors: no package imports from a layer above it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["wt_loader", "wt_ffi", "wt_api", "wt_wasi"]


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_no_upward_imports(layer: str) -> None:
    above = set(LAYERS[LAYERS.index(layer) + 1:])
    package = ROOT / "packages" / layer.replace("_", "-") / "src" / layer
    for path in package.rglob("*.py"):
        bad = imported_packages(path) & above
        assert not bad, f"{path.relative_to(ROOT)} imports {bad} from a layer above"


def test_wt_api_touches_no_ctypes_function_pointers() -> None:
    package = ROOT / "packages" / "wt-api" / "src" / "wt_api"
    for path in package.rglob("*.py"):
        text = path.read_text()
        for forbidden in ("CFUNCTYPE", "CDLL", ".argtypes", ".restype", "_library"):
            assert forbidden not in text, f"{path.name} uses {forbidden}: that belongs in wt-ffi"


def test_versions_move_in_lockstep() -> None:
    import re

    versions = {}
    pins = {}
    for layer in LAYERS:
        text = (ROOT / "packages" / layer.replace("_", "-") / "pyproject.toml").read_text()
        versions[layer] = re.search(r'^version = "([^"]+)"', text, re.M).group(1)  # type: ignore[union-attr]
        pins[layer] = re.findall(r'"wt-[a-z]+==([^"]+)"', text)
    assert len(set(versions.values())) == 1, versions
    for layer, found in pins.items():
        assert all(v == versions[layer] for v in found), (layer, found)
