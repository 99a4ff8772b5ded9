"""References across the boundary: funcref, externref, the GC references and exnref.

Every value is an int in wt's encoding, and 0 is the null reference of every type:

* ``funcref`` (and typed function references): the function's raw reference (stable
  for its store's life); a :class:`~wt_api.Function` is accepted wherever one goes in.
* ``externref``: a handle from :func:`~wt_api.encode_externref`, mapping back to the
  Python object. An externref that wasm made from a GC value (``extern.convert_any``)
  comes back as that value's :class:`AnyRef` handle, and an :class:`AnyRef` handle
  passed where an externref goes is converted the same way.
* ``anyref``, ``eqref``, ``i31ref``, ``structref``, ``arrayref`` and their concrete
  and bottom types: the handle of an :class:`AnyRef` (:func:`decode_anyref`), which
  says whether it is an i31, a struct, an array, or a host reference that wasm
  converted with ``any.convert_extern``. An externref handle passed where an anyref
  goes is that conversion (what ``any.convert_extern`` would make of it);
  :func:`encode_i31` makes an i31 from Python.
* ``exnref``: the handle of an :class:`ExnRef` (:func:`decode_exnref`).

An i31 handle encodes its value (no table, nothing to release). Struct, array,
converted-host and exception handles keep their object alive (rooted) in the store
that made them until the store closes or :func:`release_ref` drops them; using one in
another store raises :class:`~wt_api.WasmArgumentError`.

wasmtime's raw slot values of GC references are valid only until the next garbage
collection, which any allocation may start (the default collector moves objects):
wt makes every reference argument first and reads the raw values last, and roots
every reference result as soon as a call returns.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from ctypes import byref, c_uint32
from wt_ffi import exnref as _exn
from wt_ffi import types as _t
from wt_ffi import val as _val

from .errors import WasmArgumentError
from .values import I31_TAG, WasmRef, decode_externref, externrefs

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from typing import Literal

    from .function import Function
    from .store import Store

__all__ = ["AnyRef", "ExnRef", "AnyRefKind", "decode_anyref", "decode_exnref", "encode_i31", "release_ref"]

_I31_HIGH = I31_TAG >> 31  # an i31 handle is exactly I31_TAG | 31 bits

if TYPE_CHECKING:
    AnyRefKind = Literal["i31", "struct", "array", "extern"]
    """What an :class:`AnyRef` is: an unboxed 31-bit int, a GC struct, a GC array, or a
    host reference converted with ``any.convert_extern``."""


def __getattr__(name: str) -> object:
    # The typing alias is made on first use (importing typing costs milliseconds).
    if name == "AnyRefKind":
        from typing import Literal

        return Literal["i31", "struct", "array", "extern"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_EXTERN_HEAPS = (_t.HEAP_EXTERN, _t.HEAP_NOEXTERN)
_FUNC_HEAPS = (_t.HEAP_FUNC, _t.HEAP_NOFUNC, _t.HEAP_CONCRETE_FUNC)
_EXN_HEAPS = (_t.HEAP_EXN, _t.HEAP_NOEXN, _t.HEAP_CONCRETE_EXN)
# The AnyRef kinds each abstract heap type of the any hierarchy admits (concrete
# struct and array types are checked by wasmtime: see Function).
_ANY_KINDS: dict[int, tuple[str, ...]] = {
    _t.HEAP_ANY: ("i31", "struct", "array", "extern"),
    _t.HEAP_EQ: ("i31", "struct", "array"),
    _t.HEAP_I31: ("i31",),
    _t.HEAP_STRUCT: ("struct",),
    _t.HEAP_CONCRETE_STRUCT: ("struct",),
    _t.HEAP_ARRAY: ("array",),
    _t.HEAP_CONCRETE_ARRAY: ("array",),
    _t.HEAP_NONE: (),
}


class _Rooted:
    """A GC reference rooted in a store and owned by wt: unrooted when dropped (safe
    after the store is gone: unrooting touches only the root's own counter)."""

    __slots__ = ("ref", "_ctx", "_to_raw", "_unroot")

    def __init__(self, ref: ctypes.Structure, ctx: object, to_raw: Callable[..., int],
                 unroot: Callable[..., None]) -> None:
        self.ref = ref
        self._ctx = ctx
        self._to_raw = to_raw
        self._unroot = unroot

    def raw(self) -> int:
        """The raw slot value (valid until the store's next garbage collection)."""
        return self._to_raw(self._ctx, byref(self.ref))

    def __del__(self) -> None:
        if not sys.is_finalizing():
            self._unroot(byref(self.ref))


def _rooted_anyref(ctx: object, ref: _val.wasmtime_anyref_t) -> _Rooted:
    return _Rooted(ref, ctx, _val.wasmtime_anyref_to_raw, _val.wasmtime_anyref_unroot)


def _rooted_externref(ctx: object, ref: _val.wasmtime_externref_t) -> _Rooted:
    return _Rooted(ref, ctx, _val.wasmtime_externref_to_raw, _val.wasmtime_externref_unroot)


def _rooted_exnref(ctx: object, ref: _val.wasmtime_exnref_t) -> _Rooted:
    return _Rooted(ref, ctx, _exn.wasmtime_exnref_to_raw, _exn.wasmtime_exnref_unroot)


class AnyRef(WasmRef):
    """A non-null reference of wasm's ``any`` hierarchy, read with :func:`decode_anyref`.

    ``kind`` is ``"i31"`` (read it with :meth:`i31`), ``"struct"`` or ``"array"`` (GC
    objects, kept alive while this reference is), or ``"extern"`` (a host reference
    that wasm converted with ``any.convert_extern``: :attr:`host` is its object).

    Thread-safety: immutable; reading it takes no lock."""

    __slots__ = ("kind", "_i31", "_host", "_rooted", "_store", "_handle")

    def __init__(self, kind: AnyRefKind, *, i31: int = 0, host: int = 0, rooted: _Rooted | None = None,
                 store: Store | None = None) -> None:
        self.kind: AnyRefKind = kind
        self._i31 = i31
        self._host = host
        self._rooted = rooted
        self._store = store
        self._handle = 0

    @property
    def handle(self) -> int:
        """The encoded value (an i31's encodes its value; others are registered once)."""
        if self.kind == "i31":
            return I31_TAG | self._i31
        if not self._handle:
            self._handle = externrefs.handle(self)
            if self._store is not None:
                self._store.ref_handles.add(self._handle)
        return self._handle

    def i31(self, *, signed: bool = True) -> int:
        """The value of an i31 reference, sign-extended from 31 bits (``signed=False``:
        zero-extended). Raises TypeError for any other kind."""
        if self.kind != "i31":
            raise TypeError(f"this anyref is a {self.kind}, not an i31")
        return self._i31 - (1 << 31) if signed and self._i31 & (1 << 30) else self._i31

    @property
    def host(self) -> object:
        """The Python object of a converted host reference (kind ``"extern"``)."""
        if self.kind != "extern":
            raise TypeError(f"this anyref is a {self.kind}, not a converted host reference")
        return decode_externref(self._host)

    def release(self) -> None:
        """Let wt forget this reference: its handle stops working and the GC object may
        be collected. Idempotent."""
        if self._handle:
            externrefs.release(self._handle)
            if self._store is not None:
                self._store.ref_handles.discard(self._handle)
        self._rooted = None

    def _raw_in(self, store: Store, where: str) -> _Rooted:
        """A root of this reference usable in ``store`` (for a call's argument)."""
        ctx = store.context
        if self.kind == "i31":
            ref = _val.wasmtime_anyref_t()
            _val.wasmtime_anyref_from_i31(ctx, self._i31, byref(ref))
            return _rooted_anyref(ctx, ref)
        if self._store is not store:
            raise WasmArgumentError(f"{where}: this {self.kind} reference belongs to another store")
        if self._rooted is None or not store.alive[0]:
            raise WasmArgumentError(f"{where}: this {self.kind} reference was released")
        return self._rooted

    def __repr__(self) -> str:
        if self.kind == "i31":
            return f"<AnyRef i31 {self.i31()}>"
        if self.kind == "extern":
            return f"<AnyRef extern {self._host_repr()}>"
        return f"<AnyRef {self.kind}>"

    def _host_repr(self) -> str:
        try:
            return repr(self.host)
        except ValueError:
            return "(released)"


class ExnRef(WasmRef):
    """A non-null exception reference, read with :func:`decode_exnref`: ``payload`` holds
    the exception's values, encoded.

    Thread-safety: immutable; reading it takes no lock."""

    __slots__ = ("payload", "_rooted", "_store", "_handle")

    def __init__(self, rooted: _Rooted, store: Store, payload: tuple[int, ...]) -> None:
        self.payload: tuple[int, ...] = payload
        self._rooted: _Rooted | None = rooted
        self._store = store
        self._handle = 0

    @property
    def handle(self) -> int:
        """The encoded value."""
        if not self._handle:
            self._handle = externrefs.handle(self)
            self._store.ref_handles.add(self._handle)
        return self._handle

    def release(self) -> None:
        """Let wt forget this reference. Idempotent."""
        if self._handle:
            externrefs.release(self._handle)
            self._store.ref_handles.discard(self._handle)
        self._rooted = None

    def _raw_in(self, store: Store, where: str) -> _Rooted:
        if self._store is not store:
            raise WasmArgumentError(f"{where}: this exception belongs to another store")
        if self._rooted is None or not store.alive[0]:
            raise WasmArgumentError(f"{where}: this exception reference was released")
        return self._rooted

    def __repr__(self) -> str:
        return f"<ExnRef payload={list(self.payload)!r}>"


# --- public decoding -----------------------------------------------------------------

def encode_i31(value: int) -> int:
    """Encode an ``i31ref`` holding the low 31 bits of ``value`` (signed or unsigned:
    ``encode_i31(-1)`` is the i31 whose bits are all ones)."""
    if not isinstance(value, int):
        raise TypeError(f"encode_i31 takes an int, not {type(value).__name__}")
    if not -(1 << 30) <= value < (1 << 31):
        raise ValueError(f"encode_i31({value}) is out of range [-2**30, 2**31)")
    return I31_TAG | (value & 0x7FFFFFFF)


def i31_ref(value: int) -> AnyRef:
    """The :class:`AnyRef` of an i31 handle."""
    return AnyRef("i31", i31=value & 0x7FFFFFFF)


def decode_anyref(value: int) -> AnyRef | None:
    """The :class:`AnyRef` behind an encoded ``anyref`` (or ``eqref``, ``i31ref``,
    ``structref``, ``arrayref``) value; None for null."""
    if value == 0:
        return None
    if not isinstance(value, int):
        raise TypeError(f"decode_anyref takes an encoded int, not {type(value).__name__}")
    if value >> 31 == _I31_HIGH:
        return i31_ref(value)
    obj = externrefs.get(value)
    if not isinstance(obj, AnyRef):
        raise ValueError(f"{value} is the handle of a host object (an externref), not of an anyref")
    return obj


def decode_exnref(value: int) -> ExnRef | None:
    """The :class:`ExnRef` behind an encoded ``exnref`` value; None for null."""
    if value == 0:
        return None
    obj = externrefs.get(value)
    if not isinstance(obj, ExnRef):
        raise ValueError(f"{value} is not the handle of an exception reference")
    return obj


def release_ref(value: int) -> None:
    """Let wt forget the reference behind a handle (an :class:`AnyRef`, an
    :class:`ExnRef` or an externref's object): later uses of the handle raise. An i31
    handle holds nothing and needs no release."""
    if not value or value >> 31 == _I31_HIGH:
        return
    try:
        obj = externrefs.get(value)
    except ValueError:
        return
    if isinstance(obj, (AnyRef, ExnRef)):
        obj.release()
    else:
        externrefs.release(value)


# --- results: raw slot values and wasmtime_val_t to encoded values --------------------

def _classify(store: Store, rooted: _Rooted) -> int:
    """The encoded value of a non-null rooted anyref (takes ownership of the root)."""
    ctx = store.context
    ref = byref(rooted.ref)
    bits = c_uint32()
    # wasmtime_anyref_is_i31 is broken in 50.0.1 (it reads the low byte of the raw
    # reference); i31_get_u is reliable.
    if _val.wasmtime_anyref_i31_get_u(ctx, ref, byref(bits)):
        return I31_TAG | (bits.value & 0x7FFFFFFF)
    if _val.wasmtime_anyref_is_struct(ctx, ref):
        return AnyRef("struct", rooted=rooted, store=store).handle
    if _val.wasmtime_anyref_is_array(ctx, ref):
        return AnyRef("array", rooted=rooted, store=store).handle
    # Neither: a host externref that wasm converted (the same GC object inside wasmtime).
    host = _val.externref_raw_to_data(ctx, rooted.raw()) or 0
    return AnyRef("extern", host=host, rooted=rooted, store=store).handle


def anyref_from_raw(store: Store, raw: int) -> int:
    """The encoded value of a raw anyref slot value."""
    raw &= 0xFFFFFFFF
    if raw == 0:
        return 0
    ctx = store.context
    ref = _val.wasmtime_anyref_t()
    _val.wasmtime_anyref_from_raw(ctx, raw, byref(ref))
    return _classify(store, _rooted_anyref(ctx, ref))


def externref_from_raw(store: Store, raw: int) -> int:
    """The encoded value of a raw externref slot value: the host object's handle, or
    (for a GC value that wasm converted) the handle of its :class:`AnyRef`."""
    raw &= 0xFFFFFFFF
    if raw == 0:
        return 0
    data = _val.externref_raw_to_data(store.context, raw)
    if data:
        return data
    return anyref_from_raw(store, raw)


def _exnref_value(store: Store, rooted: _Rooted) -> int:
    from .valconv import from_val

    ctx = store.context
    ref = byref(rooted.ref)
    payload = []
    for i in range(_exn.wasmtime_exnref_field_count(ctx, ref)):
        out = _val.wasmtime_val_t()
        err = _exn.wasmtime_exnref_field(ctx, ref, i, byref(out))
        if err:
            from wt_ffi import error as _error

            _error.wasmtime_error_delete(err)
            break
        payload.append(from_val(store, out))
    return ExnRef(rooted, store, tuple(payload)).handle


def exnref_from_raw(store: Store, raw: int) -> int:
    """The encoded value of a raw exnref slot value."""
    raw &= 0xFFFFFFFF
    if raw == 0:
        return 0
    ctx = store.context
    ref = _val.wasmtime_exnref_t()
    _exn.wasmtime_exnref_from_raw(ctx, raw, byref(ref))
    return _exnref_value(store, _rooted_exnref(ctx, ref))


def take_exception(store: Store) -> ExnRef | None:
    """The store's pending (uncaught) wasm exception, taken out of it; None if none."""
    ctx = store.context
    if not _exn.wasmtime_context_has_exception(ctx):
        return None
    ref = _val.wasmtime_exnref_t()
    if not _exn.wasmtime_context_take_exception(ctx, byref(ref)):
        return None
    return decode_exnref(_exnref_value(store, _rooted_exnref(ctx, ref)))


def result_converter(store: Store, vt: _t.ValType) -> Callable[[int], int]:
    """Raw slot value -> encoded value, for a reference type."""
    if vt.heap in _EXTERN_HEAPS:
        return lambda raw: externref_from_raw(store, raw)
    if vt.heap in _FUNC_HEAPS:
        return lambda raw: raw or 0
    if vt.heap in _EXN_HEAPS:
        return lambda raw: exnref_from_raw(store, raw)
    return lambda raw: anyref_from_raw(store, raw)


def from_val(store: Store, val: _val.wasmtime_val_t) -> int:
    """The encoded value of a reference ``wasmtime_val_t`` (takes over its root)."""
    kind = val.kind
    ctx = store.context
    if kind == _val.VAL_FUNCREF:
        return _val.func_to_raw(ctx, val.of.funcref)
    if kind == _val.VAL_EXTERNREF:
        if val.of.externref.store_id == 0:
            return 0
        rooted = _rooted_externref(ctx, _val.wasmtime_externref_t.from_buffer_copy(val.of.externref))
        data = _val.wasmtime_externref_data(ctx, byref(rooted.ref))
        if data:
            return data
        return anyref_from_raw(store, rooted.raw())
    if kind == _val.VAL_ANYREF:
        if val.of.anyref.store_id == 0:
            return 0
        return _classify(store, _rooted_anyref(ctx, _val.wasmtime_anyref_t.from_buffer_copy(val.of.anyref)))
    if val.of.exnref.store_id == 0:
        return 0
    return _exnref_value(store, _rooted_exnref(ctx, _val.wasmtime_exnref_t.from_buffer_copy(val.of.exnref)))


# --- arguments: encoded values to rooted references ----------------------------------

def _lookup(value: object, where: str) -> object:
    try:
        return externrefs.get(value)  # type: ignore[arg-type]
    except (ValueError, TypeError):
        raise WasmArgumentError(f"{where}: {value!r} is not a live reference handle") from None


def argument_maker(store: Store, vt: _t.ValType, where: str) -> Callable[[object], _Rooted | None]:
    """Encoded value -> a rooted reference (None for null) of type ``vt``, checked.
    The raw slot value is read later with :func:`raw_of` (see the module docstring)."""
    ctx = store.context
    nullable = vt.nullable
    heap = vt.heap

    def null() -> None:
        if not nullable:
            raise WasmArgumentError(f"{where}: a non-null reference cannot be null")

    if heap in _EXTERN_HEAPS:
        def make_extern(value: object) -> _Rooted | None:
            if value is None or value == 0:
                null()
                return None
            if heap == _t.HEAP_NOEXTERN:
                raise WasmArgumentError(f"{where}: only null is a (ref null noextern)")
            if isinstance(value, AnyRef):
                return value._raw_in(store, where)
            if not isinstance(value, int):
                raise WasmArgumentError(f"{where}: an externref is an encoded handle, not {type(value).__name__}")
            if value >> 31 == _I31_HIGH:
                return i31_ref(value)._raw_in(store, where)
            obj = _lookup(value, where)
            if isinstance(obj, AnyRef):
                return obj._raw_in(store, where)  # extern.convert_any of it
            if isinstance(obj, ExnRef):
                raise WasmArgumentError(f"{where}: an exception reference is not an externref")
            ref = _val.new_externref(ctx, value)
            return _rooted_externref(ctx, ref)
        return make_extern

    if heap in _EXN_HEAPS:
        def make_exn(value: object) -> _Rooted | None:
            if value is None or value == 0:
                null()
                return None
            if heap == _t.HEAP_NOEXN:
                raise WasmArgumentError(f"{where}: only null is a (ref null noexn)")
            obj = value if isinstance(value, ExnRef) else _lookup(value, where) if isinstance(value, int) else None
            if not isinstance(obj, ExnRef):
                raise WasmArgumentError(f"{where}: {value!r} is not an exception reference handle")
            return obj._raw_in(store, where)
        return make_exn

    kinds = _ANY_KINDS.get(heap, ())

    def make_any(value: object) -> _Rooted | None:
        if value is None or value == 0:
            null()
            return None
        if isinstance(value, AnyRef):
            obj: object = value
        elif not isinstance(value, int):
            raise WasmArgumentError(f"{where}: an anyref is an encoded handle, not {type(value).__name__}")
        elif value >> 31 == _I31_HIGH:
            obj = i31_ref(value)
        else:
            obj = _lookup(value, where)
        kind = obj.kind if isinstance(obj, AnyRef) else "extern" if not isinstance(obj, ExnRef) else "exn"
        if kind not in kinds:
            raise WasmArgumentError(f"{where}: a{'n' if kind[0] in 'aei' else ''} {kind} reference does "
                                    f"not fit {_heap_name(vt)}")
        if isinstance(obj, AnyRef):
            return obj._raw_in(store, where)
        # A host object: the externref wasm would get from any.convert_extern.
        return _rooted_externref(ctx, _val.new_externref(ctx, value))  # type: ignore[arg-type]
    return make_any


def raw_of(made: _Rooted | None) -> int:
    """The raw slot value of what :func:`argument_maker` made (0 for null)."""
    return 0 if made is None else made.raw()


def funcref_argument(store: Store, vt: _t.ValType, where: str) -> Callable[[object], int]:
    """Encoded funcref (or a :class:`~wt_api.Function`, or None) -> raw slot value."""
    ctx = store.context
    nullable = vt.nullable

    def funcref_in(value: object) -> int:
        from .function import Function

        if isinstance(value, Function):
            if value._store is not store:
                raise WasmArgumentError(f"{where}: this function belongs to another store")
            return _val.func_to_raw(ctx, value._func)
        if value is None:
            value = 0
        if not isinstance(value, int) or not 0 <= value < (1 << 64):
            raise WasmArgumentError(f"{where}: takes a Function or an encoded funcref")
        if value == 0 and not nullable:
            raise WasmArgumentError(f"{where}: a non-null reference cannot be null")
        if value and vt.heap == _t.HEAP_NOFUNC:
            raise WasmArgumentError(f"{where}: only null is a (ref null nofunc)")
        return value
    return funcref_in


def to_val(store: Store, vt: _t.ValType, value: object) -> tuple[_val.wasmtime_val_t, object]:
    """A reference ``wasmtime_val_t`` of type ``vt`` for an encoded value, and what keeps
    its root alive (drop it once C has used the value)."""
    val = _val.wasmtime_val_t()
    heap = vt.heap
    where = f"a {_heap_name(vt)} value"
    if heap in _FUNC_HEAPS:
        raw = funcref_argument(store, vt, where)(value)
        return _val.funcref_val(_val.funcref_raw_to_func(store.context, raw) if raw else None), None
    made = argument_maker(store, vt, where)(value)
    if heap in _EXTERN_HEAPS:
        val.kind = _val.VAL_EXTERNREF
        if made is not None:
            ext = made.ref
            if not isinstance(ext, _val.wasmtime_externref_t):  # a GC value: the externref of it
                ext = _val.wasmtime_externref_t()
                _val.wasmtime_externref_from_raw(store.context, made.raw(), byref(ext))
                made = _rooted_externref(store.context, ext)
            val.of.externref = ext
        return val, made
    if heap in _EXN_HEAPS:
        val.kind = _val.VAL_EXNREF
        if made is not None and isinstance(made.ref, _val.wasmtime_exnref_t):
            val.of.exnref = made.ref
        return val, made
    val.kind = _val.VAL_ANYREF
    if made is not None:
        anyref = made.ref
        if not isinstance(anyref, _val.wasmtime_anyref_t):  # a host object: the anyref of it
            anyref = _val.wasmtime_anyref_t()
            _val.wasmtime_anyref_from_raw(store.context, made.raw(), byref(anyref))
            made = _rooted_anyref(store.context, anyref)
        val.of.anyref = anyref
    return val, made


def _heap_name(vt: _t.ValType) -> str:
    from .values import from_raw_type, type_name

    return type_name(from_raw_type(vt))


def typed_param(store: Store, vt: _t.ValType) -> Callable[[int], object]:
    """Raw slot value -> the Python value a typed host function receives."""
    if vt.heap in _EXTERN_HEAPS:
        return lambda raw: decode_externref(externref_from_raw(store, raw))
    if vt.heap in _EXN_HEAPS:
        return lambda raw: decode_exnref(exnref_from_raw(store, raw))
    if vt.heap in _FUNC_HEAPS:
        raise AssertionError("funcrefs are converted by the host module")
    return lambda raw: decode_anyref(anyref_from_raw(store, raw))


def typed_result(vt: _t.ValType) -> Callable[[object], object]:
    """The Python value a typed host function returned -> its encoded value."""
    from .values import encode_externref

    if vt.heap in _EXN_HEAPS:
        return lambda obj: 0 if obj is None else obj.handle if isinstance(obj, ExnRef) else obj
    # externref and anyref: None is null, a wt reference is itself, any other object is
    # a host reference (for an anyref, the one any.convert_extern would make).
    return lambda obj: 0 if obj is None else obj.handle if isinstance(obj, WasmRef) else encode_externref(obj)
