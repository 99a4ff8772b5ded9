"""The ``programs`` group: real WASI programs (benchmarks/programs.py), wt against
wasmtime-py on the same bytes, each with its binding's default settings.

Per program: a cold compile, a disk-cache hit (wt's cache; wasmtime's own cache for
wasmtime-py), a run (instantiate with WASI, ``_start``), and the peak memory of a whole
process that compiles and runs it once. wt with epoch interruption runs beside them: what
the setting costs (it is off by default; RATIONALE, "Why is epoch interruption off by
default?").
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime as wp
import wt_api as wt
from harness import Row
from harness import Stats, paired
from programs import Program, programs

__all__ = ["rows"]

RUN_SAMPLES = 9
COMPILE_SAMPLES = 5
MEMORY_SAMPLES = 3

PEAK = """
import json, resource, sys, time
program = json.loads(sys.argv[1])
wasm = open(program["wasm"], "rb").read()
if program["binding"] == "wt":
    import wt_api as wt
    r = wt.Runtime()
    config = wt.ModuleConfig().with_args(*program["args"]).with_stdout(lambda data: None)
    if program["stdin"]:
        config = config.with_stdin(program["stdin"])
    with r.instantiate_with_wasi(r.compile_module(wasm), config) as m:
        m.exported_function("_start").call()
else:
    import os
    import wasmtime as wp
    engine = wp.Engine()
    store = wp.Store(engine)
    wasi = wp.WasiConfig()
    wasi.argv = program["args"]
    wasi.stdout_file = os.devnull
    if program["stdin"]:
        wasi.stdin_file = program["stdin"]
    store.set_wasi(wasi)
    linker = wp.Linker(engine)
    linker.define_wasi()
    try:
        linker.instantiate(store, wp.Module(engine, wasm)).exports(store)["_start"](store)
    except wp.ExitTrap as exc:
        assert exc.code == 0, exc
