"""Linking a component: WASI 0.2 from wasmtime, every other import from Python, as
``_component_plan`` planned it; each Python function behind a generated host call."""

from __future__ import annotations

import ctypes

from wt_ffi.component import callback as _cb
from wt_ffi.component import linker as _l
from wt_ffi.component import val as _v
from wt_ffi.component.types import resource as _tr
from wt_ffi.store import FINALIZER

from ._component_classes import Err, Ok
from ._component_lift import lifter
from ._component_resources import ComponentResource, ResourceEnv, resource_lifter, resource_lowerer
from ._component_types import ComponentFunctionType, WitType
from ._component_lower import lowerer
from ._component_plan import HostFunction, Plan
from ._component_values import VAL_SIZE, Mismatch, inline_lift, inline_lower
from ._errors import LinkError
from ._failure import error_exception
from ._handle import Owned

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from wt_ffi import engine as _engine

    from ._store import Store

__all__ = ["new_linker"]

_NO_FINALIZER = FINALIZER()


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
