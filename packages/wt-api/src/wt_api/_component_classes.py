"""The Python classes of WIT values: :class:`Ok`, :class:`Err`, :class:`Some`, and the
classes made for a component's named types (records, variants, enums, flags).

A named WIT type gets one class per distinct type (the same WIT type in two components
shares it): ``record point`` becomes ``Point`` (a :class:`WitRecord`), ``variant shape``
becomes ``Shape`` with a subclass per case (``Shape.Circle``, a :class:`WitVariant`),
``enum color`` an :class:`enum.Enum` ``Color`` and ``flags perms`` an :class:`enum.Flag`
``Perms``.
"""

from __future__ import annotations

import enum
import threading
from types import GenericAlias

from ._component_types import WitType, class_name, python_name

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any, Generic, TypeVar

    _T = TypeVar("_T")

    class _Payload(Generic[_T]):
        """What Ok, Err and Some share: ``Ok[int]`` is a type."""

        value: _T
else:
    class _Payload:
        """What Ok, Err and Some share: ``Ok[int]`` is a type (``types.GenericAlias``)."""

        __slots__ = ()
        __class_getitem__ = classmethod(GenericAlias)

    _T = None

__all__ = ["Ok", "Err", "Some", "WitRecord", "WitVariant", "wit_class", "class_of", "python_name", "class_name"]


def member_name(wit: str) -> str:
    """A WIT enum case or flag as a member name: ``read-only`` -> ``READ_ONLY``."""
    name = wit.replace("-", "_").upper()
    return name if name.isidentifier() else f"_{name}"


class Ok(_Payload[_T]):
    """The ``ok`` side of a WIT ``result`` held in a value (a list element, a record field,
    a parameter): ``value`` is the payload, None for ``result<_, E>``.

    Thread-safety: a value; share it freely."""

    __slots__ = ("value",)
    __match_args__ = ("value",)

    def __init__(self, value: _T = None) -> None:  # type: ignore[assignment]
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is Ok and other.value == self.value

    def __hash__(self) -> int:
        return hash(("ok", self.value))

    def __repr__(self) -> str:
        return f"Ok({self.value!r})"


class Err(Exception, _Payload[_T]):
    """The ``err`` side of a WIT ``result``: ``value`` is the payload (None for
    ``result<T>``). A function whose result type is a ``result`` returns the ``ok`` payload
    or raises ``Err``; a host function does the same. In any other place (a list element, a
    record field, a parameter) a ``result`` is an :class:`Ok` or an ``Err`` value.

    It is not a :class:`~wt_api.WtError`: the guest (or the host) returned it, nothing
    failed."""

    __match_args__ = ("value",)

    def __init__(self, value: _T = None) -> None:  # type: ignore[assignment]
        super().__init__(value)
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is Err and other.value == self.value

    def __hash__(self) -> int:
        return hash(("err", self.value))

    def __repr__(self) -> str:
        return f"Err({self.value!r})"

    def __str__(self) -> str:
        return f"the component returned an error: {self.value!r}"


class Some(_Payload[_T]):
    """``some(value)`` of an ``option<option<T>>`` (or any option whose payload can itself
    be None): the outer option is ``None`` or ``Some(...)``, so ``Some(None)`` (some none)
    and ``None`` (none) differ. An ``option<T>`` of any other ``T`` is plain ``T | None``.

    Thread-safety: a value; share it freely."""

    __slots__ = ("value",)
    __match_args__ = ("value",)

    def __init__(self, value: _T) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is Some and other.value == self.value

    def __hash__(self) -> int:
        return hash(("some", self.value))

    def __repr__(self) -> str:
        return f"Some({self.value!r})"


class WitRecord:
    """Base of the classes of WIT records: fields are attributes (named in Python style,
    ``first_name`` for ``first-name``), given by position or keyword; equality, hashing
    (when the fields hash) and ``repr`` follow the fields; ``record["first-name"]`` reads a
    field by its WIT name. ``_wit`` is the WitType.

    Thread-safety: a plain value, as a dataclass instance: share it freely unless you change
    its fields."""

    __slots__ = ()
    _wit: WitType
    _fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} fields, got {len(args)}")
        for name, value in zip(fields, args):
            object.__setattr__(self, name, value)
        for name in fields[len(args):]:
            if name not in kwargs:
                raise TypeError(f"{type(self).__name__}() is missing the field {name!r}")
            object.__setattr__(self, name, kwargs.pop(name))
        if kwargs:
            raise TypeError(f"{type(self).__name__}() has no field(s) {', '.join(sorted(kwargs))}")

    def __getitem__(self, field: str) -> Any:
        """A field by its WIT name (``person["first-name"]``) or Python name."""
        wit = self._wit
        for index, (name, _) in enumerate(wit.fields):
            if name == field:
                return getattr(self, self._fields[index])
        if field in self._fields:
            return getattr(self, field)
        raise KeyError(field)

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WitRecord) or other._fields != self._fields:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self._fields)})"


