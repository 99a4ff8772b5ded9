"""Planning a component's links: which imports Python implements, checked, and which WASI.

``imports`` maps an imported interface (its full name ``wt:kitchen/host@0.1.0``, the name
without its version, or its short name ``host`` when no other import has it) to an object
whose attributes implement it: a function per WIT function (``log``, ``add``, named in
Python style), and for each resource a class (``Blob``) whose constructor, methods and
static methods are the resource's. A top-level imported function maps from its name to a
callable. Every function is checked against its WIT signature when the component is
instantiated: a missing one is a :class:`~wt_api.LinkError` naming the interface, the
function and its type.
"""

from __future__ import annotations

from ._component_classes import class_name, python_name
from ._component_types import ComponentFunctionType, ComponentInterfaceType, ComponentItem, WitType
from ._component_values import unsupported
from ._errors import ConfigError, LinkError

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = ["HostFunction", "Plan", "plan_imports", "is_wasi", "WASI_HINT"]

WASI_HINT = ("use Runtime.instantiate_component_with_wasi(compiled), with RuntimeConfig().with_wasi("
             "wt_wasi.WASIConfig()) to configure it")


def is_wasi(name: str) -> bool:
    """Whether wasmtime's WASI 0.2 (``add_wasip2``) defines the import ``name``."""
    return name.startswith("wasi:") and not name.startswith("wasi:http/")


def is_wasi_http(name: str) -> bool:
    """Whether ``add_wasi_http`` defines the import ``name``."""
    return name.startswith(("wasi:http/types@", "wasi:http/outgoing-handler@"))


class HostFunction:
    """One imported function and the Python callable that implements it."""

    def __init__(self, name: str, ftype: ComponentFunctionType, fn: Callable[..., Any]) -> None:
        self.name = name
        self.type = ftype
        self.fn = fn


class Plan:
    """What an instantiation defines: WASI or not, and per imported interface (None for the
    root) its host functions and resource classes."""

    def __init__(self) -> None:
        self.wasi = False
        self.http = False
        self.instances: dict[str | None, tuple[list[HostFunction], list[tuple[str, WitType, type]]]] = {}

    @property
    def has_host(self) -> bool:
        """Whether Python implements any import (the linker is then this instantiation's)."""
        return bool(self.instances)


def _find(imports: Mapping[str, object], name: str, short_names: dict[str, int]) -> object | None:
    if name in imports:
        return imports[name]
    bare = name.split("@", 1)[0]
    if bare in imports:
        return imports[bare]
    short = bare.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    if short_names.get(short) == 1 and short in imports:
        return imports[short]
    return None


def _member(impl: object, name: str) -> object | None:
    if isinstance(impl, dict):
        return impl.get(name)
    return getattr(impl, name, None)


def _check_callable(fn: object, what: str, ftype: ComponentFunctionType, extra: int = 0) -> None:
    import inspect  # (only instantiations with host imports check signatures: start-up)

    if not callable(fn):
        raise LinkError(f"{what} must be callable (it implements {ftype}), not {type(fn).__name__}")
    if inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None)):
        raise LinkError(f"{what} is a coroutine function: a component's imports are called synchronously "
                        "(async host functions are for modules); give a plain function")
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return  # a builtin without a signature: the call will tell
    try:
        sig.bind(*([None] * (len(ftype.params) - extra)))
    except TypeError as exc:
        params = ", ".join(f"{n}: {t}" for n, t in ftype.params[extra:])
        raise LinkError(f"{what}{sig} cannot take the {len(ftype.params) - extra} argument(s) of the import "
                        f"({params}): {exc}") from None


