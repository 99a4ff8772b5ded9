"""Async host functions: a coroutine function given to ``with_func``/``with_typed_func``
is awaited while the guest waits; a plain call that reaches one gets a clear error."""

from __future__ import annotations

import asyncio
import contextvars
import time

import pytest

import wt_api as wt

I32, I64, F64 = wt.ValueType.I32, wt.ValueType.I64, wt.ValueType.F64

GUEST = """
(module
  (import "env" "fetch" (func $fetch (param i32) (result i32)))
  (import "env" "pair" (func $pair (param i64 f64) (result f64 i64)))
  (import "env" "stack" (func $stack (param i32 i32) (result i32)))
  (import "env" "poke" (func $poke (param i32) (result i32)))
  (import "env" "fail" (func $fail (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "fetch") (param i32) (result i32) (i32.add (call $fetch (local.get 0)) (i32.const 1)))
  (func (export "twice") (param i32) (result i32)
    (i32.add (call $fetch (local.get 0)) (call $fetch (i32.add (local.get 0) (i32.const 1)))))
  (func (export "pair") (param i64 f64) (result f64 i64) (call $pair (local.get 0) (local.get 1)))
  (func (export "stack") (param i32 i32) (result i32) (call $stack (local.get 0) (local.get 1)))
  (func (export "poke") (param i32) (result i32) (call $poke (local.get 0)))
  (func (export "fail") (param i32) (result i32) (call $fail (local.get 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
)
"""

LOG: list[object] = []
DELAY = [0.0]
VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def fetch(x: int) -> int:
    LOG.append(("task", asyncio.current_task() is not None, VAR.get()))
    await asyncio.sleep(DELAY[0])
    return x * 2


async def pair(a: int, b: float) -> tuple[float, int]:
    await asyncio.sleep(0)
    return b * 2, a - 1


async def stack(values: list[int]) -> None:
    await asyncio.sleep(0)
    values[2] = values[0] * 10 + values[1]


async def poke(caller: wt.Caller, x: int) -> int:
    memory = caller.memory
    assert memory is not None
    before = bytes(memory.read(0, 2))  # before the first await: inside wasmtime's call
    await asyncio.sleep(0)
    memory.write(0, b"ok")  # after it: between two polls
    return x + len(before)


class Boom(Exception):
    pass


async def fail(x: int) -> int:
    await asyncio.sleep(0)
    raise Boom(f"boom {x}")


def build(runtime: wt.Runtime) -> wt.CompiledModule:
    env = runtime.new_host_module_builder("env")
    env.export_function("fetch", [I32], [I32], fetch)
    env.export_function("pair", [I64, F64], [F64, I64], pair)
    env.new_function_builder("stack", [I32, I32], [I32]).with_func(stack).export()
    env.export_function("poke", [I32], [I32], poke, caller=True)
    env.export_function("fail", [I32], [I32], fail)
    env.instantiate()
    return runtime.compile_module(GUEST)


@pytest.fixture(autouse=True)
def fresh() -> None:
    DELAY[0] = 0.0
    LOG.clear()


@pytest.fixture
def mod(runtime: wt.Runtime) -> wt.Module:
    return runtime.instantiate(build(runtime))


def fn(mod: wt.Module, name: str) -> wt.Function:
    found = mod.exported_function(name)
    assert found is not None
    return found


def test_values_go_in_and_out(run, mod: wt.Module) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        assert await fn(mod, "fetch").call_async(20) == [41]
        assert await fn(mod, "twice").call_async(1) == [2 + 4]
        (b, a) = await fn(mod, "pair").call_async(wt.encode_i64(-5), wt.encode_f64(1.25))
        assert wt.decode_f64(b) == 2.5 and wt.decode_i64(a) == -6
        assert await fn(mod, "stack").call_async(4, 2) == [42]
        assert await fn(mod, "poke").call_async(1) == [3]
        assert bytes(mod.exported_memory("memory").read(0, 2)) == b"ok"  # type: ignore[union-attr]

    run(main())


def test_the_coroutine_runs_in_the_calling_task(run, mod: wt.Module) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        VAR.set("caller's")
        await fn(mod, "fetch").call_async(1)

    run(main())
    assert LOG == [("task", True, "caller's")]


def test_its_exception_comes_out_of_the_call(run, mod: wt.Module) -> None:  # type: ignore[no-untyped-def]
    async def main() -> None:
        with pytest.raises(Boom, match="boom 7"):
            await fn(mod, "fail").call_async(7)
        assert await fn(mod, "fetch").call_async(1) == [3]

    run(main())


