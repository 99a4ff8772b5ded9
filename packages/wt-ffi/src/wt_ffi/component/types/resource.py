"""``wasmtime/component/types/resource.h``: resource types."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_uint32

from ..._library import cfunc

__all__ = ["wasmtime_component_resource_type_t", "ResourceTypePtr"]


class wasmtime_component_resource_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_resource_type_t``: a guest or host resource type, owned by
    whoever received it (``..._resource_type_delete``)."""


ResourceTypePtr = POINTER(wasmtime_component_resource_type_t)


@cfunc(ResourceTypePtr, c_uint32)
def wasmtime_component_resource_type_new_host(ty: int) -> ctypes._Pointer[wasmtime_component_resource_type_t]:
    """A new host resource type named by ``ty`` (types with different numbers are distinct)."""
    ...


@cfunc(ResourceTypePtr, ResourceTypePtr)
def wasmtime_component_resource_type_clone(ty: ctypes._Pointer[wasmtime_component_resource_type_t]) -> ctypes._Pointer[wasmtime_component_resource_type_t]:
    """A new owned copy of a resource type."""
    ...


@cfunc(c_bool, ResourceTypePtr, ResourceTypePtr)
def wasmtime_component_resource_type_equal(a: ctypes._Pointer[wasmtime_component_resource_type_t],
                                           b: ctypes._Pointer[wasmtime_component_resource_type_t]) -> bool:
    """Whether two resource types are the same type."""
    ...


@cfunc(None, ResourceTypePtr)
def wasmtime_component_resource_type_delete(ty: ctypes._Pointer[wasmtime_component_resource_type_t]) -> None:
    """Free a resource type."""
