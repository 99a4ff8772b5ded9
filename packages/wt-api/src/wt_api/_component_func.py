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
from ctypes import c_void_p
from functools import lru_cache
from types import CodeType

from wt_ffi import pointer_arg, raw_function
from wt_ffi.call import ESCAPED_LINES, drop_lines
from wt_ffi.component import func as _f

from ._component_classes import Err, Ok
from ._component_lift import lifter
from ._component_resources import ResourceEnv, resource_lifter, resource_lowerer
from ._component_types import ComponentFunctionType, python_name
from ._component_lower import lowerer
from ._component_values import VAL_SIZE, LiftError, Mismatch, inline_lift, inline_lower, unsupported
from ._errors import ClosedError, ExitError, Trap, TrapCode, WasmArgumentError, WasmRuntimeError, WtError
from ._failure import call_failure, failures_ready
from ._store import Scope

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._component_resources import Lift, Lower

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


_TWO_BORROWS = "deferred host scope has no call context"

# Freeing a result once it is read. wasmtime drops what a result slot holds when the next
# call writes it, so the slot must never hold a freed value: the value moves to a spare
# slot and the result slot's kind goes back to bool (which owns nothing) before the spare is
# freed. A copy and a store make no call, so no signal handler can raise between them; one
# that raises after the delete finds nothing left to free twice.
_FREE_RESULT = ("_sview[:] = _view", "_view[0] = 0", "_del(_sp)")


def _val_delete() -> Callable[..., object]:
    """``wasmtime_component_val_delete`` without ``argtypes`` (a result buffer goes as it is)."""
    if len(_CALL) < 2:
        _call_function()
        _CALL.append(raw_function("wasmtime_component_val_delete", None))  # type: ignore[arg-type]
    return _CALL[1]


def _call_function() -> Callable[..., int]:
    if not _CALL:
        _CALL.append(raw_function("wasmtime_component_func_call", c_void_p))  # type: ignore[arg-type]
    return _CALL[0]


