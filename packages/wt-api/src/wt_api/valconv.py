"""Encoded ints to and from typed ``wasmtime_val_t`` values (globals, tables)."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from typing import TYPE_CHECKING

from wt_ffi import types as _t
from wt_ffi import val as _val

from .errors import WasmArgumentError
from .values import RefType, ValueType, externrefs, to_raw_type, type_name

if TYPE_CHECKING:
    from .store import Store

__all__ = ["to_val", "from_val"]

_NUM_KIND = {_t.VALTYPE_I32: (_val.VAL_I32, 32), _t.VALTYPE_I64: (_val.VAL_I64, 64),
             _t.VALTYPE_F32: (_val.VAL_F32, 32), _t.VALTYPE_F64: (_val.VAL_F64, 64),
             _t.VALTYPE_V128: (_val.VAL_V128, 128)}


def _noop() -> None:
    pass


def to_val(store: Store, t: ValueType | RefType, value: object) -> tuple[_val.wasmtime_val_t, Callable[[], None]]:
    """A ``wasmtime_val_t`` of type ``t`` for an encoded value, and a function that
    releases what it roots (call it once C has used the value)."""
    vt = to_raw_type(t)
    if vt.kind in _NUM_KIND:
        kind, bits = _NUM_KIND[vt.kind]
        if not isinstance(value, int):
            raise WasmArgumentError(f"a {type_name(t)} value is an encoded int, not {type(value).__name__}")
        signed_ok = vt.kind in (_t.VALTYPE_I32, _t.VALTYPE_I64)
        lo = -(1 << (bits - 1)) if signed_ok else 0
        if not lo <= value < (1 << bits):
            raise WasmArgumentError(f"{value} is out of range for {type_name(t)}")
        return _val.new_val(kind, value & ((1 << bits) - 1)), _noop
    ctx = store.context
    if vt.heap in (_t.HEAP_EXTERN, _t.HEAP_NOEXTERN):
        if value is None or value == 0:
            return _val.externref_val(None), _noop
        if not isinstance(value, int) or value not in externrefs:
            raise WasmArgumentError(f"{value!r} is not an externref handle (use wt.encode_externref)")
        ref = _val.new_externref(ctx, value)
        val = _val.externref_val(ref)
        return val, lambda: _val.wasmtime_val_unroot(ctypes.byref(val))
    if vt.heap in (_t.HEAP_FUNC, _t.HEAP_NOFUNC, _t.HEAP_CONCRETE_FUNC):
        from .function import Function

        if isinstance(value, Function):
            return _val.funcref_val(value._func), _noop
        if value is None or value == 0:
            return _val.funcref_val(None), _noop
        if not isinstance(value, int):
            raise WasmArgumentError(f"a funcref value is a Function or an encoded int, not {type(value).__name__}")
        return _val.funcref_val(_val.funcref_raw_to_func(ctx, value)), _noop
    if not isinstance(value, int):
        raise WasmArgumentError(f"a {type_name(t)} value is an encoded int, not {type(value).__name__}")
    val = _val.wasmtime_val_t()
    if vt.heap in (_t.HEAP_EXN, _t.HEAP_NOEXN, _t.HEAP_CONCRETE_EXN):
        val.kind = _val.VAL_EXNREF
        return val, _noop  # only null exnrefs can come from the host
    val.kind = _val.VAL_ANYREF
    if value:
        _val.wasmtime_anyref_from_raw(ctx, value, ctypes.byref(val.of.anyref))
        return val, lambda: _val.wasmtime_val_unroot(ctypes.byref(val))
    return val, _noop


def from_val(store: Store, val: _val.wasmtime_val_t) -> int:
    """The encoded int of a value that C returned; unroots any reference it holds."""
    kind = val.kind
    if kind in (_val.VAL_I32, _val.VAL_I64, _val.VAL_F32, _val.VAL_F64, _val.VAL_V128):
        return _val.val_bits(val)
    ctx = store.context
    if kind == _val.VAL_FUNCREF:
        return _val.func_to_raw(ctx, val.of.funcref)
    try:
        if kind == _val.VAL_EXTERNREF:
            data = _val.externref_data_of(ctx, val)
            if data is None:
                from .function import _WasmExternRef

                raw = _val.wasmtime_externref_to_raw(ctx, ctypes.byref(val.of.externref))
                return externrefs.handle(_WasmExternRef(raw))
            return data
        if kind == _val.VAL_ANYREF:
            if val.of.anyref.store_id == 0:
                return 0
            return _val.wasmtime_anyref_to_raw(ctx, ctypes.byref(val.of.anyref))
        return 0 if val.of.exnref.store_id == 0 else 1
    finally:
        _val.wasmtime_val_unroot(ctypes.byref(val))
