"""`wt-wasm run` itself: the console script, `python -m wt_wasi`, WAT input, and what it
says when a module cannot run (traps, non-modules, link errors)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import wt_loader

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "examples" / "program.wat"
EXPECTED = b"hello from wasm: arg1\nhello from wasm: KEY=value\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI's compilation cache in this test's directory (not the user's); the library
    named directly, so that the empty cache directory does not make it search again."""
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(wt_loader.locate_library().path))
    monkeypatch.setenv("WT_CACHE_DIR", str(tmp_path / "wt-cache"))
    return tmp_path / "wt-cache"


def wt(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wt_wasi", *argv], capture_output=True, timeout=120, cwd=cwd)


def test_console_script_runs_a_wat_program() -> None:
    script = shutil.which("wt-wasm", path=os.path.dirname(sys.executable))
    assert script is not None, "the wt-wasm console script is not installed next to this Python"
    result = subprocess.run([script, "run", "--env", "KEY=value", str(PROGRAM), "arg1"], capture_output=True,
                            timeout=120)
    assert (result.returncode, result.stdout, result.stderr) == (0, EXPECTED, b"")


def test_no_wt_console_script() -> None:
    """`wt` is another project's command (and Debian's wiredtiger's): wt installs none."""
    assert shutil.which("wt", path=os.path.dirname(sys.executable)) is None


def test_python_dash_m() -> None:
    result = wt("run", "--env", "KEY=value", str(PROGRAM), "arg1")
    assert (result.returncode, result.stdout) == (0, EXPECTED)


@pytest.mark.parametrize("command", [["-m", "wt_wasi"], ["-m", "wt_loader"]])
def test_version(command: list[str]) -> None:
    result = subprocess.run([sys.executable, *command, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    name = "wt-wasm" if command[1] == "wt_wasi" else "wt-loader"
    assert result.stdout == f"{name} 0.1.0 (wasmtime {wt_loader.WASMTIME_VERSION})\n"


def test_guest_arguments_may_look_like_options() -> None:
    result = wt("run", str(PROGRAM), "--env")
    assert result.returncode == 0 and result.stdout == b"hello from wasm: --env\n"


@pytest.mark.parametrize(("argv", "message"), [
    (["run", "--dir", "/no/such/dir::/data", str(PROGRAM)], b"does not exist"),
    (["run", "--env", "NOEQUALS", str(PROGRAM)], b"K=V"),
    (["run", "/no/such/module.wasm"], b"cannot read /no/such/module.wasm: No such file"),
    (["run", "--invoke", "missing", str(PROGRAM)], b"exports no function 'missing'"),
    (["run", "--preload", "nofile", str(PROGRAM)], b"--preload takes NAME=FILE"),
])
def test_errors_exit_2_with_a_message(argv: list[str], message: bytes) -> None:
    result = wt(*argv)
    assert result.returncode == 2
    assert result.stderr.startswith(b"wt-wasm: ") and message in result.stderr, result.stderr


def test_a_module_that_does_not_compile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wat"
    bad.write_text("(module (func (result i32)))")
    result = wt("run", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"wt-wasm: {bad} is not a valid module: ".encode()), result.stderr
    assert b"type mismatch" in result.stderr and b"Caused by" not in result.stderr


def test_a_wat_syntax_error_points_at_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "typo.wat"
    bad.write_text("(module (func (call $nowhere)))")
    result = wt("run", str(bad))
    assert result.returncode == 2
    assert f"--> {bad}:1:21".encode() in result.stderr and b"^" in result.stderr, result.stderr


@pytest.mark.parametrize(("content", "why"), [
    (bytes(range(256)) * 4, b"neither the \\0asm header of a binary nor UTF-8 text"),
    (b"hello\n", b"WAT text starts with '('"),
    (b"", b"the file is empty"),
    (b"\x00\x00\x00\x00text", b"neither the \\0asm header of a binary nor text"),
])
def test_random_bytes_are_not_a_module(tmp_path: Path, content: bytes, why: bytes) -> None:
    path = tmp_path / "data.wasm"
    path.write_bytes(content)
    result = wt("run", str(path))
    assert result.returncode == 2
    assert result.stderr.startswith(f"wt-wasm: {path}: not a WebAssembly module or WAT text (".encode())
    assert why in result.stderr and b"1:1" not in result.stderr


def test_a_truncated_binary_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "cut.wasm"
    path.write_bytes(b"\0asm\x01\0\0\0\x05")
    result = wt("run", str(path))
    assert result.returncode == 2
    assert result.stderr == (f"wt-wasm: {path} is not a valid module: failed to parse WebAssembly module: "
                             "unexpected end-of-file (at offset 0x9)\n").encode()


def test_a_trap_prints_its_backtrace_once(tmp_path: Path) -> None:
    module = tmp_path / "trap.wat"
    module.write_text("""(module
      (func $inner (unreachable))
      (func $middle (call $inner))
      (func (export "_start") (call $middle)))""")
    result = wt("run", str(module))
    assert result.returncode == 134
    lines = result.stderr.decode().splitlines()
    assert lines[0] == (f"wt-wasm: {module} trapped: wasm `unreachable` instruction executed "
                        "(UNREACHABLE_CODE_REACHED)")
    # (The offsets wasmtime reports, as for wasmtime-py: the `unreachable` itself is at 0x25.)
    assert lines[1:] == ["wasm backtrace:", "    0:     0x25 - trap.wat!inner", "    1:     0x29 - trap.wat!middle",
                         "    2:     0x2e - trap.wat!<wasm function 2>"]


MAIN = """(module
  (import "env" "answer" (func $answer (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (i32.store8 (i32.const 16) (call $answer))
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 1))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""


def test_preload_satisfies_imports(tmp_path: Path) -> None:
    (tmp_path / "main.wat").write_text(MAIN)
    (tmp_path / "lib.wat").write_text('(module (func (export "answer") (result i32) (i32.const 65)))')
    result = wt("run", "--preload", "env=lib.wat", "main.wat", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"A", b"")


def test_a_preload_may_itself_import_wasi_and_earlier_preloads(tmp_path: Path) -> None:
    (tmp_path / "main.wat").write_text(MAIN)
    (tmp_path / "base.wat").write_text('(module (func (export "base") (result i32) (i32.const 60)))')
    (tmp_path / "lib.wat").write_text("""(module
      (import "base" "base" (func $base (result i32)))
      (import "wasi_snapshot_preview1" "sched_yield" (func (result i32)))
      (func (export "answer") (result i32) (i32.add (call $base) (i32.const 6))))""")
    result = wt("run", "--preload", "base=base.wat", "--preload", "env=lib.wat", "main.wat", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"B", b"")


@pytest.mark.parametrize(("preload", "message"), [
    (None, "wt-wasm: main.wat imports env.answer (func (result i32)), which nothing provides: "
           "use --preload env=FILE to instantiate a module that exports it under the name env"),
    ('(module (func (export "other")))',
     "wt-wasm: main.wat imports env.answer (func (result i32)), but lib.wat (preloaded as env) does not "
     "export 'answer'; it exports: other"),
    ('(module (func (export "answer") (param i64)))',
     "wt-wasm: main.wat imports env.answer as (func (result i32)), but lib.wat (preloaded as env) "
     "exports it as (func (param i64))"),
])
def test_link_errors_in_command_line_terms(tmp_path: Path, preload: str | None, message: str) -> None:
    (tmp_path / "main.wat").write_text(MAIN)
    argv = ["run", "main.wat"]
    if preload is not None:
        (tmp_path / "lib.wat").write_text(preload)
        argv[1:1] = ["--preload", "env=lib.wat"]
    result = wt(*argv, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.decode() == message + "\n"


def test_usage() -> None:
    result = wt()
    assert result.returncode == 2 and b"usage: python -m wt_wasi" in result.stderr
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


def test_compile_ahead_then_run_the_cwasm_without_compiling(tmp_path: Path) -> None:
    source = tmp_path / "program.wat"
    shutil.copy(PROGRAM, source)
    assert wt("compile", str(source)).returncode == 0
    compiled = tmp_path / "program.cwasm"
    assert compiled.read_bytes()[:4] == b"\x7fELF"
    source.unlink()  # run needs only the compiled file
    result = wt("run", "--no-cache", "--env", "KEY=value", str(compiled), "arg1")
    assert (result.returncode, result.stdout, result.stderr) == (0, EXPECTED, b"")
    other = tmp_path / "out" / "x.bin"
    other.parent.mkdir()
    assert wt("compile", "-o", str(other), str(PROGRAM)).returncode == 0 and other.stat().st_size > 0


def test_a_cwasm_of_another_configuration_or_corrupt_is_refused(tmp_path: Path) -> None:
    import wt_api  # (the test's own runtime, made in this process)

    with wt_api.Runtime(wt_api.RuntimeConfig().with_fuel_metering()) as runtime:
        foreign = tmp_path / "foreign.cwasm"
        foreign.write_bytes(runtime.compile_file(PROGRAM).serialize())
    corrupt = tmp_path / "corrupt.cwasm"
    corrupt.write_bytes(b"\x7fELF" + os.urandom(4000))
    for path in (foreign, corrupt):
        result = wt("run", str(path))
        assert result.returncode == 2, result.stderr
        assert b"cannot load the compiled module" in result.stderr and b"wt-wasm compile" in result.stderr, result.stderr
    result = wt("compile", str(corrupt))
    assert result.returncode == 2 and b"compiled already" in result.stderr
    result = wt("compile", "-o", str(tmp_path / "missing-dir" / "x.cwasm"), str(PROGRAM))
    assert result.returncode == 2 and b"cannot write" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_ends_a_guest_that_never_returns(tmp_path: Path) -> None:
    """The runtime has no epoch interruption (wasmtime's default, the fast code): SIGINT's
    default action ends the process at once, as for `wasmtime run` or a native program."""
    import signal

    module = tmp_path / "spin.wat"
    module.write_text("""(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 16) "ready\\n")
      (func (export "_start")
        (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
        (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
        (loop $l br $l)))""")
    with subprocess.Popen([sys.executable, "-m", "wt_wasi", "run", str(module)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        try:
            assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=30) == -signal.SIGINT
        finally:
            if proc.poll() is None:
                proc.kill()  # never leave a spinning child behind
                proc.wait()
