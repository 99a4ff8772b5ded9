"""encode_*/decode_* over their whole domains and at every edge: round trips, bit patterns
(NaN payloads, signalling NaNs kept as ints), and the documented errors outside."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wt_api as wt

NOT_INTS = st.one_of(st.floats(), st.text(max_size=3), st.none(), st.binary(max_size=3), st.lists(st.none(), max_size=1))


@given(st.integers(-(2**31), 2**32 - 1))
def test_i32_round_trip(value: int) -> None:
    bits = wt.encode_i32(value)
    assert 0 <= bits < 2**32
    assert bits == value & 0xFFFFFFFF
    assert wt.decode_i32(bits) == (value if value < 2**31 else value - 2**32)
    assert wt.decode_u32(bits) == value & 0xFFFFFFFF


@given(st.integers(0, 2**32 - 1))
def test_u32_round_trip(value: int) -> None:
    assert wt.decode_u32(wt.encode_u32(value)) == value
    assert wt.encode_i32(wt.decode_i32(value)) == value


@given(st.integers(-(2**63), 2**64 - 1))
def test_i64_round_trip(value: int) -> None:
    bits = wt.encode_i64(value)
    assert bits == value & (2**64 - 1)
    assert wt.decode_i64(bits) == (value if value < 2**63 else value - 2**64)


@given(st.integers(0, 2**64 - 1))
def test_u64_round_trip(value: int) -> None:
    assert wt.encode_u64(value) == value
    assert wt.encode_i64(wt.decode_i64(value)) == value


@pytest.mark.parametrize("encode,lo,hi", [
    (wt.encode_i32, -(2**31), 2**32), (wt.encode_u32, 0, 2**32),
    (wt.encode_i64, -(2**63), 2**64), (wt.encode_u64, 0, 2**64),
    (wt.encode_v128, 0, 2**128), (wt.encode_i31, -(2**30), 2**31),
])
def test_integer_edges(encode, lo: int, hi: int) -> None:  # type: ignore[no-untyped-def]
    encode(lo)
    encode(hi - 1)
    for bad in (lo - 1, hi, hi + 1, lo - 2**70, hi + 2**70):
        with pytest.raises(ValueError, match="out of range"):
            encode(bad)


@pytest.mark.parametrize("encode", [wt.encode_i32, wt.encode_u32, wt.encode_i64, wt.encode_u64, wt.encode_i31])
@given(value=NOT_INTS)
def test_integer_encoders_refuse_other_types(encode, value: object) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError):
        encode(value)


@given(st.integers(0, 2**32 - 1))
def test_f32_bits(bits: int) -> None:
    """Every f32 bit pattern decodes; all but signalling NaNs come back bit for bit (a
    signalling NaN reads as a quiet NaN: keep the int to keep its bits)."""
    value = wt.decode_f32(bits)
    again = wt.encode_f32(value)
    if math.isnan(value):
        assert math.isnan(wt.decode_f32(again))
        if bits & 0x00400000:  # quiet: payload and sign kept
            assert again == bits
    else:
        assert again == bits


@given(st.floats(width=32))
def test_f32_values(value: float) -> None:
    bits = wt.encode_f32(value)
    assert bits == struct.unpack("<I", struct.pack("<f", value))[0]
    decoded = wt.decode_f32(bits)
    assert decoded == value or (math.isnan(value) and math.isnan(decoded))


def test_f32_refuses_what_overflows_it() -> None:
    for value in (3.5e38, -3.5e38, 1e300, float(2**128)):
        with pytest.raises(ValueError, match="f32"):
            wt.encode_f32(value)
    assert wt.encode_f32(math.inf) == 0x7F800000
    assert wt.encode_f32(-0.0) == 0x80000000


@given(st.integers(0, 2**64 - 1))
def test_f64_bits_keep_every_pattern(bits: int) -> None:
    """NaN payloads included, signalling NaNs too."""
    assert wt.encode_f64(wt.decode_f64(bits)) == bits


@given(st.floats())
def test_f64_values(value: float) -> None:
    bits = wt.encode_f64(value)
    assert bits == struct.unpack("<Q", struct.pack("<d", value))[0]
    decoded = wt.decode_f64(bits)
    assert decoded == value or (math.isnan(value) and math.isnan(decoded))


@pytest.mark.parametrize("encode", [wt.encode_f32, wt.encode_f64])
@given(value=st.one_of(st.text(max_size=3), st.none(), st.binary(max_size=3), st.lists(st.none(), max_size=1)))
def test_float_encoders_refuse_other_types(encode, value: object) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError):
        encode(value)


@given(st.binary(min_size=16, max_size=16))
def test_v128_bytes_round_trip(data: bytes) -> None:
    assert wt.decode_v128(wt.encode_v128(data)) == data
    assert wt.encode_v128(wt.encode_v128(data)) == int.from_bytes(data, "little")


@given(st.binary(max_size=40).filter(lambda b: len(b) != 16))
def test_v128_refuses_other_lengths(data: bytes) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        wt.encode_v128(data)


@given(st.integers(-(2**30), 2**31 - 1))
def test_i31_handles_carry_their_value(value: int) -> None:
    handle = wt.encode_i31(value)
    ref = wt.decode_anyref(handle)
    assert ref is not None and ref.kind == "i31"
    assert ref.i31(signed=False) == value & 0x7FFFFFFF
    assert ref.i31() == (value & 0x7FFFFFFF) - (2**31 if value & 0x40000000 else 0)
    assert wt.encode_i31(ref.i31()) == handle


@given(st.one_of(st.integers(), st.text(), st.tuples(st.integers()), st.just(object)))
def test_externref_handles_map_back(obj: object) -> None:
    handle = wt.encode_externref(obj)
    try:
        assert handle > 0
        assert wt.encode_externref(obj) == handle
        assert wt.decode_externref(handle) is obj
    finally:
        wt.release_externref(handle)
    with pytest.raises(ValueError):
        wt.decode_externref(handle)
    assert wt.encode_externref(None) == 0 and wt.decode_externref(0) is None
