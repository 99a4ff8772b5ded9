"""Reusing compiled code and stopping runaway wasm: a compilation cache on disk, a per-call
timeout, a fuel budget and a memory limit. Run: python examples/runaway.py"""

import tempfile

import wt_api as wt

SOURCE = """(module
  (memory (export "memory") 1)
  (func (export "spin") (loop $l br $l))
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"""

with tempfile.TemporaryDirectory() as directory:
    cache = wt.CompilationCache.with_dir(directory)
    # Timeouts need epoch interruption (off by default: its checks slow compiled code).
    config = wt.RuntimeConfig().with_compilation_cache(cache).with_fuel_metering().with_epoch_interruption()
    for _ in range(3):  # three runtimes (or processes): one compiles, two load
        with wt.Runtime(config) as r:
            compiled = r.compile_module(SOURCE)
    print(f"compiled {cache.stats().misses}x, loaded from the cache {cache.stats().hits}x")

    with wt.Runtime(config) as r:
        compiled = r.compile_module(SOURCE)
        mod = r.instantiate(compiled, wt.ModuleConfig().with_memory_limit(2 * wt.WASM_PAGE))
        try:
            mod.exported_function("spin").call_with_timeout(0.1)
        except wt.WasmTimeoutError as e:
            print("timeout:", e.message)
        grow = mod.exported_function("grow")
        print("memory.grow:", [wt.decode_i32(grow.call(1)[0]) for _ in range(2)])

        budget = r.instantiate(compiled, wt.ModuleConfig().with_fuel(10_000))
        try:
            budget.exported_function("spin").call()
        except wt.Trap as e:
            print("fuel:", e.code.name, "- left:", budget.fuel)
    cache.close()
