"""The benchmark groups: each returns rows measured for wt, wasmtime-py and, where it
tells something, the raw ctypes floor (the same C function called with nothing around it)."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime as wp
import wt_api as wt
from harness import Row, Stats, paired, paired_processes, process
from modules import ADD, CALLBACK, PLUGIN, SMALL, WASI_HELLO, large, large_data
from bench_async import async_calls
from floors import RawEngine, RawInstance
from wt_ffi import raw_function

__all__ = ["GROUPS"]

ROOT = Path(__file__).resolve().parents[1]


def missing(group: str, name: str, what: str, target: str = "", unit: str = "µs") -> Row:
    """A row for a benchmark whose wt API is not available yet."""
    return Row(group, f"{name} (not available yet: {what})", None, None, None, target, unit)


def calls() -> list[Row]:
    r = wt.Runtime()
    mod = r.instantiate(r.compile_module(ADD))
    add = mod.exported_function("add").call  # type: ignore[union-attr]
    mixed = mod.exported_function("mixed").call  # type: ignore[union-attr]
    a, b = wt.encode_i32(5), wt.encode_i32(7)
    m = (wt.encode_i32(-1), wt.encode_i64(10), wt.encode_f32(1.5), wt.encode_f64(2.25))

    engine = wp.Engine()
    st = wp.Store(engine)
    inst = wp.Instance(st, wp.Module(engine, ADD), [])
    padd = inst.exports(st)["add"]
    pmixed = inst.exports(st)["mixed"]

    # The floors: wasmtime_func_call_unchecked with a premade buffer and arguments.
    raw = RawInstance(RawEngine(), _wat2wasm(ADD))
    slots, call_add = raw.caller("add", 2)
    mslots, call_mixed = raw.caller("mixed", 4)
    pslots, call_premade = raw.caller("add", 2, premade=True)

    def floor() -> None:
        slots[0] = 5
        slots[2] = 7
        call_add()

    def pfloor() -> None:
        pslots[0] = 5
        pslots[2] = 7
        call_premade()

    def mfloor() -> None:
        mslots[0], mslots[2], mslots[4], mslots[6] = m
        call_mixed()

    # wasmtime-py is ~30x slower: fewer calls per sample keep the sample times alike.
    n = 200_000
    fast = paired({"wt": lambda: add(a, b), "floor": floor, "premade": pfloor}, n)
    slow = paired({"py": lambda: padd(st, 5, 7)}, n // 20)
    mfast = paired({"wt": lambda: mixed(*m), "floor": mfloor}, n)
    mslow = paired({"py": lambda: pmixed(st, -1, 10, 1.5, 2.25)}, n // 20)
    return [
        Row("call", "add(i32, i32) -> i32", fast["wt"], slow["py"], fast["floor"], "≤ 2x floor"),
        Row("call", "mixed(i32, i64, f32, f64) -> f64", mfast["wt"], mslow["py"], mfast["floor"], ""),
        # The same call against a floor that passes its arguments as wt does (pointer_arg):
        # what is left of wt's own Python, without the ctypes argument objects both shed.
        Row("call", "add(i32, i32) -> i32, against a floor with wt's premade arguments", fast["wt"], None,
            fast["premade"], "", short="call: add, premade floor"),
    ]


def callbacks() -> list[Row]:
    count = 100_000
    if not hasattr(wt.Runtime, "new_host_module_builder"):
        return [missing("callback", "wasm → Python host call", "Runtime.new_host_module_builder", "≤ 0.8 µs")]
    r = wt.Runtime()
    host = r.new_host_module_builder("env")
    host.new_function_builder("nop", [wt.ValueType.I32], []).with_func(lambda s: None).export()
    host.instantiate()
    loop = r.instantiate(r.compile_module(CALLBACK)).exported_function("loop").call  # type: ignore[union-attr]

    r2 = wt.Runtime()
    host2 = r2.new_host_module_builder("env")
    host2.new_function_builder("nop", [wt.ValueType.I32], []).with_typed_func(lambda x: None).export()
    host2.instantiate()
    tloop = r2.instantiate(r2.compile_module(CALLBACK)).exported_function("loop").call  # type: ignore[union-attr]

    engine = wp.Engine()
    st = wp.Store(engine)
    nop = wp.Func(st, wp.FuncType([wp.ValType.i32()], []), lambda x: None)
    ploop = wp.Instance(st, wp.Module(engine, CALLBACK), [nop]).exports(st)["loop"]

    # The floor: one CFUNCTYPE doing nothing, through wasmtime_func_new_unchecked.
    raw_engine = RawEngine()
    held: list[object] = []

    def imports(context: object) -> list[object]:
        item, cb = raw_engine.host_function(context, [0], lambda env, caller, args, n: 0)  # one i32
        held.append(cb)
        return [item]

    raw = RawInstance(raw_engine, _wat2wasm(CALLBACK), imports)  # type: ignore[arg-type]
    slots, call_loop = raw.caller("loop", 1)

    def floor() -> None:
        slots[0] = count
        call_loop()

    # Each sample: one wasm call running the loop (100k host calls); interleaved.
    t = paired({"wt": lambda: loop(count), "typed": lambda: tloop(count), "py": lambda: ploop(st, count),
                "floor": floor}, 1, 9)
    rows = [
        Row("callback", "wasm → Python host call (stack form)", t["wt"], t["py"], t["floor"], "≤ 0.8 µs", per=count),
        Row("callback", "wasm → Python host call (typed form)", t["typed"], t["py"], t["floor"], "≤ 0.8 µs",
            per=count),
    ]
    globals()["_keep"] = (held, raw, r, r2, host, host2)
    return rows


def memory() -> list[Row]:
    size = 1 << 20
    data = os.urandom(size)
    r = wt.Runtime()
    mod = r.instantiate(r.compile_module(ADD))
    mem = mod.exported_memory("memory")
    assert mem is not None
    view = mem.view(0, size)
    base = (ctypes.c_ubyte * size).from_buffer(view)
    # A copy's speed depends on where its destination lies (by up to ~15 % from one
    # process to the next): the read floor is the middle one of three destination buffers.
    dsts = [ctypes.create_string_buffer(size) for _ in range(3)]

    engine = wp.Engine()
    st = wp.Store(engine)
    pmem = wp.Instance(st, wp.Module(engine, ADD), []).exports(st)["memory"]

    # Interleaved, and many samples: a 1 MiB copy takes ~30 µs, so one noisy sample is
    # easily a few percent; the floor is a plain ctypes.memmove between the same buffers
    # (for writes, from the same bytes object: a source at another alignment copies up to
    # 15 % faster or slower).
    n = 300
    w = paired({"wt": lambda: mem.write(0, data), "floor": lambda: ctypes.memmove(base, data, size)}, n, 31)
    w.update(paired({"py": lambda: pmem.write(st, data, 0)}, n, 31))
    # Each 1 MiB contender in rounds of its own with the floor: five of them in one round
    # (each with a 1 MiB destination of its own) no longer fit the caches, and the order
    # decided which one paid for that.
    rd = paired({"wt": lambda: mem.read(0, size),
                 **{f"floor{i}": (lambda d=d: ctypes.memmove(d, base, size)) for i, d in enumerate(dsts)}}, n, 31)
    rd["floor"] = sorted((rd.pop(f"floor{i}") for i in range(len(dsts))), key=lambda f: f.median)[1]
    rd.update(paired({"py": lambda: pmem.read(st, 0, size)}, n, 31))
    rd.update(paired({"view": lambda: bytes(view)}, n, 31))
    v = paired({"wt": lambda: mem.view(0, size)}, 20_000)
    # The view copies nothing: a write through it is seen by wasm's memory at once.
    view[0:4] = b"\x01\x02\x03\x04"
    assert mem.read(0, 4) == b"\x01\x02\x03\x04"
    return [
        Row("memory", "write 1 MiB (Memory.write)", w["wt"], w["py"], w["floor"], "≥ 90% of memmove", "GB/s", size),
        Row("memory", "read 1 MiB (Memory.read)", rd["wt"], rd["py"], rd["floor"], "≥ 90% of memmove", "GB/s", size),
        Row("memory", "read 1 MiB through the zero-copy view (bytes(view))", rd["view"], None, rd["floor"],
            "copies nothing", "GB/s", size, short="read 1 MiB via the view"),
        Row("memory", "take a 1 MiB view (copies nothing)", v["wt"], None, None, ""),
    ]


def instantiation() -> list[Row]:
    r = wt.Runtime()
    compiled = r.compile_module(SMALL)
    prepared = r.prepare(compiled)
    pooled_runtime = wt.Runtime(wt.RuntimeConfig().with_pooling_allocator())
    pooled = pooled_runtime.prepare(pooled_runtime.compile_module(SMALL))

    engine = wp.Engine()
    module = wp.Module(engine, SMALL)

    def py_once() -> None:
        wp.Instance(wp.Store(engine), module, [])

    # The floors: a store, an instance in it, the store freed; premade arguments (with
    # wasmtime's default allocator, and with the pooling allocator).
    store_new = raw_function("wasmtime_store_new", ctypes.c_void_p)
    store_context = raw_function("wasmtime_store_context", ctypes.c_void_p)
    instance_new = raw_function("wasmtime_instance_new", ctypes.c_void_p)
    store_delete = raw_function("wasmtime_store_delete", None)
    out = (ctypes.c_uint64 * 2)()  # a wasmtime_instance_t
    trap = ctypes.c_void_p()
    out_arg, trap_arg, zero = ctypes.byref(out), ctypes.byref(trap), ctypes.c_size_t(0)

    def floor_of(raw: RawEngine) -> Callable[[], None]:
        engine_arg = ctypes.cast(raw.ptr, ctypes.c_void_p)
        module_arg = ctypes.cast(raw.compile(_wat2wasm(SMALL)), ctypes.c_void_p)

        def floor() -> None:
            s = ctypes.c_void_p(store_new(engine_arg, None, None))
            instance_new(ctypes.c_void_p(store_context(s)), module_arg, None, zero, out_arg, trap_arg)
            store_delete(s)

        return floor

    t = paired({"wt": lambda: r.instantiate(compiled).close(), "prepared": lambda: prepared.instantiate().close(),
                "pooled": lambda: pooled.instantiate().close(), "py": py_once, "floor": floor_of(RawEngine()),
                "pool floor": floor_of(RawEngine(pooling=True))}, 1000, 21)
    # (the floor, mostly the kernel's work on each new memory, is about half of wasmtime-py's time)
    out_of_reach = ("the floor leaves a binding's Python ~2.5 µs, and wt's safety work takes 4.5-5.5 µs "
                    "(RATIONALE: \"Why `Runtime.prepare`\"); the pooled row below meets it")
    rows = [Row("instantiate", "new instance (own store) of a small module, then close: Runtime.instantiate",
                t["wt"], t["py"], t["floor"], "≤ 0.7x wasmtime-py", short="new instance + close", gap=out_of_reach),
            Row("instantiate", "the same through Runtime.prepare (InstancePre: imports resolved once)",
                t["prepared"], t["py"], t["floor"], "≤ 0.7x wasmtime-py", short="prepared instance + close",
                gap=out_of_reach),
            Row("instantiate", "the same, prepared, with the pooling allocator (floor: raw, pooled)",
                t["pooled"], t["py"], t["pool floor"], "≤ 0.7x wasmtime-py", short="prepared + pooled + close")]
    pooled_runtime.close()
    return rows + per_request()


def per_request() -> list[Row]:
    """What a server that instantiates a plugin per request pays: instantiate, one call, close."""
    fns: dict[str, Callable[[], object]] = {}
    keep = []
    for label, config in (("wt", wt.RuntimeConfig()), ("pooled", wt.RuntimeConfig().with_pooling_allocator())):
        r = wt.Runtime(config)
        compiled = r.compile_module(PLUGIN)
        prepared = r.prepare(compiled)
        keep.append(r)

        def plain(r: wt.Runtime = r, compiled: wt.CompiledModule = compiled) -> object:
            with r.instantiate(compiled) as m:
                return m.exported_function("handle").call(256)  # type: ignore[union-attr]

        def fast(prepared: wt.PreparedModule = prepared) -> object:
            with prepared.instantiate() as m:
                return m.exported_function("handle").call(256)  # type: ignore[union-attr]

        if label == "wt":
            fns["wt"] = plain
            fns["prepared"] = fast
        else:
            fns["pooled"] = fast
    engine = wp.Engine()
    module = wp.Module(engine, PLUGIN)

    def py_once() -> object:
        store = wp.Store(engine)
        return wp.Instance(store, module, []).exports(store)["handle"](store, 256)

    assert {f() == [wt.encode_i32(py_once())] for f in fns.values()} == {True}  # type: ignore[operator]
    t = paired({**fns, "py": py_once}, 1000, 9)
    for r in keep:
        r.close()
    return [
        Row("instantiate", "per request: instantiate a plugin module, one call, close (Runtime.instantiate)",
            t["wt"], t["py"], None, "", short="per request: instantiate + call + close"),
        Row("instantiate", "per request, prepared (Runtime.prepare)", t["prepared"], t["py"], None, "",
            short="per request, prepared"),
        Row("instantiate", "per request, prepared, pooling allocator", t["pooled"], t["py"], None, "",
            short="per request, prepared + pooled"),
    ]


def compilation() -> list[Row]:
    if not hasattr(wt, "CompilationCache") or not hasattr(wt.RuntimeConfig, "with_compilation_cache"):
        return [missing("compile", "compilation cache hits", "wt.CompilationCache", "≤ 5 ms", "ms")]
    rows: list[Row] = []
    engine = wp.Engine()
    for functions in (3000, 20000):
        source = _wat2wasm(large(functions))  # a large module as it usually comes: a .wasm binary
        serialized = wp.Module(engine, source).serialize()
        size = f"{functions}-function module ({len(source) / 2**20:.1f} MiB wasm, {len(serialized) / 2**20:.1f} MiB compiled)"
        with tempfile.TemporaryDirectory() as tmp:
            artifact = Path(tmp) / "artifact.bin"
            artifact.write_bytes(serialized)

            def hit(cache: object, source: bytes = source, settle: bool = False) -> Callable[[], None]:
                runtime = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))  # type: ignore[arg-type]
                runtime.compile_module(source)  # fill it
                if settle:  # an entry written more than 2 s ago: its first load stamps it
                    time.sleep(2.1)
                return lambda: runtime.compile_module(source).close()

            if functions == 3000:  # compiling the larger one takes seconds: its hits tell enough
                cold_runtime = wt.Runtime()
                c = paired({"wt": lambda: cold_runtime.compile_module(source).close(),
                            "py": lambda: wp.Module(engine, source)}, 1, 3)
                rows.append(Row("compile", f"cold compile, {size}", c["wt"], c["py"], None, "", "ms",
                                short=f"cold compile, {functions} functions"))
                m = paired({"wt": hit(wt.CompilationCache())}, 1, 9)
                rows.append(Row("compile", f"memory-cache hit, {size}", m["wt"], None, None, "", "ms"))
            fresh = wt.CompilationCache.with_dir(Path(tmp) / "fresh")
            fresh._disk.trust_stamps = False  # type: ignore[union-attr]  # every load as the first one
            # wt and the floor in rounds of their own, as for the 1 MiB copies: a contender
            # that copies or hashes 14 MiB between them leaves cold caches to whoever is next.
            d = paired({"wt": hit(wt.CompilationCache.with_dir(Path(tmp) / "cache"), settle=True),
                        "floor": lambda: wp.Module.deserialize_file(engine, str(artifact))}, 1, 15)
            d.update(paired({"py": lambda: wp.Module.deserialize(engine, serialized)}, 1, 15))
            d.update(paired({"first": hit(fresh)}, 1, 15))
            mib = len(serialized) / 2**20
            rows.append(Row("compile", f"disk-cache hit (entry verified before, mapped by wasmtime; "
                            f"py: deserialize from bytes; floor: deserialize_file, mmap, unchecked), {size}",
                            d["wt"], d["py"], d["floor"], "≤ 5 ms", "ms", short=f"disk-cache hit, {mib:.1f} MiB compiled"))
            rows.append(Row("compile", f"disk-cache first load of an entry (full SHA-256 verification), {size}",
                            d["first"], d["py"], d["floor"], "", "ms",
                            short=f"disk-cache first load, {mib:.1f} MiB"))
    rows += file_hits(engine)
    return rows


def file_hits(engine: wp.Engine) -> list[Row]:
    """Hits through ``Runtime.compile_file``, which finds the entry of an unchanged file
    without reading it: on the 20000-function module, and on a module of the size the
    issue names (a 100 MiB data segment), where a key over the bytes costs ~40 ms."""
    rows: list[Row] = []
    for label, source in (("20000-function module", _wat2wasm(large(20000))),
                          ("module with a 100 MiB data segment", large_data())):
        serialized = wp.Module(engine, source).serialize()
        size = f"{label} ({len(source) / 2**20:.1f} MiB wasm, {len(serialized) / 2**20:.1f} MiB compiled)"
        with tempfile.TemporaryDirectory() as tmp:
            artifact = Path(tmp) / "artifact.bin"
            artifact.write_bytes(serialized)
            del serialized
            path = Path(tmp) / "module.wasm"
            path.write_bytes(source)
            runtime = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(
                wt.CompilationCache.with_dir(Path(tmp) / "cache")))
            runtime.compile_file(path)  # compiled and stored
            time.sleep(2.1)  # the file and the entry older than a clock tick's doubt: the next load remembers them
            runtime.compile_file(path).close()
            fns: dict[str, Callable[[], object]] = {
                "wt": lambda: runtime.compile_file(path).close(),
                "floor": lambda: wp.Module.deserialize_file(engine, str(artifact))}
            if label.startswith("module with"):  # the 20000-function module has its bytes row above
                fns["bytes"] = lambda: runtime.compile_module(source).close()
            f = paired(fns, 1, 9)
            rows.append(Row("compile", f"disk-cache hit through compile_file (an unchanged file: not read; "
                            f"floor: deserialize_file), {size}", f["wt"], None, f["floor"], "≤ 5 ms", "ms",
                            short=f"compile_file hit, {label.split(' (')[0]}"))
            if "bytes" in f:
                rows.append(Row("compile", f"disk-cache hit from bytes in memory (a key over every byte), {size}",
                                f["bytes"], None, f["floor"], "", "ms", short="compile_module hit, 100 MiB data"))
            runtime.close()
    return rows


def compute() -> list[Row]:
    # wt's defaults are wasmtime's (no epoch interruption); a runtime that asks for it puts a
    # check on every loop back-edge and function entry, and has rows of its own.
    default = wt.Runtime()
    epochs = wt.Runtime(wt.RuntimeConfig().with_epoch_interruption())
    fns = {}
    for label, r in (("wt", default), ("epochs", epochs)):
        mod = r.instantiate(r.compile_module(ADD))
        fns[label] = (mod.exported_function("fib").call, mod.exported_function("spin").call)  # type: ignore[union-attr]
    engine = wp.Engine()
    st = wp.Store(engine)
    exports = wp.Instance(st, wp.Module(engine, ADD), []).exports(st)
    pfib, pspin = exports["fib"], exports["spin"]
    f = paired({"wt": lambda: fns["wt"][0](27), "epochs": lambda: fns["epochs"][0](27),
                "py": lambda: pfib(st, 27)}, 1, 21)
    s = paired({"wt": lambda: fns["wt"][1](50_000_000), "epochs": lambda: fns["epochs"][1](50_000_000),
                "py": lambda: pspin(st, 50_000_000)}, 1, 11)
    return [
        Row("compute", "fib(27), recursive (defaults)", f["wt"], f["py"], None, "within 3%", "ms",
            short="fib(27), defaults"),
        Row("compute", "fib(27), wt with epoch interruption", f["epochs"], f["py"], None, "", "ms",
            short="fib(27), wt with epochs"),
        Row("compute", "tight loop, 5e7 iterations (defaults)", s["wt"], s["py"], None, "within 3%",
            "ms", short="tight loop, defaults"),
        Row("compute", "tight loop, wt with epoch interruption", s["epochs"], s["py"], None, "", "ms",
            short="tight loop, wt with epochs"),
    ]


WT_HELLO = """
import wt_api as wt
from wt_wasi import WASIConfig
with wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_inherit_stdio())) as r:
    with r.instantiate_with_wasi(r.compile_module(open({path!r}, 'rb').read())) as m:
        m.exported_function('_start').call()
