"""The one error path: wasmtime's errors and traps become wt's exceptions here.

:func:`call_failure` decides what a failed call or instantiation raises, in this order:

1. an exception raised inside a callback of the store (a host function, a signal handler
   that ran there, the deadline callback), left with the store's sink: raised as itself;
2. an exception raised by a Python writer of the guest's stdout or stderr: as itself;
3. why the store's deadline callback stopped the wasm, recorded on the store when it
   did: ``KeyboardInterrupt`` (Ctrl-C) or :class:`~wt_api.WasmTimeoutError`;
4. an uncaught wasm exception: :class:`~wt_api.WasmException`;
5. WASI ``proc_exit``: :class:`~wt_api.ExitError` (none for exit code 0);
6. a trap: :class:`~wt_api.Trap`; any other error: the caller's ``plain`` class.

:func:`error_exception` turns a ``wasmtime_error_t`` into an exception.
"""

from __future__ import annotations

import ctypes

from wt_ffi import error as _error
from wt_ffi.sink import refill_spares

from . import _sigint
from ._convert import take_exception
from ._errors import (ExitError, Frame, Trap, TrapCode, WasmException, WasmRuntimeError, WasmTimeoutError,
                      WtError)
from ._store import Store

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable

    from wt_ffi.trap import Failure

__all__ = ["call_failure", "failures_ready", "raise_call_failure", "error_exception", "raise_error"]

_BACKTRACE = "\nwasm backtrace:"


def _trap_code(code: int | None) -> TrapCode | None:
    if code is None:
        return None
    try:
        return TrapCode(code)
    except ValueError:
        return None


_take_failure: Callable[[int | None, int | None], Failure] | None = None


def _load() -> Callable[[int | None, int | None], Failure]:
    global _take_failure
    from wt_ffi.trap import take_failure  # (loaded by the first function made: start-up)

    _take_failure = take_failure
    return take_failure


def failures_ready() -> None:
    """Load what a failed call needs, before any call can fail (each function's first
    use). Loaded by the failure itself, a signal handler that raised during the import
    could leave the module half made in ``sys.modules`` on Python 3.10 (whose importlib
    cleans up in an ``except`` clause, whose first instruction runs handlers): every later
    failure would then raise ImportError."""
    if _take_failure is None:
        _load()


def _message(failure: Failure) -> str:
    """wasmtime's message without the backtrace it prints (wt's exceptions show their
    own, from the frames)."""
    at = failure.message.find(_BACKTRACE)
    return failure.message if at < 0 else failure.message[:at]


def call_failure(store: Store, error_address: int | None, trap_address: int | None,
                 plain: type[WtError] = WasmRuntimeError) -> BaseException | None:
    """The exception for a call (or instantiation) of ``store`` that returned an error or a
    trap; None when the guest called ``proc_exit(0)``. Frees what C returned."""
    refill_spares()  # first: an interrupt later in this function must not leave the pools drawn down
    failure = (_take_failure or _load())(error_address, trap_address)
    sink = store.sink
    raised, sink.error = sink.error, None
    clock = store.clock
    stopped = None
    if clock is not None:
        stopped, clock.stopped = clock.stopped, None
    if raised is not None:
        return raised
    written = store.output_errors[0] if store.output_errors else None
    if written is not None:
        store.output_errors.clear()  # type: ignore[union-attr]
        # What the guest did about its failed write (it may exit) is the context.
        written.__context__ = _outcome(store, failure, stopped, plain)
        return written
    return _outcome(store, failure, stopped, plain)


def _outcome(store: Store, failure: Failure, stopped: tuple[str, float | None] | None,
             plain: type[WtError]) -> BaseException | None:
    frames = [Frame(f) for f in failure.frames]
    if stopped is not None:
        kind, timeout = stopped
        if kind == "sigint":
            if _sigint.consume():
                return KeyboardInterrupt()
            return Trap("the wasm call was interrupted (SIGINT)", TrapCode.INTERRUPT, frames)
        what = "its deadline" if timeout is None else f"its timeout of {timeout:g} s"
        return WasmTimeoutError(f"the wasm call ran past {what} and was stopped", timeout, frames)
    exception = take_exception(store)
    if exception is not None:
        return WasmException(_message(failure), exception, exception.payload, frames)
    if failure.exit_status is not None:
        return ExitError(failure.exit_status) if failure.exit_status else None
    if failure.is_trap or failure.trap_code is not None:
        return Trap(_message(failure), _trap_code(failure.trap_code), frames)
    return plain(_message(failure)) if plain is not WasmRuntimeError else WasmRuntimeError(_message(failure), frames)


def raise_call_failure(store: Store, error_address: int | None, trap_address: int | None) -> None:
    """Raise the exception for a failed call of ``store`` (return for ``proc_exit(0)``)."""
    exc = call_failure(store, error_address, trap_address)
    if exc is not None:
        raise exc.with_traceback(exc.__traceback__)


def error_exception(err: ctypes._Pointer[_error.wasmtime_error_t], cls: type[WtError], what: str = "") -> WtError:
    """The exception of class ``cls`` for a ``wasmtime_error_t`` (freed here); ``what``
    says what failed (``"cannot grow memory by 3 pages"``)."""
    try:
        message = _error.error_message(err)
    finally:
        _error.wasmtime_error_delete(err)
    return cls(f"{what}: {message}" if what else message)


def raise_error(err: ctypes._Pointer[_error.wasmtime_error_t], cls: type[WtError], what: str = "") -> None:
    """Raise :func:`error_exception` (does nothing for a NULL error)."""
    if err:
        raise error_exception(err, cls, what)
