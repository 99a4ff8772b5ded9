"""Encoded ints to and from typed ``wasmtime_val_t`` values (globals, tables)."""

from __future__ import annotations

from collections.abc import Callable

from wt_ffi import types as _t
from wt_ffi import val as _val

from .errors import WasmArgumentError
from .values import RefType, ValueType, to_raw_type, type_name

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
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
    from . import refs

    val, made = refs.to_val(store, vt, value)
    if made is None:
        return val, _noop
    held = [made]  # the reference's root, dropped once C has used the value
    return val, held.clear


def from_val(store: Store, val: _val.wasmtime_val_t) -> int:
    """The encoded int of a value that C returned; takes over any reference's root."""
    kind = val.kind
    if kind in (_val.VAL_I32, _val.VAL_I64, _val.VAL_F32, _val.VAL_F64, _val.VAL_V128):
        return _val.val_bits(val)
    from . import refs

    return refs.from_val(store, val)
