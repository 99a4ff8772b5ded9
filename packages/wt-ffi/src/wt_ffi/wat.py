"""``wasmtime/wat.h``: the WebAssembly text format."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_size_t

from ._library import cfunc
from .error import ErrorPtr, wasmtime_error_t
from .vec import wasm_byte_vec_t

__all__ = ["wasmtime_wat2wasm"]


@cfunc(ErrorPtr, c_char_p, c_size_t, POINTER(wasm_byte_vec_t))
def wasmtime_wat2wasm(wat: bytes, length: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Translate WAT text (any bytes; invalid UTF-8 is an error) into a wasm binary."""
    ...
