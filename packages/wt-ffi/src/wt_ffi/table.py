"""``wasmtime/table.h``: tables of references."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_uint64

from ._library import cfunc
from .error import ErrorPtr, wasmtime_error_t
from .extern import wasmtime_table_t
from .store import ContextPtr, wasmtime_context_t
from .types import TableTypePtr, wasm_tabletype_t
from .val import ValPtr

__all__ = ["wasmtime_table_new", "wasmtime_table_get", "wasmtime_table_set", "wasmtime_table_grow"]

TablePtr = POINTER(wasmtime_table_t)


@cfunc(ErrorPtr, ContextPtr, TableTypePtr, ValPtr, TablePtr)
def wasmtime_table_new(context: ctypes._Pointer[wasmtime_context_t], ty: ctypes._Pointer[wasm_tabletype_t],
                       init: object, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A new table in the store, filled with ``init``."""
    ...


@cfunc(TableTypePtr, ContextPtr, TablePtr)
def wasmtime_table_type(context: ctypes._Pointer[wasmtime_context_t], table: object) -> ctypes._Pointer[wasm_tabletype_t]:
    """A new owned type of the table."""
    ...


@cfunc(c_bool, ContextPtr, TablePtr, c_uint64, ValPtr)
def wasmtime_table_get(context: ctypes._Pointer[wasmtime_context_t], table: object, index: int, out: object) -> bool:
    """Read an element; false when ``index`` is out of bounds."""
    ...


@cfunc(ErrorPtr, ContextPtr, TablePtr, c_uint64, ValPtr)
def wasmtime_table_set(context: ctypes._Pointer[wasmtime_context_t], table: object, index: int, value: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Write an element; an error when out of bounds or mistyped."""
    ...


@cfunc(c_uint64, ContextPtr, TablePtr)
def wasmtime_table_size(context: ctypes._Pointer[wasmtime_context_t], table: object) -> int:
    """The table's size in elements."""
    ...


@cfunc(ErrorPtr, ContextPtr, TablePtr, c_uint64, ValPtr, POINTER(c_uint64))
def wasmtime_table_grow(context: ctypes._Pointer[wasmtime_context_t], table: object, delta: int, init: object,
                        previous: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Grow by ``delta`` elements filled with ``init``; ``previous`` receives the old size."""
    ...
