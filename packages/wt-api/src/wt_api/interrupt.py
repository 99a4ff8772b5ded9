"""Stopping running wasm: per-call timeouts and deadlines, and Ctrl-C.

Everything rests on wasmtime's epoch interruption (``RuntimeConfig.epoch_interruption``,
on by default): compiled code compares the engine's epoch with its store's deadline at
every function entry and loop back-edge. Every store of such an engine gets a deadline
one tick ahead and the shared callback of :mod:`wt_ffi.epoch`, so nothing happens until
somebody increments the epoch. Then each store running wasm asks :func:`_decide`, on its
own thread, whether to stop:

- a call with a timeout or deadline stops once ``time.monotonic()`` has passed it. A
  timer thread, alive only while timed calls run, increments the engine's epoch when the
  earliest deadline passes (and every few milliseconds after, until the call ends);
- wasm running on the main thread stops after Ctrl-C. A SIGINT handler (installed while
  a Runtime lives, and only over Python's default one) is woken through
  ``signal.set_wakeup_fd`` by a watcher thread, which increments every engine's epoch.

Untimed calls pay nothing: no per-call work, and the epoch checks in compiled code cost
under 1 % (RATIONALE.md). A stopped call raises :class:`~wt_api.WasmTimeoutError` or
``KeyboardInterrupt``; the instance stays usable.

Why a SIGINT handler at all: Python runs signal handlers on the main thread at the next
bytecode, and when wasm calls back into Python (a host function, the deadline callback)
that bytecode is the callback's own first instruction. A ``KeyboardInterrupt`` raised there
escapes the callback, and ctypes then returns garbage to wasmtime (a crash). wt's
handler defers the interrupt while the main thread is inside a wt callback, re-raises
it at the next safe point (``_thread.interrupt_main``) and otherwise behaves exactly like
``signal.default_int_handler``.
"""

from __future__ import annotations

import _thread
import ctypes
import itertools
import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from types import FrameType

from wt_ffi import engine as _engine
from wt_ffi import epoch as _epoch

from ._handle import Owned
from .errors import ConfigError

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    import signal
    import socket

    from .runtime import Runtime
    from .store import Store
else:
    try:  # signal's C core: the same functions, without the enum classes signal.py makes (~1 ms)
        import _signal as signal
    except ImportError:  # pragma: no cover - an interpreter without it
        import signal

__all__ = ["EngineClock", "StoreClock", "attach_runtime", "watch_store", "clock_of", "call_before",
           "timed_caller", "interrupt_reason", "check_seconds", "raise_deferred_sigint", "STOP_MARKER"]

STOP_MARKER = "wt-interrupt:"
"""Prefix of the error message with which the deadline callback stops wasm."""

_RETRY = 0.005  # after a deadline passed: increment again this often until the call ends
_IDLE = 2.0  # the timer thread exits after this long without timed calls
_REDELIVER = 0.05  # a deferred SIGINT nobody consumed is delivered again after this long
_MAIN = threading.main_thread().ident


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


class StoreClock:
    """The deadlines of the timed calls running in one store (nested calls stack).

    Thread-safety: changed only under the store's lock; read by the timer thread and by
    the deadline callback (on the thread that holds the store's lock)."""

    __slots__ = ("key", "engine", "deadlines", "fire_at", "__weakref__")

    def __init__(self, key: int, engine: EngineClock) -> None:
        self.key = key
        self.engine = engine
        self.deadlines: list[tuple[float, float | None]] = []  # (monotonic deadline, timeout or None)
        self.fire_at = math.inf

    def current(self) -> tuple[float, float | None] | None:
        """The earliest (deadline, timeout) in force, or None when no timed call runs."""
        return min(self.deadlines) if self.deadlines else None


_clocks: dict[int, StoreClock] = {}  # callback key -> clock, until wasmtime frees the store
_engines: weakref.WeakSet[EngineClock] = weakref.WeakSet()
_registry_lock = threading.Lock()
_next_key = itertools.count(1)


# -- the deadline callback ---------------------------------------------------------
def _decide(key: int) -> str | None:
    """Runs on the thread running wasm: a stop message, or None to run on."""
    if _sigint.pending and threading.get_ident() == _MAIN:
        return STOP_MARKER + "sigint"
    clock = _clocks.get(key)
    if clock is not None and clock.deadlines:
        deadline, timeout = min(clock.deadlines)
        if time.monotonic() >= deadline:
            return f"{STOP_MARKER}timeout:{'' if timeout is None else repr(timeout)}"
    return None


