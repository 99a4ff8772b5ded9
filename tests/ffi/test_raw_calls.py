"""The hot paths call C through functions bound without ``argtypes`` (``raw_function``),
passing premade pointers (``pointer_arg``) and counts as plain ints: checked here against
a real C function whose ``size_t`` count must arrive whole, from 0 to past a MiB (on
aarch64 under emulation too, where libffi widens the int in its own way)."""

from __future__ import annotations

import ctypes

import pytest

from wt_ffi import pointer_arg, raw_function
from wt_ffi.vec import wasm_byte_vec_delete, wasm_byte_vec_t


@pytest.mark.parametrize("size", [0, 1, 7, 4096, (1 << 20) + 3])
def test_a_premade_pointer_and_an_int_count_reach_c_as_written(size: int) -> None:
    payload = (bytes(range(256)) * (size // 256 + 1))[:size]
    data = ctypes.create_string_buffer(payload, max(size, 1))
    out = wasm_byte_vec_t()
    new = raw_function("wasm_byte_vec_new", None)
    new(pointer_arg(out), size, pointer_arg(data))  # copies size bytes from data into out
    try:
        assert out.size == size
        assert ctypes.string_at(out.data, size) == payload
    finally:
        wasm_byte_vec_delete(ctypes.byref(out))


def test_a_pointer_arg_made_from_an_address_passes_that_address() -> None:
    data = ctypes.create_string_buffer(b"wt-ffi", 6)
    out = wasm_byte_vec_t()
    raw_function("wasm_byte_vec_new", None)(pointer_arg(out), 6, pointer_arg(ctypes.addressof(data)))
    try:
        assert ctypes.string_at(out.data, out.size) == b"wt-ffi"
    finally:
        wasm_byte_vec_delete(ctypes.byref(out))


def test_a_pointer_arg_keeps_its_target_alive() -> None:
    arg = pointer_arg(ctypes.create_string_buffer(16))  # nothing else holds the buffer
    out = wasm_byte_vec_t()
    raw_function("wasm_byte_vec_new", None)(pointer_arg(out), 16, arg)
    try:
        assert out.size == 16 and ctypes.string_at(out.data, 16) == bytes(16)
    finally:
        wasm_byte_vec_delete(ctypes.byref(out))
