import gc
import math
import tracemalloc

import pytest

import wt_api as wt

I32, I64, F32, F64 = wt.ValueType.I32, wt.ValueType.I64, wt.ValueType.F32, wt.ValueType.F64


def seed_add(stack: list[int]) -> None:
    stack[2] = wt.encode_i32(wt.decode_i32(stack[0]) + wt.decode_i32(stack[1]))


CALLS_ADD = """
(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (func (export "run") (param i32 i32) (result i32) local.get 0 local.get 1 call $add))
"""


def test_seed_example(runtime: wt.Runtime) -> None:
    host = runtime.new_host_module_builder("env")
    host.new_function_builder("add", [I32, I32], [I32]).with_func(seed_add).export("add")
    host.instantiate()
    mod = runtime.instantiate(runtime.compile_module(CALLS_ADD))
    run = mod.exported_function("run")
    assert run is not None
    assert wt.decode_i32(run.call(wt.encode_i32(5), wt.encode_i32(7))[0]) == 12
    assert wt.decode_i32(run.call(wt.encode_i32(-5), wt.encode_i32(2))[0]) == -3
    host.close()


def test_typed_form(runtime: wt.Runtime) -> None:
    host = runtime.new_host_module_builder("env")
    host.new_function_builder("add", [I32, I32], [I32]).with_typed_func(lambda a, b: a + b).export()
    host.instantiate()
    run = runtime.instantiate(runtime.compile_module(CALLS_ADD)).exported_function("run")
    assert run is not None
    assert wt.decode_i32(run.call(wt.encode_i32(-5), wt.encode_i32(2))[0]) == -3


ALL_TYPES = """
(module
  (import "env" "echo" (func $echo (param i32 i64 f32 f64 v128 externref funcref)
                                   (result i32 i64 f32 f64 v128 externref funcref)))
  (func $f (export "f"))
  (elem declare func $f)
  (func (export "run") (param i32 i64 f32 f64 v128 externref)
        (result i32 i64 f32 f64 v128 externref funcref)
    local.get 0 local.get 1 local.get 2 local.get 3 local.get 4 local.get 5 ref.func $f
    call $echo))
"""


def test_every_value_type_crosses_both_forms(runtime: wt.Runtime) -> None:
    seen: list[object] = []

    def echo_stack(stack: list[int]) -> None:
        seen.append(list(stack[:7]))
        stack[7:14] = stack[0:7]

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("echo", [I32, I64, F32, F64, wt.ValueType.V128, wt.ValueType.EXTERNREF,
                                       wt.ValueType.FUNCREF],
                              [I32, I64, F32, F64, wt.ValueType.V128, wt.ValueType.EXTERNREF,
                               wt.ValueType.FUNCREF]).with_func(echo_stack).export()
    host.instantiate()
    mod = runtime.instantiate(runtime.compile_module(ALL_TYPES))
    run = mod.exported_function("run")
    assert run is not None
    obj = object()
    v128 = wt.encode_v128(bytes(range(16)))
    args = [wt.encode_i32(-1), wt.encode_i64(-2), 0x7FA00001, 0x7FF4000000000001, v128, wt.encode_externref(obj)]
    results = run.call(*args)
    assert results[:5] == args[:5]  # NaN bits, v128 lanes and all
    assert wt.decode_externref(results[5]) is obj
    assert results[6] != 0  # the funcref made it through and back
    host.close()


def test_typed_values(runtime: wt.Runtime) -> None:
    got: list[tuple[object, ...]] = []

    def echo(*values: object) -> tuple[object, ...]:
        got.append(values)
        return values

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("echo", [I32, I64, F32, F64, wt.ValueType.V128, wt.ValueType.EXTERNREF,
                                       wt.ValueType.FUNCREF],
                              [I32, I64, F32, F64, wt.ValueType.V128, wt.ValueType.EXTERNREF,
                               wt.ValueType.FUNCREF]).with_typed_func(echo).export()
    host.instantiate()
    run = runtime.instantiate(runtime.compile_module(ALL_TYPES)).exported_function("run")
    assert run is not None
    obj = ["payload"]
    results = run.call(wt.encode_i32(-3), wt.encode_i64(-4), wt.encode_f32(1.5), wt.encode_f64(math.pi), 7,
                       wt.encode_externref(obj))
    values = got[0]
    assert values[:5] == (-3, -4, 1.5, math.pi, 7)
    assert values[5] is obj
    assert isinstance(values[6], wt.Function) and values[6].call() == []
    assert wt.decode_i32(results[0]) == -3 and wt.decode_f64(results[3]) == math.pi
    assert wt.decode_externref(results[5]) is obj


