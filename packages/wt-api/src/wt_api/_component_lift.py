"""Lifting: wasmtime's component values read back as Python values (the other half of
:mod:`wt_api._component_values`, whose layouts and checks it shares).

A lifter reads a ``wasmtime_component_val_t`` from a buffer (the result slot, or bytes copied
out of wasmtime's memory with ``ctypes.string_at``) and never frees anything: the caller
deletes a result with ``wasmtime_component_val_delete`` once it is read, and a host
function's arguments belong to wasmtime. A kind byte that does not match the type raises
:class:`~wt_api._component_values.LiftError` rather than follow a pointer of another kind.
"""

from __future__ import annotations

from wt_ffi.component import val as _v

from ._component_classes import Err, Ok, Some, class_of
from ._component_types import WitType, python_name
from ._component_values import (_ENTRY, _NAME, _OPTION, _RESULT, _SCALARS, _VARIANT, _VEC, VAL_SIZE, LiftError,
                                _check, _string_at, can_be_none, entries_format, flat, unsupported)

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from ._component_resources import ResourceEnv
    from ._component_resources import Lift

__all__ = ["lifter"]


def lifter(t: WitType, resources: Callable[[WitType], Lift] | None = None) -> Lift:
    """``lift(raw, offset, env)``: the Python value of the C value at ``raw[offset:]``
    (``raw``: bytes or a memoryview). ``resources(t)`` makes the lifter of own/borrow."""
    k = t.kind
    if k in _SCALARS:
        kind, st = _SCALARS[k]
        unpack = st.unpack_from
        if k == "char":
            def lift_char(raw: Any, off: int, env: ResourceEnv) -> Any:
                got, code = unpack(raw, off)
                if got != kind:
                    _check(raw, off, kind)
                return chr(code)
            return lift_char

        def lift_scalar(raw: Any, off: int, env: ResourceEnv) -> Any:
            got, value = unpack(raw, off)
            if got != kind:
                _check(raw, off, kind)
            return value
        return lift_scalar
    if k in ("string", "enum"):
        decoded = k == "string"
        cls = None if decoded else class_of(t)
        kind = _v.VAL_STRING if decoded else _v.VAL_ENUM

        def lift_text(raw: Any, off: int, env: ResourceEnv) -> Any:
            got, size, data = _VEC.unpack_from(raw, off)
            if got != kind:
                _check(raw, off, kind)
            text = _string_at(data, size).decode("utf-8") if size else ""
            return text if cls is None else cls(text)
        return lift_text
    if k == "list":
        assert t.element is not None
        if t.element.kind == "u8":
            return _lift_bytes
        return _sequence_lifter(lifter(t.element, resources), _v.VAL_LIST, list)
    if k == "tuple":
        return _sequence_lifter([lifter(e, resources) for e in t.elements], _v.VAL_TUPLE, tuple)
    if k == "record":
        if flat(t):
            return _flat_record_lifter(t, class_of(t))
        return _record_lifter(class_of(t), [lifter(f, resources) for _, f in t.fields])
    if k == "variant":
        cls = class_of(t)
        cases = {n.encode(): (getattr(cls, "_cases")[n], None if c is None else lifter(c, resources)) for n, c in t.cases}
        return _variant_lifter(cases)
    if k == "flags":
        return _flags_lifter(class_of(t))
    if k == "option":
        assert t.element is not None
        inner = lifter(t.element, resources)
        wrap = can_be_none(t.element)

        def lift_option(raw: Any, off: int, env: ResourceEnv) -> Any:
            got, box = _OPTION.unpack_from(raw, off)
            if got != _v.VAL_OPTION:
                _check(raw, off, _v.VAL_OPTION)
            if not box:
                return None
            value = inner(_string_at(box, VAL_SIZE), 0, env)
            return Some(value) if wrap else value
        return lift_option
    if k == "result":
        return _result_lifter(None if t.ok is None else lifter(t.ok, resources),
                              None if t.err is None else lifter(t.err, resources))
    if k == "map":
        assert t.key is not None and t.value is not None
        return _map_lifter(lifter(t.key, resources), lifter(t.value, resources))
    if k in ("own", "borrow") and resources is not None:
        return resources(t)
    raise TypeError(unsupported(t) or f"no conversion for WIT {k}")


def _lift_bytes(raw: Any, off: int, env: ResourceEnv) -> Any:
    got, size, data = _VEC.unpack_from(raw, off)
    if got != _v.VAL_LIST:
        _check(raw, off, _v.VAL_LIST)
    if not size:
        return b""
    vals = _string_at(data, size * VAL_SIZE)
    if vals[0::VAL_SIZE] != bytes([_v.VAL_U8]) * size:
        raise LiftError("wasmtime returned a list<u8> holding values of another kind")
    return vals[8::VAL_SIZE]


def _sequence_lifter(element: Any, kind: int, make: type) -> Lift:
    if make is tuple:
        elements: list[Lift] = element

        def lift_tuple(raw: Any, off: int, env: ResourceEnv) -> Any:
            got, size, data = _VEC.unpack_from(raw, off)
            if got != kind or size != len(elements):
                raise LiftError(f"wasmtime returned a tuple of {size} where {len(elements)} were expected")
            vals = _string_at(data, size * VAL_SIZE) if size else b""
            return tuple(lift(vals, i * VAL_SIZE, env) for i, lift in enumerate(elements))
        return lift_tuple

    def lift_list(raw: Any, off: int, env: ResourceEnv) -> Any:
        got, size, data = _VEC.unpack_from(raw, off)
        if got != kind:
            _check(raw, off, kind)
        if not size:
            return []
        vals = _string_at(data, size * VAL_SIZE)
        return [element(vals, i * VAL_SIZE, env) for i in range(size)]
    return lift_list


