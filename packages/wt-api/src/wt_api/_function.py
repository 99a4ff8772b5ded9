"""Exported functions, called with the seed's encoded values."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import c_void_p
from time import monotonic as _monotonic
from types import CodeType

from wt_ffi import call as _call
from wt_ffi import extern as _extern
from wt_ffi import types as _t
from wt_ffi import val as _val

from ._convert import from_val, param_converter, result_converter
from ._convert_val import to_val
from ._deadlines import call_before, check_seconds
from ._errors import ExitError, WasmArgumentError, WasmRuntimeError, WtError
from ._externtypes import FunctionType
from ._failure import call_failure, failures_ready
from ._handle import refuse_pickling
from ._store import Scope, Store
from ._values import RefType, ValueType, to_raw_type, type_name

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any

    from ._async_call import AsyncCaller

__all__ = ["CallPlan", "Function"]

_CONCRETE_HEAPS = (_t.HEAP_CONCRETE_FUNC, _t.HEAP_CONCRETE_STRUCT, _t.HEAP_CONCRETE_ARRAY, _t.HEAP_CONCRETE_EXN)


class CallPlan:
    """What the Functions of one export share, instance after instance: the signature as
    wt-ffi types, the name as an identifier, and once the first is made, the code of its
    prepared call (``wt_ffi.call.caller_code``). A compiled module keeps one per export."""

    __slots__ = ("params", "results", "ident", "concrete", "code")

    def __init__(self, ty: FunctionType, name: str) -> None:
        self.params = [to_raw_type(t) for t in ty.params]
        self.results = [to_raw_type(t) for t in ty.results]
        self.ident = _identifier(name)
        self.concrete = any(vt.kind == _t.VALTYPE_REF and vt.heap in _CONCRETE_HEAPS for vt in self.params)
        self.code: CodeType | None = None


class Function:
    """A wasm function. :meth:`call` takes each parameter encoded as an int (see
    ``encode_i32`` ... ``encode_f64``, ``encode_externref``) and returns the results as a
    list of encoded ints.

    Everything a call needs is prepared when the function is looked up, so a call is
    one Python frame and one C call. A wrong argument count or an out-of-range value
    raises :class:`~wt_api.WasmArgumentError` before wasm runs; a trap raises
    :class:`~wt_api.Trap`; a Python exception from a host function is re-raised as itself.

    Thread-safety: calls hold the store's lock, so concurrent calls on one module are
    serialised; a host function may call back into wasm on the same thread.
    """

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __init__(self, scope: Scope, func: _extern.wasmtime_func_t, ty: FunctionType, name: str,
                 owner: object) -> None:
        self._scope = scope
        self._store = store = scope.store
        self._func = func
        self._owner = owner  # keeps the module (and store) alive
        self.name = name
        self.type = ty
        plans: dict[str, CallPlan] | None = getattr(owner, "_call_plans", None)  # (an export's: its module's)
        plan = plans.get(name) if plans is not None else None
        if plan is None:
            plan = CallPlan(ty, name)
            if plans is not None:
                plans[name] = plan
        params, results, ident = plan.params, plan.results, plan.ident
        failures_ready()
        if store.aio is not None and store.aio.async_only:  # type: ignore[attr-defined]
            # The store has async host functions, which a sync call must never reach (it
            # would abort the process): every call runs as a future (_async_call).
            self.__dict__["call"] = self._async_caller().driven
            return
        store.fast_calls = True
        if plan.concrete:
            # A raw slot carries no type: only wasmtime's checked call can tell whether a
            # reference fits a concrete type, and a misfit would be memory-unsafe.
            self.__dict__["call"] = self._checked_caller(ident)
            return
        ref_params = {i: param_converter(store, vt, self._where(i)) for i, vt in enumerate(params)
                      if vt.kind == _t.VALTYPE_REF}
        ref_results = {i: result_converter(store, vt) for i, vt in enumerate(results) if vt.kind == _t.VALTYPE_REF}
        call = self.__dict__["call"] = _call.build_caller(
            store.context, func, params, results, ref_params=ref_params, ref_results=ref_results,
            gate=scope.gate, on_failure=self._failed, on_bad_value=self._bad_value, on_bad_args=self._bad_args,
            on_bad_arity=self._bad_arity, name=ident, code=plan.code,
        )
        plan.code = call.__code__  # (the same for every instance: see CallPlan)

    def call(self, *params: int) -> list[int]:
        """Call the function with its parameters encoded as ints; returns the results,
        encoded. (Each Function replaces this method with a function prepared for its
        signature, one Python frame deep.)"""
        return self.__dict__["call"](*params)  # type: ignore[no-any-return]

    def call_async(self, *params: int) -> Coroutine[Any, Any, list[int]]:
        """``await function.call_async(*params)``: :meth:`call` on the running event loop,
        without blocking it. Running wasm yields to the loop at the runtime's interval
        (``RuntimeConfig.with_async_support``), async host functions are awaited in the
        calling task, and cancelling that task (``task.cancel()``, ``asyncio.timeout``)
        stops the wasm promptly, leaving the instance usable. Failures raise as for
        :meth:`call`. Calls of one instance take turns; see the guide for threads."""
        caller: AsyncCaller = self.__dict__.get("_async") or self._async_caller()  # (no frame once made)
        return caller.run(params)

    def _async_caller(self) -> AsyncCaller:
        """How this function runs as a future (made on first use)."""
        found: AsyncCaller | None = self.__dict__.get("_async")
        if found is None:
            from ._async_call import AsyncCaller  # (async support loads on first use: start-up)

            found = self.__dict__["_async"] = AsyncCaller(
                self._scope, self._func, self.type, getattr(self._owner, "_call_timeout", None),
                on_failure=self._raise, on_bad_value=self._bad_value, on_bad_args=self._bad_args,
                on_bad_arity=self._bad_arity, where=self._where)
        return found

    def _wrap_call(self, wrap: Callable[[Callable[..., list[int]]], Callable[..., list[int]]]) -> None:
        """Replace the prepared call with ``wrap(call)`` (a timeout, a writer's errors)."""
        self.__dict__["call"] = wrap(self.__dict__["call"])

    def _where(self, index: int) -> str:
        return f"{self.name}: parameter {index} ({type_name(self.type.params[index])})"

    def _checked_caller(self, name: str) -> Callable[..., list[int]]:
        """A call through ``wasmtime_func_call``: typed values, checked by wasmtime."""
        scope, store, ty = self._scope, self._store, self.type
        nargs, nres = len(ty.params), len(ty.results)
        func = self._func

        from wt_ffi import func as _func  # (only concrete reference types need it: start-up)

        def call(*args: object) -> list[int]:
            if len(args) != nargs:
                self._bad_arity(len(args))
            with scope:
                vals = (_val.wasmtime_val_t * max(nargs, 1))()
                held = []
                for i, (t, value) in enumerate(zip(ty.params, args)):
                    vals[i], keep = to_val(store, t, value, self._where(i))
                    held.append(keep)
                out = (_val.wasmtime_val_t * max(nres, 1))()
                trap = c_void_p()
                err = _func.wasmtime_func_call(store.context, ctypes.byref(func), vals, nargs, out, nres,
                                               ctypes.byref(trap))
                del held
                if err or trap.value:
                    self._raise(ctypes.cast(err, c_void_p).value, trap.value, plain=WasmArgumentError)
                return [from_val(store, out[i]) for i in range(nres)]

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

    def call_with_timeout(self, timeout: float, *params: int) -> list[int]:
        """``call(*params)``, stopped with :class:`~wt_api.WasmTimeoutError` if it runs longer
        than ``timeout`` seconds (measured from now; an instance timeout set with
        ``ModuleConfig.with_timeout`` still applies, whichever ends first). Wasm that is
        inside a host function stops when that function returns. Needs a runtime made with
        ``RuntimeConfig().with_epoch_interruption()`` (ConfigError otherwise)."""
        timeout = check_seconds("a timeout", timeout)
        return call_before(self._scope, _monotonic() + timeout, timeout, self.call, params)

    def call_with_deadline(self, deadline: float, *params: int) -> list[int]:
        """``call(*params)``, stopped with :class:`~wt_api.WasmTimeoutError` once
        ``time.monotonic()`` passes ``deadline`` (as :meth:`call_with_timeout`, which says
        what it needs)."""
        return call_before(self._scope, check_seconds("a deadline", deadline), None, self.call, params)

    def _funcref_in(self, store: Store, where: str) -> int:
        """This function as a funcref argument in ``store`` (WasmArgumentError if it lives
        in another store, or its store is closed)."""
        if store is not self._store:
            raise WasmArgumentError(f"{where}: this function belongs to another store")
        if not self._scope.alive[0]:
            raise WasmArgumentError(f"{where}: this function's module is closed")
        raw = _val.func_to_raw(store.context, self._func)
        store.funcrefs.add(raw)
        return raw

    def __repr__(self) -> str:
        return f"<Function {self.name} {self.type}>"

    # -- failure paths (off the hot path) ------------------------------------------
    def _failed(self, error_address: int | None, trap_address: int) -> None:
        self._raise(error_address, trap_address)

    def _raise(self, error_address: int | None, trap_address: int | None,
               plain: type[WtError] = WasmRuntimeError) -> None:
        exc = call_failure(self._store, error_address, trap_address, plain=plain)
        if exc is None:  # proc_exit(0): a normal return, unless results were due
            if not self.type.results:
                return
            exc = ExitError(0)
        raise exc

    def _bad_value(self, index: int, value: object) -> None:
        t = self.type.params[index]
        raise WasmArgumentError(f"{self._where(index)} is out of range: {value!r}; use wt.encode_{type_name(t)}(...)")

    def _bad_args(self, args: tuple[object, ...], exc: TypeError) -> None:
        if isinstance(exc, WasmArgumentError):
            raise exc
        for index, value in enumerate(args):
            if not isinstance(value, int):
                t = self.type.params[index]
                raise WasmArgumentError(f"{self._where(index)} takes an encoded int, not {type(value).__name__}; "
                                        f"use wt.encode_{type_name(t)}(...)") from None
        raise WasmArgumentError(f"{self.name}: {exc}") from exc

    def _bad_arity(self, n: int) -> None:
        raise WasmArgumentError(f"{self.name} takes {len(self.type.params)} parameter(s) {self.type}, got {n}")


def _identifier(name: str) -> str:
    ident = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not ident or ident[0].isdigit() or not ident.isidentifier():
        ident = "f_" + ident
    return ident
