"""``wasmtime/component/val.h``: component values and resources.

A ``wasmtime_component_val_t`` (32 bytes) is a ``VAL_*`` kind and a 24-byte payload. Its heap
parts (strings, names, vectors, the boxes behind ``option``, ``variant`` and ``result``
payloads, resource handles) are allocated by wasmtime and freed by
``wasmtime_component_val_delete``: build them with ``wasm_byte_vec_new``,
``wasmtime_component_*_new*`` and ``wasmtime_component_val_new``, never from Python memory.
A resource value holds an owned ``wasmtime_component_resource_any_t`` box; deleting the value
frees the box but does not drop the resource (``wasmtime_component_resource_any_drop`` does).
The kinds of a value are NOT numbered like the kinds of a value type (``types.val``).
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_double, c_float, c_int8, c_int16, c_int32, c_int64, c_size_t
from ctypes import c_uint8, c_uint16, c_uint32, c_uint64

from .._library import cfunc, declare_vec
from ..error import ErrorPtr, wasmtime_error_t
from ..store import ContextPtr, wasmtime_context_t
from ..vec import wasm_byte_vec_t, wasm_name_t
from .types.resource import ResourceTypePtr, wasmtime_component_resource_type_t

__all__ = ["wasmtime_component_val_t", "ValPtr", "wasmtime_component_valrecord_entry_t",
           "wasmtime_component_valmap_entry_t", "wasmtime_component_vallist_t", "wasmtime_component_valrecord_t",
           "wasmtime_component_valtuple_t", "wasmtime_component_valflags_t", "wasmtime_component_valmap_t",
           "wasmtime_component_valvariant_t", "wasmtime_component_valresult_t",
           "wasmtime_component_resource_any_t", "ResourceAnyPtr", "wasmtime_component_resource_host_t",
           "ResourceHostPtr", "VAL_BOOL", "VAL_S8", "VAL_U8", "VAL_S16", "VAL_U16", "VAL_S32", "VAL_U32", "VAL_S64",
           "VAL_U64", "VAL_F32", "VAL_F64", "VAL_CHAR", "VAL_STRING", "VAL_LIST", "VAL_RECORD", "VAL_TUPLE",
           "VAL_VARIANT", "VAL_ENUM", "VAL_OPTION", "VAL_RESULT", "VAL_FLAGS", "VAL_RESOURCE", "VAL_MAP",
           "VAL_FIXED_LENGTH_LIST"]

# wasmtime_component_valkind_t (23, a fixed-length list, exists in 50.0.1's Rust enum but not
# in its header)
(VAL_BOOL, VAL_S8, VAL_U8, VAL_S16, VAL_U16, VAL_S32, VAL_U32, VAL_S64, VAL_U64, VAL_F32, VAL_F64, VAL_CHAR,
 VAL_STRING, VAL_LIST, VAL_RECORD, VAL_TUPLE, VAL_VARIANT, VAL_ENUM, VAL_OPTION, VAL_RESULT, VAL_FLAGS,
 VAL_RESOURCE, VAL_MAP, VAL_FIXED_LENGTH_LIST) = range(24)


# --- resources ------------------------------------------------------------------------

class wasmtime_component_resource_any_t(ctypes.Structure):
    """Opaque ``wasmtime_component_resource_any_t``: a handle to a guest or host resource
    (own or borrow) in a store; the handle box is freed by ``..._resource_any_delete``."""


class wasmtime_component_resource_host_t(ctypes.Structure):
    """Opaque ``wasmtime_component_resource_host_t``: a host resource as (owned, rep, type number)."""


ResourceAnyPtr = POINTER(wasmtime_component_resource_any_t)
ResourceHostPtr = POINTER(wasmtime_component_resource_host_t)


@cfunc(ResourceTypePtr, ResourceAnyPtr)
def wasmtime_component_resource_any_type(res: ctypes._Pointer[wasmtime_component_resource_any_t]) -> ctypes._Pointer[wasmtime_component_resource_type_t]:
    """The resource's type (owned)."""
    ...


@cfunc(ResourceAnyPtr, ResourceAnyPtr)
def wasmtime_component_resource_any_clone(res: ctypes._Pointer[wasmtime_component_resource_any_t]) -> ctypes._Pointer[wasmtime_component_resource_any_t]:
    """A new box holding the same handle (not a new resource: drop it once only)."""
    ...


@cfunc(c_bool, ResourceAnyPtr)
def wasmtime_component_resource_any_owned(res: ctypes._Pointer[wasmtime_component_resource_any_t]) -> bool:
    """True for an ``own`` handle, false for a ``borrow``."""
    ...


