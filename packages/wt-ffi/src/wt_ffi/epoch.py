"""The epoch deadline callback: one ``CFUNCTYPE`` thunk shared by every store.

wasmtime calls it on the thread running wasm (which takes the GIL for it) when the
store's epoch deadline has passed, that is after ``wasmtime_engine_increment_epoch``.
The thunk asks ``decide(key)`` (the key given to :func:`watch_store`) what to do:
``None`` lets the wasm run on until the next epoch tick; a message stops it with a
``wasmtime_error_t`` carrying that message. When the store is freed, wasmtime calls
the finaliser, which calls ``forget(key)``.

Both thunks catch every exception: an exception leaving a ctypes callback makes it
return garbage, which wasmtime would free as an error. Python's own signal handlers can
still raise at a callback's first instruction; :data:`CALLBACK_FILENAMES` and
:func:`is_callback_entry` let a SIGINT handler recognise such frames and defer.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from types import CodeType

from . import error as _error
from . import store as _store
from .store import (EPOCH_DEADLINE_CALLBACK, FINALIZER, UPDATE_DEADLINE_CONTINUE, wasmtime_context_t,
                    wasmtime_store_t)

__all__ = ["watch_store", "set_handlers", "is_callback_entry", "CALLBACK_FILENAMES"]

CALLBACK_FILENAMES = frozenset({"<wt host function>"})
"""Filenames of generated code that C calls directly (the host-function trampolines)."""


def _continue(key: int) -> str | None:
    return None


def _ignore(key: int) -> None:
    return None


_decide: Callable[[int], str | None] = _continue
_forget: Callable[[int], None] = _ignore


def set_handlers(decide: Callable[[int], str | None], forget: Callable[[int], None]) -> None:
    """Route every store's deadline callback to ``decide`` and its finaliser to ``forget``."""
    global _decide, _forget
    _decide, _forget = decide, forget


def _on_deadline(context: object, env: int | None, delta: ctypes._Pointer[ctypes.c_uint64],
                 kind: ctypes._Pointer[ctypes.c_uint8]) -> int | None:
    try:
        message = _decide(env or 0)
        if message is None:
            delta[0] = 1
            kind[0] = UPDATE_DEADLINE_CONTINUE
            return None
        return ctypes.cast(_error.wasmtime_error_new(message.encode("utf-8", "replace")), ctypes.c_void_p).value
    except BaseException:  # never let an exception reach ctypes
        delta[0] = 1
        kind[0] = UPDATE_DEADLINE_CONTINUE
        return None


def _on_finalize(env: int | None) -> None:
    try:
        _forget(env or 0)
    except BaseException:  # pragma: no cover - never let an exception reach ctypes
        pass


_DEADLINE_THUNK = EPOCH_DEADLINE_CALLBACK(_on_deadline)
_FINALIZE_THUNK = FINALIZER(_on_finalize)
_ENTRY_CODES = frozenset({_on_deadline.__code__, _on_finalize.__code__})


def is_callback_entry(code: CodeType) -> bool:
    """Whether ``code`` is a function that C calls directly (a thunk or trampoline)."""
    return code in _ENTRY_CODES or code.co_filename in CALLBACK_FILENAMES


_raw: tuple[Callable[..., object], Callable[..., object]] | None = None
_ONE_TICK = ctypes.c_uint64(1)


def watch_store(store: ctypes._Pointer[wasmtime_store_t], context: ctypes._Pointer[wasmtime_context_t],
                key: int) -> None:
    """Route ``store``'s epoch deadline to the shared thunk under ``key`` (non-zero) and
    set the deadline one tick ahead, so the next epoch increment consults ``decide``.
    (Every new store comes here: both C functions are bound without ``argtypes``, their
    constant arguments made once, ~0.3 us less per instantiation.)"""
    global _raw
    if _raw is None:
        from ._library import raw_function

        _raw = (raw_function("wasmtime_store_epoch_deadline_callback", None),
                raw_function("wasmtime_context_set_epoch_deadline", None))
    set_callback, set_deadline = _raw
    set_callback(store, _DEADLINE_THUNK, ctypes.c_void_p(key), _FINALIZE_THUNK)
    set_deadline(context, _ONE_TICK)
