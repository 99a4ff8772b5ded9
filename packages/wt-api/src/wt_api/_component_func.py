"""Calling a component's exported functions: :class:`ComponentFunction`.

A call checks its arguments in Python (count, then each value against its WIT type,
through :mod:`wt_api._component_values`) while holding the instance's store, writes them
into a buffer the function keeps, calls ``wasmtime_component_func_call``, reads the result
and frees it. Nothing reaches C that could abort the process or poison the instance with a
lowering error; a trap still poisons it (a component-model rule), which wt records so that
later calls fail at once with the reason.
"""

from __future__ import annotations

import ctypes
from ctypes import c_size_t, c_void_p

from wt_ffi import raw_function
from wt_ffi.component import func as _f
from wt_ffi.component import val as _v

from ._component_classes import Err, Ok
from ._component_resources import ResourceEnv, resource_lifter, resource_lowerer
from ._component_types import ComponentFunctionType
from ._component_values import VAL_SIZE, LiftError, Mismatch, lifter, lowerer, unsupported
from ._errors import ExitError, Trap, TrapCode, WasmArgumentError, WasmRuntimeError, WtError
from ._failure import call_failure
from ._store import Scope

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["ComponentFunction", "component_failure"]

_CALL: list[Callable[..., int]] = []
# The trap messages of wasmtime (its ``Trap`` display texts) -> wt's codes.
_TRAP_TEXTS = {
    "wasm `unreachable` instruction executed": TrapCode.UNREACHABLE_CODE_REACHED,
    "call stack exhausted": TrapCode.STACK_OVERFLOW,
    "out of bounds memory access": TrapCode.MEMORY_OUT_OF_BOUNDS,
    "integer divide by zero": TrapCode.INTEGER_DIVISION_BY_ZERO,
    "integer overflow": TrapCode.INTEGER_OVERFLOW,
    "indirect call to a null table entry": TrapCode.INDIRECT_CALL_TO_NULL,
    "undefined element: out of bounds table access": TrapCode.TABLE_OUT_OF_BOUNDS,
    "indirect call type mismatch": TrapCode.BAD_SIGNATURE,
    "interrupt": TrapCode.INTERRUPT,
    "all fuel consumed by WebAssembly": TrapCode.OUT_OF_FUEL,
    "cannot enter component instance": TrapCode.CANNOT_ENTER_COMPONENT,
    "invalid `char` bit pattern": TrapCode.INVALID_CHAR,
}
_SCALAR_RESULTS = frozenset({"bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char"})


def _call_function() -> Callable[..., int]:
    if not _CALL:
        _CALL.append(raw_function("wasmtime_component_func_call", c_void_p))  # type: ignore[arg-type]
    return _CALL[0]


def component_failure(scope: Scope, env: ResourceEnv, error_address: int, what: str) -> BaseException | None:
    """The exception for a failed component call (or instantiation, drop); the instance is
    marked unusable. None for WASI ``exit(0)``."""
    exc = call_failure(scope.store, error_address, None)
    if type(exc) is WasmRuntimeError:
        text = exc.message
        at = text.find("wasm trap: ")
        if at >= 0:
            reason = text[at + len("wasm trap: "):].strip().splitlines()[0]
            exc = Trap(f"{what} trapped: {reason}\n{text}", _TRAP_TEXTS.get(reason), exc.frames)
    if exc is None or isinstance(exc, ExitError):
        env.failed = "the guest exited" + ("" if exc is None else f" with code {exc.exit_code}")
    elif env.failed is None:
        env.failed = f"an earlier call failed ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
    return exc


