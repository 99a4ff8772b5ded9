"""Frozen records: what wt asks of :mod:`dataclasses`, without its start-up cost.

``import dataclasses`` costs about 6 ms (it imports ``inspect``, and so ``ast``, ``dis``,
``tokenize``), and each ``@dataclass`` about 0.5 ms more (it writes and compiles its methods
as the class is made). wt's two dozen frozen value types would add some 15 ms to
``import wt_api``. Here a class costs a few microseconds: its ``__init__`` is written and
compiled when the first instance is made (as fast as a dataclass's from then on), and
equality, hashing and ``repr`` are shared functions.

A module takes the names of :mod:`dataclasses` from here, so that type checkers keep
seeing (and checking) real dataclasses::

    if TYPE_CHECKING:
        import dataclasses
        from dataclasses import dataclass, field
    else:
        from wt_ffi import _records as dataclasses
        from wt_ffi._records import dataclass, field

What works as in :mod:`dataclasses`: ``@dataclass(frozen=True)`` (frozen is required), field
order and inheritance between records, class-level defaults, ``field(default=...,
default_factory=..., repr=..., compare=...)``, ``__post_init__``, ``__eq__``/``__hash__``
over the compared fields, ``repr``, ``__match_args__``, :func:`fields`, :func:`replace`,
and :class:`FrozenInstanceError` (an ``AttributeError``) on assignment. :mod:`dataclasses`
itself works on records too (``replace``, ``fields``, ``asdict``, ``is_dataclass``): their
``__dataclass_fields__`` are made, importing it, when something first asks for them.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["MISSING", "Field", "FrozenInstanceError", "dataclass", "field", "fields", "replace"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: object = _Missing()


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class Field:
    """One field of a record: its ``name`` and how it is made, shown and compared."""

    __slots__ = ("name", "default", "default_factory", "repr", "compare")

    def __init__(self, default: object = MISSING, default_factory: object = MISSING, repr: bool = True,
                 compare: bool = True) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("cannot specify both default and default_factory")
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r}, default_factory={self.default_factory!r})"


def field(*, default: object = MISSING, default_factory: object = MISSING, repr: bool = True,
          compare: bool = True) -> Field:
    """A field with a default, a default factory, or left out of ``repr`` or comparisons."""
    return Field(default, default_factory, repr, compare)


def fields(record: object) -> tuple[Field, ...]:
    """The fields of a record (a class or an instance), in order."""
    try:
        return getattr(record, "__record_fields__")  # type: ignore[no-any-return]
    except AttributeError:
        raise TypeError("must be called with a record type or instance") from None


def replace(record: object, /, **changes: object) -> object:
    """A copy of ``record`` with ``changes`` (made through ``__init__``, so checks run)."""
    values = {f.name: getattr(record, f.name) for f in fields(record)}
    values.update(changes)
    return type(record)(**values)


def dataclass(cls: type | None = None, /, *, frozen: bool = False, eq: bool = True) -> object:
    """Make ``cls`` a frozen record (``frozen=True`` is required: wt's records are values)."""

    def wrap(cls: type) -> type:
        if not frozen or not eq:
            raise TypeError("wt records are frozen, with equality: use @dataclass(frozen=True)")
        return _make(cls)

    return wrap if cls is None else wrap(cls)


class _DataclassFields:
    """``__dataclass_fields__``, made on first access (:mod:`dataclasses` is imported then)."""

    def __get__(self, instance: object, owner: type) -> dict[str, object]:
        import dataclasses

        made: dict[str, object] = {}
        annotations = owner.__dict__.get("__annotations__", {})
        new_field: Callable[..., dataclasses.Field[object]] = dataclasses.field
        for f in fields(owner):
            real = new_field(default=dataclasses.MISSING if f.default is MISSING else f.default,
                             default_factory=dataclasses.MISSING if f.default_factory is MISSING else f.default_factory,
                             repr=f.repr, compare=f.compare)
            real.name = f.name
            real.type = annotations.get(f.name, object)
            real._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            made[f.name] = real
        type.__setattr__(owner, "__dataclass_fields__", made)
        return made


def _is_classvar(annotation: object) -> bool:
    return isinstance(annotation, str) and annotation.startswith(("ClassVar", "typing.ClassVar"))


def _make(cls: type) -> type:
    inherited: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__record_fields__", ()):
            inherited[f.name] = f
    own = cls.__dict__.get("__annotations__", {})
    for name, annotation in own.items():
        if _is_classvar(annotation):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        f.name = name
        if f.default is MISSING:
            if name in cls.__dict__:
                delattr(cls, name)
        else:
            setattr(cls, name, f.default)
        inherited.pop(name, None)
        inherited[name] = f
    all_fields = tuple(inherited.values())
    seen_default = False
    for f in all_fields:
        if f.default is not MISSING or f.default_factory is not MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    cls.__record_fields__ = all_fields  # type: ignore[attr-defined]
    cls.__record_compared__ = tuple(f.name for f in all_fields if f.compare)  # type: ignore[attr-defined]
    cls.__dataclass_fields__ = _DataclassFields()  # type: ignore[attr-defined]
    methods: dict[str, object] = {
        "__match_args__": tuple(f.name for f in all_fields), "__init__": _lazy_init(cls), "__repr__": _repr,
        "__eq__": _eq, "__hash__": _hash, "__setattr__": _setattr, "__delattr__": _delattr,
    }
    for name, method in methods.items():
        # As dataclasses does: what the class body defines itself stays (a class body
        # defining __eq__ without __hash__ sets __hash__ to None: that counts as a default).
        if name not in cls.__dict__ or (name == "__hash__" and cls.__dict__[name] is None):
            setattr(cls, name, method)
    return cls


def _lazy_init(cls: type) -> Callable[..., None]:
    def __init__(self: object, *args: object, **kwargs: object) -> None:
        init = _write_init(cls)
        if cls.__dict__.get("__init__") is __init__:
            type.__setattr__(cls, "__init__", init)
        init(self, *args, **kwargs)

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    return __init__


def _write_init(cls: type) -> Callable[..., None]:
    """The ``__init__`` a dataclass would have: one compiled function, fields set straight
    into the instance's ``__dict__`` (the frozen ``__setattr__`` is for users)."""
    params, body = [], ["    _d = self.__dict__"]
    env: dict[str, object] = {"_M": MISSING}
    for f in fields(cls):
        n = f.name
        if f.default is not MISSING:
            env[f"_dv_{n}"] = f.default
            params.append(f"{n}=_dv_{n}")
            body.append(f"    _d[{n!r}] = {n}")
        elif f.default_factory is not MISSING:
            env[f"_df_{n}"] = f.default_factory
            params.append(f"{n}=_M")
            body.append(f"    _d[{n!r}] = _df_{n}() if {n} is _M else {n}")
        else:
            params.append(n)
            body.append(f"    _d[{n!r}] = {n}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body) + "\n"
    namespace: dict[str, object] = {}
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), env, namespace)  # noqa: S102
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    return init  # type: ignore[return-value]


def _values(self: object) -> tuple[object, ...]:
    d = self.__dict__
    return tuple(d[n] for n in type(self).__record_compared__)  # type: ignore[attr-defined]


def _eq(self: object, other: object) -> bool:
    if other.__class__ is self.__class__:
        return _values(self) == _values(other)
    return NotImplemented  # type: ignore[no-any-return]


def _hash(self: object) -> int:
    return hash(_values(self))


def _repr(self: object) -> str:
    d = self.__dict__
    shown = ", ".join(f"{f.name}={d[f.name]!r}" for f in fields(self) if f.repr)
    return f"{type(self).__qualname__}({shown})"


def _setattr(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
