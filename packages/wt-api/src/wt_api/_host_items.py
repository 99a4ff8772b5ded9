"""What host modules hold: host functions (with their per-store trampolines), globals and
tables, as the builders describe them.

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
from wt_ffi.callback import SPARE_TRAPS, build_trampoline
from wt_ffi.records import Record

from ._caller import Caller
from ._coroutines import is_coroutine_function
from ._convert import FUNC_HEAPS, param_converter, result_converter, typed_param, typed_result
from ._engine import Engine
from ._externtypes import FunctionType, GlobalType, TableType, from_raw_functype
from ._function import Function
from ._store import Store
from ._values import RefType, ValueType, to_raw_type, type_name

__all__ = ["HostFunction", "HostGlobal", "HostTable"]

Type = ValueType | RefType


class HostGlobal(Record):
    """A global a host module exports."""

    type: GlobalType
    value: int


class HostTable(Record):
    """A table a host module exports (``is_64``: indexed by i64)."""

    type: TableType
    init: int
    is_64: bool


class HostFunction:
    """One host function: its type, parameter and result names, Python callable and
    calling form."""

    def __init__(self, name: str, ty: FunctionType, fn: Callable[..., object], typed: bool, caller: bool,
                 param_names: tuple[str, ...], result_names: tuple[str, ...]) -> None:
        self.name = name
        self.type = ty
        self.fn = fn
        self.typed = typed
        self.caller = caller
        self.param_names = param_names
        self.result_names = result_names

    def signature(self) -> str:
        """``module.name(a: i32, b: i32) -> (sum: i32)``, names where given."""
        def part(types: tuple[Type, ...], names: tuple[str, ...]) -> str:
            return ", ".join(f"{n}: {type_name(t)}" if n else type_name(t)
                             for t, n in zip(types, names or ("",) * len(types)))
        return f"{self.name}({part(self.type.params, self.param_names)}) -> ({part(self.type.results, self.result_names)})"

    def _bad_result(self, index: int, value: object) -> None:
        if index < 0:
            raise TypeError(f"host function {self.signature()} must return a tuple of {len(self.type.results)} "
                            f"values, not {value!r}")
        name = self.result_names[index] if self.result_names else str(index)
        raise TypeError(f"host function {self.signature()} returned {value!r} for result {name}, which is not a "
                        f"valid {type_name(self.type.results[index])}")

    def extern_in(self, store: Store, engine: Engine) -> _extern.wasmtime_extern_t:
        """This function as an item of ``store`` (made once per store, kept by it)."""
        found = store.host_funcs.get(id(self))
        if found is not None:
            return found
        if is_coroutine_function(self.fn):
            from ._async_host import async_extern  # (async host functions load on first use: start-up)

            found = store.host_funcs[id(self)] = async_extern(self, store, engine, _function_of(store))
            return found
        params = [to_raw_type(t) for t in self.type.params]
        results = [to_raw_type(t) for t in self.type.results]
        ref_params: dict[int, Callable[[int], object]] = {}
        ref_results: dict[int, RefParam] = {}
        for i, vt in enumerate(params):
            if vt.kind != _t.VALTYPE_REF:
                continue
            if self.typed and vt.heap in FUNC_HEAPS:
                ref_params[i] = _function_of(store)
            else:
                ref_params[i] = typed_param(store, vt) if self.typed else result_converter(store, vt)
        for i, vt in enumerate(results):
            if vt.kind == _t.VALTYPE_REF:
                where = f"host function {self.name}: result {self.result_names[i] if self.result_names else i}"
                ref_results[i] = typed_result(store, vt, where) if self.typed else param_converter(store, vt, where)
        if SPARE_TRAPS.count[0] < SPARE_TRAPS.CAPACITY:
            SPARE_TRAPS.refill()
        fn = self.fn
        if engine.config.async_yield_fuel and engine.config.fuel_metering:
            from ._async_state import fuel_paused  # (only fuel yielding needs it: start-up)

            fn = fuel_paused(fn, store)
        trampoline = build_trampoline(
            fn, params, results, typed=self.typed,
            make_caller=(lambda address: Caller(address, store)) if self.caller else None,
            ref_params=ref_params, ref_results=ref_results, sink=store.sink, on_bad_result=self._bad_result)
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
        store.keep.append((self, trampoline))
        store.host_funcs[id(self)] = item
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
