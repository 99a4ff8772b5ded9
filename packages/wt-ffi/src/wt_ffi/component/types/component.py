"""``wasmtime/component/types/component.h``: component types, items and externs.

A component type lists imports and exports as ``wasmtime_component_extern_t`` handles (owned:
``wasmtime_component_extern_delete``, but borrowing from the component type, so deleted
first). ``wasmtime_component_extern_type`` writes the item an extern names: a
``wasmtime_component_item_t`` (24 bytes), a ``COMPONENT_ITEM_*`` kind and an owned payload
freed with ``wasmtime_component_item_delete``.
"""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_size_t, c_uint8, c_void_p

from ..._library import cfunc
from ...engine import EnginePtr, wasm_engine_t
from ...types import FuncTypePtr as CoreFuncTypePtr, wasm_functype_t
from .func import FuncTypePtr, wasmtime_component_func_type_t
from .instance import ComponentExternPtr, InstanceTypePtr, wasmtime_component_extern_t, wasmtime_component_instance_type_t
from .module import ModuleTypePtr, wasmtime_module_type_t
from .resource import ResourceTypePtr, wasmtime_component_resource_type_t
from .val import NameOut, SizeOut, wasmtime_component_valtype_t

__all__ = ["wasmtime_component_type_t", "ComponentTypePtr", "wasmtime_component_item_t", "ItemPtr",
           "wasmtime_component_extern_t", "ComponentExternPtr", "COMPONENT_ITEM_COMPONENT",
           "COMPONENT_ITEM_COMPONENT_INSTANCE", "COMPONENT_ITEM_MODULE", "COMPONENT_ITEM_COMPONENT_FUNC",
           "COMPONENT_ITEM_RESOURCE", "COMPONENT_ITEM_CORE_FUNC", "COMPONENT_ITEM_TYPE"]

# wasmtime_component_item_kind_t
(COMPONENT_ITEM_COMPONENT, COMPONENT_ITEM_COMPONENT_INSTANCE, COMPONENT_ITEM_MODULE, COMPONENT_ITEM_COMPONENT_FUNC,
 COMPONENT_ITEM_RESOURCE, COMPONENT_ITEM_CORE_FUNC, COMPONENT_ITEM_TYPE) = range(7)


class wasmtime_component_type_t(ctypes.Structure):
    """Opaque ``wasmtime_component_type_t``: a component's imports and exports."""


ComponentTypePtr = POINTER(wasmtime_component_type_t)


class wasmtime_component_item_union_t(ctypes.Union):
    """Payload of a ``wasmtime_component_item_t``, by kind (each owned by the item)."""

    _fields_ = [("component", ComponentTypePtr), ("component_instance", InstanceTypePtr),
                ("module", ModuleTypePtr), ("component_func", FuncTypePtr), ("resource", ResourceTypePtr),
                ("core_func", CoreFuncTypePtr), ("type", wasmtime_component_valtype_t)]
    component: ctypes._Pointer[wasmtime_component_type_t]
    component_instance: ctypes._Pointer[wasmtime_component_instance_type_t]
    module: ctypes._Pointer[wasmtime_module_type_t]
    component_func: ctypes._Pointer[wasmtime_component_func_type_t]
    resource: ctypes._Pointer[wasmtime_component_resource_type_t]
    core_func: ctypes._Pointer[wasm_functype_t]
    type: wasmtime_component_valtype_t


class wasmtime_component_item_t(ctypes.Structure):
    """``wasmtime_component_item_t``: what an import or export is (``kind``, a ``COMPONENT_ITEM_*``)."""

    _fields_ = [("kind", c_uint8), ("of", wasmtime_component_item_union_t)]
    kind: int
    of: wasmtime_component_item_union_t


ItemPtr = POINTER(wasmtime_component_item_t)


@cfunc(ComponentTypePtr, ComponentTypePtr)
def wasmtime_component_type_clone(ty: ctypes._Pointer[wasmtime_component_type_t]) -> ctypes._Pointer[wasmtime_component_type_t]:
    """A new owned copy of the type."""
    ...


@cfunc(None, ComponentTypePtr)
def wasmtime_component_type_delete(ty: ctypes._Pointer[wasmtime_component_type_t]) -> None:
    """Free the type (after every extern taken from it)."""


