"""What callbacks into Python leave for the call that entered wasm.

No exception may leave a callback into C (ctypes would print it and return garbage to
wasmtime), and a signal handler can raise at any call, so a callback's failure path runs
no signal handler: it leaves the exception in the store's :class:`CallbackSink` and
returns a C object (a trap, an error) taken from a :class:`Spares` pool made ahead, with no
call (one to the pool's last resort when it is dry). :func:`guarded_source` writes that path
for each Python version.

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
from collections.abc import Callable
from ctypes import c_void_p
from itertools import repeat, starmap
from types import TracebackType

from ._library import raw_function
from .entry import checked_later

__all__ = ["CallbackSink", "Spares", "refill_spares", "guarded_source", "GUARD_FRAMES", "catch_escapes", "ready_callbacks",
           "SINK_FINDERS"]

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
    """C objects made ahead (traps, errors) for callbacks to return from their failure path
    without making a call. ``items`` is a stack of addresses; a taker does, with no call in
    between (so no signal handler and no other Python thread can run meanwhile)::

        t = (items[-1:] or (0,))[0]
        del items[-1:]

    :meth:`fill` tops the pool up in one step of C; wt-api calls it as each failed call is
    handled, so the pool runs dry only if more callbacks fail at once than it holds. A
    taker that finds it dry calls :attr:`last_resort` (see :func:`_last_resort_of`)."""

    CAPACITY = 64
    RESERVE = 16
    """Spares kept aside (``reserve``) for Python 3.10's failure path, should a handler stop
    its refill of a dry pool (see :func:`guarded_source`)."""

    def __init__(self, symbol: str, *args: object) -> None:
        """Each spare is ``symbol(*args)``, a C function of the library that makes one
        (bound on the first :meth:`fill`; ``args`` as :func:`wt_ffi._library.raw_function`
        takes them)."""
        self.items: list[int] = []
        self.reserve: list[int] = []
        self._symbol = symbol
        self._new: Callable[..., int | None] | None = None
        self._args = args
        self.last_resort = _last_resort_of(self.items, self.reserve, self.fill)
        _POOLS.append(self)

    def fill(self) -> None:
        """Make spares until the pool is full. Each object goes from the ctypes call that
        makes it straight into the pool (``list.extend`` over ``starmap``, all in C), so a
        signal handler that raises can run only before the first or after the last: none
        is made and lost."""
        if self._new is None:
            self._new = raw_function(self._symbol, c_void_p)  # type: ignore[assignment]
        missing = self.CAPACITY - len(self.items)
        if missing > 0:
            self.items.extend(starmap(self._new, repeat(self._args, missing)))  # type: ignore[arg-type]
        missing = self.RESERVE - len(self.reserve)
        if missing > 0:
            self.reserve.extend(starmap(self._new, repeat(self._args, missing)))  # type: ignore[arg-type]

    def take(self) -> int:
        """One spare, for Python code outside a callback's failure path."""
        t = (self.items[-1:] or _NONE)[0]
        del self.items[-1:]
        return t or self.last_resort(None)

    def names(self) -> dict[str, object]:
        """What :func:`guarded_source`'s code needs from this pool, for its globals."""
        return {"_items": self.items, "_reserve": self.reserve, "_NONE": _NONE, "_CUT": _CUT, "_fill": self.fill,
                "_last": self.last_resort, "_keep": _keep}


_NONE = (0,)
_CUT = (-1, 1 << 62)  # where 3.10's failure path cuts the pool: [-1:] takes the last, [2**62:] nothing


_TRIES = 16


