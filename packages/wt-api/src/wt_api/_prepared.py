"""Prepared instantiation: a compiled module whose imports are resolved once (wasmtime's
``InstancePre``), instantiated many times, each instance in a store of its own."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import c_void_p
from _thread import get_ident

from wt_ffi import instance as _instance
from wt_ffi import linker as _linker

from ._compiled import CompiledCode
from ._config import ModuleConfig
from ._engine import Engine
from ._errors import ClosedError, ExitError, InstantiationError, LinkError
from ._failure import call_failure, error_exception
from ._handle import Closeable, Owned
from ._instance import DEFAULT_MODULE_CONFIG, Module, configure_store
from ._linking import WASI_MODULES, Namespace
from ._store import Scope
from ._wasi_settings import WasiSettings

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi import module as _module

__all__ = ["PreparedModule"]

_raw_instantiate: list[Callable[..., int | None]] = []


class PreparedModule(Closeable):
    """A compiled module made ready to instantiate many times, as a server instantiates a
    plugin per request: its imports are resolved and type-checked once (wasmtime's
    ``InstancePre``), so each :meth:`instantiate` makes a store and an instance and little
    else. Made by :meth:`Runtime.prepare <wt_api.Runtime.prepare>`.

    Every instance gets a store of its own (no name, no shared store), so the module may
    import WASI preview 1 and nothing else: a module importing host functions or other
    modules' exports is instantiated with ``Runtime.instantiate``. With
    ``RuntimeConfig.with_pooling_allocator()`` each instance comes from the runtime's pools
    (cheaper still, bounded in number).

    Closing it (or its runtime) refuses new instances; the instances made keep running.

    Thread-safety: :meth:`instantiate` may be called from any thread at once."""

    def __init__(self, engine: Engine, namespace: Namespace, compiled: CompiledCode, wasi: WasiSettings | None,
                 adopt: Callable[[Module], None]) -> None:
        if not isinstance(compiled, CompiledCode):
            raise TypeError(f"prepare takes a CompiledModule, not {type(compiled).__name__}")
        if compiled._engine is not engine:
            raise LinkError("this compiled module belongs to another runtime")
        for imp in compiled.imports:
            if imp.module not in WASI_MODULES:
                raise LinkError(f"a prepared module may import WASI only, and this one imports {imp.module}.{imp.name} "
                                f"{imp.type}: instantiate it with Runtime.instantiate, which links host modules "
                                "and named modules")
        self.uses_wasi = bool(compiled.imports)
        """Whether the module imports WASI (its instances then get a WASI context each)."""
        self._engine, self._namespace, self._compiled = engine, namespace, compiled
        self._wasi, self._adopt = wasi, adopt
        compiled.export_map  # noqa: B018 - read now, not by every instance
        module_ptr = compiled._enter()
        try:
            self._handle = Owned(_prepare(engine, module_ptr, self.uses_wasi), _instance.wasmtime_instance_pre_delete,
                                 "prepared module")
        finally:
            compiled._handle.leave()

    @property
    def closed(self) -> bool:
        """Whether this prepared module (or its runtime) was closed."""
        return self._handle.closed or self._engine.closed

    def instantiate(self, config: ModuleConfig | None = None) -> Module:
        """A new instance (running its start function) in a store of its own. ``config``
        may give fuel, limits, a timeout and WASI settings (overlaying the runtime's, as
        ``Runtime.instantiate_with_wasi``); not a name."""
        config = DEFAULT_MODULE_CONFIG if config is None else config
        if not isinstance(config, ModuleConfig):
            raise TypeError(f"instantiate takes a ModuleConfig, not {type(config).__name__}")
        if config.name is not None:
            raise LinkError("a prepared module's instances have stores of their own and no name: instantiate a "
                            "module that others import from with Runtime.instantiate")
        try:
            pre = self._handle.enter()
        except ClosedError:
            raise ClosedError("this prepared module is closed") from None
        try:
            store = self._engine.new_store()
            try:
                # No lock: nothing else can reach a store made here until the module is returned
                # (Runtime.instantiate's may be the shared link store, so it takes it).
                if get_ident() not in store.fits:  # (a start function runs wasm on this thread)
                    store.check_thread()
                if config is not DEFAULT_MODULE_CONFIG:  # (which sets nothing: instantiation's hot path)
                    configure_store(self._engine, store, config, True)
                if self.uses_wasi:
                    from ._wasi import configure_wasi  # (WASI loads on first use: RATIONALE, start-up)

                    configure_wasi(store, self._wasi, config)
                instance = _instance.wasmtime_instance_t()
                trap = c_void_p()
                if not _raw_instantiate:
                    _raw_instantiate.append(_instance.raw_instance_pre_instantiate())
                err = _raw_instantiate[0](pre, store.context, ctypes.byref(instance), ctypes.byref(trap))
                if err or trap.value:
                    exc = call_failure(store, err or None, trap.value, plain=InstantiationError)
                    raise exc if exc is not None else ExitError(0)  # exit(0) in a start function: no instance
                store.users += 1
            except BaseException:
                store.close()
                raise
        finally:
            self._handle.leave()
        module = Module(self._namespace, Scope(store, [True]), instance, None, self._compiled)
        module._call_timeout = config.timeout
        if store.wasi_users is not None:
            from ._wasi import wasi_instance_made  # (loaded with WASI: RATIONALE, start-up)

            wasi_instance_made(store, module)
        self._adopt(module)
        return module

    def close(self) -> None:
        """Refuse new instances and free the prepared state (instances keep running). Idempotent."""
        self._handle.close()

    def __repr__(self) -> str:
        return f"<PreparedModule{' closed' if self.closed else ''}{' wasi' if self.uses_wasi else ''}>"


def _prepare(engine: Engine, module_ptr: ctypes._Pointer[_module.wasmtime_module_t], wasi: bool) -> ctypes._Pointer[_instance.wasmtime_instance_pre_t]:
    """An ``InstancePre`` of the module, linked against WASI preview 1 if ``wasi``."""
    ptr = engine.enter()
    try:
        linker = _linker.wasmtime_linker_new(ptr)
    finally:
        engine.leave()
    try:
        if wasi:
            err = _linker.wasmtime_linker_define_wasi(linker)
            if err:
                raise error_exception(err, LinkError, "cannot define WASI")
        pre = _instance.InstancePrePtr()
        err = _linker.wasmtime_linker_instantiate_pre(linker, module_ptr, ctypes.byref(pre))
        if err:
            raise error_exception(err, LinkError, "cannot prepare this module")
        return pre
    finally:
        _linker.wasmtime_linker_delete(linker)
