"""What each design choice of wt's hot paths gains, measured in one run on one function.

    python benchmarks/design.py [--out DIR]

The same ``add(i32, i32)`` (and the same 100k-iteration host-call loop) reached the ways
a binding can choose between, from the naive to the raw ctypes floor, with wt's own
``Function.call`` among them; then a disk-cache hit on a large module loaded the ways the
cache could. Writes DIR/design.md (default bench-results) and prints it.
RATIONALE.md quotes these figures.
"""

from __future__ import annotations

import argparse
import ctypes
import sys
from ctypes import CFUNCTYPE, POINTER, byref, c_size_t, c_uint64, c_void_p
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import wt_api as wt  # noqa: E402
from harness import Stats, paired  # noqa: E402
from modules import ADD, CALLBACK  # noqa: E402
from floors import RawEngine, RawInstance  # noqa: E402
from groups import _wat2wasm  # noqa: E402
from wt_ffi import extern, func, instance, raw_function, store, types, val  # noqa: E402

CALLS = 200_000


def calls() -> list[tuple[str, Stats]]:
    r = wt.Runtime()
    mod = r.instantiate(r.compile_module(ADD))
    add = mod.exported_function("add")
    assert add is not None
    # The other ways reach the same function in an instance of their own (wt-api keeps its
    # handles internal).
    raw_instance = RawInstance(RawEngine(), _wat2wasm(ADD))
    f = raw_instance.function("add")
    ctx = raw_instance.context
    trap = c_void_p()
    types_ = (0, 0)  # i32, i32: what a binding without prepared code checks per call

    # 1. Checked call (typed wasmtime_val_t, wasmtime checks them), arrays made per call.
    def checked_fresh(a: int, b: int) -> list[int]:
        args = (val.wasmtime_val_t * 2)()
        args[0].kind = args[1].kind = 0
        args[0].of.i32, args[1].of.i32 = a, b
        out = (val.wasmtime_val_t * 1)()
        t = c_void_p()
        func.wasmtime_func_call(ctx, byref(f), args, 2, out, 1, byref(t))
        return [out[0].of.i32]

    # 2. Checked call, arrays made once.
    cargs = (val.wasmtime_val_t * 2)()
    cargs[0].kind = cargs[1].kind = 0
    cout = (val.wasmtime_val_t * 1)()

    def checked_premade(a: int, b: int) -> list[int]:
        cargs[0].of.i32, cargs[1].of.i32 = a, b
        func.wasmtime_func_call(ctx, byref(f), cargs, 2, cout, 1, byref(trap))
        return [cout[0].of.i32]

    # 3. Unchecked call (raw slots), declared argtypes, slots made once.
    slots = (val.wasmtime_val_raw_t * 2)()

    def unchecked_argtypes(a: int, b: int) -> list[int]:
        slots[0].i32, slots[1].i32 = a, b
        func.wasmtime_func_call_unchecked(ctx, byref(f), slots, 2, byref(trap))
        return [slots[0].i32]

    # 4. Unchecked, no argtypes, every argument made once, but a generic loop over the
    # parameter types per call (what generated code avoids).
    raw = raw_function("wasmtime_func_call_unchecked", c_void_p)
    words = (c_uint64 * 4)()
    cargs4 = (ctypes.cast(ctx, c_void_p), byref(f), words, c_size_t(2), byref(trap))

    def unchecked_generic(*args: int) -> list[int]:
        for i, (kind, value) in enumerate(zip(types_, args)):
            if kind == 0 and not -0x80000000 <= value < 0x100000000:
                raise ValueError(value)
            words[2 * i] = value
        raw(*cargs4)
        return [words[0] & 0xFFFFFFFF]

    # 5. The floor: the same, specialised, with no checks at all.
    def floor(a: int, b: int) -> None:
        words[0] = a
        words[2] = b
        raw(*cargs4)

    call = add.call
    fast = paired({"wt": lambda: call(5, 7), "floor": lambda: floor(5, 7),
                   "generic": lambda: unchecked_generic(5, 7), "unchecked": lambda: unchecked_argtypes(5, 7),
                   "premade": lambda: checked_premade(5, 7), "fresh": lambda: checked_fresh(5, 7)}, CALLS)
    return [
        ("call: checked (wasmtime_func_call), value arrays made per call", fast["fresh"]),
        ("call: checked, value arrays made once", fast["premade"]),
        ("call: unchecked (raw slots), with argtypes", fast["unchecked"]),
        ("call: unchecked, no argtypes, premade arguments, generic per-call type loop", fast["generic"]),
        ("call: **wt `Function.call`** (generated per signature; range checks, store lock)", fast["wt"]),
        ("call: raw ctypes floor (no checks, no lock)", fast["floor"]),
    ]


CHECKED_CALLBACK = CFUNCTYPE(c_void_p, c_void_p, c_void_p, POINTER(val.wasmtime_val_t), c_size_t,
                             POINTER(val.wasmtime_val_t), c_size_t)


