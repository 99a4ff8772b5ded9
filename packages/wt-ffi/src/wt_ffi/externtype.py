"""``wasm.h`` extern, import and export types: what a module imports and exports.

Read into the plain data of :mod:`wt_ffi.types` (an :data:`ExternType` is one of its
records), so that wt-api never holds a C type handle.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_uint8

from ._library import cfunc
from .types import (FuncType, FuncTypePtr, GlobalType, GlobalTypePtr, MemoryType, MemoryTypePtr, TableType,
                    TableTypePtr, TagType, TagTypePtr, read_functype, read_globaltype, read_memorytype,
                    read_tabletype, vec_type, wasm_functype_t, wasm_globaltype_t, wasm_memorytype_t,
                    wasm_tabletype_t, wasm_tagtype_t, wasm_tagtype_functype)
from .vec import byte_vec_bytes, wasm_byte_vec_t

__all__ = ["ExternType", "read_externtype", "read_imports", "read_exports", "wasm_externtype_t",
           "wasm_importtype_t", "wasm_exporttype_t", "wasm_importtype_vec_t", "wasm_exporttype_vec_t",
           "ExternTypePtr"]

# wasm_externkind_t
EXTERN_FUNC, EXTERN_GLOBAL, EXTERN_TABLE, EXTERN_MEMORY, EXTERN_TAG = 0, 1, 2, 3, 4


class wasm_externtype_t(ctypes.Structure):
    """Opaque ``wasm_externtype_t``."""


class wasm_importtype_t(ctypes.Structure):
    """Opaque ``wasm_importtype_t``."""


class wasm_exporttype_t(ctypes.Structure):
    """Opaque ``wasm_exporttype_t``."""


wasm_importtype_vec_t = vec_type("wasm_importtype_vec_t", wasm_importtype_t)
wasm_exporttype_vec_t = vec_type("wasm_exporttype_vec_t", wasm_exporttype_t)
ExternTypePtr = POINTER(wasm_externtype_t)

ExternType = FuncType | GlobalType | TableType | MemoryType | TagType


@cfunc(c_uint8, ExternTypePtr)
def wasm_externtype_kind(et: ctypes._Pointer[wasm_externtype_t]) -> int:
    """The extern kind (``EXTERN_*``)."""
    ...


@cfunc(None, ExternTypePtr)
def wasm_externtype_delete(et: ctypes._Pointer[wasm_externtype_t]) -> None:
    """Free an extern type."""


@cfunc(FuncTypePtr, ExternTypePtr)
def wasm_externtype_as_functype(et: ctypes._Pointer[wasm_externtype_t]) -> ctypes._Pointer[wasm_functype_t]:
    """Borrowed view as a function type, or NULL."""
    ...


@cfunc(GlobalTypePtr, ExternTypePtr)
def wasm_externtype_as_globaltype(et: ctypes._Pointer[wasm_externtype_t]) -> ctypes._Pointer[wasm_globaltype_t]:
    """Borrowed view as a global type, or NULL."""
    ...


@cfunc(TableTypePtr, ExternTypePtr)
def wasm_externtype_as_tabletype(et: ctypes._Pointer[wasm_externtype_t]) -> ctypes._Pointer[wasm_tabletype_t]:
    """Borrowed view as a table type, or NULL."""
    ...


@cfunc(MemoryTypePtr, ExternTypePtr)
def wasm_externtype_as_memorytype(et: ctypes._Pointer[wasm_externtype_t]) -> ctypes._Pointer[wasm_memorytype_t]:
    """Borrowed view as a memory type, or NULL."""
    ...


@cfunc(TagTypePtr, ExternTypePtr)
def wasm_externtype_as_tagtype(et: ctypes._Pointer[wasm_externtype_t]) -> ctypes._Pointer[wasm_tagtype_t]:
    """Borrowed view as a tag type, or NULL."""
    ...


@cfunc(None, POINTER(wasm_importtype_vec_t))
def wasm_importtype_vec_delete(vec: object) -> None:
    """Free an import-type vector."""


@cfunc(None, POINTER(wasm_exporttype_vec_t))
def wasm_exporttype_vec_delete(vec: object) -> None:
    """Free an export-type vector."""


@cfunc(POINTER(wasm_byte_vec_t), POINTER(wasm_importtype_t))
def wasm_importtype_module(it: object) -> ctypes._Pointer[wasm_byte_vec_t]:
    """The import's module name (borrowed)."""
    ...


@cfunc(POINTER(wasm_byte_vec_t), POINTER(wasm_importtype_t))
def wasm_importtype_name(it: object) -> ctypes._Pointer[wasm_byte_vec_t]:
    """The import's field name (borrowed)."""
    ...


@cfunc(ExternTypePtr, POINTER(wasm_importtype_t))
def wasm_importtype_type(it: object) -> ctypes._Pointer[wasm_externtype_t]:
    """The import's type (borrowed)."""
    ...


@cfunc(POINTER(wasm_byte_vec_t), POINTER(wasm_exporttype_t))
def wasm_exporttype_name(et: object) -> ctypes._Pointer[wasm_byte_vec_t]:
    """The export's name (borrowed)."""
    ...


@cfunc(ExternTypePtr, POINTER(wasm_exporttype_t))
def wasm_exporttype_type(et: object) -> ctypes._Pointer[wasm_externtype_t]:
    """The export's type (borrowed)."""
    ...


@cfunc(None, POINTER(wasm_importtype_t))
def wasm_importtype_delete(it: object) -> None:
    """Free an owned import type (one from ``wasmtime_module_type_import_nth``)."""


@cfunc(None, POINTER(wasm_exporttype_t))
def wasm_exporttype_delete(et: object) -> None:
    """Free an owned export type (one from ``wasmtime_module_type_export_nth``)."""



def read_externtype(et: ctypes._Pointer[wasm_externtype_t]) -> ExternType:
    """Describe a (borrowed) extern type."""
    kind = wasm_externtype_kind(et)
    if kind == EXTERN_FUNC:
        return read_functype(wasm_externtype_as_functype(et))
    if kind == EXTERN_GLOBAL:
        return read_globaltype(wasm_externtype_as_globaltype(et))
    if kind == EXTERN_TABLE:
        return read_tabletype(wasm_externtype_as_tabletype(et))
    if kind == EXTERN_MEMORY:
        return read_memorytype(wasm_externtype_as_memorytype(et))
    return TagType(read_functype(wasm_tagtype_functype(wasm_externtype_as_tagtype(et))))


def _name(ptr: ctypes._Pointer[wasm_byte_vec_t]) -> str:
    return byte_vec_bytes(ptr.contents).decode("utf-8", "replace")


def read_imports(vec: ctypes.Structure) -> list[tuple[str, str, ExternType]]:
    """(module, name, type) of each import in an owned vector, which is then freed."""
    try:
        out = []
        for i in range(vec.size):
            it = vec.data[i]
            out.append((_name(wasm_importtype_module(it)), _name(wasm_importtype_name(it)),
                        read_externtype(wasm_importtype_type(it))))
        return out
    finally:
        wasm_importtype_vec_delete(ctypes.byref(vec))


def read_exports(vec: ctypes.Structure) -> list[tuple[str, ExternType]]:
    """(name, type) of each export in an owned vector, which is then freed."""
    try:
        out = []
        for i in range(vec.size):
            et = vec.data[i]
            out.append((_name(wasm_exporttype_name(et)), read_externtype(wasm_exporttype_type(et))))
        return out
    finally:
        wasm_exporttype_vec_delete(ctypes.byref(vec))
