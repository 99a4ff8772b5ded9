"""What callbacks into Python leave for the call that entered wasm.

No exception may leave a callback into C (ctypes would print it and return garbage to
wasmtime), and a signal handler can raise at any call, so a callback's ``except`` path
makes no call at all: it leaves the exception in the store's :class:`CallbackSink` and
returns a C object (a trap, an error) taken from a :class:`Spares` pool made ahead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["CallbackSink", "Spares", "refill_spares"]

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
