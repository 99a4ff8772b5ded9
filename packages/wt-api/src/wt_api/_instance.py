"""Instances: instantiating a compiled module, and the :class:`Module` that results."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import c_void_p

from wt_ffi import extern as _extern
from wt_ffi import instance as _instance

from ._compiled import CompiledCode
from ._config import ModuleConfig
from ._deadlines import clock_of, timed_caller
from ._engine import Engine
from ._errors import ClosedError, ConfigError, ExitError, InstantiationError, LinkError
from ._externtypes import ExternType, FunctionType, GlobalType, MemoryType, TableType
from ._failure import call_failure
from ._function import Function
from ._handle import Closeable
from ._limits import apply_limits, set_store_fuel, store_fuel
from ._linking import Namespace, choose_store, link_problem, resolve_imports
from ._memory import Memory
from ._store import Scope, Store
from ._values import check_u64
from ._wasi_settings import WasiSettings

__all__ = ["DEFAULT_MODULE_CONFIG", "Module", "instantiate", "configure_store"]

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi import module as _module

    from ._global import Global
    from ._table import Table

DEFAULT_MODULE_CONFIG = ModuleConfig()
"""The configuration of an instantiation given none."""

_KINDS = {"function": FunctionType, "memory": MemoryType, "global": GlobalType, "table": TableType}


class Module(Closeable):
    """An instantiated module: its exported functions, memories, globals and tables.

    Closing a module frees its store (and with it every export taken from it) once no
    other module in that store remains; a module closed while one of its calls runs
    (from a host function, or another thread) is freed when that call returns. Use it
    as a context manager or call :meth:`close`.

    Thread-safety: calls into one module are serialised by its store's lock; separate
    modules (separate stores) run in parallel."""

    _call_timeout: float | None = None
    """The timeout applied to each call of an exported function (``ModuleConfig.with_timeout``)."""

    def __init__(self, namespace: Namespace, scope: Scope, instance: _instance.wasmtime_instance_t,
                 name: str | None, compiled: CompiledCode) -> None:
        # (``scope``: the module's own, which its instantiation held)
        self._namespace = namespace
        self._store = scope.store
        self._scope = scope
        self._instance = instance
        self._name = name
        self._export_types = compiled._export_map or compiled.export_map  # (read once per module, not per instance)
        self._call_plans = compiled._call_plans
        self._cache: dict[str, object] = {}
        self._open = [True]  # (close pops it: the first close goes on, a later one finds it empty)

    @property
    def name(self) -> str | None:
        """The name the module was instantiated under, if any."""
        return self._name

    @property
    def closed(self) -> bool:
        """Whether this module (or its runtime) was closed."""
        return not self._open

    @property
    def exports(self) -> dict[str, ExternType]:
        """Every export's name and type."""
        self._check()
        return dict(self._export_types)

    def _check(self) -> None:
        if not self._open:
            raise ClosedError(f"module {self._name or ''} is closed".replace("  ", " "))

    def _export_extern(self, name: str) -> _extern.wasmtime_extern_t | None:
        self._check()
        item = _extern.wasmtime_extern_t()
        data = name.encode("utf-8")
        with self._scope:
            found = _instance.wasmtime_instance_export_get(self._store.context, ctypes.byref(self._instance),
                                                           data, len(data), ctypes.byref(item))
        return item if found else None

    # -- as a provider of imports (see _linking) ----------------------------------
    def _provided_types(self) -> dict[str, ExternType]:
        """Every export's name and type (for linking)."""
        self._check()
        return self._export_types

    def _store_for(self, name: str) -> Store | None:
        """The store an importer of export ``name`` must live in."""
        return self._store

    def _provide(self, store: Store, name: str) -> _extern.wasmtime_extern_t:
        """Export ``name`` for an importer in ``store`` (which must be this module's)."""
        if store is not self._store:
            raise LinkError(f"module {self._name!r} lives in another store")
        item = self._export_extern(name)
        if item is None:  # pragma: no cover - _provided_types and the instance agree
            raise LinkError(f"module {self._name!r} has no export named {name!r}")
        return item

    # -- exports ----------------------------------------------------------------------
    def _export(self, name: str, kind: str) -> object | None:
        if not isinstance(name, str):
            raise TypeError(f"an export name is a str, not {type(name).__name__}")
        self._check()
        ty = self._export_types.get(name)
        if not isinstance(ty, _KINDS[kind]):
            return None
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        item = self._export_extern(name)
        if item is None:
            return None
        obj: object
        if kind == "function":
            function = Function(self._scope, item.of.func, ty, name, self)  # type: ignore[arg-type]
            scope, store, timeout = self._scope, self._store, self._call_timeout
            if timeout is not None:
                function._wrap_call(lambda call: timed_caller(scope, call, timeout))
            if store.output_errors is not None:  # a Python writer's exception comes out of the call
                from ._wasi import surfacing_caller  # (loaded with WASI: RATIONALE, start-up)

                function._wrap_call(lambda call: surfacing_caller(scope, call))
            obj = function
        elif kind == "memory":
            obj = Memory(self._scope, item, ty, self)  # type: ignore[arg-type]
        elif kind == "global":
            from ._global import Global  # (globals and tables load on first use: start-up)

            obj = Global(self._scope, item.of.global_, ty, self)  # type: ignore[arg-type]
        else:
            from ._table import Table  # (globals and tables load on first use: start-up)

            obj = Table(self._scope, item.of.table, ty, self)  # type: ignore[arg-type]
        self._cache[name] = obj
        return obj

    def exported_function(self, name: str) -> Function | None:
        """The exported function ``name``, or None if there is no such function export."""
        return self._export(name, "function")  # type: ignore[return-value]

    def exported_memory(self, name: str) -> Memory | None:
        """The exported memory ``name``, or None."""
        return self._export(name, "memory")  # type: ignore[return-value]

    def exported_global(self, name: str) -> Global | None:
        """The exported global ``name``, or None."""
        return self._export(name, "global")  # type: ignore[return-value]

    def exported_table(self, name: str) -> Table | None:
        """The exported table ``name``, or None."""
        return self._export(name, "table")  # type: ignore[return-value]

    @property
    def fuel(self) -> int:
        """The fuel left to the instance (shared with the modules of its store); needs
        ``RuntimeConfig.with_fuel_metering()``."""
        with self._scope:
            return store_fuel(self._store)

    def set_fuel(self, fuel: int) -> None:
        """Set the fuel left to the instance, for example to refill it after
        ``TrapCode.OUT_OF_FUEL``."""
        try:
            fuel = check_u64("fuel", fuel)
        except (TypeError, ValueError) as exc:
            raise ConfigError(str(exc)) from None
        with self._scope:
            set_store_fuel(self._store, fuel)

    def close(self) -> None:
        """Close the module; its store is freed when no other module uses it. Idempotent."""
        self._scope.alive[0] = False  # (first: exports refuse from now on, and it may be repeated)
        try:  # (no lock: one list pop, which only one close can do)
            self._open.pop()
        except IndexError:
            return
        self._namespace.release(self)
        self._cache.clear()
        self._store.release()

    def __repr__(self) -> str:
        return f"<Module {self._name or ''}{' closed' if not self._open else ''}>".replace(" >", ">")


