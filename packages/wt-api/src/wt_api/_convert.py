"""Encoded values to and from C: the one place each conversion lives.

Two forms cross the boundary: raw 16-byte slots (prepared calls and host functions,
numbers inline in :mod:`wt_ffi.call` / :mod:`wt_ffi.callback`, references here) and
typed ``wasmtime_val_t`` values (globals, tables, calls that wasmtime checks): reading
them is here (``from_val``), writing them is :mod:`wt_api._convert_val`'s, on top of the
checks here.

Every reference going into wasm is checked first against what its store issued and
still holds (see :mod:`wt_api._refs`); an unknown, stale, wrong-kind or other-store value
raises :class:`~wt_api.WasmArgumentError` naming where it went, before C sees it.

wasmtime's raw slot values of GC references are valid only until the next garbage
collection, which any allocation may start: every reference argument is made (rooted)
first and raw values are read last (:class:`~wt_ffi.call.RefParam`); every reference
result is rooted as soon as a call returns.
"""

from __future__ import annotations

from collections.abc import Callable
from ctypes import byref, c_uint32

from wt_ffi import error as _error
from wt_ffi import exnref as _exn
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.call import RefParam

from ._errors import WasmArgumentError
from ._externref import HOST, ExternRef
from ._refs import (GC, I31_HIGH, I31_TAG, AnyRef, ExnRef, GcEntry, Root, anyref_root, decode_anyref, decode_externref,
                    externref_root)
from ._store import Store
from ._values import from_raw_type, type_name

__all__ = ["param_converter", "result_converter", "typed_param", "typed_result", "take_exception", "heap_name",
           "from_val", "FUNC_HEAPS", "EXTERN_HEAPS", "EXN_HEAPS", "exnref_root", "funcref_maker", "ref_maker"]

EXTERN_HEAPS = (_t.HEAP_EXTERN, _t.HEAP_NOEXTERN)
FUNC_HEAPS = (_t.HEAP_FUNC, _t.HEAP_NOFUNC, _t.HEAP_CONCRETE_FUNC)
EXN_HEAPS = (_t.HEAP_EXN, _t.HEAP_NOEXN, _t.HEAP_CONCRETE_EXN)
_BOTTOM = (_t.HEAP_NOEXTERN, _t.HEAP_NOFUNC, _t.HEAP_NOEXN, _t.HEAP_NONE)
# The kinds each heap type of the any hierarchy admits (concrete struct and array types
# are checked by wasmtime's checked call: see Function).
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


def heap_name(vt: _t.ValType) -> str:
    """The WAT spelling of a reference type."""
    return type_name(from_raw_type(vt))


def exnref_root(ctx: object, ref: _val.wasmtime_exnref_t) -> Root:
    return Root(ref, ctx, _exn.wasmtime_exnref_to_raw, _exn.wasmtime_exnref_unroot)


# --- results: raw slot values and wasmtime_val_t to encoded values --------------------
def _anyref_value(store: Store, root: Root) -> AnyRef:
    """The handle of a non-null rooted anyref (taking over the root)."""
    ctx = store.context
    ref = byref(root.ref)
    bits = c_uint32()
    # wasmtime_anyref_is_i31 is broken in 50.0.1 (it reads the low byte of the raw
    # reference); i31_get_u is reliable.
    if _val.wasmtime_anyref_i31_get_u(ctx, ref, byref(bits)):
        root.release()
        return AnyRef(I31_TAG | (bits.value & 0x7FFFFFFF))
    if _val.wasmtime_anyref_is_struct(ctx, ref):
        kind, host = "struct", 0
    elif _val.wasmtime_anyref_is_array(ctx, ref):
        kind, host = "array", 0
    else:  # a host externref that wasm converted (the same GC object inside wasmtime)
        kind, host = "extern", _val.externref_raw_to_data(ctx, root.raw()) or 0
    entry = GcEntry(root, kind, store, store.gc_handles, host=host)
    return AnyRef(entry.handle, entry)


