"""Resources: guest resources as Python handles (:class:`ComponentResource`), host
resources as the Python objects that implement them, and the conversions of ``own`` and
``borrow`` values for :mod:`wt_api._component_values`.

A guest resource handle owns a ``wasmtime_component_resource_any_t`` box. Its resource is
dropped exactly once: by :meth:`ComponentResource.drop` (or leaving its ``with`` block),
or by the guest when the handle is passed to an ``own`` parameter (the handle is then
*moved*); a ``borrow`` handle given to a host function is valid during that call only.
Every use of a handle checks, in Python, that it is live, of this store and of the
expected resource type: wasmtime's "unknown handle index" would otherwise poison the
instance.

A host resource is any Python object of the class given for an imported resource. When
it goes to the guest as ``own``, it enters this instance's table under a new ``rep``
(``wasmtime_component_resource_host_new``); the guest's methods find it there; when the
guest drops its handle the object leaves the table and its ``__exit__(None, None, None)``
runs if it has one. An ``own`` host resource that comes back from the guest leaves the
table as the object itself.
"""

from __future__ import annotations

import ctypes
import itertools
import struct
import sys
import threading

from wt_ffi.component import val as _v
from wt_ffi.store import ContextPtr

from ._component_types import WitType
from ._component_values import Mismatch
from ._errors import ClosedError, WasmRuntimeError

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._store import Store

    Lower = Callable[[Any, Any, int, "ResourceEnv"], None]
    """Writes a checked Python value as a component value: ``lower(value, buffer, offset, env)``."""
    Lift = Callable[[Any, int, "ResourceEnv"], Any]
    """Reads a component value as Python: ``lift(buffer, offset, env)``."""

__all__ = ["ComponentResource", "ResourceEnv", "resource_lowerer", "resource_lifter"]

_HOST_TYPES = itertools.count(1)  # host resource type numbers, unique in the process
_RES = struct.Struct("<B7xQ")  # a resource value: kind, then the resource_any box


class ResourceEnv:
    """What one component instance's conversions share: its store and context, the host
    objects it holds (``hosts``: rep -> object) and their classes, and per call the buffers
    to keep alive (``keep``), the work left until every argument has been checked
    (``pending``), what to free afterwards (``boxes``) and the borrow handles to expire."""

    __slots__ = ("store", "context", "keep", "pending", "boxes", "moving", "used", "expiring", "lent", "hosts",
                 "host_reps", "host_classes", "handle_classes", "busy", "failed", "dropper", "handle_factory", "_reps",
                 "_lock")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.context = ctypes.cast(store.context, ctypes.c_void_p).value or 0
        self.keep: list[object] = []
        self.pending: list[Callable[[], None]] = []
        self.boxes: list[int] = []
        self.moving: list[ComponentResource] = []
        self.used: dict[int, bool] = {}  # id of each guest handle in this call's arguments -> given as own
        self.expiring: list[ComponentResource] = []
        self.lent: list[int] = []  # reps of host objects lent (borrow) to the guest for this call
        self.hosts: dict[int, object] = {}
        self.host_reps: dict[int, int] = {}  # id of a host object the guest owns -> its rep
        self.host_classes: dict[WitType, tuple[type, int]] = {}  # imported resource -> (class, type number)
        self.handle_classes: dict[WitType, type[ComponentResource]] = {}
        # True while C runs a call into this instance, its instantiation or a drop: Python
        # that runs on this thread meanwhile (a host function, a host resource's destructor,
        # a signal handler, a profiler, the deadline callback) may not call into the instance
        # again, which the component model forbids and wasmtime 50 does not refuse.
        self.busy = False
        self.failed: str | None = None
        self.dropper: Callable[[ComponentResource], None] | None = None
        self.handle_factory: Callable[[WitType], type[ComponentResource]] | None = None
        self._reps = itertools.count(1)
        self._lock = threading.Lock()

    def host_class(self, resource: WitType, cls: type) -> int:
        """Record ``cls`` as the implementation of the imported ``resource``: its type number."""
        number = next(_HOST_TYPES)
        self.host_classes[resource] = (cls, number)
        return number

    def new_rep(self, obj: object, owned: bool) -> int:
        """A new rep for ``obj`` in this instance's table (``owned``: the guest owns it)."""
        with self._lock:
            rep = next(self._reps) & 0xFFFFFFFF
            while rep == 0 or rep in self.hosts:
                rep = next(self._reps) & 0xFFFFFFFF
            self.hosts[rep] = obj
            if owned:
                self.host_reps[id(obj)] = rep
        return rep

    def guest_owns(self, obj: object) -> bool:
        """Whether the guest owns ``obj``. (An entry whose rep no longer holds ``obj`` does not
        count: a raising signal handler may cut :meth:`take_host` short between its two
        steps, and the id may since belong to another object.)"""
        rep = self.host_reps.get(id(obj))
        return rep is not None and self.hosts.get(rep) is obj

    def take_host(self, rep: int, owned: bool) -> object | None:
        """The host object of ``rep``; ``owned``: it leaves the table (the guest let it go)."""
        with self._lock:
            if not owned:
                return self.hosts.get(rep)
            obj = self.hosts.pop(rep, None)
            if obj is not None and self.host_reps.get(id(obj)) == rep:
                del self.host_reps[id(obj)]
            return obj

    def begin(self) -> None:
        """Start converting one call's values."""
        self.keep = []
        self.pending = []
        self.moving = []
        self.used = {}

    def settle(self) -> None:
        """Every argument is checked: make the resource handles they need."""
        for action in self.pending:
            action()
        self.pending = []

    def finish(self) -> None:
        """The call is over: moved handles are gone, temporary boxes freed, borrows expired."""
        for handle in self.moving:
            handle._state = "moved into the guest by an earlier call"
            handle._free_box()
        self.moving = []
        boxes, self.boxes = self.boxes, []
        for box in boxes:
            _v.wasmtime_component_resource_any_delete(ctypes.cast(box, _v.ResourceAnyPtr))
        for handle in self.expiring:
            handle._state = "a borrow that was valid only during the host function's call"
            handle._free_box()
        self.expiring = []
        for rep in self.lent:  # (a lent object goes back to being only the caller's)
            self.hosts.pop(rep, None)
        self.lent = []
        self.keep = []
        self.used = {}

    def abandon(self) -> None:
        """The call was refused before C saw it: nothing was moved."""
        self.pending = []
        self.moving = []
        self.keep = []
        self.used = {}


