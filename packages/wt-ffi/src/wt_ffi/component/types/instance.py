"""``wasmtime/component/types/instance.h``: the types of component instances.

Lookups return a ``wasmtime_component_extern_t`` (declared by ``types/component.h``, defined
here first as that header's forward declaration): it borrows from the instance type and must
be deleted before it.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_size_t

from ..._library import cfunc
from ...engine import EnginePtr, wasm_engine_t
from .val import NameOut, SizeOut

__all__ = ["wasmtime_component_instance_type_t", "InstanceTypePtr", "wasmtime_component_extern_t",
           "ComponentExternPtr"]


class wasmtime_component_extern_t(ctypes.Structure):
    """Opaque ``wasmtime_component_extern_t``: one import or export (its type and its
    ``implements`` / ``external-id`` annotations), borrowing from the type it came from."""


ComponentExternPtr = POINTER(wasmtime_component_extern_t)


class wasmtime_component_instance_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_instance_type_t``: a component instance's exports."""


InstanceTypePtr = POINTER(wasmtime_component_instance_type_t)


@cfunc(InstanceTypePtr, InstanceTypePtr)
def wasmtime_component_instance_type_clone(ty: ctypes._Pointer[wasmtime_component_instance_type_t]) -> ctypes._Pointer[wasmtime_component_instance_type_t]:
    """A new owned copy of the type."""
    ...


@cfunc(None, InstanceTypePtr)
def wasmtime_component_instance_type_delete(ty: ctypes._Pointer[wasmtime_component_instance_type_t]) -> None:
    """Free the type."""


@cfunc(c_size_t, InstanceTypePtr, EnginePtr)
def wasmtime_component_instance_type_export_count(ty: ctypes._Pointer[wasmtime_component_instance_type_t],
                                                  engine: ctypes._Pointer[wasm_engine_t]) -> int:
    """The number of exports."""
    ...


@cfunc(c_bool, InstanceTypePtr, EnginePtr, c_char_p, c_size_t, POINTER(ComponentExternPtr))
def wasmtime_component_instance_type_export_get(ty: ctypes._Pointer[wasmtime_component_instance_type_t],
                                                engine: ctypes._Pointer[wasm_engine_t], name: bytes, name_len: int,
                                                out: object) -> bool:
    """The export named ``name`` as a new extern (``..._extern_delete``); false if none."""
    ...


@cfunc(c_bool, InstanceTypePtr, EnginePtr, c_size_t, NameOut, SizeOut, POINTER(ComponentExternPtr))
def wasmtime_component_instance_type_export_nth(ty: ctypes._Pointer[wasmtime_component_instance_type_t],
                                                engine: ctypes._Pointer[wasm_engine_t], nth: int, name: object,
                                                name_len: object, out: object) -> bool:
    """The ``nth`` export: its name (borrowed from ``ty``) and a new extern; false past the end."""
    ...