def _flat_record_lifter(t: WitType, cls: type) -> Lift:
    """A flat record read by generated code: one ``unpack`` of all its entries."""
    names: dict[str, object] = {"_cls": cls, "_new": object.__new__, "_vec": _VEC.unpack_from, "_sat": _string_at,
                                "_un": entries_format(t, False).unpack, "_LiftError": LiftError}
    count = len(t.fields)
    lines = ["def lift_record(raw, off, env):", "    got, size, data = _vec(raw, off)",
             f"    if got != {_v.VAL_RECORD} or size != {count}:",
             f"        raise _LiftError(f'wasmtime returned a record of {{size}} fields where {count} were expected')",
             f"    t = _un(_sat(data, {count * _ENTRY}))", "    r = _new(_cls)"]
    kinds, j = [], 0
    for name, f in t.fields:
        kind = _v.VAL_STRING if f.kind == "string" else _SCALARS[f.kind][0]
        kinds.append(f"t[{j}] != {kind}")
        attr = f"r.{python_name(name)}"
        if f.kind == "string":
            lines.append(f"    {attr} = _sat(t[{j + 2}], t[{j + 1}]).decode() if t[{j + 1}] else ''")
            j += 3
        else:
            lines.append(f"    {attr} = {'chr(t[' + str(j + 1) + '])' if f.kind == 'char' else 't[' + str(j + 1) + ']'}")
            j += 2
    lines.insert(5, f"    if {' or '.join(kinds)}: raise _LiftError('wasmtime returned a record field of another kind')")
    lines.append("    return r")
    namespace: dict[str, Lift] = {}
    exec(compile("\n".join(lines), "<wt record lifting>", "exec"), names, namespace)  # noqa: S102
    return namespace["lift_record"]


def _record_lifter(cls: type, fields: list[Lift]) -> Lift:
    count = len(fields)
    make = object.__new__
    names = cls._fields  # type: ignore[attr-defined]
    setter = object.__setattr__

    def lift_record(raw: Any, off: int, env: ResourceEnv) -> Any:
        got, size, data = _VEC.unpack_from(raw, off)
        if got != _v.VAL_RECORD or size != count:
            raise LiftError(f"wasmtime returned a record of {size} fields where {count} were expected")
        entries = _string_at(data, size * _ENTRY) if size else b""
        record: Any = make(cls)
        for i, lift in enumerate(fields):
            setter(record, names[i], lift(entries, i * _ENTRY + 16, env))
        return record
    return lift_record


def _variant_lifter(cases: dict[bytes, tuple[type, Lift | None]]) -> Lift:
    def lift_variant(raw: Any, off: int, env: ResourceEnv) -> Any:
        got, size, name, box = _VARIANT.unpack_from(raw, off)
        if got != _v.VAL_VARIANT:
            _check(raw, off, _v.VAL_VARIANT)
        found = cases.get(_string_at(name, size) if size else b"")
        if found is None:
            raise LiftError("wasmtime returned a variant case its type does not have")
        cls, lift = found
        if lift is None or not box:
            return cls()
        return cls(lift(_string_at(box, VAL_SIZE), 0, env))
    return lift_variant


def _flags_lifter(cls: Any) -> Lift:
    bits = {name.encode(): bit for bit, name in cls._wit_names.items()}

    def lift_flags(raw: Any, off: int, env: ResourceEnv) -> Any:
        got, size, data = _VEC.unpack_from(raw, off)
        if got != _v.VAL_FLAGS:
            _check(raw, off, _v.VAL_FLAGS)
        value = 0
        names = _string_at(data, size * _NAME.size) if size else b""
        for i in range(size):
            length, text = _NAME.unpack_from(names, i * _NAME.size)
            value |= bits.get(_string_at(text, length), 0)
        return cls(value)
    return lift_flags


def _result_lifter(ok: Lift | None, err: Lift | None) -> Lift:
    def lift_result(raw: Any, off: int, env: ResourceEnv) -> Any:
        got, is_ok, box = _RESULT.unpack_from(raw, off)
        if got != _v.VAL_RESULT:
            _check(raw, off, _v.VAL_RESULT)
        lift = ok if is_ok else err
        value = lift(_string_at(box, VAL_SIZE), 0, env) if lift is not None and box else None
        return Ok(value) if is_ok else Err(value)
    return lift_result


def _map_lifter(key: Lift, value: Lift) -> Lift:
    def lift_map(raw: Any, off: int, env: ResourceEnv) -> Any:
        got, size, data = _VEC.unpack_from(raw, off)
        if got != _v.VAL_MAP:
            _check(raw, off, _v.VAL_MAP)
        entries = _string_at(data, size * 2 * VAL_SIZE) if size else b""
        return {key(entries, 2 * VAL_SIZE * i, env): value(entries, 2 * VAL_SIZE * i + VAL_SIZE, env)
                for i in range(size)}
    return lift_map