def component_failure(scope: Scope, env: ResourceEnv, error_address: int, what: str) -> BaseException | None:
    """The exception for a failed component call (or instantiation, drop); the instance is
    marked unusable. None for WASI ``exit(0)``."""
    exc = call_failure(scope.store, error_address, None)
    if type(exc) is WasmRuntimeError and _TWO_BORROWS in exc.message:
        exc = WasmRuntimeError(f"{what} failed: it called a host function with two borrow<...> parameters, which "
                               f"wasmtime 50.0.1 cannot call (its bug: {_TWO_BORROWS!r}); give the host function "
                               f"one borrow parameter\n{exc.message}", exc.frames)
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

    __slots__ = ("name", "type", "_scope", "_env", "_func", "_func_ref", "_args", "_results", "_spare", "_view",
                 "_nargs", "_nresults", "_why", "_owner", "_entry", "__weakref__")

    def __init__(self, scope: Scope, env: ResourceEnv, func: _f.wasmtime_component_func_t, name: str,
                 ftype: ComponentFunctionType, owner: object) -> None:
        failures_ready()
        self.name = name
        self.type = ftype
        self._scope = scope
        self._env = env
        self._owner = owner
        self._func = func
        self._func_ref = ctypes.byref(func)
        self._why = next((w for w in (unsupported(t) for t in (*(t for _, t in ftype.params),
                                                                *((ftype.result,) if ftype.result else ())))
                          if w is not None), None)
        result = ftype.result
        self._nargs = len(ftype.params)
        self._nresults = 0 if result is None else 1
        self._args = ctypes.create_string_buffer(VAL_SIZE * max(self._nargs, 1))
        self._results = ctypes.create_string_buffer(VAL_SIZE)
        self._view = memoryview(self._results).cast("B")
        self._spare = ctypes.create_string_buffer(VAL_SIZE)  # where a read result is moved to be freed
        self._entry: Callable[..., Any] = self._unsupported
        if self._why is None:
            lowers = [lowerer(t, lambda t: resource_lowerer(env, t)) for _, t in ftype.params]
            lift = None if result is None else lifter(result, lambda t: resource_lifter(env, t))
            self._entry = self._generate(lowers, lift)

    def __repr__(self) -> str:
        return f"<ComponentFunction {self.name}: {self.type}>"

    def __call__(self, *args: Any) -> Any:
        return self._entry(*args)

    call = __call__

    def _bad(self, index: int, exc: Mismatch) -> None:
        pname, ptype = self.type.params[index]
        raise WasmArgumentError(f"{self.name}: argument {index} ({pname}: {ptype}): {exc.describe()}") from None

    def _arity(self, given: int) -> None:
        params = ", ".join(f"{n}: {t}" for n, t in self.type.params)
        raise WasmArgumentError(f"{self.name}({params}) takes {self._nargs} argument"
                                f"{'' if self._nargs == 1 else 's'}, got {given}")

    def _refuse(self) -> None:
        env = self._env
        if env.busy:
            raise WasmRuntimeError(f"cannot call {self.name}: its component instance is in a call already "
                                   "(a host function cannot call back into the instance that called it, nor can "
                                   "anything else that runs during the call: a destructor, a signal handler)")
        raise WasmRuntimeError(f"cannot call {self.name}: the component instance is unusable: {env.failed}; "
                               "instantiate the component again")

    def _unsupported(self, *args: Any) -> Any:
        raise WtError(f"cannot call {self.name}: {self._why}")

    def _fail(self, error: int) -> None:
        exc = component_failure(self._scope, self._env, error, self.name)
        if exc is not None:
            raise exc.with_traceback(exc.__traceback__)

    def _lift_failed(self, exc: LiftError) -> None:
        self._env.failed = str(exc)
        raise WasmRuntimeError(f"{self.name}: {exc}") from None

    def _slow(self, index: int, lower: Lower) -> Callable[[Any], list[object]]:
        """The full lowering of argument ``index``, for values the inline check does not take."""
        env, buf = self._env, self._args

        def slow(value: Any) -> list[object]:
            saved, env.keep = env.keep, []
            try:
                lower(value, buf, index * VAL_SIZE, env)
                return env.keep
            except Mismatch as exc:
                self._bad(index, exc)
                raise  # (not reached)
            finally:
                env.keep = saved
        return slow

    def _generate(self, lowers: list[Lower], lift: Lift | None) -> Callable[..., Any]:
        """The call, as Python source specialised to the signature (see the module docstring)."""
        ftype, gate, env = self.type, self._scope.gate, self._env
        names: dict[str, object] = {
            "_M": _MISSING, "_arity": self._arity, "_refuse": self._refuse, "_fail": self._fail, "_env": env,
            "_ident": gate.ident, "_fits": gate.fits, "_check": gate.check, "_enter": gate.enter,
            "_leave": gate.leave, "_alive": gate.alive, "_closed": _closed,
            "_after_close": gate.after_close, "_sink": gate.sink, "_Mismatch": Mismatch,
            "_bad": self._bad, "_b": self._args, "_r": self._results, "_view": self._view,
            "_c": _call_function(), "_del": _val_delete(),
            # The call's arguments never change: premade pointers and the counts as ints, in
            # one tuple that the call unpacks (see wt_ffi.pointer_arg; no tuple per call).
            "_a": (self._func_ref, pointer_arg(self._env.context), pointer_arg(self._args), self._nargs,
                   pointer_arg(self._results), self._nresults),
            "_sview": memoryview(self._spare).cast("B"), "_sp": pointer_arg(self._spare),
            "_lift": lift, "_LiftError": LiftError, "_lift_failed": self._lift_failed, "_Ok": Ok, "_Err": Err,
        }
        n = len(lowers)
        args = [f"a{i}" for i in range(n)]
        lines = [f"def call({''.join(f'{a}=_M, ' for a in args)}{'/, ' if n else ''}*rest):"]
        if n:
            lines.append(f"    if rest or a{n - 1} is _M: _arity(len(rest) + {n} - [{', '.join(args)}].count(_M))")
        else:
            lines.append("    if rest: _arity(len(rest))")
        # busy from here until C returns: Python that runs on this thread meanwhile (a user's
        # __iter__ or __index__ while lowering, a host function, a destructor, a signal
        # handler, a profiler) may neither call into the instance again (_refuse), which the
        # component model forbids, nor drop a handle that an argument already points at.
        lines += ["    if _ident() not in _fits: _check()", "    try:", "        _enter()", "        if not _alive[0]: _closed()",
                  "        if _env.busy or _env.failed is not None: _refuse()", "        _env.busy = True", "        try:"]
        guarded = len(lines) - 1  # (from here to the result: in one try, see wt_ffi.call.drop_lines)
        inline: list[str] = []
        complex_: list[str] = []
        for i, ((_, t), lower) in enumerate(zip(ftype.params, lowers)):
            names[f"_slow{i}"] = self._slow(i, lower)
            fast = inline_lower(t, f"a{i}", i * VAL_SIZE, f"k{i} = _slow{i}", names)
            if fast is not None:
                inline += ["            " + line for line in fast]
            else:
                names[f"_low{i}"] = lower
                complex_ += [f"                i = {i}", f"                _low{i}(a{i}, _b, {i * VAL_SIZE}, _env)"]
        lines += inline
        if complex_:
            lines += ["            _env.begin()", "            try:", *complex_, "                _env.settle()",
                      "            except _Mismatch as exc:", "                _env.abandon()", "                _bad(i, exc)",
                      "            except BaseException:", "                _env.abandon()", "                raise"]
        invoke = "e = _c(*_a)"
        if complex_:
            lines += ["            try:", f"                {invoke}", "            finally:", "                _env.finish()"]
        else:
            lines.append(f"            {invoke}")
        lines += ["        finally:", "            _env.busy = False"]
        # (_fail raises, or returns for WASI exit(0): the call then returns None)
        lines += ["        v = None", "        if e:", "            _fail(e)", "        else:",
                  *("            " + line for line in ESCAPED_LINES)]
        result = ftype.result
        pad = "            "
        if result is not None:
            fast_lift = inline_lift(result, names)
            if fast_lift is not None and result.kind == "string":
                lines += [pad + "try:", *(pad + "    " + line for line in fast_lift), pad + "finally:",
                          *(pad + "    " + line for line in _FREE_RESULT)]
            elif fast_lift is not None:
                lines += [pad + line for line in fast_lift]
            else:
                lines += [pad + "try:", pad + "    v = _lift(_view, 0, _env)", pad + "except _LiftError as exc:",
                          pad + "    _lift_failed(exc)", pad + "finally:", *(pad + "    " + line for line in _FREE_RESULT)]
            if result.kind == "result":
                lines += [pad + "if type(v) is _Err: raise v", pad + "v = v.value"]
        lines[guarded:] = ["        try:", *("    " + line for line in lines[guarded:]),
                           *("        " + line for line in drop_lines())]
        # As prepared core calls (wt_ffi.call.StoreGate): the finally releases only what this
        # call took (RuntimeError: an acquire interrupted before it took the lock).
        lines += ["        return v", "    finally:", "        try:", "            _leave()", "        except RuntimeError:",
                  "            pass", "        finally:", "            if not _alive[0]: _after_close()"]
        namespace: dict[str, Callable[..., Any]] = {}
        exec(_compiled("\n".join(lines)), names, namespace)  # noqa: S102
        call = namespace["call"]
        call.__name__ = call.__qualname__ = python_name(self.name.rsplit("#", 1)[-1])
        return call

    def _wrap(self, wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
        """Route calls through ``wrap(call)`` (timeouts, output writers)."""
        self._entry = wrap(self._entry)


@lru_cache(maxsize=512)
def _compiled(source: str) -> CodeType:
    """Compiled code for generated source: signatures repeat, compiling is the slow part."""
    return compile(source, "<wt component call>", "exec")


_MISSING = object()


def _closed() -> None:
    raise ClosedError("this component instance is closed")


def wit_signature(name: str, ftype: ComponentFunctionType) -> str:
    """``name(a: s32, b: s32) -> s32``."""
    params = ", ".join(f"{n}: {t}" for n, t in ftype.params)
    return f"{name}({params})" + ("" if ftype.result is None else f" -> {ftype.result}")
