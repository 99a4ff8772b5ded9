"""``wasm.h`` type handles and ``wasmtime/types/val.h``: reading and making wasm types.

wasm.h's ``wasm_valtype_kind`` aborts the process on types it cannot name (v128,
typed references), so every value type is read through ``wasmtime_valtype_new``
here and handed upward as plain Python data (:class:`ValType`, :class:`FuncType`...;
:mod:`wt_ffi.externtype` reads the types of imports and exports).
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_size_t, c_uint32, c_uint64, c_uint8

from ._library import cfunc
from .engine import EnginePtr, wasm_engine_t
from .error import ErrorPtr, wasmtime_error_t
from .records import Record

__all__ = [
    "ValType", "FuncType", "GlobalType", "TableType", "MemoryType", "TagType",
    "read_valtype", "read_functype", "read_globaltype", "read_tabletype", "read_memorytype", "vec_type", "new_functype", "new_valtype",
    "new_globaltype", "new_tabletype", "new_memorytype",
]

# wasmtime_valtype_kind_t
VALTYPE_I32, VALTYPE_I64, VALTYPE_F32, VALTYPE_F64, VALTYPE_V128, VALTYPE_REF = range(6)
# wasmtime_heaptype_kind_t
(HEAP_EXTERN, HEAP_NOEXTERN, HEAP_FUNC, HEAP_CONCRETE_FUNC, HEAP_NOFUNC, HEAP_ANY, HEAP_NONE,
 HEAP_EQ, HEAP_I31, HEAP_ARRAY, HEAP_CONCRETE_ARRAY, HEAP_STRUCT, HEAP_CONCRETE_STRUCT,
 HEAP_EXN, HEAP_CONCRETE_EXN, HEAP_NOEXN) = range(16)
# wasm_valkind_t (only for making types; never read back through wasm_valtype_kind)
WASM_I32, WASM_I64, WASM_F32, WASM_F64 = 0, 1, 2, 3
WASM_EXTERNREF, WASM_FUNCREF = 128, 129


class wasm_valtype_t(ctypes.Structure):
    """Opaque ``wasm_valtype_t``."""


class wasm_functype_t(ctypes.Structure):
    """Opaque ``wasm_functype_t``."""


class wasm_globaltype_t(ctypes.Structure):
    """Opaque ``wasm_globaltype_t``."""


class wasm_tabletype_t(ctypes.Structure):
    """Opaque ``wasm_tabletype_t``."""


class wasm_memorytype_t(ctypes.Structure):
    """Opaque ``wasm_memorytype_t``."""


class wasm_tagtype_t(ctypes.Structure):
    """Opaque ``wasm_tagtype_t``."""


class wasm_limits_t(ctypes.Structure):
    """``wasm_limits_t``: 32-bit min and max (max 0xFFFFFFFF means none)."""

    _fields_ = [("min", c_uint32), ("max", c_uint32)]
    min: int
    max: int


def vec_type(name: str, elem: type[ctypes.Structure]) -> type[ctypes.Structure]:
    """The ctypes structure of a ``wasm.h`` vector of ``elem`` pointers."""
    return type(name, (ctypes.Structure,), {
        "_fields_": [("size", c_size_t), ("data", POINTER(POINTER(elem)))],
        "__doc__": f"``{name}``: an owned vector of ``{elem.__name__}`` pointers.",
    })


wasm_valtype_vec_t = vec_type("wasm_valtype_vec_t", wasm_valtype_t)

ValTypePtr = POINTER(wasm_valtype_t)
FuncTypePtr = POINTER(wasm_functype_t)
GlobalTypePtr = POINTER(wasm_globaltype_t)
TableTypePtr = POINTER(wasm_tabletype_t)
MemoryTypePtr = POINTER(wasm_memorytype_t)
TagTypePtr = POINTER(wasm_tagtype_t)


class wasmtime_heaptype_union_t(ctypes.Union):
    """Payload of a concrete heap type (a borrowed type handle)."""

    _fields_ = [("concrete", ctypes.c_void_p)]


class wasmtime_heaptype_t(ctypes.Structure):
    """``wasmtime_heaptype_t``."""

    _fields_ = [("kind", c_uint8), ("of", wasmtime_heaptype_union_t)]
    kind: int


class wasmtime_reftype_t(ctypes.Structure):
    """``wasmtime_reftype_t``."""

    _fields_ = [("nullable", c_bool), ("heaptype", wasmtime_heaptype_t)]
    nullable: bool
    heaptype: wasmtime_heaptype_t


class wasmtime_valtype_t(ctypes.Structure):
    """``wasmtime_valtype_t``: the full-breadth value type."""

    _fields_ = [("kind", c_uint8), ("reftype", wasmtime_reftype_t)]
    kind: int
    reftype: wasmtime_reftype_t


# --- declarations -----------------------------------------------------------------

@cfunc(ValTypePtr, c_uint8)
def wasm_valtype_new(kind: int) -> ctypes._Pointer[wasm_valtype_t]:
    """A new value type of a ``wasm_valkind_t`` (numbers, externref, funcref)."""
    ...


@cfunc(ValTypePtr)
def wasmtime_wasm_valtype_v128() -> ctypes._Pointer[wasm_valtype_t]:
    """A new ``v128`` value type."""
    ...


@cfunc(None, ValTypePtr)
def wasm_valtype_delete(vt: ctypes._Pointer[wasm_valtype_t]) -> None:
    """Free a value type."""


@cfunc(None, ValTypePtr, POINTER(wasmtime_valtype_t))
def wasmtime_valtype_new(vt: ctypes._Pointer[wasm_valtype_t], out: object) -> None:
    """Describe ``vt`` into ``out`` (free with ``wasmtime_valtype_delete``)."""


@cfunc(None, POINTER(wasmtime_valtype_t))
def wasmtime_valtype_delete(vt: object) -> None:
    """Free the payload of a ``wasmtime_valtype_t``."""


@cfunc(ValTypePtr, EnginePtr, POINTER(wasmtime_valtype_t))
def wasmtime_valtype_to_wasm(engine: ctypes._Pointer[wasm_engine_t], vt: object) -> ctypes._Pointer[wasm_valtype_t]:
    """A new ``wasm_valtype_t`` for a full-breadth value type."""
    ...


@cfunc(None, POINTER(wasm_valtype_vec_t), c_size_t, POINTER(ValTypePtr))
def wasm_valtype_vec_new(out: object, size: int, data: object) -> None:
    """Initialise ``out`` with ``size`` value types (takes ownership of each)."""


@cfunc(FuncTypePtr, POINTER(wasm_valtype_vec_t), POINTER(wasm_valtype_vec_t))
def wasm_functype_new(params: object, results: object) -> ctypes._Pointer[wasm_functype_t]:
    """A new function type; consumes both vectors."""
    ...


@cfunc(None, FuncTypePtr)
def wasm_functype_delete(ft: ctypes._Pointer[wasm_functype_t]) -> None:
    """Free a function type."""


@cfunc(POINTER(wasm_valtype_vec_t), FuncTypePtr)
def wasm_functype_params(ft: ctypes._Pointer[wasm_functype_t]) -> ctypes._Pointer[ctypes.Structure]:
    """The parameter types (borrowed)."""
    ...


@cfunc(POINTER(wasm_valtype_vec_t), FuncTypePtr)
def wasm_functype_results(ft: ctypes._Pointer[wasm_functype_t]) -> ctypes._Pointer[ctypes.Structure]:
    """The result types (borrowed)."""
    ...


@cfunc(GlobalTypePtr, ValTypePtr, c_uint8)
def wasm_globaltype_new(content: ctypes._Pointer[wasm_valtype_t], mutability: int) -> ctypes._Pointer[wasm_globaltype_t]:
    """A new global type; consumes ``content``. Mutability: 0 const, 1 var."""
    ...


@cfunc(None, GlobalTypePtr)
def wasm_globaltype_delete(gt: ctypes._Pointer[wasm_globaltype_t]) -> None:
    """Free a global type."""


@cfunc(ValTypePtr, GlobalTypePtr)
def wasm_globaltype_content(gt: ctypes._Pointer[wasm_globaltype_t]) -> ctypes._Pointer[wasm_valtype_t]:
    """The global's value type (borrowed)."""
    ...


