"""The epoch deadline callback: one ``CFUNCTYPE`` thunk shared by every store.

wasmtime calls it on the thread running wasm (which takes the GIL for it) when the
store's epoch deadline has passed, that is after ``wasmtime_engine_increment_epoch``.
The thunk asks the store's ``decide()`` (given to :func:`watch_store`) what to do:
``None`` lets the wasm run on until the next epoch tick; :data:`YIELD` suspends it (only
a call running as a future may be suspended: see :mod:`wt_ffi.async_`); a message stops
it with a ``wasmtime_error_t`` carrying that message. When the store is freed, wasmtime
calls the finaliser, which forgets the store.

No exception may leave the thunk (ctypes would return garbage to wasmtime): its whole
body is one ``try`` whose entry runs no signal handler (:mod:`wt_ffi.entry`), and its
``except`` path makes no call; it leaves the exception with the store's
:class:`~wt_ffi.sink.CallbackSink` and stops the wasm with an error taken from
:data:`SPARE_ERRORS`, so that the call raises the exception itself.
:func:`is_callback_entry` lets wt's SIGINT handler recognise callback frames and defer.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from types import CodeType, TracebackType

from . import error as _error
from ._library import raw_function
from .entry import checked_later
from .sink import SINK_FINDERS, CallbackSink, Spares, ready_callbacks
from .store import (EPOCH_DEADLINE_CALLBACK, FINALIZER, UPDATE_DEADLINE_CONTINUE, UPDATE_DEADLINE_YIELD,
                    wasmtime_context_t, wasmtime_store_t)

__all__ = ["watch_store", "is_callback_entry", "CALLBACK_FILENAMES", "SPARE_ERRORS", "YIELD"]

CALLBACK_FILENAMES = frozenset({"<wt host function>", "<wt async host function>"})
"""Filenames of code that C calls directly (the host-function trampolines, the async
host functions' callbacks)."""


class _Yield(str):
    """The type of :data:`YIELD`."""


YIELD = _Yield("yield")
"""What a ``decide`` function returns to suspend the wasm (a call running as a future)."""


def _error_address(message: str) -> int:
    return ctypes.cast(_error.wasmtime_error_new(message.encode("utf-8", "replace")), ctypes.c_void_p).value or 0


SPARE_ERRORS = Spares(lambda: _error_address("wt: the call was stopped by an exception in a callback"))
"""The errors the thunk returns after an exception (see :class:`~wt_ffi.sink.Spares`)."""

_watched: dict[int, tuple[Callable[[], str | None], CallbackSink]] = {}
_KINDS = {True: UPDATE_DEADLINE_YIELD, False: UPDATE_DEADLINE_CONTINUE}


def _on_deadline(context: object, env: int | None, delta: ctypes._Pointer[ctypes.c_uint64],
                 kind: ctypes._Pointer[ctypes.c_uint8]) -> int | None:
    try:
        decide, sink = _watched[env or 0]
        message = decide()  # (the first call: a SIGINT's handler runs here, and may fill the sink)
        if sink.error is not None:  # an exception escaped a callback of this call: stop now
            return _error_address("wt: stopped by an exception raised in a callback")
        if message is None or message is YIELD:
            delta[0] = 1
            kind[0] = _KINDS[message is YIELD]
            return None
        return _error_address(message)
    except BaseException as exc:  # no call from here on: see the module docstring
        if env in _watched:
            _watched[env][1].error = exc
        count, items = SPARE_ERRORS.count, SPARE_ERRORS.items
        n = count[0]
        if n:
            n -= 1
            count[0] = n
            address = items[n]
            items[n] = 0
            return address
        return SPARE_ERRORS.make_one()  # the pool ran dry: a call, as a last resort


def _on_finalize(env: int | None) -> None:
    try:
        _watched.pop(env or 0, None)
    except BaseException:  # pragma: no cover - never let an exception reach ctypes
        pass


_on_deadline.__code__ = checked_later(_on_deadline.__code__)  # see wt_ffi.entry
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
    if not SPARE_ERRORS.count[0]:
        SPARE_ERRORS.refill()
        ready_callbacks()
    _watched[key] = (decide, sink)
    set_callback(store, _DEADLINE_THUNK, ctypes.c_void_p(key), _FINALIZE_THUNK)
    set_deadline(context, _ONE_TICK)