def _forget(key: int) -> None:
    _clocks.pop(key, None)


_epoch.set_handlers(_decide, _forget)


def interrupt_reason(message: str) -> tuple[str, float | None] | None:
    """``("timeout", seconds or None)`` or ``("sigint", None)`` when ``message`` is a failure
    caused by the deadline callback; None otherwise."""
    at = message.find(STOP_MARKER)
    if at < 0:
        return None
    words = message[at + len(STOP_MARKER):].split()
    kind, _, arg = (words[0] if words else "").partition(":")
    if kind == "timeout":
        try:
            return ("timeout", float(arg) if arg else None)
        except ValueError:
            return ("timeout", None)
    if kind == "sigint":
        return ("sigint", None)
    return None


# -- runtimes and stores ------------------------------------------------------------
def attach_runtime(runtime: Runtime, engine: ctypes._Pointer[_engine.wasm_engine_t]) -> EngineClock | None:
    """Register a new runtime: its engine clock (None without epoch interruption), and
    the SIGINT handler when made on the main thread. ``engine`` is the live engine handle."""
    _sigint.runtime_opened()
    if not runtime.config.epoch_interruption:
        return None
    clone = _engine.wasmtime_engine_clone(engine)
    clock = EngineClock(Owned(clone, _engine.wasm_engine_delete, "runtime"))
    with _registry_lock:
        _engines.add(clock)
    return clock


def detach_runtime(clock: EngineClock | None) -> None:
    """The runtime closed: drop its engine clock and, with the last runtime, the handler."""
    if clock is not None:
        clock.close()
    _sigint.runtime_closed()


def watch_store(store: Store, clock: EngineClock) -> None:
    """Give ``store`` the shared deadline callback (its engine has epoch interruption)."""
    with _registry_lock:
        key = next(_next_key)
        state = StoreClock(key, clock)
        _clocks[key] = state
    store.clock = state
    _epoch.watch_store(store.ptr, store.context, key)


def clock_of(store: Store) -> StoreClock:
    """The clock of ``store``; ConfigError when its runtime has no epoch interruption."""
    clock = store.clock
    if clock is None:
        raise ConfigError("timeouts need epoch interruption, which this runtime's config switched off "
                          "(RuntimeConfig.with_epoch_interruption(True))")
    return clock


