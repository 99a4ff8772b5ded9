"""Lowering: a checked Python value written as a ``wasmtime_component_val_t``.

:func:`lowerer` makes, for a WIT type, a function that checks a Python value and writes it
at an offset of a buffer that Python owns, in the layouts of :mod:`wt_api._component_values`
(which says why nothing written here needs freeing). A value that does not fit raises
:class:`~wt_api._component_values.Mismatch`, with the path to the part that failed.
"""

from __future__ import annotations

import ctypes
import enum
import struct
from collections.abc import Mapping, Sequence

from wt_ffi.component import val as _v

from ._component_classes import Err, Ok, Some, WitRecord, WitVariant, class_of, python_name
from ._component_types import WitType
from ._component_values import (_EMPTY_ADDRESS, _ENTRY, _NAME, _OPTION, _RANGES, _RESULT, _SCALARS, _VARIANT, _VEC,
                                VAL_SIZE, Mismatch, _new_vals, address_of_bytes, can_be_none, entries_format,
                                flat, unsupported)

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._component_resources import ResourceEnv
    from ._component_resources import Lower

__all__ = ["lowerer"]


def lowerer(t: WitType, resources: Callable[[WitType], Lower] | None = None) -> Lower:
    """``lower(value, buffer, offset, env)``: check ``value`` against ``t`` and write it at
    ``buffer[offset:offset + 32]``; buffers made for nested parts go to ``env.keep``.
    ``resources(t)`` makes the lowerer of an own/borrow type."""
    k = t.kind
    if k in _SCALARS:
        return _scalar_lowerer(k)
    if k == "string":
        return _lower_string
    if k == "list":
        assert t.element is not None
        if t.element.kind == "u8":
            return _lower_bytes
        return _list_lowerer(lowerer(t.element, resources), str(t))
    if k == "tuple":
        return _tuple_lowerer([lowerer(e, resources) for e in t.elements], str(t))
    if k == "record":
        general = _record_lowerer(t, [lowerer(f, resources) for _, f in t.fields])
        return _flat_record_lowerer(t, general) if flat(t) else general
    if k == "variant":
        return _variant_lowerer(t, {n: None if c is None else lowerer(c, resources) for n, c in t.cases})
    if k == "enum":
        return _enum_lowerer(t)
    if k == "flags":
        return _flags_lowerer(t)
    if k == "option":
        assert t.element is not None
        return _option_lowerer(lowerer(t.element, resources), can_be_none(t.element), str(t))
    if k == "result":
        return _result_lowerer(None if t.ok is None else lowerer(t.ok, resources),
                               None if t.err is None else lowerer(t.err, resources), str(t))
    if k == "map":
        assert t.key is not None and t.value is not None
        return _map_lowerer(lowerer(t.key, resources), lowerer(t.value, resources), str(t))
    if k in ("own", "borrow") and resources is not None:
        return resources(t)
    raise TypeError(unsupported(t) or f"no conversion for WIT {k}")


