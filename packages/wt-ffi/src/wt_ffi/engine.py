"""``wasm.h`` engine and ``wasmtime/engine.h``."""

from __future__ import annotations

import ctypes
from ctypes import POINTER

from ._library import cfunc
from .config import ConfigPtr, wasm_config_t

__all__ = ["wasm_engine_t", "EnginePtr"]


class wasm_engine_t(ctypes.Structure):
    """Opaque ``wasm_engine_t``: compiled-code settings shared by stores and modules."""


EnginePtr = POINTER(wasm_engine_t)


@cfunc(EnginePtr, ConfigPtr)
def wasm_engine_new_with_config(config: ctypes._Pointer[wasm_config_t]) -> ctypes._Pointer[wasm_engine_t]:
    """A new engine; consumes ``config``."""
    ...


@cfunc(None, EnginePtr)
def wasm_engine_delete(engine: ctypes._Pointer[wasm_engine_t]) -> None:
    """Free an engine (modules and stores keep their own reference)."""


@cfunc(None, EnginePtr)
def wasmtime_engine_increment_epoch(engine: ctypes._Pointer[wasm_engine_t]) -> None:
    """Advance the engine's epoch (thread-safe); wakes epoch deadlines."""


@cfunc(ctypes.c_bool, EnginePtr)
def wasmtime_engine_is_pulley(engine: ctypes._Pointer[wasm_engine_t]) -> bool:
    """Whether the engine runs the Pulley interpreter rather than native code."""
    ...


@cfunc(EnginePtr, EnginePtr)
def wasmtime_engine_clone(engine: ctypes._Pointer[wasm_engine_t]) -> ctypes._Pointer[wasm_engine_t]:
    """A new reference to the same engine (freed with ``wasm_engine_delete``)."""
    ...
