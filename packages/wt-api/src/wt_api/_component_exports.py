"""A component instance's exports as Python attributes, typed from the component's WIT.

``instance.exports.values.echo_s32`` is a Python function with a real signature
(``inspect.signature``: ``(v: int) -> int``) and a docstring made from its WIT type;
``instance.exports.objects.Counter`` is the class of the guest's ``counter`` handles, whose
constructor, methods and static functions are the resource's; ``instance.exports.values.Point``
is the class of the ``point`` record.
"""

from __future__ import annotations

import threading

from ._component_classes import Err, Ok, Some, WitRecord, WitVariant, class_of
from ._component_resources import ComponentResource
from ._component_types import ComponentFunctionType, ComponentInterfaceType, WitType, class_name, python_name

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping
    from typing import Any

    from ._component_func import ComponentFunction
    from ._component_resources import ResourceEnv

__all__ = ["ComponentExports", "ComponentInterface", "ExportSource", "short_name", "handle_class_for"]


class ExportSource:
    """What typed exports read from their instance: ``function(name, member=None)`` finds an
    exported function, ``env`` is its resource table, ``items`` the component's export types
    by name; ``owner`` (the instance) is kept alive with them."""

    __slots__ = ("function", "env", "items", "owner")

    def __init__(self, function: Callable[..., ComponentFunction | None], env: ResourceEnv,
                 items: Mapping[str, object], owner: object) -> None:
        self.function = function
        self.env = env
        self.items = items
        self.owner = owner


def short_name(interface: str) -> str:
    """``wt:kitchen/values@0.1.0`` -> ``values`` (the attribute an interface gets)."""
    return python_name(interface.split("@", 1)[0].rsplit("/", 1)[-1].rsplit(":", 1)[-1])


def _annotations(types: dict[str, type]) -> dict[str, object]:
    import enum  # (the names annotations may use: loaded with the typed exports)

    return {"Ok": Ok, "Err": Err, "Some": Some, "WitRecord": WitRecord, "WitVariant": WitVariant,
            "ComponentResource": ComponentResource, "enum": enum, **types}


def _annotation(text: str, names: dict[str, object]) -> object:
    try:
        return eval(text, names)  # noqa: S307 - made by WitType.python_type from WIT names
    except Exception:
        return text


def typed_function(function: ComponentFunction, name: str, ftype: ComponentFunctionType, names: dict[str, object],
                   skip_self: bool = False) -> Callable[..., Any]:
    """A Python function calling ``function``, with the signature and docstring of its WIT type."""
    import inspect  # (signatures: loaded with the typed exports)

    params = ftype.params[1:] if skip_self else ftype.params
    fn: Any = function._entry  # the prepared call itself: as a method, ``self`` is its first argument
    parameters = [inspect.Parameter(python_name(n), inspect.Parameter.POSITIONAL_ONLY,
                                    annotation=_annotation(t.python_type(), names)) for n, t in params]
    if skip_self:
        parameters.insert(0, inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY))
    result = "None" if ftype.result is None else ftype.result.python_type(returned=True)
    fn.__signature__ = inspect.Signature(parameters, return_annotation=_annotation(result, names))
    fn.__name__ = fn.__qualname__ = name
    raises = ""
    if ftype.result is not None and ftype.result.kind == "result":
        err = "None" if ftype.result.err is None else ftype.result.err.python_type()
        raises = f"\n\nRaises wt_api.Err (with a {err} value) when the component returns an error."
    fn.__doc__ = f"WIT ``{function.name}: {ftype}``.{raises}"
    fn.__wrapped__ = function
    return fn  # type: ignore[no-any-return]


class ComponentInterface:
    """One exported interface of a component instance, as attributes: its functions (in
    Python style, ``echo_s32`` for ``echo-s32``), the classes of its resources (``Counter``)
    and of its named types (``Point``, ``Shape``, ``Color``, ``Perms``). ``wit_name`` is the
    interface's full name.

    Thread-safety: as its instance."""

    def __init__(self, source: ExportSource, name: str, iface: ComponentInterfaceType) -> None:
        self.wit_name = name
        # Each member is made on first use (a function's call is generated then), and then
        # kept as a plain attribute: a later lookup costs what any attribute does.
        self._members: dict[str, Callable[[], object]] = {}
        types: dict[str, type] = {}
        for tname, t in iface.types:
            if t.kind in ("record", "variant", "enum", "flags"):
                types[class_name(tname)] = class_of(t)
        names = _annotations(types)
        for tname, t in iface.types:
            if t.kind in ("record", "variant", "enum", "flags"):
                def known(cls: type = types[class_name(tname)]) -> object:
                    return cls
                self._members[class_name(tname)] = known
            elif t.kind == "resource":
                def make_class(rtype: WitType = t) -> object:
                    return handle_class(source, rtype, name, iface, names)
                self._members[class_name(tname)] = make_class
        for fname, ftype in iface.functions:
            if fname.startswith("["):
                continue  # a resource's: on its class

            def make(fname: str = fname, ftype: ComponentFunctionType = ftype) -> object:
                function = source.function(name, fname)
                assert function is not None
                return typed_function(function, python_name(fname), ftype, names)
            self._members[python_name(fname)] = make

    def __getattr__(self, name: str) -> Any:  # (only for members not made yet)
        make = self.__dict__["_members"].get(name) if not name.startswith("__") else None
        if make is None:
            raise AttributeError(f"the interface {self.wit_name} has no {name!r} (it has: "
                                 f"{', '.join(self._members)})")
        value = make()
        setattr(self, name, value)
        return value

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._members]

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __repr__(self) -> str:
        return f"<ComponentInterface {self.wit_name}: {', '.join(self._members)}>"


