"""Engine options: the pooling allocator, optimisation, debug info, parallel compilation."""

from __future__ import annotations

import pytest

import wt_api as wt

WAT = """(module (memory (export "mem") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"""


def add(mod: wt.Module) -> int:
    f = mod.exported_function("add")
    assert f is not None
    return wt.decode_i32(f.call(2, 3)[0])


def test_pooling_allocator_runs_many_short_lived_instances() -> None:
    with wt.Runtime(wt.RuntimeConfig().with_pooling_allocator()) as r:
        compiled = r.compile_module(WAT)
        for _ in range(2000):
            with r.instantiate(compiled) as mod:
                assert add(mod) == 5


def test_pooling_allocator_bounds_live_instances() -> None:
    pool = wt.PoolingAllocator(total_core_instances=2, total_memories=2, total_tables=2,
                               max_memory_size=4 * wt.WASM_PAGE)
    with wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(pool)) as r:
        compiled = r.compile_module(WAT)
        first, second = r.instantiate(compiled), r.instantiate(compiled)
        with pytest.raises(wt.InstantiationError):
            r.instantiate(compiled)
        first.close()
        third = r.instantiate(compiled)
        assert add(third) == 5 and add(second) == 5
        with pytest.raises(wt.CompileError, match="pooling"):
            r.compile_module("(module (memory 5))")  # bigger than a slot


def test_pooling_allocator_settings_are_checked() -> None:
    with pytest.raises(wt.ConfigError):
        wt.PoolingAllocator(total_memories=-1)
    with pytest.raises(wt.ConfigError):
        wt.PoolingAllocator(total_memories=1 << 32)
    with pytest.raises(wt.ConfigError):
        wt.RuntimeConfig().with_pooling_allocator(object())  # type: ignore[arg-type]
    assert wt.RuntimeConfig().with_pooling_allocator().with_pooling_allocator(None).pooling is None


@pytest.mark.parametrize("config", [
    wt.RuntimeConfig().with_opt_level("none"),
    wt.RuntimeConfig().with_opt_level("speed_and_size"),
    wt.RuntimeConfig().with_debug_info(),
    wt.RuntimeConfig().with_parallel_compilation(False),
    wt.RuntimeConfig().with_epoch_interruption(),
    wt.RuntimeConfig().with_epoch_interruption(False),
    wt.RuntimeConfig().with_fuel_metering(),
    wt.RuntimeConfig().with_max_wasm_stack(1 << 20),
    wt.RuntimeConfig().with_features({"simd": False, "relaxed_simd": False}),
])
def test_each_engine_option_runs_wasm(config: wt.RuntimeConfig) -> None:
    with wt.Runtime(config) as r:
        assert add(r.instantiate(r.compile_module(WAT))) == 5


def test_configs_are_values() -> None:
    base = wt.RuntimeConfig()
    changed = base.with_fuel_metering().with_epoch_interruption()
    assert base.fuel_metering is False and base.epoch_interruption is False  # wasmtime's defaults
    assert changed.fuel_metering is True and changed.epoch_interruption is True
    module = wt.ModuleConfig()
    limited = module.with_memory_limit(wt.WASM_PAGE).with_fuel(10).with_timeout(1)
    assert module.limits is None and module.fuel is None and module.timeout is None
    assert limited.limits.memory_size == wt.WASM_PAGE and limited.fuel == 10 and limited.timeout == 1.0
