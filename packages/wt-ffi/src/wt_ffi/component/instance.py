"""``wasmtime/component/instance.h``: component instances and their exports."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_size_t, c_uint32, c_uint64

from .._library import cfunc
from ..store import ContextPtr, wasmtime_context_t
from .component import ExportIndexPtr, wasmtime_component_export_index_t
from .func import wasmtime_component_func_t

__all__ = ["wasmtime_component_instance_t"]


class wasmtime_component_instance_t(ctypes.Structure):
    """``wasmtime_component_instance_t`` (16 bytes): an instance in a store, no destructor."""

    _fields_ = [("store_id", c_uint64), ("__private", c_uint32)]
    store_id: int


@cfunc(ExportIndexPtr, POINTER(wasmtime_component_instance_t), ContextPtr, ExportIndexPtr, c_char_p, c_size_t)
def wasmtime_component_instance_get_export_index(instance: object, context: ctypes._Pointer[wasmtime_context_t],
                                                 parent: ctypes._Pointer[wasmtime_component_export_index_t] | None,
                                                 name: bytes, name_len: int) -> ctypes._Pointer[wasmtime_component_export_index_t]:
    """The export ``name`` of the instance (``parent`` NULL) or of one of its exported
    instances; NULL if none. Owned by the caller."""
    ...


@cfunc(c_bool, POINTER(wasmtime_component_instance_t), ContextPtr, ExportIndexPtr, POINTER(wasmtime_component_func_t))
def wasmtime_component_instance_get_func(instance: object, context: ctypes._Pointer[wasmtime_context_t],
                                         index: ctypes._Pointer[wasmtime_component_export_index_t], out: object) -> bool:
    """The function an export index names; false if it names something else."""
    ...