def _last_resort_of(items: list[int], reserve: list[int], fill: Callable[[], None]) -> Callable[..., int]:
    """The function a taker calls when the pool is dry: fill it and take one.

    It is a Python function, and from Python 3.11 on neither entering one (its check for
    signal handlers is deferred, see :mod:`wt_ffi.entry`) nor returning from one runs a
    signal handler; the ``fill`` runs inside a ``try`` whose ``except`` records what a
    handler raised in ``sink`` (it then supersedes the host function's exception, its
    ``__context__``). Should another thread take the new spares first, it tries again, up
    to ``_TRIES`` times (a fill that always fails must not recurse until RecursionError
    escapes), then takes one from ``reserve``."""

    def last_resort(sink: CallbackSink | None, tries: int = _TRIES) -> int:
        try:
            fill()
        except BaseException as exc:
            if sink is not None:
                sink.error = exc
        t = (items[-1:] or _NONE)[0]
        del items[-1:]
        u = not t and not tries and (reserve[-1:] or _NONE)[0]
        del reserve[_CUT[not u]:]
        return t or u or (tries and last_resort(sink, tries - 1)) or 0

    last_resort.__code__ = checked_later(last_resort.__code__)
    return last_resort


def _keep(sink: CallbackSink) -> None:
    """Python 3.10's failure path, when a signal handler raised as its ``except`` clause
    started: the exception being handled (the handler's, its ``__context__`` the host
    function's) goes to ``sink``. Its first instruction is a ``try``, where 3.10 runs no
    handler."""
    try:
        sink.error = sys.exc_info()[1]
    finally:
        pass


def refill_spares() -> None:
    """Top up every pool that has been drawn from (as a failed call is handled)."""
    for pool in _POOLS:
        if len(pool.items) < pool.CAPACITY or len(pool.reserve) < pool.RESERVE:
            pool.fill()


GUARD_FRAMES = 1 if sys.version_info >= (3, 11) else 2
"""How many Python frames a callback of :func:`guarded_source` runs its body in (on 3.10,
the body is a function of its own under the callback)."""


def guarded_source(params: str, body: list[str], sink: str = "_sink") -> str:
    """The source of ``trampoline(params)``, a callback into Python whose failure path runs
    no signal handler.

    ``body`` is its lines (indented by 8): they may return the callback's result, and it
    returns 0 if they end. Whatever they raise goes to ``{sink}.error`` (``sink`` is an
    expression over the parameters and globals) and the callback returns a spare from the
    pool whose :meth:`Spares.names` are in its globals.

    From Python 3.11 on an ``except`` clause is entered without a check for signal
    handlers, and the path below makes no call but the last resort's (a Python function:
    no check on return). Python 3.10 checks as a handler starts, unless its first
    instruction is a ``try`` (a ``SETUP_FINALLY`` with no ``EXTENDED_ARG`` before it), and
    after every call: there the body is a function of its own, called under a ``finally``
    that starts with a ``try`` and stays short enough for one-byte jumps, and the spare is
    taken with no call, no jump that checks (``or`` and ``and`` as values jump without
    one) and no arithmetic on large ints (whose multiplication runs signal handlers). A
    handler that raises as the ``except`` clause starts lands in the ``finally``, which
    records its exception with :func:`_keep`, and fills a dry pool; should a second
    handler stop either, the exception is lost, and a spare from ``reserve`` is returned
    if the pool is still dry. Only when the reserve is empty too (``RESERVE`` such
    interrupted fills, or spares taken by other threads, with no failed call between to
    refill it) does the callback return as if it succeeded."""
    if sys.version_info >= (3, 11):
        return "\n".join([f"def trampoline({params}):", "    try:", *body, "        return 0", "    except BaseException as exc:",
                          f"        {sink}.error = exc", "        t = (_items[-1:] or _NONE)[0]", "        del _items[-1:]",
                          f"        return t or _last({sink})"])
    return "\n".join([
        "global _body", f"def _body({params}):", *(line[4:] for line in body),
        f"def trampoline({params}, _ok=False, _r=0):", "    try:", "        try:", f"            _r = _body({params}) or 0", "            _ok = True",
        "        except BaseException as exc:", f"            {sink}.error = exc",
        "    finally:", "        try:", f"            _ok or {sink}.error is not None or _keep({sink})",
        "            _items or _ok or _fill()",
        "        finally:", "            try:", "                t = not _ok and (_items[-1:] or _NONE)[0]",
        "                del _items[_CUT[_ok]:]", "                u = not _ok and not t and (_reserve[-1:] or _NONE)[0]",
        "                del _reserve[_CUT[not u]:]", "                return t or u or _r",
        "            finally:", "                pass"])


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
