"""Reference values on the Python side, and what holds them alive.

Every value is an int in wt's encoding, and 0 is the null reference of every type. A
reference value is a handle that wt issued and checks, never a pointer to follow:

* ``funcref``: a function of one store, checked against the funcrefs that store handed
  out (a :class:`~wt_api.Function` is accepted too). It stays valid while its store lives.
* ``externref``: the handle of a host object. :func:`encode_externref` pins the object
  until :func:`release_externref`; an externref coming back from wasm is an
  :class:`ExternRef`, an int that holds its object while Python keeps it. Each copy
  wasm holds keeps the object too, until wasmtime's collector drops it.
* ``anyref``, ``eqref``, ``i31ref``, ``structref``, ``arrayref`` and their concrete and
  bottom types: an :class:`AnyRef`. An i31 encodes its value (:data:`I31_TAG` | 31 bits,
  no table); a struct, an array or a host reference that wasm converted
  (``any.convert_extern``) stays rooted in its store while an AnyRef of it lives.
* ``exnref``: an :class:`ExnRef`, rooted the same way.

A plain int copy of a handle (``int(ref)``) works while a handle object of it lives:
once the last one is gone (or :func:`release_ref` dropped it, or its store closed) the
reference is unrooted and the int is stale; using it raises ``WasmArgumentError``.
"""

from __future__ import annotations

import ctypes
import itertools
import sys
from collections.abc import Callable

from wt_ffi import val as _val

from ._externref import HOST, ExternRef

__all__ = ["AnyRef", "ExnRef", "encode_externref", "decode_externref", "release_externref",
           "encode_i31", "decode_anyref", "decode_exnref", "release_ref"]

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Literal

    AnyRefKind = Literal["i31", "struct", "array", "extern"]
    """What an :class:`AnyRef` is: an unboxed 31-bit int, a GC struct, a GC array, or a
    host reference converted with ``any.convert_extern``."""

I31_TAG = 1 << 63
"""Encoded i31 references are ``I31_TAG | bits``: above every other handle, in no table."""
I31_HIGH = I31_TAG >> 31
"""``value >> 31 == I31_HIGH`` exactly for the encoded i31 references."""
GC_BASE = 1 << 62
"""Handles of GC references start here; host object handles stay below."""


# --- GC references rooted in a store --------------------------------------------------
class Root:
    """One root of a GC reference in a store, unrooted by :meth:`release` or when
    dropped (unrooting needs no store: it is safe after the store is gone)."""

    __slots__ = ("ref", "_ctx", "_to_raw", "_unroot", "live")

    def __init__(self, ref: ctypes.Structure, ctx: object, to_raw: Callable[..., int],
                 unroot: Callable[..., None]) -> None:
        self.ref = ref
        self._ctx = ctx
        self._to_raw = to_raw
        self._unroot = unroot
        self.live = True

    def raw(self) -> int:
        """The raw slot value (valid until the store's next garbage collection)."""
        return self._to_raw(self._ctx, ctypes.byref(self.ref))

    def release(self) -> None:
        """Unroot now. Idempotent."""
        if self.live:
            self.live = False
            self._unroot(ctypes.byref(self.ref))

    def __del__(self) -> None:
        if self.live and not sys.is_finalizing():
            self.release()


def anyref_root(ctx: object, ref: _val.wasmtime_anyref_t) -> Root:
    """A :class:`Root` of an anyref."""
    return Root(ref, ctx, _val.wasmtime_anyref_to_raw, _val.wasmtime_anyref_unroot)


def externref_root(ctx: object, ref: _val.wasmtime_externref_t) -> Root:
    """A :class:`Root` of an externref."""
    return Root(ref, ctx, _val.wasmtime_externref_to_raw, _val.wasmtime_externref_unroot)


