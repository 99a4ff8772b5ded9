"""Encoded values into typed ``wasmtime_val_t`` values (what globals, tables, calls that
wasmtime checks, and async host functions pass to C), and the raw slot values of the
references in them. The checks and conversions they build on are :mod:`wt_api._convert`'s,
``from_val`` (the other way) included: an exception's payload is read with it, so it lives
with the reference results it recurses through."""

from __future__ import annotations

from ctypes import byref

from wt_ffi import exnref as _exn
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.slots import MASKS, RANGES

from ._convert import EXN_HEAPS, EXTERN_HEAPS, FUNC_HEAPS, exnref_root, funcref_maker, ref_maker
from ._errors import WasmArgumentError
from ._refs import Root, anyref_root, externref_root
from ._store import Store
from ._values import RefType, ValueType, to_raw_type, type_name

__all__ = ["to_val", "val_raw", "raw_val"]


def to_val(store: Store, t: ValueType | RefType, value: object, where: str) -> tuple[_val.wasmtime_val_t, object]:
    """A ``wasmtime_val_t`` of type ``t`` for an encoded value, and what keeps its root alive
    (hold it until C has used the value). WasmArgumentError names ``where``."""
    vt = to_raw_type(t)
    if vt.kind in RANGES:
        lo, hi = RANGES[vt.kind]
        if type(value) is bool or not isinstance(value, int):
            raise WasmArgumentError(f"{where}: a {type_name(t)} value is an encoded int, not {type(value).__name__}")
        if not lo <= value < hi:
            raise WasmArgumentError(f"{where}: {value} is out of range for {type_name(t)}")
        kind = {_t.VALTYPE_I32: _val.VAL_I32, _t.VALTYPE_I64: _val.VAL_I64, _t.VALTYPE_F32: _val.VAL_F32,
                _t.VALTYPE_F64: _val.VAL_F64, _t.VALTYPE_V128: _val.VAL_V128}[vt.kind]
        return _val.new_val(kind, value & MASKS[vt.kind]), None
    ctx = store.context
    if vt.heap in FUNC_HEAPS:
        raw = funcref_maker(store, vt, where)(value)
        return _val.funcref_val(_val.funcref_raw_to_func(ctx, raw) if raw else None), None
    made = ref_maker(store, vt, where)(value)
    val = _val.wasmtime_val_t()
    if vt.heap in EXTERN_HEAPS:
        val.kind = _val.VAL_EXTERNREF
        if made is not None:
            if not isinstance(made.ref, _val.wasmtime_externref_t):  # a GC value: the externref of it
                ext = _val.wasmtime_externref_t()
                _val.wasmtime_externref_from_raw(ctx, made.raw(), byref(ext))
                made = externref_root(ctx, ext)
            val.of.externref = made.ref  # type: ignore[assignment]
        return val, made
    if vt.heap in EXN_HEAPS:
        val.kind = _val.VAL_EXNREF
        if made is not None:
            val.of.exnref = made.ref  # type: ignore[assignment]
        return val, made
    val.kind = _val.VAL_ANYREF
    if made is not None:
        if not isinstance(made.ref, _val.wasmtime_anyref_t):  # a host object: the anyref of it
            anyref = _val.wasmtime_anyref_t()
            _val.wasmtime_anyref_from_raw(ctx, made.raw(), byref(anyref))
            made = anyref_root(ctx, anyref)
        val.of.anyref = made.ref  # type: ignore[assignment]
    return val, made


# --- references in wasmtime_val_t, through their raw slot values (async host functions) --
def val_raw(store: Store, val: _val.wasmtime_val_t) -> int:
    """The raw slot value of a reference ``wasmtime_val_t`` that C lent (0 for null), for
    the converters above."""
    ctx, kind = store.context, val.kind
    if kind == _val.VAL_FUNCREF:
        return _val.func_to_raw(ctx, val.of.funcref)
    if val.of.anyref.store_id == 0:  # every reference's first field is its store id
        return 0
    if kind == _val.VAL_EXTERNREF:
        return _val.wasmtime_externref_to_raw(ctx, byref(val.of.externref))
    if kind == _val.VAL_ANYREF:
        return _val.wasmtime_anyref_to_raw(ctx, byref(val.of.anyref))
    return _exn.wasmtime_exnref_to_raw(ctx, byref(val.of.exnref))


def raw_val(store: Store, vt: _t.ValType, raw: int) -> tuple[_val.wasmtime_val_t, object]:
    """A ``wasmtime_val_t`` of reference type ``vt`` for a raw slot value, and the root that
    the value holds (None for null and funcref): dropping the root unroots it, so hold it
    while C reads the value, or, when C takes the value over (an async host function's
    results: wasmtime unroots them), set its ``live`` to False."""
    ctx, val = store.context, _val.wasmtime_val_t()
    if vt.heap in FUNC_HEAPS:
        val.kind = _val.VAL_FUNCREF
        if raw:
            val.of.funcref = _val.funcref_raw_to_func(ctx, raw)
        return val, None
    root: Root | None = None
    raw &= 0xFFFFFFFF  # GC references are 32-bit in raw slots
    if vt.heap in EXTERN_HEAPS:
        val.kind = _val.VAL_EXTERNREF
        if raw:
            ext = _val.wasmtime_externref_t()
            _val.wasmtime_externref_from_raw(ctx, raw, byref(ext))
            root = externref_root(ctx, ext)
            val.of.externref = ext
    elif vt.heap in EXN_HEAPS:
        val.kind = _val.VAL_EXNREF
        if raw:
            exn = _val.wasmtime_exnref_t()
            _exn.wasmtime_exnref_from_raw(ctx, raw, byref(exn))
            root = exnref_root(ctx, exn)
            val.of.exnref = exn
    else:
        val.kind = _val.VAL_ANYREF
        if raw:
            anyref = _val.wasmtime_anyref_t()
            _val.wasmtime_anyref_from_raw(ctx, raw, byref(anyref))
            root = anyref_root(ctx, anyref)
            val.of.anyref = anyref
    return val, root
