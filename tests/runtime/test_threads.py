"""Threads: wasm runs with the GIL released; instances are independent; one instance used
by two threads is serialised; every public type states its thread-safety contract."""

from __future__ import annotations

import inspect
import threading

import wt_api as wt

WAT = """(module
  (global $g (mut i32) (i32.const 0))
  (func (export "spin") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 1664525)) (i32.const 1013904223)))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      br_if $l)
    local.get $acc)
  (func (export "bump") (result i32)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    global.get $g))
"""


def test_calls_on_separate_instances_from_many_threads(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)  # one compiled module shared by every thread
    expected = runtime.instantiate(compiled).exported_function("spin").call(200_000)  # type: ignore[union-attr]
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            mod = runtime.instantiate(compiled)
            spin = mod.exported_function("spin")
            assert spin is not None
            for _ in range(20):
                results.append(spin.call(200_000))
            mod.close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 160


def test_one_instance_used_by_many_threads_is_serialised(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate(WAT)
    bump = mod.exported_function("bump")
    assert bump is not None
    seen: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(2000):
            value = bump.call()[0]
            with lock:
                seen.append(value)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == list(range(1, 8001))  # no lost or doubled update


def test_the_gil_is_released_while_wasm_runs(runtime: wt.Runtime) -> None:
    """A Python thread makes progress while another thread is inside a long wasm call."""
    mod = runtime.instantiate(runtime.compile_module(WAT))
    spin = mod.exported_function("spin")
    assert spin is not None
    inside = threading.Event()
    done = threading.Event()
    ticks = 0

    def count() -> None:
        nonlocal ticks
        inside.wait()
        while not done.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    inside.set()
    spin.call(300_000_000)  # some hundreds of milliseconds of wasm
    done.set()
    counter.join()
    assert ticks > 1000


def test_every_public_type_states_its_thread_safety() -> None:
    missing = []
    for name in wt.__all__:
        obj = getattr(wt, name)
        if inspect.isclass(obj) and not issubclass(obj, BaseException) and obj.__module__.startswith("wt_api"):
            if "thread" not in (obj.__doc__ or "").lower():
                missing.append(name)
    assert not missing, f"no thread-safety contract in the docstring of {missing}"
