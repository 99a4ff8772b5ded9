"""Async host functions: a coroutine function given to ``with_func``/``with_typed_func``.

wasmtime defines them only in a linker (``wasmtime_linker_define_async_func``); each store
importing one gets a linker of its own holding its async host functions, and takes its
item from there. wasmtime calls the function on the fiber running the guest
(:mod:`wt_ffi.async_callback` dispatches to :class:`AsyncHostCall`), which:

1. reads the parameters and calls the Python function, getting an awaitable, and runs it
   to its first suspension, still inside wasmtime's call (code before the first ``await``
   runs there, as a sync host function would);
2. if it finished, writes the results at once; otherwise leaves it as the call frame's
   ``pending`` and suspends the guest. The task that awaits ``call_async`` then awaits
   the rest of it (:class:`~wt_api._coroutines.Resumed`: in that task, so ``asyncio.current_task()``,
   timeouts, context variables and cancellation are the caller's) and polls again;
3. wasmtime then asks the continuation, which writes the results (or raises what the
   coroutine raised, which fails the call as a sync host function's exception does).

A plain ``call`` never suspends: reaching an async host function fails it with a
:class:`~wt_api.WtError` that says to use ``call_async``.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Generator
from ctypes import byref, c_void_p

from wt_ffi import async_ as _async
from wt_ffi import async_callback as _cb
from wt_ffi import error as _error
from wt_ffi import linker as _linker
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.slots import MASKS, RANGES, bits_f32, bits_f64, f32_bits, f64_bits

from ._async_state import SYNC, CallFrame, set_fuel_yield, state_of
from ._caller import Caller
from ._compiled import CompiledCode
from ._convert import FUNC_HEAPS, param_converter, result_converter, typed_param, typed_result
from ._convert_val import raw_val, val_raw
from ._engine import Engine
from ._errors import LinkError, WtError
from ._failure import error_exception
from ._handle import Owned
from ._store import Store
from ._values import to_raw_type

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi import extern as _extern
    from wt_ffi import module as _module

    from ._host_items import HostFunction

__all__ = ["async_extern", "instantiate_driven", "Pending"]

_W = _async.VAL_WORDS
_SIGN32, _SIGN64 = 0x80000000, 0x8000000000000000


def _close_unstarted(made: object) -> None:
    """Close a coroutine that never ran (a raising signal handler came between making it and
    starting it): dropped unclosed, Python would warn that it was never awaited."""
    import inspect  # (a failure path only)

    if inspect.iscoroutine(made) and inspect.getcoroutinestate(made) == inspect.CORO_CREATED:
        made.close()


class Pending:
    """An async host call waiting for its coroutine: what the continuation needs to
    finish it, and its ``outcome`` once the driver has awaited the rest of it."""

    __slots__ = ("host", "it", "yielded", "results", "caller", "stack", "outcome", "started")

    def __init__(self, host: AsyncHostCall, it: Generator[object, object, object], yielded: object,
                 results: ctypes._Pointer[ctypes.c_uint64], caller: Caller | None, stack: list[object] | None) -> None:
        self.host = host
        self.it = it
        self.yielded = yielded
        self.results = results
        self.caller = caller
        self.stack = stack
        self.outcome: tuple[bool, object] | None = None
        self.started = False

    def close(self) -> None:
        """Give up on the coroutine (the call was cancelled before it was awaited)."""
        if self.caller is not None:
            self.caller._end()
        if not self.started:
            self.started = True
            try:
                self.it.close()
            except RuntimeError:  # a coroutine that ignored GeneratorExit: nothing more to do
                pass


class AsyncHostCall:
    """One async host function in one store: starts and finishes its calls (the
    :class:`wt_ffi.async_callback.AsyncHost` of it)."""

    def __init__(self, func: HostFunction, store: Store, function_of: Callable[[int], object]) -> None:
        self.func = func
        self.store = store
        self.function_of = function_of
        self.sink = store.sink
        self.params = [to_raw_type(t) for t in func.type.params]
        self.results = [to_raw_type(t) for t in func.type.results]
        self.readers = [self._reader(i, vt) for i, vt in enumerate(self.params)]
        self.writers = [self._writer(i, vt) for i, vt in enumerate(self.results)]
        self.calls: dict[int, Pending] = {}

    # -- conversions (numbers inline, references through _convert) ---------------------------
    def _reader(self, i: int, vt: _t.ValType) -> Callable[[ctypes._Pointer[ctypes.c_uint64]], object]:
        at, typed, store = _W * i + 1, self.func.typed, self.store
        kind = vt.kind
        if kind == _t.VALTYPE_V128:
            return lambda a: a[at] | (a[at + 1] << 64)
        if kind in (_t.VALTYPE_I32, _t.VALTYPE_F32):
            if not typed:
                return lambda a: a[at] & 0xFFFFFFFF
            if kind == _t.VALTYPE_F32:
                return lambda a: bits_f32(a[at])
            return lambda a: ((a[at] & 0xFFFFFFFF) ^ _SIGN32) - _SIGN32
        if kind in (_t.VALTYPE_I64, _t.VALTYPE_F64):
            if not typed:
                return lambda a: a[at]
            if kind == _t.VALTYPE_F64:
                return lambda a: bits_f64(a[at])
            return lambda a: (a[at] ^ _SIGN64) - _SIGN64
        if typed and vt.heap in FUNC_HEAPS:
            conv = self.function_of
        else:
            conv = typed_param(store, vt) if typed else result_converter(store, vt)
        offset = 8 * _W * i

        def read_ref(a: ctypes._Pointer[ctypes.c_uint64]) -> object:
            val = _val.wasmtime_val_t.from_address(ctypes.addressof(a.contents) + offset)
            return conv(val_raw(store, val))

        return read_ref

    def _writer(self, i: int, vt: _t.ValType) -> Callable[[ctypes._Pointer[ctypes.c_uint64], object, list[object]], None]:
        at, typed, bad, kind = _W * i, self.func.typed, self.func._bad_result, vt.kind
        if kind in RANGES:
            lo, hi = RANGES[kind]
            mask = MASKS[kind]
            packer = (f32_bits if kind == _t.VALTYPE_F32 else f64_bits if kind == _t.VALTYPE_F64 else None) if typed else None

            def write_number(r: ctypes._Pointer[ctypes.c_uint64], value: object, keep: list[object]) -> None:
                if packer is not None:
                    try:
                        bits = packer(value)  # type: ignore[arg-type]
                    except (TypeError, ValueError):
                        bad(i, value)
                else:
                    if type(value) is bool or not isinstance(value, int) or not lo <= value < hi:
                        bad(i, value)
                    bits = value & mask  # type: ignore[operator]
                r[at] = kind  # VALTYPE_* and the numeric wasmtime_valkind_t agree
                r[at + 1] = bits & 0xFFFFFFFFFFFFFFFF
                r[at + 2] = bits >> 64

            return write_number
        where = f"host function {self.func.name}: result {self.func.result_names[i] if self.func.result_names else i}"
        conv = typed_result(self.store, vt, where) if typed else param_converter(self.store, vt, where)
        store, offset = self.store, 8 * _W * i

        def write_ref(r: ctypes._Pointer[ctypes.c_uint64], value: object, keep: list[object]) -> None:
            made = conv.make(value)
            keep.append(made)  # (until the poll returns: the raw value is read below)
            raw = conv.raw(made) if conv.raw is not None else made
            val, root = raw_val(store, vt, raw)  # type: ignore[arg-type]
            ctypes.memmove(ctypes.addressof(r.contents) + offset, ctypes.addressof(val), 8 * _W)
            if root is not None:  # wasmtime owns the results' references: it unroots them when done
                root.live = False  # type: ignore[attr-defined]

        return write_ref

    def _write(self, r: ctypes._Pointer[ctypes.c_uint64], value: object, stack: list[object] | None) -> None:
        frame = self._frame()
        keep = frame.keep if frame is not None else []
        n = len(self.writers)
        if stack is not None:
            values: tuple[object, ...] = tuple(stack[len(self.params):])
        elif n == 1:
            values = (value,)
        elif n == 0:
            values = ()
        else:
            if type(value) is not tuple or len(value) != n:
                self.func._bad_result(-1, value)
            values = value  # type: ignore[assignment]
        for write, v in zip(self.writers, values):
            write(r, v, keep)

    def _frame(self) -> CallFrame | None:
        aio = self.store.aio
        calls = aio.calls if aio is not None else None  # type: ignore[attr-defined]
        return calls[-1] if calls else None

    # -- the AsyncHost protocol --------------------------------------------------------------
    def start(self, caller: int, args: ctypes._Pointer[ctypes.c_uint64], results: ctypes._Pointer[ctypes.c_uint64]) -> bool:
        """A call began: run the coroutine to its first suspension. True when it completed
        (results written); otherwise the frame's ``pending`` waits for the driver."""
        func = self.func
        frame = self._frame()
        if frame is None or frame.mode == SYNC:
            raise WtError(f"host function {func.signature()} is async (a coroutine function), and a plain call "
                          "reached it: call the guest with `await function.call_async(...)`")
        params = [read(args) for read in self.readers]
        stack: list[object] | None = None
        if not func.typed:
            stack = params + [0] * len(self.writers)
            params = [stack]
        who = Caller(caller, self.store) if func.caller else None
        made: object = None
        try:
            made = func.fn(who, *params) if who is not None else func.fn(*params)
            await_ = getattr(type(made), "__await__", None)
            if await_ is None:
                raise TypeError(f"host function {func.signature()} is async but returned {made!r}, not an awaitable")
            it = await_(made)
            if frame.fuel:  # the first step may call back into wasm, which must not yield (see fuel_paused)
                set_fuel_yield(self.store, 0)
            try:
                yielded = it.send(None)
            except StopIteration as stop:
                self._write(results, stop.value, stack)
                return True
            finally:
                if frame.fuel:
                    set_fuel_yield(self.store, frame.fuel)
        except BaseException:
            if who is not None:
                who._end()
            _close_unstarted(made)
            raise
        pending = Pending(self, it, yielded, results, who, stack)
        self.calls[_cb.pending_key()] = pending
        frame.pending = pending
        return False

    def finish(self, key: int) -> bool:
        """The continuation: complete once the driver has the coroutine's outcome."""
        pending = self.calls[key]
        outcome = pending.outcome
        if outcome is None:
            return False
        if pending.caller is not None:
            pending.caller._end()
        ok, value = outcome
        if not ok:
            raise value  # type: ignore[misc]
        self._write(pending.results, value, pending.stack)
        return True

    def dropped(self, key: int) -> None:
        """wasmtime dropped the continuation (complete, or its call was cancelled)."""
        pending = self.calls.pop(key, None)
        if pending is not None and pending.outcome is None:
            pending.close()


