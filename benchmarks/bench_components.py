"""The component rows of the benchmark suite: calls into a component through wt's typed API
and through wasmtime-py 50.0.1's ``wasmtime.component`` API, on the same component, beside
the raw floor (``wasmtime_component_func_call`` through ctypes with its arguments made
ahead, the result read and freed).

The component (``BENCH``, WAT) does nothing but move its values through the canonical ABI,
so that the rows measure what the bindings add: a call with no arguments, with two s32,
with a 1 KiB string in and out, with a record of five fields in and out, and a call whose
guest calls a host import (implemented in Python) once.
"""

from __future__ import annotations

import ctypes
import struct

import wasmtime as wp
import wt_api as wt
from harness import paired
from wasmtime import component as wpc
from wt_ffi import raw_function
from wt_ffi.component import linker as cl
from wt_ffi.component import val as cv

__all__ = ["BENCH", "components"]

BENCH = """(component
  (import "host-add" (func $host_add (param "a" s32) (result s32)))
  (core module $m
    (import "" "host-add" (func $ha (param i32) (result i32)))
    (memory (export "mem") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) i32.const 4096)
    (func (export "nothing"))
    (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
    (func (export "echo") (param i32 i32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      i32.const 16)
    (func (export "rec") (param i32 i64 f64 i32 i32) (result i32)
      (i32.store (i32.const 64) (local.get 0))
      (i64.store (i32.const 72) (local.get 1))
      (f64.store (i32.const 80) (local.get 2))
      (i32.store8 (i32.const 88) (local.get 3))
      (i32.store8 (i32.const 89) (local.get 4))
      i32.const 64)
    (func (export "call-host") (param i32) (result i32) local.get 0 call $ha))
  (core func $ha (canon lower (func $host_add)))
  (core instance $i (instantiate $m (with "" (instance (export "host-add" (func $ha))))))
  (type $r (record (field "a" s32) (field "b" s64) (field "c" f64) (field "d" bool) (field "e" u8)))
  (export $rec5 "rec5" (type $r))
  (func (export "nothing") (canon lift (core func $i "nothing")))
  (func (export "add") (param "a" s32) (param "b" s32) (result s32) (canon lift (core func $i "add")))
  (func (export "echo") (param "s" string) (result string)
    (canon lift (core func $i "echo") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "rec") (param "r" $rec5) (result $rec5)
    (canon lift (core func $i "rec") (memory (core memory $i "mem"))))
  (func (export "call-host") (param "n" s32) (result s32) (canon lift (core func $i "call-host")))
)"""
"""``nothing()``, ``add(s32, s32) -> s32``, ``echo(string) -> string``, ``rec(rec5) -> rec5`` and
``call-host(s32) -> s32``, which calls the imported ``host-add(s32) -> s32`` once."""

TEXT = "x" * 1024
_VAL = 32
_VEC = struct.Struct("<B7xQQ")
_S32 = struct.Struct("<B7xi")


def _floors(inst: wt.ComponentInstance) -> dict[str, object]:
    """The raw calls: wasmtime_component_func_call with arguments made ahead."""
    call = raw_function("wasmtime_component_func_call", ctypes.c_void_p)
    delete = raw_function("wasmtime_component_val_delete", None)
    ctx = ctypes.c_void_p(inst._env.context)
    floors: dict[str, object] = {}
    keep: list[object] = []
    for name, nargs, nres in (("nothing", 0, 0), ("add", 2, 1), ("echo", 1, 1), ("rec", 1, 1), ("call-host", 1, 1)):
        fn = inst.function(name)
        assert fn is not None
        args, res = ctypes.create_string_buffer(_VAL * max(nargs, 1)), ctypes.create_string_buffer(_VAL)
        if name == "add":
            _S32.pack_into(args, 0, cv.VAL_S32, 5)
            _S32.pack_into(args, _VAL, cv.VAL_S32, 7)
        elif name == "call-host":
            _S32.pack_into(args, 0, cv.VAL_S32, 5)
        elif name == "echo":
            data = TEXT.encode()
            keep.append(data)
            _VEC.pack_into(args, 0, cv.VAL_STRING, len(data), ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value)
        elif name == "rec":
            names = [n.encode() for n in "abcde"]
            entries = ctypes.create_string_buffer(48 * 5)
            kinds = [(cv.VAL_S32, "i", 1), (cv.VAL_S64, "q", 2), (cv.VAL_F64, "d", 3.0), (cv.VAL_BOOL, "?", True),
                     (cv.VAL_U8, "B", 5)]
            for i, (kind, code, value) in enumerate(kinds):
                struct.pack_into("<QQ", entries, 48 * i, 1, ctypes.cast(ctypes.c_char_p(names[i]), ctypes.c_void_p).value)
                struct.pack_into(f"<B7x{code}", entries, 48 * i + 16, kind, value)
            keep += [names, entries]
            _VEC.pack_into(args, 0, cv.VAL_RECORD, 5, ctypes.addressof(entries))
        keep += [args, res]
        fixed = (ctypes.byref(fn._func), ctx, args, ctypes.c_size_t(nargs), res, ctypes.c_size_t(nres))
        frees = name in ("echo", "rec")

        def floor(fixed: tuple[object, ...] = fixed, frees: bool = frees, res: object = res) -> None:
            if call(*fixed):
                raise RuntimeError("the floor's call failed")
            if frees:
                delete(res)
                ctypes.memset(res, 0, 1)
        floors[name] = floor
    floors["_keep"] = keep
    return floors


