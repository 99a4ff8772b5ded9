"""``wasmtime/instance.h``: instantiating modules and reading their exports."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import POINTER, c_bool, c_char_p, c_size_t, c_uint64, c_void_p

from ._library import cfunc, raw_function
from .error import ErrorPtr, wasmtime_error_t
from .extern import ExternPtr
from .module import ModulePtr, wasmtime_module_t
from .store import ContextPtr, wasmtime_context_t

__all__ = ["wasmtime_instance_t", "wasmtime_instance_pre_t", "InstancePrePtr", "raw_instance_new",
           "raw_instance_pre_instantiate"]


class wasmtime_instance_t(ctypes.Structure):
    """``wasmtime_instance_t``: an instance in a store."""

    _fields_ = [("store_id", c_uint64), ("__private", c_size_t)]
    store_id: int


InstancePtr = POINTER(wasmtime_instance_t)


class wasmtime_instance_pre_t(ctypes.Structure):
    """Opaque ``wasmtime_instance_pre_t``: a module with its imports resolved and type
    checked by a linker, ready to instantiate in any store of the engine."""


InstancePrePtr = POINTER(wasmtime_instance_pre_t)


@cfunc(None, InstancePrePtr)
def wasmtime_instance_pre_delete(instance_pre: ctypes._Pointer[wasmtime_instance_pre_t]) -> None:
    """Free an instance-pre."""


@cfunc(ErrorPtr, InstancePrePtr, ContextPtr, InstancePtr, POINTER(ctypes.c_void_p))
def wasmtime_instance_pre_instantiate(instance_pre: ctypes._Pointer[wasmtime_instance_pre_t],
                                      context: ctypes._Pointer[wasmtime_context_t], out: object,
                                      trap: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Instantiate in ``context``'s store (the linker's definitions must be usable there)."""
    ...


@cfunc(ModulePtr, InstancePrePtr)
def wasmtime_instance_pre_module(instance_pre: ctypes._Pointer[wasmtime_instance_pre_t]) -> ctypes._Pointer[wasmtime_module_t]:
    """A new reference to the module (free it with ``wasmtime_module_delete``)."""
    ...


@cfunc(ErrorPtr, ContextPtr, ModulePtr, ExternPtr, c_size_t, InstancePtr, POINTER(ctypes.c_void_p))
def wasmtime_instance_new(context: ctypes._Pointer[wasmtime_context_t], module: ctypes._Pointer[wasmtime_module_t],
                          imports: object, nimports: int, out: object, trap: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Instantiate ``module`` with imports given in order."""
    ...


@cfunc(c_bool, ContextPtr, InstancePtr, c_char_p, c_size_t, ExternPtr)
def wasmtime_instance_export_get(context: ctypes._Pointer[wasmtime_context_t], instance: object, name: bytes,
                                 length: int, out: object) -> bool:
    """Look up an export by name."""
    ...


@cfunc(c_bool, ContextPtr, InstancePtr, c_size_t, POINTER(c_char_p), POINTER(c_size_t), ExternPtr)
def wasmtime_instance_export_nth(context: ctypes._Pointer[wasmtime_context_t], instance: object, index: int,
                                 name: object, length: object, out: object) -> bool:
    """The ``index``-th export and its name (borrowed)."""
    ...


def raw_instance_new() -> Callable[..., int | None]:
    """``wasmtime_instance_new`` bound without ``argtypes`` (~0.7 us less a call), returning
    the error's address or None: the hot path of instantiation. Takes the context and
    module pointers, the imports array (or None), the count (an int, which libffi widens to
    the register, or a ``c_size_t``), and ``byref`` out-arguments."""
    return raw_function("wasmtime_instance_new", c_void_p)  # type: ignore[return-value]


def raw_instance_pre_instantiate() -> Callable[..., int | None]:
    """``wasmtime_instance_pre_instantiate`` bound without ``argtypes``, returning the
    error's address or None (as :func:`raw_instance_new`): takes the instance-pre and
    context pointers and ``byref`` out-arguments."""
    return raw_function("wasmtime_instance_pre_instantiate", c_void_p)  # type: ignore[return-value]