def _exnref_value(store: Store, root: Root) -> ExnRef:
    ctx = store.context
    ref = byref(root.ref)
    payload = []
    for i in range(_exn.wasmtime_exnref_field_count(ctx, ref)):
        out = _val.wasmtime_val_t()
        err = _exn.wasmtime_exnref_field(ctx, ref, i, byref(out))
        if err:
            _error.wasmtime_error_delete(err)
            break
        payload.append(from_val(store, out))
    entry = GcEntry(root, "exn", store, store.gc_handles, payload=tuple(payload))
    return ExnRef(entry.handle, entry)


def anyref_from_raw(store: Store, raw: int) -> int:
    """The encoded value of a raw anyref slot value."""
    raw &= 0xFFFFFFFF
    if raw == 0:
        return 0
    ref = _val.wasmtime_anyref_t()
    _val.wasmtime_anyref_from_raw(store.context, raw, byref(ref))
    return _anyref_value(store, anyref_root(store.context, ref))


def externref_from_raw(store: Store, raw: int) -> int:
    """The encoded value of a raw externref slot value: an :class:`ExternRef` holding the
    host object, or (for a GC value that wasm converted) an :class:`AnyRef`."""
    raw &= 0xFFFFFFFF
    if raw == 0:
        return 0
    data = _val.externref_raw_to_data(store.context, raw)
    if data:
        return ExternRef(data)
    return anyref_from_raw(store, raw)


def exnref_from_raw(store: Store, raw: int) -> int:
    """The encoded value of a raw exnref slot value."""
    raw &= 0xFFFFFFFF
    if raw == 0:
        return 0
    ref = _val.wasmtime_exnref_t()
    _exn.wasmtime_exnref_from_raw(store.context, raw, byref(ref))
    return _exnref_value(store, exnref_root(store.context, ref))


def _funcref_from_raw(store: Store) -> Callable[[int], int]:
    issued = store.funcrefs

    def funcref_out(raw: int) -> int:
        if raw:
            issued.add(raw)  # from now on a valid funcref argument of this store
            return raw
        return 0

    return funcref_out


def result_converter(store: Store, vt: _t.ValType) -> Callable[[int], int]:
    """Raw slot value -> encoded value, for a reference type."""
    if vt.heap in FUNC_HEAPS:
        return _funcref_from_raw(store)
    if vt.heap in EXTERN_HEAPS:
        return lambda raw: externref_from_raw(store, raw)
    if vt.heap in EXN_HEAPS:
        return lambda raw: exnref_from_raw(store, raw)
    return lambda raw: anyref_from_raw(store, raw)


def from_val(store: Store, val: _val.wasmtime_val_t) -> int:
    """The encoded value of a ``wasmtime_val_t`` that C returned (taking over its root)."""
    kind = val.kind
    if kind in (_val.VAL_I32, _val.VAL_I64, _val.VAL_F32, _val.VAL_F64, _val.VAL_V128):
        return _val.val_bits(val)
    ctx = store.context
    if kind == _val.VAL_FUNCREF:
        return _funcref_from_raw(store)(_val.func_to_raw(ctx, val.of.funcref))
    if kind == _val.VAL_EXTERNREF:
        if val.of.externref.store_id == 0:
            return 0
        root = externref_root(ctx, _val.wasmtime_externref_t.from_buffer_copy(val.of.externref))
        data = _val.wasmtime_externref_data(ctx, byref(root.ref))
        if data:
            return ExternRef(data)
        return anyref_from_raw(store, root.raw())
    if kind == _val.VAL_ANYREF:
        if val.of.anyref.store_id == 0:
            return 0
        return _anyref_value(store, anyref_root(ctx, _val.wasmtime_anyref_t.from_buffer_copy(val.of.anyref)))
    if val.of.exnref.store_id == 0:
        return 0
    return _exnref_value(store, exnref_root(ctx, _val.wasmtime_exnref_t.from_buffer_copy(val.of.exnref)))


