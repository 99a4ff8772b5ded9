"""``wasmtime/sharedmemory.h``: linear memories shared between threads (and stores).

A shared memory is not owned by a store: it is a reference-counted handle that an
extern of kind ``EXTERN_SHAREDMEMORY`` points to. Every handle (from
:func:`wasmtime_sharedmemory_new`, ``_clone``, or an instance's export) is freed with
:func:`wasmtime_sharedmemory_delete`.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import POINTER, c_size_t, c_uint64, c_void_p
from functools import partial

from ._library import cfunc, raw_function
from .engine import EnginePtr, wasm_engine_t
from .error import ErrorPtr, wasmtime_error_t
from .extern import wasmtime_sharedmemory_t
from .types import MemoryTypePtr, wasm_memorytype_t

__all__ = ["SharedMemoryPtr", "wasmtime_sharedmemory_new", "wasmtime_sharedmemory_delete",
           "wasmtime_sharedmemory_clone", "wasmtime_sharedmemory_data", "wasmtime_sharedmemory_data_size",
           "wasmtime_sharedmemory_size", "wasmtime_sharedmemory_grow", "wasmtime_sharedmemory_type", "size_reader"]

SharedMemoryPtr = POINTER(wasmtime_sharedmemory_t)


@cfunc(ErrorPtr, EnginePtr, MemoryTypePtr, POINTER(SharedMemoryPtr))
def wasmtime_sharedmemory_new(engine: ctypes._Pointer[wasm_engine_t], ty: ctypes._Pointer[wasm_memorytype_t],
                              out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A new shared memory of a shared memory type."""
    ...


@cfunc(None, SharedMemoryPtr)
def wasmtime_sharedmemory_delete(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> None:
    """Free one handle to a shared memory."""


@cfunc(SharedMemoryPtr, SharedMemoryPtr)
def wasmtime_sharedmemory_clone(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> ctypes._Pointer[wasmtime_sharedmemory_t]:
    """A new handle to the same shared memory."""
    ...


@cfunc(MemoryTypePtr, SharedMemoryPtr)
def wasmtime_sharedmemory_type(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> ctypes._Pointer[wasm_memorytype_t]:
    """A new owned type of the memory."""
    ...


@cfunc(c_void_p, SharedMemoryPtr)
def wasmtime_sharedmemory_data(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> int | None:
    """The base address of the memory's bytes (a shared memory never moves)."""
    ...


@cfunc(c_size_t, SharedMemoryPtr)
def wasmtime_sharedmemory_data_size(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> int:
    """The memory's size in bytes."""
    ...


@cfunc(c_uint64, SharedMemoryPtr)
def wasmtime_sharedmemory_size(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> int:
    """The memory's size in pages."""
    ...


@cfunc(ErrorPtr, SharedMemoryPtr, c_uint64, POINTER(c_uint64))
def wasmtime_sharedmemory_grow(memory: ctypes._Pointer[wasmtime_sharedmemory_t], delta: int,
                               previous: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Grow by ``delta`` pages; ``previous`` receives the old size."""
    ...


def size_reader(memory: ctypes._Pointer[wasmtime_sharedmemory_t]) -> Callable[[], int]:
    """``wasmtime_sharedmemory_data_size(memory)`` as a function of no arguments, bound
    without ``argtypes`` (the hot path of reads and writes)."""
    return partial(raw_function("wasmtime_sharedmemory_data_size", c_size_t), memory)  # type: ignore[return-value]