class GcEntry:
    """A GC reference handed to Python under ``handle``: its root, what it is, the store
    it lives in (None once released) and how many handle objects of it are alive."""

    __slots__ = ("handle", "root", "kind", "store", "owners", "host", "payload")

    def __init__(self, root: Root, kind: str, store: object, gc_handles: set[int], host: int = 0,
                 payload: tuple[int, ...] = ()) -> None:
        self.handle = next(_gc_counter)
        self.root = root
        self.kind = kind
        self.store = store
        self.owners = 0
        self.host = host
        self.payload = payload
        GC[self.handle] = self
        gc_handles.add(self.handle)

    def release(self) -> None:
        """Forget the handle and unroot the reference. Idempotent."""
        store, self.store = self.store, None
        if store is not None:
            GC.pop(self.handle, None)
            store.gc_handles.discard(self.handle)  # type: ignore[attr-defined]
            self.root.release()


GC: dict[int, GcEntry] = {}
"""Every live GC reference handle, in every store."""
_gc_counter = itertools.count(GC_BASE)


class _Held(int):
    """An int handle that owns one share of a :class:`GcEntry`."""

    def __new__(cls, value: int, entry: GcEntry | None = None) -> _Held:
        ref = int.__new__(cls, value)
        ref._entry = entry  # type: ignore[attr-defined]
        if entry is not None:
            entry.owners += 1
        return ref

    def __del__(self) -> None:
        entry: GcEntry | None = self.__dict__.get("_entry")
        if entry is not None:
            entry.owners -= 1
            if entry.owners <= 0 and not sys.is_finalizing():
                entry.release()

    @property
    def handle(self) -> int:
        """The encoded value, as a plain int."""
        return int(self)

    def release(self) -> None:
        """Let wt forget this reference now: every copy of the handle goes stale and the
        GC object may be collected. Idempotent."""
        entry: GcEntry | None = self.__dict__.get("_entry")
        if entry is not None:
            entry.release()


class AnyRef(_Held):
    """A non-null reference of wasm's ``any`` hierarchy: an int (its encoded handle) that
    keeps the reference rooted while it exists.

    ``kind`` is ``"i31"`` (read it with :meth:`i31`), ``"struct"`` or ``"array"`` (GC
    objects), or ``"extern"`` (a host reference that wasm converted with
    ``any.convert_extern``: :attr:`host` is its object).

    Thread-safety: immutable; reading it takes no lock."""

    def __new__(cls, value: int, entry: GcEntry | None = None) -> AnyRef:
        return super().__new__(cls, value, entry)  # type: ignore[return-value]

    @property
    def kind(self) -> AnyRefKind:
        """``"i31"``, ``"struct"``, ``"array"`` or ``"extern"``."""
        entry: GcEntry | None = self.__dict__["_entry"]
        return "i31" if entry is None else entry.kind  # type: ignore[return-value]

    def i31(self, *, signed: bool = True) -> int:
        """The value of an i31 reference, sign-extended from 31 bits (``signed=False``:
        zero-extended). Raises TypeError for any other kind."""
        if self.kind != "i31":
            raise TypeError(f"this anyref is a {self.kind}, not an i31")
        bits = int(self) & 0x7FFFFFFF
        return bits - (1 << 31) if signed and bits & (1 << 30) else bits

    @property
    def host(self) -> object:
        """The Python object of a converted host reference (kind ``"extern"``)."""
        entry: GcEntry | None = self.__dict__["_entry"]
        if entry is None or entry.kind != "extern":
            raise TypeError(f"this anyref is a {self.kind}, not a converted host reference")
        return HOST.get(entry.host)

    def __repr__(self) -> str:
        if self.kind == "i31":
            return f"<AnyRef i31 {self.i31()}>"
        if self.kind == "extern":
            try:
                return f"<AnyRef extern {self.host!r}>"
            except KeyError:
                return "<AnyRef extern (released)>"
        return f"<AnyRef {self.kind}>"


class ExnRef(_Held):
    """A non-null exception reference: an int (its encoded handle) that keeps the
    exception rooted while it exists; ``payload`` holds its values, encoded.

    Thread-safety: immutable; reading it takes no lock."""

    def __new__(cls, value: int, entry: GcEntry | None = None) -> ExnRef:
        return super().__new__(cls, value, entry)  # type: ignore[return-value]

    @property
    def payload(self) -> tuple[int, ...]:
        """The exception's values, encoded, as its tag's signature orders them."""
        entry: GcEntry | None = self.__dict__["_entry"]
        return () if entry is None else entry.payload

    def __repr__(self) -> str:
        return f"<ExnRef payload={list(self.payload)!r}>"


