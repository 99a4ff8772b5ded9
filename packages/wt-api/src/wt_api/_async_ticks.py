"""The clock that makes running guests yield: epoch ticks while async calls run.

A guest running under ``call_async`` yields to its event loop when its store's deadline
callback answers "yield" at an epoch tick (see :mod:`wt_api._async_call`). Nothing
else increments the epoch at a steady pace, so one thread for the whole process does it:
every ``RuntimeConfig.async_yield_interval`` seconds for each engine that has async calls
in flight. It sleeps while no async call runs and exits after a while without any (a
short call costs two set operations, never a thread start).

Thread-safety: :func:`running` and :func:`done` may be called from any thread.
"""

from __future__ import annotations

import math
import os
import threading
import time

from ._deadlines import EngineClock

__all__ = ["running", "done"]

_IDLE = 2.0  # the thread exits after this long without async calls


class _Engine:
    """One engine's ticking: its async calls in flight, its interval, its next tick."""

    __slots__ = ("clock", "interval", "calls", "next_at", "idle_since", "alive")

    def __init__(self, clock: EngineClock, interval: float) -> None:
        self.clock = clock
        self.interval = interval
        self.calls: set[object] = set()
        self.next_at = time.monotonic() + interval
        self.idle_since = math.inf
        self.alive = True  # false once the thread dropped it (a call must register again)


class _Ticker:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._engines: dict[int, _Engine] = {}
        self._thread: threading.Thread | None = None

    def running(self, clock: EngineClock, interval: float, call: object) -> _Engine:
        """Add ``call`` to the calls in flight on ``clock``'s engine (starting its ticking,
        and the thread, if need be)."""
        with self._cond:
            found = self._engines.get(id(clock))
            if found is None or found.clock is not clock:
                found = self._engines[id(clock)] = _Engine(clock, interval)
            found.calls.add(call)
            _entries[id(clock)] = found
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wt-async-ticks", daemon=True)
                self._thread.start()
            return found

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                wake = now + _IDLE
                for key, entry in list(self._engines.items()):
                    if entry.calls:
                        entry.idle_since = math.inf
                        if entry.next_at <= now:
                            entry.clock.increment()
                            entry.next_at = now + entry.interval
                        wake = min(wake, entry.next_at)
                    else:
                        entry.next_at = now + entry.interval
                        if entry.idle_since == math.inf:
                            entry.idle_since = now
                        elif now - entry.idle_since >= _IDLE:
                            entry.alive = False  # (then look again: a call may have come meanwhile)
                            if entry.calls:
                                entry.alive = True
                            else:
                                del self._engines[key]
                                if _entries.get(key) is entry:
                                    del _entries[key]
                        wake = min(wake, now + entry.interval)
                if not self._engines:
                    self._thread = None
                    return
                self._cond.wait(max(0.0, wake - now))


_ticker = _Ticker()


_entries: dict[int, _Engine] = {}
"""Each engine's ticking (by ``id`` of its clock), for the fast path of :func:`running`."""


def running(clock: EngineClock, interval: float, call: object) -> object:
    """``call`` runs on ``clock``'s engine: tick every ``interval`` seconds until
    :func:`done`. Returns the token to give :func:`done`."""
    entry = _entries.get(id(clock))
    if entry is not None and entry.clock is clock:
        entry.calls.add(call)  # (then look: the thread drops an entry only once it is idle)
        if entry.alive:
            return entry
        entry.calls.discard(call)
    return _ticker.running(clock, interval, call)


def done(token: object, call: object) -> None:
    """``call`` (given to :func:`running`, which returned ``token``) is over."""
    token.calls.discard(call)  # type: ignore[attr-defined]


FORKS = [0]
"""How many forks this process is down from where wt was imported: a call started at
another count belongs to a parent (its slices were ticked by a thread this process lacks)."""


def _after_fork_in_child() -> None:
    """Threads do not survive ``fork``: the child starts its own ticker."""
    global _ticker
    _ticker = _Ticker()
    _entries.clear()
    FORKS[0] += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
