"""``wasmtime/extern.h``: store-bound items (func, global, table, memory, tag) and externs."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_uint32, c_uint64, c_uint8, c_void_p

from ._library import cfunc
from .store import ContextPtr, wasmtime_context_t
from .externtype import ExternTypePtr, wasm_externtype_t

__all__ = ["wasmtime_func_t", "wasmtime_global_t", "wasmtime_table_t", "wasmtime_memory_t",
           "wasmtime_tag_t", "wasmtime_extern_t", "EXTERN_FUNC", "EXTERN_GLOBAL", "EXTERN_TABLE",
           "EXTERN_MEMORY", "EXTERN_SHAREDMEMORY", "EXTERN_TAG"]

# wasmtime_extern_kind_t
EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_TABLE, EXTERN_MEMORY, EXTERN_SHAREDMEMORY, EXTERN_TAG = range(6)


class wasmtime_func_t(ctypes.Structure):
    """``wasmtime_func_t``: a function in a store (``store_id`` 0 is a null funcref)."""

    _fields_ = [("store_id", c_uint64), ("__private", c_void_p)]
    store_id: int


class _store_index(ctypes.Structure):
    _fields_ = [("store_id", c_uint64), ("__private1", c_uint32)]
    store_id: int


class wasmtime_global_t(ctypes.Structure):
    """``wasmtime_global_t``: a global in a store."""

    _fields_ = [("store_id", c_uint64), ("__private1", c_uint32), ("__private2", c_uint32),
                ("__private3", c_uint32)]
    store_id: int


class wasmtime_table_t(ctypes.Structure):
    """``wasmtime_table_t``: a table in a store."""

    _fields_ = [("_anon", _store_index), ("__private2", c_uint32)]


class wasmtime_memory_t(ctypes.Structure):
    """``wasmtime_memory_t``: a linear memory in a store."""

    _fields_ = [("_anon", _store_index), ("__private2", c_uint32)]


class wasmtime_tag_t(ctypes.Structure):
    """``wasmtime_tag_t``: an exception tag in a store."""

    _fields_ = [("_anon", _store_index), ("__private2", c_uint32)]


class wasmtime_sharedmemory_t(ctypes.Structure):
    """Opaque ``wasmtime_sharedmemory_t``."""


class wasmtime_extern_union_t(ctypes.Union):
    """Payload of a ``wasmtime_extern_t``."""

    _fields_ = [("func", wasmtime_func_t), ("global_", wasmtime_global_t),
                ("table", wasmtime_table_t), ("memory", wasmtime_memory_t),
                ("sharedmemory", POINTER(wasmtime_sharedmemory_t)), ("tag", wasmtime_tag_t)]
    func: wasmtime_func_t
    global_: wasmtime_global_t
    table: wasmtime_table_t
    memory: wasmtime_memory_t
    sharedmemory: ctypes._Pointer[wasmtime_sharedmemory_t]
    tag: wasmtime_tag_t


class wasmtime_extern_t(ctypes.Structure):
    """``wasmtime_extern_t``: a tagged item (``kind`` is an ``EXTERN_*``)."""

    _fields_ = [("kind", c_uint8), ("of", wasmtime_extern_union_t)]
    kind: int
    of: wasmtime_extern_union_t


ExternPtr = POINTER(wasmtime_extern_t)


@cfunc(None, ExternPtr)
def wasmtime_extern_delete(item: object) -> None:
    """Release what an extern owns (only a shared memory owns anything)."""


@cfunc(ExternTypePtr, ContextPtr, ExternPtr)
def wasmtime_extern_type(context: ctypes._Pointer[wasmtime_context_t], item: object) -> ctypes._Pointer[wasm_externtype_t]:
    """A new owned type of the item."""
    ...


def extern_of(item: object, kind: int) -> wasmtime_extern_t:
    """Wrap a func/global/table/memory/tag struct (or a shared memory pointer) as a new
    ``wasmtime_extern_t``."""
    ext = wasmtime_extern_t()
    ext.kind = kind
    field = ("func", "global_", "table", "memory", "sharedmemory", "tag")[kind]
    setattr(ext.of, field, item)
    return ext


EXTERN_SIZE = ctypes.sizeof(wasmtime_extern_t)
