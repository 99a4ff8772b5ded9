"""``wasmtime/global.h``: globals (the module is ``global_`` as ``global`` is a keyword)."""

from __future__ import annotations

import ctypes
from ctypes import POINTER

from ._library import cfunc
from .error import ErrorPtr, wasmtime_error_t
from .extern import wasmtime_global_t
from .store import ContextPtr, wasmtime_context_t
from .types import GlobalTypePtr, wasm_globaltype_t
from .val import ValPtr

__all__ = ["wasmtime_global_new", "wasmtime_global_get", "wasmtime_global_set"]

GlobalPtr = POINTER(wasmtime_global_t)


@cfunc(ErrorPtr, ContextPtr, GlobalTypePtr, ValPtr, GlobalPtr)
def wasmtime_global_new(context: ctypes._Pointer[wasmtime_context_t], ty: ctypes._Pointer[wasm_globaltype_t],
                        value: object, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A new global in the store, initialised to ``value``."""
    ...


@cfunc(GlobalTypePtr, ContextPtr, GlobalPtr)
def wasmtime_global_type(context: ctypes._Pointer[wasmtime_context_t], glob: object) -> ctypes._Pointer[wasm_globaltype_t]:
    """A new owned type of the global."""
    ...


@cfunc(None, ContextPtr, GlobalPtr, ValPtr)
def wasmtime_global_get(context: ctypes._Pointer[wasmtime_context_t], glob: object, out: object) -> None:
    """Read the global into ``out`` (unroot GC references afterwards)."""


@cfunc(ErrorPtr, ContextPtr, GlobalPtr, ValPtr)
def wasmtime_global_set(context: ctypes._Pointer[wasmtime_context_t], glob: object, value: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Write the global; an error if it is immutable or the type differs."""
    ...
