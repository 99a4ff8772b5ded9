"""``wasmtime/module.h``: compiling, validating and (de)serialising modules."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_size_t, c_void_p

from ._library import cfunc
from .engine import EnginePtr, wasm_engine_t
from .error import ErrorPtr, wasmtime_error_t
from .vec import wasm_byte_vec_t

__all__ = ["wasmtime_module_t", "ModulePtr"]


class wasmtime_module_t(ctypes.Structure):
    """Opaque ``wasmtime_module_t``: compiled code, shareable across stores and threads."""


ModulePtr = POINTER(wasmtime_module_t)


@cfunc(ErrorPtr, EnginePtr, c_void_p, c_size_t, POINTER(ModulePtr))
def wasmtime_module_new(engine: ctypes._Pointer[wasm_engine_t], wasm: object, length: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Compile a wasm binary."""
    ...


@cfunc(ErrorPtr, EnginePtr, c_void_p, c_size_t)
def wasmtime_module_validate(engine: ctypes._Pointer[wasm_engine_t], wasm: object, length: int) -> ctypes._Pointer[wasmtime_error_t]:
    """Validate a wasm binary without compiling it."""
    ...


@cfunc(None, ModulePtr)
def wasmtime_module_delete(module: ctypes._Pointer[wasmtime_module_t]) -> None:
    """Free a module handle."""


@cfunc(ModulePtr, ModulePtr)
def wasmtime_module_clone(module: ctypes._Pointer[wasmtime_module_t]) -> ctypes._Pointer[wasmtime_module_t]:
    """A new handle to the same compiled module."""
    ...


@cfunc(None, ModulePtr, ctypes.c_void_p)
def wasmtime_module_imports(module: ctypes._Pointer[wasmtime_module_t], out: object) -> None:
    """Write the module's import types into ``out`` (an owned vector)."""


@cfunc(None, ModulePtr, ctypes.c_void_p)
def wasmtime_module_exports(module: ctypes._Pointer[wasmtime_module_t], out: object) -> None:
    """Write the module's export types into ``out`` (an owned vector)."""


@cfunc(ErrorPtr, ModulePtr, POINTER(wasm_byte_vec_t))
def wasmtime_module_serialize(module: ctypes._Pointer[wasmtime_module_t], out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Serialise the compiled module into ``out``."""
    ...


@cfunc(ErrorPtr, EnginePtr, c_void_p, c_size_t, POINTER(ModulePtr))
def wasmtime_module_deserialize(engine: ctypes._Pointer[wasm_engine_t], data: object, length: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Load a serialised module. Unsafe for bytes wt did not write itself."""
    ...


@cfunc(ErrorPtr, EnginePtr, c_char_p, POINTER(ModulePtr))
def wasmtime_module_deserialize_file(engine: ctypes._Pointer[wasm_engine_t], path: bytes, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Load (mmap) a serialised module file. Unsafe for files wt did not write itself."""
    ...
