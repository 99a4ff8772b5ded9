"""A host function as an item of a store: its ``wasmtime_func_t`` and trampoline.

A Python exception raised in a host function belongs to the call that entered wasm:
the trampoline leaves it with its store (never in a process-global slot) and traps, and
the failed call raises it as itself, traceback and all (see ``_failure``).

Host functions do not live in any store: each store that imports one gets its own
``wasmtime_func_t`` and trampoline, kept alive by that store, so a callback can never
be freed while wasm may still call it, and closing modules releases them.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable

from wt_ffi import extern as _extern
from wt_ffi import func as _func
from wt_ffi import store as _store
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.call import RefParam
from wt_ffi.callback import build_trampoline

from ._caller import Caller
from ._coroutines import is_coroutine_function
from ._convert import FUNC_HEAPS, param_converter, result_converter, typed_param, typed_result
from ._engine import Engine
from ._externtypes import from_raw_functype
from ._function import Function
from ._host_items import HostFunction
from ._store import Store
from ._values import to_raw_type

__all__ = ["function_extern"]


def function_extern(host: HostFunction, store: Store, engine: Engine) -> _extern.wasmtime_extern_t:
    """``host`` as an item of ``store`` (made once per store, kept by it)."""
    found = store.host_funcs.get(id(host))
    if found is not None:
        return found
    if is_coroutine_function(host.fn):
        from ._async_host import async_extern  # (async host functions load on first use: start-up)

        found = store.host_funcs[id(host)] = async_extern(host, store, engine, _function_of(store))
        return found
    params = [to_raw_type(t) for t in host.type.params]
    results = [to_raw_type(t) for t in host.type.results]
    ref_params: dict[int, Callable[[int], object]] = {}
    ref_results: dict[int, RefParam] = {}
    for i, vt in enumerate(params):
        if vt.kind != _t.VALTYPE_REF:
            continue
        if host.typed and vt.heap in FUNC_HEAPS:
            ref_params[i] = _function_of(store)
        else:
            ref_params[i] = typed_param(store, vt) if host.typed else result_converter(store, vt)
    for i, vt in enumerate(results):
        if vt.kind == _t.VALTYPE_REF:
            where = f"host function {host.name}: result {host.result_names[i] if host.result_names else i}"
            ref_results[i] = typed_result(store, vt, where) if host.typed else param_converter(store, vt, where)
    fn = host.fn
    if engine.config.async_yield_fuel and engine.config.fuel_metering:
        from ._async_state import fuel_paused  # (only fuel yielding needs it: start-up)

        fn = fuel_paused(fn, store)
    trampoline = build_trampoline(
        fn, params, results, typed=host.typed,
        make_caller=(lambda address: Caller(address, store)) if host.caller else None,
        ref_params=ref_params, ref_results=ref_results, sink=store.sink, on_bad_result=host._bad_result)
    ptr = engine.enter()
    try:
        ft = _t.new_functype(ptr, _t.FuncType(tuple(params), tuple(results)))
    finally:
        engine.leave()
    func = _extern.wasmtime_func_t()
    try:
        _func.wasmtime_func_new_unchecked(store.context, ft, trampoline, None, _NO_FINALIZER, ctypes.byref(func))
    finally:
        _t.wasm_functype_delete(ft)
    item = _extern.extern_of(func, _extern.EXTERN_FUNC)
    store.keep.append((host, trampoline))
    store.host_funcs[id(host)] = item
    return item


_NO_FINALIZER = _store.FINALIZER()


def _function_of(store: Store) -> Callable[[int], Function | None]:
    """Raw funcref slot value -> a :class:`Function` (what a typed host function receives)."""
    def function_of(raw: int) -> Function | None:
        if not raw:
            return None
        store.funcrefs.add(raw)
        func = _val.funcref_raw_to_func(store.context, raw)
        ft = _func.wasmtime_func_type(store.context, ctypes.byref(func))
        try:
            ty = from_raw_functype(_t.read_functype(ft))
        finally:
            _t.wasm_functype_delete(ft)
        return Function(store.scope, func, ty, "funcref", store)

    return function_of
