"""Immutable value records, without the start-up cost of :mod:`dataclasses`.

``import dataclasses`` costs about 10 ms (it imports :mod:`inspect`, and with it
:mod:`ast`, :mod:`dis` and :mod:`tokenize`), and each ``@dataclass`` about 0.5 ms more,
as it writes and compiles its methods while the class is made. wt has some twenty value
types, so records made that way would more than double the cost of ``import wt_api``.
A :class:`Record` subclass costs a few microseconds to define: ``__init__``, equality,
hashing and ``repr`` are methods shared by every record (nothing is compiled), and
type checkers see a frozen dataclass (PEP 681).

    class Limits(Record):
        memory: int | None = None
        tables: int | None = None

        def __post_init__(self) -> None:   # optional: validation
            ...

    Limits(memory=1 << 20).replace(tables=4)
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any, ClassVar

    from typing_extensions import Self, dataclass_transform
else:
    def dataclass_transform(**_: object) -> object:
        return lambda cls: cls

__all__ = ["Record", "FrozenRecordError"]

_MISSING = object()


class FrozenRecordError(AttributeError):
    """An attribute of a record was assigned or deleted: records are immutable."""


@dataclass_transform(frozen_default=True)
class Record:
    """Base of wt's immutable values.

    A subclass declares its fields as annotated class attributes (the value, if any, is
    the default; a field without a default may not follow one with a default). It gets
    an ``__init__`` taking the fields (base classes' first) by position or keyword, an
    optional ``__post_init__`` hook, equality and hashing over the fields, a ``repr`` and
    :meth:`replace`. Records pickle by value.

    Thread-safety: immutable; share freely.
    """

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, object]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():
            if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
                continue
            if name not in fields:
                fields.append(name)
            value = cls.__dict__.get(name, _MISSING)
            if value is not _MISSING:
                defaults[name] = value
        seen_default = False
        for name in fields:
            if name in defaults:
                seen_default = True
            elif seen_default:
                raise TypeError(f"{cls.__name__}: field {name!r} without a default follows one with a default")
        cls._fields = tuple(fields)
        cls._defaults = defaults
        setattr(cls, "__match_args__", cls._fields)

    if not TYPE_CHECKING:  # type checkers see the __init__ of a dataclass with these fields
        def __init__(self, *args, **kwargs):
            fields = self._fields
            if len(args) > len(fields):
                raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, got {len(args)}")
            d = self.__dict__
            for name, value in zip(fields, args):
                d[name] = value
            for name in fields[len(args):]:
                if name in kwargs:
                    d[name] = kwargs.pop(name)
                elif name in self._defaults:
                    d[name] = self._defaults[name]
                else:
                    raise TypeError(f"{type(self).__name__}() is missing the field {name!r}")
            if kwargs:
                raise TypeError(f"{type(self).__name__}() got unexpected or repeated field(s) "
                                f"{', '.join(sorted(kwargs))}")
            post = getattr(self, "__post_init__", None)
            if post is not None:
                post()

    def replace(self, **changes: Any) -> Self:
        """A copy with the given fields changed (validated as a new record would be)."""
        unknown = set(changes) - set(self._fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field(s) {', '.join(sorted(unknown))}")
        values = {name: getattr(self, name) for name in self._fields}
        values.update(changes)
        return type(self)(**values)

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self._values()))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({inner})"

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenRecordError(f"{type(self).__name__} is immutable: use .replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise FrozenRecordError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[Record], state: dict[str, object]) -> Record:
    record = object.__new__(cls)
    record.__dict__.update(state)
    return record
