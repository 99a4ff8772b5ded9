"""``wasmtime/component/component.h``: compiling, (de)serialising and inspecting components.

A ``wasmtime_component_t`` is compiled code shareable across stores and threads; an export
index names one export (a function, or an instance to look names up in) without a store.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_size_t, c_void_p

from .._library import cfunc
from ..engine import EnginePtr, wasm_engine_t
from ..error import ErrorPtr, wasmtime_error_t
from ..vec import wasm_byte_vec_t
from .types.component import ComponentTypePtr, wasmtime_component_type_t

__all__ = ["wasmtime_component_t", "ComponentPtr", "wasmtime_component_export_index_t", "ExportIndexPtr"]


class wasmtime_component_t(ctypes.Structure):
    """Opaque ``wasmtime_component_t``: a compiled component."""


class wasmtime_component_export_index_t(ctypes.Structure):
    """Opaque ``wasmtime_component_export_index_t``: a resolved export name, owned by whoever
    received it (``..._export_index_delete``)."""


ComponentPtr = POINTER(wasmtime_component_t)
ExportIndexPtr = POINTER(wasmtime_component_export_index_t)


@cfunc(ErrorPtr, EnginePtr, c_void_p, c_size_t, POINTER(ComponentPtr))
def wasmtime_component_new(engine: ctypes._Pointer[wasm_engine_t], wasm: object, length: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Compile a component binary (the engine needs the component model on)."""
    ...


@cfunc(ErrorPtr, ComponentPtr, POINTER(wasm_byte_vec_t))
def wasmtime_component_serialize(component: ctypes._Pointer[wasmtime_component_t], out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Serialise the compiled component into ``out`` (an owned byte vector)."""
    ...


@cfunc(ErrorPtr, EnginePtr, c_void_p, c_size_t, POINTER(ComponentPtr))
def wasmtime_component_deserialize(engine: ctypes._Pointer[wasm_engine_t], data: object, length: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Load a serialised component (trusted input only: it is machine code)."""
    ...


@cfunc(ErrorPtr, EnginePtr, c_char_p, POINTER(ComponentPtr))
def wasmtime_component_deserialize_file(engine: ctypes._Pointer[wasm_engine_t], path: bytes, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Load (map) a serialised component from a file (trusted input only)."""
    ...


@cfunc(ComponentPtr, ComponentPtr)
def wasmtime_component_clone(component: ctypes._Pointer[wasmtime_component_t]) -> ctypes._Pointer[wasmtime_component_t]:
    """A new handle to the same compiled component."""
    ...


@cfunc(ComponentTypePtr, ComponentPtr)
def wasmtime_component_type(component: ctypes._Pointer[wasmtime_component_t]) -> ctypes._Pointer[wasmtime_component_type_t]:
    """The component's type (owned)."""
    ...


@cfunc(None, ComponentPtr)
def wasmtime_component_delete(component: ctypes._Pointer[wasmtime_component_t]) -> None:
    """Free a component handle."""


@cfunc(ExportIndexPtr, ComponentPtr, ExportIndexPtr, c_char_p, c_size_t)
def wasmtime_component_get_export_index(component: ctypes._Pointer[wasmtime_component_t],
                                        instance: ctypes._Pointer[wasmtime_component_export_index_t] | None,
                                        name: bytes, name_len: int) -> ctypes._Pointer[wasmtime_component_export_index_t]:
    """The export ``name`` at the top level (``instance`` NULL) or inside an exported instance;
    NULL if none."""
    ...


@cfunc(ExportIndexPtr, ExportIndexPtr)
def wasmtime_component_export_index_clone(index: ctypes._Pointer[wasmtime_component_export_index_t]) -> ctypes._Pointer[wasmtime_component_export_index_t]:
    """A new owned copy of an export index."""
    ...


@cfunc(None, ExportIndexPtr)
def wasmtime_component_export_index_delete(index: ctypes._Pointer[wasmtime_component_export_index_t]) -> None:
    """Free an export index."""