def test_a_wrong_result_fails_the_call(run, runtime: wt.Runtime) -> None:  # type: ignore[no-untyped-def]
    async def wrong(x: int) -> object:
        await asyncio.sleep(0)
        return "not an int"

    def not_async(x: int) -> object:
        return wrong(x)  # a coroutine from a plain function: a wrong result, not an await

    env = runtime.new_host_module_builder("bad")
    env.export_function("wrong", [I32], [I32], wrong)
    env.export_function("plain", [I32], [I32], not_async)
    env.instantiate()
    m = runtime.instantiate(runtime.compile_module("""(module
        (import "bad" "wrong" (func $w (param i32) (result i32)))
        (import "bad" "plain" (func $p (param i32) (result i32)))
        (func (export "w") (param i32) (result i32) (call $w (local.get 0)))
        (func (export "p") (param i32) (result i32) (call $p (local.get 0))))"""))

    async def main() -> None:
        with pytest.raises(TypeError, match="not a valid i32"):
            await fn(m, "w").call_async(1)
        with pytest.raises(TypeError):
            await fn(m, "p").call_async(1)

    with pytest.warns(RuntimeWarning, match="never awaited"):
        run(main())
        import gc

        gc.collect()


def test_a_plain_call_reaching_one_gets_a_clear_error(mod: wt.Module) -> None:
    with pytest.raises(wt.WtError, match=r"env\.fetch.*is async.*call_async"):
        fn(mod, "fetch").call(1)
    assert fn(mod, "add").call(2, 3) == [5]  # what does not reach one still runs
    assert LOG == []  # the coroutine function was not even called


def test_many_guests_await_at_once(run, runtime: wt.Runtime) -> None:  # type: ignore[no-untyped-def]
    # The "done when": 1,000 guests on one loop, each calling an async host
    # function that awaits asyncio.sleep(0.1), all finish with correct results in under 1 s.
    # (a guest without a memory: a thousand 4 GiB memory reservations do not fit the 512 GiB
    # address space of an aarch64 kernel with 39-bit addresses)
    build(runtime)
    compiled = runtime.compile_module('''(module (import "env" "fetch" (func $fetch (param i32) (result i32)))
      (func (export "fetch") (param i32) (result i32) (i32.add (call $fetch (local.get 0)) (i32.const 1))))''')
    functions = [fn(runtime.instantiate(compiled), "fetch") for _ in range(1000)]
    DELAY[0] = 0.1

    async def main() -> tuple[list[list[int]], float]:
        start = time.monotonic()
        results = await asyncio.gather(*(f.call_async(i) for i, f in enumerate(functions)))
        return results, time.monotonic() - start

    results, elapsed = run(main())
    assert results == [[2 * i + 1] for i in range(1000)]
    assert elapsed < 1.0, elapsed


def test_cancelling_during_the_await_cancels_the_coroutine(run, mod: wt.Module) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    async def main() -> None:
        DELAY[0] = 10.0
        task = asyncio.ensure_future(fn(mod, "fetch").call_async(1))
        await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        seen.append("cancelled")
        DELAY[0] = 0.0
        assert await fn(mod, "fetch").call_async(1) == [3]
        with pytest.raises(asyncio.TimeoutError):
            DELAY[0] = 10.0
            await asyncio.wait_for(fn(mod, "twice").call_async(1), 0.02)

    run(main())
    assert seen == ["cancelled"]
    assert fn(mod, "add").call(1, 1) == [2]


def test_a_start_function_reaching_one_fails_the_instantiation(runtime: wt.Runtime) -> None:
    build(runtime)
    with pytest.raises(wt.WtError, match="is async"):
        runtime.instantiate(runtime.compile_module("""(module
            (import "env" "fetch" (func $f (param i32) (result i32)))
            (func $start (drop (call $f (i32.const 1))))
            (start $start))"""))


def test_the_link_store_refuses_them_once_it_runs_sync_calls(runtime: wt.Runtime) -> None:
    compiled = build(runtime)
    named = runtime.instantiate(runtime.compile_module('(module (func (export "one") (result i32) i32.const 1))'),
                                wt.ModuleConfig().with_name("lib"))
    assert fn(named, "one").call() == [1]
    with pytest.raises(wt.LinkError, match="is async"):
        runtime.instantiate(compiled, wt.ModuleConfig().with_name("user"))
    assert runtime.module("user") is None and fn(named, "one").call() == [1]


def test_a_named_module_may_import_them_first(run, runtime: wt.Runtime) -> None:  # type: ignore[no-untyped-def]
    compiled = build(runtime)
    named = runtime.instantiate(compiled, wt.ModuleConfig().with_name("user"))
    other = runtime.instantiate(runtime.compile_module("""(module
        (import "user" "add" (func $add (param i32 i32) (result i32)))
        (func (export "inc") (param i32) (result i32) (call $add (local.get 0) (i32.const 1))))"""))
    assert fn(other, "inc").call(1) == [2]  # its store runs every call as a future now
    assert run(fn(named, "fetch").call_async(2)) == [5]


