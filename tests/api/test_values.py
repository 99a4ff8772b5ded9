import math
import struct

import pytest

import wt_api as wt


def test_i32_bit_patterns() -> None:
    assert wt.encode_i32(-1) == 0xFFFFFFFF
    assert wt.decode_i32(0xFFFFFFFF) == -1
    assert wt.encode_i32(0x7FFFFFFF) == 0x7FFFFFFF
    assert wt.decode_i32(0x80000000) == -(2**31)
    assert wt.encode_i32(0xFFFFFFFF) == 0xFFFFFFFF  # unsigned input is accepted
    assert wt.decode_u32(wt.encode_i32(-2)) == 0xFFFFFFFE
    assert wt.encode_u32(7) == 7


def test_i64_bit_patterns() -> None:
    assert wt.encode_i64(-1) == 0xFFFFFFFFFFFFFFFF
    assert wt.decode_i64(0xFFFFFFFFFFFFFFFF) == -1
    assert wt.decode_i64(wt.encode_i64(-(2**63))) == -(2**63)
    assert wt.encode_u64(2**64 - 1) == 2**64 - 1


@pytest.mark.parametrize("fn,value", [
    (wt.encode_i32, 2**32), (wt.encode_i32, -(2**31) - 1), (wt.encode_u32, -1),
    (wt.encode_i64, 2**64), (wt.encode_i64, -(2**63) - 1), (wt.encode_u64, -1),
])
def test_out_of_range_raises(fn, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="out of range"):
        fn(value)


def test_wrong_type_raises() -> None:
    with pytest.raises(TypeError):
        wt.encode_i32(1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        wt.encode_f64("1.0")  # type: ignore[arg-type]


def test_floats_are_ieee_bits() -> None:
    assert wt.encode_f32(1.5) == struct.unpack("<I", struct.pack("<f", 1.5))[0]
    assert wt.decode_f32(wt.encode_f32(1.5)) == 1.5
    assert wt.encode_f64(-2.25) == struct.unpack("<Q", struct.pack("<d", -2.25))[0]
    assert wt.decode_f64(wt.encode_f64(-2.25)) == -2.25
    assert math.isinf(wt.decode_f32(wt.encode_f32(math.inf)))
    with pytest.raises(ValueError):
        wt.encode_f32(1e300)


def test_f64_nan_payload_survives_decode_encode() -> None:
    bits = 0x7FF4000000000001  # a signalling NaN with a payload
    assert wt.encode_f64(wt.decode_f64(bits)) == bits


def test_v128() -> None:
    data = bytes(range(16))
    assert wt.decode_v128(wt.encode_v128(data)) == data
    with pytest.raises(ValueError):
        wt.encode_v128(b"short")


def test_externref_handles() -> None:
    obj = object()
    h = wt.encode_externref(obj)
    assert h != 0
    assert wt.encode_externref(obj) == h
    assert wt.decode_externref(h) is obj
    assert wt.encode_externref(None) == 0
    assert wt.decode_externref(0) is None
    with pytest.raises(ValueError):
        wt.decode_externref(2**62)


def test_release_externref() -> None:
    obj = object()
    h = wt.encode_externref(obj)
    wt.release_externref(h)
    with pytest.raises(ValueError):
        wt.decode_externref(h)
    assert wt.encode_externref(obj) != h  # a new handle, never a reused one
    wt.release_externref(0)