class ComponentResource:
    """A handle to a resource the guest exports (``own`` or ``borrow``), made by wt for a
    result or a host function's argument. Its class is named after the WIT resource and
    has its methods (``counter.increment(2)``).

    Use it as a context manager, or call :meth:`drop`: the guest's destructor runs once.
    Passing an ``own`` handle to a function that takes ``own`` moves it into the guest;
    any later use raises :class:`~wt_api.ClosedError`, as does a ``borrow`` handle used
    after the host function it was given to returned.

    Thread-safety: calls go through the instance's store lock, as its functions do."""

    __slots__ = ("_box", "_env", "_rtype", "_own", "_state", "__weakref__")
    _box: int
    _env: ResourceEnv
    _rtype: WitType
    _own: bool
    _state: str
    _constructor: Callable[..., Any] | None = None

    def __new__(cls, *args: Any) -> Any:
        """Construct the resource in the guest (its WIT constructor), on the instance whose
        ``exports`` this class came from."""
        if cls._constructor is None:
            raise TypeError(f"{cls.__name__} has no constructor: handles are made by the instance's functions")
        return cls._constructor(*args)

    @classmethod
    def _adopt(cls, box: int, env: ResourceEnv, rtype: WitType, own: bool) -> ComponentResource:
        handle = object.__new__(cls)
        handle._box = box
        handle._env = env
        handle._rtype = rtype
        handle._own = own
        handle._state = ""  # why the handle is no longer usable ("" while it is)
        return handle

    @property
    def own(self) -> bool:
        """True for an ``own`` handle, False for a ``borrow``."""
        return self._own

    @property
    def live(self) -> bool:
        """Whether the handle can still be used."""
        return not self._state

    @property
    def resource_type(self) -> WitType:
        """The WIT resource type (kind ``resource``)."""
        return self._rtype

    def check(self) -> None:
        """Raise :class:`~wt_api.ClosedError` if the handle can no longer be used."""
        if self._state:
            raise ClosedError(f"this {self._rtype.name or 'resource'} handle is unusable: {self._state}")

    def drop(self) -> None:
        """Drop the resource (the guest's destructor runs). Idempotent; a ``borrow``
        handle is simply forgotten."""
        if self._state:
            return
        if not self._own:
            self._state = "dropped"
            self._free_box()
            return
        dropper = self._env.dropper
        if dropper is None:  # pragma: no cover - every instance sets one
            raise WasmRuntimeError("this resource handle cannot be dropped")
        dropper(self)

    close = drop

    def __enter__(self) -> ComponentResource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.drop()

    def _free_box(self) -> None:
        box, self._box = self._box, 0
        if box:
            _v.wasmtime_component_resource_any_delete(ctypes.cast(box, _v.ResourceAnyPtr))

    def __del__(self) -> None:
        # The box only (no drop: that needs the store's lock); the store frees the resource.
        # At interpreter shutdown nothing is freed: the library's globals may be gone.
        if getattr(self, "_box", 0) and not sys.is_finalizing():
            self._free_box()

    def __repr__(self) -> str:
        what = "own" if self._own else "borrow"
        state = f" ({self._state})" if self._state else ""
        return f"<{type(self).__name__} {what}{state}>"


# -- conversions -----------------------------------------------------------------------

