"""Value types and the seed's value encoding: every wasm value as a Python int.

Numbers travel as their bit patterns: ``encode_i32(-1) == 0xFFFFFFFF``, floats as
IEEE-754 bits (NaN payloads kept), ``v128`` as a 128-bit int. ``externref`` values
are Python objects, encoded as handles: ``encode_externref(obj)`` gives a non-zero
int that :func:`decode_externref` maps back to the same object (0 is null).
"""

from __future__ import annotations

import abc

import enum
import struct
import threading

from wt_ffi import types as _t

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same records without the import cost of dataclasses
    from wt_ffi._records import dataclass

__all__ = [
    "ValueType", "RefType", "encode_i32", "decode_i32", "encode_u32", "decode_u32",
    "encode_i64", "decode_i64", "encode_u64", "encode_f32", "decode_f32", "encode_f64",
    "decode_f64", "encode_externref", "decode_externref", "release_externref", "encode_v128",
    "decode_v128",
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


_HEAP_NAMES = {
    _t.HEAP_EXTERN: "extern", _t.HEAP_NOEXTERN: "noextern", _t.HEAP_FUNC: "func",
    _t.HEAP_CONCRETE_FUNC: "$func", _t.HEAP_NOFUNC: "nofunc", _t.HEAP_ANY: "any",
    _t.HEAP_NONE: "none", _t.HEAP_EQ: "eq", _t.HEAP_I31: "i31", _t.HEAP_ARRAY: "array",
    _t.HEAP_CONCRETE_ARRAY: "$array", _t.HEAP_STRUCT: "struct",
    _t.HEAP_CONCRETE_STRUCT: "$struct", _t.HEAP_EXN: "exn", _t.HEAP_CONCRETE_EXN: "$exn",
    _t.HEAP_NOEXN: "noexn",
}
_TOP = {
    _t.HEAP_EXTERN: ValueType.EXTERNREF, _t.HEAP_NOEXTERN: ValueType.EXTERNREF,
    _t.HEAP_FUNC: ValueType.FUNCREF, _t.HEAP_CONCRETE_FUNC: ValueType.FUNCREF,
    _t.HEAP_NOFUNC: ValueType.FUNCREF, _t.HEAP_EXN: ValueType.EXNREF,
    _t.HEAP_CONCRETE_EXN: ValueType.EXNREF, _t.HEAP_NOEXN: ValueType.EXNREF,
}


@dataclass(frozen=True)
class RefType:
    """A reference type in full: nullability and heap type (``"extern"``, ``"func"``,
    ``"any"``, ``"eq"``, ``"i31"``, ``"struct"``, ``"array"``, ``"exn"``, the bottom
    types, or ``"$func"``/``"$struct"``/``"$array"``/``"$exn"`` for concrete types).

    Thread-safety: an immutable value; share it freely."""

    nullable: bool
    heap: str

    def __str__(self) -> str:
        return f"(ref {'null ' if self.nullable else ''}{self.heap})"

    @property
    def top(self) -> ValueType:
        """The :class:`ValueType` of this reference's hierarchy."""
        for code, name in _HEAP_NAMES.items():
            if name == self.heap:
                return _TOP.get(code, ValueType.ANYREF)
        return ValueType.ANYREF


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


def from_raw_type(vt: _t.ValType) -> ValueType | RefType:
    """The public type for a wt-ffi value type: a :class:`ValueType` for numbers, v128 and
    the nullable abstract references, else a :class:`RefType`."""
    if vt.kind != _t.VALTYPE_REF:
        return _KIND_TO_TYPE[vt.kind]
    if vt.nullable:
        for public, raw in _TYPE_TO_RAW.items():
            if raw == vt:
                return public
    return RefType(vt.nullable, _HEAP_NAMES.get(vt.heap, "?"))


def to_raw_type(t: ValueType | RefType) -> _t.ValType:
    """The wt-ffi value type for a public type."""
    if isinstance(t, ValueType):
        return _TYPE_TO_RAW[t]
    if not isinstance(t, RefType):
        raise TypeError(f"expected a ValueType or RefType, got {type(t).__name__}")
    for code, name in _HEAP_NAMES.items():
        if name == t.heap:
            return _t.ValType(_t.VALTYPE_REF, t.nullable, code)
    raise ValueError(f"unknown heap type {t.heap!r}")


def type_name(t: ValueType | RefType) -> str:
    """The WAT spelling of a type (``i32``, ``funcref``, ``(ref null any)``)."""
    return t.value if isinstance(t, ValueType) else str(t)


# --- numbers ------------------------------------------------------------------------

def _check_int(name: str, value: int, lo: int, hi: int) -> int:
    if not isinstance(value, int):
        raise TypeError(f"{name} takes an int, not {type(value).__name__}")
    if not lo <= value < hi:
        raise ValueError(f"{name}({value}) is out of range [{lo}, {hi})")
    return value


def encode_i32(value: int) -> int:
    """Encode a signed or unsigned 32-bit int: ``encode_i32(-1) == 0xFFFFFFFF``."""
    return _check_int("encode_i32", value, -(1 << 31), 1 << 32) & 0xFFFFFFFF


def decode_i32(value: int) -> int:
    """Decode an i32 as signed: ``decode_i32(0xFFFFFFFF) == -1`` (upper bits ignored)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def encode_u32(value: int) -> int:
    """Encode an unsigned 32-bit int."""
    return _check_int("encode_u32", value, 0, 1 << 32)


def decode_u32(value: int) -> int:
    """Decode an i32 as unsigned."""
    return value & 0xFFFFFFFF


def encode_i64(value: int) -> int:
    """Encode a signed or unsigned 64-bit int as its 64-bit pattern."""
    return _check_int("encode_i64", value, -(1 << 63), 1 << 64) & 0xFFFFFFFFFFFFFFFF


def decode_i64(value: int) -> int:
    """Decode an i64 as signed."""
    value &= 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value & (1 << 63) else value


def encode_u64(value: int) -> int:
    """Encode an unsigned 64-bit int."""
    return _check_int("encode_u64", value, 0, 1 << 64)


_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


def encode_f32(value: float) -> int:
    """Encode a float as the bits of the nearest f32 (raises if it overflows f32)."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"encode_f32 takes a float, not {type(value).__name__}")
    try:
        packed = _F32.pack(value)
    except OverflowError:
        raise ValueError(f"encode_f32({value}) is out of the f32 range") from None
    return int(_U32.unpack(packed)[0])


def decode_f32(value: int) -> float:
    """Decode f32 bits as a Python float (a signalling NaN reads as a quiet NaN; keep
    the int to preserve its bits)."""
    return float(_F32.unpack(_U32.pack(value & 0xFFFFFFFF))[0])


def encode_f64(value: float) -> int:
    """Encode a float as its IEEE-754 double bits."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"encode_f64 takes a float, not {type(value).__name__}")
    return int(_U64.unpack(_F64.pack(value))[0])


def decode_f64(value: int) -> float:
    """Decode f64 bits as a Python float (NaN payloads are kept)."""
    return float(_F64.unpack(_U64.pack(value & 0xFFFFFFFFFFFFFFFF))[0])


def encode_v128(data: bytes | int) -> int:
    """Encode 16 little-endian bytes (or a 128-bit int) as a v128 value."""
    if isinstance(data, int):
        return _check_int("encode_v128", data, 0, 1 << 128)
    if len(data) != 16:
        raise ValueError(f"encode_v128 takes 16 bytes, got {len(data)}")
    return int.from_bytes(data, "little")


def decode_v128(value: int) -> bytes:
    """Decode a v128 value as 16 little-endian bytes."""
    return (value & ((1 << 128) - 1)).to_bytes(16, "little")


# --- externref ------------------------------------------------------------------------

I31_TAG = 1 << 63
"""Encoded i31 references are ``I31_TAG | bits``: above every handle, no table entry."""


class WasmRef(abc.ABC):
    """Base of the reference objects wt hands out (``AnyRef``, ``ExnRef``): each has an
    encoded ``handle``."""

    __slots__ = ()

    @property
    @abc.abstractmethod
    def handle(self) -> int:
        """The encoded value of this reference."""


class _ExternRefs:
    """Objects behind externref handles: a handle is a small int (never 0, never reused)
    that maps back to its object until :func:`release_externref` drops it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_handle: dict[int, object] = {}
        self._by_id: dict[int, int] = {}
        self._wasm_refs: dict[int, int] = {}
        self._next = 1

    def handle(self, obj: object) -> int:
        with self._lock:
            h = self._by_id.get(id(obj))
            if h is not None and self._by_handle.get(h) is obj:
                return h
            h = self._next
            self._next += 1
            self._by_handle[h] = obj
            self._by_id[id(obj)] = h
            return h

    def release(self, handle: int) -> None:
        with self._lock:
            obj = self._by_handle.pop(handle, None)
            if obj is not None and self._by_id.get(id(obj)) == handle:
                del self._by_id[id(obj)]

    def get(self, handle: int) -> object:
        try:
            return self._by_handle[handle]
        except KeyError:
            raise ValueError(f"{handle} is not a live externref handle") from None

    def __contains__(self, handle: int) -> bool:
        return handle in self._by_handle

    def __len__(self) -> int:
        return len(self._by_handle)


externrefs = _ExternRefs()


def encode_externref(obj: object | None) -> int:
    """Encode a Python object as an externref handle (None is the null reference, 0).

    wt keeps the object (so wasm and later ``decode_externref`` calls can reach it) until
    :func:`release_externref`; encoding the same object again gives the same handle. A wt
    reference object (an ``AnyRef``) encodes as its own handle: as an externref, it is
    what ``extern.convert_any`` makes of it."""
    if obj is None:
        return 0
    if isinstance(obj, WasmRef):
        return obj.handle
    return externrefs.handle(obj)


def decode_externref(value: int) -> object | None:
    """The Python object behind an externref handle (0 decodes to None). An externref
    that wasm made from a GC value (``extern.convert_any``) decodes to its ``AnyRef``."""
    if value == 0:
        return None
    if isinstance(value, int) and value >> 31 == I31_TAG >> 31:
        from .refs import i31_ref

        return i31_ref(value)
    return externrefs.get(value)


def release_externref(value: int) -> None:
    """Let wt forget the object behind an externref handle (wasm must no longer use it:
    a later use of the handle raises)."""
    if value:
        externrefs.release(value)
