"""A wasmtime store: the home of instances, and the unit of thread exclusion."""

from __future__ import annotations

import sys
import threading
import weakref
from _thread import RLock, get_ident

from wt_ffi import engine as _engine
from wt_ffi import extern as _extern
from wt_ffi import store as _store
from wt_ffi.call import StoreGate
from wt_ffi.entry import checked_later
from wt_ffi.sink import CallbackSink
from wt_ffi.threadstack import stack_size

from ._errors import ClosedError, ConfigError, WtError
from ._refs import GC

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    import ctypes
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

__all__ = ["Store", "Scope", "StopRecord", "HOST_STACK", "THREAD", "WRITER_WASI", "check_thread_stack", "writing"]

_NO_FINALIZER = _store.FINALIZER()



HOST_STACK = 256 << 10
"""Bytes of a thread's stack kept for Python and C below wasm (wasm gets the rest)."""


class _ThreadStack(threading.local):
    """How many bytes of this thread's stack wasm may use (0 until measured; -1 while the
    thread runs a Python writer of a guest's output: see :class:`writing`)."""

    room = 0
    forget: _Forget | None = None


THREAD = _ThreadStack()
"""The calling thread's :class:`_ThreadStack`."""

FITS: dict[int, set[int]] = {}
"""For each stack need (``max_wasm_stack``), the threads (by ``threading.get_ident()``)
known to have room for it: a call tests membership (a set lookup) instead of reading the
thread-local, which costs ~600 instructions more. A thread leaves every set when it ends
(before its ident can be reused) and while it runs a guest output writer."""


class _Forget:
    """Held by a thread's :data:`THREAD`: when the thread ends, its thread-locals go, and
    this takes its ident out of :data:`FITS`."""

    __slots__ = ("ident",)

    def __init__(self, ident: int) -> None:
        self.ident = ident

    def __del__(self) -> None:
        try:
            _leave_fits(self.ident)
        except Exception:  # noqa: BLE001 - interpreter shutdown: the module's globals are gone
            pass


def _leave_fits(ident: int) -> None:
    for idents in list(FITS.values()):
        idents.discard(ident)


def fits_for(need: int) -> set[int]:
    """The set of :data:`FITS` for ``need`` bytes (made on first use)."""
    return FITS.setdefault(need, set())


class writing:  # noqa: N801 - a context manager named for what it marks
    """Mark the calling thread as running a Python writer of a guest's stdout or stderr.

    wasmtime calls those writers on a thread of its own while the guest's call waits,
    holding its store: a writer that used that store would wait forever, so while the mark
    is on, every use of a store from this thread first checks that no other thread holds
    it (see :meth:`Store.check_thread`)."""

    __slots__ = ("_room",)

    def __enter__(self) -> None:
        self._room = THREAD.room
        THREAD.room = -1
        _leave_fits(threading.get_ident())  # every use checks again while the mark is on

    def __exit__(self, *exc_info: object) -> None:
        THREAD.room = self._room


WRITER_WASI = ("a writer of a guest's stdout or stderr cannot run WASI code (wasmtime runs writers inside its own "
               "I/O runtime, where a WASI call aborts the process): collect the output and act on it after the "
               "call returns")


def check_thread_stack(need: int) -> None:
    """Measure the calling thread's stack once; raise ConfigError if wasm, which may use
    ``need`` bytes of it (``max_wasm_stack``), could run off its end instead of trapping;
    else note that the thread fits ``need`` (:data:`FITS`)."""
    if THREAD.room == 0:
        size = stack_size()
        THREAD.room = (1 << 62) if size is None else size - HOST_STACK
    if THREAD.room < need:
        size = THREAD.room + HOST_STACK
        raise ConfigError(
            f"this thread's stack ({size >> 10} KiB) is too small to run wasm safely: wasm may use "
            f"{need >> 10} KiB of it (max_wasm_stack) and the host keeps {HOST_STACK >> 10} KiB; make the "
            f"thread with threading.stack_size({(need + HOST_STACK + (64 << 10)) >> 10} * 1024) or more, or "
            "lower RuntimeConfig.with_max_wasm_stack")
    ident = threading.get_ident()
    if THREAD.forget is None:
        THREAD.forget = _Forget(ident)
    fits_for(need).add(ident)


class StopRecord:
    """Why the store's deadline callback last stopped its wasm: ``("timeout", seconds or
    None)`` or ``("sigint", None)``, recorded when it happens; taken (reset to None) by
    the call that failed because of it."""

    __slots__ = ("stopped",)

    def __init__(self) -> None:
        self.stopped: tuple[str, float | None] | None = None