def handle_class(source: ExportSource, rtype: WitType, iface_name: str, iface: ComponentInterfaceType,
                 names: dict[str, object]) -> type[ComponentResource]:
    """The class of ``rtype``'s handles for the instance of ``source`` (made once per instance)."""
    env = source.env
    found = env.handle_classes.get(rtype)
    if found is not None:
        return found
    with _CLASS_LOCK:  # (threads reading exports at once: one class, complete before anyone sees it)
        found = env.handle_classes.get(rtype)
        if found is None:
            found = env.handle_classes[rtype] = _new_handle_class(source, rtype, iface_name, iface, names)
    return found


_CLASS_LOCK = threading.Lock()


def _new_handle_class(source: ExportSource, rtype: WitType, iface_name: str, iface: ComponentInterfaceType,
                      names: dict[str, object]) -> type[ComponentResource]:
    rname = rtype.name or "resource"
    members: dict[str, object] = {"__slots__": (), "__doc__": f"Handles of the resource ``{rname}`` of ``{iface_name}``."}
    cls: Any = type(class_name(rname), (ComponentResource,), members)
    names = {**names, class_name(rname): cls}
    for fname, ftype in iface.functions:
        if not fname.startswith("[") or fname[fname.index("]") + 1:].split(".", 1)[0] != rname:
            continue
        function = source.function(iface_name, fname)
        assert function is not None
        if fname.startswith("[constructor]"):
            cls._constructor = staticmethod(typed_function(function, class_name(rname), ftype, names))
        elif fname.startswith("[method]"):
            member = python_name(fname.split(".", 1)[1])
            setattr(cls, member, typed_function(function, member, ftype, names, skip_self=True))
        elif fname.startswith("[static]"):
            member = python_name(fname.split(".", 1)[1])
            setattr(cls, member, staticmethod(typed_function(function, member, ftype, names)))
    return cls  # type: ignore[no-any-return]


class ComponentExports:
    """A component instance's exports as attributes: top-level functions (``version()``)
    and interfaces (``values``, a :class:`~wt_api.ComponentInterface`, named by the last
    part of their WIT name; ``exports["wt:kitchen/values@0.1.0"]`` by the full one).

    Thread-safety: as its instance."""

    def __init__(self, source: ExportSource) -> None:
        self._source = source
        self._members: dict[str, Callable[[], object]] = {}
        self._by_wit: dict[str, str] = {}  # WIT name -> attribute
        items = source.items
        shorts: dict[str, int] = {}
        for name, item in items.items():
            if isinstance(item, ComponentInterfaceType):
                shorts[short_name(name)] = shorts.get(short_name(name), 0) + 1
        names = _annotations({})
        for name, item in items.items():
            make: Callable[[], object]
            if isinstance(item, ComponentInterfaceType):
                attr = short_name(name) if shorts[short_name(name)] == 1 else python_name(name.split("@", 1)[0])

                def make(name: str = name, item: ComponentInterfaceType = item) -> object:
                    return ComponentInterface(source, name, item)
            elif isinstance(item, ComponentFunctionType):
                attr = python_name(name)

                def make(name: str = name, item: ComponentFunctionType = item, attr: str = attr) -> object:
                    function = source.function(name)
                    assert function is not None
                    return typed_function(function, attr, item, names)
            else:
                continue
            self._members.setdefault(attr, make)
            self._by_wit[name] = attr

    def __getattr__(self, name: str) -> Any:  # (only for members not made yet: see ComponentInterface)
        make = self.__dict__["_members"].get(name) if not name.startswith("__") else None
        if make is None:
            raise AttributeError(f"the component exports no {name!r} (it exports: {', '.join(self._members)})")
        value = make()
        setattr(self, name, value)
        return value

    def __getitem__(self, wit_name: str) -> Any:
        return getattr(self, self._by_wit[wit_name])

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._members]

    def __iter__(self) -> Iterator[str]:
        return iter(self._members)

    def __repr__(self) -> str:
        return f"<ComponentExports: {', '.join(self._members)}>"


def handle_class_for(source: ExportSource, rtype: WitType) -> type[ComponentResource]:
    """The handle class of an exported resource, for a handle made before ``exports`` was read."""
    for name, item in source.items.items():
        if isinstance(item, ComponentInterfaceType) and any(t == rtype for _, t in item.types):
            types = {class_name(n): class_of(t) for n, t in item.types if t.kind in ("record", "variant", "enum", "flags")}
            return handle_class(source, rtype, name, item, _annotations(types))
    with _CLASS_LOCK:
        found = source.env.handle_classes.get(rtype)
        if found is None:
            found = type(class_name(rtype.name or "resource"), (ComponentResource,), {"__slots__": ()})
            source.env.handle_classes[rtype] = found
    return found
