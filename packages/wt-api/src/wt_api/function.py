"""Exported functions, called with the seed's encoded values."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import c_void_p
from time import monotonic as _monotonic

from wt_ffi import call as _call
from wt_ffi import extern as _extern
from wt_ffi import func as _func
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.store import wasmtime_context_t

from . import refs
from .errors import ClosedError, Frame, WasmArgumentError, WasmException, failure_to_exception
from .externtypes import FunctionType
from .valconv import from_val, to_val
from .values import RefType, ValueType, to_raw_type, type_name

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .store import Store

__all__ = ["Function"]

_CONCRETE_HEAPS = (_t.HEAP_CONCRETE_FUNC, _t.HEAP_CONCRETE_STRUCT, _t.HEAP_CONCRETE_ARRAY, _t.HEAP_CONCRETE_EXN)


class Function:
    """A wasm function. ``call(*params)`` takes each parameter encoded as an int (see
    ``encode_i32`` ... ``encode_f64``, ``encode_externref``) and returns the results as a
    list of encoded ints.

    Everything a call needs is prepared when the function is looked up, so a call is
    one Python frame and one C call. A wrong argument count or an out-of-range value
    raises :class:`~wt_api.WasmArgumentError` before wasm runs; a trap raises
    :class:`~wt_api.Trap`; a Python exception from a host function is re-raised as itself.

    Thread-safety: calls hold the store's lock, so concurrent calls on one module are
    serialised; a host function may call back into wasm on the same thread.
    """

    call: Callable[..., list[int]]
    """Call the function with encoded parameters; returns the encoded results."""

    def __init__(self, store: Store, func: _extern.wasmtime_func_t, ty: FunctionType, name: str,
                 owner: object) -> None:
        self._store = store
        self._func = func
        self._owner = owner  # keeps the module (and store) alive
        self.name = name
        self.type = ty
        params = [to_raw_type(t) for t in ty.params]
        results = [to_raw_type(t) for t in ty.results]
        if any(vt.kind == _t.VALTYPE_REF and vt.heap in _CONCRETE_HEAPS for vt in params):
            # A raw slot carries no type: only wasmtime's checked call can tell whether a
            # reference fits a concrete type, and a misfit would be memory-unsafe.
            self.call = self._checked_caller(_identifier(name))
            return
        ctx = store.context
        ref_in: dict[int, Callable[[object], object]] = {}
        ref_raw: dict[int, Callable[[object], int]] = {}
        ref_out: dict[int, Callable[[int], int]] = {}
        for i, vt in enumerate(params):
            if vt.kind != _t.VALTYPE_REF:
                continue
            where = f"{name}: parameter {i} ({type_name(ty.params[i])})"
            if vt.heap in (_t.HEAP_FUNC, _t.HEAP_NOFUNC):
                ref_in[i] = refs.funcref_argument(store, vt, where)
            else:
                ref_in[i] = refs.argument_maker(store, vt, where)
                ref_raw[i] = refs.raw_of  # type: ignore[assignment]
        for i, vt in enumerate(results):
            if vt.kind == _t.VALTYPE_REF:
                ref_out[i] = refs.result_converter(store, vt)
        self.call = _call.build_caller(
            ctx, func, params, results, ref_in=ref_in, ref_out=ref_out, ref_raw=ref_raw,  # type: ignore[arg-type]
            on_failure=self._failed, on_bad_value=self._bad_value, on_bad_args=self._bad_args,
            on_bad_arity=self._bad_arity,
            guard=_Guard(store), name=_identifier(name),
        )

    def _checked_caller(self, name: str) -> Callable[..., list[int]]:
        """A call through ``wasmtime_func_call``: typed values, checked by wasmtime."""
        store, ty, guard = self._store, self.type, _Guard(self._store)
        nargs, nres = len(ty.params), len(ty.results)
        func = self._func

        def call(*args: object) -> list[int]:
            if len(args) != nargs:
                self._bad_arity(len(args))
            guard.acquire()
            try:
                vals = (_val.wasmtime_val_t * max(nargs, 1))()
                held = []
                for i, (t, value) in enumerate(zip(ty.params, args)):
                    try:
                        vals[i], release = to_val(store, t, value)
                    except WasmArgumentError as exc:
                        raise WasmArgumentError(f"{self.name}: parameter {i} ({type_name(t)}): {exc}") from None
                    held.append(release)
                out = (_val.wasmtime_val_t * max(nres, 1))()
                trap = c_void_p()
                err = _func.wasmtime_func_call(store.context, ctypes.byref(func), vals, nargs, out, nres,
                                               ctypes.byref(trap))
                for release in held:
                    release()
                if err and not trap.value:
                    failure = _call.take_failure(ctypes.cast(err, c_void_p).value, trap)
                    if failure.message.startswith("argument type mismatch"):  # wasm was not entered
                        raise WasmArgumentError(f"{self.name}: {failure.message}")
                    self._raise(failure)
                if trap.value:
                    self._failed(None, trap)
                return [from_val(store, out[i]) for i in range(nres)]
            finally:
                guard.release()

        call.__name__ = call.__qualname__ = name
        return call

    @property
    def param_types(self) -> tuple[ValueType | RefType, ...]:
        """The parameter types."""
        return self.type.params

    @property
    def result_types(self) -> tuple[ValueType | RefType, ...]:
        """The result types."""
        return self.type.results

    def call_with_timeout(self, timeout: float, *params: object) -> list[int]:
        """``call(*params)``, stopped with :class:`~wt_api.WasmTimeoutError` if it runs longer
        than ``timeout`` seconds (measured from now; an instance timeout set with
        ``ModuleConfig.with_timeout`` still applies, whichever ends first). Wasm that is
        inside a host function stops when that function returns."""
        from .interrupt import call_before, check_seconds

        timeout = check_seconds("a timeout", timeout)
        return call_before(self._store, _monotonic() + timeout, timeout, self.call, params)

    def call_with_deadline(self, deadline: float, *params: object) -> list[int]:
        """``call(*params)``, stopped with :class:`~wt_api.WasmTimeoutError` once
        ``time.monotonic()`` passes ``deadline``."""
        from .interrupt import call_before, check_seconds

        return call_before(self._store, check_seconds("a deadline", deadline), None, self.call, params)

    def __repr__(self) -> str:
        return f"<Function {self.name} {self.type}>"

    # -- failure paths (off the hot path) ------------------------------------------
    def _failed(self, error_addr: int | None, trap: c_void_p) -> None:
        self._raise(_call.take_failure(error_addr, trap))

    def _raise(self, failure: _call.Failure) -> None:
        from .host import take_host_exception

        original = take_host_exception(failure.message)
        if original is not None:
            raise original.with_traceback(original.__traceback__)
        exception = refs.take_exception(self._store)
        if exception is not None:
            raise WasmException(failure.message, exception, [Frame(f) for f in failure.frames])  # type: ignore[arg-type]
        if failure.exit_status == 0 and not self.type.results:
            return
        raise failure_to_exception(failure)

    def _bad_value(self, index: int, value: object) -> None:
        t = self.type.params[index]
        if not isinstance(value, int):
            raise WasmArgumentError(
                f"{self.name}: parameter {index} ({type_name(t)}) takes an encoded int, not "
                f"{type(value).__name__}; use wt.encode_{type_name(t)}(...)")
        raise WasmArgumentError(
            f"{self.name}: parameter {index} ({type_name(t)}) is out of range: {value}; "
            f"use wt.encode_{type_name(t)}(...)")

    def _bad_args(self, args: tuple[object, ...], exc: TypeError) -> None:
        if isinstance(exc, WasmArgumentError):
            raise exc
        for index, value in enumerate(args):
            if not isinstance(value, int):
                self._bad_value(index, value)
        raise WasmArgumentError(f"{self.name}: {exc}") from exc

    def _bad_arity(self, n: int) -> None:
        raise WasmArgumentError(f"{self.name} takes {len(self.type.params)} parameter(s) {self.type}, got {n}")


class _Guard:
    """The store lock, checked for a closed store once held."""

    __slots__ = ("acquire", "release")

    def __init__(self, store: Store) -> None:
        lock = store.lock
        alive = store.alive

        def acquire() -> None:
            lock.acquire()
            if not alive[0]:
                lock.release()
                raise ClosedError("this function's module is closed")

        self.acquire = acquire
        self.release = lock.release


def _identifier(name: str) -> str:
    ident = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not ident or ident[0].isdigit() or not ident.isidentifier():
        ident = "f_" + ident
    return ident
