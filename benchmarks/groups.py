"""The benchmark groups: each returns rows measured for wt, wasmtime-py and, where it
tells something, the raw ctypes floor (the same C function called with nothing around it)."""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import wasmtime as wp
import wt_api as wt
from harness import Stats, per_op, process, whole
from modules import ADD, CALLBACK, SMALL, WASI_HELLO, large
from wt_ffi import _library, extern, func, instance, store, types

__all__ = ["Row", "GROUPS"]


@dataclass(frozen=True)
class Row:
    """One benchmark: seconds per operation for each contender, and the target."""

    group: str
    name: str
    wt: Stats
    wasmtime_py: Stats | None
    floor: Stats | None = None
    target: str = ""
    unit: str = "µs"
    per: float = 1.0  # divide seconds by this before converting to the unit (e.g. bytes)


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

    # The floor: wasmtime_func_call_unchecked with a premade buffer and arguments.
    raw = _library.raw_function("wasmtime_func_call_unchecked", ctypes.c_void_p)
    item = mod.export_extern("add")
    assert item is not None
    fn = extern.wasmtime_func_t()
    ctypes.pointer(fn)[0] = item.of.func
    slots = (ctypes.c_uint64 * 4)(5, 0, 7, 0)
    trap = ctypes.c_void_p()
    args = (ctypes.cast(mod.store.context, ctypes.c_void_p), ctypes.byref(fn), slots, ctypes.c_size_t(2),
            ctypes.byref(trap))

    def floor() -> None:
        slots[0] = 5
        slots[2] = 7
        raw(*args)

    n = 200_000
    return [
        Row("call", "add(i32, i32) -> i32", per_op(lambda: add(a, b), n),
            per_op(lambda: padd(st, 5, 7), n // 20), per_op(floor, n), "≤ 0.8 µs"),
        Row("call", "mixed(i32, i64, f32, f64) -> f64", per_op(lambda: mixed(*m), n),
            per_op(lambda: pmixed(st, -1, 10, 1.5, 2.25), n // 20), None, ""),
    ]


def callbacks() -> list[Row]:
    count = 100_000
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
    r3 = wt.Runtime()
    compiled = r3.compile_module(CALLBACK)
    s = r3.new_store()
    cb = func.UNCHECKED_CALLBACK(lambda env, caller, args, n: 0)
    ft = types.new_functype(r3.engine_ptr(), types.FuncType((types.ValType(types.VALTYPE_I32),), ()))
    f = extern.wasmtime_func_t()
    func.wasmtime_func_new_unchecked(s.context, ft, cb, None, store.FINALIZER(), ctypes.byref(f))
    imports = (extern.wasmtime_extern_t * 1)(extern.extern_of(f, extern.EXTERN_FUNC))
    inst = instance.wasmtime_instance_t()
    trap = ctypes.c_void_p()
    instance.wasmtime_instance_new(s.context, compiled.ptr, imports, 1, ctypes.byref(inst), ctypes.byref(trap))
    out = extern.wasmtime_extern_t()
    instance.wasmtime_instance_export_get(s.context, ctypes.byref(inst), b"loop", 4, ctypes.byref(out))
    raw = _library.raw_function("wasmtime_func_call_unchecked", ctypes.c_void_p)
    slots = (ctypes.c_uint64 * 2)(count, 0)
    fargs = (ctypes.cast(s.context, ctypes.c_void_p), ctypes.byref(out.of.func), slots, ctypes.c_size_t(1),
             ctypes.byref(trap))

    def floor() -> None:
        slots[0] = count
        raw(*fargs)

    rows = [
        Row("callback", "wasm → Python host call (stack form)", whole(lambda: loop(count)),
            whole(lambda: ploop(st, count), 3), whole(floor), "≤ 0.8 µs", per=count),
        Row("callback", "wasm → Python host call (typed form)", whole(lambda: tloop(count)), None, None, "", per=count),
    ]
    globals()["_keep"] = (cb, s, r, r2, r3, host, host2)
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
    src = ctypes.create_string_buffer(data, size)
    dst = ctypes.create_string_buffer(size)

    engine = wp.Engine()
    st = wp.Store(engine)
    pmem = wp.Instance(st, wp.Module(engine, ADD), []).exports(st)["memory"]

    n = 300
    memmove_in = per_op(lambda: ctypes.memmove(base, src, size), n)
    memmove_out = per_op(lambda: ctypes.memmove(dst, base, size), n)
    return [
        Row("memory", "write 1 MiB (Memory.write)", per_op(lambda: mem.write(0, data), n),
            per_op(lambda: pmem.write(st, data, 0), n), memmove_in, "≥ 90% of memmove", "GB/s", size),
        Row("memory", "read 1 MiB (Memory.read)", per_op(lambda: mem.read(0, size), n),
            per_op(lambda: pmem.read(st, 0, size), n), memmove_out, "≥ 90% of memmove", "GB/s", size),
        Row("memory", "read 1 MiB through the zero-copy view", per_op(lambda: bytes(view), n),
            None, memmove_out, "copies nothing", "GB/s", size),
        Row("memory", "take a view (no copy)", per_op(lambda: mem.view(0, size), 20_000), None, None, ""),
    ]


def instantiation() -> list[Row]:
    r = wt.Runtime()
    compiled = r.compile_module(SMALL)

    def wt_once() -> None:
        r.instantiate(compiled).close()

    engine = wp.Engine()
    module = wp.Module(engine, SMALL)

    def py_once() -> None:
        wp.Instance(wp.Store(engine), module, [])

    # The floor: a store, an instance in it, the store freed; premade arguments.
    store_new = _library.raw_function("wasmtime_store_new", ctypes.c_void_p)
    store_context = _library.raw_function("wasmtime_store_context", ctypes.c_void_p)
    instance_new = _library.raw_function("wasmtime_instance_new", ctypes.c_void_p)
    store_delete = _library.raw_function("wasmtime_store_delete", None)
    engine_arg = ctypes.cast(r.engine_ptr(), ctypes.c_void_p)
    module_arg = ctypes.cast(compiled.ptr, ctypes.c_void_p)
    out = instance.wasmtime_instance_t()
    trap = ctypes.c_void_p()
    out_arg, trap_arg, zero = ctypes.byref(out), ctypes.byref(trap), ctypes.c_size_t(0)

    def floor() -> None:
        s = ctypes.c_void_p(store_new(engine_arg, None, None))
        instance_new(ctypes.c_void_p(store_context(s)), module_arg, None, zero, out_arg, trap_arg)
        store_delete(s)

    return [Row("instantiate", "new instance (own store) of a small module, then close", per_op(wt_once, 1000),
                per_op(py_once, 1000), per_op(floor, 1000), "≤ 15 µs")]


def compilation() -> list[Row]:
    source = _wat2wasm(large(3000))  # a large module as it usually comes: a .wasm binary
    with tempfile.TemporaryDirectory() as tmp:
        disk = wt.CompilationCache.with_dir(Path(tmp) / "cache")
        memory_cache = wt.CompilationCache()

        def cold() -> None:
            with wt.Runtime() as r:
                r.compile_module(source)

        engine = wp.Engine()

        def py_cold() -> None:
            wp.Module(engine, source)

        def hit(cache: wt.CompilationCache) -> Callable[[], None]:
            runtime = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
            runtime.compile_module(source)  # fill it
            return lambda: runtime.compile_module(source)

        serialized = wp.Module(engine, source).serialize()
        artifact = Path(tmp) / "artifact.bin"
        artifact.write_bytes(serialized)
        rows = [
            Row("compile", f"cold compile, 3000-function module ({len(source) // 1024} KiB)", whole(cold, 3),
                whole(py_cold, 3), None, "", "ms"),
            Row("compile", "memory-cache hit", whole(hit(memory_cache), 7), None, None, "", "ms"),
            Row("compile", "disk-cache hit (verified)", whole(hit(disk), 7),
                whole(lambda: wp.Module.deserialize(engine, serialized), 7),
                whole(lambda: wp.Module.deserialize_file(engine, str(artifact)), 7), "≤ 5 ms", "ms"),
        ]
    return rows


def compute() -> list[Row]:
    r = wt.Runtime()
    mod = r.instantiate(r.compile_module(ADD))
    fib = mod.exported_function("fib").call  # type: ignore[union-attr]
    spin = mod.exported_function("spin").call  # type: ignore[union-attr]
    engine = wp.Engine()
    st = wp.Store(engine)
    exports = wp.Instance(st, wp.Module(engine, ADD), []).exports(st)
    pfib, pspin = exports["fib"], exports["spin"]
    return [
        Row("compute", "fib(27), recursive", whole(lambda: fib(27), 9), whole(lambda: pfib(st, 27), 9),
            None, "within 3%", "ms"),
        Row("compute", "tight loop, 5e7 iterations", whole(lambda: spin(50_000_000), 7),
            whole(lambda: pspin(st, 50_000_000), 7), None, "within 3%", "ms"),
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
    with tempfile.TemporaryDirectory() as tmp:
        wasm = Path(tmp) / "hello.wasm"
        with wt.Runtime() as r:
            wasm.write_bytes(bytes(r.compile_module(WASI_HELLO).wasm) if hasattr(wt.CompiledModule, "wasm")
                             else _wat2wasm(WASI_HELLO))
        wt_script = Path(tmp) / "wt_hello.py"
        wt_script.write_text(WT_HELLO.format(path=str(wasm)))
        py_script = Path(tmp) / "py_hello.py"
        py_script.write_text(PY_HELLO.format(path=str(wasm)))
        exe = sys.executable
        return [
            Row("process", "python -c 'import wt_api' (vs import wasmtime)", process([exe, "-c", "import wt_api"]),
                process([exe, "-c", "import wasmtime"]), process([exe, "-c", "pass"]), "", "ms"),
            Row("process", "WASI hello world, whole process", process([exe, str(wt_script)]),
                process([exe, str(py_script)]), process([exe, "-c", "pass"]), "≤ 35 ms", "ms"),
        ]


def _wat2wasm(text: str) -> bytes:
    return bytes(wp.wat2wasm(text))


GROUPS: dict[str, Callable[[], list[Row]]] = {
    "call": calls, "callback": callbacks, "memory": memory, "instantiate": instantiation,
    "compile": compilation, "compute": compute, "process": processes,
}
