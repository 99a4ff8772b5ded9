"""``wasmtime/component/linker.h``: resolving a component's imports and instantiating it.

A linker instance (``..._linker_root``, ``..._linker_instance_add_instance``) holds its parent
exclusively: nothing may use the parent (linker or instance) until the child is deleted.
Host functions are called with wasmtime-owned argument values (borrowed for the call) and
result slots holding ``bool false``, to be overwritten with values built by wasmtime's
allocators (``component.val``); wasmtime takes and frees them. A callback returns NULL, or a
``wasmtime_error_t`` that wasmtime takes and raises in the guest as a trap.
``wasmtime_component_linker_add_wasip2`` reads the store's WASI context at run time: set one
with ``wasmtime_context_set_wasi`` (the same ``wasi_config_t`` as preview 1) before calling
anything that imports WASI. The ``*_async`` entry points (call futures, ``async.h``) are not
declared.
"""

from __future__ import annotations

import ctypes
from ctypes import CFUNCTYPE, POINTER, c_char_p, c_size_t, c_uint32, c_void_p

from .._library import cfunc
from ..engine import EnginePtr, wasm_engine_t
from ..error import ErrorPtr, wasmtime_error_t
from ..module import ModulePtr, wasmtime_module_t
from ..store import ContextPtr, FINALIZER, wasmtime_context_t
from .component import ComponentPtr, wasmtime_component_t
from .instance import wasmtime_component_instance_t
from .types.resource import ResourceTypePtr, wasmtime_component_resource_type_t

__all__ = ["wasmtime_component_linker_t", "LinkerPtr", "wasmtime_component_linker_instance_t",
           "LinkerInstancePtr", "FUNC_CALLBACK", "RESOURCE_DESTRUCTOR"]


class wasmtime_component_linker_t(ctypes.Structure):
    """Opaque ``wasmtime_component_linker_t``: named host definitions for components."""


class wasmtime_component_linker_instance_t(ctypes.Structure):
    """Opaque ``wasmtime_component_linker_instance_t``: one (nested) instance being defined."""


LinkerPtr = POINTER(wasmtime_component_linker_t)
LinkerInstancePtr = POINTER(wasmtime_component_linker_instance_t)

FUNC_CALLBACK = CFUNCTYPE(c_size_t, c_void_p, c_void_p, c_void_p, c_void_p, c_size_t, c_void_p, c_size_t)
"""``wasmtime_error_t *(*)(void *data, wasmtime_context_t *context, const
wasmtime_component_func_type_t *type, wasmtime_component_val_t *args, size_t nargs,
wasmtime_component_val_t *results, size_t nresults)``, declared with every pointer as an
address and the error returned as one (0 for none)."""

RESOURCE_DESTRUCTOR = CFUNCTYPE(c_size_t, c_void_p, c_void_p, c_uint32)
"""``wasmtime_error_t *(*)(void *data, wasmtime_context_t *context, uint32_t rep)``: a host
resource's destructor, called when the guest drops its last ``own`` handle (addresses, as
for ``FUNC_CALLBACK``)."""


@cfunc(LinkerPtr, EnginePtr)
def wasmtime_component_linker_new(engine: ctypes._Pointer[wasm_engine_t]) -> ctypes._Pointer[wasmtime_component_linker_t]:
    """A new, empty component linker."""
    ...


@cfunc(None, LinkerPtr, ctypes.c_bool)
def wasmtime_component_linker_allow_shadowing(linker: ctypes._Pointer[wasmtime_component_linker_t], allow: bool) -> None:
    """Whether a later definition may replace an earlier one of the same name."""


@cfunc(LinkerInstancePtr, LinkerPtr)
def wasmtime_component_linker_root(linker: ctypes._Pointer[wasmtime_component_linker_t]) -> ctypes._Pointer[wasmtime_component_linker_instance_t]:
    """The root namespace, holding the linker exclusively until deleted."""
    ...