def take_exception(store: Store) -> ExnRef | None:
    """The store's pending (uncaught) wasm exception, taken out of it; None if none."""
    ctx = store.context
    if not _exn.wasmtime_context_has_exception(ctx):
        return None
    ref = _val.wasmtime_exnref_t()
    if not _exn.wasmtime_context_take_exception(ctx, byref(ref)):
        return None
    return _exnref_value(store, exnref_root(ctx, ref))


# --- arguments: encoded values to rooted references ----------------------------------
def _live_entry(store: Store, entry: GcEntry, where: str) -> GcEntry:
    if entry.store is None:
        raise WasmArgumentError(f"{where}: this {entry.kind} reference was released (its handle, its store "
                                "or its runtime is gone)")
    if entry.store is not store:
        raise WasmArgumentError(f"{where}: this {entry.kind} reference belongs to another store")
    return entry


def _classify(value: object, where: str) -> tuple[str, GcEntry | None]:
    """What a non-null encoded reference is: ``("i31", None)``, ``(kind, entry)`` for a
    GC reference, ``("host", None)`` for a host object's handle. WasmArgumentError if it
    is none of them."""
    if type(value) is bool or not isinstance(value, int):
        raise WasmArgumentError(f"{where}: a reference is an encoded handle (int), not {type(value).__name__}")
    entry: GcEntry | None = value.__dict__.get("_entry") if isinstance(value, (AnyRef, ExnRef)) else None
    if entry is not None:
        return entry.kind, entry
    if value >> 31 == I31_HIGH:
        return "i31", None
    entry = GC.get(value)
    if entry is not None:
        return entry.kind, entry
    if value in HOST:
        return "host", None
    raise WasmArgumentError(f"{where}: {value!r} is not a live reference handle (one wt handed out and "
                            "still holds)")


def _host_externref(ctx: object, handle: int, where: str) -> Root:
    """A root of a new externref carrying host ``handle``; the externref holds the object
    until wasmtime drops it."""
    if not HOST.hold(handle):
        raise WasmArgumentError(f"{where}: {handle} is not a live externref handle")
    try:
        ref = _val.new_externref(ctx, handle)  # type: ignore[arg-type]
    except BaseException:
        HOST.drop(handle)
        raise
    return externref_root(ctx, ref)


def _i31_root(ctx: object, value: int) -> Root:
    ref = _val.wasmtime_anyref_t()
    _val.wasmtime_anyref_from_i31(ctx, value & 0x7FFFFFFF, byref(ref))  # type: ignore[arg-type]
    return anyref_root(ctx, ref)


def _described(kind: str) -> str:
    return {"host": "a host object's externref", "i31": "an i31 reference", "exn": "an exception reference",
            "extern": "a converted host reference", "array": "an array reference"}.get(kind, f"a {kind} reference")


def _null(vt: _t.ValType, where: str) -> None:
    if not vt.nullable:
        raise WasmArgumentError(f"{where}: a non-null reference cannot be null")


def ref_maker(store: Store, vt: _t.ValType, where: str) -> Callable[[object], Root | None]:
    """Encoded value -> a root of a reference of type ``vt`` (None for null), checked."""
    ctx = store.context
    heap = vt.heap
    name = heap_name(vt)
    if heap in EXN_HEAPS:
        def make_exn(value: object) -> Root | None:
            if value is None or (type(value) is int and value == 0):
                _null(vt, where)
                return None
            kind, entry = _classify(value, where)
            if kind != "exn" or entry is None or heap == _t.HEAP_NOEXN:
                raise WasmArgumentError(f"{where}: {_described(kind)} does not fit {name}")
            return _live_entry(store, entry, where).root
        return make_exn

    extern = heap in EXTERN_HEAPS
    kinds = ("i31", "struct", "array", "extern", "host") if extern else _ANY_KINDS.get(heap, ())

    def make(value: object) -> Root | None:
        if value is None or (type(value) is int and value == 0):
            _null(vt, where)
            return None
        kind, entry = _classify(value, where)
        if heap in _BOTTOM or (kind not in kinds and not (kind == "host" and "extern" in kinds)):
            raise WasmArgumentError(f"{where}: {_described(kind)} does not fit {name}")
        if entry is not None:
            return _live_entry(store, entry, where).root
        if kind == "i31":
            return _i31_root(ctx, int(value))  # type: ignore[call-overload]
        # A host object: as an anyref, what any.convert_extern makes of its externref.
        return _host_externref(ctx, int(value), where)  # type: ignore[call-overload]

    return make