@cfunc(c_size_t, ComponentTypePtr, EnginePtr)
def wasmtime_component_type_import_count(ty: ctypes._Pointer[wasmtime_component_type_t], engine: ctypes._Pointer[wasm_engine_t]) -> int:
    """The number of imports."""
    ...


@cfunc(c_bool, ComponentTypePtr, EnginePtr, c_char_p, c_size_t, POINTER(ComponentExternPtr))
def wasmtime_component_type_import_get(ty: ctypes._Pointer[wasmtime_component_type_t], engine: ctypes._Pointer[wasm_engine_t],
                                       name: bytes, name_len: int, out: object) -> bool:
    """The import named ``name`` as a new extern; false if none (or ``name`` is not UTF-8)."""
    ...


@cfunc(c_bool, ComponentTypePtr, EnginePtr, c_size_t, NameOut, SizeOut, POINTER(ComponentExternPtr))
def wasmtime_component_type_import_nth(ty: ctypes._Pointer[wasmtime_component_type_t], engine: ctypes._Pointer[wasm_engine_t],
                                       nth: int, name: object, name_len: object, out: object) -> bool:
    """The ``nth`` import: its name (borrowed from ``ty``) and a new extern; false past the end."""
    ...


@cfunc(c_size_t, ComponentTypePtr, EnginePtr)
def wasmtime_component_type_export_count(ty: ctypes._Pointer[wasmtime_component_type_t], engine: ctypes._Pointer[wasm_engine_t]) -> int:
    """The number of exports."""
    ...


@cfunc(c_bool, ComponentTypePtr, EnginePtr, c_char_p, c_size_t, POINTER(ComponentExternPtr))
def wasmtime_component_type_export_get(ty: ctypes._Pointer[wasmtime_component_type_t], engine: ctypes._Pointer[wasm_engine_t],
                                       name: bytes, name_len: int, out: object) -> bool:
    """The export named ``name`` as a new extern; false if none (or ``name`` is not UTF-8)."""
    ...


@cfunc(c_bool, ComponentTypePtr, EnginePtr, c_size_t, NameOut, SizeOut, POINTER(ComponentExternPtr))
def wasmtime_component_type_export_nth(ty: ctypes._Pointer[wasmtime_component_type_t], engine: ctypes._Pointer[wasm_engine_t],
                                       nth: int, name: object, name_len: object, out: object) -> bool:
    """The ``nth`` export: its name (borrowed from ``ty``) and a new extern; false past the end."""
    ...


@cfunc(None, ItemPtr, ItemPtr)
def wasmtime_component_item_clone(item: object, out: object) -> None:
    """Write an owned copy of ``item`` into ``out``."""


@cfunc(None, ItemPtr)
def wasmtime_component_item_delete(item: object) -> None:
    """Free what an item owns (the struct's own memory is the caller's)."""


@cfunc(ComponentExternPtr, ComponentExternPtr)
def wasmtime_component_extern_clone(ext: ctypes._Pointer[wasmtime_component_extern_t]) -> ctypes._Pointer[wasmtime_component_extern_t]:
    """A new extern for the same item (still borrowing from the original component type)."""
    ...


@cfunc(None, ComponentExternPtr, ItemPtr)
def wasmtime_component_extern_type(ext: ctypes._Pointer[wasmtime_component_extern_t], out: object) -> None:
    """Write the extern's item into ``out`` (owned: ``wasmtime_component_item_delete``)."""


@cfunc(c_void_p, ComponentExternPtr, SizeOut)
def wasmtime_component_extern_implements(ext: ctypes._Pointer[wasmtime_component_extern_t], length: object) -> int | None:
    """The address of the ``(implements "...")`` name (borrowed), or NULL when absent."""
    ...


@cfunc(c_bool, ComponentExternPtr, c_char_p, c_size_t)
def wasmtime_component_extern_is_implements(ext: ctypes._Pointer[wasmtime_component_extern_t], name: bytes, length: int) -> bool:
    """Whether the extern's ``implements`` annotation is ``name`` or a semver-compatible version."""
    ...


@cfunc(c_void_p, ComponentExternPtr, SizeOut)
def wasmtime_component_extern_external_id(ext: ctypes._Pointer[wasmtime_component_extern_t], length: object) -> int | None:
    """The address of the ``(external-id "...")`` string (borrowed), or NULL when absent."""
    ...


@cfunc(None, ComponentExternPtr)
def wasmtime_component_extern_delete(ext: ctypes._Pointer[wasmtime_component_extern_t]) -> None:
    """Free an extern."""
