"""Calls as futures: ``await function.call_async(*params)``, and the calls driven to their
end at once that stores with async host functions need.

wasmtime 50 runs a call as a future on a fiber and has no waker, so the driver polls:

- a poll that returns "done" ends the call: its results (or its failure, through
  :mod:`wt_api._failure`, exactly as for ``call``);
- one that returns "pending" because an async host function is waiting (the frame's
  ``pending``, see :mod:`wt_api._async_host`) awaits the rest of that coroutine, then
  polls again;
- any other "pending" is a yield: the store's deadline callback answered "yield" at an
  epoch tick (:mod:`wt_api._async_ticks` ticks while async calls run), or the fuel yield
  interval passed. The driver lets the event loop run once, then polls again.

Between two polls the store's lock is free (see :mod:`wt_api._async_state`). Cancelling
the awaiting task deletes the future, which unwinds the wasm; the instance stays usable.

A call driven at once (:meth:`AsyncCaller.driven`) polls in a loop on the calling thread,
holding the store: it never yields (the deadline callback yields only to a
``call_async`` poll) and fails if it reaches an async host function.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Coroutine, Generator, Sequence
from ctypes import byref, c_size_t, c_uint64, c_void_p
from time import monotonic

from wt_ffi import async_ as _async
from wt_ffi import extern as _extern
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.slots import MASKS, RANGES

from . import _async_ticks
from ._coroutines import Resumed
from ._async_future import RAW, end_call, future_functions
from ._async_state import (ASYNC, BRIEF, SYNC, AsyncState, CallFrame, drain, set_fuel_yield, state_of, take_turn,
                           try_take, wake)
from ._config import RuntimeConfig
from ._convert import from_val
from ._convert_val import to_val
from ._deadlines import YIELD_FROM, StoreClock, arm, disarm
from ._errors import ClosedError, ConfigError
from ._externtypes import FunctionType
from ._store import Scope, Store
from ._values import to_raw_type

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["AsyncCaller"]

_W = _async.VAL_WORDS
_STOPPING = (KeyboardInterrupt, SystemExit, GeneratorExit)


class _LoopTurn:
    """What a guest that yielded awaits before its next poll: a timer due now. asyncio
    moves due timers to the end of its ready queue at the start of an iteration, so what
    became ready meanwhile (a heartbeat's timer, I/O) runs before the guest computes again:
    with N guests computing, other tasks wait about one round of N slices, not three."""

    __slots__ = ()

    def __await__(self) -> Generator[object, None, None]:
        import asyncio  # (loaded by the first async call: start-up)

        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        loop.call_at(loop.time(), wake, waiter)
        yield from waiter.__await__()


_LOOP_TURN = _LoopTurn()
_ONE_TICK = c_uint64(1)


def _stopped(exc: BaseException) -> bool:
    """Whether ``exc``, raised while awaiting an async host function's coroutine, abandons
    the call (cancellation, Ctrl-C, exit) instead of failing it as the function's error."""
    import asyncio  # (loaded by the first async call: start-up)

    return isinstance(exc, (asyncio.CancelledError, *_STOPPING))


class AsyncCaller:
    """What a :class:`~wt_api.Function` needs to run as a future: its signature's value
    layout (``wasmtime_val_t``: numbers inline, references through ``_convert``) and its
    settings. Made once per function, on first use, from the function's parts and its
    failure paths (as ``wt_ffi.call.build_caller`` takes them; each ``on_*`` must raise, but
    ``on_failure`` returns for a clean WASI exit)."""

    def __init__(self, scope: Scope, func: _extern.wasmtime_func_t, ftype: FunctionType, timeout: float | None, *,
                 on_failure: Callable[[int | None, int | None], object],
                 on_bad_value: Callable[[int, object], object],
                 on_bad_args: Callable[[tuple[object, ...], TypeError], object],
                 on_bad_arity: Callable[[int], object], where: Callable[[int], str]) -> None:
        future_functions()  # the C functions, bound once
        self.type = ftype
        self.on_failure, self.on_bad_value, self.on_bad_args = on_failure, on_bad_value, on_bad_args
        self.on_bad_arity, self.where = on_bad_arity, where
        self.scope = scope
        self.store = store = scope.store
        self.ctx = ctypes.cast(store.context, c_void_p)
        self.func = _extern.wasmtime_func_t()
        ctypes.pointer(self.func)[0] = func
        self.func_ref = byref(self.func)
        self.params = [to_raw_type(t) for t in ftype.params]
        self.results = [to_raw_type(t) for t in ftype.results]
        n, m = len(self.params), len(self.results)
        self.nargs, self.nres = c_size_t(n), c_size_t(m)
        self.words = _W * (n + m) + 2
        self.res_at, self.trap_at = 8 * _W * n, 8 * _W * (n + m)
        config = store.runtime_config if isinstance(store.runtime_config, RuntimeConfig) else RuntimeConfig()
        self.interval = config.async_yield_interval if config.epoch_interruption else None
        self.fuel = (config.async_yield_fuel or 0) if config.fuel_metering else 0
        self.timeout = timeout
        self.clock = store.clock if isinstance(store.clock, StoreClock) else None
        self.ticks = self.interval if self.clock is not None else None
        self.blocked = None if self.interval is not None or self.fuel else (
            "call_async needs a runtime that can pause running wasm (to share the event loop and stop when "
            "cancelled): make it with RuntimeConfig().with_async_support()")
        # Per parameter: where its value goes and how it is checked (None: a reference).
        self.plan = [(_W * i, vt.kind, *RANGES[vt.kind], MASKS[vt.kind]) if vt.kind in RANGES else None
                     for i, vt in enumerate(self.params)]
        self.numbers = None not in self.plan

    # -- values ------------------------------------------------------------------------------
    def _write_args(self, buf: ctypes.Array[c_uint64], args: Sequence[object]) -> list[object] | None:
        """Store the encoded arguments as ``wasmtime_val_t`` (returns what keeps their roots
        alive, if any)."""
        if len(args) != len(self.plan):
            self.on_bad_arity(len(args))
        keep: list[object] | None = None
        for i, step in enumerate(self.plan):
            value = args[i]
            if step is not None:
                at, kind, lo, hi, mask = step
                try:
                    fits = lo <= value < hi  # type: ignore[operator]
                except TypeError as exc:
                    self.on_bad_args(tuple(args), exc)
                if not fits:
                    self.on_bad_value(i, value)
                bits = value & mask  # type: ignore[operator]
                buf[at] = kind  # VALTYPE_* and the numeric wasmtime_valkind_t agree
                buf[at + 1] = bits & 0xFFFFFFFFFFFFFFFF
                if bits >> 64:
                    buf[at + 2] = bits >> 64
            else:
                val, root = to_val(self.store, self.type.params[i], value, self.where(i))
                if keep is None:
                    keep = []
                keep.append(root)
                ctypes.memmove(ctypes.addressof(buf) + 8 * _W * i, ctypes.addressof(val), 8 * _W)
        return keep

    def _read_results(self, buf: ctypes.Array[c_uint64]) -> list[int]:
        out: list[int] = []
        at = _W * len(self.params)
        for i, vt in enumerate(self.results):
            word = at + _W * i + 1
            kind = vt.kind
            if kind in (_t.VALTYPE_I32, _t.VALTYPE_F32):
                out.append(buf[word] & 0xFFFFFFFF)
            elif kind in (_t.VALTYPE_I64, _t.VALTYPE_F64):
                out.append(buf[word])
            elif kind == _t.VALTYPE_V128:
                out.append(buf[word] | (buf[word + 1] << 64))
            else:
                out.append(from_val(self.store, _val.wasmtime_val_t.from_buffer(buf, self.res_at + 8 * _W * i)))
        return out

    def _finish(self, buf: ctypes.Array[c_uint64]) -> list[int]:
        """After the future completed (holding the store): raise its failure exactly as
        ``call`` would, or return its results."""
        error, trap = buf[self.words - 1], buf[self.words - 2]
        store = self.store
        if error or trap:
            buf[self.words - 1] = buf[self.words - 2] = 0
            self.on_failure(error or None, trap or None)
            return [0] * len(self.results)  # proc_exit(0) with no results
        if store.sink.error is not None:
            store.raise_escaped()
        if store.output_errors:
            from ._wasi import raise_output_error  # (loaded with WASI: start-up)

            raise_output_error(store)
        return self._read_results(buf)

    def _check_open(self) -> None:
        if not (self.scope.alive[0] and self.store.alive[0]):
            self.store._raise_closed()

    # -- a call driven to its end at once ----------------------------------------------------
    def driven(self, *args: object) -> list[int]:
        """Run the call to its end now, on this thread (the ``call`` of a function whose
        store has async host functions, and a call into a store from inside its own
        running call). An async host function reached on the way fails it."""
        store = self.store
        aio = state_of(store)
        call, poll, delete, _ = future_functions()
        buf = (c_uint64 * self.words)()
        with self.scope:
            frame = CallFrame(SYNC)
            aio.calls.append(frame)
            future: c_void_p | None = None
            try:
                keep = self._write_args(buf, args)
                future = c_void_p(call(self.ctx, self.func_ref, byref(buf), self.nargs, byref(buf, self.res_at),
                                       self.nres, byref(buf, self.trap_at), byref(buf, self.trap_at + 8)))
                del keep
                while not poll(future):
                    frame.keep.clear()
                frame.keep.clear()
                delete(future)
                future = None
                return self._finish(buf)
            finally:
                if future is not None:
                    delete(future)
                aio.calls.remove(frame)

    # -- call_async ----------------------------------------------------------------------------
    def call_async(self, *args: object) -> Coroutine[Any, Any, list[int]]:
        """The coroutine of one ``call_async``."""
        return self.run(args)

    async def run(self, args: Sequence[object]) -> list[int]:
        """One ``call_async``: take the store's turn, start the future, poll it (awaiting its
        async host functions, letting the loop run when it yields), end it."""
        store = self.store
        aio = store.aio
        if aio is None:
            aio = state_of(store)
        task = _current_task()
        current = aio.current  # type: ignore[attr-defined]
        if current is not None and current.task is task:
            if current.polling or current.awaiting:  # from inside its own call: run to the end now
                return self.driven(*args)
            end_call(store, aio, current)  # type: ignore[arg-type]  # a turn left by an interrupted end
        if store.lock._is_owned():  # type: ignore[attr-defined]
            return self.driven(*args)  # from inside a sync call of this store: run to the end now
        if self.blocked is not None:
            raise ConfigError(self.blocked)
        frame = CallFrame(ASYNC, task)  # type: ignore[arg-type]
        try:
            if not try_take(store, aio, frame):  # type: ignore[arg-type]
                await take_turn(store, aio, frame, end_call)  # type: ignore[arg-type]
            # The turn is taken, and the store's lock held (except while awaiting below).
            if not (self.scope.alive[0] and store.alive[0]):
                store._raise_closed()
            buf = (c_uint64 * self.words)()
            keep = self._write_args(buf, args)
            aio.calls.append(frame)  # type: ignore[attr-defined]
            clock = frame.clock = self.clock
            if clock is not None:
                if self.timeout is not None:
                    frame.deadline = (monotonic() + self.timeout, self.timeout)
                    arm(clock, frame.deadline)
                if self.ticks is not None:
                    frame.ticking = _async_ticks.running(clock.engine, self.ticks, frame)
                    RAW[3](self.ctx, _ONE_TICK)  # a full slice first, not a stale deadline's yield
            if self.fuel:
                frame.fuel = self.fuel
                set_fuel_yield(store, self.fuel)
            frame.forks = forks = _async_ticks.FORKS[0]
            frame.future = future = c_void_p(RAW[0](self.ctx, self.func_ref, byref(buf), self.nargs,
                                                      byref(buf, self.res_at), self.nres, byref(buf, self.trap_at),
                                                      byref(buf, self.trap_at + 8)))
            del keep
            poll = RAW[1]
            while True:
                if forks != _async_ticks.FORKS[0]:
                    raise ClosedError(_FORKED)
                frame.polling = True
                if clock is not None:
                    clock.yielding = True
                done = poll(future)
                frame.polling = False
                if clock is not None:
                    clock.yielding = False
                if frame.keep:
                    frame.keep.clear()
                if done:
                    break
                await self._between_polls(store, aio, frame)  # type: ignore[arg-type]
            frame.future = None
            RAW[2](future)
            if aio.writers and any(out.chunks for out in aio.writers):  # type: ignore[attr-defined]
                store.lock.release()
                frame.awaiting = True
                await drain(aio, store)  # type: ignore[arg-type]
                frame.awaiting = False
                if not store.lock.acquire(False):
                    await _lock_again(store)
            return self._finish(buf)
        finally:
            end_call(store, aio, frame)  # type: ignore[arg-type]  # (a cancelled call: its wasm unwinds)

    async def _between_polls(self, store: Store, aio: AsyncState, frame: CallFrame) -> None:
        """The guest is suspended: await its async host function's coroutine, or let the
        event loop run once; meanwhile the store is free (see _async_state)."""
        pending, frame.pending = frame.pending, None
        # Its deadline leaves the store's clock while it is suspended: a call that another
        # thread runs meanwhile is stopped by its own deadline only.
        if frame.deadline is not None and frame.clock is not None:
            disarm(frame.clock, frame.deadline)
        store.lock.release()
        if aio.writers:
            frame.awaiting = True
            await drain(aio, store)
            frame.awaiting = False
        if pending is not None:
            pending.started = True  # type: ignore[attr-defined]
            frame.awaiting = True
            try:
                value = await Resumed(pending.it, pending.yielded)  # type: ignore[attr-defined]
                pending.outcome = (True, value)  # type: ignore[attr-defined]
            except BaseException as exc:  # noqa: BLE001 - the host function's failure is the call's
                if _stopped(exc):
                    raise
                pending.outcome = (False, exc)  # type: ignore[attr-defined]
            frame.awaiting = False
        else:
            await _LOOP_TURN
        if not store.lock.acquire(False):
            await _lock_again(store)
        if frame.deadline is not None and frame.clock is not None:
            arm(frame.clock, frame.deadline)  # (already past: the next tick stops the call)


_FORKED = ("this call_async was running when the process forked: it cannot go on in the child (wasmtime's "
           "threads stayed in the parent); call again in the child, or use the spawn or forkserver start method")


YIELD_FROM.add(AsyncCaller.run.__code__)


async def _lock_again(store: Store) -> None:
    """Take the store's lock back from another thread's sync use of it, without blocking
    the event loop (cancelled meanwhile, the caller's ``finally`` takes it blocking)."""
    import asyncio  # (loaded by the first async call: start-up)

    delay = 0.0002
    while not store.lock.acquire(True, BRIEF):  # (see BRIEF: a thread calling again and again)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.005)


def _current_task() -> object:
    """``asyncio.current_task()`` (bound on first use: importing asyncio costs start-up)."""
    if not _task:
        import asyncio  # (loaded by the first async call: start-up)

        import _asyncio  # (3.12+ has asyncio's current_task in C: start-up)

        _task.append(getattr(_asyncio, "current_task", asyncio.current_task))
    return _task[0]()


_task: list[Callable[[], object]] = []