def _host_floor_instance(rt: wt.Runtime, compiled: wt.CompiledComponent) -> tuple[object, object]:
    """``call-host`` with the import defined as a bare ctypes callback (reads its s32, writes
    the sum: what any Python host function must do), called raw: the host import's floor."""
    engine = rt._engine.enter()
    linker = cl.wasmtime_component_linker_new(engine)
    rt._engine.leave()

    def host(data: object, ctx: object, ty: object, args: int, nargs: int, results: int, nresults: int) -> int:
        _, a = _S32.unpack(ctypes.string_at(args, 12))
        ctypes.memmove(results, _S32.pack(cv.VAL_S32, a + 1), 12)
        return 0

    callback = cl.FUNC_CALLBACK(host)
    root = cl.wasmtime_component_linker_root(linker)
    assert not cl.wasmtime_component_linker_instance_add_func(root, b"host-add", 8, callback, None,
                                                                cl.FINALIZER())
    cl.wasmtime_component_linker_instance_delete(root)
    store = rt._engine.new_store()
    from wt_ffi.component import instance as ci

    inst = ci.wasmtime_component_instance_t()
    assert not cl.wasmtime_component_linker_instantiate(linker, store.context, compiled._handle.get(),
                                                        ctypes.byref(inst))
    from wt_ffi.component import component as cc
    from wt_ffi.component import func as cf

    index = cc.wasmtime_component_get_export_index(compiled._handle.get(), None, b"call-host", 9)
    fn = cf.wasmtime_component_func_t()
    assert ci.wasmtime_component_instance_get_func(ctypes.byref(inst), store.context, index, ctypes.byref(fn))
    call = raw_function("wasmtime_component_func_call", ctypes.c_void_p)
    args, res = ctypes.create_string_buffer(_VAL), ctypes.create_string_buffer(_VAL)
    _S32.pack_into(args, 0, cv.VAL_S32, 5)
    fixed = (ctypes.byref(fn), ctypes.c_void_p(ctypes.cast(store.context, ctypes.c_void_p).value), args,
             ctypes.c_size_t(1), res, ctypes.c_size_t(1))

    def floor() -> None:
        if call(*fixed):
            raise RuntimeError("the host floor's call failed")
    return floor, (linker, callback, store, args, res, fn)


def components() -> list[object]:
    from harness import Row

    rt = wt.Runtime()
    compiled = rt.compile_component(BENCH)
    inst = rt.instantiate_component(compiled, imports={"host-add": lambda a: a + 1})
    e = inst.exports
    record = e.rec({"a": 1, "b": 2, "c": 3.0, "d": True, "e": 5})
    assert e.add(5, 7) == 12 and e.echo(TEXT) == TEXT and e.call_host(5) == 6
    floors = _floors(inst)
    host_floor, keep = _host_floor_instance(rt, compiled)

    engine = wp.Engine()
    component = wpc.Component(engine, BENCH)
    linker = wpc.Linker(engine)
    with linker.root() as root:
        root.add_func("host-add", lambda store, a: a + 1)
    st = wp.Store(engine)
    pinst = linker.instantiate(st, component)
    pf = {n: pinst.get_func(st, n) for n in ("nothing", "add", "echo", "rec", "call-host")}
    prec = wpc.Record()
    for name, value in zip("abcde", (1, 2, 3.0, True, 5)):
        setattr(prec, name, value)
    assert pf["add"](st, 5, 7) == 12 and pf["echo"](st, TEXT) == TEXT and pf["call-host"](st, 5) == 6

    rows = []
    cases = [
        ("nothing() (no arguments, no result)", lambda: e.nothing(), lambda: pf["nothing"](st), floors["nothing"]),
        ("add(s32, s32) -> s32", lambda: e.add(5, 7), lambda: pf["add"](st, 5, 7), floors["add"]),
        ("echo(string) -> string, 1 KiB each way", lambda: e.echo(TEXT), lambda: pf["echo"](st, TEXT), floors["echo"]),
        ("rec(record of 5 fields) -> the record", lambda: e.rec(record), lambda: pf["rec"](st, prec), floors["rec"]),
        ("call-host(s32): the guest calls a Python host import once", lambda: e.call_host(5),
         lambda: pf["call-host"](st, 5), host_floor),
    ]
    # The three interleaved in one series of samples: the machine's drift falls on each alike.
    for name, ours, theirs, floor in cases:
        stats = paired({"wt": ours, "floor": floor, "py": theirs}, 4_000, 11)  # type: ignore[dict-item]
        rows.append(Row("component", name, stats["wt"], stats["py"], stats["floor"], "≥ 5x wasmtime-py",
                        short=f"component: {name.split(' ')[0]}"))
    del keep
    return rows