def test_calling_back_into_the_instance(run, runtime: wt.Runtime) -> None:  # type: ignore[no-untyped-def]
    async def back(caller: wt.Caller, x: int) -> int:
        add = caller.exported_function("add")
        assert add is not None
        early = add.call(x, 1)[0]  # before the first await
        await asyncio.sleep(0)
        late = (await add.call_async(x, 2))[0]  # after it: run to its end at once
        with pytest.raises(wt.WtError, match="is async"):
            caller.exported_function("back").call(0)  # type: ignore[union-attr]
        return early + late

    env = runtime.new_host_module_builder("cb")
    env.export_function("back", [I32], [I32], back, caller=True)
    env.instantiate()
    m = runtime.instantiate(runtime.compile_module("""(module
        (import "cb" "back" (func $b (param i32) (result i32)))
        (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
        (func (export "back") (param i32) (result i32) (call $b (local.get 0))))"""))
    assert run(fn(m, "back").call_async(10)) == [11 + 12]


def test_timeouts_inside_the_host_function(run, mod: wt.Module, runtime: wt.Runtime) -> None:  # type: ignore[no-untyped-def]
    async def slow(x: int) -> int:
        try:
            await asyncio.wait_for(asyncio.sleep(5), 0.01)
        except asyncio.TimeoutError:
            return -1
        return x

    env = runtime.new_host_module_builder("slow")
    env.export_function("slow", [I32], [I32], slow)
    env.instantiate()
    m = runtime.instantiate(runtime.compile_module("""(module
        (import "slow" "slow" (func $s (param i32) (result i32)))
        (func (export "s") (param i32) (result i32) (call $s (local.get 0))))"""))
    assert run(fn(m, "s").call_async(4)) == [0xFFFFFFFF]


REFS = """(module
  (import "refs" "ext" (func $ext (param externref) (result externref)))
  (import "refs" "fn" (func $fn (param funcref) (result funcref)))
  (import "refs" "any" (func $any (param i32) (result anyref)))
  (import "refs" "stack" (func $stack (param externref i32) (result externref i32)))
  (type $ft (func (result i32)))
  (func $seven (export "seven") (result i32) (i32.const 7))
  (elem declare func $seven)
  (func (export "ext") (param externref) (result externref) (call $ext (local.get 0)))
  (func (export "fn") (result i32) (call_ref $ft (ref.cast (ref $ft) (call $fn (ref.func $seven)))))
  (func (export "any") (param i32) (result anyref) (call $any (local.get 0)))
  (func (export "stack") (param externref i32) (result externref i32) (call $stack (local.get 0) (local.get 1))))
"""


def test_references_go_in_and_out(run, runtime: wt.Runtime) -> None:  # type: ignore[no-untyped-def]
    import gc
    import weakref

    class Thing:
        pass

    async def ext(obj: object) -> object:
        await asyncio.sleep(0)
        return obj

    async def fn(f: wt.Function) -> wt.Function:
        await asyncio.sleep(0)
        assert f.call() == [7]
        return f

    async def any_(x: int) -> object:
        await asyncio.sleep(0)
        return Thing() if x else None

    async def stack(values: list[int]) -> None:
        await asyncio.sleep(0)
        values[2], values[3] = values[0], values[1] + 1

    env = runtime.new_host_module_builder("refs")
    env.export_function("ext", [wt.ValueType.EXTERNREF], [wt.ValueType.EXTERNREF], ext)
    env.export_function("fn", [wt.ValueType.FUNCREF], [wt.ValueType.FUNCREF], fn)
    env.export_function("any", [I32], [wt.ValueType.ANYREF], any_)
    env.export_function("stack", [wt.ValueType.EXTERNREF, I32], [wt.ValueType.EXTERNREF, I32], stack, typed=False)
    env.instantiate()
    mod = runtime.instantiate(runtime.compile_module(REFS))
    thing = Thing()
    gone = weakref.ref(thing)

    async def main() -> None:
        for _ in range(300):
            (out,) = await fn_of(mod, "ext").call_async(wt.encode_externref(thing))
            assert wt.decode_externref(out) is thing
            wt.release_externref(out)
            assert await fn_of(mod, "fn").call_async() == [7]
            (made,) = await fn_of(mod, "any").call_async(1)
            assert made != 0
            wt.release_ref(made)
            assert await fn_of(mod, "any").call_async(0) == [0]
            out, n = await fn_of(mod, "stack").call_async(wt.encode_externref(thing), 4)
            assert wt.decode_externref(out) is thing and n == 5
            wt.release_externref(out)

    run(main())
    del thing
    mod.close()
    gc.collect()
    assert gone() is None  # every root wt and wasmtime made for it was let go


def fn_of(mod: wt.Module, name: str) -> wt.Function:
    found = mod.exported_function(name)
    assert found is not None
    return found