# -- timed calls --------------------------------------------------------------------
def check_seconds(what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ConfigError(f"{what} must be a positive, finite number of seconds, not {value!r}")
    return float(value)


def call_before(store: Store, deadline: float, timeout: float | None, call: Callable[..., list[int]],
                args: Sequence[object]) -> list[int]:
    """``call(*args)`` holding ``store``'s lock, stopped once ``time.monotonic()`` passes
    ``deadline`` (``timeout`` is only reported)."""
    clock = clock_of(store)
    if threading.get_ident() == _MAIN:
        _sigint.ensure_installed()
    with store.lock:
        entry = (deadline, timeout)
        clock.deadlines.append(entry)
        _timer.arm(clock)
        try:
            return call(*args)
        finally:
            clock.deadlines.remove(entry)
            _timer.disarm(clock)


def timed_caller(store: Store, call: Callable[..., list[int]], timeout: float) -> Callable[..., list[int]]:
    """``call`` with ``timeout`` seconds applied to each call."""
    timeout = check_seconds("a timeout", timeout)
    clock_of(store)  # fail now, not at the first call

    def timed(*args: object) -> list[int]:
        return call_before(store, time.monotonic() + timeout, timeout, call, args)

    timed.__name__ = timed.__qualname__ = getattr(call, "__name__", "call")
    return timed


class _Timer:
    """One thread for the whole process, alive only while timed calls run: it sleeps until
    the earliest deadline, then increments that store's engine epoch."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active: set[StoreClock] = set()
        self._thread: threading.Thread | None = None
        self._planned = math.inf

    def arm(self, clock: StoreClock) -> None:
        current = clock.current()
        assert current is not None
        with self._cond:
            clock.fire_at = current[0]
            self._active.add(clock)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wt-deadline-timer", daemon=True)
                self._planned = clock.fire_at
                self._thread.start()
            elif clock.fire_at < self._planned:
                self._planned = clock.fire_at
                self._cond.notify()

    def disarm(self, clock: StoreClock) -> None:
        current = clock.current()
        with self._cond:
            if current is None:
                self._active.discard(clock)
            else:
                clock.fire_at = min(clock.fire_at, current[0])

    def _run(self) -> None:
        with self._cond:
            while True:
                if not self._active:
                    self._planned = math.inf
                    self._cond.wait(_IDLE)
                    if not self._active:
                        self._thread = None
                        return
                now = time.monotonic()
                fired: set[int] = set()
                for clock in self._active:
                    if clock.fire_at <= now:
                        if id(clock.engine) not in fired:
                            clock.engine.increment()
                            fired.add(id(clock.engine))
                        clock.fire_at = now + _RETRY
                self._planned = min((c.fire_at for c in self._active), default=math.inf)
                self._cond.wait(max(0.0, min(self._planned - now, _IDLE)))


_timer = _Timer()


# -- Ctrl-C -------------------------------------------------------------------------
_WT_DIRS = (os.path.dirname(_epoch.__file__ or "") + os.sep, os.path.dirname(__file__) + os.sep)


def _in_callback(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside a function that C called directly, with only wt's
    own frames in between (an exception there would reach ctypes)."""
    while frame is not None:
        code = frame.f_code
        if _epoch.is_callback_entry(code):
            return True
        name = code.co_filename
        if not (name.startswith(_WT_DIRS) or name.startswith("<wt ")):
            return False
        frame = frame.f_back
    return False


class _Wakeup:
    """The two ends of the wakeup fd: the signal module writes each signal's number to the
    writer, the watcher thread reads them. A pipe on POSIX (importing ``socket`` cost ~2-4 ms
    at the first Runtime); a socket pair on Windows, where ``set_wakeup_fd`` takes sockets only."""

    def __init__(self) -> None:
        self._sockets: tuple[socket.socket, socket.socket] | None = None
        self._closing = False
        if os.name == "posix":
            self.reader, self.writer = os.pipe()
            os.set_blocking(self.writer, False)
        else:  # pragma: no cover - Windows
            import socket

            r, w = socket.socketpair()
            w.setblocking(False)
            self._sockets = (r, w)
            self.reader, self.writer = r.fileno(), w.fileno()

    def read(self) -> bytes:
        """The next signal numbers; empty once :meth:`close_writer` was called."""
        try:
            data = self._sockets[0].recv(256) if self._sockets is not None else os.read(self.reader, 256)
        except OSError:
            return b""
        return b"" if self._closing else data

    def close_writer(self) -> None:
        """Wake the watcher for good: it reads nothing more (a forked child may still hold a
        copy of the writer, so the wake-up is a byte and a flag rather than end-of-file)."""
        self._closing = True
        if self._sockets is not None:  # pragma: no cover - Windows
            self._sockets[1].close()
            try:
                self._sockets[0].shutdown(2)  # SHUT_RDWR
            except OSError:
                pass
            return
        try:
            os.write(self.writer, b"\0")
        except OSError:  # pragma: no cover - a full pipe wakes the reader anyway
            pass
        os.close(self.writer)

    def close_reader(self) -> None:
        if self._sockets is not None:  # pragma: no cover - Windows
            self._sockets[0].close()
        else:
            os.close(self.reader)


class _Sigint:
    """The SIGINT handler and the wakeup-fd watcher, shared by every runtime.

    Thread-safety: installing and removing happen on the main thread only (Python's
    rule for signal handlers); the counters are guarded by a lock."""

    def __init__(self) -> None:
        self.pending = False  # a SIGINT deferred inside a callback, not raised yet
        self._pending_lock = threading.Lock()
        self._lock = threading.Lock()
        self._runtimes = 0
        self._installed = False
        self._wakeup: _Wakeup | None = None
        self._watcher: threading.Thread | None = None

    def defer(self) -> None:
        """Keep a SIGINT that arrived inside a callback: the wasm on the main thread stops at
        its next epoch check and the failing call raises KeyboardInterrupt; should nothing
        consume it (no epoch interruption), it is delivered again shortly."""
        with self._pending_lock:
            if self.pending:
                return
            self.pending = True
        _thread.start_new_thread(self._redeliver, ())

    def consume(self) -> bool:
        """Take the deferred SIGINT, if any (the caller raises KeyboardInterrupt)."""
        with self._pending_lock:
            pending, self.pending = self.pending, False
        return pending

    def _redeliver(self) -> None:
        time.sleep(_REDELIVER)
        if self.consume():
            _thread.interrupt_main()  # the handler runs again on the main thread

    def runtime_opened(self) -> None:
        with self._lock:
            self._runtimes += 1
        if threading.get_ident() == _MAIN:
            self.ensure_installed()

    def runtime_closed(self) -> None:
        with self._lock:
            self._runtimes -= 1
            last = self._runtimes <= 0
        if last and threading.get_ident() == _MAIN:
            self.uninstall()

    def ensure_installed(self) -> None:
        """Install the handler (main thread only) unless someone else's is in place."""
        current = signal.getsignal(signal.SIGINT)
        if self._installed and current is _handler:
            return
        if self._installed:  # someone replaced ours: leave theirs alone
            self._installed = False
            self._close_watcher()
        if current is not signal.default_int_handler and current is not _handler:
            return
        signal.signal(signal.SIGINT, _handler)
        self._installed = True
        self._open_watcher()

    def _open_watcher(self) -> None:
        wakeup = _Wakeup()
        try:
            previous = signal.set_wakeup_fd(wakeup.writer, warn_on_full_buffer=False)
        except (ValueError, OSError):  # pragma: no cover - not the main thread, or no support
            wakeup.close_writer()
            wakeup.close_reader()
            return
        if previous != -1:
            # Someone else (an event loop) listens: leave theirs; Ctrl-C then stops wasm
            # only when it calls back into Python.
            signal.set_wakeup_fd(previous)
            wakeup.close_writer()
            wakeup.close_reader()
            return
        self._wakeup = wakeup
        self._watcher = threading.Thread(target=self._watch, args=(wakeup,), name="wt-sigint-watcher", daemon=True)
        self._watcher.start()

    def _close_watcher(self) -> None:
        wakeup, self._wakeup = self._wakeup, None
        if wakeup is None:
            return
        try:
            previous = signal.set_wakeup_fd(-1)
            if previous not in (-1, wakeup.writer):
                signal.set_wakeup_fd(previous)  # not ours any more: put it back
        except (ValueError, OSError):  # pragma: no cover
            pass
        wakeup.close_writer()  # wakes the watcher
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(1.0)  # gone before the caller goes on (and perhaps forks)
        wakeup.close_reader()

    def after_fork_in_child(self) -> None:
        """Forget the parent's watcher (its thread did not survive the fork) and start one
        of the child's own if runtimes live on."""
        self._pending_lock = threading.Lock()
        self._lock = threading.Lock()
        self.pending = False
        wakeup, self._wakeup, self._watcher = self._wakeup, None, None
        if wakeup is not None:
            try:
                if threading.get_ident() == _MAIN:
                    previous = signal.set_wakeup_fd(-1)  # the parent's pipe: let go of it
                    if previous not in (-1, wakeup.writer):  # pragma: no cover - not ours
                        signal.set_wakeup_fd(previous)
            except (ValueError, OSError):  # pragma: no cover
                pass
            # The child's copies only: a plain close, no wake-up byte into the parent's pipe.
            if wakeup._sockets is not None:  # pragma: no cover - Windows
                for sock in wakeup._sockets:
                    sock.close()
            else:
                os.close(wakeup.writer)
                os.close(wakeup.reader)
        if self._installed and self._runtimes > 0 and threading.get_ident() == _MAIN:
            self._installed = False
            self.ensure_installed()

    @staticmethod
    def _watch(wakeup: _Wakeup) -> None:
        while True:
            data = wakeup.read()
            if not data:
                return
            if signal.SIGINT in data:
                with _registry_lock:
                    engines = list(_engines)
                for clock in engines:
                    clock.increment()

    def uninstall(self) -> None:
        """Put Python's default handler back (main thread, if ours is still in place)."""
        if not self._installed:
            return
        self._installed = False
        self._close_watcher()
        if signal.getsignal(signal.SIGINT) is _handler:
            signal.signal(signal.SIGINT, signal.default_int_handler)


_sigint = _Sigint()


def _after_fork_in_child() -> None:
    """Threads do not survive ``fork``: give the child fresh locks, timer and watcher."""
    global _MAIN, _registry_lock, _timer
    _MAIN = threading.main_thread().ident
    _registry_lock = threading.Lock()
    _timer = _Timer()
    for clock in list(_engines):
        clock._lock = threading.Lock()
    for state in _clocks.values():
        state.fire_at = math.inf
    _sigint.after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _handler(signum: int, frame: FrameType | None) -> None:
    """Python's SIGINT handler while wt's is installed: ``signal.default_int_handler``,
    except inside a wt callback, where the interrupt is deferred to the next safe point."""
    if _in_callback(frame):
        _sigint.defer()
        return
    _sigint.consume()
    signal.default_int_handler(signum, frame)


def raise_deferred_sigint() -> None:
    """Raise KeyboardInterrupt if a deferred SIGINT stopped the wasm (by the failing call)."""
    if _sigint.consume():
        raise KeyboardInterrupt
