"""WASI guests under ``call_async``: ``_start`` awaited, coroutine stdout/stderr writers."""

from __future__ import annotations

import asyncio
import io

import pytest

import wt_api as wt
from wt_wasi import WASIConfig

HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, wasi\\n")
  (data (i32.const 32) "oops\\n")
  (func $say (param i32 i32 i32)
    (i32.store (i32.const 0) (local.get 1)) (i32.store (i32.const 4) (local.get 2))
    (drop (call $fd_write (local.get 0) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $say (i32.const 1) (i32.const 16) (i32.const 12))
    (call $say (i32.const 2) (i32.const 32) (i32.const 5)))
  (func (export "many") (param i32) (local i32)
    (loop $l
      (call $say (i32.const 1) (i32.const 16) (i32.const 12))
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get 1) (local.get 0)))))
  (func (export "exit3") (call $exit (i32.const 3))))
"""


def config(**streams: object) -> wt.RuntimeConfig:
    wasi = WASIConfig()
    if "stdout" in streams:
        wasi = wasi.with_stdout(streams["stdout"])
    if "stderr" in streams:
        wasi = wasi.with_stderr(streams["stderr"])
    return wt.RuntimeConfig().with_async_support().with_wasi(wasi)


def start(mod: wt.Module, name: str = "_start") -> wt.Function:
    found = mod.exported_function(name)
    assert found is not None
    return found


def test_start_is_awaited_with_coroutine_writers(run) -> None:  # type: ignore[no-untyped-def]
    out: list[bytes] = []
    err = io.BytesIO()

    async def write(data: bytes) -> None:
        await asyncio.sleep(0.001)
        out.append(data)

    with wt.Runtime(config(stdout=write, stderr=err)) as r:
        mod = r.instantiate_with_wasi(r.compile_module(HELLO))
        assert run(start(mod).call_async()) == []
        assert out == [b"hello, wasi\n"]  # written, in order, before the call returned
        assert err.getvalue() == b"oops\n"
        out.clear()
        assert run(start(mod, "many").call_async(50)) == []
        assert b"".join(out) == b"hello, wasi\n" * 50


def test_an_async_writer_method(run) -> None:  # type: ignore[no-untyped-def]
    class Sink:
        def __init__(self) -> None:
            self.data = b""

        async def write(self, data: bytes) -> int:
            await asyncio.sleep(0)
            self.data += data
            return len(data)

    sink = Sink()
    with wt.Runtime(config(stdout=sink)) as r:
        run(start(r.instantiate_with_wasi(r.compile_module(HELLO))).call_async())
    assert sink.data == b"hello, wasi\n"


def test_exit_codes_raise_as_for_call(run) -> None:  # type: ignore[no-untyped-def]
    with wt.Runtime(config()) as r:
        mod = r.instantiate_with_wasi(r.compile_module(HELLO))
        with pytest.raises(wt.ExitError) as info:
            run(start(mod, "exit3").call_async())
        assert info.value.exit_code == 3


def test_a_writer_exception_comes_out_of_the_call(run) -> None:  # type: ignore[no-untyped-def]
    async def broken(data: bytes) -> None:
        raise OSError("disk full")

    with wt.Runtime(config(stdout=broken)) as r:
        mod = r.instantiate_with_wasi(r.compile_module(HELLO))
        with pytest.raises(OSError, match="disk full"):
            run(start(mod).call_async())


def test_a_plain_call_cannot_await_a_coroutine_writer(run) -> None:  # type: ignore[no-untyped-def]
    got: list[bytes] = []

    async def write(data: bytes) -> None:
        got.append(data)

    with wt.Runtime(config(stdout=write)) as r:
        mod = r.instantiate_with_wasi(r.compile_module(HELLO))
        with pytest.raises(wt.WtError, match="coroutine function.*call_async"):
            start(mod).call()
        assert got == []  # the plain call's output is dropped...
        assert run(start(mod).call_async()) == []
        assert got == [b"hello, wasi\n"]  # ...and the guest's stream stays open for the next call_async
