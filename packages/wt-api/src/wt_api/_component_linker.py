"""Linking a component: WASI 0.2 from wasmtime, every other import from Python.

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

import ctypes

from wt_ffi.component import callback as _cb
from wt_ffi.component import linker as _l
from wt_ffi.component import val as _v
from wt_ffi.component.types import resource as _tr
from wt_ffi.store import FINALIZER

from ._component_classes import Err, Ok, class_name, python_name
from ._component_lift import lifter
from ._component_resources import ComponentResource, ResourceEnv, resource_lifter, resource_lowerer
from ._component_types import ComponentFunctionType, ComponentInterfaceType, ComponentItem, WitType
from ._component_lower import lowerer
from ._component_values import VAL_SIZE, Mismatch, inline_lift, inline_lower, unsupported
from ._errors import ConfigError, LinkError
from ._failure import error_exception
from ._handle import Owned

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from wt_ffi import engine as _engine

    from ._store import Store

__all__ = ["Plan", "plan_imports", "new_linker", "is_wasi", "WASI_HINT"]

_NO_FINALIZER = FINALIZER()
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


# -- the C linker ---------------------------------------------------------------------
def _raise(err: object, what: str) -> None:
    if err:
        raise error_exception(err, LinkError, what)  # type: ignore[arg-type]


def new_linker(engine: ctypes._Pointer[_engine.wasm_engine_t], plan: Plan, env: ResourceEnv | None,
               store: Store | None) -> tuple[Owned[Any], list[object]]:
    """A component linker for ``plan`` (its host functions bound to ``env``'s instance and
    ``store``'s sink), and what must stay alive as long as it or the store may call in."""
    linker = _l.wasmtime_component_linker_new(engine)
    owned: Owned[Any] = Owned(linker, _l.wasmtime_component_linker_delete, "component linker")
    keep: list[object] = []
    try:
        if plan.wasi:
            _raise(_l.wasmtime_component_linker_add_wasip2(linker), "cannot define WASI 0.2")
            if plan.http:
                _raise(_l.wasmtime_component_linker_add_wasi_http(linker), "cannot define wasi:http")
        if plan.instances:
            assert env is not None and store is not None
            _l.wasmtime_component_linker_allow_shadowing(linker, True)  # Python's implementations win over WASI's
            for name, (functions, resources) in plan.instances.items():
                _define(linker, name, functions, resources, env, store, keep)
    except BaseException:
        owned.close()
        raise
    return owned, keep


def _define(linker: Any, name: str | None, functions: list[HostFunction], resources: list[tuple[str, WitType, type]],
            env: ResourceEnv, store: Store, keep: list[object]) -> None:
    root = _l.wasmtime_component_linker_root(linker)
    inner = _l.LinkerInstancePtr()
    try:
        target = root
        if name is not None:
            data = name.encode()
            _raise(_l.wasmtime_component_linker_instance_add_instance(root, data, len(data), ctypes.byref(inner)),
                   f"cannot define {name}")
            target = inner
        for rname, rtype, cls in resources:
            number = env.host_class(rtype, cls)
            ty = _tr.wasmtime_component_resource_type_new_host(number)
            destructor = _cb.destructor_trampoline(_dropper(env), store.sink)
            keep.append(destructor)
            data = rname.encode()
            try:
                _raise(_l.wasmtime_component_linker_instance_add_resource(target, data, len(data), ty, destructor,
                                                                          None, _NO_FINALIZER),
                       f"cannot define the resource {rname}")
            finally:
                _tr.wasmtime_component_resource_type_delete(ty)
        for host in functions:
            trampoline = _cb.inline_trampoline(*_host_call(env, host), store.sink)
            keep.append(trampoline)
            data = host.name.encode()
            _raise(_l.wasmtime_component_linker_instance_add_func(target, data, len(data), trampoline, None,
                                                                  _NO_FINALIZER),
                   f"cannot define {host.name}")
    finally:
        if inner:
            _l.wasmtime_component_linker_instance_delete(inner)
        _l.wasmtime_component_linker_instance_delete(root)


def _dropper(env: ResourceEnv) -> Callable[[int], None]:
    def drop(rep: int) -> None:
        obj = env.take_host(rep, True)
        exit_ = getattr(obj, "__exit__", None)
        if exit_ is not None:
            exit_(None, None, None)
    return drop


def _host_call(env: ResourceEnv, host: HostFunction) -> tuple[list[str], dict[str, object]]:
    """What the trampoline of ``host`` runs (read the arguments, call, write the result), as
    lines of Python source specialised to the signature (scalars read and written inline)
    and the names they use."""
    ftype, name = host.type, host.name
    result = ftype.result
    n = len(ftype.params)
    out = ctypes.create_string_buffer(VAL_SIZE)
    names: dict[str, object] = {"_host": host.fn, "_env": env, "_sat": ctypes.string_at, "_Err": Err, "_Ok": Ok,
                                "_Mismatch": Mismatch, "_b": out, "_bp": ctypes.cast(out, _v.ValPtr),
                                "_clone": _v.wasmtime_component_val_clone, "_ValPtr": _v.ValPtr, "_cast": ctypes.cast,
                                "_move": ctypes.memmove, "_counts": _wrong_counts(name, n, result is not None),
                                "_no_result": _no_result(name), "_bad_result": _bad_result(name, ftype),
                                "_expire": _expire}
    resources = any(_has_resources(t) for _, t in ftype.params) or (result is not None and _has_resources(result))
    lines = ["def call(context, args, nargs, results, nresults):",
             f"    if nargs != {n} or nresults != {0 if result is None else 1}: _counts(nargs, nresults)"]
    if n:
        lines.append(f"    raw = _sat(args, {n * VAL_SIZE})")
    if resources:
        lines += ["    saved = _env.keep, _env.pending, _env.expiring, _env.boxes, _env.used",
                  "    _env.keep, _env.pending, _env.expiring, _env.boxes, _env.used = [], [], [], [], {}"]
    lines.append("    try:")
    for i, (_, t) in enumerate(ftype.params):
        fast = inline_lift(t, names, "raw", i * VAL_SIZE, f"p{i}")
        if fast is not None:
            lines += ["        " + line for line in fast]
        else:
            names[f"_lift{i}"] = lifter(t, lambda t: resource_lifter(env, t))
            lines.append(f"        p{i} = _lift{i}(raw, {i * VAL_SIZE}, _env)")
    call = f"_host({', '.join(f'p{i}' for i in range(n))})"
    if result is not None and result.kind == "result":
        lines += ["        try:", f"            v = {call}", "        except _Err as exc:", "            v = exc",
                  "        if type(v) is not _Ok and type(v) is not _Err: v = _Ok(v)"]
    else:
        lines.append(f"        v = {call}")
    if result is None:
        lines.append("        if v is not None: _no_result(v)")
    else:
        names["_lower"] = lowerer(result, lambda t: resource_lowerer(env, t))
        fast = inline_lower(result, "v", 0, "_keep = _slow", names)
        if fast is not None and result.kind != "string":
            names["_slow"] = _slow_result(names["_lower"], out, env, name, ftype)
            lines += ["        " + line for line in fast]
            lines.append(f"        _move(results, _b, {VAL_SIZE})  # a scalar owns nothing: a copy is the value")
        else:
            if not resources:  # (``kept`` holds the buffers of the value until wasmtime has copied it)
                lines += ["        saved_keep = _env.keep", "        _env.keep = kept = []"]
            lines += ["        try:", "            _lower(v, _b, 0, _env)", "        except _Mismatch as exc:",
                      "            _bad_result(exc)"]
            if resources:
                lines.append("        _env.settle()")
            else:
                lines.append("        _env.keep = saved_keep")
            lines.append("        _clone(_bp, _cast(results, _ValPtr))  # wasmtime frees its copy; ours is Python's")
    lines.append("    finally:")
    if resources:
        # The caller's lists come back first, then this call's are freed (see _expire).
        lines += ["        inner = _env.expiring, _env.boxes",
                  "        _env.keep, _env.pending, _env.expiring, _env.boxes, _env.used = saved", "        _expire(*inner)"]
    else:
        lines.append("        pass")
    return ["    " + line for line in lines[1:]], names


def _has_resources(t: WitType) -> bool:
    if t.kind in ("own", "borrow"):
        return True
    return any(_has_resources(inner) for inner in (t.element, t.ok, t.err, t.key, t.value, *t.elements,
                                                   *(f for _, f in t.fields), *(c for _, c in t.cases))
               if inner is not None)


def _expire(expiring: list[ComponentResource], boxes: list[int]) -> None:
    """End a host call's borrows and free its temporary boxes. Each leaves its list before it
    is freed: an exception from a signal handler in between leaks one, never frees one twice."""
    while expiring:
        handle = expiring.pop()
        handle._state = "a borrow that was valid only during the host function's call"
        handle._free_box()
    while boxes:
        _v.wasmtime_component_resource_any_delete(ctypes.cast(boxes.pop(), _v.ResourceAnyPtr))


def _wrong_counts(name: str, n: int, has_result: bool) -> Callable[[int, int], None]:
    def counts(nargs: int, nresults: int) -> None:
        raise TypeError(f"wasmtime called {name} with {nargs} arguments and {nresults} results, not {n} and "
                        f"{int(has_result)}")
    return counts


def _no_result(name: str) -> Callable[[object], None]:
    def no_result(value: object) -> None:
        raise TypeError(f"host function {name} has no result, but returned {value!r}")
    return no_result


def _bad_result(name: str, ftype: ComponentFunctionType) -> Callable[[Mismatch], None]:
    def bad(exc: Mismatch) -> None:
        raise TypeError(f"host function {name}: {ftype}: returned {exc.describe()}") from None
    return bad


def _slow_result(lower: Any, out: Any, env: ResourceEnv, name: str, ftype: ComponentFunctionType
                 ) -> Callable[[object], None]:
    def slow(value: object) -> None:
        try:
            lower(value, out, 0, env)
        except Mismatch as exc:
            _bad_result(name, ftype)(exc)
    return slow
