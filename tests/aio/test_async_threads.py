"""Threads still work: ``call_async`` on each thread's own loop, sync calls from worker
threads, and one store never polled by two threads at once."""

from __future__ import annotations

import asyncio
import threading

import wt_api as wt

from .conftest import run_on

GUEST = """
(module
  (global $g (mut i64) (i64.const 0))
  (func (export "spin") (param i64) (result i64) (local i64)
    (loop $l
      (local.set 1 (i64.add (local.get 1) (i64.const 1)))
      (global.set $g (i64.add (global.get $g) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "total") (result i64) (global.get $g)))
"""


def fn(mod: wt.Module, name: str) -> wt.Function:
    found = mod.exported_function(name)
    assert found is not None
    return found


def in_threads(count: int, work) -> list[object]:  # type: ignore[no-untyped-def]
    results: list[object] = [None] * count

    def body(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            results[i] = exc

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive()
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def test_each_thread_runs_its_own_loop(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(GUEST)

    def work(i: int) -> object:
        spin = fn(runtime.instantiate(compiled), "spin")

        async def three() -> list[list[int]]:
            return await asyncio.gather(*(spin.call_async(1_000_000 + k) for k in range(3)))

        return run_on("asyncio", three())

    assert in_threads(4, work) == [[[1_000_000 + k] for k in range(3)]] * 4


def test_loops_on_two_threads_share_one_instance(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(GUEST))
    spin = fn(mod, "spin")

    async def many() -> list[list[int]]:
        return await asyncio.gather(*(spin.call_async(200_000) for _ in range(5)))

    assert in_threads(3, lambda i: run_on("asyncio", many())) == [[[200_000]] * 5] * 3
    assert fn(mod, "total").call() == [3 * 5 * 200_000]  # every call ran, none twice


def test_sync_calls_from_a_worker_thread_meanwhile(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(GUEST))
    spin = fn(mod, "spin")
    done = threading.Event()
    counts: list[int] = []

    def worker() -> None:
        n = 0
        while not done.wait(0.001):
            assert spin.call(1000) == [1000]  # runs between the async call's polls
            n += 1
        counts.append(n)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert run_on("asyncio", spin.call_async(200_000_000)) == [200_000_000]
    finally:
        done.set()
        thread.join(60)
    assert counts and counts[0] > 0
    assert fn(mod, "total").call() == [200_000_000 + counts[0] * 1000]
