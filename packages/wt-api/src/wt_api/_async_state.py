"""A store's async state: the calls running in it as futures, and whose turn it is.

wasmtime runs a call as a future on a fiber of its own; wt drives it by polling (see
:mod:`wt_api._async_call`). The rules a store keeps, so that no two threads poll it at
once and wasmtime never sees two suspended calls in one store:

- **One suspendable call at a time.** ``current`` is the ``call_async`` whose wasm may be
  suspended (between two polls); another ``call_async`` of the store waits for its turn
  (:func:`take_turn`), from any task, loop or thread.
- **The store's lock during each poll,** not between polls: between two polls the store is
  free, so other tasks and threads may read its memory or call it (a sync call runs to its
  end, never suspends, see ``mode`` below) while the suspended call waits for its host
  function or its next turn on the loop. A store is not freed while ``current`` is set.
- **A stack of calls** (``calls``, innermost last): each running future and its ``mode``:
  ``"async"`` (a ``call_async``: it may suspend) or ``"sync"`` (a call driven to its end
  at once: a plain ``call`` on a store with async host functions, or a call made from
  inside a running one). An async host function reached from a ``"sync"`` call fails it.

**Coroutine writers** of a WASI guest's stdout and stderr (``with_stdout(async_fn)``,
:class:`AsyncOutput`): wasmtime hands the guest's output to the writer on a thread of its
own while the guest's call waits for it, so a coroutine cannot be awaited there (the event
loop is the thread waiting). Each chunk is queued instead, and the guest's write succeeds;
the ``call_async`` that runs the guest awaits the writer with each chunk, in order, in its
own task, after each poll and before it returns (:func:`drain`): so when ``await
function.call_async(...)`` returns, all the output has been written. What the writer raises
comes out of that call (the chunks after it are dropped), as a sync writer's exception
does. A guest run by a plain call (or an instantiation's start function) cannot await: its
writes fail, and the call raises a :class:`~wt_api.WtError`.

Thread-safety: ``take_turn``/``end_turn`` may be called from any thread; the rest is used
by the thread holding the store's lock.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Awaitable, Callable

from wt_ffi import async_ as _async
from wt_ffi.entry import checked_later

from ._coroutines import is_coroutine_function
from ._errors import ConfigError, WtError
from ._failure import raise_error
from ._store import Store

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    import asyncio

    from ._deadlines import StoreClock
    from ._handle import Owned

__all__ = ["AsyncState", "CallFrame", "state_of", "try_take", "take_turn", "end_turn", "ASYNC", "BRIEF", "SYNC",
           "set_fuel_yield", "fuel_paused", "AsyncOutput", "coroutine_writer", "drain"]

ASYNC, SYNC = "async", "sync"


class CallFrame:
    """One future running in a store.

    ``pending`` is the async host call that suspended it, for the driver to await;
    ``polling`` is true while the driver polls it; ``keep`` holds what C may still read
    until the current poll returns (roots of host results); ``task`` is the asyncio task
    of a ``call_async``; the rest is what ending it undoes."""

    __slots__ = ("mode", "pending", "polling", "awaiting", "keep", "task", "fuel", "future", "clock",
                 "deadline", "ticking", "forks")

    def __init__(self, mode: str, task: asyncio.Task[object] | None = None) -> None:
        self.mode = mode
        self.pending: object | None = None
        self.polling = False
        self.awaiting = False  # its task awaits its host function's coroutine or output writer
        self.keep: list[object] = []
        self.task = task
        self.fuel = 0  # the fuel yield interval it set on the store
        self.future: object | None = None  # its wasmtime_call_future_t, until deleted
        self.clock: StoreClock | None = None
        self.deadline: tuple[float, float | None] | None = None
        self.ticking: object | None = None
        self.forks = 0  # _async_ticks.FORKS when its future started


class AsyncState:
    """The async side of one store (``Store.aio``).

    ``async_only``: the store holds async host functions, so every call into it runs as
    a future (a sync call reaching one would abort the process); ``linker`` defines them;
    ``writers`` are the coroutine writers of its WASI guest's output."""

    __slots__ = ("async_only", "calls", "current", "waiters", "mutex", "linker", "writers")

    def __init__(self) -> None:
        self.async_only = False
        self.calls: list[CallFrame] = []
        self.current: CallFrame | None = None
        self.waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()
        self.mutex = threading.Lock()
        self.linker: Owned[object] | None = None
        self.writers: list[AsyncOutput] = []  # the coroutine writers of the guest's output