class ComponentFunction:
    """A function a component instance exports (at the top level or in an interface).

    Call it with Python values (``f(1, "text")``); it returns the result's Python value,
    None for a function without a result. A function whose result is a ``result<T, E>``
    returns T's value, or raises :class:`~wt_api.Err` with E's. Arguments are checked
    against the WIT types before wasm runs (:class:`~wt_api.WasmArgumentError` names the
    parameter and its type). A trap, a host function's exception or a timeout comes out
    as the same exceptions as for modules, and leaves the instance unusable (the
    component model forbids entering an instance that trapped): later calls raise
    :class:`~wt_api.WasmRuntimeError` saying why.

    Thread-safety: calls hold the instance's store lock (one call at a time per instance).
    A host function may not call back into its own instance (the component model forbids
    re-entering an instance): that raises :class:`~wt_api.WasmRuntimeError`."""

    __slots__ = ("name", "type", "_scope", "_env", "_func", "_func_ref", "_lowers", "_lift", "_unwrap", "_args",
                 "_results", "_results_ptr", "_view", "_nargs", "_nresults", "_free_result", "_why", "_ctx", "_owner", "__weakref__",
                 "_wrapped")

    def __init__(self, scope: Scope, env: ResourceEnv, func: _f.wasmtime_component_func_t, name: str,
                 ftype: ComponentFunctionType, owner: object) -> None:
        self.name = name
        self.type = ftype
        self._scope = scope
        self._env = env
        self._owner = owner
        self._func = func
        self._func_ref = ctypes.byref(func)
        self._ctx = c_void_p(env.context)
        self._why = next((w for w in (unsupported(t) for t in (*(t for _, t in ftype.params),
                                                                *((ftype.result,) if ftype.result else ())))
                          if w is not None), None)
        if self._why is None:
            self._lowers = [lowerer(t, lambda t: resource_lowerer(env, t)) for _, t in ftype.params]
            self._lift = None if ftype.result is None else lifter(ftype.result, lambda t: resource_lifter(env, t))
        result = ftype.result
        self._unwrap = result is not None and result.kind == "result"
        self._free_result = result is not None and result.kind not in _SCALAR_RESULTS
        self._nargs = len(ftype.params)
        self._nresults = 0 if result is None else 1
        self._args = ctypes.create_string_buffer(VAL_SIZE * max(self._nargs, 1))
        self._results = ctypes.create_string_buffer(VAL_SIZE)
        self._results_ptr = ctypes.cast(self._results, _v.ValPtr)
        self._view = memoryview(self._results).cast("B")
        self._wrapped: Callable[..., Any] | None = None

    def __repr__(self) -> str:
        return f"<ComponentFunction {self.name}: {self.type}>"

    def __call__(self, *args: Any) -> Any:
        if self._wrapped is not None:
            return self._wrapped(*args)
        return self._call(*args)

    call = __call__

    def _bad(self, index: int, exc: Mismatch) -> WasmArgumentError:
        pname, ptype = self.type.params[index]
        return WasmArgumentError(f"{self.name}: argument {index} ({pname}: {ptype}): {exc.describe()}")

    def _call(self, *args: Any) -> Any:
        if len(args) != self._nargs:
            params = ", ".join(f"{n}: {t}" for n, t in self.type.params)
            raise WasmArgumentError(f"{self.name}({params}) takes {self._nargs} argument"
                                    f"{'' if self._nargs == 1 else 's'}, got {len(args)}")
        if self._why is not None:
            raise WtError(f"cannot call {self.name}: {self._why}")
        env = self._env
        with self._scope:
            if env.busy:
                raise WasmRuntimeError(f"cannot call {self.name}: its component instance is in a call already "
                                       "(a host function cannot call back into the instance that called it)")
            if env.failed is not None:
                raise WasmRuntimeError(f"cannot call {self.name}: the component instance is unusable: {env.failed}; "
                                       "instantiate the component again")
            env.begin()
            buf = self._args
            try:
                for i, lower in enumerate(self._lowers):
                    lower(args[i], buf, i * VAL_SIZE, env)
                env.settle()
            except Mismatch as exc:
                env.abandon()
                raise self._bad(i, exc) from None
            except BaseException:
                env.abandon()
                raise
            env.busy = True
            try:
                err = _call_function()(self._func_ref, self._ctx, buf, c_size_t(self._nargs), self._results,
                                       c_size_t(self._nresults))
            finally:
                env.busy = False
                env.finish()
            if err:
                exc2 = component_failure(self._scope, env, err, self.name)
                if exc2 is not None:
                    raise exc2.with_traceback(exc2.__traceback__)
                return None
            store = self._scope.store
            if store.sink.error is not None:
                store.raise_escaped()
            if self._lift is None:
                return None
            try:
                value = self._lift(self._view, 0, env)
            except LiftError as exc:
                env.failed = str(exc)
                raise WasmRuntimeError(f"{self.name}: {exc}") from None
            finally:
                if self._free_result:
                    _v.wasmtime_component_val_delete(self._results_ptr)
                    ctypes.memset(self._results, 0, VAL_SIZE)
            env.finish()  # (borrow handles made while reading expire with the call)
        if self._unwrap:
            if type(value) is Err:
                raise value
            return value.value if type(value) is Ok else value
        return value

    def _wrap(self, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Route calls through ``wrap(call)`` (timeouts, output writers)."""
        self._wrapped = wrap(self._wrapped or self._call)


def wit_signature(name: str, ftype: ComponentFunctionType) -> str:
    """``name(a: s32, b: s32) -> s32``."""
    params = ", ".join(f"{n}: {t}" for n, t in ftype.params)
    return f"{name}({params})" + ("" if ftype.result is None else f" -> {ftype.result}")