def callbacks() -> list[tuple[str, Stats]]:
    count = 100_000
    r = wt.Runtime()
    raw_engine = RawEngine()
    compiled = raw_engine.compile(_wat2wasm(CALLBACK))
    s, context = raw_engine.new_store()
    ft = types.new_functype(raw_engine.ptr, types.FuncType((types.ValType(types.VALTYPE_I32),), ()))
    raw_call = raw_function("wasmtime_func_call_unchecked", c_void_p)
    loops = {}
    keep: list[object] = []
    for label in ("checked", "unchecked"):
        f = extern.wasmtime_func_t()
        if label == "checked":
            cb: object = CHECKED_CALLBACK(lambda env, caller, args, nargs, results, nresults: None)
            new = raw_function("wasmtime_func_new", None)
            new(context, ft, cb, None, store.FINALIZER(), byref(f))
        else:
            cb = func.UNCHECKED_CALLBACK(lambda env, caller, args, n: 0)
            func.wasmtime_func_new_unchecked(context, ft, cb, None, store.FINALIZER(), byref(f))
        imports = (extern.wasmtime_extern_t * 1)(extern.extern_of(f, extern.EXTERN_FUNC))
        inst = instance.wasmtime_instance_t()
        trap = c_void_p()
        instance.wasmtime_instance_new(context, compiled, imports, 1, byref(inst), byref(trap))
        out = extern.wasmtime_extern_t()
        instance.wasmtime_instance_export_get(context, byref(inst), b"loop", 4, byref(out))
        slots = (c_uint64 * 2)(count, 0)
        args = (ctypes.cast(context, c_void_p), byref(out.of.func), slots, c_size_t(1), byref(trap))
        keep += [cb, f, imports, inst, out, slots, trap]

        def run(args: tuple[object, ...] = args, slots: ctypes.Array[c_uint64] = slots) -> None:
            slots[0] = count
            raw_call(*args)

        loops[label] = run
    host = r.new_host_module_builder("env")
    host.new_function_builder("nop", [wt.ValueType.I32], []).with_func(lambda st: None).export()
    host.instantiate()
    wt_loop = r.instantiate(r.compile_module(CALLBACK)).exported_function("loop")
    assert wt_loop is not None
    call = wt_loop.call
    t = paired({"checked": loops["checked"], "unchecked": loops["unchecked"], "wt": lambda: call(count)}, 1, 9)
    globals()["_keep"] = (keep, s, r, host)
    per = 1 / count
    return [
        ("host call: checked (wasmtime_func_new, typed values), empty body",
         Stats(t["checked"].median * per, t["checked"].low * per, t["checked"].high * per)),
        ("host call: unchecked (wasmtime_func_new_unchecked, raw slots), empty body",
         Stats(t["unchecked"].median * per, t["unchecked"].low * per, t["unchecked"].high * per)),
        ("host call: **wt** (unchecked trampoline generated per signature, stack form)",
         Stats(t["wt"].median * per, t["wt"].low * per, t["wt"].high * per)),
    ]


def cache_hits() -> list[tuple[str, Stats]]:
    """One disk-cache hit on the 20000-function module, each way the cache could load it."""
    import tempfile
    import time

    import wasmtime as wp
    from groups import _wat2wasm
    from modules import large
    from wt_api import _digest as digest  # (private: one thread against four)

    source = _wat2wasm(large(20000))
    engine = wp.Engine()
    with tempfile.TemporaryDirectory() as tmp:
        ways: dict[str, object] = {}
        runtimes = []
        for label, trust, mapped in (("copy", False, False), ("map", False, True), ("stamp", True, True)):
            cache = wt.CompilationCache.with_dir(Path(tmp) / label)
            assert cache._disk is not None
            cache._disk.trust_stamps, cache._disk.map_files = trust, mapped
            r = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
            r.compile_module(source)
            runtimes.append(r)
            ways[label] = lambda r=r: r.compile_module(source).close()
        time.sleep(2.1)  # entries old enough for a stamp: the first hit (a warm-up) writes it
        artifact = Path(tmp) / "artifact.bin"
        artifact.write_bytes(wp.Module(engine, source).serialize())

        def one_thread_key() -> None:
            saved, digest._WORKERS = digest._WORKERS, 1
            try:
                runtimes[2].compile_module(source).close()
            finally:
                digest._WORKERS = saved

        ways["stamp1"] = one_thread_key
        ways["floor"] = lambda: wp.Module.deserialize_file(engine, str(artifact))
        t = paired(ways, 1, 15)  # type: ignore[arg-type]
        for r in runtimes:
            r.close()
    return [
        ("disk-cache hit: SHA-256 of the whole entry at every load, wasmtime deserialises a copy", t["copy"]),
        ("disk-cache hit: SHA-256 of the whole entry at every load, wasmtime maps the file", t["map"]),
        ("disk-cache hit: stamp of a verified entry, mapped, key digest on one thread", t["stamp1"]),
        ("disk-cache hit: **wt** (stamp, mapped, key digest on up to four threads)", t["stamp"]),
        ("disk-cache hit: floor (deserialize_file alone: no key, no check)", t["floor"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench-results")
    out = Path(parser.parse_args().out)
    rows = calls() + callbacks()
    lines = ["| how | µs per call, median (min–max) |", "|---|---|"]
    lines += [f"| {name} | {s.median * 1e6:.3g} ({s.low * 1e6:.3g}–{s.high * 1e6:.3g}) |" for name, s in rows]
    lines += ["", "20000-function module (4.1 MiB wasm, 14.1 MiB compiled):", "",
              "| how | ms per hit, median (min–max) |", "|---|---|"]
    lines += [f"| {name} | {s.median * 1e3:.3g} ({s.low * 1e3:.3g}–{s.high * 1e3:.3g}) |" for name, s in cache_hits()]
    text = "\n".join(lines) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / "design.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
