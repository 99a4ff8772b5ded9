"""WAT to wasm binaries for tests, through wt-ffi's own declaration of wasmtime's parser."""

from __future__ import annotations

import ctypes

from wt_ffi import vec, wat


def wat2wasm(text: str) -> bytes:
    """The binary of a WAT module (AssertionError with wasmtime's message if it is invalid)."""
    data = text.encode()
    out = vec.wasm_byte_vec_t()
    err = wat.wasmtime_wat2wasm(data, len(data), ctypes.byref(out))
    assert not err, "invalid WAT"
    return vec.take_bytes(out)