def _scalar_lowerer(k: str) -> Lower:
    kind, st = _SCALARS[k]
    pack = st.pack_into
    if k == "bool":
        def lower_bool(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
            if v is not True and v is not False:
                raise Mismatch("bool", v)
            pack(buf, off, kind, v)
        return lower_bool
    if k in ("f32", "f64"):
        def lower_float(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
            if not isinstance(v, (float, int)) or isinstance(v, bool):
                raise Mismatch(k, v)
            try:  # (through the base classes: a subclass's own __float__ is not asked)
                pack(buf, off, kind, float.__float__(v) if isinstance(v, float) else int.__float__(v))
            except (OverflowError, struct.error):
                raise Mismatch(k, v, "out of range") from None
        return lower_float
    if k == "char":
        def lower_char(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
            if not isinstance(v, str) or len(v := str.__str__(v)) != 1:  # (a subclass: its plain str)
                raise Mismatch("char (a str of one character)", v)
            code = ord(v)
            if 0xD800 <= code <= 0xDFFF:
                raise Mismatch("char", v, "a surrogate is not a Unicode scalar value")
            pack(buf, off, kind, code)
        return lower_char
    lo, hi = _RANGES[k]

    def lower_int(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if type(v) is not int:
            if not isinstance(v, int) or isinstance(v, bool):
                raise Mismatch(k, v)
            v = int.__index__(v)  # a subclass: its plain int (its own comparisons are not asked)
        if not lo <= v < hi:
            raise Mismatch(k, v, f"out of range [{lo}, {hi - 1}]")
        pack(buf, off, kind, v)
    return lower_int


def _lower_string(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
    if not isinstance(v, str):
        raise Mismatch("string", v)
    try:  # (str's own encode: a subclass's could return bytes that are not UTF-8)
        data = str.encode(v, "utf-8")
    except UnicodeEncodeError:
        raise Mismatch("string", v, "it holds a lone surrogate, which UTF-8 cannot encode") from None
    env.keep.append(data)
    _VEC.pack_into(buf, off, _v.VAL_STRING, len(data), address_of_bytes(data))


def _lower_bytes(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
    if isinstance(v, (bytes, bytearray, memoryview)):
        data = bytes(v)
    elif isinstance(v, (list, tuple)):
        try:
            data = bytes(v)
        except (TypeError, ValueError):
            raise Mismatch("list<u8> (bytes, or ints in [0, 255])", v) from None
    else:
        raise Mismatch("list<u8> (bytes)", v)
    n = len(data)
    if not n:
        _VEC.pack_into(buf, off, _v.VAL_LIST, 0, _EMPTY_ADDRESS)
        return
    vals = bytearray(n * VAL_SIZE)  # each byte a u8 value: kind 2, then the byte at offset 8
    vals[0::VAL_SIZE] = bytes([_v.VAL_U8]) * n
    vals[8::VAL_SIZE] = data
    array = (ctypes.c_char * len(vals)).from_buffer(vals)
    env.keep.append(array)
    _VEC.pack_into(buf, off, _v.VAL_LIST, n, ctypes.addressof(array))


def _sequence(v: Any) -> bool:
    return isinstance(v, (list, tuple)) or (isinstance(v, Sequence) and not isinstance(v, (str, bytes, bytearray)))


def _list_lowerer(element: Lower, shown: str) -> Lower:
    def lower_list(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if not _sequence(v):
            raise Mismatch(f"{shown} (a list)", v)
        items = tuple(v)  # what it holds now: its __len__ and later changes are not trusted
        n = len(items)
        vals, address = _new_vals(n, VAL_SIZE, env.keep)
        for i, item in enumerate(items):
            try:
                element(item, vals, i * VAL_SIZE, env)
            except Mismatch as exc:
                exc.path.append(f"[{i}]")
                raise
        _VEC.pack_into(buf, off, _v.VAL_LIST, n, address)
    return lower_list


def _tuple_lowerer(elements: list[Lower], shown: str) -> Lower:
    count = len(elements)

    def lower_tuple(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        items = tuple(v) if isinstance(v, (tuple, list)) else None  # (as for lists)
        if items is None or len(items) != count:
            raise Mismatch(f"{shown} (a tuple of {count})", v)
        vals, address = _new_vals(count, VAL_SIZE, env.keep)
        for i, (lower, item) in enumerate(zip(elements, items)):
            try:
                lower(item, vals, i * VAL_SIZE, env)
            except Mismatch as exc:
                exc.path.append(f"[{i}]")
                raise
        _VEC.pack_into(buf, off, _v.VAL_TUPLE, count, address)
    return lower_tuple


def _record_lowerer(t: WitType, fields: list[Lower]) -> Lower:
    wit_names = [n for n, _ in t.fields]
    py_names = tuple(python_name(n) for n in wit_names)
    encoded = [n.encode() for n in wit_names]
    names = [(len(e), address_of_bytes(e)) for e in encoded]
    count = len(fields)
    shown = str(t)

    def lower_record(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if isinstance(v, WitRecord) and v._fields == py_names:
            values = [getattr(v, n) for n in py_names]
        elif isinstance(v, Mapping):
            values = []
            for wit, py in zip(wit_names, py_names):
                if wit in v:
                    values.append(v[wit])
                elif py in v:
                    values.append(v[py])
                else:
                    raise Mismatch(shown, v, f"the field {wit!r} is missing")
            if len(v) != count:
                extra = sorted(str(key) for key in v if key not in wit_names and key not in py_names)
                raise Mismatch(shown, v, f"{shown} has no field(s) {', '.join(extra)}")
        else:
            raise Mismatch(f"{shown} (its record class, or a mapping of its fields)", v)
        entries, address = _new_vals(count, _ENTRY, env.keep)
        for i, (lower, value) in enumerate(zip(fields, values)):
            _NAME.pack_into(entries, i * _ENTRY, *names[i])
            try:
                lower(value, entries, i * _ENTRY + 16, env)
            except Mismatch as exc:
                exc.path.append(f".{py_names[i]}")
                raise
        _VEC.pack_into(buf, off, _v.VAL_RECORD, count, address)
    lower_record.keep = encoded  # type: ignore[attr-defined]  # the names' bytes live with the lowerer
    return lower_record


def _flat_record_lowerer(t: WitType, general: Lower) -> Lower:
    """A flat record given as its own class, checked and written by generated code (one
    ``pack_into`` for all the entries); any other value, or one that fails a check, goes to
    ``general`` (which writes it, or raises the Mismatch that says why)."""
    names: dict[str, object] = {"_general": general, "_cls": class_of(t), "_csb": ctypes.create_string_buffer,
                                "_addressof": ctypes.addressof, "_addr": address_of_bytes, "_vec": _VEC.pack_into,
                                "_st": entries_format(t, True).pack_into}
    encoded = [n.encode() for n, _ in t.fields]
    names["_names"] = encoded  # (kept alive with the lowerer: the entries point at them)
    lines = ["def lower_record(v, buf, off, env):", "    if type(v) is not _cls: return _general(v, buf, off, env)"]
    packed: list[str] = []
    strings: list[str] = []
    for i, ((_, f), name) in enumerate(zip(t.fields, encoded)):
        value, k = f"f{i}", f.kind
        lines.append(f"    {value} = v.{python_name(t.fields[i][0])}")
        kind = _v.VAL_STRING if k == "string" else _SCALARS[k][0]
        if k in _RANGES:
            lo, hi = _RANGES[k]
            lines.append(f"    if type({value}) is not int or not {lo} <= {value} < {hi}: return _general(v, buf, off, env)")
        elif k == "bool":
            lines.append(f"    if {value} is not True and {value} is not False: return _general(v, buf, off, env)")
        elif k in ("f32", "f64"):
            lines.append(f"    if type({value}) is not float: return _general(v, buf, off, env)")
        elif k == "char":
            lines += [f"    if type({value}) is not str or len({value}) != 1 or 0xD800 <= ord({value}) <= 0xDFFF:",
                      "        return _general(v, buf, off, env)", f"    {value} = ord({value})"]
        else:
            lines += [f"    if type({value}) is not str: return _general(v, buf, off, env)", "    try:",
                      f"        {value} = {value}.encode()", "    except UnicodeEncodeError:",
                      "        return _general(v, buf, off, env)"]
            strings.append(value)
        name_part = f"{len(name)}, _addr(_names[{i}])"
        payload = f"len({value}), _addr({value})" if k == "string" else value
        packed.append(f"{name_part}, {kind}, {payload}")
    lines += [f"    e = _csb({len(t.fields) * _ENTRY})", "    try:", f"        _st(e, 0, {', '.join(packed)})",
              "    except (OverflowError, ValueError, TypeError):", "        return _general(v, buf, off, env)",
              f"    env.keep.append({'(e, ' + ', '.join(strings) + ')' if strings else 'e'})",
              f"    _vec(buf, off, {_v.VAL_RECORD}, {len(t.fields)}, _addressof(e))"]
    namespace: dict[str, Lower] = {}
    exec(compile("\n".join(lines), "<wt record lowering>", "exec"), names, namespace)  # noqa: S102
    return namespace["lower_record"]


def _variant_lowerer(t: WitType, cases: dict[str, Lower | None]) -> Lower:
    encoded = {n: n.encode() for n in cases}
    shown = str(t)

    def lower_variant(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        case = getattr(v, "case", None) if isinstance(v, WitVariant) else None
        if case not in cases:
            raise Mismatch(f"{shown} (a case of its variant class)", v)
        lower = cases[case]
        name = encoded[case]
        box = 0
        if lower is not None:
            payload, box = _new_vals(1, VAL_SIZE, env.keep)
            try:
                lower(v.value, payload, 0, env)
            except Mismatch as exc:
                exc.path.append(f".{case}")
                raise
        elif v.value is not None:
            raise Mismatch(shown, v, f"the case {case!r} has no payload")
        _VARIANT.pack_into(buf, off, _v.VAL_VARIANT, len(name), address_of_bytes(name), box)
    lower_variant.keep = encoded  # type: ignore[attr-defined]
    return lower_variant


def _enum_lowerer(t: WitType) -> Lower:
    encoded = {n: n.encode() for n in t.names}
    shown = str(t)

    def lower_enum(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        name = v.value if isinstance(v, enum.Enum) else v
        data = encoded.get(name) if isinstance(name, str) else None
        if data is None:
            raise Mismatch(f"{shown} (a member of its enum class, or one of {', '.join(t.names)})", v)
        _VEC.pack_into(buf, off, _v.VAL_ENUM, len(data), address_of_bytes(data))
    lower_enum.keep = encoded  # type: ignore[attr-defined]
    return lower_enum


def _flags_lowerer(t: WitType) -> Lower:
    encoded = {n: n.encode() for n in t.names}
    shown = str(t)

    def lower_flags(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if isinstance(v, enum.Flag) and hasattr(type(v), "_wit_names"):
            bits = type(v)._wit_names  # type: ignore[attr-defined]
            names = [bits[b] for b in bits if v.value & b]
        elif isinstance(v, (set, frozenset, list, tuple)):
            names = list(v)
        else:
            raise Mismatch(f"{shown} (its Flag class, or a set of flag names)", v)
        chosen = []
        for name in names:
            data = encoded.get(name) if isinstance(name, str) else None
            if data is None:
                raise Mismatch(shown, v, f"{name!r} is not one of its flags ({', '.join(t.names)})")
            if data not in chosen:
                chosen.append(data)
        vec, address = _new_vals(len(chosen), _NAME.size, env.keep)
        for i, data in enumerate(chosen):
            _NAME.pack_into(vec, i * _NAME.size, len(data), address_of_bytes(data))
        _VEC.pack_into(buf, off, _v.VAL_FLAGS, len(chosen), address)
    lower_flags.keep = encoded  # type: ignore[attr-defined]
    return lower_flags


def _option_lowerer(inner: Lower, wrapped: bool, shown: str) -> Lower:
    def lower_option(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if v is None:
            _OPTION.pack_into(buf, off, _v.VAL_OPTION, 0)
            return
        if wrapped:
            if type(v) is not Some:
                raise Mismatch(f"{shown} (None or Some(...): the payload can itself be None)", v)
            v = v.value
        payload, box = _new_vals(1, VAL_SIZE, env.keep)
        try:
            inner(v, payload, 0, env)
        except Mismatch as exc:
            exc.path.append(".some")
            raise
        _OPTION.pack_into(buf, off, _v.VAL_OPTION, box)
    return lower_option


def _result_lowerer(ok: Lower | None, err: Lower | None, shown: str) -> Lower:
    def lower_result(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if type(v) is Ok:
            is_ok, lower = True, ok
        elif type(v) is Err:
            is_ok, lower = False, err
        else:
            raise Mismatch(f"{shown} (Ok(...) or Err(...))", v)
        box = 0
        if lower is not None:
            payload, box = _new_vals(1, VAL_SIZE, env.keep)
            try:
                lower(v.value, payload, 0, env)
            except Mismatch as exc:
                exc.path.append(".ok" if is_ok else ".err")
                raise
        elif v.value is not None:
            raise Mismatch(shown, v, f"its {'ok' if is_ok else 'err'} side has no payload: use None")
        _RESULT.pack_into(buf, off, _v.VAL_RESULT, is_ok, box)
    return lower_result


def _map_lowerer(key: Lower, value: Lower, shown: str) -> Lower:
    def lower_map(v: Any, buf: Any, off: int, env: ResourceEnv) -> None:
        if not isinstance(v, Mapping):
            raise Mismatch(f"{shown} (a mapping)", v)
        pairs = list(v.items())  # (as for lists)
        entries, address = _new_vals(len(pairs), 2 * VAL_SIZE, env.keep)
        for i, (k, item) in enumerate(pairs):
            try:
                key(k, entries, i * 2 * VAL_SIZE, env)
                value(item, entries, i * 2 * VAL_SIZE + VAL_SIZE, env)
            except Mismatch as exc:
                exc.path.append(f"[{k!r}]")
                raise
        _VEC.pack_into(buf, off, _v.VAL_MAP, len(pairs), address)
    return lower_map


