"""Stopping running wasm: per-call timeouts and deadlines, on wasmtime's epochs.

With epoch interruption (``RuntimeConfig.with_epoch_interruption``), compiled code
compares the engine's epoch with its store's deadline at every function entry and loop
back-edge. Every store of such an engine gets a deadline one tick ahead and the shared
callback of :mod:`wt_ffi.epoch`, so nothing happens until somebody increments the epoch.
Then each store running wasm asks its :class:`StoreClock`, on its own thread, whether to
stop:

- a call with a timeout or deadline stops once ``time.monotonic()`` has passed it. A
  timer thread, alive only while timed calls run, increments the engine's epoch when the
  earliest deadline passes (and every few milliseconds after, until the call ends);
- wasm running on the main thread stops after Ctrl-C (see :mod:`wt_api._sigint`);
- wasm running under ``call_async`` yields to its event loop (see :mod:`wt_api._async_call`).

The clock records why it stopped the wasm before returning; the failing call reads that
record (:mod:`wt_api._failure`), never wasmtime's message.
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from types import CodeType

from wt_ffi import engine as _engine
from wt_ffi import epoch as _epoch

from . import _sigint
from ._errors import ConfigError
from ._handle import Owned
from ._store import Scope, StopRecord, Store

__all__ = ["EngineClock", "StoreClock", "engine_clock", "watch_store", "call_before", "timed_caller",
           "check_seconds", "clock_of", "arm", "disarm", "YIELD_FROM"]

_RETRY = 0.005  # after a deadline passed: increment again this often until the call ends
_IDLE = 2.0  # the timer thread exits after this long without timed calls


class EngineClock:
    """A runtime's engine, kept by a reference of its own so that the timer and the SIGINT
    watcher can increment its epoch from other threads until the runtime closes.

    Thread-safety: every method may be called from any thread."""

    def __init__(self, engine: Owned[ctypes._Pointer[_engine.wasm_engine_t]]) -> None:
        self._engine = engine
        self._lock = threading.Lock()

    def increment(self) -> None:
        """Advance the engine's epoch (nothing once closed)."""
        with self._lock:
            if not self._engine.closed:
                _engine.wasmtime_engine_increment_epoch(self._engine.get())

    def close(self) -> None:
        """Drop the engine reference. Idempotent."""
        with self._lock:
            self._engine.close()

    def after_fork(self) -> None:
        """The child of a fork: a fresh lock (the parent's may have been held)."""
        self._lock = threading.Lock()


class StoreClock(StopRecord):
    """The deadlines of the timed calls running in one store (nested calls stack), and
    the deadline callback's decision.

    Thread-safety: changed only under the store's lock; read by the timer thread and by
    the deadline callback (on the thread that holds the store's lock)."""

    __slots__ = ("engine", "deadlines", "fire_at", "yielding", "__weakref__")

    def __init__(self, engine: EngineClock) -> None:
        super().__init__()
        self.engine = engine
        self.deadlines: list[tuple[float, float | None]] = []  # (monotonic deadline, timeout or None)
        self.fire_at = math.inf
        self.yielding = False  # a call_async is polling the store: its wasm may yield

    def current(self) -> tuple[float, float | None] | None:
        """The earliest (deadline, timeout) in force, or None when no timed call runs."""
        return min(self.deadlines) if self.deadlines else None

    def decide(self) -> str | None:
        """Runs on the thread running wasm, at an epoch tick: a stop message (the reason
        recorded in ``stopped``), or None to run on, or ``YIELD`` to suspend a
        ``call_async``'s wasm. It yields only when the frame that entered C is that call's
        poll: wasm reached through a host function (Python's frames on the fiber's stack)
        must not be suspended, or those frames would be left on a stack that stops running."""
        if _sigint.pending() and _sigint.is_main_thread():
            self.stopped = ("sigint", None)
            return "wt: the call was interrupted (SIGINT)"
        if self.deadlines:
            deadline, timeout = min(self.deadlines)
            if time.monotonic() >= deadline:
                self.stopped = ("timeout", timeout)
                return "wt: the call ran past its deadline"
        if self.yielding and sys._getframe(_epoch.CALLER_DEPTH).f_code in YIELD_FROM:
            return _epoch.YIELD
        return None


YIELD_FROM: set[CodeType] = set()
"""The code of the functions that poll a ``call_async`` (its wasm may yield there)."""


_engines: weakref.WeakSet[EngineClock] = weakref.WeakSet()
_next_key = itertools.count(1)


def engine_clock(engine: ctypes._Pointer[_engine.wasm_engine_t]) -> EngineClock:
    """A clock for an engine with epoch interruption (it holds an engine handle of its own,
    closed with it); SIGINT advances it."""
    clock = EngineClock(Owned(_engine.wasmtime_engine_clone(engine), _engine.wasm_engine_delete, "runtime"))
    _engines.add(clock)
    _sigint.wake_on_sigint(clock)
    return clock


def watch_store(store: Store, clock: EngineClock) -> None:
    """Give ``store`` a :class:`StoreClock` and the shared deadline callback."""
    state = StoreClock(clock)
    store.clock = state
    _epoch.watch_store(store.ptr, store.context, next(_next_key), state.decide, store.sink)


def clock_of(store: Store) -> StoreClock:
    """The clock of ``store``; ConfigError when its runtime has no epoch interruption."""
    clock = store.clock
    if not isinstance(clock, StoreClock):
        raise ConfigError("timeouts and deadlines need epoch interruption, which is off by default (it costs "
                          "~10-20 % of run time): make the runtime with "
                          "wt.Runtime(wt.RuntimeConfig().with_epoch_interruption())")
    return clock


