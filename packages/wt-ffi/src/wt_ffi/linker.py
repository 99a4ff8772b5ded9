"""``wasmtime/linker.h``: resolving imports by module and name."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_size_t

from ._library import cfunc
from .engine import EnginePtr, wasm_engine_t
from .error import ErrorPtr, wasmtime_error_t
from .extern import ExternPtr
from .func import UNCHECKED_CALLBACK
from .instance import InstancePrePtr, InstancePtr
from .module import ModulePtr, wasmtime_module_t
from .store import ContextPtr, FINALIZER, wasmtime_context_t
from .types import FuncTypePtr, wasm_functype_t

__all__ = ["wasmtime_linker_t", "LinkerPtr"]


class wasmtime_linker_t(ctypes.Structure):
    """Opaque ``wasmtime_linker_t``."""


LinkerPtr = POINTER(wasmtime_linker_t)


@cfunc(LinkerPtr, EnginePtr)
def wasmtime_linker_new(engine: ctypes._Pointer[wasm_engine_t]) -> ctypes._Pointer[wasmtime_linker_t]:
    """A new, empty linker."""
    ...


@cfunc(None, LinkerPtr)
def wasmtime_linker_delete(linker: ctypes._Pointer[wasmtime_linker_t]) -> None:
    """Free a linker."""


@cfunc(None, LinkerPtr, c_bool)
def wasmtime_linker_allow_shadowing(linker: ctypes._Pointer[wasmtime_linker_t], allow: bool) -> None:
    """Whether a later definition may replace an earlier one of the same name."""


@cfunc(ErrorPtr, LinkerPtr, ContextPtr, c_char_p, c_size_t, c_char_p, c_size_t, ExternPtr)
def wasmtime_linker_define(linker: ctypes._Pointer[wasmtime_linker_t], context: ctypes._Pointer[wasmtime_context_t],
                           module: bytes, module_len: int, name: bytes, name_len: int, item: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Define ``module.name`` as a store item."""
    ...


@cfunc(ErrorPtr, LinkerPtr, c_char_p, c_size_t, c_char_p, c_size_t, FuncTypePtr, UNCHECKED_CALLBACK, ctypes.c_void_p, FINALIZER)
def wasmtime_linker_define_func_unchecked(linker: ctypes._Pointer[wasmtime_linker_t], module: bytes, module_len: int,
                                          name: bytes, name_len: int, ty: ctypes._Pointer[wasm_functype_t],
                                          callback: object, env: int | None, finalizer: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Define a store-independent host function called with raw slots."""
    ...


@cfunc(ErrorPtr, LinkerPtr)
def wasmtime_linker_define_wasi(linker: ctypes._Pointer[wasmtime_linker_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Define the WASI preview-1 imports (they read the store's WASI context)."""
    ...


@cfunc(ErrorPtr, LinkerPtr, ContextPtr, c_char_p, c_size_t, InstancePtr)
def wasmtime_linker_define_instance(linker: ctypes._Pointer[wasmtime_linker_t], context: ctypes._Pointer[wasmtime_context_t],
                                    name: bytes, name_len: int, instance: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Define every export of ``instance`` under the module name ``name``."""
    ...


@cfunc(ErrorPtr, LinkerPtr, ContextPtr, ModulePtr, InstancePtr, POINTER(ctypes.c_void_p))
def wasmtime_linker_instantiate(linker: ctypes._Pointer[wasmtime_linker_t], context: ctypes._Pointer[wasmtime_context_t],
                                module: ctypes._Pointer[wasmtime_module_t], out: object, trap: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Instantiate ``module`` with its imports resolved by the linker."""
    ...


@cfunc(c_bool, LinkerPtr, ContextPtr, c_char_p, c_size_t, c_char_p, c_size_t, ExternPtr)
def wasmtime_linker_get(linker: ctypes._Pointer[wasmtime_linker_t], context: ctypes._Pointer[wasmtime_context_t],
                        module: bytes, module_len: int, name: bytes, name_len: int, out: object) -> bool:
    """Look up a definition."""
    ...


@cfunc(ErrorPtr, LinkerPtr, ModulePtr, POINTER(InstancePrePtr))
def wasmtime_linker_instantiate_pre(linker: ctypes._Pointer[wasmtime_linker_t], module: ctypes._Pointer[wasmtime_module_t],
                                    out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Resolve and type-check ``module``'s imports now (no store, nothing allocated):
    an error names the first import that is missing or mistyped."""
    ...
