"""Engine options: the pooling allocator, optimisation, debug info, parallel compilation."""

from __future__ import annotations

import mmap
import subprocess
import sys

import pytest

import wt_api as wt

WAT = """(module (memory (export "mem") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))"""


def add(mod: wt.Module) -> int:
    f = mod.exported_function("add")
    assert f is not None
    return wt.decode_i32(f.call(2, 3)[0])


# What wasmtime 50.0.1's default pool (1000 memories, each a 4 GiB reservation with its
# guards) reserves at once when the runtime starts: its error names 0x3efd2000000 bytes.
DEFAULT_POOL_BYTES = 0x3EFD2000000
MANY = """import wt_api as wt
with wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(POOL)) as r:
    compiled = r.compile_module(%r)
    for _ in range(2000):
        with r.instantiate(compiled) as mod:
            assert mod.exported_function("add").call(2, 3) == [5]
print("ok")
"""


def can_reserve(size: int) -> bool:
    """Whether this process can reserve ``size`` bytes of address space (nothing committed)."""
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_NORESERVE", 0)
    try:
        reservation = mmap.mmap(-1, size, flags=flags, prot=0)
    except (OSError, OverflowError, ValueError):
        return False
    reservation.close()
    return True


POOLS = {
    "default": "wt.PoolingAllocator()",
    "sized": "wt.PoolingAllocator(total_memories=16, total_tables=16, total_core_instances=16, max_memory_size=65536)",
}


@pytest.mark.parametrize("pool", POOLS)
def test_pooling_allocator_runs_many_short_lived_instances(pool: str) -> None:
    if pool == "default" and sys.platform != "win32" and not can_reserve(DEFAULT_POOL_BYTES):
        # The 3.9 TiB of wasmtime's default pool do not fit this process (an aarch64 kernel
        # with 39-bit addresses, which the emulated aarch64 run reproduces): wasmtime 50
        # would abort the process; wt refuses the runtime first.
        code = "import wt_api as wt\ntry:\n    wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(POOL))\n" \
               "except wt.ConfigError as exc:\n    print(exc)\n".replace("POOL", POOLS[pool])
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0 and "the pooling allocator reserves" in proc.stdout, proc.stderr[-2000:]
        return
    # In a child process: a crash there fails this test, not the runner.
    proc = subprocess.run([sys.executable, "-c", MANY.replace("POOL", POOLS[pool]) % WAT], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS and /proc/self/status are Linux's")
def test_a_pool_that_cannot_be_reserved_is_refused_not_an_abort() -> None:
    # In a child process with 64 GiB of address space to spare: wasmtime would abort it.
    code = """import resource, wt_api as wt
with open("/proc/self/status") as f:
    size = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (size + (64 << 30), resource.RLIM_INFINITY))
for pool in (wt.PoolingAllocator(), wt.PoolingAllocator(total_memories=4, max_memory_size=8 << 30)):
    try:
        wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(pool)).close()
    except wt.ConfigError as exc:
        print("refused:", exc)
with wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(wt.PoolingAllocator(total_memories=4, total_stacks=4))):
    print("made")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    refused, wide, made = proc.stdout.splitlines()
    assert refused.startswith("refused: the pooling allocator reserves") and "total_memories" in refused
    assert wide.startswith("refused: PoolingAllocator.max_memory_size=8589934592 is larger")
    assert made == "made"