def configure_store(engine: Engine, store: Store, config: ModuleConfig, new_store: bool) -> None:
    """Apply a ModuleConfig's fuel budget and limits to the store it is instantiated in.

    They belong to one store: a module that joins another's store (a named module in the
    runtime's link store, or an importer of one) cannot bring its own."""
    if config.timeout is not None:
        clock_of(store)  # raises ConfigError without epoch interruption
    if config.fuel is None and config.limits is None:
        return
    if not new_store:
        raise ConfigError("fuel budgets and resource limits apply to an instance with a store of its own; "
                          "this module joins a shared store (it has a name, or imports from a named module)")
    if config.limits is not None:
        apply_limits(store, config.limits)
    if config.fuel is not None:
        set_store_fuel(store, config.fuel)


_raw_instance_new: Callable[..., int | None] | None = None


def _instance_new() -> Callable[..., int | None]:
    global _raw_instance_new
    if _raw_instance_new is None:
        _raw_instance_new = _instance.raw_instance_new()
    return _raw_instance_new


def instantiate(engine: Engine, namespace: Namespace, compiled: CompiledCode, config: ModuleConfig,
                wasi: WasiSettings | None, with_wasi: bool) -> Module:
    """Instantiate ``compiled`` (see :meth:`~wt_api.Runtime.instantiate`)."""
    if not isinstance(compiled, CompiledCode):
        raise TypeError(f"instantiate takes a CompiledModule, not {type(compiled).__name__}")
    if not isinstance(config, ModuleConfig):
        raise TypeError(f"instantiate takes a ModuleConfig, not {type(config).__name__}")
    if compiled._engine is not engine:
        raise LinkError("this compiled module belongs to another runtime")
    module_ptr = compiled._handle.enter()  # (given back below: a close meanwhile frees it after)
    try:
        return _instantiate(engine, namespace, compiled, module_ptr, config, wasi, with_wasi)
    finally:
        compiled._handle.leave()