class Store:
    """One ``wasmtime_store_t`` and its context.

    Every instance lives in a store; instances that import from each other share one.
    ``lock`` (reentrant, so host functions may call back into wasm) serialises all use
    of the store across threads; ``with store.scope:`` and ``gate`` (for prepared calls) take it.

    Closing is safe at any moment: a store in use by a call (on this thread, from inside
    a host function, or on another) is marked closed at once, and freed when the last
    such call leaves. The C store is freed only once every zero-copy memory view into it
    is gone, so no view can outlive its memory.
    """

    clock: StopRecord | None = None
    """The store's deadline state (a ``_deadlines.StoreClock``) when the engine has epoch
    interruption; None otherwise."""
    wasi_users: weakref.WeakSet[object] | None = None
    """The instances that use the store's WASI context; None while it has none."""
    output_errors: list[BaseException] | None = None
    """What the Python writers of the guest's stdout and stderr raised, to be re-raised by
    the call (or instantiation) during which they did; None without such writers."""
    late_releases = 0
    """Releases by guest output writers that found the store held by the call waiting for
    them (see :meth:`release`): counted by the next release that takes the lock."""
    aio: object | None = None
    """The store's async state (a ``_async_state.AsyncState``) once a call ran in it as a
    future or it imported an async host function; None before."""
    fast_calls = False
    """Whether a prepared sync call was made for a function of the store (it may then not
    take async host functions, which such a call must never reach)."""
    runtime_config: object | None = None
    """The ``RuntimeConfig`` of the runtime that made the store."""
    views: tuple[weakref.ref[object], ...] = ()
    """Weak references to the zero-copy views into the store's memories (see :meth:`add_view`)."""

    def __init__(self, engine: ctypes._Pointer[_engine.wasm_engine_t], max_wasm_stack: int,
                 limits: tuple[object, ...] | None, fits: set[int], raw: _store.RawStores) -> None:
        # (``fits`` and ``raw``, the C functions bound without argtypes, looked up once by the
        # Engine: instantiation's hot path)
        # The store owns its handle itself (not an Owned: nothing enters it but the store's own
        # calls, which its lock and _finish_close order): freed once, by _free or __del__.
        self._delete = raw.delete
        ptr = raw.new(engine, None, _NO_FINALIZER)
        self._ptr: ctypes._Pointer[_store.wasmtime_store_t] | None = ptr
        self.max_wasm_stack = max_wasm_stack
        self.fits = fits
        self.context = raw.context(ptr)
        if limits is not None:  # the five wasmtime_store_limiter arguments (c_int64 or their from_param)
            raw.limiter(ptr, *limits)
        self.lock = RLock()
        self.alive = [True]
        self.sink = CallbackSink()

    users = 0
    """How many modules use the store (the last one to release it closes it)."""
    _pending_free = False
    _scope: Scope | None = None

    # Containers most stores never need, made on first use (each costs ~75 ns on instantiation's
    # hot path otherwise); _free empties those that were made.
    _keep: list[object] | None = None
    _host_funcs: dict[int, _extern.wasmtime_extern_t] | None = None
    _funcrefs: set[int] | None = None
    _gc_handles: set[int] | None = None

    @property
    def keep(self) -> list[object]:
        """Whatever C may use while the store lives."""
        return self._keep if self._keep is not None else self._made("_keep", list)  # type: ignore[return-value]

    @property
    def host_funcs(self) -> dict[int, _extern.wasmtime_extern_t]:
        """Each host function's item in this store, by the host function's id."""
        return self._host_funcs if self._host_funcs is not None else self._made("_host_funcs", dict)  # type: ignore[return-value]

    @property
    def funcrefs(self) -> set[int]:
        """The raw funcref values handed to Python (valid arguments while the store lives)."""
        return self._funcrefs if self._funcrefs is not None else self._made("_funcrefs", set)  # type: ignore[return-value]

    @property
    def gc_handles(self) -> set[int]:
        """The handles of the GC references rooted here."""
        return self._gc_handles if self._gc_handles is not None else self._made("_gc_handles", set)  # type: ignore[return-value]

    def _made(self, name: str, kind: Callable[[], object]) -> object:
        # One dict operation: threads making the same container at once all get the one
        # that was stored first (no lock, which a signal handler or a finalizer running
        # inside it, or a fork, could leave taken).
        return self.__dict__.setdefault(name, kind())

    @property
    def scope(self) -> Scope:
        """The store's own :class:`Scope` (liveness: the store's), made on first use."""
        scope = self._scope
        if scope is None:
            scope = self._scope = Scope(self, self.alive)
        return scope

    @property
    def gate(self) -> StoreGate:
        """The store's own gate (see :class:`Scope`)."""
        return self.scope.gate

    @property
    def ptr(self) -> ctypes._Pointer[_store.wasmtime_store_t]:
        """The live store handle."""
        ptr = self._ptr
        if ptr is None:
            raise ClosedError("this store is closed")
        return ptr

    # -- taking the lock ---------------------------------------------------------------
    def raise_escaped(self) -> None:
        """Raise the exception that escaped a callback of a call that then returned
        normally (see :mod:`wt_ffi.sink`)."""
        exc, self.sink.error = self.sink.error, None
        if exc is not None:
            raise exc

    def _raise_closed(self) -> None:
        raise ClosedError("this module is closed")

    def check_thread(self) -> None:
        """What a call checks first, when the thread's stack is not known to be big enough:
        raise ConfigError if wasm could overflow it, and WtError if this thread is a guest
        output writer and another thread holds the store (it would wait forever)."""
        if THREAD.room == -1:
            if self._held_elsewhere():
                raise WtError("a writer of a guest's stdout or stderr cannot use an instance that is busy on "
                              "another thread (wasmtime runs the writer while the guest's call waits for it, "
                              "holding its store): collect the output and act on it after the call returns")
            if self.wasi_users is not None:
                raise WtError(WRITER_WASI)
            return
        check_thread_stack(self.max_wasm_stack)

    def _held_elsewhere(self) -> bool:
        """Whether another thread holds the store (a probe that never waits)."""
        try:
            return not self.lock.acquire(False)
        finally:
            self._give_back()

    def _give_back(self) -> None:
        """(In the ``finally`` of a ``try`` that starts with ``self.lock.acquire``.) Release
        what that acquire took, if it took anything: ``RLock.release`` refuses with
        RuntimeError a lock this thread does not hold, as after an acquire that found it
        held elsewhere. A signal handler that raises right after the acquire returns
        cannot keep the lock (which would leave every other thread's call waiting for ever):
        the release is in the ``finally``, not after the test of what acquire returned (the
        reasoning of :class:`wt_ffi.call.StoreGate`)."""
        try:
            self.lock.release()
        except RuntimeError:
            pass

    # Called from a finally: a handler at its entry would skip the release (wt_ffi.entry).
    _give_back.__code__ = checked_later(_give_back.__code__)

    # -- closing -------------------------------------------------------------------------
    def release(self) -> None:
        """One user (a module) is done with the store; the last one closes it.

        A guest output writer that closes a module of a store that a call holds (the call
        waiting for the writer, on another thread) would wait for it for ever: its release
        is counted later instead, by the next one that takes the lock (the module itself is
        closed at once, and the store freed once its last user is gone)."""
        # (a thread in ``fits`` runs no writer: the mark takes it out; a set lookup costs less
        # than the thread-local)
        if get_ident() not in self.fits and THREAD.room == -1 and self._held_elsewhere():
            self.late_releases += 1
            return
        outer = not self.lock._is_owned()  # type: ignore[attr-defined]  # (no call of this thread is in the store)
        with self.lock:
            if not self._count_releases(1):
                return
            # The common last release closes the store in this one hold of the lock, which no
            # call is in (each holds it), with no view into it; it frees it after, as close
            # does (freeing may run Python finalizers of what wasmtime drops). A handler that
            # raises between leaves the freeing to __del__.
            quick = outer and self.alive[0] and self.aio is None and not self.views
            if quick:
                self.alive[0] = False
        if quick:
            self._free()
        else:
            self.close()

    def _count_releases(self, now: int) -> bool:
        """(Holding the lock.) Count ``now`` releases and the late ones: whether no user is left."""
        late, self.late_releases = self.late_releases, 0
        self.users -= now + late
        return self.users <= 0

    def close(self) -> None:
        """Close the store: new uses raise ClosedError; the C store is freed now, or when
        the calls running in it have returned."""
        if not self.alive[0]:
            return
        self.alive[0] = False
        self._pending_free = True
        self._finish_close()

    def _finish_close(self) -> None:
        """Free a closed store if no call is in it (else its last call comes back here)."""
        if self.late_releases:  # (a writer's release: see release)
            last = False
            try:
                if self.lock.acquire(False):
                    last = self._count_releases(0) and self.alive[0]
            finally:
                self._give_back()
            if last:
                self.close()  # (which comes back here)
                return
        if not self._pending_free or self.lock._is_owned():  # type: ignore[attr-defined]
            return  # nothing to do, or a call on this thread's stack is inside the store
        if self.aio is not None and self.aio.current is not None:  # type: ignore[attr-defined]
            return  # a call_async is suspended in the store: it frees the store as it ends
        pending = False
        try:
            if self.lock.acquire(False):  # (else a call on another thread frees the store as it leaves)
                pending, self._pending_free = self._pending_free, False
        finally:
            self._give_back()
        if pending:
            if self.views:
                self._free_when_unviewed()
            else:  # (the common case, with no call between)
                self._free()

    def add_view(self, view: object) -> None:
        """Track a zero-copy view: the C store is not freed while it exists."""
        self.views = (*(ref for ref in self.views if ref() is not None), weakref.ref(view))

    def _free_when_unviewed(self) -> None:
        views = [v for v in (ref() for ref in self.views) if v is not None]
        self.views = ()
        if not views:
            self._free()
            return
        remaining = [len(views)]

        def one_gone() -> None:
            remaining[0] -= 1
            if remaining[0] == 0:
                self._free()

        for view in views:
            weakref.finalize(view, one_gone)

    def _free(self) -> None:
        gc_handles = self._gc_handles
        if gc_handles:
            for handle in list(gc_handles):
                entry = GC.get(handle)
                if entry is not None:
                    entry.release()
            gc_handles.clear()
        # (taken first: a second _free, or __del__, finds nothing to free)
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._delete(ptr)  # wasmtime drops every externref: their host objects are let go
        if self._keep is not None:
            self._keep.clear()
        if self._host_funcs is not None:
            self._host_funcs.clear()
        if self._funcrefs is not None:
            self._funcrefs.clear()
        self._scope = None  # (it refers back to the store: freed by refcount, not the cycle collector)

    def __del__(self) -> None:
        # Unreachable, so no call is in it and no view into it is left (each holds its
        # store): free what is left, even after a close that a raising signal handler cut
        # short. Not at interpreter shutdown, when the library's globals may be gone.
        ptr = getattr(self, "_ptr", None)
        if ptr is not None and not sys.is_finalizing():
            self._ptr = None
            self._delete(ptr)


