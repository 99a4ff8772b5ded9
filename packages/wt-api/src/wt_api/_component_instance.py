"""Component instances: instantiating a compiled component (with WASI 0.2 and Python
implementations of its imports), and the :class:`ComponentInstance` that results."""

from __future__ import annotations

import ctypes
import threading

from wt_ffi.component import component as _c
from wt_ffi.component import func as _f
from wt_ffi.component import instance as _i
from wt_ffi.component import linker as _l
from wt_ffi.component import val as _v

from ._component import CompiledComponent
from ._component_func import ComponentFunction, component_failure
from ._component_linker import new_linker
from ._component_plan import Plan, plan_imports
from ._component_resources import ComponentResource, ResourceEnv
from ._component_types import ComponentFunctionType, ComponentInterfaceType
from ._config import ModuleConfig
from ._deadlines import timed_caller
from ._engine import Engine
from ._errors import ClosedError, ConfigError, ExitError, InstantiationError, LinkError, WasmRuntimeError
from ._failure import error_exception
from ._handle import Closeable, Owned
from ._store import Scope, Store
from ._wasi_settings import WasiSettings

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from ._component_exports import ComponentExports, ExportSource

__all__ = ["ComponentInstance", "instantiate_component"]

_DROP_IN_CALL = ("cannot drop a resource while its component instance is in a call (nothing that runs during "
                 "the call, a host function, a destructor, a signal handler, may drop one: drop it after the call)")


