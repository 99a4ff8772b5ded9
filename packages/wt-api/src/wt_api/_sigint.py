"""Ctrl-C while wasm runs: wt's SIGINT handler and the thread that wakes the engines.

Python runs signal handlers on the main thread at the next bytecode, and when wasm
calls back into Python (a host function, the deadline callback) that bytecode is the
callback's own first instruction. A ``KeyboardInterrupt`` raised there would escape the
callback, and ctypes would then return garbage to wasmtime. So while a Runtime lives,
wt's handler (installed only over Python's default one) stands in for
``signal.default_int_handler``: inside a wt callback it hands the ``KeyboardInterrupt`` to
the callback's store (its :class:`~wt_ffi.sink.CallbackSink`), so that the call's next
callback or epoch check stops the wasm and the call raises it when it returns; a callback
without a store (a finalizer) defers it to the next safe point. Everywhere else it behaves
exactly like the default handler.

A deferred interrupt is seen by the epoch deadline callback (:mod:`wt_api._deadlines`),
which stops the wasm on the main thread; should nothing consume it, it is delivered again.
The SIGINT also reaches a watcher thread (through ``signal.set_wakeup_fd``), which
increments every engine's epoch so that wasm that never calls back into Python stops too.
"""

from __future__ import annotations

import _thread
import os
import threading
import time
import weakref
from types import FrameType

from wt_ffi import epoch as _epoch
from wt_ffi.sink import SINK_FINDERS, CallbackSink

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    import signal
    import socket
else:
    try:  # signal's C core: the same functions, without the enum classes signal.py makes (~1 ms)
        import _signal as signal
    except ImportError:  # pragma: no cover - an interpreter without it
        import signal

__all__ = ["pending", "consume", "runtime_opened", "runtime_closed", "ensure_installed", "wake_on_sigint",
           "is_main_thread"]

_REDELIVER = 0.05  # a deferred SIGINT nobody consumed is delivered again after this long
_MAIN = threading.main_thread().ident
_wake: weakref.WeakSet[object] = weakref.WeakSet()  # objects with increment(): engine clocks
_wake_lock = threading.Lock()


def wake_on_sigint(engine_clock: object) -> None:
    """Call ``engine_clock.increment()`` on every SIGINT while it lives (an engine's epoch)."""
    with _wake_lock:
        _wake.add(engine_clock)


def is_main_thread() -> bool:
    """Whether the calling thread is the main thread (where Python runs signal handlers)."""
    return threading.get_ident() == _MAIN


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
            import socket  # (Windows only; ~2-4 ms at import)

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
    rule for signal handlers); the open runtimes are a set, each added and discarded in
    one step (no lock, which a signal handler closing a runtime could wait on)."""

    def __init__(self) -> None:
        self.pending = False  # a SIGINT deferred inside a callback, not raised yet
        self._pending_lock = threading.Lock()
        self._runtimes: set[object] = set()  # a token per open runtime (see runtime_closed)
        self._installed = False
        self._wakeup: _Wakeup | None = None
        self._watcher: threading.Thread | None = None
        self._watch_refused = False  # someone else owns the wakeup fd

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

    def runtime_opened(self, token: object) -> None:
        self._runtimes.add(token)
        if threading.get_ident() == _MAIN:
            self.ensure_installed()

    def runtime_closed(self, token: object) -> None:
        # (a discard: a close that is repeated, or cut short and run again, counts once)
        self._runtimes.discard(token)
        if not self._runtimes and threading.get_ident() == _MAIN:
            self.uninstall()

    def ensure_installed(self) -> None:
        """Install the handler (main thread only) unless someone else's is in place, and
        the watcher once an engine with epoch interruption exists (the watcher only
        increments epochs: runtimes without them need the handler alone)."""
        current = signal.getsignal(signal.SIGINT)
        if self._installed and current is _handler:
            if self._wakeup is None and not self._watch_refused and _wake:
                self._open_watcher()
            return
        if self._installed:  # someone replaced ours: leave theirs alone
            self._installed = False
            self._close_watcher()
        if current is not signal.default_int_handler and current is not _handler:
            return
        signal.signal(signal.SIGINT, _handler)
        self._installed = True
        self._watch_refused = False
        if _wake:
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
            self._watch_refused = True  # (not asked again until the handler is installed anew)
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
        if self._installed and self._runtimes and threading.get_ident() == _MAIN:
            self._installed = False
            self.ensure_installed()

    @staticmethod
    def _watch(wakeup: _Wakeup) -> None:
        while True:
            data = wakeup.read()
            if not data:
                return
            if signal.SIGINT in data:
                with _wake_lock:
                    engines = list(_wake)
                for clock in engines:
                    clock.increment()  # type: ignore[attr-defined]

    def uninstall(self) -> None:
        """Put Python's default handler back (main thread, if ours is still in place)."""
        if not self._installed:
            return
        self._installed = False
        self._close_watcher()
        if signal.getsignal(signal.SIGINT) is _handler:
            signal.signal(signal.SIGINT, signal.default_int_handler)


_sigint = _Sigint()


class _At:
    """What the sink finders of :mod:`wt_ffi.sink` read of a traceback: its frame."""

    __slots__ = ("tb_frame",)

    def __init__(self, frame: FrameType) -> None:
        self.tb_frame = frame


def _callback_sink(frame: FrameType | None) -> CallbackSink | None:
    """The sink of the wt callback that ``frame`` runs in (or under), if one says so."""
    while frame is not None:
        at = _At(frame)
        for find in SINK_FINDERS:
            sink = find(at)  # type: ignore[arg-type]
            if sink is not None:
                return sink
        frame = frame.f_back
    return None


def _handler(signum: int, frame: FrameType | None) -> None:
    """Python's SIGINT handler while wt's is installed: ``signal.default_int_handler``,
    except inside a wt callback, where raising could reach C: the ``KeyboardInterrupt``
    goes to the callback's store (its sink), so that the call's next callback traps at once
    and the call raises it when it returns (or its next epoch check stops it); a callback
    without a sink defers the interrupt to the next safe point."""
    if _in_callback(frame):
        sink = _callback_sink(frame)
        if sink is None:
            _sigint.defer()
        elif sink.error is None:
            sink.error = KeyboardInterrupt()
        return
    _sigint.consume()
    signal.default_int_handler(signum, frame)


def pending() -> bool:
    """Whether a SIGINT was deferred inside a callback and not raised yet."""
    return _sigint.pending


def consume() -> bool:
    """Take the deferred SIGINT, if any (the caller raises KeyboardInterrupt)."""
    return _sigint.consume()


def runtime_opened(token: object) -> None:
    """A Runtime was made (``token``: its own, given back to :func:`runtime_closed`):
    install the handler (on the main thread)."""
    _sigint.runtime_opened(token)


def runtime_closed(token: object) -> None:
    """A Runtime closed (any number of times): with the last one, put Python's handler
    back (main thread)."""
    _sigint.runtime_closed(token)


def ensure_installed() -> None:
    """Install the handler, on the main thread, unless someone else's is in place."""
    _sigint.ensure_installed()


def _after_fork_in_child() -> None:
    """Threads do not survive ``fork``: the child gets fresh locks and a watcher."""
    global _MAIN, _wake_lock
    _MAIN = threading.main_thread().ident
    _wake_lock = threading.Lock()
    _sigint.after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
