"""Test helpers: component values between a tagged Python form and ``wasmtime_component_val_t``.

The tagged form names each kind, so a value read back from C shows every layout detail:
``("s32", 5)``, ``("string", "é")``, ``("list", [...])``, ``("record", [("x", v), ...])``,
``("tuple", [...])``, ``("variant", "case", v_or_None)``, ``("enum", "red")``,
``("option", v_or_None)``, ``("result", is_ok, v_or_None)``, ``("flags", ["read", ...])``,
``("resource", address)``. Heap parts are made by wasmtime's own allocators, as the C API
requires, so ``wasmtime_component_val_delete`` frees what :func:`encode` built.
"""

from __future__ import annotations

import ctypes
from typing import Any

from wt_ffi import vec
from wt_ffi.component import val as V

Tagged = tuple[Any, ...]

SCALARS = {"bool": (V.VAL_BOOL, "boolean"), "s8": (V.VAL_S8, "s8"), "u8": (V.VAL_U8, "u8"),
           "s16": (V.VAL_S16, "s16"), "u16": (V.VAL_U16, "u16"), "s32": (V.VAL_S32, "s32"),
           "u32": (V.VAL_U32, "u32"), "s64": (V.VAL_S64, "s64"), "u64": (V.VAL_U64, "u64"),
           "f32": (V.VAL_F32, "f32"), "f64": (V.VAL_F64, "f64")}
BY_KIND = {kind: (tag, field) for tag, (kind, field) in SCALARS.items()}


def _set_name(out: vec.wasm_byte_vec_t, text: str) -> None:
    data = text.encode()
    buf = (ctypes.c_ubyte * len(data)).from_buffer_copy(data) if data else None
    vec.wasm_byte_vec_new(ctypes.byref(out), len(data), buf)


def _name(v: vec.wasm_byte_vec_t) -> str:
    return vec.byte_vec_bytes(v).decode()


def _boxed(value: Tagged | None) -> Any:
    """A wasmtime-allocated box holding ``value`` (NULL for None)."""
    if value is None:
        return None
    tmp = V.wasmtime_component_val_t()
    encode(value, tmp)
    return V.wasmtime_component_val_new(ctypes.byref(tmp))


def encode(value: Tagged, out: V.wasmtime_component_val_t) -> None:
    """Write ``value`` into ``out`` (whose old content must own nothing)."""
    tag = value[0]
    if tag in SCALARS:
        kind, field = SCALARS[tag]
        out.kind = kind
        setattr(out.of, field, value[1])
    elif tag == "char":
        out.kind = V.VAL_CHAR
        out.of.character = ord(value[1]) if isinstance(value[1], str) else value[1]
    elif tag == "string":
        out.kind = V.VAL_STRING
        _set_name(out.of.string, value[1])
    elif tag == "enum":
        out.kind = V.VAL_ENUM
        _set_name(out.of.enumeration, value[1])
    elif tag in ("list", "tuple"):
        out.kind = V.VAL_LIST if tag == "list" else V.VAL_TUPLE
        items = value[1]
        if tag == "list":
            V.wasmtime_component_vallist_new_uninit(ctypes.byref(out.of.list), len(items))
            slots = out.of.list.data
        else:
            V.wasmtime_component_valtuple_new_uninit(ctypes.byref(out.of.tuple), len(items))
            slots = out.of.tuple.data
        for i, item in enumerate(items):
            encode(item, slots[i])
    elif tag == "record":
        out.kind = V.VAL_RECORD
        fields = value[1]
        V.wasmtime_component_valrecord_new_uninit(ctypes.byref(out.of.record), len(fields))
        for i, (name, item) in enumerate(fields):
            entry = out.of.record.data[i]
            _set_name(entry.name, name)  # the default name owns no memory
            encode(item, entry.val)
    elif tag == "flags":
        out.kind = V.VAL_FLAGS
        names = value[1]
        V.wasmtime_component_valflags_new_uninit(ctypes.byref(out.of.flags), len(names))
        for i, name in enumerate(names):
            _set_name(out.of.flags.data[i], name)
    elif tag == "variant":
        out.kind = V.VAL_VARIANT
        _set_name(out.of.variant.discriminant, value[1])
        out.of.variant.val = _boxed(value[2])
    elif tag == "option":
        out.kind = V.VAL_OPTION
        out.of.option = _boxed(value[1])
    elif tag == "result":
        out.kind = V.VAL_RESULT
        out.of.result.is_ok = value[1]
        out.of.result.val = _boxed(value[2])
    elif tag == "resource":
        out.kind = V.VAL_RESOURCE
        out.of.resource = ctypes.cast(value[1], V.ResourceAnyPtr)
    else:
        raise ValueError(f"unknown tag {tag!r}")


def decode(v: V.wasmtime_component_val_t) -> Tagged:
    """The tagged form of ``v`` (read only: ``v`` stays owned by its owner)."""
    kind = v.kind
    if kind in BY_KIND:
        tag, field = BY_KIND[kind]
        return (tag, getattr(v.of, field))
    if kind == V.VAL_CHAR:
        return ("char", chr(v.of.character))
    if kind == V.VAL_STRING:
        return ("string", _name(v.of.string))
    if kind == V.VAL_ENUM:
        return ("enum", _name(v.of.enumeration))
    if kind in (V.VAL_LIST, V.VAL_TUPLE):
        items = v.of.list if kind == V.VAL_LIST else v.of.tuple
        return ("list" if kind == V.VAL_LIST else "tuple", [decode(items.data[i]) for i in range(items.size)])
    if kind == V.VAL_RECORD:
        rec = v.of.record
        return ("record", [(_name(rec.data[i].name), decode(rec.data[i].val)) for i in range(rec.size)])
    if kind == V.VAL_FLAGS:
        flags = v.of.flags
        return ("flags", [_name(flags.data[i]) for i in range(flags.size)])
    if kind == V.VAL_VARIANT:
        var = v.of.variant
        return ("variant", _name(var.discriminant), decode(var.val.contents) if var.val else None)
    if kind == V.VAL_OPTION:
        return ("option", decode(v.of.option.contents) if v.of.option else None)
    if kind == V.VAL_RESULT:
        res = v.of.result
        return ("result", bool(res.is_ok), decode(res.val.contents) if res.val else None)
    if kind == V.VAL_RESOURCE:
        return ("resource", ctypes.cast(v.of.resource, ctypes.c_void_p).value)
    raise ValueError(f"unexpected value kind {kind}")


def encode_all(values: list[Tagged]) -> ctypes.Array[V.wasmtime_component_val_t]:
    """A C array of the values (free each with ``wasmtime_component_val_delete``)."""
    array = (V.wasmtime_component_val_t * max(len(values), 1))()
    for i, value in enumerate(values):
        encode(value, array[i])
    return array


def delete_all(array: ctypes.Array[V.wasmtime_component_val_t], count: int) -> None:
    """Free what the first ``count`` values own."""
    for i in range(count):
        V.wasmtime_component_val_delete(ctypes.byref(array[i]))
