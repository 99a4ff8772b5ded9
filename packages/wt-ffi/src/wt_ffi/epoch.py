"""The epoch deadline callback: one ``CFUNCTYPE`` thunk shared by every store.

wasmtime calls it on the thread running wasm (which takes the GIL for it) when the
store's epoch deadline has passed, that is after ``wasmtime_engine_increment_epoch``.
The thunk asks the store's ``decide()`` (given to :func:`watch_store`) what to do:
``None`` lets the wasm run on until the next epoch tick; :data:`YIELD` suspends it (only
a call running as a future may be suspended: see :mod:`wt_ffi.async_`); a message stops
it with a ``wasmtime_error_t`` carrying that message. When the store is freed, wasmtime
calls the finaliser, which forgets the store.

No exception may leave the thunk (ctypes would return garbage to wasmtime): it is written
by :func:`wt_ffi.sink.guarded_source`, as the host-function trampolines are, so its entry
and its failure path run no signal handler; it leaves the exception with the store's
:class:`~wt_ffi.sink.CallbackSink` and stops the wasm with an error taken from
:data:`SPARE_ERRORS`, so that the call raises the exception itself.
:func:`is_callback_entry` lets wt's SIGINT handler recognise callback frames and defer.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from types import CodeType, FunctionType, TracebackType

from . import error as _error
from ._library import raw_function
from .entry import checked_later
from .sink import GUARD_FRAMES, SINK_FINDERS, CallbackSink, Spares, guarded_source, ready_callbacks
from .store import (EPOCH_DEADLINE_CALLBACK, FINALIZER, UPDATE_DEADLINE_CONTINUE, UPDATE_DEADLINE_YIELD,
                    wasmtime_context_t, wasmtime_store_t)

__all__ = ["watch_store", "is_callback_entry", "CALLBACK_FILENAMES", "CALLER_DEPTH", "SPARE_ERRORS", "YIELD"]

CALLBACK_FILENAMES = frozenset({"<wt host function>", "<wt async host function>"})
"""Filenames of code that C calls directly (the host-function trampolines, the async
host functions' callbacks)."""


class _Yield(str):
    """The type of :data:`YIELD`."""


YIELD = _Yield("yield")
"""What a ``decide`` function returns to suspend the wasm (a call running as a future)."""


def _error_address(message: str) -> int:
    return ctypes.cast(_error.wasmtime_error_new(message.encode("utf-8", "replace")), ctypes.c_void_p).value or 0


SPARE_ERRORS = Spares("wasmtime_error_new", b"wt: the call was stopped by an exception in a callback")
"""The errors the thunk returns after an exception (see :class:`~wt_ffi.sink.Spares`)."""

_watched: dict[int, tuple[Callable[[], str | None], CallbackSink]] = {}
_KINDS = {True: UPDATE_DEADLINE_YIELD, False: UPDATE_DEADLINE_CONTINUE}


# What the thunk runs: ``decide()`` first (a SIGINT's handler runs there, and may fill the
# sink); an exception that escaped a callback of this call stops it at once.
_DEADLINE_BODY = [
    "        decide, sink = _watched[env or 0]",
    "        message = decide()",
    "        if sink.error is not None:",
    "            return _error_address('wt: stopped by an exception raised in a callback')",
    "        if message is None or message is YIELD:",
    "            delta[0] = 1",
    "            kind[0] = _KINDS[message is YIELD]",
    "            return None",
    "        return _error_address(message)",
]
_NO_ENTRY = (None, CallbackSink())  # (where an exception goes once its store is forgotten)
_names: dict[str, object] = {**SPARE_ERRORS.names(), "_watched": _watched, "_error_address": _error_address,
                          "_KINDS": _KINDS, "YIELD": YIELD, "_NO_ENTRY": _NO_ENTRY}
_made: dict[str, FunctionType] = {}
# (an exception goes to the store's sink, or nowhere once the store is forgotten; the
# expression makes no call: see wt_ffi.sink.guarded_source)
exec(compile(guarded_source("context, env, delta, kind", _DEADLINE_BODY,  # noqa: S102
                            sink="(env in _watched and _watched[env] or _NO_ENTRY)[1]"),
             "<wt host function>", "exec"), _names, _made)
_on_deadline = _made["trampoline"]
CALLER_DEPTH = 1 + GUARD_FRAMES
"""From ``decide()``, ``sys._getframe(CALLER_DEPTH)`` is the frame whose call into C ran
the wasm that reached the deadline."""
_on_deadline.__code__ = checked_later(_on_deadline.__code__)  # see wt_ffi.entry


def _on_finalize(env: int | None) -> None:
    try:
        _watched.pop(env or 0, None)
    except BaseException:  # pragma: no cover - never let an exception reach ctypes
        pass


_on_finalize.__code__ = checked_later(_on_finalize.__code__)
_DEADLINE_THUNK = EPOCH_DEADLINE_CALLBACK(_on_deadline)
_FINALIZE_THUNK = FINALIZER(_on_finalize)
_ENTRY_CODES = frozenset({_on_deadline.__code__, _on_finalize.__code__})


def _sink_of(tb: TracebackType) -> CallbackSink | None:
    """The sink of the store whose deadline callback a traceback starts in."""
    frame = tb.tb_frame
    if frame.f_code is _on_deadline.__code__:
        entry = _watched.get(frame.f_locals.get("env") or 0)
        return None if entry is None else entry[1]
    return None


SINK_FINDERS.append(_sink_of)


def is_callback_entry(code: CodeType) -> bool:
    """Whether ``code`` is a function that C calls directly (a thunk or trampoline)."""
    return code in _ENTRY_CODES or code.co_filename in CALLBACK_FILENAMES


_raw: tuple[Callable[..., object], Callable[..., object]] | None = None
_ONE_TICK = ctypes.c_uint64(1)


def watch_store(store: ctypes._Pointer[wasmtime_store_t], context: ctypes._Pointer[wasmtime_context_t],
                key: int, decide: Callable[[], str | None], sink: CallbackSink) -> None:
    """Route ``store``'s epoch deadline to the shared thunk under ``key`` (non-zero, unique)
    and set the deadline one tick ahead, so that the next epoch increment asks ``decide``;
    an exception inside the thunk goes to ``sink``.
    (Every new store comes here: both C functions are bound without ``argtypes``, their
    constant arguments made once, ~0.3 us less per instantiation.)"""
    global _raw
    if _raw is None:
        _raw = (raw_function("wasmtime_store_epoch_deadline_callback", None),
                raw_function("wasmtime_context_set_epoch_deadline", None))
    set_callback, set_deadline = _raw
    if not SPARE_ERRORS.items:
        SPARE_ERRORS.fill()
        ready_callbacks()
    _watched[key] = (decide, sink)
    set_callback(store, _DEADLINE_THUNK, ctypes.c_void_p(key), _FINALIZE_THUNK)
    set_deadline(context, _ONE_TICK)
