"""An instantiated host module: its items, made in C, and offered to importers."""

from __future__ import annotations

import ctypes
from ctypes import c_void_p

from wt_ffi import extern as _extern
from wt_ffi import global_ as _global
from wt_ffi import instance as _instance
from wt_ffi import memory as _memory
from wt_ffi import sharedmemory as _shm
from wt_ffi import table as _table
from wt_ffi import types as _t

from ._compiled import CompiledCode, compile_module
from ._convert_val import to_val
from ._encoder import table64_module
from ._engine import Engine
from ._errors import ClosedError, ConfigError, WasmRuntimeError
from ._externtypes import ExternType, GlobalType, MemoryType, TableType
from ._failure import call_failure, raise_error
from ._global import Global
from ._handle import Closeable, Owned
from ._host_extern import function_extern
from ._host_items import HostFunction, HostGlobal, HostTable
from ._linking import Namespace
from ._memory import Memory
from ._store import Scope, Store
from ._table import Table
from ._values import to_raw_type

__all__ = ["HostModule"]


class HostModule(Closeable):
    """An instantiated host module: wasm modules instantiated later can import its
    exports by name. Its globals, memories and tables live in one store, which the
    modules importing them join; its functions can be imported into any store.

    Thread-safety: as :class:`~wt_api.Module`."""

    def __init__(self, engine: Engine, namespace: Namespace, name: str, items: dict[str, object]) -> None:
        self._engine = engine
        self._namespace = namespace
        self.name = name
        self._functions: dict[str, HostFunction] = {}
        self._store: Store | None = None
        self._alive = [True]
        self._externs: dict[str, tuple[_extern.wasmtime_extern_t, ExternType]] = {}
        # Each shared memory's handle, which other threads clone while instantiating an importer
        # or taking the export: an Owned, so a close frees it only after such a clone.
        self._shared: dict[str, Owned[ctypes._Pointer[_extern.wasmtime_sharedmemory_t]]] = {}
        self._closed = False
        namespace.register(name, self)
        try:
            for export, item in items.items():
                if isinstance(item, HostFunction):
                    self._functions[export] = item
                else:
                    self._define(export, item)
        except BaseException:
            self.close()
            raise

    @property
    def closed(self) -> bool:
        """Whether the module was closed."""
        return self._closed

    def _own_store(self) -> Store:
        if self._store is None:
            self._store = self._namespace.link_store()
            self._store.users += 1
        return self._store

    def _scope(self) -> Scope:
        return Scope(self._own_store(), self._alive)

    def _define(self, name: str, item: object) -> None:
        if isinstance(item, MemoryType) and item.shared:
            self._define_shared_memory(name, item)
            return
        store = self._own_store()
        ctx = store.context
        with store.scope:
            if isinstance(item, MemoryType):
                mt, err = _t.new_memorytype(_t.MemoryType(item.minimum, item.maximum, item.is_64, item.shared, 16))
                if mt is None:
                    raise_error(err, ConfigError, f"invalid memory {name!r}")
                    raise ConfigError(f"invalid memory {name!r}")
                mem = _extern.wasmtime_memory_t()
                try:
                    err = _memory.wasmtime_memory_new(ctx, mt, ctypes.byref(mem))
                finally:
                    _t.wasm_memorytype_delete(mt)
                raise_error(err, WasmRuntimeError, f"cannot make memory {name!r}")
                self._externs[name] = (_extern.extern_of(mem, _extern.EXTERN_MEMORY), item)
            elif isinstance(item, HostGlobal):
                gtype = item.type
                engine = self._engine.enter()
                try:
                    gt = _t.new_globaltype(engine, _t.GlobalType(to_raw_type(gtype.content), gtype.mutable))
                finally:
                    self._engine.leave()
                val, keep = to_val(store, gtype.content, item.value, f"host global {self.name}.{name}")
                glob = _extern.wasmtime_global_t()
                try:
                    err = _global.wasmtime_global_new(ctx, gt, ctypes.byref(val), ctypes.byref(glob))
                finally:
                    _t.wasm_globaltype_delete(gt)
                del keep
                raise_error(err, WasmRuntimeError, f"cannot make global {name!r}")
                self._externs[name] = (_extern.extern_of(glob, _extern.EXTERN_GLOBAL), gtype)
            elif isinstance(item, HostTable) and item.is_64:
                self._externs[name] = (self._table64(name, item, store), item.type)
            elif isinstance(item, HostTable):
                ttype = item.type
                engine = self._engine.enter()
                try:
                    tt = _t.new_tabletype(engine, _t.TableType(to_raw_type(ttype.element), ttype.minimum, ttype.maximum))
                finally:
                    self._engine.leave()
                val, keep = to_val(store, ttype.element, item.init, f"host table {self.name}.{name}: init")
                table = _extern.wasmtime_table_t()
                try:
                    err = _table.wasmtime_table_new(ctx, tt, ctypes.byref(val), ctypes.byref(table))
                finally:
                    _t.wasm_tabletype_delete(tt)
                del keep
                raise_error(err, WasmRuntimeError, f"cannot make table {name!r}")
                self._externs[name] = (_extern.extern_of(table, _extern.EXTERN_TABLE), ttype)
            else:  # pragma: no cover - the builder only adds the kinds above
                raise ConfigError(f"cannot export {item!r}")

    def _define_shared_memory(self, name: str, item: MemoryType) -> None:
        mt, err = _t.new_memorytype(_t.MemoryType(item.minimum, item.maximum, item.is_64, True, 16))
        if mt is None:
            raise_error(err, ConfigError, f"invalid memory {name!r}")
            raise ConfigError(f"invalid memory {name!r}")
        out = _shm.SharedMemoryPtr()
        ptr = self._engine.enter()
        try:
            err = _shm.wasmtime_sharedmemory_new(ptr, mt, ctypes.byref(out))
        finally:
            self._engine.leave()
            _t.wasm_memorytype_delete(mt)
        raise_error(err, ConfigError, f"cannot make shared memory {name!r} (is the threads feature on?)")
        self._shared[name] = Owned(out, _shm.wasmtime_sharedmemory_delete, "host module")
        self._externs[name] = (_extern.extern_of(out, _extern.EXTERN_SHAREDMEMORY), item)

    def _table64(self, name: str, item: HostTable, store: Store) -> _extern.wasmtime_extern_t:
        """A 64-bit table, made by a one-table wasm module (the C API makes 32-bit ones only)."""
        compiled = compile_module(self._engine, table64_module(item.type), CompiledCode)
        try:
            instance = _instance.wasmtime_instance_t()
            trap = c_void_p()
            err = _instance.wasmtime_instance_new(store.context, compiled._ptr, None, 0, ctypes.byref(instance),
                                                  ctypes.byref(trap))
            if err or trap.value:
                exc = call_failure(store, ctypes.cast(err, c_void_p).value, trap.value)
                raise WasmRuntimeError(f"cannot make table {name!r}: {exc}")
        finally:
            compiled.close()
        out = _extern.wasmtime_extern_t()
        if not _instance.wasmtime_instance_export_get(store.context, ctypes.byref(instance), b"t", 1,
                                                      ctypes.byref(out)):  # pragma: no cover
            raise WasmRuntimeError(f"cannot make table {name!r}")
        if item.init:
            table = Table(store.scope, out.of.table, item.type, self)
            for index in range(item.type.minimum):
                table.set(index, item.init)
        return out

    def _check(self) -> None:
        if self._closed:
            raise ClosedError(f"host module {self.name!r} is closed")

    # -- as a provider of imports (see _linking) ----------------------------------
    def _provided_types(self) -> dict[str, ExternType]:
        """Every export's name and type."""
        self._check()
        out: dict[str, ExternType] = {n: f.type for n, f in self._functions.items()}
        out.update({n: t for n, (_, t) in self._externs.items()})
        return out

    def _store_for(self, name: str) -> Store | None:
        """The store an importer of ``name`` must live in (None for a function or a
        shared memory, which fit any store)."""
        return None if name in self._functions or name in self._shared else self._store

    def _provide(self, store: Store, name: str) -> _extern.wasmtime_extern_t:
        """The export ``name`` as an item of ``store`` (for instantiation)."""
        self._check()
        fn = self._functions.get(name)
        if fn is not None:
            return function_extern(fn, store, self._engine)
        shared = self._shared.get(name)
        if shared is not None:  # a handle for the importer (deleted once it is instantiated)
            return _extern.extern_of(_clone(shared), _extern.EXTERN_SHAREDMEMORY)
        return self._externs[name][0]

    # -- exports ----------------------------------------------------------------------
    def signature(self, name: str) -> str | None:
        """The signature of the exported function ``name`` with its parameter and result
        names (``env.add(a: i32, b: i32) -> (sum: i32)``), or None."""
        fn = self._functions.get(name)
        return None if fn is None else fn.signature()

    def exported_memory(self, name: str) -> Memory | None:
        """The exported memory ``name``, or None."""
        self._check()
        found = self._externs.get(name)
        shared = self._shared.get(name)
        if shared is not None and found is not None:
            handle = _clone(shared)  # owned by the Memory
            return Memory(self._scope(), _extern.extern_of(handle, _extern.EXTERN_SHAREDMEMORY),
                          found[1], self)  # type: ignore[arg-type]
        if found is None or not isinstance(found[1], MemoryType) or self._store is None:
            return None
        return Memory(self._scope(), found[0], found[1], self)

    def exported_global(self, name: str) -> Global | None:
        """The exported global ``name``, or None."""
        self._check()
        found = self._externs.get(name)
        if found is None or not isinstance(found[1], GlobalType) or self._store is None:
            return None
        return Global(self._scope(), found[0].of.global_, found[1], self)

    def exported_table(self, name: str) -> Table | None:
        """The exported table ``name``, or None."""
        self._check()
        found = self._externs.get(name)
        if found is None or not isinstance(found[1], TableType) or self._store is None:
            return None
        return Table(self._scope(), found[0].of.table, found[1], self)

    def close(self) -> None:
        """Free the name and this module's store (once no importer still uses it). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._alive[0] = False
        self._namespace.release(self)
        self._functions.clear()
        self._externs.clear()
        for shared in list(self._shared.values()):
            shared.close()  # (freed now, or as a clone on another thread leaves)
        self._shared.clear()
        if self._store is not None:
            self._store.release()

    def __repr__(self) -> str:
        return f"<HostModule {self.name}{' closed' if self._closed else ''}>"


def _clone(shared: Owned[ctypes._Pointer[_extern.wasmtime_sharedmemory_t]]
           ) -> ctypes._Pointer[_extern.wasmtime_sharedmemory_t]:
    """A new handle to a host module's shared memory (ClosedError once the module is closed)."""
    ptr = shared.enter()
    try:
        return _shm.wasmtime_sharedmemory_clone(ptr)
    finally:
        shared.leave()