def _new_linker(engine: Engine) -> Owned[object]:
    ptr = engine.enter()
    try:
        return Owned(_linker.wasmtime_linker_new(ptr), _linker.wasmtime_linker_delete, "linker")  # type: ignore[arg-type]
    finally:
        engine.leave()


def async_extern(func: HostFunction, store: Store, engine: Engine,
                 function_of: Callable[[int], object]) -> _extern.wasmtime_extern_t:
    """``func`` (async) as an item of ``store``, which from now on runs every call as a
    future (LinkError if the store already prepared a sync call: see ``Store.fast_calls``).
    ``function_of`` turns a raw funcref into what a typed host function receives."""
    from wt_ffi import extern as _extern  # (the item type: loaded with linking anyway)

    aio = state_of(store)
    if not aio.async_only:
        if store.fast_calls:
            raise LinkError(f"host function {func.signature()} is async, but this module would join a store "
                            "whose functions already run with plain sync calls (the runtime's link store, "
                            "shared by named modules): instantiate it without a name and without imports "
                            "from named modules, or import async host functions before looking up any "
                            "function of that store")
        aio.async_only = True
    if aio.linker is None:
        aio.linker = _new_linker(engine)
        store.keep.append(aio.linker)  # freed with the store
    linker: ctypes._Pointer[_linker.wasmtime_linker_t] = aio.linker.get()  # type: ignore[assignment]
    host = AsyncHostCall(func, store, function_of)
    env = _cb.register(host)
    name = str(env).encode()
    ptr = engine.enter()
    try:
        ft = _t.new_functype(ptr, _t.FuncType(tuple(host.params), tuple(host.results)))
    finally:
        engine.leave()
    try:
        err = _async.wasmtime_linker_define_async_func(linker, b"wt", 2, name, len(name), ft, _cb.ASYNC_THUNK, env,
                                                        _cb.FORGET_THUNK)
    finally:
        _t.wasm_functype_delete(ft)
    if err:
        raise error_exception(err, LinkError, f"cannot define host function {func.name}")
    item = _extern.wasmtime_extern_t()
    if not _linker.wasmtime_linker_get(linker, store.context, b"wt", 2, name, len(name), byref(item)):
        raise LinkError(f"cannot define host function {func.name}")  # pragma: no cover - just defined
    return item


