"""``wt-wasm bindgen``: typed bindings of the test components that ``mypy --strict`` checks
(a deliberately wrong call, or a host that does not fit the imports, fails it), and that run."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from . import build as builder

GOOD = '''
from __future__ import annotations

import wt_api as wt

import kitchen


class Blob:
    def __init__(self, init: bytes) -> None:
        self.data = init

    def size(self) -> int:
        return len(self.data)

    def read(self) -> bytes:
        return self.data

    @staticmethod
    def concat(a: Blob, b: Blob) -> Blob:
        return Blob(a.data + b.data)


class Host:
    Blob = Blob

    def __init__(self) -> None:
        self.logged: list[str] = []

    def log(self, msg: str) -> None:
        self.logged.append(msg)

    def add(self, a: int, b: int) -> int:
        return a + b

    def describe(self, who: tuple[str, int], tags: list[str]) -> str | None:
        return f"{who[0]}: {len(tags)}"


def main(runtime: wt.Runtime, compiled: wt.CompiledComponent) -> list[object]:
    host = Host()
    k = kitchen.instantiate(runtime, compiled, host=host)
    point: kitchen.Point = k.values.echo_point(kitchen.Point(1, 2))
    shape: kitchen.Shape = k.values.echo_shape(kitchen.Shape.Circle(1.5))
    color: kitchen.Color = k.values.echo_color(kitchen.Color.GREEN)
    perms: kitchen.Perms = k.values.echo_perms(kitchen.Perms.READ | kitchen.Perms.WRITE)
    nested: wt.Some[int | None] | None = k.values.echo_nested(wt.Some(None))
    quotient: int = k.values.divide(7, 2)
    counter = k.objects.Counter(5)
    counter.increment(2)
    total: int = k.objects.total(counter, k.objects.Counter.make(1))
    k.call_log("hi")
    made: kitchen.Blob = k.blob_make(b"xyz")
    return [point, shape, color, perms, nested, quotient, counter.get(), total, host.logged, k.call_add(2, 3),
            k.blob_peek(made), k.version()]
'''

WRONG = {
    "a str for an s32": 'k.values.add("1", 2)',
    "a missing argument": "k.values.echo_point()",
    "the wrong record": "k.values.echo_person(kitchen.Point(1, 2))",
    "a result used as its ok type": "text: bytes = k.values.echo_result(wt.Ok('x'))",
    "a host that does not fit": "kitchen.instantiate(runtime, compiled, host=object())",
}


@pytest.fixture(scope="module")
def bindings(component_path: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bindings")
    cache = str(builder.cache_dir() / "wt-compiled")
    for name in ("kitchen", "reactor"):
        result = subprocess.run([sys.executable, "-m", "wt_wasi", "bindgen", "--cache-dir", cache, "--name", name,
                                 "-o", str(out), str(component_path(name))], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [str(out / f"{name}.py"), str(out / f"{name}.pyi")]
    return out


def _mypy(directory: Path, *files: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("mypy") is None and os.environ.get("WT_TESTS_OFFLINE") == "1":
        pytest.skip("needs mypy, which this environment does not install (WT_TESTS_OFFLINE=1: the aarch64 root); "
                    "the check is static, the same on every architecture")
    env = {**os.environ, "MYPYPATH": str(directory)}
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir",
                           str(directory / ".mypy_cache"), *files], capture_output=True, text=True, timeout=600,
                          cwd=directory, env=env)


def test_the_bindings_and_a_correct_use_pass_mypy_strict(bindings: Path) -> None:
    (bindings / "good.py").write_text(GOOD)
    result = _mypy(bindings, "kitchen.pyi", "reactor.pyi", "good.py")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("line", list(WRONG.values()), ids=list(WRONG))
def test_a_wrong_use_fails_mypy_strict(bindings: Path, line: str) -> None:
    name = f"wrong_{abs(hash(line))}.py"
    (bindings / name).write_text(GOOD + "\n\ndef wrong(runtime: wt.Runtime, compiled: wt.CompiledComponent) -> None:\n"
                                 "    k = kitchen.instantiate(runtime, compiled, host=Host())\n"
                                 f"    {line}\n")
    result = _mypy(bindings, name)
    assert result.returncode == 1 and f"{name}:" in result.stdout, result.stdout + result.stderr


def test_the_bindings_run(bindings: Path, runtime: object, component: Callable[[str], object]) -> None:
    sys.path.insert(0, str(bindings))
    try:
        namespace: dict[str, object] = {}
        exec(compile(GOOD, str(bindings / "good.py"), "exec"), namespace)  # noqa: S102
        main = namespace["main"]
        out = main(runtime, component("kitchen"))  # type: ignore[operator]
        import kitchen  # noqa: PLC0415 - written by the fixture

        assert out[:4] == [kitchen.Point(1, 2), kitchen.Shape.Circle(1.5), kitchen.Color.GREEN,
                           kitchen.Perms.READ | kitchen.Perms.WRITE]
        assert out[4:] == [__import__("wt_api").Some(None), 3, 7, 8, ["hi"], 5, 3, "kitchen 0.1.0"]
        import reactor  # noqa: PLC0415

        r = reactor.instantiate(runtime, component("reactor"))
        assert r.version() == "reactor 0.1.0" and r.values.add(1, 2) == 3
    finally:
        sys.path.remove(str(bindings))
        sys.modules.pop("kitchen", None)
        sys.modules.pop("reactor", None)


def test_bindgen_refuses_what_is_not_a_component(tmp_path: Path) -> None:
    module = tmp_path / "m.wat"
    module.write_text("(module)")
    result = subprocess.run([sys.executable, "-m", "wt_wasi", "bindgen", "--cache-dir", str(tmp_path / "c"),
                             str(module)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "not a valid component: this is a core WebAssembly module" in result.stderr
    result = subprocess.run([sys.executable, "-m", "wt_wasi", "bindgen", "--name", "not-a-name", str(module)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "--name takes a Python module name" in result.stderr
    assert not list(tmp_path.glob("*.py"))
