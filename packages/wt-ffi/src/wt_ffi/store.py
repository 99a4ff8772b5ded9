"""``wasmtime/store.h``: stores and their contexts, fuel, epochs, limits, WASI."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import CFUNCTYPE, POINTER, c_int64, c_uint8, c_uint64, c_void_p

from ._library import cfunc, raw_function
from .engine import EnginePtr, wasm_engine_t
from .error import ErrorPtr, wasmtime_error_t

__all__ = ["wasmtime_store_t", "wasmtime_context_t", "StorePtr", "ContextPtr", "FINALIZER",
           "EPOCH_DEADLINE_CALLBACK", "RawStores", "raw_stores"]


class wasmtime_store_t(ctypes.Structure):
    """Opaque ``wasmtime_store_t``: owns every instance, function and memory made in it."""


class wasmtime_context_t(ctypes.Structure):
    """Opaque ``wasmtime_context_t``: the borrowed view of a store used by most calls."""


StorePtr = POINTER(wasmtime_store_t)
ContextPtr = POINTER(wasmtime_context_t)
FINALIZER = CFUNCTYPE(None, c_void_p)
"""``void (*finalizer)(void*)``: wt passes NULL and keeps its data alive in Python."""


@cfunc(StorePtr, EnginePtr, c_void_p, FINALIZER)
def wasmtime_store_new(engine: ctypes._Pointer[wasm_engine_t], data: int | None, finalizer: object) -> ctypes._Pointer[wasmtime_store_t]:
    """A new store in ``engine``."""
    ...


@cfunc(ContextPtr, StorePtr)
def wasmtime_store_context(store: ctypes._Pointer[wasmtime_store_t]) -> ctypes._Pointer[wasmtime_context_t]:
    """The store's context, valid as long as the store."""
    ...


@cfunc(None, StorePtr)
def wasmtime_store_delete(store: ctypes._Pointer[wasmtime_store_t]) -> None:
    """Free a store and everything in it."""


@cfunc(None, StorePtr, c_int64, c_int64, c_int64, c_int64, c_int64)
def wasmtime_store_limiter(store: ctypes._Pointer[wasmtime_store_t], memory_size: int, table_elements: int,
                           instances: int, tables: int, memories: int) -> None:
    """Resource limits for the store; a negative value means the default."""


@cfunc(ErrorPtr, ContextPtr)
def wasmtime_context_gc(context: ctypes._Pointer[wasmtime_context_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Run a garbage collection of the store's GC references."""
    ...


@cfunc(ErrorPtr, ContextPtr, c_uint64)
def wasmtime_context_set_fuel(context: ctypes._Pointer[wasmtime_context_t], fuel: int) -> ctypes._Pointer[wasmtime_error_t]:
    """Set the fuel left in the store (fuel must be enabled)."""
    ...


@cfunc(ErrorPtr, ContextPtr, POINTER(c_uint64))
def wasmtime_context_get_fuel(context: ctypes._Pointer[wasmtime_context_t], fuel: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Read the fuel left in the store into ``fuel``."""
    ...


@cfunc(None, ContextPtr)
def wasmtime_context_set_wasi_http(context: ctypes._Pointer[wasmtime_context_t]) -> None:
    """Give the store a wasi:http context (components linked with ``add_wasi_http`` need it,
    and a WASI context too)."""


@cfunc(None, ContextPtr, c_uint64)
def wasmtime_context_set_epoch_deadline(context: ctypes._Pointer[wasmtime_context_t], ticks: int) -> None:
    """Trap once the engine's epoch passes the current one plus ``ticks``."""


# wasmtime_update_deadline_kind_t: what happens after the epoch deadline callback returns.
UPDATE_DEADLINE_CONTINUE, UPDATE_DEADLINE_YIELD = 0, 1

EPOCH_DEADLINE_CALLBACK = CFUNCTYPE(c_void_p, ContextPtr, c_void_p, POINTER(c_uint64), POINTER(c_uint8))
"""``wasmtime_error_t *(*)(wasmtime_context_t *, void *env, uint64_t *epoch_deadline_delta,
wasmtime_update_deadline_kind_t *kind)``: NULL (with ``*delta`` and ``*kind`` set) to go on
running, an owned ``wasmtime_error_t *`` to stop the wasm with that error."""


@cfunc(None, StorePtr, EPOCH_DEADLINE_CALLBACK, c_void_p, FINALIZER)
def wasmtime_store_epoch_deadline_callback(store: ctypes._Pointer[wasmtime_store_t], func: object,
                                           env: int | None, finalizer: object) -> None:
    """Call ``func(context, env, &delta, &kind)`` when the store's epoch deadline passes,
    instead of trapping with ``INTERRUPT``."""


class RawStores:
    """The C functions of a store's life on the hot path of instantiation, bound without
    ``argtypes`` (ctypes then converts no argument: ~0.4 us less each) but with their typed
    results: ``new(engine, None, finalizer)`` returns a ``StorePtr``, ``context(store)`` a
    ``ContextPtr``, ``limiter(store, *five c_int64)`` and ``delete(store)`` nothing. Callers
    pass ctypes objects only (pointers, a ``FINALIZER``, ``c_int64``)."""

    __slots__ = ("new", "context", "limiter", "delete")

    def __init__(self) -> None:
        self.new: Callable[..., ctypes._Pointer[wasmtime_store_t]] = raw_function(  # type: ignore[assignment]
            "wasmtime_store_new", StorePtr)
        self.context: Callable[..., ctypes._Pointer[wasmtime_context_t]] = raw_function(  # type: ignore[assignment]
            "wasmtime_store_context", ContextPtr)
        self.limiter: Callable[..., None] = raw_function("wasmtime_store_limiter", None)  # type: ignore[assignment]
        self.delete: Callable[..., None] = raw_function("wasmtime_store_delete", None)  # type: ignore[assignment]


_raw_stores: list[RawStores] = []


def raw_stores() -> RawStores:
    """The :class:`RawStores` of the loaded library (bound on first use)."""
    if not _raw_stores:
        _raw_stores.append(RawStores())
    return _raw_stores[0]
