"""``wasmtime/component/types/module.h``: the types of core modules inside components."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_size_t

from ..._library import cfunc
from ...engine import EnginePtr, wasm_engine_t
from ...externtype import wasm_exporttype_t, wasm_importtype_t

__all__ = ["wasmtime_module_type_t", "ModuleTypePtr"]


class wasmtime_module_type_t(ctypes.Structure):
    """Opaque ``wasmtime_module_type_t``: a core module's imports and exports."""


ModuleTypePtr = POINTER(wasmtime_module_type_t)


@cfunc(ModuleTypePtr, ModuleTypePtr)
def wasmtime_module_type_clone(ty: ctypes._Pointer[wasmtime_module_type_t]) -> ctypes._Pointer[wasmtime_module_type_t]:
    """A new owned copy of the type."""
    ...


@cfunc(None, ModuleTypePtr)
def wasmtime_module_type_delete(ty: ctypes._Pointer[wasmtime_module_type_t]) -> None:
    """Free the type."""


@cfunc(c_size_t, ModuleTypePtr, EnginePtr)
def wasmtime_module_type_import_count(ty: ctypes._Pointer[wasmtime_module_type_t], engine: ctypes._Pointer[wasm_engine_t]) -> int:
    """The number of imports."""
    ...


@cfunc(POINTER(wasm_importtype_t), ModuleTypePtr, EnginePtr, c_size_t)
def wasmtime_module_type_import_nth(ty: ctypes._Pointer[wasmtime_module_type_t], engine: ctypes._Pointer[wasm_engine_t],
                                    nth: int) -> ctypes._Pointer[wasm_importtype_t]:
    """A new owned import type (``wasm_importtype_delete``); NULL past the end."""
    ...


@cfunc(c_size_t, ModuleTypePtr, EnginePtr)
def wasmtime_module_type_export_count(ty: ctypes._Pointer[wasmtime_module_type_t], engine: ctypes._Pointer[wasm_engine_t]) -> int:
    """The number of exports."""
    ...


@cfunc(POINTER(wasm_exporttype_t), ModuleTypePtr, EnginePtr, c_size_t)
def wasmtime_module_type_export_nth(ty: ctypes._Pointer[wasmtime_module_type_t], engine: ctypes._Pointer[wasm_engine_t],
                                    nth: int) -> ctypes._Pointer[wasm_exporttype_t]:
    """A new owned export type (``wasm_exporttype_delete``); NULL past the end."""
    ...