@cfunc(c_uint8, GlobalTypePtr)
def wasm_globaltype_mutability(gt: ctypes._Pointer[wasm_globaltype_t]) -> int:
    """0 for const, 1 for var."""
    ...


@cfunc(TableTypePtr, ValTypePtr, POINTER(wasm_limits_t))
def wasm_tabletype_new(element: ctypes._Pointer[wasm_valtype_t], limits: object) -> ctypes._Pointer[wasm_tabletype_t]:
    """A new 32-bit table type; consumes ``element``."""
    ...


@cfunc(None, TableTypePtr)
def wasm_tabletype_delete(tt: ctypes._Pointer[wasm_tabletype_t]) -> None:
    """Free a table type."""


@cfunc(ValTypePtr, TableTypePtr)
def wasm_tabletype_element(tt: ctypes._Pointer[wasm_tabletype_t]) -> ctypes._Pointer[wasm_valtype_t]:
    """The table's element type (borrowed)."""
    ...


@cfunc(POINTER(wasm_limits_t), TableTypePtr)
def wasm_tabletype_limits(tt: ctypes._Pointer[wasm_tabletype_t]) -> ctypes._Pointer[wasm_limits_t]:
    """The table's limits (borrowed)."""
    ...


@cfunc(ErrorPtr, c_uint64, c_bool, c_uint64, c_bool, c_bool, c_uint8, POINTER(MemoryTypePtr))
def wasmtime_memorytype_new(minimum: int, has_max: bool, maximum: int, is_64: bool, shared: bool,
                            page_size_log2: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A new memory type, or an error for invalid limits."""
    ...


@cfunc(None, MemoryTypePtr)
def wasm_memorytype_delete(mt: ctypes._Pointer[wasm_memorytype_t]) -> None:
    """Free a memory type."""


@cfunc(c_uint64, MemoryTypePtr)
def wasmtime_memorytype_minimum(mt: ctypes._Pointer[wasm_memorytype_t]) -> int:
    """Minimum size, in pages."""
    ...


@cfunc(c_bool, MemoryTypePtr, POINTER(c_uint64))
def wasmtime_memorytype_maximum(mt: ctypes._Pointer[wasm_memorytype_t], out: object) -> bool:
    """True, with ``out`` set, when the memory has a maximum (pages)."""
    ...


@cfunc(c_bool, MemoryTypePtr)
def wasmtime_memorytype_is64(mt: ctypes._Pointer[wasm_memorytype_t]) -> bool:
    """Whether the memory is indexed by i64."""
    ...


@cfunc(c_bool, MemoryTypePtr)
def wasmtime_memorytype_isshared(mt: ctypes._Pointer[wasm_memorytype_t]) -> bool:
    """Whether the memory is shared."""
    ...


@cfunc(c_uint8, MemoryTypePtr)
def wasmtime_memorytype_page_size_log2(mt: ctypes._Pointer[wasm_memorytype_t]) -> int:
    """log2 of the page size in bytes (16 by default)."""
    ...


@cfunc(FuncTypePtr, TagTypePtr)
def wasm_tagtype_functype(tt: ctypes._Pointer[wasm_tagtype_t]) -> ctypes._Pointer[wasm_functype_t]:
    """The tag's payload signature (borrowed)."""
    ...


# --- plain-data descriptions -------------------------------------------------------

class ValType(Record):
    """A value type as plain data: ``kind`` is a ``VALTYPE_*``; for references,
    ``nullable`` and ``heap`` (a ``HEAP_*``) complete it."""

    kind: int
    nullable: bool = True
    heap: int = -1


class FuncType(Record):
    """A function signature."""

    params: tuple[ValType, ...]
    results: tuple[ValType, ...]


class GlobalType(Record):
    """A global's content type and mutability."""

    content: ValType
    mutable: bool


class TableType(Record):
    """A table's element type and limits (in elements)."""

    element: ValType
    minimum: int
    maximum: int | None


class MemoryType(Record):
    """A memory's limits (in pages) and flags."""

    minimum: int
    maximum: int | None
    is_64: bool
    shared: bool
    page_size_log2: int


class TagType(Record):
    """An exception tag's payload signature."""

    signature: FuncType




def read_valtype(vt: ctypes._Pointer[wasm_valtype_t]) -> ValType:
    """Describe a (borrowed) ``wasm_valtype_t`` without ``wasm_valtype_kind``."""
    desc = wasmtime_valtype_t()
    wasmtime_valtype_new(vt, ctypes.byref(desc))
    try:
        if desc.kind != VALTYPE_REF:
            return ValType(desc.kind)
        return ValType(VALTYPE_REF, bool(desc.reftype.nullable), desc.reftype.heaptype.kind)
    finally:
        wasmtime_valtype_delete(ctypes.byref(desc))


def _read_valtype_vec(vec: ctypes._Pointer[ctypes.Structure]) -> tuple[ValType, ...]:
    v = vec.contents
    return tuple(read_valtype(v.data[i]) for i in range(v.size))


def read_functype(ft: ctypes._Pointer[wasm_functype_t]) -> FuncType:
    """Describe a (borrowed) function type."""
    return FuncType(_read_valtype_vec(wasm_functype_params(ft)),
                    _read_valtype_vec(wasm_functype_results(ft)))


def read_globaltype(gt: ctypes._Pointer[wasm_globaltype_t]) -> GlobalType:
    """Describe a (borrowed) global type."""
    return GlobalType(read_valtype(wasm_globaltype_content(gt)), wasm_globaltype_mutability(gt) == 1)


def read_tabletype(tt: ctypes._Pointer[wasm_tabletype_t]) -> TableType:
    """Describe a (borrowed) table type."""
    limits = wasm_tabletype_limits(tt).contents
    maximum = None if limits.max == 0xFFFFFFFF else limits.max
    return TableType(read_valtype(wasm_tabletype_element(tt)), limits.min, maximum)


def read_memorytype(mt: ctypes._Pointer[wasm_memorytype_t]) -> MemoryType:
    """Describe a (borrowed) memory type."""
    maximum = c_uint64()
    has_max = wasmtime_memorytype_maximum(mt, ctypes.byref(maximum))
    return MemoryType(wasmtime_memorytype_minimum(mt), maximum.value if has_max else None,
                      bool(wasmtime_memorytype_is64(mt)), bool(wasmtime_memorytype_isshared(mt)),
                      wasmtime_memorytype_page_size_log2(mt))


# --- making types -------------------------------------------------------------------

def new_valtype(engine: ctypes._Pointer[wasm_engine_t], vt: ValType) -> ctypes._Pointer[wasm_valtype_t]:
    """A new owned ``wasm_valtype_t`` for ``vt``."""
    if vt.kind == VALTYPE_V128:
        return wasmtime_wasm_valtype_v128()
    if vt.kind != VALTYPE_REF:
        return wasm_valtype_new(vt.kind)
    if vt.nullable and vt.heap == HEAP_EXTERN:
        return wasm_valtype_new(WASM_EXTERNREF)
    if vt.nullable and vt.heap == HEAP_FUNC:
        return wasm_valtype_new(WASM_FUNCREF)
    if vt.heap in (HEAP_CONCRETE_FUNC, HEAP_CONCRETE_ARRAY, HEAP_CONCRETE_STRUCT, HEAP_CONCRETE_EXN):
        raise ValueError("concrete reference types cannot be made from the host")
    desc = wasmtime_valtype_t()
    desc.kind = VALTYPE_REF
    desc.reftype.nullable = vt.nullable
    desc.reftype.heaptype.kind = vt.heap
    return wasmtime_valtype_to_wasm(engine, ctypes.byref(desc))


def _valtype_vec(engine: ctypes._Pointer[wasm_engine_t], types: tuple[ValType, ...]) -> ctypes.Structure:
    vec = wasm_valtype_vec_t()
    items = (ValTypePtr * len(types))(*(new_valtype(engine, t) for t in types))
    wasm_valtype_vec_new(ctypes.byref(vec), len(types), items)
    return vec


def new_functype(engine: ctypes._Pointer[wasm_engine_t], ft: FuncType) -> ctypes._Pointer[wasm_functype_t]:
    """A new owned ``wasm_functype_t`` (free with ``wasm_functype_delete``)."""
    params = _valtype_vec(engine, ft.params)
    results = _valtype_vec(engine, ft.results)
    return wasm_functype_new(ctypes.byref(params), ctypes.byref(results))


def new_globaltype(engine: ctypes._Pointer[wasm_engine_t], gt: GlobalType) -> ctypes._Pointer[wasm_globaltype_t]:
    """A new owned ``wasm_globaltype_t``."""
    return wasm_globaltype_new(new_valtype(engine, gt.content), 1 if gt.mutable else 0)


def new_tabletype(engine: ctypes._Pointer[wasm_engine_t], tt: TableType) -> ctypes._Pointer[wasm_tabletype_t]:
    """A new owned 32-bit ``wasm_tabletype_t``."""
    limits = wasm_limits_t(tt.minimum, 0xFFFFFFFF if tt.maximum is None else tt.maximum)
    return wasm_tabletype_new(new_valtype(engine, tt.element), ctypes.byref(limits))


def new_memorytype(mt: MemoryType) -> tuple[ctypes._Pointer[wasm_memorytype_t] | None, ctypes._Pointer[wasmtime_error_t]]:
    """A new owned ``wasm_memorytype_t``, or (None, error) for invalid limits."""
    out = MemoryTypePtr()
    err = wasmtime_memorytype_new(mt.minimum, mt.maximum is not None, mt.maximum or 0, mt.is_64,
                                  mt.shared, mt.page_size_log2, ctypes.byref(out))
    if err:
        return None, err
    return out, err
