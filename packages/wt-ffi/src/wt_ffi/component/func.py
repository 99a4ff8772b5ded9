"""``wasmtime/component/func.h``: calling component functions.

``wasmtime_component_func_call`` borrows its arguments (the caller deletes them after) and
assigns each result slot, dropping what the slot held first: pass zeroed slots (``bool
false``) and delete each result after use. ``results_size`` must be the function's result
count (0 or 1). Since 50 the call runs ``post-return`` itself.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_size_t, c_uint32, c_uint64, c_void_p

from .._library import cfunc
from ..error import ErrorPtr, wasmtime_error_t
from ..store import ContextPtr, wasmtime_context_t
from .types.func import FuncTypePtr, wasmtime_component_func_type_t
from .val import ValPtr

__all__ = ["wasmtime_component_func_t"]


class _func_id(ctypes.Structure):
    _fields_ = [("store_id", c_uint64), ("__private1", c_uint32)]
    store_id: int


class wasmtime_component_func_t(ctypes.Structure):
    """``wasmtime_component_func_t`` (32 bytes in 50.0.1): a function in a store, no destructor."""

    _anonymous_ = ("id",)
    _fields_ = [("id", _func_id), ("__private2", c_uint32), ("__private3", c_void_p)]
    store_id: int


FuncPtr = POINTER(wasmtime_component_func_t)


@cfunc(FuncTypePtr, FuncPtr, ContextPtr)
def wasmtime_component_func_type(func: object, context: ctypes._Pointer[wasmtime_context_t]) -> ctypes._Pointer[wasmtime_component_func_type_t]:
    """The function's type (owned)."""
    ...


@cfunc(ErrorPtr, FuncPtr, ContextPtr, ValPtr, c_size_t, ValPtr, c_size_t)
def wasmtime_component_func_call(func: object, context: ctypes._Pointer[wasmtime_context_t], args: object, nargs: int,
                                 results: object, nresults: int) -> ctypes._Pointer[wasmtime_error_t]:
    """Call with values: arguments borrowed, results written into zeroed slots (owned by the
    caller). A trap comes back as an error (``wasmtime_error_t``)."""
    ...


@cfunc(ErrorPtr, FuncPtr, ContextPtr)
def wasmtime_component_func_post_return(func: object, context: ctypes._Pointer[wasmtime_context_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Deprecated: does nothing in 50 (the call runs post-return)."""
    ...
