"""``wasmtime/val.h`` and ``wasmtime/gc.h``: values, raw values, and GC references."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import POINTER, c_bool, c_double, c_float, c_int32, c_int64, c_uint32, c_uint64, c_uint8, c_void_p

from ._library import cfunc
from .entry import checked_later
from .extern import wasmtime_func_t
from .store import ContextPtr, FINALIZER, wasmtime_context_t

__all__ = ["wasmtime_val_t", "wasmtime_val_raw_t", "wasmtime_externref_t", "wasmtime_anyref_t",
           "wasmtime_exnref_t", "VAL_I32", "VAL_I64", "VAL_F32", "VAL_F64", "VAL_V128",
           "VAL_FUNCREF", "VAL_EXTERNREF", "VAL_ANYREF", "VAL_EXNREF"]

# wasmtime_valkind_t
VAL_I32, VAL_I64, VAL_F32, VAL_F64, VAL_V128, VAL_FUNCREF, VAL_EXTERNREF, VAL_ANYREF, VAL_EXNREF = range(9)

wasmtime_v128 = c_uint8 * 16


class _gcref(ctypes.Structure):
    _fields_ = [("store_id", c_uint64), ("__private1", c_uint32), ("__private2", c_uint32),
                ("__private3", c_void_p)]
    store_id: int


class wasmtime_externref_t(_gcref):
    """``wasmtime_externref_t``: a rooted host reference (``store_id`` 0 is null)."""


class wasmtime_anyref_t(_gcref):
    """``wasmtime_anyref_t``: a rooted reference of the ``any`` hierarchy."""


class wasmtime_exnref_t(_gcref):
    """``wasmtime_exnref_t``: a rooted exception reference."""


class wasmtime_valunion_t(ctypes.Union):
    """Payload of a ``wasmtime_val_t``."""

    _fields_ = [("i32", c_int32), ("i64", c_int64), ("f32", c_float), ("f64", c_double),
                ("anyref", wasmtime_anyref_t), ("externref", wasmtime_externref_t),
                ("exnref", wasmtime_exnref_t), ("funcref", wasmtime_func_t), ("v128", wasmtime_v128),
                ("u32", c_uint32), ("u64", c_uint64)]
    i32: int
    i64: int
    u32: int
    u64: int
    anyref: wasmtime_anyref_t
    externref: wasmtime_externref_t
    exnref: wasmtime_exnref_t
    funcref: wasmtime_func_t
    v128: ctypes.Array[c_uint8]


class wasmtime_val_t(ctypes.Structure):
    """``wasmtime_val_t``: a typed value (``kind`` is a ``VAL_*``)."""

    _fields_ = [("kind", c_uint8), ("of", wasmtime_valunion_t)]
    kind: int
    of: wasmtime_valunion_t


class wasmtime_val_raw_t(ctypes.Union):
    """``wasmtime_val_raw_t``: an untyped 16-byte value slot, little-endian."""

    _fields_ = [("i32", c_int32), ("i64", c_int64), ("u64", c_uint64), ("v128", wasmtime_v128),
                ("ref", c_uint32), ("funcref", c_void_p)]


assert ctypes.sizeof(wasmtime_val_raw_t) == 16
VAL_RAW_SIZE = 16
ValPtr = POINTER(wasmtime_val_t)
ExternRefPtr = POINTER(wasmtime_externref_t)
AnyRefPtr = POINTER(wasmtime_anyref_t)


@cfunc(None, ValPtr)
def wasmtime_val_unroot(val: object) -> None:
    """Unroot any GC reference ``val`` holds."""


@cfunc(c_bool, ContextPtr, c_void_p, FINALIZER, ExternRefPtr)
def wasmtime_externref_new(context: ctypes._Pointer[wasmtime_context_t], data: int, finalizer: object, out: object) -> bool:
    """A new rooted externref carrying ``data``; false if the GC heap is full."""
    ...


@cfunc(c_void_p, ContextPtr, ExternRefPtr)
def wasmtime_externref_data(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> int | None:
    """The host data of an externref (NULL for one made inside wasm)."""
    ...


@cfunc(None, ExternRefPtr)
def wasmtime_externref_unroot(ref: object) -> None:
    """Unroot an externref."""


@cfunc(None, ContextPtr, c_uint32, ExternRefPtr)
def wasmtime_externref_from_raw(context: ctypes._Pointer[wasmtime_context_t], raw: int, out: object) -> None:
    """Root the externref of a raw slot value into ``out``."""


@cfunc(c_uint32, ContextPtr, ExternRefPtr)
def wasmtime_externref_to_raw(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> int:
    """The raw slot value of an externref (valid until the next GC)."""
    ...


@cfunc(None, AnyRefPtr)
def wasmtime_anyref_unroot(ref: object) -> None:
    """Unroot an anyref."""


@cfunc(None, ContextPtr, c_uint32, AnyRefPtr)
def wasmtime_anyref_from_raw(context: ctypes._Pointer[wasmtime_context_t], raw: int, out: object) -> None:
    """Root the anyref of a raw slot value into ``out``."""


@cfunc(c_uint32, ContextPtr, AnyRefPtr)
def wasmtime_anyref_to_raw(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> int:
    """The raw slot value of an anyref."""
    ...


@cfunc(None, ContextPtr, c_uint32, AnyRefPtr)
def wasmtime_anyref_from_i31(context: ctypes._Pointer[wasmtime_context_t], value: int, out: object) -> None:
    """A new i31 anyref holding the low 31 bits of ``value``."""


@cfunc(c_bool, ContextPtr, AnyRefPtr, POINTER(c_uint32))
def wasmtime_anyref_i31_get_u(context: ctypes._Pointer[wasmtime_context_t], ref: object, out: object) -> bool:
    """True, with ``out`` zero-extended, when the anyref is an i31 (reliable, unlike ``is_i31``)."""
    ...


@cfunc(c_bool, ContextPtr, AnyRefPtr)
def wasmtime_anyref_is_struct(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> bool:
    """Whether a non-null anyref is a struct."""
    ...


@cfunc(c_bool, ContextPtr, AnyRefPtr)
def wasmtime_anyref_is_array(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> bool:
    """Whether a non-null anyref is an array."""
    ...


@cfunc(c_bool, ContextPtr, AnyRefPtr)
def wasmtime_anyref_is_eqref(context: ctypes._Pointer[wasmtime_context_t], ref: object) -> bool:
    """Whether a non-null anyref is an eqref (i31, struct or array)."""
    ...


@cfunc(None, AnyRefPtr, AnyRefPtr)
def wasmtime_anyref_clone(ref: object, out: object) -> None:
    """A new root for the same anyref."""


@cfunc(None, ExternRefPtr, ExternRefPtr)
def wasmtime_externref_clone(ref: object, out: object) -> None:
    """A new root for the same externref."""


@cfunc(None, ContextPtr, c_void_p, POINTER(wasmtime_func_t))
def wasmtime_func_from_raw(context: ctypes._Pointer[wasmtime_context_t], raw: int | None, out: object) -> None:
    """The function of a raw funcref slot value."""


@cfunc(c_void_p, ContextPtr, POINTER(wasmtime_func_t))
def wasmtime_func_to_raw(context: ctypes._Pointer[wasmtime_context_t], func: object) -> int | None:
    """The raw funcref slot value of a function."""
    ...


# --- plain-data access ----------------------------------------------------------------

_NUMERIC_FIELD = {VAL_I32: "u32", VAL_I64: "u64", VAL_F32: "u32", VAL_F64: "u64"}


def new_val(kind: int, bits: int) -> wasmtime_val_t:
    """A numeric or v128 ``wasmtime_val_t`` holding ``bits``."""
    val = wasmtime_val_t()
    val.kind = kind
    if kind == VAL_V128:
        ctypes.memmove(val.of.v128, (bits & ((1 << 128) - 1)).to_bytes(16, "little"), 16)
    else:
        setattr(val.of, _NUMERIC_FIELD[kind], bits)
    return val


def val_bits(val: wasmtime_val_t) -> int:
    """The bits of a numeric or v128 value."""
    if val.kind == VAL_V128:
        return int.from_bytes(bytes(val.of.v128), "little")
    return int(getattr(val.of, _NUMERIC_FIELD[val.kind]))


def _ignore_drop(data: int) -> None:
    return None


_on_externref_dropped: Callable[[int], None] = _ignore_drop


def _externref_dropped(data: int | None) -> None:
    try:
        _on_externref_dropped(data or 0)
    except BaseException:  # pragma: no cover - a void callback: nothing may escape to C
        pass


_externref_dropped.__code__ = checked_later(_externref_dropped.__code__)  # see wt_ffi.entry
_EXTERNREF_FINALIZER = FINALIZER(_externref_dropped)


def on_externref_dropped(handler: Callable[[int], None]) -> None:
    """Call ``handler(data)`` when wasmtime drops the host data of an externref made by
    :func:`new_externref` (its garbage collector found it unreachable, or its store was
    freed), on whichever thread that happens."""
    global _on_externref_dropped
    _on_externref_dropped = handler


def new_externref(context: ctypes._Pointer[wasmtime_context_t], data: int) -> wasmtime_externref_t:
    """A new rooted externref carrying ``data`` (a non-zero host handle; the handler of
    :func:`on_externref_dropped` hears when wasmtime drops it). Unroot it after use."""
    ref = wasmtime_externref_t()
    if not wasmtime_externref_new(context, data, _EXTERNREF_FINALIZER, ctypes.byref(ref)):
        raise MemoryError("the store's GC heap has no room for another externref")
    return ref


def externref_val(ref: wasmtime_externref_t | None) -> wasmtime_val_t:
    """A ``wasmtime_val_t`` of kind externref (None: null), borrowing ``ref``."""
    val = wasmtime_val_t()
    val.kind = VAL_EXTERNREF
    if ref is not None:
        val.of.externref = ref
    return val


def funcref_val(func: wasmtime_func_t | None) -> wasmtime_val_t:
    """A ``wasmtime_val_t`` of kind funcref (None: null)."""
    val = wasmtime_val_t()
    val.kind = VAL_FUNCREF
    if func is not None:
        val.of.funcref = func
    return val


def externref_raw_to_data(context: ctypes._Pointer[wasmtime_context_t], raw: int) -> int | None:
    """The host data behind a raw externref slot value (0 for null, None for none)."""
    if raw == 0:
        return 0
    ref = wasmtime_externref_t()
    wasmtime_externref_from_raw(context, raw, ctypes.byref(ref))
    try:
        return wasmtime_externref_data(context, ctypes.byref(ref))
    finally:
        wasmtime_externref_unroot(ctypes.byref(ref))


def funcref_raw_to_func(context: ctypes._Pointer[wasmtime_context_t], raw: int) -> wasmtime_func_t:
    """The function behind a raw funcref slot value (store_id 0 if null)."""
    func = wasmtime_func_t()
    if raw:
        wasmtime_func_from_raw(context, raw, ctypes.byref(func))
    return func


def func_to_raw(context: ctypes._Pointer[wasmtime_context_t], func: wasmtime_func_t) -> int:
    """The raw funcref slot value of a function (0 if null)."""
    if func.store_id == 0:
        return 0
    return wasmtime_func_to_raw(context, ctypes.byref(func)) or 0
