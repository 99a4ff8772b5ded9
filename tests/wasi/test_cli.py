"""`wt run` itself: the console script, `python -m wt_wasi`, WAT input, and its errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "program.wat"
EXPECTED = b"hello from wasm: arg1\nhello from wasm: KEY=value\n"


def wt(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wt_wasi", *argv], capture_output=True, timeout=120, cwd=cwd)


def test_console_script_runs_a_wat_program() -> None:
    script = shutil.which("wt", path=os.path.dirname(sys.executable))
    assert script is not None, "the wt console script is not installed next to this Python"
    result = subprocess.run([script, "run", "--env", "KEY=value", str(PROGRAM), "arg1"], capture_output=True,
                            timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, EXPECTED, b"")


def test_python_dash_m() -> None:
    result = wt("run", "--env", "KEY=value", str(PROGRAM), "arg1")
    assert (result.returncode, result.stdout) == (0, EXPECTED)


def test_guest_arguments_may_look_like_options() -> None:
    result = wt("run", str(PROGRAM), "--env")
    assert result.returncode == 0 and result.stdout == b"hello from wasm: --env\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--dir", "/no/such/dir::/data", str(PROGRAM)], b"does not exist"),
    (["run", "--env", "NOEQUALS", str(PROGRAM)], b"K=V"),
    (["run", "/no/such/module.wasm"], b"No such file"),
    (["run", "--invoke", "missing", str(PROGRAM)], b"exports no function 'missing'"),
])
def test_errors_exit_2_with_a_message(argv: list[str], message: bytes) -> None:
    result = wt(*argv)
    assert result.returncode == 2
    assert result.stderr.startswith(b"wt: ") and message in result.stderr


def test_a_module_that_does_not_compile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wat"
    bad.write_text("(module (func (result i32)))")
    result = wt("run", str(bad))
    assert result.returncode == 2 and b"wt: " in result.stderr


def test_usage() -> None:
    result = wt()
    assert result.returncode == 2 and b"usage: wt" in result.stderr
    assert wt("run", "--help").returncode == 0


REACTOR = """
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (global $base (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $base (i32.const 10)))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (global.get $base) (i32.add (local.get 0) (local.get 1))))
  (func (export "half") (param f64) (result f64 i64)
    (f64.div (local.get 0) (f64.const 2)) (i64.const -1)))
"""


def test_invoke_initialises_a_reactor_and_prints_the_results(tmp_path: Path) -> None:
    module = tmp_path / "reactor.wat"
    module.write_text(REACTOR)
    result = wt("run", "--invoke", "add", str(module), "2", "0x3")
    assert (result.returncode, result.stdout) == (0, b"15\n")
    result = wt("run", "--invoke", "half", str(module), "3")
    assert (result.returncode, result.stdout) == (0, b"1.5\n-1\n")
    for argv, message in ((["2"], b"takes 2 argument(s)"), (["2", "x"], b"'x' is not a valid i32")):
        result = wt("run", "--invoke", "add", str(module), *argv)
        assert result.returncode == 2 and message in result.stderr, result.stderr
