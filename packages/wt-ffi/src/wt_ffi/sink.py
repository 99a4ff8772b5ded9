"""What callbacks into Python leave for the call that entered wasm.

No exception may leave a callback into C (ctypes would print it and return garbage to
wasmtime), and a signal handler can raise at any call, so a callback's ``except`` path
makes no call at all: it leaves the exception in the store's :class:`CallbackSink` and
returns a C object (a trap, an error) taken from a :class:`Spares` pool made ahead.

A callback's first instruction cannot raise either: :mod:`wt_ffi.entry` defers the
interpreter's check for pending signal handlers there to the first call inside the
``try``. Should an exception still escape a callback (a Python whose bytecode
:mod:`wt_ffi.entry` does not know), ctypes reports it through ``sys.unraisablehook``:
:func:`catch_escapes` installs a hook that recognises wt's callbacks and hands such an
exception to their store's sink instead of printing it, so that the next callback of the
call traps at once and the call that entered wasm raises it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import TracebackType

__all__ = ["CallbackSink", "Spares", "refill_spares", "catch_escapes", "ready_callbacks", "SINK_FINDERS"]

_POOLS: list[Spares] = []


class CallbackSink:
    """What went wrong inside a store's callbacks, for the call that entered wasm:
    ``error`` is the exception a host function (or a signal handler running inside a
    callback) raised. Written by the ``except`` paths of callbacks, read and cleared by
    wt-api once the call returns."""

    __slots__ = ("error",)

    def __init__(self) -> None:
        self.error: BaseException | None = None


class Spares:
    """C objects made ahead (traps, errors) for callbacks to return from an ``except``
    path without making a call. ``items[:count[0]]`` are ready; a taker does, with no
    call in between (so no other Python thread can run meanwhile)::

        n = count[0]
        if n: n -= 1; count[0] = n; address = items[n]; items[n] = 0

    :meth:`refill` tops the pool up; wt-api calls it after each failed call, so the pool
    runs dry only if more threads fail inside callbacks at once than it holds (the taker
    then makes one with a call, as a last resort)."""

    CAPACITY = 64

    def __init__(self, make: Callable[[], int]) -> None:
        self.items = [0] * self.CAPACITY
        self.count = [0]
        self._make = make
        self._lock = threading.Lock()
        _POOLS.append(self)

    def make_one(self) -> int:
        """A new object, made now (for when the pool has run dry)."""
        return self._make()

    def refill(self) -> None:
        """Make spares until the pool is full."""
        with self._lock:
            while self.count[0] < self.CAPACITY:
                address = self._make()
                n = self.count[0]  # from here to the increment: no call, no thread switch
                self.items[n] = address
                self.count[0] = n + 1


def refill_spares() -> None:
    """Top up every pool that has been drawn from (after a failed call)."""
    for pool in _POOLS:
        if pool.count[0] < pool.CAPACITY:
            pool.refill()


SINK_FINDERS: list[Callable[[TracebackType], CallbackSink | None]] = []
"""Functions that name the sink of the callback a traceback starts in, or None (the
trampolines' and the epoch thunk's modules add theirs)."""
_previous_hook: list[Callable[..., object]] = []


def _hook(unraisable: object) -> None:
    tb: TracebackType | None = getattr(unraisable, "exc_traceback", None)
    exc: BaseException | None = getattr(unraisable, "exc_value", None)
    if tb is not None and exc is not None:
        for find in SINK_FINDERS:
            sink = find(tb)
            if sink is not None:
                if sink.error is None:
                    sink.error = exc
                return
    _previous_hook[0](unraisable)


def ready_callbacks() -> None:
    """What a module that builds callbacks does first: :func:`catch_escapes`, and fill every
    pool now. An empty pool (before the first failure refilled it) sent a callback's
    ``except`` path to its last resort, a call, where a signal handler that raised let the
    exception out to ctypes, which handed wasmtime garbage to free."""
    catch_escapes()
    refill_spares()


def catch_escapes() -> None:
    """Install the ``sys.unraisablehook`` that routes exceptions escaping wt's callbacks to
    their store (once; other unraisable exceptions go to the hook that was there)."""
    if sys.unraisablehook is not _hook:
        _previous_hook[:] = [sys.unraisablehook]
        sys.unraisablehook = _hook