class ComponentInstance(Closeable):
    """An instantiated component: its exported functions, with Python values.

    ``exports`` presents them as attributes (``inst.exports.values.echo_s32(5)``; see
    :class:`~wt_api.ComponentExports`); :meth:`function` finds one by its WIT name. Closing
    the instance frees its store, and with it every resource it holds. Use it as a context
    manager or call :meth:`close`.

    Thread-safety: calls into one instance are serialised by its store's lock; separate
    instances run in parallel."""

    _call_timeout: float | None = None
    """The timeout applied to each call (``ModuleConfig.with_timeout``)."""

    def __init__(self, compiled: CompiledComponent, store: Store, instance: _i.wasmtime_component_instance_t,
                 env: ResourceEnv, keep: list[object]) -> None:
        self._compiled = compiled
        self._store = store
        self._scope = Scope(store, [True])
        self._instance = instance
        self._env = env
        self._keep = keep
        self._functions: dict[tuple[str | None, str], ComponentFunction] = {}
        self._exports: ComponentExports | None = None
        self._closed = False
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        """Whether this instance (or its runtime) was closed."""
        return self._closed

    @property
    def types(self) -> dict[str, Any]:
        """What the component exports, by name (as :attr:`CompiledComponent.exports`)."""
        return self._compiled.exports

    @property
    def exports(self) -> ComponentExports:
        """The exports as attributes: functions (``echo_s32``), interfaces (``values``) and
        their resource and type classes (``objects.Counter``, ``values.Point``)."""
        self._check()
        if self._exports is None:
            from ._component_exports import ComponentExports  # (the typed namespace: loaded on first use)

            self._exports = ComponentExports(_source(self))
        return self._exports

    def _check(self) -> None:
        if self._closed:
            raise ClosedError("this component instance is closed")

    def _resolve(self, name: str, member: str | None) -> tuple[str | None, str, ComponentFunctionType] | None:
        """(interface, function, type) for an export, by exact or version-free interface name."""
        exports = self._compiled._types(1)
        if member is None and "#" in name:
            name, member = name.split("#", 1)
        if member is None:
            item = exports.get(name)
            return (None, name, item) if isinstance(item, ComponentFunctionType) else None
        iface = exports.get(name)
        if not isinstance(iface, ComponentInterfaceType):
            bare = name.split("@", 1)[0]
            found = [n for n, i in exports.items() if isinstance(i, ComponentInterfaceType) and n.split("@", 1)[0] == bare]
            if len(found) != 1:
                return None
            name, iface = found[0], exports[found[0]]
        assert isinstance(iface, ComponentInterfaceType)
        ftype = iface.function(member)
        return None if ftype is None else (name, member, ftype)

    def function(self, name: str, member: str | None = None) -> ComponentFunction | None:
        """The exported function ``name`` (top level), ``"interface#function"`` or
        ``(interface, function)`` (``"wasi:cli/run@0.2.0#run"``, ``("wt:kitchen/values@0.1.0",
        "echo-s32")``); an interface's version may differ by semver or be left out. None if
        there is no such function."""
        if not isinstance(name, str) or (member is not None and not isinstance(member, str)):
            raise TypeError("an export name is a str")
        self._check()
        found = self._resolve(name, member)
        if found is None:
            return None
        iface, fname, ftype = found
        key = (iface, fname)
        cached = self._functions.get(key)
        if cached is not None:
            return cached
        func = self._get_func(iface, fname)
        shown = fname if iface is None else f"{iface}#{fname}"
        function = ComponentFunction(self._scope, self._env, func, shown, ftype, self)
        if self._call_timeout is not None:
            scope, timeout = self._scope, self._call_timeout
            function._wrap(lambda call: timed_caller(scope, call, timeout))
        if self._store.output_errors is not None:
            from ._wasi import surfacing_caller  # (loaded with WASI: RATIONALE, start-up)

            scope = self._scope
            function._wrap(lambda call: surfacing_caller(scope, call))
        with self._lock:
            return self._functions.setdefault(key, function)

    def _get_func(self, iface: str | None, fname: str) -> _f.wasmtime_component_func_t:
        """The function export ``fname`` (of ``iface``), looked up in the instance itself (so
        that it outlives its compiled component)."""
        func = _f.wasmtime_component_func_t()
        with self._scope:
            context, inst = self._store.context, ctypes.byref(self._instance)
            parent = None
            if iface is not None:
                data = iface.encode()
                parent = _i.wasmtime_component_instance_get_export_index(inst, context, None, data, len(data))
                if not parent:
                    raise LinkError(f"the component instance has no export {iface!r}")
            try:
                data = fname.encode()
                index = _i.wasmtime_component_instance_get_export_index(inst, context, parent, data, len(data))
            finally:
                if parent:
                    _c.wasmtime_component_export_index_delete(parent)
            if not index:
                raise LinkError(f"the component has no export {fname!r}" + (f" in {iface}" if iface else ""))
            try:
                if not _i.wasmtime_component_instance_get_func(inst, context, index, ctypes.byref(func)):
                    raise LinkError(f"the export {fname!r} is not a function")
            finally:
                _c.wasmtime_component_export_index_delete(index)
        return func

    def drop_resource(self, handle: ComponentResource) -> None:
        """Drop a guest resource (see :meth:`ComponentResource.drop`)."""
        env = self._env
        if self._closed or not self._store.alive[0]:
            # Closed, but a call may still be running in the store (closing defers the free):
            # its arguments may point at this handle's box, so the box waits for that call.
            store = self._store
            if threading.get_ident() not in store.fits:
                store.check_thread()  # (a guest's output writer raises here rather than wait)
            with store.lock:
                if env.busy:
                    raise WasmRuntimeError(_DROP_IN_CALL)
                handle._state = "dropped with its closed instance"
                handle._free_box()
            return
        with self._scope:
            if handle._state:
                return
            if env.busy:
                raise WasmRuntimeError(_DROP_IN_CALL)
            if env.failed is not None:
                handle._state = "dropped with its unusable instance"
                handle._free_box()
                return
            env.busy = True
            try:
                err = _v.wasmtime_component_resource_any_drop(self._store.context,
                                                              ctypes.cast(handle._box, _v.ResourceAnyPtr))
            finally:
                env.busy = False
            handle._state = "dropped"
            handle._free_box()
            if err:
                exc = component_failure(self._scope, env, ctypes.cast(err, ctypes.c_void_p).value or 0,
                                        f"dropping a {handle._rtype.name}")
                if exc is not None:
                    raise exc

    def close(self) -> None:
        """Close the instance and free its store. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._scope.alive[0] = False
        self._functions.clear()
        self._exports = None
        self._store.release()

    def __repr__(self) -> str:
        return f"<ComponentInstance{' closed' if self._closed else ''}>"


def _handle_class(instance: ComponentInstance, rtype: Any) -> type[ComponentResource]:
    from ._component_exports import handle_class_for  # (the typed classes: loaded on first use)

    return handle_class_for(_source(instance), rtype)


def _source(instance: ComponentInstance) -> ExportSource:
    from ._component_exports import ExportSource  # (the typed namespace: loaded on first use)

    return ExportSource(instance.function, instance._env, instance._compiled._types(1), instance)


def _plan(compiled: CompiledComponent, imports: Mapping[str, object] | None, wasi: bool) -> Plan:
    return plan_imports(compiled._types(0), imports, wasi)


def instantiate_component(engine: Engine, compiled: CompiledComponent, config: ModuleConfig,
                          wasi: WasiSettings | None, with_wasi: bool,
                          imports: Mapping[str, object] | None) -> ComponentInstance:
    """Instantiate ``compiled`` in a new store (see :meth:`~wt_api.Runtime.instantiate_component`)."""
    from ._instance import configure_store  # (shared with modules: fuel, limits, timeouts)

    if not isinstance(compiled, CompiledComponent):
        raise TypeError(f"instantiate_component takes a CompiledComponent, not {type(compiled).__name__}")
    if not isinstance(config, ModuleConfig):
        raise TypeError(f"instantiate_component takes a ModuleConfig, not {type(config).__name__}")
    if compiled._engine is not engine:
        raise LinkError("this compiled component belongs to another runtime")
    if config.name is not None:
        raise ConfigError("component instances have no names (ModuleConfig.with_name is for modules)")
    if imports is not None and not hasattr(imports, "items"):
        raise TypeError(f"imports is a mapping of names to implementations, not {type(imports).__name__}")
    plan = _plan(compiled, imports, with_wasi)
    store = engine.new_store()
    env = ResourceEnv(store)
    try:
        with store.scope:  # (checks this thread: instantiating may run wasm on it)
            configure_store(engine, store, config, True)
            if with_wasi:
                from ._wasi import configure_wasi  # (WASI loads on first use: RATIONALE, start-up)

                configure_wasi(store, wasi, config)
                if plan.http:
                    from wt_ffi.store import wasmtime_context_set_wasi_http  # (wasi:http: only its users)

                    wasmtime_context_set_wasi_http(store.context)
            linker, keep = _linker(engine, compiled, plan, env, store)
            instance = _i.wasmtime_component_instance_t()
            component = compiled._enter()
            link = linker.enter()
            env.busy = True
            try:
                err = _l.wasmtime_component_linker_instantiate(link, store.context, component, ctypes.byref(instance))
            finally:
                env.busy = False
                linker.leave()
                compiled._leave()
            if plan.has_host:
                linker.close()  # (the store keeps the functions it instantiated with)
            if err:
                _instantiation_failed(store, env, err)
            store.keep.extend(keep)
            store.users += 1
    except BaseException:
        store.close()
        raise
    result = ComponentInstance(compiled, store, instance, env, keep)
    result._call_timeout = config.timeout
    env.dropper = result.drop_resource
    env.handle_factory = lambda rtype: _handle_class(result, rtype)
    if store.wasi_users is not None:
        from ._wasi import wasi_instance_made  # (loaded with WASI: RATIONALE, start-up)

        wasi_instance_made(store, result)
    return result


def _linker(engine: Engine, compiled: CompiledComponent, plan: Plan, env: ResourceEnv,
            store: Store) -> tuple[Owned[Any], list[object]]:
    """This instantiation's linker: a new one for Python imports, else one shared per component."""
    if not plan.has_host:
        key = ("linker", plan.wasi, plan.http)
        shared = compiled.plans.get(key)
        if shared is None:
            ptr = engine.enter()
            try:
                made, _ = new_linker(ptr, plan, None, None)
            finally:
                engine.leave()
            shared = compiled.plans.setdefault(key, made)
        return shared, []  # type: ignore[return-value]
    ptr = engine.enter()
    try:
        return new_linker(ptr, plan, env, store)
    finally:
        engine.leave()


_LINK_FAILURE = "component imports "  # wasmtime's Linker::instantiate_pre, 50.0.1


def _instantiation_failed(store: Store, env: ResourceEnv, err: Any) -> None:
    address = ctypes.cast(err, ctypes.c_void_p).value or 0
    from wt_ffi import error as _error  # (read on failure only)

    # wasmtime 50's C API gives one error for a failed link and a failed start, with nothing
    # structured to tell them apart; its type check of the imports, which runs before any
    # code, starts every message so (RATIONALE: "How is a component's link failure told...").
    if _error.error_message(ctypes.cast(address, _error.ErrorPtr)).startswith(_LINK_FAILURE):
        raise error_exception(ctypes.cast(address, _error.ErrorPtr), LinkError, "cannot link the component")
    scope = Scope(store, [True])
    exc = component_failure(scope, env, address, "instantiating the component")
    if exc is None:
        raise ExitError(0)
    if type(exc) is WasmRuntimeError:
        raise InstantiationError(str(exc))
    raise exc