def plan_imports(imported: dict[str, ComponentItem], imports: Mapping[str, object] | None, wasi: bool) -> Plan:
    """Match the component's imports with ``imports`` and WASI (LinkError naming what is missing)."""
    plan = Plan()
    given = dict(imports or {})
    if imports is not None and not all(isinstance(k, str) for k in given):
        raise ConfigError("imports maps interface (or function) names, as str, to their implementations")
    shorts: dict[str, int] = {}
    for name in imported:
        short = name.split("@", 1)[0].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        shorts[short] = shorts.get(short, 0) + 1
    used: set[int] = set()
    root: tuple[list[HostFunction], list[tuple[str, WitType, type]]] = ([], [])
    for name, item in imported.items():
        impl = _find(given, name, shorts)
        if impl is None:
            if is_wasi(name) or is_wasi_http(name):
                if not wasi:
                    raise LinkError(f"this component imports WASI ({name}) but was instantiated without WASI: "
                                    f"{WASI_HINT}")
                plan.wasi = True
                plan.http = plan.http or is_wasi_http(name)
                continue
            if isinstance(item, WitType):  # a type, or a resource aliased from an interface
                continue
            raise LinkError(f"the component imports {_describe(name, item)}, which nothing implements: give "
                            f"imports={{{name!r}: ...}} to the instantiation")
        used.add(id(impl))
        if isinstance(item, ComponentInterfaceType):
            plan.instances[name] = _plan_interface(name, item, impl)
        elif isinstance(item, ComponentFunctionType):
            _check_callable(impl, f"the host function for {name!r}", item)
            root[0].append(HostFunction(name, item, impl))  # type: ignore[arg-type]
        elif isinstance(item, WitType) and item.kind == "resource" and isinstance(impl, type):
            root[1].append((name, item, impl))
        else:
            raise LinkError(f"cannot implement the import {name!r} ({item}) from Python")
    if root[0] or root[1]:
        plan.instances[None] = root
    unknown = [k for k, v in given.items() if id(v) not in used]
    if unknown:
        raise LinkError(f"imports names {', '.join(map(repr, unknown))}, which the component does not import "
                        f"(it imports: {', '.join(imported) or 'nothing'})")
    return plan


def _describe(name: str, item: ComponentItem) -> str:
    if isinstance(item, ComponentInterfaceType):
        funcs = "; ".join(f"{n}: {f}" for n, f in item.functions)
        return f"the interface {name} ({funcs})"
    return f"{name}: {item}"


def _plan_interface(name: str, iface: ComponentInterfaceType, impl: object
                    ) -> tuple[list[HostFunction], list[tuple[str, WitType, type]]]:
    functions: list[HostFunction] = []
    resources: list[tuple[str, WitType, type]] = []
    classes: dict[str, type] = {}
    for tname, t in iface.types:
        if t.kind != "resource":
            continue
        cls = _member(impl, class_name(tname))
        if not isinstance(cls, type):
            raise LinkError(f"{name} needs a class {class_name(tname)} for its resource {tname!r} "
                            f"(found {type(cls).__name__ if cls is not None else 'nothing'})")
        classes[tname] = cls
        resources.append((tname, t, cls))
    for fname, ftype in iface.functions:
        where = f"the import {name}, function {fname}: {ftype}"
        if fname.startswith("[constructor]"):
            rname = fname[len("[constructor]"):]
            fn: object = classes.get(rname)
            _check_callable(fn, f"{class_name(rname)} (the constructor of {rname})", ftype)
        elif fname.startswith(("[method]", "[static]")):
            rname, _, member = fname[fname.index("]") + 1:].partition(".")
            cls = classes.get(rname)
            fn = getattr(cls, python_name(member), None)
            if fn is None:
                raise LinkError(f"{where}: {class_name(rname)} has no {python_name(member)!r}")
            if fname.startswith("[method]"):
                _check_callable(fn, f"{class_name(rname)}.{python_name(member)}", ftype)  # self is the borrow
                method = python_name(member)

                def fn(self: Any, *args: Any, _m: str = method) -> Any:
                    return getattr(self, _m)(*args)
            else:
                _check_callable(fn, f"{class_name(rname)}.{python_name(member)}", ftype)
        else:
            fn = _member(impl, python_name(fname))
            if fn is None:
                raise LinkError(f"{where}: {type(impl).__name__} has no {python_name(fname)!r}")
            _check_callable(fn, f"{python_name(fname)}", ftype)
        why = unsupported(ftype.result) if ftype.result is not None else None
        for _, t in ftype.params:
            why = why or unsupported(t)
        if why is not None:
            raise LinkError(f"{where}: {why}")
        functions.append(HostFunction(fname, ftype, fn))  # type: ignore[arg-type]
    return functions, resources