class Scope:
    """What one owner (a module) sees of its store: the store's lock, and the owner's own
    liveness (``alive``, a one-item list) on top of the store's. Closing a module that
    shares its store with others makes its own exports raise ClosedError at once.

    ``with scope:`` holds the store for one operation; ``gate`` is the same for prepared
    calls."""

    __slots__ = ("store", "alive", "_gate")

    def __init__(self, store: Store, alive: list[bool]) -> None:
        self.store = store
        self.alive = alive
        self._gate: StoreGate | None = None

    @property
    def gate(self) -> StoreGate:
        """The :class:`~wt_ffi.call.StoreGate` of prepared calls, made on first use (an
        instance that is made and closed without a call needs none)."""
        gate = self._gate
        if gate is None:
            store = self.store
            lock = store.lock
            gate = self._gate = StoreGate(threading.get_ident, store.fits, store.check_thread, lock.acquire,
                                          lock.release, self.alive, store._raise_closed, store._finish_close,
                                          store.sink)
        return gate

    def __enter__(self) -> Store:
        """Take the store's lock for one operation (ClosedError, holding nothing, once the
        store or the owner is closed).

        A signal handler may raise at any instruction here, and on Python 3.10 at any taken
        jump: everything after the ``acquire`` is inside the ``try``, whose ``except`` gives
        back what this call took (see :class:`wt_ffi.call.StoreGate` for why ``_is_owned``
        says so), and the caller is the ``with`` statement itself, which runs no handler
        between this return and its block."""
        store = self.store
        if get_ident() not in store.fits:
            store.check_thread()
        lock = store.lock
        try:
            lock.acquire()
            if not (store.alive[0] and self.alive[0]):
                store._raise_closed()
            return store
        except BaseException:
            if lock._is_owned():  # type: ignore[attr-defined]
                lock.release()
            if not store.alive[0]:
                store._finish_close()
            raise

    def holding(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(store, *args)`` holding the store's lock, as ``with self`` would, but as a
        prepared call holds it (:class:`wt_ffi.call.StoreGate`): Python 3.10 runs signal
        handlers as a ``with`` block's cleanup starts, so a handler that raised while
        another exception left the block kept the lock for ever. For operations whose
        exceptions are common (timed calls)."""
        store = self.store
        if get_ident() not in store.fits:
            store.check_thread()
        lock = store.lock
        try:
            lock.acquire()
            if not (store.alive[0] and self.alive[0]):
                store._raise_closed()
            return fn(store, *args)
        finally:
            try:  # (an acquire interrupted before it took the lock took nothing: RuntimeError)
                lock.release()
            except RuntimeError:
                pass
            finally:  # (even if a signal handler raises as release() returns)
                if not store.alive[0]:
                    store._finish_close()

    def __exit__(self, *exc_info: object) -> None:
        try:  # (first: on 3.10 no signal handler runs at a try, and 3.11+ defer it, below)
            self.store.lock.release()
        finally:
            if not self.store.alive[0]:
                self.store._finish_close()

    __exit__.__code__ = checked_later(__exit__.__code__)  # see wt_ffi.entry