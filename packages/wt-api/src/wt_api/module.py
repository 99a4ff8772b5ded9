"""Compiled modules and their instances."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from ctypes import c_void_p

from wt_ffi import error as _error
from wt_ffi import extern as _extern
from wt_ffi import instance as _instance
from wt_ffi import linker as _linker
from wt_ffi import module as _module
from wt_ffi import types as _t
from wt_ffi import vec as _vec
from wt_ffi import wat as _wat
from wt_ffi.call import take_failure

from ._handle import Closeable, Owned
from .config import ModuleConfig
from .errors import (ClosedError, CompileError, ConfigError, Frame, InstantiationError, LinkError, WasmException,
                     failure_to_exception)
from .externtypes import (ExportType, ExternType, FunctionType, GlobalType, ImportType, MemoryType,
                          TableType, from_raw_externtype)
from .interrupt import timed_caller
from .limits import configure_instance_store, set_store_fuel, store_fuel
from .store import Store
from .values import RefType, ValueType

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .function import Function
    from .global_ import Global
    from .memory import Memory
    from .runtime import Runtime
    from .table import Table

__all__ = ["CompiledModule", "Module"]


def _error_message(err: ctypes._Pointer[_error.wasmtime_error_t]) -> str:
    try:
        return _error.error_message(err)
    finally:
        _error.wasmtime_error_delete(err)


def _to_wasm(source: str | bytes | bytearray | memoryview) -> bytes:
    if isinstance(source, str):
        text = source.encode("utf-8")
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] == b"\0asm":
            return data
        text = data
    else:
        raise TypeError(f"compile_module takes WAT text (str) or wasm bytes, not {type(source).__name__}")
    out = _vec.wasm_byte_vec_t()
    err = _wat.wasmtime_wat2wasm(text, len(text), ctypes.byref(out))
    if err:
        raise CompileError(_error_message(err))
    return _vec.take_bytes(out)


class CompiledModule(Closeable):
    """A compiled WebAssembly module, ready to instantiate any number of times.

    Thread-safety: immutable once compiled; share it across threads freely."""

    def __init__(self, runtime: Runtime, ptr: ctypes._Pointer[_module.wasmtime_module_t]) -> None:
        self._runtime = runtime
        self._handle = Owned(ptr, _module.wasmtime_module_delete, "compiled module")
        self._imports: tuple[ImportType, ...] | None = None
        self._exports: tuple[ExportType, ...] | None = None
        self._export_map: dict[str, ExternType] | None = None

    @property
    def ptr(self) -> ctypes._Pointer[_module.wasmtime_module_t]:
        """The live module handle."""
        if self._runtime.closed:
            raise ClosedError("the runtime of this compiled module is closed")
        return self._handle.get()

    @property
    def imports(self) -> tuple[ImportType, ...]:
        """The module's imports, in order."""
        if self._imports is None:
            vec = _t.wasm_importtype_vec_t()
            _module.wasmtime_module_imports(self.ptr, ctypes.byref(vec))
            self._imports = tuple(ImportType(m, n, from_raw_externtype(t)) for m, n, t in _t.read_imports(vec))
        return self._imports

    @property
    def export_map(self) -> dict[str, ExternType]:
        """Each export's type by name (shared by every instance: do not change it)."""
        if self._export_map is None:
            self._export_map = {e.name: e.type for e in self.exports}
        return self._export_map

    @property
    def exports(self) -> tuple[ExportType, ...]:
        """The module's exports, in order."""
        if self._exports is None:
            vec = _t.wasm_exporttype_vec_t()
            _module.wasmtime_module_exports(self.ptr, ctypes.byref(vec))
            self._exports = tuple(ExportType(n, from_raw_externtype(t)) for n, t in _t.read_exports(vec))
        return self._exports

    def serialize(self) -> bytes:
        """The compiled code as bytes (what the compilation cache stores); load it only into
        an engine of the same configuration."""
        out = _vec.wasm_byte_vec_t()
        err = _module.wasmtime_module_serialize(self.ptr, ctypes.byref(out))
        if err:
            raise CompileError(_error_message(err))
        return _vec.take_bytes(out)

    @property
    def closed(self) -> bool:
        """Whether this module (or its runtime) was closed."""
        return self._handle.closed or self._runtime.closed

    def close(self) -> None:
        """Free the compiled code (instances made from it keep working). Idempotent."""
        self._handle.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else f" {len(self.exports)} exports"
        return f"<CompiledModule{state}>"


def compile_module(runtime: Runtime, source: str | bytes | bytearray | memoryview) -> CompiledModule:
    """Compile ``source`` (WAT or wasm) in ``runtime``'s engine."""
    wasm = _to_wasm(source)
    buf = ctypes.create_string_buffer(wasm, len(wasm)) if wasm else None
    out = _module.ModulePtr()
    err = _module.wasmtime_module_new(runtime.engine_ptr(), buf, len(wasm), ctypes.byref(out))
    if err:
        raise CompileError(_error_message(err))
    return CompiledModule(runtime, out)