def resource_lowerer(env: ResourceEnv, t: WitType) -> Lower:
    """Lowering of ``own<R>``/``borrow<R>`` for ``env``'s instance (see the module docstring)."""
    resource = t.resource or WitType("resource")
    own = t.kind == "own"
    shown = str(t)
    if resource.imported:
        return _host_lowerer(env, resource, own, shown)

    def lower_guest(v: Any, buf: Any, off: int, e: ResourceEnv) -> None:
        if not isinstance(v, ComponentResource) or v._rtype != resource:
            raise Mismatch(f"{shown} (a {resource.name or 'resource'} handle of this instance)", v)
        if v._env is not env:
            raise Mismatch(shown, v, "the handle belongs to another component instance")
        if v._state:
            raise Mismatch(shown, v, f"the handle is unusable: {v._state}")
        if own and not v._own:
            raise Mismatch(shown, v, "a borrow handle cannot be given away: pass an own handle")
        earlier = env.used.get(id(v))
        if earlier is not None and (earlier or own):
            raise Mismatch(shown, v, "the same handle is also passed by another argument of this call, "
                                     "and one of them gives it away (own)")
        env.used[id(v)] = own
        if own:
            env.moving.append(v)
        else:
            env.keep.append(v)
        _RES.pack_into(buf, off, _v.VAL_RESOURCE, v._box)
    return lower_guest


def _host_lowerer(env: ResourceEnv, resource: WitType, own: bool, shown: str) -> Lower:
    def lower_host(v: Any, buf: Any, off: int, e: ResourceEnv) -> None:
        entry = env.host_classes.get(resource)
        if entry is None:
            raise Mismatch(shown, v, "no Python class implements this resource")
        cls, number = entry
        if not isinstance(v, cls):
            raise Mismatch(f"{shown} (an instance of {cls.__qualname__})", v)
        if own and env.guest_owns(v):
            raise Mismatch(shown, v, "the guest already owns this object: pass another one")

        def make() -> None:
            rep = env.new_rep(v, own)
            if not own:
                env.lent.append(rep)
            box = _host_to_any(env, own, rep, number)
            env.boxes.append(box)
            _RES.pack_into(buf, off, _v.VAL_RESOURCE, box)
        _RES.pack_into(buf, off, _v.VAL_BOOL, 0)  # a value that owns nothing until make() runs
        env.pending.append(make)
    return lower_host


def _host_to_any(env: ResourceEnv, own: bool, rep: int, number: int) -> int:
    from ._failure import error_exception  # (the error path: loaded with it)

    host = _v.wasmtime_component_resource_host_new(own, rep, number)
    out = _v.ResourceAnyPtr()
    try:
        err = _v.wasmtime_component_resource_host_to_any(ctypes.cast(env.context, ContextPtr), host,
                                                         ctypes.byref(out))
    finally:
        _v.wasmtime_component_resource_host_delete(host)
    if err:
        raise error_exception(err, WasmRuntimeError, "cannot hand a host resource to the guest")
    return ctypes.cast(out, ctypes.c_void_p).value or 0


def resource_lifter(env: ResourceEnv, t: WitType) -> Lift:
    """Lifting of ``own<R>``/``borrow<R>`` for ``env``'s instance."""
    resource = t.resource or WitType("resource")
    own = t.kind == "own"
    if resource.imported:
        def lift_host(raw: Any, off: int, e: ResourceEnv) -> Any:
            kind, box = _RES.unpack_from(raw, off)
            rep = _any_to_host_rep(env, box)
            obj = env.take_host(rep, own)
            if obj is None:
                raise WasmRuntimeError(f"the guest passed a {resource.name} handle that wt did not make")
            return obj
        return lift_host

    def lift_guest(raw: Any, off: int, e: ResourceEnv) -> Any:
        kind, box = _RES.unpack_from(raw, off)
        clone = _v.wasmtime_component_resource_any_clone(ctypes.cast(box, _v.ResourceAnyPtr))
        cls = env.handle_classes.get(resource)
        if cls is None:
            cls = ComponentResource if env.handle_factory is None else env.handle_factory(resource)
        handle = cls._adopt(ctypes.cast(clone, ctypes.c_void_p).value or 0, env, resource, own)
        if not own:
            env.expiring.append(handle)
        return handle
    return lift_guest


def _any_to_host_rep(env: ResourceEnv, box: int) -> int:
    from ._failure import error_exception  # (the error path: loaded with it)

    host = _v.ResourceHostPtr()
    err = _v.wasmtime_component_resource_any_to_host(ctypes.cast(env.context, ContextPtr),
                                                     ctypes.cast(box, _v.ResourceAnyPtr), ctypes.byref(host))
    if err:
        raise error_exception(err, WasmRuntimeError, "cannot read a host resource the guest passed")
    try:
        return int(_v.wasmtime_component_resource_host_rep(host))
    finally:
        _v.wasmtime_component_resource_host_delete(host)

