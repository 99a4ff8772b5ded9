"""The WIT types of a component, as Python values: :class:`WitType` (a value type),
:class:`ComponentFunctionType` and :class:`ComponentInterfaceType`.

They are read once from wasmtime's type reflection by
:class:`wt_api._component_reflection.TypeReader`, which also says where their names come from.
"""

from __future__ import annotations

import keyword

from wt_ffi.component.types import val as _tv
from wt_ffi.records import Record

__all__ = ["WitType", "ComponentFunctionType", "ComponentInterfaceType", "ComponentItem", "PRIMITIVES",
           "NAMED_KINDS", "strip_names", "python_name", "class_name"]

PRIMITIVES = {_tv.VALTYPE_BOOL: "bool", _tv.VALTYPE_S8: "s8", _tv.VALTYPE_S16: "s16", _tv.VALTYPE_S32: "s32",
              _tv.VALTYPE_S64: "s64", _tv.VALTYPE_U8: "u8", _tv.VALTYPE_U16: "u16", _tv.VALTYPE_U32: "u32",
              _tv.VALTYPE_U64: "u64", _tv.VALTYPE_F32: "f32", _tv.VALTYPE_F64: "f64", _tv.VALTYPE_CHAR: "char",
              _tv.VALTYPE_STRING: "string", _tv.VALTYPE_ERROR_CONTEXT: "error-context"}
NAMED_KINDS = ("record", "variant", "enum", "flags")
"""The WIT kinds that are named by the type items of their interface."""


def python_name(wit: str) -> str:
    """A WIT name as a Python identifier: ``echo-s32`` -> ``echo_s32``, ``from`` -> ``from_``."""
    name = wit.replace("-", "_").replace(".", "_")
    if not name.isidentifier():
        name = "_" + "".join(c if c.isalnum() else "_" for c in name)
    return name + "_" if keyword.iskeyword(name) else name


def class_name(wit: str) -> str:
    """A WIT name as a Python class name: ``output-stream`` -> ``OutputStream``."""
    name = "".join(part[:1].upper() + part[1:] for part in wit.replace("_", "-").split("-") if part) or "Anonymous"
    if not name.isidentifier():
        name = "_" + "".join(c if c.isalnum() else "_" for c in name)
    return name + "_" if keyword.iskeyword(name) else name  # (a case named none: None_)


_INTS = frozenset({"s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64"})
_BASES = {"record": "WitRecord", "variant": "WitVariant", "enum": "enum.Enum", "flags": "enum.Flag"}