class WitVariant:
    """Base of the classes of WIT variants: each case is a subclass (``Shape.Circle(1.5)``,
    ``Shape.Empty()``) with the case's WIT name in ``case`` and its payload in ``value``
    (None for a case without one).

    Thread-safety: a value; share it freely."""

    __slots__ = ("value",)
    __match_args__ = ("value",)
    _wit: WitType
    case: str = ""
    _has_payload: bool = False

    def __init__(self, value: Any = None) -> None:
        if type(self)._wit is None or not self.case:
            raise TypeError(f"make a case of {type(self).__name__}, e.g. {type(self).__name__}.{_first_case(self)}(...)")
        if value is not None and not self._has_payload:
            raise TypeError(f"the case {self.case!r} of {type(self).__qualname__.split('.')[0]} has no payload")
        self.value = value

    @classmethod
    def of(cls, case: str, value: Any = None) -> WitVariant:
        """The case ``case`` (its WIT name) of this variant class, holding ``value``:
        ``Shape.of("circle", 1.5)`` is ``Shape.Circle(1.5)``."""
        cases: dict[str, type[WitVariant]] = getattr(cls, "_cases", {})
        made = cases.get(case)
        if made is None:
            raise ValueError(f"{cls.__qualname__.split('.')[0]} has no case {case!r} (its cases: {', '.join(cases)})")
        return made(value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WitVariant):
            return NotImplemented
        return other.case == self.case and other.value == self.value and other._wit.cases == self._wit.cases

    def __hash__(self) -> int:
        return hash((self.case, self.value))

    def __repr__(self) -> str:
        inner = "" if self.value is None and not self._has_payload else repr(self.value)
        return f"{type(self).__qualname__}({inner})"


def _first_case(v: WitVariant) -> str:
    cases = getattr(type(v), "_wit", None)
    return class_name(cases.cases[0][0]) if cases is not None and cases.cases else "Case"


_CLASSES: dict[WitType, type] = {}
_LOCK = threading.Lock()


def wit_class(t: WitType) -> type:
    """The Python class of the values of a record, variant, enum or flags type: a
    :class:`~wt_api.WitRecord` or :class:`~wt_api.WitVariant` subclass, an
    :class:`enum.Enum` (each member's value is its WIT name) or an :class:`enum.Flag`
    (flag ``i`` of the type is ``1 << i``). The same WIT type always gives the same class."""
    if not isinstance(t, WitType) or t.kind not in ("record", "variant", "enum", "flags"):
        raise TypeError(f"only records, variants, enums and flags have classes, not {t!r}")
    return class_of(t)


def class_of(t: WitType) -> type:
    """The Python class of the record, variant, enum or flags type ``t`` (made once per
    distinct type)."""
    found = _CLASSES.get(t)
    if found is not None:
        return found
    with _LOCK:
        found = _CLASSES.get(t)
        if found is None:
            found = _CLASSES[t] = _make_class(t)
    return found


def _make_class(t: WitType) -> type:
    name = class_name(t.name or t.kind)
    doc = f"WIT ``{t.definition()}``" + (f" (from ``{t.interface}``)" if t.interface else "")
    if t.kind == "record":
        fields = tuple(python_name(n) for n, _ in t.fields)
        return type(name, (WitRecord,), {"__slots__": fields, "_fields": fields, "_wit": t, "__doc__": doc,
                                         "__match_args__": fields})
    if t.kind == "variant":
        base: Any = type(name, (WitVariant,), {"__slots__": (), "_wit": None, "__doc__": doc})
        for case, payload in t.cases:
            sub = type(class_name(case), (base,), {"__slots__": (), "case": case, "_wit": t,
                                                   "_has_payload": payload is not None,
                                                   "__qualname__": f"{name}.{class_name(case)}",
                                                   "__doc__": f"The case ``{case}`` of {name}."})
            setattr(base, class_name(case), sub)
        base._cases = {case: getattr(base, class_name(case)) for case, _ in t.cases}
        return base  # type: ignore[no-any-return]
    if t.kind == "enum":
        made: Any = enum.Enum(name, [(member_name(c), c) for c in t.names])  # type: ignore[misc]
        made.__doc__ = doc
        setattr(made, "_wit", t)
        return made
    if t.kind == "flags":
        flags: Any = enum.Flag(name, [(member_name(c), 1 << i) for i, c in enumerate(t.names)])  # type: ignore[misc]
        flags.__doc__ = doc
        setattr(flags, "_wit", t)
        setattr(flags, "_wit_names", {1 << i: c for i, c in enumerate(t.names)})
        return flags
    raise TypeError(f"WIT {t.kind} values have no class of their own")
