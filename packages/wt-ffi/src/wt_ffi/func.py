"""``wasmtime/func.h``: host functions, calls, and the caller of a host function."""

from __future__ import annotations

import ctypes
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_size_t, c_uint64, c_void_p

from ._library import cfunc
from .error import ErrorPtr, wasmtime_error_t
from .extern import ExternPtr, wasmtime_func_t
from .store import ContextPtr, FINALIZER, wasmtime_context_t
from .types import FuncTypePtr, wasm_functype_t
from .val import wasmtime_val_raw_t, wasmtime_val_t

__all__ = ["wasmtime_caller_t", "UNCHECKED_CALLBACK"]


class wasmtime_caller_t(ctypes.Structure):
    """Opaque ``wasmtime_caller_t``: the calling instance, valid during a host call."""


CallerPtr = ctypes.c_void_p  # passed as the address wasmtime gave the callback

UNCHECKED_CALLBACK = CFUNCTYPE(c_size_t, c_void_p, c_void_p, POINTER(c_uint64), c_size_t)
"""``wasm_trap_t *(*)(void *env, wasmtime_caller_t *caller, wasmtime_val_raw_t *args_and_results,
size_t len)``, declared with the trap returned as an address (0 for none) and the slots
as 64-bit words, two per 16-byte ``wasmtime_val_raw_t``."""


@cfunc(None, ContextPtr, FuncTypePtr, UNCHECKED_CALLBACK, c_void_p, FINALIZER, POINTER(wasmtime_func_t))
def wasmtime_func_new_unchecked(context: ctypes._Pointer[wasmtime_context_t], ty: ctypes._Pointer[wasm_functype_t],
                                callback: object, env: int | None, finalizer: object, out: object) -> None:
    """Define a host function in the store, called with raw value slots."""


@cfunc(FuncTypePtr, ContextPtr, POINTER(wasmtime_func_t))
def wasmtime_func_type(context: ctypes._Pointer[wasmtime_context_t], func: object) -> ctypes._Pointer[wasm_functype_t]:
    """A new owned type of the function."""
    ...


@cfunc(ErrorPtr, ContextPtr, POINTER(wasmtime_func_t), POINTER(wasmtime_val_raw_t), c_size_t, POINTER(ctypes.c_void_p))
def wasmtime_func_call_unchecked(context: ctypes._Pointer[wasmtime_context_t], func: object, slots: object,
                                 nslots: int, trap: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Call with raw slots (params in, results out); the hot path uses its own binding."""
    ...


@cfunc(ErrorPtr, ContextPtr, POINTER(wasmtime_func_t), POINTER(wasmtime_val_t), c_size_t, POINTER(wasmtime_val_t),
       c_size_t, POINTER(ctypes.c_void_p))
def wasmtime_func_call(context: ctypes._Pointer[wasmtime_context_t], func: object, args: object, nargs: int,
                       results: object, nresults: int, trap: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Call with typed values: wasmtime checks every argument against the signature,
    concrete reference types included (the unchecked call trusts its raw slots)."""
    ...


@cfunc(ContextPtr, CallerPtr)
def wasmtime_caller_context(caller: int) -> ctypes._Pointer[wasmtime_context_t]:
    """The store context of a caller (valid during the host call)."""
    ...


@cfunc(ctypes.c_bool, CallerPtr, c_char_p, c_size_t, ExternPtr)
def wasmtime_caller_export_get(caller: int, name: bytes, length: int, out: object) -> bool:
    """Look up an export of the calling instance."""
    ...