@cfunc(ErrorPtr, LinkerPtr, ContextPtr, ComponentPtr, POINTER(wasmtime_component_instance_t))
def wasmtime_component_linker_instantiate(linker: ctypes._Pointer[wasmtime_component_linker_t],
                                          context: ctypes._Pointer[wasmtime_context_t],
                                          component: ctypes._Pointer[wasmtime_component_t], out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Instantiate ``component`` in the store; an error names a missing or mistyped import."""
    ...


@cfunc(ErrorPtr, LinkerPtr, ComponentPtr)
def wasmtime_component_linker_define_unknown_imports_as_traps(linker: ctypes._Pointer[wasmtime_component_linker_t],
                                                              component: ctypes._Pointer[wasmtime_component_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Define every import of ``component`` the linker lacks as a function that traps."""
    ...


@cfunc(None, LinkerPtr)
def wasmtime_component_linker_delete(linker: ctypes._Pointer[wasmtime_component_linker_t]) -> None:
    """Free a linker."""


@cfunc(ErrorPtr, LinkerInstancePtr, c_char_p, c_size_t, POINTER(LinkerInstancePtr))
def wasmtime_component_linker_instance_add_instance(parent: ctypes._Pointer[wasmtime_component_linker_instance_t], name: bytes,
                                                    name_len: int, out: object) -> ctypes._Pointer[wasmtime_error_t]:
    """A nested instance ``name`` (e.g. ``"wt:test/host@0.1.0"``), holding ``parent`` exclusively
    until deleted. Defining the same name twice is an error unless shadowing is allowed."""
    ...


@cfunc(ErrorPtr, LinkerInstancePtr, c_char_p, c_size_t, ModulePtr)
def wasmtime_component_linker_instance_add_module(instance: ctypes._Pointer[wasmtime_component_linker_instance_t], name: bytes,
                                                  name_len: int, module: ctypes._Pointer[wasmtime_module_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Define a core module import."""
    ...


@cfunc(ErrorPtr, LinkerInstancePtr, c_char_p, c_size_t, FUNC_CALLBACK, c_void_p, FINALIZER)
def wasmtime_component_linker_instance_add_func(instance: ctypes._Pointer[wasmtime_component_linker_instance_t], name: bytes,
                                                name_len: int, callback: object, data: int | None,
                                                finalizer: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Define a host function ``name``; its type is checked against the import at instantiation."""
    ...


@cfunc(ErrorPtr, LinkerPtr)
def wasmtime_component_linker_add_wasip2(linker: ctypes._Pointer[wasmtime_component_linker_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Define every WASI 0.2 interface (synchronous), served from the store's WASI context."""
    ...


@cfunc(ErrorPtr, LinkerPtr)
def wasmtime_component_linker_add_wasi_http(linker: ctypes._Pointer[wasmtime_component_linker_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Define ``wasi:http/types`` and ``wasi:http/outgoing-handler`` (after WASI 0.2); they need
    ``wasmtime_context_set_wasi_http`` and a WASI context in the store."""
    ...


@cfunc(ErrorPtr, LinkerInstancePtr, c_char_p, c_size_t, ResourceTypePtr, RESOURCE_DESTRUCTOR, c_void_p, FINALIZER)
def wasmtime_component_linker_instance_add_resource(instance: ctypes._Pointer[wasmtime_component_linker_instance_t], name: bytes,
                                                    name_len: int, ty: ctypes._Pointer[wasmtime_component_resource_type_t],
                                                    destructor: object, data: int | None,
                                                    finalizer: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Define resource type ``name`` as the host type ``ty`` (borrowed), with its destructor."""
    ...


@cfunc(None, LinkerInstancePtr)
def wasmtime_component_linker_instance_delete(instance: ctypes._Pointer[wasmtime_component_linker_instance_t]) -> None:
    """Free a linker instance, releasing its parent."""