def instantiate_driven(engine: Engine, store: Store, compiled: CompiledCode,
                       module_ptr: ctypes._Pointer[_module.wasmtime_module_t], items: list[_extern.wasmtime_extern_t],
                       out: object, trap: c_void_p) -> int | None:
    """Instantiate in a store with async host functions (holding it): as a future driven
    to its end, so that a start function reaching one fails instead of aborting the
    process. Fills ``out`` and ``trap`` as ``wasmtime_instance_new`` does; returns the
    error's address or None."""
    ptr = engine.enter()
    try:
        linker = _linker.wasmtime_linker_new(ptr)
    finally:
        engine.leave()
    aio = state_of(store)
    frame = CallFrame(SYNC)
    aio.calls.append(frame)
    error = c_void_p()
    future = None
    try:
        for imp, item in zip(compiled.imports, items):
            mod, name = imp.module.encode("utf-8"), imp.name.encode("utf-8")
            err = _linker.wasmtime_linker_define(linker, store.context, mod, len(mod), name, len(name), byref(item))
            if err:  # the same import twice: the first definition stands
                _error.wasmtime_error_delete(err)
        future = _async.wasmtime_linker_instantiate_async(linker, store.context, module_ptr, byref(out),  # type: ignore[arg-type]
                                                          byref(trap), byref(error))
        while not _async.wasmtime_call_future_poll(future):
            frame.keep.clear()
    finally:
        if future is not None:
            _async.wasmtime_call_future_delete(future)
        aio.calls.remove(frame)
        _linker.wasmtime_linker_delete(linker)
    return error.value