def state_of(store: Store) -> AsyncState:
    """The store's async state (made on first use)."""
    aio = store.aio
    if aio is None:
        aio = store.aio = AsyncState()
    return aio  # type: ignore[return-value]


def try_take(store: Store, aio: AsyncState, frame: CallFrame) -> bool:
    """Take the store for ``frame`` if it is free now (see :func:`take_turn`). ``current``
    is set before the lock is taken: whatever interrupts this, the caller's ``finally``
    sees that ``frame`` holds the turn and ends it."""
    with aio.mutex:
        if aio.current is not None:
            return False
        aio.current = frame
        if store.lock.acquire(False):
            return True
        aio.current = None
        return False


async def take_turn(store: Store, aio: AsyncState, frame: CallFrame,
                    end_call: Callable[[Store, AsyncState, CallFrame], None]) -> None:
    """Wait until ``frame`` may run in the store: it is then ``current`` and this thread
    holds the store's lock. A turn kept by a call that can never run again (its task is
    done, or its event loop closed) is taken from it: ``end_call`` ends that call."""
    import asyncio  # (loaded by the first async call: start-up)

    loop = asyncio.get_running_loop()
    while not try_take(store, aio, frame):
        waiter: asyncio.Future[None] | None = None
        with aio.mutex:
            holder = aio.current
            if holder is not None and not _abandoned(holder):
                waiter = loop.create_future()  # the holder wakes one waiter as it ends
                aio.waiters.append((loop, waiter))
        if holder is not None and waiter is None:
            end_call(store, aio, holder)  # abandoned with its loop
            continue
        if waiter is None:  # a sync use of the store on another thread: wait briefly, then look again
            if _take_briefly(store, aio, frame):
                return
            await asyncio.sleep(0.001)
            continue
        try:
            await asyncio.wait((waiter,), timeout=0.5)  # (and look whether the holder's loop closed)
        except BaseException:
            _forget(aio, loop, waiter, hand_on=True)
            raise
        _forget(aio, loop, waiter, hand_on=False)


BRIEF = 0.0005
"""How long the event loop may block for the store's lock (seconds). A thread that calls
again and again frees the lock only between two calls, for a moment that a look without
waiting never sees: a blocked acquire is handed the lock then (the lock queues its
waiters), so calls of one instance take turns across a task and such a thread."""


def _take_briefly(store: Store, aio: AsyncState, frame: CallFrame) -> bool:
    """As :func:`try_take`, waiting up to :data:`BRIEF` for another thread's sync use to end."""
    with aio.mutex:
        if aio.current is not None:
            return False
        aio.current = frame  # (first, as in try_take: an interrupted wait is ended by the caller)
    if store.lock.acquire(True, BRIEF):
        return True
    end_turn(store, aio, frame)  # (waiters that came meanwhile: the next is woken)
    return False


def _abandoned(frame: CallFrame) -> bool:
    """Whether the call of ``frame`` can never run again: its task is done (it ended
    without handing the turn on: interrupted) or its event loop is closed."""
    task = frame.task
    return task is not None and (task.done() or task.get_loop().is_closed())


def _forget(aio: AsyncState, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future[None], hand_on: bool) -> None:
    """Remove a waiter that stopped waiting; one that was woken and gives up (``hand_on``)
    wakes the next."""
    with aio.mutex:
        try:
            aio.waiters.remove((loop, waiter))
        except ValueError:  # it was woken
            if hand_on:
                _wake_next(aio)


def end_turn(store: Store, aio: AsyncState, frame: CallFrame) -> None:
    """``frame`` is over: the next waiter may take the store (the caller releases the lock)."""
    with aio.mutex:
        if aio.current is frame:
            aio.current = None
            _wake_next(aio)


