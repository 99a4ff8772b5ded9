"""``wasmtime/error.h``: errors returned by fallible C functions."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_int

from ._library import cfunc
from .vec import wasm_byte_vec_t, take_string

__all__ = ["wasmtime_error_t", "error_message", "error_exit_status"]


class wasmtime_error_t(ctypes.Structure):
    """Opaque ``wasmtime_error_t``, owned by whoever received it."""


ErrorPtr = POINTER(wasmtime_error_t)


@cfunc(ErrorPtr, c_char_p)
def wasmtime_error_new(message: bytes) -> ctypes._Pointer[wasmtime_error_t]:
    """A new error carrying ``message``."""
    ...


@cfunc(None, ErrorPtr)
def wasmtime_error_delete(error: ctypes._Pointer[wasmtime_error_t]) -> None:
    """Free an error."""


@cfunc(None, ErrorPtr, POINTER(wasm_byte_vec_t))
def wasmtime_error_message(error: ctypes._Pointer[wasmtime_error_t], out: object) -> None:
    """Write the error's message into ``out`` (an owned byte vector)."""


@cfunc(ctypes.c_bool, ErrorPtr, POINTER(c_int))
def wasmtime_error_exit_status(error: ctypes._Pointer[wasmtime_error_t], status: object) -> bool:
    """True, with ``status`` set, when the error is a WASI ``proc_exit``."""
    ...


def error_message(error: ctypes._Pointer[wasmtime_error_t]) -> str:
    """The message of ``error`` (which stays owned by the caller)."""
    vec = wasm_byte_vec_t()
    wasmtime_error_message(error, ctypes.byref(vec))
    return take_string(vec)


def error_exit_status(error: ctypes._Pointer[wasmtime_error_t]) -> int | None:
    """The WASI exit status ``error`` carries, or None."""
    status = c_int()
    if wasmtime_error_exit_status(error, ctypes.byref(status)):
        return status.value
    return None
