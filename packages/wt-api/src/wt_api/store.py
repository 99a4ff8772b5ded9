"""A wasmtime store: the home of instances, and the unit of thread exclusion."""

from __future__ import annotations

import threading
import weakref

from wt_ffi import engine as _engine
from wt_ffi import extern as _extern
from wt_ffi import store as _store

from ._handle import Owned
from .errors import ClosedError

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    import ctypes

    from .interrupt import StoreClock

__all__ = ["Store"]

_NO_FINALIZER = _store.FINALIZER()


class Store:
    """One ``wasmtime_store_t`` and its context.

    Every instance lives in a store; instances that import from each other share one.
    ``lock`` (reentrant, so host functions may call back into wasm) serialises all use
    of the store across threads. ``alive`` is read by prepared calls on their hot path.

    The C store is freed when the last module using it closes, and not before every
    zero-copy memory view into it has been dropped, so no view can outlive its memory.
    """

    clock: StoreClock | None = None
    """The store's deadline state (set by interrupt.watch_store when the engine has epoch
    interruption); None otherwise."""
    # WASI (set by wasi_bridge only for stores that get a WASI context; class defaults cost
    # nothing to the other stores).
    wasi_users: weakref.WeakSet[object] | None = None
    """The instances that use the store's WASI context; None while it has none."""
    output_errors: list[BaseException] | None = None
    """What the Python writers of the guest's stdout and stderr raised, to be re-raised by
    the call (or instantiation) during which they did; None without such writers."""

    def __init__(self, engine: ctypes._Pointer[_engine.wasm_engine_t]) -> None:
        ptr = _store.wasmtime_store_new(engine, None, _NO_FINALIZER)
        self._handle = Owned(ptr, _store.wasmtime_store_delete, "store")
        self.context = _store.wasmtime_store_context(ptr)
        self.lock = threading.RLock()
        self.alive = [True]
        self.users = 0
        self.views: list[weakref.ref[object]] = []
        self.keep: list[object] = []  # whatever C may use while the store lives
        self.host_funcs: dict[int, _extern.wasmtime_extern_t] = {}  # host function id -> its item in this store
        self.ref_handles: set[int] = set()  # handles of the GC references rooted here (released with it)

    @property
    def ptr(self) -> ctypes._Pointer[_store.wasmtime_store_t]:
        """The live store handle."""
        return self._handle.get()

    def check(self) -> None:
        """Raise :class:`ClosedError` if the store was closed."""
        if not self.alive[0]:
            raise ClosedError("this module is closed")

    def release(self) -> None:
        """One user (a module) is done with the store; the last one closes it."""
        with self.lock:
            self.users -= 1
            last = self.users <= 0
        if last:
            self.close()

    def close(self) -> None:
        """Close the store now, or as soon as the last memory view of it is dropped."""
        with self.lock:
            if not self.alive[0]:
                return
            self.alive[0] = False
        views = [v for v in (ref() for ref in self.views) if v is not None]
        self.views.clear()
        if not views:
            self._free()
            return
        # Free the C store only once every exported view (and so its memory) is gone.
        remaining = [len(views)]

        def one_gone() -> None:
            remaining[0] -= 1
            if remaining[0] == 0:
                self._free()

        for view in views:
            weakref.finalize(view, one_gone)

    def add_view(self, view: object) -> None:
        """Track a zero-copy view: the C store is not freed while it exists."""
        self.views = [ref for ref in self.views if ref() is not None]
        self.views.append(weakref.ref(view))

    def _free(self) -> None:
        self._handle.close()
        self.keep.clear()
        self.host_funcs.clear()
        if self.ref_handles:
            from .refs import release_ref

            for handle in list(self.ref_handles):
                release_ref(handle)
            self.ref_handles.clear()
