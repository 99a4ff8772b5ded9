"""Fuel budgets, resource limits and the wasm stack bound."""

from __future__ import annotations

import pytest

import wt_api as wt

WAT = """(module
  (memory (export "mem") 1)
  (table (export "tab") 1 funcref)
  (func (export "loop") (loop $l br $l))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (func (export "size") (result i32) memory.size)
  (func (export "grow_table") (param i32) (result i32) ref.null func local.get 0 table.grow)
  (func $rec (export "rec") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $rec))
"""


def fn(mod: wt.Module, name: str) -> wt.Function:
    f = mod.exported_function(name)
    assert f is not None
    return f


@pytest.fixture
def metered():  # type: ignore[no-untyped-def]
    with wt.Runtime(wt.RuntimeConfig().with_fuel_metering()) as r:
        yield r


def test_a_fuel_budget_stops_an_infinite_loop_and_refuelling_resumes(metered: wt.Runtime) -> None:
    mod = metered.instantiate(metered.compile_module(WAT), wt.ModuleConfig().with_fuel(1_000_000))
    assert mod.fuel == 1_000_000
    with pytest.raises(wt.Trap) as info:
        fn(mod, "loop").call()
    assert info.value.code == wt.TrapCode.OUT_OF_FUEL
    assert mod.fuel == 0
    with pytest.raises(wt.Trap):
        fn(mod, "add").call(1, 2)
    mod.set_fuel(1000)
    assert fn(mod, "add").call(1, 2) == [3]
    left = mod.fuel
    assert 0 < left < 1000
    assert fn(mod, "add").call(1, 2) == [3]
    assert mod.fuel < left


def test_fuel_is_per_instance(metered: wt.Runtime) -> None:
    compiled = metered.compile_module(WAT)
    poor = metered.instantiate(compiled, wt.ModuleConfig().with_fuel(10))
    rich = metered.instantiate(compiled)  # no budget: unlimited
    with pytest.raises(wt.Trap):
        fn(poor, "grow").call(0) and fn(poor, "loop").call()
    assert fn(rich, "add").call(2, 2) == [4]
    assert rich.fuel > 10**18


def test_fuel_budget_covers_the_start_function(metered: wt.Runtime) -> None:
    compiled = metered.compile_module('(module (func $s (loop $l br $l)) (start $s))')
    with pytest.raises(wt.Trap) as info:
        metered.instantiate(compiled, wt.ModuleConfig().with_fuel(5000))
    assert info.value.code == wt.TrapCode.OUT_OF_FUEL


def test_fuel_needs_metering(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)
    with pytest.raises(wt.ConfigError, match="with_fuel_metering"):
        runtime.instantiate(compiled, wt.ModuleConfig().with_fuel(100))
    mod = runtime.instantiate(compiled)
    with pytest.raises(wt.ConfigError, match="with_fuel_metering"):
        mod.fuel
    with pytest.raises(wt.ConfigError):
        wt.ModuleConfig().with_fuel(-1)


def test_memory_growth_past_the_limit_returns_minus_one(runtime: wt.Runtime) -> None:
    config = wt.ModuleConfig().with_memory_limit(3 * wt.WASM_PAGE)
    mod = runtime.instantiate(runtime.compile_module(WAT), config)
    grow = fn(mod, "grow")
    assert [wt.decode_i32(grow.call(1)[0]) for _ in range(4)] == [1, 2, -1, -1]
    assert fn(mod, "size").call() == [3]
    assert wt.decode_i32(grow.call(0)[0]) == 3
    mem = mod.exported_memory("mem")
    assert mem is not None and mem.size == 3 * wt.WASM_PAGE


def test_an_initial_memory_past_the_limit_fails_instantiation(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module('(module (memory 4))')
    with pytest.raises(wt.InstantiationError):
        runtime.instantiate(compiled, wt.ModuleConfig().with_limits(memory_size=2 * wt.WASM_PAGE))
    runtime.instantiate(compiled, wt.ModuleConfig().with_limits(memory_size=4 * wt.WASM_PAGE)).close()


def test_table_growth_past_the_limit_returns_minus_one(runtime: wt.Runtime) -> None:
    limits = wt.ResourceLimits(table_elements=3)
    mod = runtime.instantiate(runtime.compile_module(WAT), wt.ModuleConfig().with_limits(limits))
    grow = fn(mod, "grow_table")
    assert [wt.decode_i32(grow.call(1)[0]) for _ in range(3)] == [1, 2, -1]


def test_limits_on_memories_and_tables_counts(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)
    with pytest.raises(wt.InstantiationError):
        runtime.instantiate(compiled, wt.ModuleConfig().with_limits(memories=0))
    with pytest.raises(wt.InstantiationError):
        runtime.instantiate(compiled, wt.ModuleConfig().with_limits(tables=0))
    with pytest.raises(wt.InstantiationError):
        runtime.instantiate(compiled, wt.ModuleConfig().with_limits(instances=0))


def test_fuel_and_limits_need_a_store_of_their_own(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(WAT)
    with pytest.raises(wt.ConfigError, match="store of its own"):
        runtime.instantiate(compiled, wt.ModuleConfig().with_name("shared").with_memory_limit(wt.WASM_PAGE))
    assert runtime.module("shared") is None


@pytest.mark.parametrize("bad", [-1, 1.5, "x", True])
def test_bad_limits_are_refused(bad: object) -> None:
    with pytest.raises(wt.ConfigError):
        wt.ResourceLimits(memory_size=bad)  # type: ignore[arg-type]
    with pytest.raises(wt.ConfigError):
        wt.ModuleConfig().with_limits(wt.ResourceLimits(), memory_size=1)


def test_deep_recursion_ends_in_a_stack_overflow_trap(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate(WAT)
    for _ in range(3):
        with pytest.raises(wt.Trap) as info:
            fn(mod, "rec").call(0)
        assert info.value.code == wt.TrapCode.STACK_OVERFLOW
    assert fn(mod, "add").call(1, 1) == [2]


def depth_reached(max_stack: int | None) -> int:
    """How deep a recursion that records its depth in memory gets before it overflows."""
    config = wt.RuntimeConfig() if max_stack is None else wt.RuntimeConfig().with_max_wasm_stack(max_stack)
    with wt.Runtime(config) as r:
        mod = r.instantiate(r.compile_module(
            '(module (memory (export "m") 1) (func $rec (export "rec") (param i32)'
            ' (i32.store (i32.const 0) (local.get 0)) (call $rec (i32.add (local.get 0) (i32.const 1)))))'))
        with pytest.raises(wt.Trap) as info:
            fn(mod, "rec").call(0)
        assert info.value.code == wt.TrapCode.STACK_OVERFLOW
        mem = mod.exported_memory("m")
        assert mem is not None
        return int.from_bytes(mem.read(0, 4), "little")


def test_max_wasm_stack_bounds_the_recursion_depth() -> None:
    # Past the 2 MiB async stack wasmtime would panic without wt's adjustment.
    small, default, big = depth_reached(64 * 1024), depth_reached(None), depth_reached(3 << 20)
    assert small < default < big
    assert big > 5 * default


def test_max_wasm_stack_is_checked() -> None:
    for bad in (0, -5, 1.5):
        with pytest.raises(wt.ConfigError):
            wt.RuntimeConfig().with_max_wasm_stack(bad)  # type: ignore[arg-type]
    # Bigger than the thread's own stack: it would crash instead of trapping.
    with pytest.raises(wt.ConfigError, match="stack"):
        wt.Runtime(wt.RuntimeConfig().with_max_wasm_stack(1 << 40))
