"""The raw ctypes floors: wasm reached through wt-ffi's declarations alone, no wt-api.

A floor is what a binding cannot beat: the same C functions, called through ctypes with
nothing around them (no checks, no locks, arguments made once). Each floor here has an
engine, a store and an instance of its own, made with wasmtime's default settings, so
that what wt-api keeps internal stays internal.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from ctypes import byref, c_size_t, c_uint64, c_void_p

from wt_ffi import config, engine, extern, func, instance, module, pointer_arg, raw_function, store, types

__all__ = ["RawEngine", "RawInstance", "CALL_UNCHECKED"]

CALL_UNCHECKED = "wasmtime_func_call_unchecked"


class RawEngine:
    """An engine with wasmtime's defaults and modules compiled in it (never freed: the
    benchmark process exits)."""

    def __init__(self, pooling: bool = False) -> None:
        cfg = config.wasm_config_new()
        if pooling:  # wasmtime's pooling allocator with its default pools
            pool = config.wasmtime_pooling_allocation_config_new()
            config.wasmtime_pooling_allocation_strategy_set(cfg, pool)
            config.wasmtime_pooling_allocation_config_delete(pool)
        self.ptr = engine.wasm_engine_new_with_config(cfg)

    def compile(self, wasm: bytes) -> ctypes._Pointer[module.wasmtime_module_t]:
        out = ctypes.POINTER(module.wasmtime_module_t)()
        assert not module.wasmtime_module_new(self.ptr, wasm, len(wasm), byref(out)), "the floor's module"
        return out

    def new_store(self) -> tuple[object, ctypes._Pointer[store.wasmtime_context_t]]:
        ptr = store.wasmtime_store_new(self.ptr, None, store.FINALIZER())
        return ptr, store.wasmtime_store_context(ptr)

    def host_function(self, context: ctypes._Pointer[store.wasmtime_context_t], params: Sequence[int],
                      body: Callable[..., int]) -> tuple[extern.wasmtime_extern_t, object]:
        """A host function (raw slots, no results) as an import item, and what keeps it alive."""
        ft = types.new_functype(self.ptr, types.FuncType(tuple(types.ValType(k) for k in params), ()))
        cb = func.UNCHECKED_CALLBACK(body)
        f = extern.wasmtime_func_t()
        func.wasmtime_func_new_unchecked(context, ft, cb, None, store.FINALIZER(), byref(f))
        return extern.extern_of(f, extern.EXTERN_FUNC), cb


class RawInstance:
    """``wasm`` instantiated in a store of its own, with ``imports`` in order."""

    def __init__(self, raw: RawEngine, wasm: bytes, imports: Callable[[object], list[extern.wasmtime_extern_t]]
                 | None = None) -> None:
        self.engine = raw
        self.module = raw.compile(wasm)
        self.store, self.context = raw.new_store()
        items = imports(self.context) if imports is not None else []
        array = (extern.wasmtime_extern_t * max(len(items), 1))(*items)
        self.instance = instance.wasmtime_instance_t()
        trap = c_void_p()
        assert not instance.wasmtime_instance_new(self.context, self.module, array, len(items),
                                                  byref(self.instance), byref(trap)), "the floor's instance"
        assert not trap.value
        self.keep: list[object] = [array]

    def function(self, name: str) -> extern.wasmtime_func_t:
        item = extern.wasmtime_extern_t()
        data = name.encode()
        assert instance.wasmtime_instance_export_get(self.context, byref(self.instance), data, len(data), byref(item))
        f = extern.wasmtime_func_t()
        ctypes.pointer(f)[0] = item.of.func
        return f

    def caller(self, name: str, nslots: int, premade: bool = False) -> tuple[ctypes.Array[c_uint64], Callable[[], object]]:
        """The slots (two 64-bit words per value) and a function that calls ``name`` with
        them through ``wasmtime_func_call_unchecked`` bound without ``argtypes``, every
        argument made once: the floor of a call. ``premade``: the context and the slots
        go as :func:`wt_ffi.pointer_arg` and the count as an int, as wt's calls pass them
        (ctypes then makes no argument object per call); else as a ``c_void_p``, the array
        and a ``c_size_t``, the floor the issue that set the target measured."""
        raw = raw_function(CALL_UNCHECKED, c_void_p)
        slots = (c_uint64 * (2 * max(nslots, 1)))()
        f = self.function(name)
        trap = c_void_p()
        context = ctypes.cast(self.context, c_void_p)
        args: tuple[object, ...] = (context, byref(f), slots, c_size_t(max(nslots, 1)), byref(trap))
        if premade:
            args = (pointer_arg(context.value or 0), byref(f), pointer_arg(slots), max(nslots, 1), byref(trap))
        self.keep += [f, trap, args]
        return slots, lambda: raw(*args)