def test_exception_reaches_the_caller_as_itself(runtime: wt.Runtime) -> None:
    class Boom(Exception):
        pass

    calls = [0]

    def explode(a: int, b: int) -> int:
        calls[0] += 1
        if a < 0:
            raise Boom(f"negative {a}")
        return a + b

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("add", [I32, I32], [I32]).with_typed_func(explode).export()
    host.instantiate()
    run = runtime.instantiate(runtime.compile_module(CALLS_ADD)).exported_function("run")
    assert run is not None
    with pytest.raises(Boom, match="negative -1") as info:
        run.call(wt.encode_i32(-1), 0)
    assert any(frame.name == "explode" for frame in info.traceback)
    assert run.call(2, 3) == [5]  # the module stays usable
    for _ in range(1000):  # and nothing accumulates
        with pytest.raises(Boom):
            run.call(wt.encode_i32(-1), 0)
    assert run._store.sink.error is None  # nothing left behind in the store either


def test_bad_results_raise_clear_errors(runtime: wt.Runtime) -> None:
    host = runtime.new_host_module_builder("env")
    host.new_function_builder("add", [I32, I32], [I32]).with_typed_func(lambda a, b: "nope").export()
    host.instantiate()
    run = runtime.instantiate(runtime.compile_module(CALLS_ADD)).exported_function("run")
    assert run is not None
    with pytest.raises(TypeError, match="not a valid i32"):
        run.call(1, 2)


def test_keyboard_interrupt_propagates(runtime: wt.Runtime) -> None:
    def interrupt(stack: list[int]) -> None:
        raise KeyboardInterrupt

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("add", [I32, I32], [I32]).with_func(interrupt).export()
    host.instantiate()
    run = runtime.instantiate(runtime.compile_module(CALLS_ADD)).exported_function("run")
    assert run is not None
    with pytest.raises(KeyboardInterrupt):
        run.call(1, 2)


REENTER = """
(module
  (import "env" "down" (func $down (param i32) (result i32)))
  (func (export "count") (param i32) (result i32)
    local.get 0 i32.eqz
    if (result i32) i32.const 0
    else local.get 0 call $down i32.const 1 i32.add end))
"""


def test_reentrancy_to_depth(runtime: wt.Runtime) -> None:
    def down(caller: wt.Caller, n: int) -> int:
        count = caller.exported_function("count")
        assert count is not None
        return wt.decode_i32(count.call(n - 1)[0])

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("down", [I32], [I32]).with_typed_func(down, caller=True).export()
    host.instantiate()
    count = runtime.instantiate(runtime.compile_module(REENTER)).exported_function("count")
    assert count is not None
    assert count.call(100) == [100]
    with pytest.raises((RecursionError, wt.Trap)):
        count.call(100_000)
    assert count.call(10) == [10]


STRINGS = """
(module
  (import "env" "greet" (func $greet (param i32 i32) (result i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (func (export "alloc") (param i32) (result i32)
    global.get $heap global.get $heap local.get 0 i32.add global.set $heap)
  (func (export "run") (param i32 i32) (result i32 i32) local.get 0 local.get 1 call $greet))
"""


def test_string_round_trip_through_guest_allocator(runtime: wt.Runtime) -> None:
    def greet(caller: wt.Caller, ptr: int, length: int) -> tuple[int, int]:
        memory = caller.memory
        alloc = caller.exported_function("alloc")
        assert memory is not None and alloc is not None
        name = memory.read(ptr, length).decode("utf-8")
        answer = f"héllo, {name} ✓".encode()
        out = wt.decode_i32(alloc.call(len(answer))[0])
        memory.write(out, answer)
        return out, len(answer)

    host = runtime.new_host_module_builder("env")
    host.new_function_builder("greet", [I32, I32], [I32, I32]).with_typed_func(greet, caller=True).export()
    host.instantiate()
    mod = runtime.instantiate(runtime.compile_module(STRINGS))
    memory = mod.exported_memory("memory")
    run = mod.exported_function("run")
    assert memory is not None and run is not None
    name = "wörld 🌍".encode()
    memory.write(16, name)
    ptr, length = run.call(16, len(name))
    assert memory.read(ptr, length).decode() == "héllo, wörld 🌍 ✓"


def test_many_host_calls_and_modules_do_not_grow_memory(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(CALLS_ADD)

    def one_round() -> None:
        host = runtime.new_host_module_builder("env")
        host.new_function_builder("add", [I32, I32], [I32]).with_func(seed_add).export()
        host.instantiate()
        mod = runtime.instantiate(compiled)
        run = mod.exported_function("run")
        assert run is not None and run.call(1, 2) == [3]
        mod.close()
        host.close()

    for _ in range(200):
        one_round()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(2000):
        one_round()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 512 * 1024, grown
