"""``wasmtime/exnref.h``: exception references, and a store's pending wasm exception.

A wasm exception that no handler catches leaves the call with an error *and* a
pending exception in the store: :func:`wasmtime_context_has_exception` tells it from
a trap, and :func:`wasmtime_context_take_exception` roots it (and clears it).
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_size_t, c_uint32

from ._library import cfunc
from .error import ErrorPtr, wasmtime_error_t
from .extern import wasmtime_tag_t
from .store import ContextPtr, wasmtime_context_t
from .val import ValPtr, wasmtime_exnref_t

__all__ = ["ExnRefPtr", "wasmtime_context_has_exception", "wasmtime_context_take_exception",
           "wasmtime_exnref_from_raw", "wasmtime_exnref_to_raw", "wasmtime_exnref_unroot",
           "wasmtime_exnref_field_count", "wasmtime_exnref_field", "wasmtime_exnref_tag"]

ExnRefPtr = POINTER(wasmtime_exnref_t)


@cfunc(c_bool, ContextPtr)
def wasmtime_context_has_exception(context: ctypes._Pointer[wasmtime_context_t]) -> bool:
    """Whether the store holds a pending (uncaught) wasm exception."""
    ...


@cfunc(c_bool, ContextPtr, ExnRefPtr)
def wasmtime_context_take_exception(context: ctypes._Pointer[wasmtime_context_t], out: object) -> bool:
    """Move the pending exception, rooted, into ``out``; false if there is none."""
    ...


@cfunc(None, ExnRefPtr, ExnRefPtr)
def wasmtime_exnref_clone(ref: object, out: object) -> None:
    """A new root for the same exception."""


@cfunc(None, ExnRefPtr)
def wasmtime_exnref_unroot(ref: object) -> None:
    """Unroot an exnref."""


@cfunc(None, ContextPtr, c_uint32, ExnRefPtr)
def wasmtime_exnref_from_raw(context: ctypes._Pointer[wasmtime_context_t], raw: int, out: object) -> None:
    """Root the exnref of a raw slot value into ``out``."""


@cfunc(c_uint32, ContextPtr, ExnRefPtr)
def wasmtime_exnref_to_raw(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> int:
    """The raw slot value of an exnref (valid until the next garbage collection)."""
    ...


@cfunc(ErrorPtr, ContextPtr, ExnRefPtr, POINTER(wasmtime_tag_t))
def wasmtime_exnref_tag(context: ctypes._Pointer[wasmtime_context_t], ref: object, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """The exception's tag."""
    ...


@cfunc(c_size_t, ContextPtr, ExnRefPtr)
def wasmtime_exnref_field_count(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> int:
    """How many payload values the exception carries."""
    ...


@cfunc(ErrorPtr, ContextPtr, ExnRefPtr, c_size_t, ValPtr)
def wasmtime_exnref_field(context: ctypes._Pointer[wasmtime_context_t], ref: object, index: int,
                          out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Payload value ``index`` into ``out`` (unroot any reference it holds)."""
    ...