"""
PY_HELLO = """
import wasmtime as w
e = w.Engine(); s = w.Store(e); c = w.WasiConfig(); c.inherit_stdout(); s.set_wasi(c)
l = w.Linker(e); l.define_wasi()
i = l.instantiate(s, w.Module(e, open({path!r}, 'rb').read())); i.exports(s)['_start'](s)
"""


def processes() -> list[Row]:
    import wt_ffi

    exe = sys.executable
    wt_ffi.load()
    library = str(wt_ffi.library_path())
    # The floors: the interpreter with ctypes and the library loaded (no binding), and the
    # whole WASI hello through ctypes alone (benchmarks/floor_hello.py: the same C calls).
    import_floor = f"import ctypes; ctypes.CDLL({library!r})"
    with tempfile.TemporaryDirectory() as tmp:
        wasm = Path(tmp) / "hello.wasm"
        wasm.write_bytes(_wat2wasm(WASI_HELLO))
        t = paired_processes({"wt": [exe, "-c", "import wt_api"], "py": [exe, "-c", "import wasmtime"],
                              "floor": [exe, "-c", import_floor], "python": [exe, "-c", "pass"]})
        rows = [
            Row("process", "python -c 'import wt_api' (vs import wasmtime; floor: import ctypes + dlopen)",
                t["wt"], t["py"], t["floor"], "", "ms", short="python -c 'import wt_api'"),
            Row("process", "python -c pass (the interpreter alone, for reference)", t["python"], None, None, "", "ms"),
        ]
        try:
            import wt_wasi  # noqa: F401
        except ImportError:
            return rows + [missing("process", "WASI hello world, whole process", "wt_wasi", "≤ 35 ms", "ms")]
        if not hasattr(wt.Runtime, "instantiate_with_wasi"):
            return rows + [missing("process", "WASI hello world, whole process", "Runtime.instantiate_with_wasi",
                                   "≤ 35 ms", "ms")]
        wt_script = Path(tmp) / "wt_hello.py"
        wt_script.write_text(WT_HELLO.format(path=str(wasm)))
        py_script = Path(tmp) / "py_hello.py"
        py_script.write_text(PY_HELLO.format(path=str(wasm)))
        floor = [exe, str(Path(__file__).with_name("floor_hello.py")), library, str(wasm)]
        h = paired_processes({"wt": [exe, str(wt_script)], "py": [exe, str(py_script)], "floor": floor})
        rows.append(Row("process", "WASI hello world, whole process (floor: the same C calls through ctypes)",
                        h["wt"], h["py"], h["floor"], "≤ 35 ms", "ms", short="WASI hello, whole process"))
        return rows + [_cli_cache_row(exe, Path(tmp))]


def _cli_cache_row(exe: str, tmp: Path, samples: int = 3) -> Row:
    """``wt-wasm run`` of a large module (60000 functions, 11.6 MB; the test suite's): each
    first run, with an empty disk cache, compiles it; later runs load it from the cache.
    The floor column holds the first runs: the target is a later run 20x faster."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bigmodule", ROOT / "tests" / "wasi" / "bigmodule.py")
    assert spec is not None and spec.loader is not None
    bigmodule = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bigmodule)
    module = tmp / "big.wasm"
    module.write_bytes(bigmodule.big_module(60_000))
    argv = [exe, "-m", "wt_wasi", "run", str(module)]
    # The children may cache their bytecode, as an installed package's is (pip compiles it):
    # without that, every start compiles wt's sources again (0.2-0.3 s a run).
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    first = []
    for i in range(samples):
        env = {**base, "WT_CACHE_DIR": str(tmp / f"cli-cache-{i}")}
        start = time.perf_counter_ns()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        first.append((time.perf_counter_ns() - start) / 1e9)
        if done.returncode != 0:
            sys.exit(f"{argv} failed: {done.stderr.decode()[-500:]}")
    later = process(argv, samples=11, env={**base, "WT_CACHE_DIR": str(tmp / "cli-cache-0")})
    return Row("process", "wt-wasm run of a 60000-function module (11.6 MB) from the disk cache (floor: its first "
               "run, compiling)", later, None, Stats.of(first), "≤ 0.05x floor", "ms",
               short="wt-wasm run, large module, cached")