def _wake_next(aio: AsyncState) -> None:
    """Wake the first waiter still waiting (under ``aio.mutex``)."""
    while aio.waiters:
        loop, waiter = aio.waiters.popleft()
        try:
            loop.call_soon_threadsafe(wake, waiter)
            return
        except RuntimeError:  # its loop is closed: nobody waits there any more
            continue


def wake(waiter: asyncio.Future[None]) -> None:
    """Resolve ``waiter`` (a loop callback). Its first call sets the result, and its entry
    runs no signal handler (wt_ffi.entry): a raising handler cannot lose the wake-up, and
    would leave the awaiting call waiting for ever."""
    try:
        waiter.set_result(None)
    except Exception:  # noqa: BLE001 - InvalidStateError: cancelled meanwhile
        pass


wake.__code__ = checked_later(wake.__code__)


# -- fuel yields --------------------------------------------------------------------------
def set_fuel_yield(store: Store, interval: int) -> None:
    """Make the store's wasm running as a future yield every ``interval`` units of fuel
    (0: never). While it is set, a sync call meeting the interval would fail."""
    raise_error(_async.wasmtime_context_fuel_async_yield_interval(store.context, interval), ConfigError,
                "cannot make wasm yield on fuel")


def fuel_paused(fn: Callable[..., object], store: Store) -> Callable[..., object]:
    """``fn`` (a host function of ``store``), with fuel yields off while it runs: wasm it
    calls back into must not suspend with Python's frames on the fiber's stack (the
    deadline callback makes the same choice for epoch yields, see ``_deadlines``)."""
    def paused(*args: object) -> object:
        aio = store.aio
        calls = aio.calls if isinstance(aio, AsyncState) else None
        fuel = calls[-1].fuel if calls else 0
        if not fuel:
            return fn(*args)
        set_fuel_yield(store, 0)
        try:
            return fn(*args)
        finally:
            set_fuel_yield(store, fuel)

    return paused


# -- coroutine writers of a guest's output -------------------------------------------------

def coroutine_writer(target: object) -> Callable[[bytes], Awaitable[object]] | None:
    """The coroutine function that writes to ``target`` (itself, or its ``write``), or
    None for a sync writer."""
    if is_coroutine_function(target):
        return target  # type: ignore[return-value]
    write = getattr(target, "write", None)
    if write is not None and is_coroutine_function(write):
        return write  # type: ignore[no-any-return]
    return None


class AsyncOutput:
    """The queue between wasmtime's writer thread and the ``call_async`` awaiting."""

    def __init__(self, write: Callable[[bytes], Awaitable[object]], name: str) -> None:
        self.write = write
        self.name = name
        self.chunks: deque[bytes] = deque()
        self.store: Store | None = None

    def attach(self, store: Store) -> None:
        """Serve ``store`` (its ``call_async`` drains this queue)."""
        self.store = store
        state_of(store).writers.append(self)

    def on_write(self, data: bytes) -> None:
        """A chunk of the guest's output (on wasmtime's writer thread, while the store's
        innermost call waits)."""
        store = self.store
        aio = store.aio if store is not None else None
        calls = aio.calls if isinstance(aio, AsyncState) else None
        if not calls or calls[-1].mode != ASYNC:
            error = WtError(f"the guest's {self.name} writer is a coroutine function, which a plain call cannot "
                            "await: run the guest with `await function.call_async(...)`")
            errors = store.output_errors if store is not None else None
            if errors is None:
                raise error
            # The call raises it as it returns, and the chunk is dropped; the write itself
            # succeeds, so the guest's stream stays open for its next call_async (a failed
            # write closes it for good).
            if not errors:
                errors.append(error)
            return
        self.chunks.append(data)


async def drain(aio: AsyncState, store: Store) -> None:
    """Await each queued chunk's write, in order (in the task running the call); what a
    writer raises goes to ``store.output_errors``, and its queue is emptied."""
    for out in aio.writers:
        while out.chunks:
            data = out.chunks.popleft()
            try:
                await out.write(data)
            except Exception as exc:  # noqa: BLE001 - it comes out of the call, as a sync writer's does
                out.chunks.clear()
                if store.output_errors is not None:
                    store.output_errors.append(exc)