@cfunc(ErrorPtr, ContextPtr, ResourceAnyPtr)
def wasmtime_component_resource_any_drop(context: ctypes._Pointer[wasmtime_context_t],
                                         res: ctypes._Pointer[wasmtime_component_resource_any_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Drop the resource in the store (runs a guest destructor); an error for a stale handle."""
    ...


@cfunc(None, ResourceAnyPtr)
def wasmtime_component_resource_any_delete(res: ctypes._Pointer[wasmtime_component_resource_any_t]) -> None:
    """Free the handle box (the resource itself stays in the store)."""


@cfunc(ResourceHostPtr, c_bool, c_uint32, c_uint32)
def wasmtime_component_resource_host_new(owned: bool, rep: int, ty: int) -> ctypes._Pointer[wasmtime_component_resource_host_t]:
    """A host resource ``rep`` of host type number ``ty`` (see ``resource_type_new_host``)."""
    ...


@cfunc(ResourceHostPtr, ResourceHostPtr)
def wasmtime_component_resource_host_clone(res: ctypes._Pointer[wasmtime_component_resource_host_t]) -> ctypes._Pointer[wasmtime_component_resource_host_t]:
    """A new box with the same (owned, rep, type)."""
    ...


@cfunc(c_uint32, ResourceHostPtr)
def wasmtime_component_resource_host_rep(res: ctypes._Pointer[wasmtime_component_resource_host_t]) -> int:
    """The host's 32-bit representation of the resource."""
    ...


@cfunc(c_uint32, ResourceHostPtr)
def wasmtime_component_resource_host_type(res: ctypes._Pointer[wasmtime_component_resource_host_t]) -> int:
    """The host type number."""
    ...


@cfunc(c_bool, ResourceHostPtr)
def wasmtime_component_resource_host_owned(res: ctypes._Pointer[wasmtime_component_resource_host_t]) -> bool:
    """True for an ``own`` handle."""
    ...


@cfunc(None, ResourceHostPtr)
def wasmtime_component_resource_host_delete(res: ctypes._Pointer[wasmtime_component_resource_host_t]) -> None:
    """Free the box."""


@cfunc(ErrorPtr, ContextPtr, ResourceAnyPtr, POINTER(ResourceHostPtr))
def wasmtime_component_resource_any_to_host(context: ctypes._Pointer[wasmtime_context_t],
                                            res: ctypes._Pointer[wasmtime_component_resource_any_t], out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """The host view of a host resource handed back by the guest; an error for a guest resource."""
    ...


@cfunc(ErrorPtr, ContextPtr, ResourceHostPtr, POINTER(ResourceAnyPtr))
def wasmtime_component_resource_host_to_any(context: ctypes._Pointer[wasmtime_context_t],
                                            res: ctypes._Pointer[wasmtime_component_resource_host_t], out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A handle in the store for a host resource, to pass to the guest as a value."""
    ...


# --- values ---------------------------------------------------------------------------

class wasmtime_component_val_t(ctypes.Structure):
    """``wasmtime_component_val_t``: a ``VAL_*`` kind and its payload (``of``)."""

    kind: int
    of: wasmtime_component_valunion_t


ValPtr = POINTER(wasmtime_component_val_t)


class wasmtime_component_valrecord_entry_t(ctypes.Structure):
    """One field of a record value: an owned name and a value."""

    name: wasm_byte_vec_t
    val: wasmtime_component_val_t


class wasmtime_component_valmap_entry_t(ctypes.Structure):
    """One entry of a map value."""

    key: wasmtime_component_val_t
    value: wasmtime_component_val_t


class wasmtime_component_vallist_t(ctypes.Structure):
    """``wasmtime_component_vallist_t``: an owned vector of values."""

    _fields_ = [("size", c_size_t), ("data", ValPtr)]
    size: int
    data: ctypes._Pointer[wasmtime_component_val_t]


class wasmtime_component_valrecord_t(ctypes.Structure):
    """``wasmtime_component_valrecord_t``: an owned vector of record fields, in type order."""

    _fields_ = [("size", c_size_t), ("data", POINTER(wasmtime_component_valrecord_entry_t))]
    size: int
    data: ctypes._Pointer[wasmtime_component_valrecord_entry_t]


class wasmtime_component_valtuple_t(ctypes.Structure):
    """``wasmtime_component_valtuple_t``: an owned vector of tuple elements."""

    _fields_ = [("size", c_size_t), ("data", ValPtr)]
    size: int
    data: ctypes._Pointer[wasmtime_component_val_t]


class wasmtime_component_valflags_t(ctypes.Structure):
    """``wasmtime_component_valflags_t``: the owned names of the flags that are set."""

    _fields_ = [("size", c_size_t), ("data", POINTER(wasm_name_t))]
    size: int
    data: ctypes._Pointer[wasm_byte_vec_t]


class wasmtime_component_valmap_t(ctypes.Structure):
    """``wasmtime_component_valmap_t``: an owned vector of map entries."""

    _fields_ = [("size", c_size_t), ("data", POINTER(wasmtime_component_valmap_entry_t))]
    size: int
    data: ctypes._Pointer[wasmtime_component_valmap_entry_t]


class wasmtime_component_valvariant_t(ctypes.Structure):
    """A variant value: the case name (owned) and its boxed payload (NULL for none)."""

    _fields_ = [("discriminant", wasm_name_t), ("val", ValPtr)]
    discriminant: wasm_byte_vec_t
    val: ctypes._Pointer[wasmtime_component_val_t]


class wasmtime_component_valresult_t(ctypes.Structure):
    """A result value: which side, and its boxed payload (NULL for none)."""

    _fields_ = [("is_ok", c_bool), ("val", ValPtr)]
    is_ok: bool
    val: ctypes._Pointer[wasmtime_component_val_t]


class wasmtime_component_valunion_t(ctypes.Union):
    """Payload of a ``wasmtime_component_val_t``, by kind (24 bytes). ``option`` is a boxed
    value or NULL for ``none``; ``character`` a Unicode scalar value; ``string`` and
    ``enumeration`` UTF-8 bytes."""

    _fields_ = [("boolean", c_bool), ("s8", c_int8), ("u8", c_uint8), ("s16", c_int16), ("u16", c_uint16),
                ("s32", c_int32), ("u32", c_uint32), ("s64", c_int64), ("u64", c_uint64), ("f32", c_float),
                ("f64", c_double), ("character", c_uint32), ("string", wasm_name_t),
                ("list", wasmtime_component_vallist_t), ("record", wasmtime_component_valrecord_t),
                ("tuple", wasmtime_component_valtuple_t), ("variant", wasmtime_component_valvariant_t),
                ("enumeration", wasm_name_t), ("option", ValPtr), ("result", wasmtime_component_valresult_t),
                ("flags", wasmtime_component_valflags_t), ("map", wasmtime_component_valmap_t),
                ("resource", ResourceAnyPtr)]
    boolean: bool
    s8: int
    u8: int
    s16: int
    u16: int
    s32: int
    u32: int
    s64: int
    u64: int
    f32: float
    f64: float
    character: int
    string: wasm_byte_vec_t
    list: wasmtime_component_vallist_t
    record: wasmtime_component_valrecord_t
    tuple: wasmtime_component_valtuple_t
    variant: wasmtime_component_valvariant_t
    enumeration: wasm_byte_vec_t
    option: ctypes._Pointer[wasmtime_component_val_t]
    result: wasmtime_component_valresult_t
    flags: wasmtime_component_valflags_t
    map: wasmtime_component_valmap_t
    resource: ctypes._Pointer[wasmtime_component_resource_any_t]


wasmtime_component_val_t._fields_ = [("kind", c_uint8), ("of", wasmtime_component_valunion_t)]
wasmtime_component_valrecord_entry_t._fields_ = [("name", wasm_name_t), ("val", wasmtime_component_val_t)]
wasmtime_component_valmap_entry_t._fields_ = [("key", wasmtime_component_val_t), ("value", wasmtime_component_val_t)]


@cfunc(ValPtr, ValPtr)
def wasmtime_component_val_new(val: object) -> ctypes._Pointer[wasmtime_component_val_t]:
    """A new box holding ``val``, MOVED out of ``val`` (left as ``bool false``): the payload
    of an ``option``, ``variant`` or ``result``."""
    ...


@cfunc(None, ValPtr)
def wasmtime_component_val_free(val: ctypes._Pointer[wasmtime_component_val_t]) -> None:
    """Free a box from ``wasmtime_component_val_new`` and the value in it."""


@cfunc(None, ValPtr, ValPtr)
def wasmtime_component_val_clone(val: object, out: object) -> None:
    """Write a deep copy of ``val`` into ``out`` (whose old content is not freed)."""


@cfunc(None, ValPtr)
def wasmtime_component_val_delete(val: object) -> None:
    """Free what a value owns (the struct's own memory is the caller's)."""


# --- vectors --------------------------------------------------------------------------

(wasmtime_component_vallist_new, wasmtime_component_vallist_new_empty,
 wasmtime_component_vallist_new_uninit, wasmtime_component_vallist_copy,
 wasmtime_component_vallist_delete) = declare_vec(
    __name__, "wasmtime_component_vallist", wasmtime_component_vallist_t, wasmtime_component_val_t)

(wasmtime_component_valrecord_new, wasmtime_component_valrecord_new_empty,
 wasmtime_component_valrecord_new_uninit, wasmtime_component_valrecord_copy,
 wasmtime_component_valrecord_delete) = declare_vec(
    __name__, "wasmtime_component_valrecord", wasmtime_component_valrecord_t, wasmtime_component_valrecord_entry_t)

(wasmtime_component_valtuple_new, wasmtime_component_valtuple_new_empty,
 wasmtime_component_valtuple_new_uninit, wasmtime_component_valtuple_copy,
 wasmtime_component_valtuple_delete) = declare_vec(
    __name__, "wasmtime_component_valtuple", wasmtime_component_valtuple_t, wasmtime_component_val_t)

(wasmtime_component_valflags_new, wasmtime_component_valflags_new_empty,
 wasmtime_component_valflags_new_uninit, wasmtime_component_valflags_copy,
 wasmtime_component_valflags_delete) = declare_vec(
    __name__, "wasmtime_component_valflags", wasmtime_component_valflags_t, wasm_name_t)

(wasmtime_component_valmap_new, wasmtime_component_valmap_new_empty,
 wasmtime_component_valmap_new_uninit, wasmtime_component_valmap_copy,
 wasmtime_component_valmap_delete) = declare_vec(
    __name__, "wasmtime_component_valmap", wasmtime_component_valmap_t, wasmtime_component_valmap_entry_t)
