"""``wasmtime/component/types/func.h``: the types of component functions."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_size_t

from ..._library import cfunc
from .val import NameOut, SizeOut, ValTypePtr

__all__ = ["wasmtime_component_func_type_t", "FuncTypePtr"]


class wasmtime_component_func_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_func_type_t``: parameters (named) and an optional result."""


FuncTypePtr = POINTER(wasmtime_component_func_type_t)


@cfunc(FuncTypePtr, FuncTypePtr)
def wasmtime_component_func_type_clone(ty: ctypes._Pointer[wasmtime_component_func_type_t]) -> ctypes._Pointer[wasmtime_component_func_type_t]:
    """A new owned copy of the type."""
    ...


@cfunc(None, FuncTypePtr)
def wasmtime_component_func_type_delete(ty: ctypes._Pointer[wasmtime_component_func_type_t]) -> None:
    """Free the type."""


@cfunc(c_bool, FuncTypePtr)
def wasmtime_component_func_type_async(ty: ctypes._Pointer[wasmtime_component_func_type_t]) -> bool:
    """Whether the function is ``async`` (component-model async)."""
    ...


@cfunc(c_size_t, FuncTypePtr)
def wasmtime_component_func_type_param_count(ty: ctypes._Pointer[wasmtime_component_func_type_t]) -> int:
    """The number of parameters."""
    ...


@cfunc(c_bool, FuncTypePtr, c_size_t, NameOut, SizeOut, ValTypePtr)
def wasmtime_component_func_type_param_nth(ty: ctypes._Pointer[wasmtime_component_func_type_t], nth: int, name: object,
                                           name_len: object, out: object) -> bool:
    """The ``nth`` parameter: its name (borrowed from ``ty``) and owned type; false past the end."""
    ...


@cfunc(c_bool, FuncTypePtr, ValTypePtr)
def wasmtime_component_func_type_result(ty: ctypes._Pointer[wasmtime_component_func_type_t], out: object) -> bool:
    """The owned result type; false for a function with no result."""
    ...
