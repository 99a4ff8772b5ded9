"""``wasm.h`` vectors: bytes and names, and the vectors of type handles."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_size_t, c_ubyte

from ._library import cfunc

__all__ = ["wasm_byte_vec_t", "wasm_name_t", "wasm_byte_vec_new", "wasm_byte_vec_delete",
           "wasm_byte_vec_new_empty", "byte_vec_bytes", "byte_vec_from", "take_view"]


class wasm_byte_vec_t(ctypes.Structure):
    """``wasm_byte_vec_t``: an owned (size, data) byte buffer."""

    _fields_ = [("size", c_size_t), ("data", POINTER(c_ubyte))]
    size: int
    data: ctypes._Pointer[c_ubyte]


wasm_name_t = wasm_byte_vec_t


@cfunc(None, POINTER(wasm_byte_vec_t))
def wasm_byte_vec_new_empty(out: ctypes._Pointer[wasm_byte_vec_t] | wasm_byte_vec_t) -> None:
    """Initialise ``out`` as an empty vector."""


@cfunc(None, POINTER(wasm_byte_vec_t), c_size_t, POINTER(c_ubyte))
def wasm_byte_vec_new(out: object, size: int, data: object) -> None:
    """Initialise ``out`` with a copy of ``size`` bytes at ``data``."""


@cfunc(None, POINTER(wasm_byte_vec_t))
def wasm_byte_vec_delete(vec: object) -> None:
    """Free the buffer that ``vec`` owns."""


def byte_vec_bytes(vec: wasm_byte_vec_t) -> bytes:
    """Copy a byte vector's contents into Python ``bytes`` (the vector stays owned)."""
    if not vec.size:
        return b""
    return ctypes.string_at(vec.data, vec.size)


def byte_vec_from(data: bytes) -> wasm_byte_vec_t:
    """A new owned byte vector holding a copy of ``data``; C takes or frees it."""
    vec = wasm_byte_vec_t()
    buf = (c_ubyte * len(data)).from_buffer_copy(data) if data else None
    wasm_byte_vec_new(ctypes.byref(vec), len(data), buf)
    return vec


def take_bytes(vec: wasm_byte_vec_t) -> bytes:
    """Copy an owned byte vector's contents into Python ``bytes`` and free it."""
    try:
        return byte_vec_bytes(vec)
    finally:
        wasm_byte_vec_delete(ctypes.byref(vec))


def take_string(vec: wasm_byte_vec_t) -> str:
    """Decode an owned byte vector as UTF-8 (invalid bytes replaced) and free it."""
    try:
        return byte_vec_bytes(vec).decode("utf-8", "replace")
    finally:
        wasm_byte_vec_delete(ctypes.byref(vec))


class _VecOwner:
    """Frees an owned byte vector when the last view of it is gone."""

    __slots__ = ("vec",)

    def __init__(self, vec: wasm_byte_vec_t) -> None:
        self.vec = vec

    def __del__(self) -> None:
        wasm_byte_vec_delete(ctypes.byref(self.vec))


def take_view(vec: wasm_byte_vec_t) -> memoryview:
    """An owned byte vector's contents as a read-only memoryview, without copying them:
    the vector is freed when the view (and every view or buffer made from it) is released."""
    if not vec.size:
        wasm_byte_vec_delete(ctypes.byref(vec))
        return memoryview(b"")
    owner = _VecOwner(vec)
    array = (c_ubyte * vec.size).from_address(ctypes.addressof(vec.data.contents))
    array._wt_owner = owner  # type: ignore[attr-defined]  # the array keeps the vector alive
    return memoryview(array).cast("B").toreadonly()