def scaleout() -> list[Row]:
    from bench_scaleout import measure  # (pools of spawn workers: only this group starts them)

    found = measure(tasks=200, workers=2, functions=1500, samples=5)
    what = (f"200 WASI tasks over 2 worker processes, per task (a wc with 1500 more functions, compiled in "
            f"{found['compile'].median * 1e3:.0f} ms; floor: the same tasks in one process, no pool)")
    return [
        Row("scaleout", f"{what}: the compiled module shipped with each task", found["shipped"], None,
            found["serial"], "", "ms", short="pool: module shipped per task"),
        Row("scaleout", "the same, each worker compiling it again (WT_PICKLED_CODE=compile)", found["compiled"],
            None, found["serial"], "", "ms", short="pool: each worker recompiles"),
        Row("scaleout", "the same, the module shipped once per worker (pool initializer)", found["once"], None,
            found["serial"], "", "ms", short="pool: module shipped once per worker"),
    ]


def _wat2wasm(text: str) -> bytes:
    return bytes(wp.wat2wasm(text))


def component_calls() -> list[Row]:
    from bench_components import components  # the component model's rows (issue 15)

    return components()  # type: ignore[return-value]


def real_programs() -> list[Row]:
    from group_programs import rows  # (the real programs: built on first use)

    return rows()


GROUPS: dict[str, Callable[[], list[Row]]] = {
    "call": calls, "callback": callbacks, "memory": memory, "instantiate": instantiation,
    "compile": compilation, "compute": compute, "process": processes, "component": component_calls,
    "scaleout": scaleout, "programs": real_programs, "async": async_calls,
}