# -- timed calls --------------------------------------------------------------------
def check_seconds(what: str, value: float) -> float:
    """``value`` as a float if it is a positive, finite number of seconds (ConfigError)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ConfigError(f"{what} must be a positive, finite number of seconds, not {value!r}")
    return float(value)


def call_before(scope: Scope, deadline: float, timeout: float | None, call: Callable[..., list[int]],
                args: Sequence[object]) -> list[int]:
    """``call(*args)`` holding ``scope``'s store, stopped once ``time.monotonic()`` passes
    ``deadline`` (``timeout`` is only reported)."""
    return scope.holding(_timed, (deadline, timeout), call, args)  # (first: a closed module is a ClosedError)


def _timed(store: Store, entry: tuple[float, float | None], call: Callable[..., list[int]],
           args: Sequence[object]) -> list[int]:
    clock = clock_of(store)
    if _sigint.is_main_thread():
        _sigint.ensure_installed()
    # A signal handler may raise between any two calls here: the entry goes in inside the
    # ``try`` and out first thing in ``finally`` (a stale one would stop later calls); the
    # timer forgets clocks whose deadlines are gone by itself.
    try:
        clock.deadlines.append(entry)
        _timer.arm(clock)
        return call(*args)
    finally:
        try:  # (first: Python 3.10 runs signal handlers at a handler's first instruction unless it is a try)
            clock.deadlines.remove(entry)
        except ValueError:  # a handler raised before the append
            pass


def arm(clock: StoreClock, entry: tuple[float, float | None]) -> None:
    """Stop the store's wasm once ``time.monotonic()`` passes ``entry``'s deadline (a
    ``(deadline, timeout or None)`` pair), until :func:`disarm`. Under the store's lock."""
    clock.deadlines.append(entry)
    _timer.arm(clock)


def disarm(clock: StoreClock, entry: tuple[float, float | None]) -> None:
    """Forget a deadline given to :func:`arm` (idempotent)."""
    try:
        clock.deadlines.remove(entry)
    except ValueError:
        pass


def timed_caller(scope: Scope, call: Callable[..., list[int]], timeout: float) -> Callable[..., list[int]]:
    """``call`` with ``timeout`` seconds applied to each call."""
    timeout = check_seconds("a timeout", timeout)
    clock_of(scope.store)  # fail now, not at the first call

    def timed(*args: object) -> list[int]:
        return call_before(scope, time.monotonic() + timeout, timeout, call, args)

    timed.__name__ = timed.__qualname__ = getattr(call, "__name__", "call")
    timed.__doc__ = call.__doc__
    return timed


class _Timer:
    """One thread for the whole process, alive only while timed calls run: it sleeps until
    the earliest deadline, then increments that store's engine epoch."""

    def __init__(self) -> None:
        # (an RLock: RuntimeError, not someone else's release, when arm() gives back a lock
        # that a raising signal handler kept it from taking)
        self._cond = threading.Condition(threading.RLock())
        self._active: set[StoreClock] = set()
        self._thread: threading.Thread | None = None
        self._planned = math.inf

    def arm(self, clock: StoreClock) -> None:
        current = clock.current()
        assert current is not None
        try:  # (not ``with``: Python 3.10 runs signal handlers as a with block's cleanup starts)
            self._cond.acquire()
            clock.fire_at = current[0]
            self._active.add(clock)
            # (not alive: a raising signal handler interrupted its start; a second timer
            # thread, should the first be starting after all, exits when idle like it)
            if self._thread is None or not self._thread.is_alive():
                thread = self._thread = threading.Thread(target=self._run, name="wt-deadline-timer", daemon=True)
                self._planned = clock.fire_at
                try:
                    thread.start()
                except BaseException as exc:
                    # A signal handler may raise inside start(), before or after the thread
                    # began: keep one that runs, forget one that does not (the next timed call
                    # starts another). CPython may then replace the handler's exception with
                    # one of its own: a KeyError from its bookkeeping, or a RuntimeError
                    # ("release unlocked lock") when the handler raised inside the wait for
                    # the thread's start, between the wait's release and its try. The call
                    # raises the handler's.
                    if thread.ident is None:
                        self._thread = None
                    if isinstance(exc, (KeyError, RuntimeError)) and exc.__context__ is not None:
                        raise exc.__context__ from None
                    raise
            elif clock.fire_at < self._planned:
                self._planned = clock.fire_at
                self._cond.notify()
        finally:
            try:
                self._cond.release()
            except RuntimeError:
                pass

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._active:
                    self._planned = math.inf
                    self._cond.wait(_IDLE)
                    if not self._active:
                        if self._thread is threading.current_thread():
                            self._thread = None
                        return
                now = time.monotonic()
                fired: set[int] = set()
                for clock in list(self._active):
                    if not clock.deadlines:  # its timed calls have all returned
                        self._active.discard(clock)
                    elif clock.fire_at <= now:
                        if id(clock.engine) not in fired:
                            clock.engine.increment()
                            fired.add(id(clock.engine))
                        clock.fire_at = now + _RETRY
                self._planned = min((c.fire_at for c in self._active), default=math.inf)
                self._cond.wait(max(0.0, min(self._planned - now, _IDLE)))


_timer = _Timer()


def _after_fork_in_child() -> None:
    """Threads do not survive ``fork``: the child gets a fresh timer and engine locks."""
    global _timer
    _timer = _Timer()
    for clock in list(_engines):
        clock.after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