def _raw_of(made: object) -> int:
    return 0 if made is None else made.raw()  # type: ignore[attr-defined]


def funcref_maker(store: Store, vt: _t.ValType, where: str) -> Callable[[object], int]:
    """Encoded funcref (or a Function, or None) -> its raw slot value, checked against the
    funcrefs ``store`` handed out."""
    issued = store.funcrefs
    nullable = vt.nullable
    bottom = vt.heap == _t.HEAP_NOFUNC

    def funcref_in(value: object) -> int:
        if value is None or (type(value) is int and value == 0):
            if not nullable:
                raise WasmArgumentError(f"{where}: a non-null reference cannot be null")
            return 0
        if type(value) is bool or not isinstance(value, int):
            raw = getattr(value, "_funcref_in", None)
            if raw is not None:  # a Function
                return raw(store, where)  # type: ignore[no-any-return]
            raise WasmArgumentError(f"{where}: takes a Function or an encoded funcref, not {type(value).__name__}")
        if value not in issued:
            raise WasmArgumentError(f"{where}: {value!r} is not a funcref of this store (a funcref is valid only "
                                    "in the store whose wasm handed it out, while that store lives)")
        if bottom:
            raise WasmArgumentError(f"{where}: only null is a (ref null nofunc)")
        return int(value)

    return funcref_in


def param_converter(store: Store, vt: _t.ValType, where: str) -> RefParam:
    """How an encoded reference argument of type ``vt`` becomes its raw slot value."""
    if vt.heap in FUNC_HEAPS:
        return RefParam(funcref_maker(store, vt, where))
    return RefParam(ref_maker(store, vt, where), _raw_of)


def typed_param(store: Store, vt: _t.ValType) -> Callable[[int], object]:
    """Raw slot value -> the Python value a typed host function receives (not funcref:
    the host layer turns those into Functions)."""
    if vt.heap in EXTERN_HEAPS:
        return lambda raw: decode_externref(externref_from_raw(store, raw))
    if vt.heap in EXN_HEAPS:
        return lambda raw: exnref_from_raw(store, raw) or None
    return lambda raw: decode_anyref(anyref_from_raw(store, raw))


def typed_result(store: Store, vt: _t.ValType, where: str) -> RefParam:
    """The Python value a typed host function returned -> its raw slot value. None is
    null; a reference wt handed out is itself; for an externref or anyref, any other
    object is a host reference (for an anyref, the one ``any.convert_extern`` makes)."""
    conv = param_converter(store, vt, where)
    if vt.heap in FUNC_HEAPS or vt.heap in EXN_HEAPS:
        return conv
    make = conv.make
    ctx = store.context

    def make_typed(obj: object) -> object:
        if obj is None or isinstance(obj, (AnyRef, ExternRef, ExnRef)):
            return make(obj)
        if vt.heap == _t.HEAP_NOEXTERN or vt.heap not in EXTERN_HEAPS and vt.heap != _t.HEAP_ANY:
            raise WasmArgumentError(f"{where}: a host object does not fit {heap_name(vt)}")
        handle = HOST.handle(obj, hold=True)  # the externref's hold, dropped by its finalizer
        try:
            ref = _val.new_externref(ctx, handle)
        except BaseException:
            HOST.drop(handle)
            raise
        return externref_root(ctx, ref)

    return RefParam(make_typed, _raw_of)
