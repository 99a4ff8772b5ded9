"""Numbers in raw value slots: the one table of ranges, and float bit packing.

A ``wasmtime_val_raw_t`` slot is 16 bytes, read here as two 64-bit words. Numbers
cross as bit patterns: i32 and f32 in the low 32 bits, i64 and f64 in the low 64,
v128 in both words. Every number wt accepts from Python is checked against
:data:`RANGES` first: a signed or unsigned int for i32/i64 (kept as its two's
complement), and the bit pattern for f32/f64/v128. The call path, the host-function
path, globals, tables and ``wt_api.encode_*`` all use this table.
"""

from __future__ import annotations

import struct

from .types import VALTYPE_F32, VALTYPE_F64, VALTYPE_I32, VALTYPE_I64, VALTYPE_V128

__all__ = ["RANGES", "MASKS", "range_check", "f32_bits", "bits_f32", "f64_bits", "bits_f64"]

RANGES: dict[int, tuple[int, int]] = {
    VALTYPE_I32: (-(1 << 31), 1 << 32),
    VALTYPE_I64: (-(1 << 63), 1 << 64),
    VALTYPE_F32: (0, 1 << 32),
    VALTYPE_F64: (0, 1 << 64),
    VALTYPE_V128: (0, 1 << 128),
}
"""For each numeric ``VALTYPE_*``: the accepted encoded ints, ``lo <= value < hi``."""

MASKS: dict[int, int] = {kind: (1 << (hi.bit_length() - 1)) - 1 for kind, (_, hi) in RANGES.items()}
"""For each numeric ``VALTYPE_*``: the mask that turns an accepted int into its bit pattern."""


def range_check(kind: int, name: str) -> str:
    """Python source testing that the variable ``name`` is in range for ``kind`` (for
    generated code: an int literal comparison, no call)."""
    lo, hi = RANGES[kind]
    return f"{lo:#x} <= {name} < {hi:#x}"


_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


def f32_bits(value: float) -> int:
    """The bits of the f32 nearest to ``value``. TypeError if it is not a real number,
    ValueError if it is finite but beyond the f32 range."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"an f32 is a float, not {type(value).__name__}")
    try:
        return int(_U32.unpack(_F32.pack(value))[0])
    except OverflowError:
        raise ValueError(f"{value!r} is beyond the f32 range") from None


def bits_f32(bits: int) -> float:
    """The float of f32 bits (a signalling NaN reads as a quiet one: keep the int to
    keep its bits)."""
    return float(_F32.unpack(_U32.pack(bits & 0xFFFFFFFF))[0])


def f64_bits(value: float) -> int:
    """The IEEE-754 bits of ``value`` as a double. TypeError if it is not a real number."""
    if not isinstance(value, (int, float)):
        raise TypeError(f"an f64 is a float, not {type(value).__name__}")
    try:
        return int(_U64.unpack(_F64.pack(value))[0])
    except OverflowError:  # an int beyond the double range
        raise ValueError(f"{value!r} is beyond the f64 range") from None


def bits_f64(bits: int) -> float:
    """The float of f64 bits (NaN payloads are kept)."""
    return float(_F64.unpack(_U64.pack(bits & 0xFFFFFFFFFFFFFFFF))[0])