class WitType(Record):
    """A WIT value type. ``kind`` is one of ``bool``, ``s8`` ... ``u64``, ``f32``, ``f64``,
    ``char``, ``string``, ``list``, ``record``, ``tuple``, ``variant``, ``enum``,
    ``option``, ``result``, ``flags``, ``own``, ``borrow``, ``resource`` (a resource type
    itself), ``future``, ``stream``, ``error-context``, ``map`` or ``fixed-length-list``.

    ``name`` is the WIT name of a record, variant, enum, flags or resource (None when the
    component's type items do not name it) and ``interface`` the interface that defines
    it. The other fields hold what the kind has: ``element`` (list, option, future,
    stream, fixed-length-list), ``fields`` (record: ``(name, type)`` pairs), ``elements``
    (tuple), ``cases`` (variant: ``(name, type or None)``), ``names`` (enum cases, flags),
    ``ok`` and ``err`` (result, each None for ``_``), ``resource`` (own, borrow: a
    ``resource`` WitType), ``key`` and ``value`` (map), ``length`` (fixed-length-list),
    ``imported`` (resource: defined by an import, so implemented by the host).
    ``str()`` is the WIT syntax (``list<point>``, ``result<string, u32>``).

    Thread-safety: an immutable value; share it freely."""

    kind: str
    name: str | None = None
    interface: str | None = None
    element: WitType | None = None
    fields: tuple[tuple[str, WitType], ...] = ()
    elements: tuple[WitType, ...] = ()
    cases: tuple[tuple[str, WitType | None], ...] = ()
    names: tuple[str, ...] = ()
    ok: WitType | None = None
    err: WitType | None = None
    resource: WitType | None = None
    key: WitType | None = None
    value: WitType | None = None
    length: int = 0
    imported: bool = False

    def __str__(self) -> str:
        k = self.kind
        if self.name is not None:
            return self.name
        if k in ("list", "option", "future", "stream"):
            return f"{k}<{self.element}>" if self.element is not None else k
        if k == "fixed-length-list":
            return f"list<{self.element}, {self.length}>"
        if k == "tuple":
            return f"tuple<{', '.join(str(t) for t in self.elements)}>"
        if k == "result":
            if self.ok is None and self.err is None:
                return "result"
            if self.err is None:
                return f"result<{self.ok}>"
            return f"result<{'_' if self.ok is None else self.ok}, {self.err}>"
        if k in ("own", "borrow"):
            inner = str(self.resource) if self.resource is not None else "?"
            return inner if k == "own" else f"borrow<{inner}>"
        if k == "map":
            return f"map<{self.key}, {self.value}>"
        if k == "record":
            return "record { " + ", ".join(f"{n}: {t}" for n, t in self.fields) + " }"
        if k == "variant":
            return "variant { " + ", ".join(n if t is None else f"{n}({t})" for n, t in self.cases) + " }"
        if k in ("enum", "flags"):
            return f"{k} {{ " + ", ".join(self.names) + " }"
        return k

    def __repr__(self) -> str:
        return f"WitType({self.definition()!r})"

    def python_type(self, *, returned: bool = False) -> str:
        """The Python type of this WIT type's values, as an annotation (``list[Point]``,
        ``str | None``, ``Ok[int] | Err[str]``). ``returned``: as a function's result, where a
        ``result<T, E>`` is T's type (its error is raised as :class:`~wt_api.Err`)."""
        k = self.kind
        if k in _INTS:
            return "int"
        if k in ("bool", "str"):
            return k
        if k in ("f32", "f64"):
            return "float"
        if k in ("char", "string"):
            return "str"
        if k == "list" and self.element is not None:
            return "bytes" if self.element.kind == "u8" else f"list[{self.element.python_type()}]"
        if k == "tuple":
            return f"tuple[{', '.join(e.python_type() for e in self.elements) or '()'}]"
        if k in _BASES:
            return class_name(self.name) if self.name else _BASES[k]
        if k == "option" and self.element is not None:
            inner = self.element.python_type()
            return f"Some[{inner}] | None" if self.element.kind == "option" else f"{inner} | None"
        if k == "result":
            ok = "None" if self.ok is None else self.ok.python_type()
            if returned:
                return ok
            return f"Ok[{ok}] | Err[{'None' if self.err is None else self.err.python_type()}]"
        if k in ("own", "borrow"):
            name = self.resource.name if self.resource is not None else None
            return class_name(name) if name else "ComponentResource"
        if k == "map" and self.key is not None and self.value is not None:
            return f"dict[{self.key.python_type()}, {self.value.python_type()}]"
        return "object"

    def definition(self) -> str:
        """The WIT definition of a named type (``record point { x: s32, y: s32 }``), or
        ``str(self)`` for any other."""
        if self.name is None or self.kind not in (*NAMED_KINDS, "resource"):
            return str(self)
        if self.kind == "resource":
            return f"resource {self.name}"
        return f"{self.kind} {self.name} {str(self.replace(name=None))[len(self.kind) + 1:]}"


class ComponentFunctionType(Record):
    """A component function's signature: named parameters and an optional result.

    Thread-safety: an immutable value; share it freely."""

    params: tuple[tuple[str, WitType], ...]
    result: WitType | None = None

    def __repr__(self) -> str:
        return f"ComponentFunctionType({str(self)!r})"

    def __str__(self) -> str:
        params = ", ".join(f"{n}: {t}" for n, t in self.params)
        return f"func({params})" + ("" if self.result is None else f" -> {self.result}")


class ComponentInterfaceType(Record):
    """An interface (a component instance type): its functions (by WIT name, such as
    ``echo-s32`` or ``[method]counter.get``) and its named types and resources.

    Thread-safety: an immutable value; share it freely."""

    name: str
    functions: tuple[tuple[str, ComponentFunctionType], ...] = ()
    types: tuple[tuple[str, WitType], ...] = ()

    def __repr__(self) -> str:
        return f"<ComponentInterfaceType {self.name}: {len(self.functions)} functions>"

    def function(self, name: str) -> ComponentFunctionType | None:
        """The function ``name`` of the interface, or None."""
        for n, f in self.functions:
            if n == name:
                return f
        return None

    def __str__(self) -> str:
        body = [f"  {t.definition() if t.name == n else f'type {n} = {t}'};" for n, t in self.types]
        body += [f"  {n}: {f};" for n, f in self.functions]
        return f"interface {self.name} {{\n" + "\n".join(body) + "\n}"


ComponentItem = ComponentFunctionType | ComponentInterfaceType | WitType
"""What a component imports or exports under a name: a function, an interface, a type
(``WitType``; kind ``resource`` for a resource) or, for core modules and nested components,
a ``WitType`` of kind ``core-module``, ``component`` or ``core-func``."""


def strip_names(t: WitType) -> tuple[object, ...]:
    """The structure of ``t`` without any name, as nested tuples: what names are matched by."""
    return (t.kind, None if t.element is None else strip_names(t.element),
            tuple((n, strip_names(f)) for n, f in t.fields), tuple(strip_names(e) for e in t.elements),
            tuple((n, None if c is None else strip_names(c)) for n, c in t.cases), t.names,
            None if t.ok is None else strip_names(t.ok), None if t.err is None else strip_names(t.err),
            None if t.resource is None else (t.resource.name, t.resource.interface),
            None if t.key is None else strip_names(t.key), None if t.value is None else strip_names(t.value), t.length)
