"""``wasmtime/memory.h``: linear memories."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import POINTER, c_size_t, c_uint64, c_void_p
from functools import partial

from ._library import cfunc, raw_function
from .error import ErrorPtr, wasmtime_error_t
from .extern import wasmtime_memory_t
from .store import ContextPtr, wasmtime_context_t
from .types import MemoryTypePtr, wasm_memorytype_t

__all__ = ["wasmtime_memory_new", "wasmtime_memory_data", "wasmtime_memory_data_size", "size_reader"]

MemoryPtr = POINTER(wasmtime_memory_t)


@cfunc(ErrorPtr, ContextPtr, MemoryTypePtr, MemoryPtr)
def wasmtime_memory_new(context: ctypes._Pointer[wasmtime_context_t], ty: ctypes._Pointer[wasm_memorytype_t], out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A new memory in the store."""
    ...


@cfunc(MemoryTypePtr, ContextPtr, MemoryPtr)
def wasmtime_memory_type(context: ctypes._Pointer[wasmtime_context_t], memory: object) -> ctypes._Pointer[wasm_memorytype_t]:
    """A new owned type of the memory."""
    ...


@cfunc(c_void_p, ContextPtr, MemoryPtr)
def wasmtime_memory_data(context: ctypes._Pointer[wasmtime_context_t], memory: object) -> int | None:
    """The base address of the memory's bytes (moves when the memory grows)."""
    ...


@cfunc(c_size_t, ContextPtr, MemoryPtr)
def wasmtime_memory_data_size(context: ctypes._Pointer[wasmtime_context_t], memory: object) -> int:
    """The memory's size in bytes."""
    ...


@cfunc(c_uint64, ContextPtr, MemoryPtr)
def wasmtime_memory_size(context: ctypes._Pointer[wasmtime_context_t], memory: object) -> int:
    """The memory's size in pages."""
    ...


@cfunc(ErrorPtr, ContextPtr, MemoryPtr, c_uint64, POINTER(c_uint64))
def wasmtime_memory_grow(context: ctypes._Pointer[wasmtime_context_t], memory: object, delta: int, previous: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Grow by ``delta`` pages; ``previous`` receives the old size."""
    ...


@cfunc(c_uint64, ContextPtr, MemoryPtr)
def wasmtime_memory_page_size(context: ctypes._Pointer[wasmtime_context_t], memory: object) -> int:
    """The memory's page size in bytes."""
    ...


def size_reader(context: ctypes._Pointer[wasmtime_context_t], memory: object) -> Callable[[], int]:
    """``wasmtime_memory_data_size(context, memory)`` as a function of no arguments: bound
    without ``argtypes``, its arguments made once (the hot path of reads and writes)."""
    return partial(raw_function("wasmtime_memory_data_size", c_size_t), context, memory)  # type: ignore[return-value]