class Module(Closeable):
    """An instantiated module: its exported functions, memories, globals and tables.

    Closing a module frees its store (and with it every export taken from it) once no
    other module in that store remains. Use it as a context manager or call :meth:`close`.

    Thread-safety: calls into one module are serialised by its store's lock; separate
    modules (separate stores) run in parallel."""

    call_timeout: float | None = None
    """The timeout applied to each call of an exported function (``ModuleConfig.with_timeout``)."""

    def __init__(self, runtime: Runtime, store: Store, instance: _instance.wasmtime_instance_t,
                 name: str | None, compiled: CompiledModule) -> None:
        self._runtime = runtime
        self._store = store
        self._instance = instance
        self._name = name
        self._export_types = compiled.export_map
        self._cache: dict[str, object] = {}
        self._closed = False
        self._lock = threading.Lock()

    @property
    def name(self) -> str | None:
        """The name the module was instantiated under, if any."""
        return self._name

    @property
    def store(self) -> Store:
        """The store the module lives in (for wt's own layers)."""
        return self._store

    @property
    def closed(self) -> bool:
        """Whether this module (or its runtime) was closed."""
        return self._closed

    def exports(self) -> dict[str, ExternType]:
        """Every export's name and type."""
        self._check()
        return dict(self._export_types)

    def _check(self) -> None:
        if self._closed:
            raise ClosedError(f"module {self._name or ''} is closed".replace("  ", " "))

    def export_extern(self, name: str) -> _extern.wasmtime_extern_t | None:
        """The raw export ``name`` (for wt's own layers), or None."""
        self._check()
        item = _extern.wasmtime_extern_t()
        data = name.encode("utf-8")
        with self._store.lock:
            self._store.check()
            found = _instance.wasmtime_instance_export_get(self._store.context, ctypes.byref(self._instance),
                                                           data, len(data), ctypes.byref(item))
        return item if found else None

    def export_types(self) -> dict[str, ExternType]:
        """Every export's name and type (for linking)."""
        self._check()
        return self._export_types

    def store_for(self, name: str) -> Store | None:
        """The store an importer of export ``name`` must live in."""
        return self._store

    def provide(self, store: Store, name: str) -> _extern.wasmtime_extern_t | None:
        """Export ``name`` for an importer in ``store`` (which must be this module's)."""
        if store is not self._store:
            raise LinkError(f"module {self._name!r} lives in another store")
        return self.export_extern(name)

    def _export(self, name: str, kind: type) -> object | None:
        if not isinstance(name, str):
            raise TypeError(f"an export name is a str, not {type(name).__name__}")
        self._check()
        cached = self._cache.get(name)
        if cached is not None:
            return cached if type(cached).__name__ == kind.__name__ else None
        ty = self._export_types.get(name)
        if ty is None:
            return None
        item = self.export_extern(name)
        if item is None:
            return None
        # Each kind's module is imported when an export of that kind is first looked up.
        obj: object
        if isinstance(ty, FunctionType) and kind.__name__ == "Function":
            from .function import Function

            if kind is not Function:
                return None
            obj = Function(self._store, item.of.func, ty, name, self)
            if self.call_timeout is not None:
                obj.call = timed_caller(self._store, obj.call, self.call_timeout)
            if self._store.output_errors is not None:  # a Python writer's exception comes out of the call
                from .wasi_bridge import surfacing_caller

                obj.call = surfacing_caller(self._store, obj.call)
        elif isinstance(ty, MemoryType) and kind.__name__ == "Memory":
            from .memory import Memory

            if kind is not Memory:
                return None
            obj = Memory(self._store, item, ty, self)
        elif isinstance(ty, GlobalType) and kind.__name__ == "Global":
            from .global_ import Global

            if kind is not Global:
                return None
            obj = Global(self._store, item.of.global_, ty, self)
        elif isinstance(ty, TableType) and kind.__name__ == "Table":
            from .table import Table

            if kind is not Table:
                return None
            obj = Table(self._store, item.of.table, ty, self)
        else:
            return None
        self._cache[name] = obj
        return obj

    def exported_function(self, name: str) -> Function | None:
        """The exported function ``name``, or None if there is no such function export."""
        from .function import Function

        return self._export(name, Function)  # type: ignore[return-value]

    def exported_memory(self, name: str) -> Memory | None:
        """The exported memory ``name``, or None."""
        from .memory import Memory

        return self._export(name, Memory)  # type: ignore[return-value]

    def exported_global(self, name: str) -> Global | None:
        """The exported global ``name``, or None."""
        from .global_ import Global

        return self._export(name, Global)  # type: ignore[return-value]

    def exported_table(self, name: str) -> Table | None:
        """The exported table ``name``, or None."""
        from .table import Table

        return self._export(name, Table)  # type: ignore[return-value]

    @property
    def fuel(self) -> int:
        """The fuel left to the instance (shared with the modules of its store); needs
        ``RuntimeConfig.with_fuel_metering()``."""
        self._check()
        with self._store.lock:
            self._store.check()
            return store_fuel(self._store)

    def set_fuel(self, fuel: int) -> None:
        """Set the fuel left to the instance, for example to refill it after
        ``TrapCode.OUT_OF_FUEL``."""
        if isinstance(fuel, bool) or not isinstance(fuel, int) or not 0 <= fuel < 1 << 64:
            raise ConfigError(f"fuel must be an int in [0, 2**64), not {fuel!r}")
        self._check()
        with self._store.lock:
            self._store.check()
            set_store_fuel(self._store, fuel)

    def close(self) -> None:
        """Close the module; its store is freed when no other module uses it. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._runtime.release_name(self._name, self)
        self._cache.clear()
        self._store.release()

    def __repr__(self) -> str:
        return f"<Module {self._name or ''}{' closed' if self._closed else ''}>".replace(" >", ">")


WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")


def _choose_store(runtime: Runtime, compiled: CompiledModule, name: str | None) -> Store:
    """The runtime's link store for a named module or one that imports store items from
    named modules; otherwise a store of the instance's own.

    Instances that import from each other must share a store (a wasmtime rule), so every
    module that can be linked to (it has a name) or links to one lives in the runtime's
    link store. Host functions fit any store and do not pin a module there.
    """
    stores: dict[int, Store] = {}
    for imp in compiled.imports:
        owner = runtime.named_module(imp.module)
        found = owner.store_for(imp.name) if owner is not None else None
        if found is not None:
            stores[id(found)] = found
    if len(stores) > 1:
        raise LinkError("this module imports from modules that live in different stores: instantiate the "
                        "modules that link together under names (ModuleConfig().with_name(...)), so that "
                        "they share the runtime's link store")
    if stores:
        # A module registered under a name after an unnamed instantiation keeps its own
        # store: its importers join that store.
        return next(iter(stores.values()))
    if name is not None:
        return runtime.link_store()
    return runtime.new_store()


def _describe(t: object) -> str:
    return str(t)


_REF_VALUE_TYPES = (ValueType.FUNCREF, ValueType.EXTERNREF, ValueType.ANYREF, ValueType.EXNREF)


def _check_import_type(imp: ImportType, provided: ExternType) -> None:
    wanted = imp.type
    where = f"import {imp.module}.{imp.name}"
    if type(wanted) is not type(provided):
        raise LinkError(f"{where} expects {_describe(wanted)} but {imp.module!r} exports "
                        f"{_describe(provided)}")
    if isinstance(wanted, FunctionType) and isinstance(provided, FunctionType) and wanted != provided:
        # With references, a different signature may still be a subtype (a result of
        # (ref null $t) fits funcref): wasmtime decides. Numbers and vectors must be equal.
        signatures = (*wanted.params, *wanted.results, *provided.params, *provided.results)
        if not any(isinstance(t, RefType) or t in _REF_VALUE_TYPES for t in signatures):
            raise LinkError(f"{where} expects {_describe(wanted)} but {imp.module!r} exports "
                            f"{_describe(provided)}")
    if isinstance(wanted, GlobalType) and isinstance(provided, GlobalType) and wanted.mutable != provided.mutable:
        raise LinkError(f"{where} expects {_describe(wanted)} but {imp.module!r} exports "
                        f"{_describe(provided)}")


def _resolve_imports(runtime: Runtime, compiled: CompiledModule, store: Store,
                     wasi: object | None) -> list[_extern.wasmtime_extern_t]:
    """Each import as an item of ``store``, in order, or a LinkError naming the import."""
    items: list[_extern.wasmtime_extern_t] = []
    for imp in compiled.imports:
        owner = runtime.named_module(imp.module)
        if owner is not None:
            provided = owner.export_types().get(imp.name)
            if provided is None:
                raise LinkError(f"import {imp.module}.{imp.name} {_describe(imp.type)}: module "
                                f"{imp.module!r} has no export named {imp.name!r}")
            _check_import_type(imp, provided)
            item = owner.provide(store, imp.name)
            if item is None:  # pragma: no cover - export_types and provide agree
                raise LinkError(f"import {imp.module}.{imp.name}: not available")
            items.append(item)
        elif imp.module in WASI_MODULES:
            if wasi is None:
                raise LinkError(
                    f"this module imports WASI ({imp.module}.{imp.name}) but was instantiated without "
                    "WASI: use Runtime.instantiate_with_wasi(compiled), with "
                    "RuntimeConfig().with_wasi(wt_wasi.WASIConfig()) to configure it")
            runtime.ensure_wasi_defined()
            item = _extern.wasmtime_extern_t()
            mod, name = imp.module.encode(), imp.name.encode("utf-8")
            if not _linker.wasmtime_linker_get(runtime.linker_ptr(), store.context, mod, len(mod), name,
                                               len(name), ctypes.byref(item)):
                why = ("wasmtime 50 implements WASI preview 1 (wasi_snapshot_preview1) only, not the older "
                       "wasi_unstable: rebuild the module with a current WASI SDK" if imp.module == "wasi_unstable"
                       else "wasmtime's WASI preview 1 does not define it")
                raise LinkError(f"unknown WASI import {imp.module}.{imp.name} {_describe(imp.type)}: {why}")
            items.append(item)
        else:
            raise LinkError(
                f"import {imp.module}.{imp.name} {_describe(imp.type)}: no module named {imp.module!r} is "
                f"instantiated in this runtime; instantiate one under that name first "
                f"(ModuleConfig().with_name({imp.module!r}) or new_host_module_builder({imp.module!r}))")
    return items


_raw_instance_new: Callable[..., int | None] | None = None


def _instance_new() -> Callable[..., int | None]:
    global _raw_instance_new
    if _raw_instance_new is None:
        _raw_instance_new = _instance.raw_instance_new()
    return _raw_instance_new


def instantiate(runtime: Runtime, compiled: CompiledModule, config: ModuleConfig, wasi: object | None) -> Module:
    """Instantiate ``compiled`` in ``runtime`` (see :meth:`Runtime.instantiate`)."""
    if not isinstance(compiled, CompiledModule):
        raise TypeError(f"instantiate takes a CompiledModule, not {type(compiled).__name__}")
    if not isinstance(config, ModuleConfig):
        raise TypeError(f"instantiate takes a ModuleConfig, not {type(config).__name__}")
    if compiled._runtime is not runtime:
        raise LinkError("this compiled module belongs to another runtime")
    module_ptr = compiled.ptr
    name = config.name
    if name is not None and runtime.named_module(name) is not None:
        raise LinkError(f"a module named {name!r} is already instantiated in this runtime; "
                        "close it first or choose another name")
    store = _choose_store(runtime, compiled, name)
    new_store = store.users == 0
    try:
        with store.lock:
            store.check()
            configure_instance_store(store, config, new_store)  # fuel and limits, before wasm runs
            if wasi is not None:
                from .wasi_bridge import configure_wasi

                # The store's first WASI instance sets its context; one joining a store whose
                # context a live instance uses shares it (a store holds one WASI context).
                configure_wasi(store, wasi, config)
            items = _resolve_imports(runtime, compiled, store, wasi) if compiled.imports else []
            imports = (_extern.wasmtime_extern_t * len(items))(*items) if items else None
            instance = _instance.wasmtime_instance_t()
            trap = c_void_p()
            try:
                err = _instance_new()(store.context, module_ptr, imports, ctypes.c_size_t(len(items)),
                                      ctypes.byref(instance), ctypes.byref(trap))
            finally:
                for i, item in enumerate(items):
                    if item.kind == _extern.EXTERN_SHAREDMEMORY and imports is not None:  # made for this call
                        _extern.wasmtime_extern_delete(ctypes.byref(imports[i]))
            if err or trap.value:
                addr = err or None
                failure = take_failure(addr, trap)
                from .host import take_host_exception

                original = take_host_exception(failure.message)
                if original is not None:
                    raise original.with_traceback(original.__traceback__)
                from .refs import take_exception

                exception = take_exception(store)
                if exception is not None:
                    raise WasmException(failure.message, exception, [Frame(f) for f in failure.frames])  # type: ignore[arg-type]
                raise _instantiation_error(failure.message, failure_to_exception(failure), trap=not addr)
            store.users += 1
    except BaseException:
        if new_store:
            store.close()
        if store.output_errors:  # a Python writer of the guest's output raised: that comes first
            from .wasi_bridge import raise_output_error

            raise_output_error(store)
        raise
    module = Module(runtime, store, instance, name, compiled)
    module.call_timeout = config.timeout
    if store.wasi_users is not None:  # the store has a WASI context: this instance may use it
        from .wasi_bridge import wasi_instance_made

        wasi_instance_made(store, module)
    if name is not None:
        try:
            runtime.register_name(name, module)
        except BaseException:
            module.close()
            raise
    return module


def _instantiation_error(message: str, exc: BaseException, trap: bool) -> BaseException:
    if trap:
        return exc
    if "unknown import" in message or "incompatible import type" in message or "expected" in message:
        return LinkError(message)
    if isinstance(exc, InstantiationError):
        return exc
    if type(exc).__name__ in ("Trap", "ExitError"):
        return exc
    return InstantiationError(message)


