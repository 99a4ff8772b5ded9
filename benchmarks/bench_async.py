"""The asyncio group: ``call_async`` against a sync ``call``, many guests awaiting a host
function at once, and how long a heartbeat waits while guests compute.

wasmtime-py has no asyncio support: its column stays empty. The floor of ``call_async``
is the raw ctypes sequence it cannot do without (``wasmtime_func_call_async``, one
``wasmtime_call_future_poll``, ``wasmtime_call_future_delete``, premade arguments).
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import statistics
import time

import wt_api as wt
from harness import Row, Stats
from modules import ADD
from wt_ffi import _library, extern

__all__ = ["async_calls"]

GUESTS = 1000
HOST = """(module (import "env" "fetch" (func $f (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (i32.add (call $f (local.get 0)) (i32.const 1))))"""
SPIN = """(module (func (export "spin") (param i64) (result i64) (local i64)
  (loop $l (local.set 1 (i64.add (local.get 1) (i64.const 1))) (br_if $l (i64.lt_u (local.get 1) (local.get 0))))
  (local.get 1)))"""


def _interleaved(loop: asyncio.AbstractEventLoop, fns: dict[str, object], inner: int, samples: int = 9) -> dict[str, Stats]:
    """As harness.paired, for coroutine functions timed inside one running loop."""
    async def sample(fn: object) -> float:
        start = time.perf_counter_ns()
        for _ in range(inner):
            await fn()  # type: ignore[operator]
        return (time.perf_counter_ns() - start) / 1e9 / inner

    names = list(fns)
    results: dict[str, list[float]] = {name: [] for name in names}
    for fn in fns.values():
        loop.run_until_complete(sample(fn))  # warm-up
    gc.disable()
    try:
        for r in range(samples):
            for name in names[r % len(names):] + names[:r % len(names)]:
                results[name].append(loop.run_until_complete(sample(fns[name])))
    finally:
        gc.enable()
    return {name: Stats.of(values) for name, values in results.items()}


def async_calls() -> list[Row]:
    config = wt.RuntimeConfig().with_async_support()
    r = wt.Runtime(config)
    mod = r.instantiate(r.compile_module(ADD))
    function = mod.exported_function("add")
    assert function is not None
    add_async, add = function.call_async, function.call
    a, b = wt.encode_i32(5), wt.encode_i32(7)

    # The floor: the three C calls of a future with nothing around them.
    call = _library.raw_function("wasmtime_func_call_async", ctypes.c_void_p)
    poll = _library.raw_function("wasmtime_call_future_poll", ctypes.c_bool)
    delete = _library.raw_function("wasmtime_call_future_delete", None)
    item = mod._export_extern("add")
    assert item is not None
    fn = extern.wasmtime_func_t()
    ctypes.pointer(fn)[0] = item.of.func
    buf = (ctypes.c_uint64 * 14)()
    buf[1], buf[5] = 5, 7
    args = (ctypes.cast(mod._store.context, ctypes.c_void_p), ctypes.byref(fn), ctypes.byref(buf), ctypes.c_size_t(2),
            ctypes.byref(buf, 64), ctypes.c_size_t(1), ctypes.byref(buf, 96), ctypes.byref(buf, 104))

    async def floor() -> None:
        future = ctypes.c_void_p(call(*args))
        poll(future)
        delete(future)

    async def sync_call() -> None:
        add(a, b)

    loop = asyncio.new_event_loop()
    try:
        timed = _interleaved(loop, {"wt": lambda: add_async(a, b), "floor": floor, "call": sync_call}, 20_000)
        many = [loop.run_until_complete(_many_guests(r)) for _ in range(5)]
        beats = [loop.run_until_complete(_heartbeat(r)) for _ in range(3)]
    finally:
        loop.close()
    sync = timed["call"].median * 1e6
    return [
        Row("async", "call_async add(i32, i32) -> i32", timed["wt"], None, timed["floor"],
            f"≤ {10 * sync:.3g} µs (10x call)"),
        Row("async", f"{GUESTS} guests each awaiting asyncio.sleep(0.1) in a host function", Stats.of(many), None,
            None, "≤ 1000 ms", unit="ms", short=f"{GUESTS} guests awaiting a host function"),
        Row("async", "longest heartbeat wait (every 10 ms) while 4 guests compute", Stats.of(beats), None, None,
            "≤ 50 ms", unit="ms", short="heartbeat wait, 4 guests computing"),
    ]


async def _many_guests(r: wt.Runtime) -> float:
    """Seconds for GUESTS guests on one loop, each calling an async host function that
    awaits asyncio.sleep(0.1); the results are checked."""
    name = f"env{id(object())}"

    async def fetch(x: int) -> int:
        await asyncio.sleep(0.1)
        return x * 2

    env = r.new_host_module_builder(name)
    env.export_function("fetch", [wt.ValueType.I32], [wt.ValueType.I32], fetch)
    env.instantiate()
    compiled = r.compile_module(HOST.replace('"env"', f'"{name}"'))
    runs = [r.instantiate(compiled).exported_function("run") for _ in range(GUESTS)]
    start = time.perf_counter()
    results = await asyncio.gather(*(f.call_async(i) for i, f in enumerate(runs)))  # type: ignore[union-attr]
    elapsed = time.perf_counter() - start
    assert results == [[2 * i + 1] for i in range(GUESTS)]
    return elapsed


async def _heartbeat(r: wt.Runtime) -> float:
    """The longest wait of a 10 ms heartbeat while four guests compute with call_async."""
    compiled = r.compile_module(SPIN)
    spins = [r.instantiate(compiled).exported_function("spin") for _ in range(4)]
    waits: list[float] = []
    stop = asyncio.Event()

    async def heartbeat() -> None:
        while not stop.is_set():
            start = time.monotonic()
            await asyncio.sleep(0.01)
            waits.append(time.monotonic() - start)

    beat = asyncio.ensure_future(heartbeat())
    await asyncio.sleep(0.02)
    await asyncio.gather(*(f.call_async(150_000_000) for f in spins))  # type: ignore[union-attr]
    stop.set()
    await beat
    return max(waits) if waits else statistics.mean([0.0])
