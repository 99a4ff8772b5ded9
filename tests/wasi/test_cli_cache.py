"""`wt-wasm run` keeps compiled code in a disk cache: on by default, movable, switchable off;
a notice on stderr while a long compile runs (one line, or a counter on a terminal)."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

import wt_loader
from wt_wasi._notice import CompileNotice

from .bigmodule import big_module

HELLO = """(module
  (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 3))
    (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """WT_CACHE_DIR in this test's directory; the library named directly."""
    return {**os.environ, "WT_CACHE_DIR": str(tmp_path / "wt-cache"),
            "WASMTIME_LIB_PATH": str(wt_loader.locate_library().path)}


def wt(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wt_wasi", *argv], capture_output=True, timeout=300, env=env)


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.wtc")) if directory.is_dir() else []


def test_the_cache_is_on_by_default_in_wt_cache_dir(tmp_path: Path, env: dict[str, str]) -> None:
    module = tmp_path / "hello.wat"
    module.write_text(HELLO)
    for _ in range(2):
        result = wt(env, "run", str(module))
        assert (result.returncode, result.stdout, result.stderr) == (0, b"hi\n", b"")
    assert len(entries(tmp_path / "wt-cache" / "modules")) == 1


def test_cache_dir_moves_it_and_no_cache_turns_it_off(tmp_path: Path, env: dict[str, str]) -> None:
    module = tmp_path / "hello.wat"
    module.write_text(HELLO)
    elsewhere = tmp_path / "elsewhere"
    assert wt(env, "run", "--cache-dir", str(elsewhere), str(module)).stdout == b"hi\n"
    assert len(entries(elsewhere)) == 1
    assert wt(env, "run", "--no-cache", str(module)).stdout == b"hi\n"
    assert not (tmp_path / "wt-cache" / "modules").exists()
    both = wt(env, "run", "--no-cache", "--cache-dir", str(elsewhere), str(module))
    assert both.returncode == 2 and b"not allowed with" in both.stderr


def test_an_unusable_cache_dir_is_an_error_the_default_one_a_warning(tmp_path: Path, env: dict[str, str]) -> None:
    module = tmp_path / "hello.wat"
    module.write_text(HELLO)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = wt(env, "run", "--cache-dir", str(blocker), str(module))
    assert result.returncode == 2 and result.stderr.startswith(b"wt-wasm: --cache-dir: ")
    (tmp_path / "wt-cache").mkdir()
    (tmp_path / "wt-cache" / "modules").write_text("not a directory")
    result = wt(env, "run", str(module))
    assert (result.returncode, result.stdout) == (0, b"hi\n")
    assert result.stderr.startswith(b"wt-wasm: warning: running without a compilation cache: ")


@pytest.mark.slow
def test_a_large_module_compiles_once_with_a_notice_then_loads_from_the_cache(tmp_path: Path,
                                                                              env: dict[str, str]) -> None:
    """60000 functions, 11.6 MB: the first run compiles (seconds) and says so on stderr;
    later runs find it in the cache (no notice) and use the entry as it is (not rewritten).
    How much faster they are is a benchmark's business: `nox -s bench -- process`, the row
    "wt-wasm run of a 60000-function module" (target: at least 20x)."""
    module = tmp_path / "big.wasm"
    module.write_bytes(big_module(60_000))
    first = wt(env, "run", str(module))
    assert first.returncode == 0, first.stderr
    assert first.stderr == (f"wt-wasm: compiling {module} (11.6 MB), this may take a while; "
                            "later runs use the cache\n").encode()
    [entry] = entries(tmp_path / "wt-cache" / "modules")
    written = entry.stat()
    for _ in range(2):
        again = wt(env, "run", str(module))
        assert (again.returncode, again.stderr) == (0, b"")
    assert entries(tmp_path / "wt-cache" / "modules") == [entry]
    now = entry.stat()
    assert (now.st_ino, now.st_mtime_ns, now.st_size) == (written.st_ino, written.st_mtime_ns, written.st_size)


def test_the_notice_waits_then_says_it_once_without_a_terminal() -> None:
    stream = io.StringIO()
    with CompileNotice("quick.wasm", 1_000_000, cached=True, stream=stream, delay=0.5) as quick:
        time.sleep(0.05)
    assert (quick.shown, stream.getvalue()) == (False, "")
    with CompileNotice("slow.wasm", 12_345_678, cached=False, stream=stream, delay=0.05) as slow:
        time.sleep(0.5)
    assert slow.shown
    assert stream.getvalue() == ("wt-wasm: compiling slow.wasm (12.3 MB), this may take a while; "
                                 "every run compiles again without a cache\n")


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs POSIX")
def test_the_notice_counts_seconds_on_a_terminal_and_erases_itself() -> None:
    import pty

    master, slave = pty.openpty()
    try:
        with open(slave, "w", closefd=False) as terminal:
            with CompileNotice("big.wasm", 69_100_000, cached=True, stream=terminal, delay=0.05):
                time.sleep(1.4)
        shown = b""
        while select.select([master], [], [], 0.2)[0]:
            shown += os.read(master, 1 << 16)
    finally:
        os.close(master)
        os.close(slave)
    draws = shown.decode().split("\r")[1:]
    assert len(draws) >= 4, shown
    assert draws[0].startswith("wt-wasm: compiling big.wasm (69.1 MB), this may take a while; later runs use the cache ")
    assert draws[0].endswith(" 0 s") and any(d.endswith(" 1 s") for d in draws), draws
    assert draws[-1] == "\x1b[2K"  # the line is erased when the compile ends
