"""Value types, and the seed's encoding of numbers: every wasm number as a Python int.

Numbers travel as their bit patterns: ``encode_i32(-1) == 0xFFFFFFFF``, floats as
IEEE-754 bits (NaN payloads kept), ``v128`` as a 128-bit int. The ranges come from
:mod:`wt_ffi.slots`, the one table every path checks against. References are handles:
see :mod:`wt_api._refs`.
"""

from __future__ import annotations

import enum

from wt_ffi import types as _t
from wt_ffi.records import Record
from wt_ffi.slots import MASKS, RANGES, bits_f32, bits_f64, f32_bits, f64_bits

__all__ = [
    "ValueType", "RefType", "encode_i32", "decode_i32", "encode_u32", "decode_u32",
    "encode_i64", "decode_i64", "encode_u64", "encode_f32", "decode_f32", "encode_f64",
    "decode_f64", "encode_v128", "decode_v128",
]


class ValueType(enum.Enum):
    """The WebAssembly value types wt names; typed references beyond these are
    described by :class:`RefType`.

    Thread-safety: an immutable value; share it freely."""

    I32 = "i32"
    I64 = "i64"
    F32 = "f32"
    F64 = "f64"
    V128 = "v128"
    FUNCREF = "funcref"
    EXTERNREF = "externref"
    ANYREF = "anyref"
    EXNREF = "exnref"

    def __repr__(self) -> str:
        return f"ValueType.{self.name}"


HEAP_NAMES = {
    _t.HEAP_EXTERN: "extern", _t.HEAP_NOEXTERN: "noextern", _t.HEAP_FUNC: "func",
    _t.HEAP_CONCRETE_FUNC: "$func", _t.HEAP_NOFUNC: "nofunc", _t.HEAP_ANY: "any",
    _t.HEAP_NONE: "none", _t.HEAP_EQ: "eq", _t.HEAP_I31: "i31", _t.HEAP_ARRAY: "array",
    _t.HEAP_CONCRETE_ARRAY: "$array", _t.HEAP_STRUCT: "struct",
    _t.HEAP_CONCRETE_STRUCT: "$struct", _t.HEAP_EXN: "exn", _t.HEAP_CONCRETE_EXN: "$exn",
    _t.HEAP_NOEXN: "noexn",
}
"""Each wt-ffi heap type code, by its WAT name (``$...`` for concrete types)."""
_HEAP_CODES = {name: code for code, name in HEAP_NAMES.items()}
_TOP = {
    _t.HEAP_EXTERN: ValueType.EXTERNREF, _t.HEAP_NOEXTERN: ValueType.EXTERNREF,
    _t.HEAP_FUNC: ValueType.FUNCREF, _t.HEAP_CONCRETE_FUNC: ValueType.FUNCREF,
    _t.HEAP_NOFUNC: ValueType.FUNCREF, _t.HEAP_EXN: ValueType.EXNREF,
    _t.HEAP_CONCRETE_EXN: ValueType.EXNREF, _t.HEAP_NOEXN: ValueType.EXNREF,
}


class RefType(Record):
    """A reference type in full: nullability and heap type (``"extern"``, ``"func"``,
    ``"any"``, ``"eq"``, ``"i31"``, ``"struct"``, ``"array"``, ``"exn"``, the bottom
    types, or ``"$func"``/``"$struct"``/``"$array"``/``"$exn"`` for concrete types).

    Thread-safety: an immutable value; share it freely."""

    nullable: bool
    heap: str

    def __post_init__(self) -> None:
        if self.heap not in _HEAP_CODES:
            raise ValueError(f"unknown heap type {self.heap!r}; known: {', '.join(_HEAP_CODES)}")

    def __str__(self) -> str:
        return f"(ref {'null ' if self.nullable else ''}{self.heap})"

    @property
    def top(self) -> ValueType:
        """The :class:`ValueType` of this reference's hierarchy."""
        return _TOP.get(_HEAP_CODES[self.heap], ValueType.ANYREF)


_KIND_TO_TYPE = {
    _t.VALTYPE_I32: ValueType.I32, _t.VALTYPE_I64: ValueType.I64, _t.VALTYPE_F32: ValueType.F32,
    _t.VALTYPE_F64: ValueType.F64, _t.VALTYPE_V128: ValueType.V128,
}
_TYPE_TO_RAW = {
    ValueType.I32: _t.ValType(_t.VALTYPE_I32), ValueType.I64: _t.ValType(_t.VALTYPE_I64),
    ValueType.F32: _t.ValType(_t.VALTYPE_F32), ValueType.F64: _t.ValType(_t.VALTYPE_F64),
    ValueType.V128: _t.ValType(_t.VALTYPE_V128),
    ValueType.FUNCREF: _t.ValType(_t.VALTYPE_REF, True, _t.HEAP_FUNC),
    ValueType.EXTERNREF: _t.ValType(_t.VALTYPE_REF, True, _t.HEAP_EXTERN),
    ValueType.ANYREF: _t.ValType(_t.VALTYPE_REF, True, _t.HEAP_ANY),
    ValueType.EXNREF: _t.ValType(_t.VALTYPE_REF, True, _t.HEAP_EXN),
}
_RAW_TO_TYPE = {raw: public for public, raw in _TYPE_TO_RAW.items()}