def _instantiate(engine: Engine, namespace: Namespace, compiled: CompiledCode,
                 module_ptr: ctypes._Pointer[_module.wasmtime_module_t],
                 config: ModuleConfig, wasi: WasiSettings | None, with_wasi: bool) -> Module:
    name = config.name
    if name is not None and namespace.get(name) is not None:
        raise LinkError(f"a module named {name!r} is already instantiated in this runtime; "
                        "close it first or choose another name")
    store = choose_store(namespace, engine, compiled, name)
    new_store = store.users == 0
    scope = Scope(store, [True])  # (the module's own: it holds the store for instantiation too)
    try:
        with scope:  # (checks this thread: a start function runs wasm on it)
            if config is not DEFAULT_MODULE_CONFIG:  # (which sets nothing: instantiation's hot path)
                configure_store(engine, store, config, new_store)  # fuel and limits, before wasm runs
            if with_wasi:
                from ._wasi import configure_wasi  # (WASI loads on first use: RATIONALE, start-up)

                # The store's first WASI instance sets its context; one joining a store whose
                # context a live instance uses shares it (a store holds one WASI context).
                configure_wasi(store, wasi, config)
            items = resolve_imports(namespace, compiled, store, with_wasi) if compiled.imports else []
            imports = (_extern.wasmtime_extern_t * len(items))(*items) if items else None
            instance = _instance.wasmtime_instance_t()
            trap = c_void_p()
            mistyped = False
            try:
                if store.aio is not None and store.aio.async_only:  # type: ignore[attr-defined]
                    from ._async_host import instantiate_driven  # (async host functions only: start-up)

                    err = instantiate_driven(engine, store, compiled, module_ptr, items, instance, trap)
                else:
                    # (the count as an int: ctypes passes it as it is, and widens it to 64 bits)
                    err = (_raw_instance_new or _instance_new())(store.context, module_ptr, imports, len(items),
                                                                ctypes.byref(instance), ctypes.byref(trap))
                if err and not trap.value and items:
                    mistyped = link_problem(engine, store, compiled, module_ptr, items)
            finally:
                for i, item in enumerate(items):
                    if item.kind == _extern.EXTERN_SHAREDMEMORY and imports is not None:  # made for this call
                        _extern.wasmtime_extern_delete(ctypes.byref(imports[i]))
            if err or trap.value:
                exc = call_failure(store, err or None, trap.value, plain=LinkError if mistyped else InstantiationError)
                raise exc if exc is not None else ExitError(0)  # exit(0) in a start function: no instance
            store.users += 1
    except BaseException:
        if new_store:
            store.close()
        raise
    module = Module(namespace, scope, instance, name, compiled)
    module._call_timeout = config.timeout
    if store.wasi_users is not None:  # the store has a WASI context: this instance may use it
        from ._wasi import wasi_instance_made  # (loaded with WASI: RATIONALE, start-up)

        wasi_instance_made(store, module)
    if name is not None:
        try:
            namespace.register(name, module)
        except BaseException:
            module.close()
            raise
    return module
