"""Per-call timeouts and deadlines stop runaway wasm through epoch interruption, which a
runtime asks for (``RuntimeConfig.with_epoch_interruption``: off by default, as in wasmtime)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

import wt_api as wt

I32 = wt.ValueType.I32
SLACK = 2.0  # generous: CI machines stall

WAT = """(module
  (func (export "loop") (loop $l br $l))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func $spin (export "spin") (param $n i32) (result i32)
    (loop $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))) br_if $l)
    local.get $n))
"""


INTERRUPTIBLE = wt.RuntimeConfig().with_epoch_interruption()


@pytest.fixture
def runtime() -> Iterator[wt.Runtime]:
    """This module's runtimes are interruptible (the conftest's has wasmtime's defaults)."""
    with wt.Runtime(INTERRUPTIBLE) as r:
        yield r


def fn(mod: wt.Module, name: str) -> wt.Function:
    f = mod.exported_function(name)
    assert f is not None
    return f


def test_call_with_timeout_stops_an_infinite_loop_and_the_next_call_runs(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate(WAT)
    start = time.monotonic()
    with pytest.raises(wt.WasmTimeoutError) as info:
        fn(mod, "loop").call_with_timeout(0.2)
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 0.2 + SLACK
    err = info.value
    assert isinstance(err, TimeoutError) and isinstance(err, wt.Trap)
    assert err.code == wt.TrapCode.INTERRUPT and err.timeout == 0.2
    assert "timeout of 0.2 s" in str(err) and err.frames
    assert fn(mod, "add").call(2, 3) == [5]
    assert fn(mod, "add").call_with_timeout(1.0, 4, 5) == [9]


def test_call_with_deadline(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate(WAT)
    deadline = time.monotonic() + 0.1
    with pytest.raises(wt.WasmTimeoutError) as info:
        fn(mod, "loop").call_with_deadline(deadline)
    assert time.monotonic() >= deadline and info.value.timeout is None
    assert "deadline" in str(info.value)
    assert fn(mod, "spin").call_with_deadline(time.monotonic() + 60, 1000) == [0]


def test_module_config_timeout_applies_to_every_call(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)
    mod = runtime.instantiate(compiled, wt.ModuleConfig().with_timeout(0.1))
    loop = fn(mod, "loop")
    for _ in range(3):
        start = time.monotonic()
        with pytest.raises(wt.WasmTimeoutError):
            loop.call()
        assert time.monotonic() - start < 0.1 + SLACK
    add = fn(mod, "add")
    assert [add.call(i, 1) for i in range(1000)] == [[i + 1] for i in range(1000)]
    # An explicit timeout and the instance's: whichever ends first.
    start = time.monotonic()
    with pytest.raises(wt.WasmTimeoutError):
        loop.call_with_timeout(30)
    assert time.monotonic() - start < 0.1 + SLACK


def test_a_call_that_finishes_in_time_is_not_disturbed(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate(WAT)
    spin = fn(mod, "spin")
    for _ in range(50):
        assert spin.call_with_timeout(10, 100_000) == [0]


def test_other_instances_keep_running_while_one_times_out(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)
    looping, steady = runtime.instantiate(compiled), runtime.instantiate(compiled)
    results: list[object] = []

    def busy() -> None:
        # ~ tens of milliseconds of wasm per call, many epoch ticks while the other times out.
        results.append([fn(steady, "spin").call(20_000_000) for _ in range(5)])

    worker = threading.Thread(target=busy)
    worker.start()
    with pytest.raises(wt.WasmTimeoutError):
        fn(looping, "loop").call_with_timeout(0.05)
    worker.join()
    assert results == [[[0]] * 5]


def test_timeouts_on_several_threads_each_stop_their_own_call(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)
    mods = [runtime.instantiate(compiled) for _ in range(4)]
    outcome: dict[int, float] = {}

    def run(i: int) -> None:
        start = time.monotonic()
        try:
            fn(mods[i], "loop").call_with_timeout(0.05 * (i + 1))
        except wt.WasmTimeoutError:
            outcome[i] = time.monotonic() - start

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcome) == [0, 1, 2, 3]
    for i, elapsed in outcome.items():
        assert 0.05 * (i + 1) <= elapsed < 0.05 * (i + 1) + SLACK


def test_a_host_function_calling_back_with_its_own_timeout(runtime: wt.Runtime) -> None:
    inner_errors: list[BaseException] = []

    def callback() -> None:
        loop = runtime.module("inner").exported_function("loop")  # type: ignore[union-attr]
        try:
            loop.call_with_timeout(0.05)
        except wt.WasmTimeoutError as exc:
            inner_errors.append(exc)

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("cb", [], []).with_typed_func(callback).export()
    host.instantiate()
    runtime.instantiate(runtime.compile_module(WAT), wt.ModuleConfig().with_name("inner"))
    outer = runtime.instantiate(runtime.compile_module(
        '(module (import "env" "cb" (func $cb)) (import "inner" "add" (func (param i32 i32) (result i32)))'
        ' (func (export "run") (result i32) call $cb i32.const 7))'))
    assert fn(outer, "run").call_with_timeout(30) == [7]
    assert len(inner_errors) == 1 and isinstance(inner_errors[0], wt.WasmTimeoutError)


def test_a_long_host_function_is_stopped_when_it_returns_to_wasm(runtime: wt.Runtime) -> None:
    host = runtime.new_host_module_builder("env")
    host.new_function_builder("nap", [], []).with_typed_func(lambda: time.sleep(0.3)).export()
    host.instantiate()
    mod = runtime.instantiate(runtime.compile_module(
        '(module (import "env" "nap" (func $nap)) (func (export "run") call $nap (loop $l br $l)))'))
    start = time.monotonic()
    with pytest.raises(wt.WasmTimeoutError):
        fn(mod, "run").call_with_timeout(0.05)
    assert 0.3 <= time.monotonic() - start < 0.3 + SLACK


@pytest.mark.parametrize("config", [None, wt.RuntimeConfig().with_epoch_interruption(False)],
                         ids=["default", "switched off"])
def test_timeouts_need_epoch_interruption_and_the_error_says_how(config: wt.RuntimeConfig | None) -> None:
    assert wt.RuntimeConfig().epoch_interruption is False  # wasmtime's default: no checks in compiled code
    how = r"wt\.RuntimeConfig\(\)\.with_epoch_interruption\(\)"
    with wt.Runtime(config) as r:
        compiled = r.compile_module(WAT)
        mod = r.instantiate(compiled)
        with pytest.raises(wt.ConfigError, match=how):
            fn(mod, "add").call_with_timeout(1, 1, 2)
        with pytest.raises(wt.ConfigError, match=how):
            fn(mod, "add").call_with_deadline(time.monotonic() + 1, 1, 2)
        with pytest.raises(wt.ConfigError, match=how):
            r.instantiate(compiled, wt.ModuleConfig().with_timeout(1))
        assert fn(mod, "add").call(1, 2) == [3]


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "1", True])
def test_bad_timeouts_are_refused(instantiate, bad: object) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate(WAT)
    with pytest.raises(wt.ConfigError):
        fn(mod, "add").call_with_timeout(bad, 1, 2)  # type: ignore[arg-type]
    with pytest.raises(wt.ConfigError):
        wt.ModuleConfig().with_timeout(bad)  # type: ignore[arg-type]


def test_timeouts_of_a_closed_runtime(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(WAT))
    add = fn(mod, "add")
    runtime.close()
    with pytest.raises(wt.ClosedError):
        add.call_with_timeout(1, 1, 2)