try:  # this process's own peak (ru_maxrss would include the parent's, which spawned it)
    with open("/proc/self/status") as status:
        print(next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:")))
except OSError:  # not Linux
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024))
"""


def _wt_runner(runtime: wt.Runtime, compiled: wt.CompiledModule, program: Program,
               out: bytearray) -> Callable[[], None]:
    config = wt.ModuleConfig().with_args(*program.args).with_stdout(out.extend)
    if program.stdin is not None:
        config = config.with_stdin(str(program.stdin))

    def run() -> None:
        out.clear()
        with runtime.instantiate_with_wasi(compiled, config) as module:
            start = module.exported_function("_start")
            assert start is not None
            start.call()

    return run


def _py_runner(engine: wp.Engine, module: wp.Module, program: Program, stdout: Path) -> Callable[[], None]:
    linker = wp.Linker(engine)
    linker.define_wasi()

    def run() -> None:
        store = wp.Store(engine)
        wasi = wp.WasiConfig()
        wasi.argv = list(program.args)
        wasi.stdout_file = str(stdout)
        if program.stdin is not None:
            wasi.stdin_file = str(program.stdin)
        store.set_wasi(wasi)
        try:
            linker.instantiate(store, module).exports(store)["_start"](store)
        except wp.ExitTrap as exc:
            assert exc.code == 0, exc

    return run


def _peak(program: Program, binding: str) -> float:
    """The peak resident memory (bytes) of a process that compiles and runs ``program``."""
    spec = json.dumps({"binding": binding, "wasm": str(program.wasm), "args": list(program.args),
                       "stdin": None if program.stdin is None else str(program.stdin)})
    done = subprocess.run([sys.executable, "-c", PEAK, spec], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{program.name} under {binding} failed: {done.stderr[-1000:]}")
    return float(done.stdout.split()[-1])


def _measure(program: Program, tmp: Path) -> list[Row]:
    wasm = program.wasm.read_bytes()
    name = program.name
    default = wt.Runtime()
    epochs = wt.Runtime(wt.RuntimeConfig().with_epoch_interruption())
    engine = wp.Engine()

    cold = paired({"wt": lambda: default.compile_module(wasm).close(),
                   "epochs": lambda: epochs.compile_module(wasm).close(),
                   "py": lambda: wp.Module(engine, wasm)}, 1, COMPILE_SAMPLES)

    # Runs: every contender's output must be the same bytes.
    wt_out, epoch_out, py_out = bytearray(), bytearray(), tmp / f"{name}.out"
    runs = {"wt": _wt_runner(default, default.compile_module(wasm), program, wt_out),
            "epochs": _wt_runner(epochs, epochs.compile_module(wasm), program, epoch_out),
            "py": _py_runner(engine, wp.Module(engine, wasm), program, py_out)}
    for run in runs.values():
        run()
    assert bytes(wt_out) == bytes(epoch_out) == py_out.read_bytes(), f"{name}: the outputs differ"
    t = paired(runs, 1, RUN_SAMPLES)

    # Disk-cache hits: wt's cache; wasmtime's own cache (a config file naming its directory).
    cache = wt.CompilationCache.with_dir(tmp / f"{name}-wt-cache")
    cached = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
    cached.compile_module(wasm).close()
    toml = tmp / f"{name}-wasmtime-cache.toml"
    toml.write_text(f'[cache]\ndirectory = "{tmp / (name + "-wasmtime-cache")}"\n')
    py_config = wp.Config()
    py_config.cache = str(toml)
    py_cached = wp.Engine(py_config)
    wp.Module(py_cached, wasm)
    time.sleep(2.1)  # entries older than a clock tick's doubt: wt's first hit stamps its entry
    hits = paired({"wt": lambda: cached.compile_module(wasm).close(), "py": lambda: wp.Module(py_cached, wasm)},
                  1, RUN_SAMPLES)

    same = _same_code(default, engine, wasm)
    peaks = {b: [_peak(program, b) for _ in range(MEMORY_SAMPLES)] for b in ("wt", "py")}
    memory = {b: Stats(statistics.median(v), min(v), max(v)) for b, v in peaks.items()}
    for runtime in (default, epochs, cached):
        runtime.close()
    cache.close()
    size = f"{len(wasm) / 2**20:.1f} MiB wasm"
    return [
        Row("program", f"{name}: cold compile ({size})", cold["wt"], cold["py"], None, "within 3%", "ms",
            short=f"{name}: cold compile"),
        Row("program", f"{name}: cold compile, wt with epoch interruption", cold["epochs"], cold["py"], None, "",
            "ms", short=f"{name}: cold compile, epochs"),
        Row("program", f"{name}: disk-cache hit (py: wasmtime's own cache)", hits["wt"], hits["py"], None, "", "ms",
            short=f"{name}: disk-cache hit"),
        Row("program", f"{name}: run - {program.what}; {same}", t["wt"], t["py"], None, "within 3%", "ms",
            short=f"{name}: run"),
        Row("program", f"{name}: run, wt with epoch interruption", t["epochs"], t["py"], None, "", "ms",
            short=f"{name}: run, epochs"),
        Row("program", f"{name}: peak memory of a process compiling and running it once", memory["wt"], memory["py"],
            None, "", "MiB", short=f"{name}: peak memory"),
    ]


def _same_code(runtime: wt.Runtime, engine: wp.Engine, wasm: bytes) -> str:
    """How wt's compiled artifact compares with wasmtime-py's, byte for byte."""
    ours, theirs = runtime.compile_module(wasm).serialize(), bytes(wp.Module(engine, wasm).serialize())
    if ours == theirs:
        return "the same compiled artifact as wasmtime-py"
    if len(ours) != len(theirs):
        return f"compiled artifacts of different sizes ({len(ours)} / {len(theirs)} bytes)"
    differ = sum(a != b for a, b in zip(ours, theirs))
    return f"compiled artifact identical to wasmtime-py's but for {differ} byte(s) of engine settings"


def rows() -> list[Row]:
    out: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        for program in programs():
            print(f"  {program.name} ...", file=sys.stderr, flush=True)
            out += _measure(program, Path(tmp))
    return out