# --- the public functions -------------------------------------------------------------
def encode_externref(obj: object | None) -> int:
    """Encode a Python object as an externref handle (None is the null reference, 0).

    wt keeps the object (so that wasm and later :func:`decode_externref` calls can reach
    it) until :func:`release_externref`; encoding the same object again gives the same
    handle. A reference wt handed out (an :class:`ExternRef`, :class:`AnyRef`) encodes as
    itself: an AnyRef where an externref goes is what ``extern.convert_any`` makes of it."""
    if obj is None:
        return 0
    if isinstance(obj, (ExternRef, AnyRef)):
        return obj
    if isinstance(obj, ExnRef):
        raise TypeError("an exception reference cannot be an externref")
    return HOST.handle(obj, pin=True)


def decode_externref(value: int) -> object | None:
    """The Python object behind an externref handle (0 decodes to None). An externref
    that wasm made from a GC value (``extern.convert_any``) decodes to its :class:`AnyRef`."""
    if value is None or value == 0:
        return None
    if isinstance(value, ExternRef):
        return value.object
    if isinstance(value, AnyRef):
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"decode_externref takes an encoded int, not {type(value).__name__}")
    if value >> 31 == I31_HIGH or value in GC:
        return decode_anyref(value)
    try:
        return HOST.get(value)
    except KeyError:
        raise ValueError(f"{value} is not a live externref handle") from None


def release_externref(value: int) -> None:
    """Let wt forget the object behind an externref handle made by
    :func:`encode_externref` (wasm's own copies, and ExternRefs, keep it until they go)."""
    if value:
        HOST.unpin(int(value))


def encode_i31(value: int) -> int:
    """Encode an ``i31ref`` holding the low 31 bits of ``value`` (signed or unsigned:
    ``encode_i31(-1)`` is the i31 whose bits are all ones)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"encode_i31 takes an int, not {type(value).__name__}")
    if not -(1 << 30) <= value < (1 << 31):
        raise ValueError(f"encode_i31({value}) is out of range [-2**30, 2**31)")
    return I31_TAG | (value & 0x7FFFFFFF)


def decode_anyref(value: int) -> AnyRef | None:
    """The :class:`AnyRef` behind an encoded ``anyref`` (or ``eqref``, ``i31ref``,
    ``structref``, ``arrayref``) value; None for null."""
    if value is None or value == 0:
        return None
    if isinstance(value, AnyRef):
        entry: GcEntry | None = value.__dict__["_entry"]
        if entry is not None and entry.store is None:
            raise ValueError(f"{int(value)} is the handle of a released {entry.kind} reference")
        return value
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"decode_anyref takes an encoded int, not {type(value).__name__}")
    if value >> 31 == I31_HIGH:
        return AnyRef(value)
    entry = GC.get(value)
    if entry is None or entry.kind == "exn":
        raise ValueError(f"{value} is not a live anyref handle")
    return AnyRef(value, entry)


def decode_exnref(value: int) -> ExnRef | None:
    """The :class:`ExnRef` behind an encoded ``exnref`` value; None for null."""
    if value is None or value == 0:
        return None
    if isinstance(value, ExnRef) and value.__dict__["_entry"].store is not None:
        return value
    entry = GC.get(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if entry is None or entry.kind != "exn":
        raise ValueError(f"{value!r} is not a live exception reference handle")
    return ExnRef(value, entry)


def release_ref(value: int) -> None:
    """Let wt forget the reference behind a handle now (an :class:`AnyRef`, an
    :class:`ExnRef`, or an externref's pinned object): later uses of the handle raise. An
    i31 handle holds nothing and needs no release."""
    if not value or not isinstance(value, int) or value >> 31 == I31_HIGH:
        return
    entry = GC.get(int(value))
    if entry is not None:
        entry.release()
    else:
        HOST.unpin(int(value))
