"""A call_async's future in C: the functions that start, poll and delete it, and the end of a
call, whatever state an interruption left it in (:func:`end_call`)."""

from __future__ import annotations

from ctypes import c_bool, c_void_p

from wt_ffi import raw_function
from wt_ffi.entry import checked_later

from . import _async_ticks
from ._async_state import AsyncState, CallFrame, end_turn, set_fuel_yield
from ._deadlines import disarm
from ._store import Store

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["RAW", "end_call", "future_functions"]

RAW: list[Any] = []
"""The C functions of :func:`future_functions`, once bound (a call's hot path reads them here)."""


def future_functions() -> tuple[Any, Any, Any, Any]:
    """The C functions of a call, bound without ``argtypes`` (made ahead: a hot path):
    ``wasmtime_func_call_async``, ``..._poll``, ``..._delete``, ``set_epoch_deadline``."""
    if not RAW:
        RAW.extend((raw_function("wasmtime_func_call_async", c_void_p),
                    raw_function("wasmtime_call_future_poll", c_bool),
                    raw_function("wasmtime_call_future_delete", None),
                    raw_function("wasmtime_context_set_epoch_deadline", None)))
    return tuple(RAW)


def end_call(store: Store, aio: AsyncState, frame: CallFrame) -> None:
    """End ``frame``'s call if it holds the store's turn: delete its future if it did not
    complete (its wasm unwinds; nothing of it runs again), undo its settings, hand the
    turn on. Each step can be done again, so an end interrupted (a signal handler that
    raised) is finished by whoever finds the turn still held: the call's own ``finally``,
    a later call of its task, or a call waiting for a turn that a finished task or a
    closed event loop kept (see ``take_turn``).

    It runs in a call's ``finally``, so it starts with its own ``try`` (where Python 3.10
    runs no signal handler) and its entry's check is deferred (3.11+, wt_ffi.entry): a
    handler that raises as it starts still reaches the ``finally``, which gives back the
    store's lock (kept, every other thread's call would wait for it for ever)."""
    try:
        mine = aio.current is frame  # (decided once: another end of it may hand the turn on meanwhile)
        if not mine:
            return
        escaped: BaseException | None = None
        if not store.lock._is_owned():  # type: ignore[attr-defined]  # (ended between two polls)
            store.lock.acquire()
        future, frame.future = frame.future, None
        if future is not None and frame.forks == _async_ticks.FORKS[0]:  # (a parent's: left alone)
            future_functions()[2](future)
            # What escaped a callback while the wasm unwound (a raising signal handler) is
            # raised by this call, not by the store's next one.
            escaped, store.sink.error = store.sink.error, None
        # What is left escaped this call, which an interrupt (a raising signal handler) kept
        # from raising it: dropped, not raised by the store's next call.
        store.sink.error = None
        frame.awaiting = frame.polling = False
        if frame.clock is not None:
            frame.clock.yielding = False
            if frame.deadline is not None:
                disarm(frame.clock, frame.deadline)
        if frame.ticking is not None:
            _async_ticks.done(frame.ticking, frame)
        if frame.fuel:
            frame.fuel = 0
            set_fuel_yield(store, 0)
        if frame in aio.calls:
            aio.calls.remove(frame)
    finally:
        if mine:
            try:  # (first: a turn still held after an interruption is finished later)
                store.lock.release()
            except RuntimeError:  # (interrupted before the acquire above: nothing to give back)
                pass
            end_turn(store, aio, frame)
            if not store.alive[0]:
                store._finish_close()
    if escaped is not None:
        raise escaped


end_call.__code__ = checked_later(end_call.__code__)