def from_raw_type(vt: _t.ValType) -> ValueType | RefType:
    """The public type for a wt-ffi value type: a :class:`ValueType` for numbers, v128 and
    the nullable abstract references, else a :class:`RefType`."""
    if vt.kind != _t.VALTYPE_REF:
        return _KIND_TO_TYPE[vt.kind]
    return _RAW_TO_TYPE.get(vt) or RefType(vt.nullable, HEAP_NAMES.get(vt.heap, "any"))


def to_raw_type(t: ValueType | RefType) -> _t.ValType:
    """The wt-ffi value type for a public type."""
    if isinstance(t, ValueType):
        return _TYPE_TO_RAW[t]
    if not isinstance(t, RefType):
        raise TypeError(f"expected a wt.ValueType or wt.RefType, not {type(t).__name__}")
    return _t.ValType(_t.VALTYPE_REF, t.nullable, _HEAP_CODES[t.heap])


def type_name(t: ValueType | RefType) -> str:
    """The WAT spelling of a type (``i32``, ``funcref``, ``(ref null any)``)."""
    return t.value if isinstance(t, ValueType) else str(t)


# --- integers in ranges (indices, sizes, counts) ------------------------------------
def check_int(what: str, value: object, lo: int, hi: int) -> int:
    """``value`` if it is an int with ``lo <= value < hi``; else TypeError or ValueError
    naming ``what``."""
    if not isinstance(value, int):
        raise TypeError(f"{what} is an int, not {type(value).__name__}")
    if not lo <= value < hi:
        raise ValueError(f"{what} {value} is out of range [{lo}, {hi})")
    return int(value)


def check_u64(what: str, value: object) -> int:
    """An index, size or count that C takes as a 64-bit unsigned int."""
    return check_int(what, value, 0, 1 << 64)


# --- numbers ------------------------------------------------------------------------
def _encode(name: str, value: object, kind: int) -> int:
    lo, hi = RANGES[kind]
    return check_int(f"{name}'s argument", value, lo, hi) & MASKS[kind]


def encode_i32(value: int) -> int:
    """Encode a signed or unsigned 32-bit int: ``encode_i32(-1) == 0xFFFFFFFF``."""
    return _encode("encode_i32", value, _t.VALTYPE_I32)


def decode_i32(value: int) -> int:
    """Decode an i32 as signed: ``decode_i32(0xFFFFFFFF) == -1`` (upper bits ignored)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def encode_u32(value: int) -> int:
    """Encode an unsigned 32-bit int."""
    return check_int("encode_u32's argument", value, 0, 1 << 32)


def decode_u32(value: int) -> int:
    """Decode an i32 as unsigned."""
    return value & 0xFFFFFFFF


def encode_i64(value: int) -> int:
    """Encode a signed or unsigned 64-bit int as its 64-bit pattern."""
    return _encode("encode_i64", value, _t.VALTYPE_I64)


def decode_i64(value: int) -> int:
    """Decode an i64 as signed."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value & (1 << 63) else value


def encode_u64(value: int) -> int:
    """Encode an unsigned 64-bit int."""
    return check_int("encode_u64's argument", value, 0, 1 << 64)


def encode_f32(value: float) -> int:
    """Encode a float as the bits of the nearest f32 (ValueError if it overflows f32)."""
    return f32_bits(value)


def decode_f32(value: int) -> float:
    """Decode f32 bits as a Python float (a signalling NaN reads as a quiet NaN; keep
    the int to preserve its bits)."""
    return bits_f32(value)


def encode_f64(value: float) -> int:
    """Encode a float as its IEEE-754 double bits."""
    return f64_bits(value)


def decode_f64(value: int) -> float:
    """Decode f64 bits as a Python float (NaN payloads are kept)."""
    return bits_f64(value)


def encode_v128(data: bytes | int) -> int:
    """Encode 16 little-endian bytes (or a 128-bit int) as a v128 value."""
    if isinstance(data, int):
        return _encode("encode_v128", data, _t.VALTYPE_V128)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"encode_v128 takes 16 bytes or an int, not {type(data).__name__}")
    if len(data) != 16:
        raise ValueError(f"encode_v128 takes 16 bytes, got {len(data)}")
    return int.from_bytes(data, "little")


def decode_v128(value: int) -> bytes:
    """Decode a v128 value as 16 little-endian bytes."""
    return (value & ((1 << 128) - 1)).to_bytes(16, "little")
