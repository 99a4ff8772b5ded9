"""The Runtime: an engine, the modules it compiles and the instances it makes."""

from __future__ import annotations

import ctypes
import os
import threading
import weakref

from wt_ffi import config as _config
from wt_ffi import engine as _engine
from wt_ffi import linker as _linker
from wt_ffi import load as _load

from ._handle import Closeable, Owned
from .config import ModuleConfig, RuntimeConfig
from .errors import ConfigError, LinkError
from .interrupt import attach_runtime, detach_runtime, watch_store
from .limits import PoolingAllocator, set_store_fuel
from .module import compile_module as _compile_module
from .module import instantiate as _instantiate
from .store import Store

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .host import HostModule, HostModuleBuilder
    from .module import CompiledModule, Module

__all__ = ["Runtime"]

_OPT_LEVELS = {"none": _config.OPT_LEVEL_NONE, "speed": _config.OPT_LEVEL_SPEED,
               "speed_and_size": _config.OPT_LEVEL_SPEED_AND_SIZE}
# wt's feature names -> the C switch (None: always on in wasmtime 50, no switch).
_FEATURE_SWITCHES: dict[str, str | None] = {
    "bulk_memory": "wasmtime_config_wasm_bulk_memory_set",
    "multi_value": "wasmtime_config_wasm_multi_value_set",
    "reference_types": "wasmtime_config_wasm_reference_types_set",
    "simd": "wasmtime_config_wasm_simd_set",
    "relaxed_simd": "wasmtime_config_wasm_relaxed_simd_set",
    "tail_call": "wasmtime_config_wasm_tail_call_set",
    "function_references": "wasmtime_config_wasm_function_references_set",
    "gc": "wasmtime_config_wasm_gc_set",
    "exceptions": "wasmtime_config_wasm_exceptions_set",
    "memory64": "wasmtime_config_wasm_memory64_set",
    "multi_memory": "wasmtime_config_wasm_multi_memory_set",
    "threads": "wasmtime_config_wasm_threads_set",
    "extended_const": None,
    "wide_arithmetic": "wasmtime_config_wasm_wide_arithmetic_set",
    "custom_page_sizes": "wasmtime_config_wasm_custom_page_sizes_set",
    "stack_switching": "wasmtime_config_wasm_stack_switching_set",
    "branch_hinting": "wasmtime_config_wasm_branch_hinting_set",
    "compact_imports": "wasmtime_config_wasm_compact_imports_set",
}


def _check_stack(size: int) -> None:
    """wasm runs on the calling thread's stack: a wasm stack bound beyond that stack would
    overflow it (SIGSEGV) before wasmtime's own check could trap."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft = resource.getrlimit(resource.RLIMIT_STACK)[0]
    room = [r for r in (soft, threading.stack_size()) if r and r != resource.RLIM_INFINITY]
    if room and size > min(room) - (1 << 20):
        raise ConfigError(f"max_wasm_stack={size} does not fit the threads' stacks ({min(room)} bytes, "
                          "less 1 MiB for the host): wasm runs on the calling thread's stack; raise "
                          "`ulimit -s` or threading.stack_size(), or choose a smaller max_wasm_stack")


def _set_pooling(cfg: ctypes._Pointer[_config.wasm_config_t], pooling: PoolingAllocator) -> None:
    pool = _config.wasmtime_pooling_allocation_config_new()
    try:
        for name, value in pooling.settings().items():
            getattr(_config, f"wasmtime_pooling_allocation_config_{name}_set")(pool, value)
        _config.wasmtime_pooling_allocation_strategy_set(cfg, pool)
    finally:
        _config.wasmtime_pooling_allocation_config_delete(pool)


def _new_engine(config: RuntimeConfig) -> ctypes._Pointer[_engine.wasm_engine_t]:
    features = config.resolved_features()
    for name, enabled in features.items():
        if _FEATURE_SWITCHES[name] is None and not enabled:
            raise ConfigError(f"wasmtime 50 cannot switch the WebAssembly feature {name!r} off")
    if config.max_wasm_stack is not None:
        _check_stack(config.max_wasm_stack)
    cfg = _config.wasm_config_new()
    try:
        _config.wasmtime_config_debug_info_set(cfg, config.debug_info)
        _config.wasmtime_config_cranelift_opt_level_set(cfg, _OPT_LEVELS[config.opt_level])
        _config.wasmtime_config_parallel_compilation_set(cfg, config.parallel_compilation)
        # Zero-copy memory views stay valid only if a memory never moves.
        _config.wasmtime_config_memory_may_move_set(cfg, False)
        if config.max_wasm_stack is not None:
            _config.wasmtime_config_max_wasm_stack_set(cfg, config.max_wasm_stack)
            # wasmtime panics (aborting the process) when the wasm stack may exceed the
            # async stack size (2 MiB by default): grow that with it.
            _config.wasmtime_config_async_stack_size_set(cfg, max(config.max_wasm_stack + (1 << 20), 2 << 20))
        _config.wasmtime_config_epoch_interruption_set(cfg, config.epoch_interruption)
        _config.wasmtime_config_consume_fuel_set(cfg, config.fuel_metering)
        if config.pooling is not None:
            _set_pooling(cfg, config.pooling)
        if features.get("reference_types") is False or features.get("gc") is False:
            # wasmtime panics (aborting the process) when reference types go off while
            # the component model's async features are on: switch those off first.
            _config.wasmtime_config_wasm_component_model_async_set(cfg, False)
            _config.wasmtime_config_wasm_component_model_more_async_builtins_set(cfg, False)
            _config.wasmtime_config_wasm_component_model_async_stackful_set(cfg, False)
        if features.get("threads", True):
            # threads is on by default, but a module defining a shared memory fails to
            # instantiate unless the engine may also make shared memories.
            _config.wasmtime_config_shared_memory_set(cfg, True)
        for name, enabled in features.items():
            switch = _FEATURE_SWITCHES[name]
            if switch is not None:
                getattr(_config, switch)(cfg, enabled)
        for hook_name, hook in config.extras:
            hook(cfg)  # type: ignore[operator]
    except BaseException:
        _config.wasm_config_delete(cfg)
        raise
    engine = _engine.wasm_engine_new_with_config(cfg)  # consumes cfg
    if not engine:
        raise ConfigError("wasmtime refused this configuration")
    return engine


_DEFAULT_MODULE_CONFIG = ModuleConfig()


class Runtime(Closeable):
    """Compiles and instantiates WebAssembly modules.

    A Runtime owns an engine (compiled-code settings) and everything made from it:
    closing it closes every module it compiled or instantiated. Use it as a context
    manager, or call :meth:`close`.

    Thread-safety: compiling is safe from any thread; each instance has its own store
    and lock, so calls on separate instances run in parallel (the GIL is released
    while wasm runs) and calls on one instance are serialised.
    """

    def __init__(self, config: RuntimeConfig | None = None) -> None:
        if config is not None and not isinstance(config, RuntimeConfig):
            raise TypeError(f"Runtime takes a RuntimeConfig, not {type(config).__name__}")
        _load()
        self.config = config or RuntimeConfig()
        self._engine = Owned(_new_engine(self.config), _engine.wasm_engine_delete, "runtime")
        self._clock = attach_runtime(self, self._engine.get())
        self._linker = Owned(_linker.wasmtime_linker_new(self._engine.get()), _linker.wasmtime_linker_delete, "runtime")
        _linker.wasmtime_linker_allow_shadowing(self._linker.get(), True)
        self._lock = threading.RLock()
        self._children: weakref.WeakSet[CompiledModule | Module | HostModule] = weakref.WeakSet()
        self._names: dict[str, Module | HostModule] = {}
        self._closed = False
        self._wasi_defined = False
        self._link_store: Store | None = None

    # -- lifecycle --------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Close every module this runtime made, then the runtime. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            children = list(self._children)
        for child in children:
            if type(child).__name__ != "CompiledModule":
                child.close()
        for child in children:
            child.close()
        self._names.clear()
        if self._link_store is not None:
            self._link_store.close()
        self._linker.close()
        detach_runtime(self._clock)
        self._engine.close()

    def __repr__(self) -> str:
        return f"<Runtime{' closed' if self._closed else ''}>"

    # -- compile and instantiate -------------------------------------------------
    def compile_module(self, source: str | bytes | bytearray | memoryview) -> CompiledModule:
        """Compile WAT text (``str``, or bytes not starting with ``\\0asm``) or a wasm binary.

        Raises :class:`~wt_api.CompileError` with wasmtime's message for an invalid or
        malformed module."""
        cache = self.config.compilation_cache
        module = _compile_module(self, source) if cache is None else cache.fetch_or_compile(self, source)
        self._children.add(module)
        return module

    def compile_file(self, path: str | os.PathLike[str]) -> CompiledModule:
        """Compile the module in the file ``path`` (a wasm binary, or WAT text).

        With a compilation cache, a file the cache saw before and that has not changed since
        (same device, inode, size, modification and change times) finds its entry without
        being read. Raises OSError if the file cannot be read, and
        :class:`~wt_api.CompileError` as :meth:`compile_module` does."""
        if isinstance(path, (int, bytes)) or not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"compile_file takes a path (str or os.PathLike), not {type(path).__name__}; "
                            "for wasm bytes or WAT text use compile_module")
        self.engine_ptr()  # raises ClosedError before any reading
        cache = self.config.compilation_cache
        if cache is None:
            with open(path, "rb") as f:
                module = _compile_module(self, f.read())
        else:
            module = cache.fetch_file_or_compile(self, path)
        self._children.add(module)
        return module

    def instantiate(self, compiled: CompiledModule, config: ModuleConfig | None = None) -> Module:
        """Instantiate a compiled module (running its start function) in a new store, or in
        the store of the named modules it imports from."""
        # (module is imported once, above: an import statement here cost ~0.8 us a call)
        module = _instantiate(self, compiled, config or _DEFAULT_MODULE_CONFIG, wasi=None)
        self._children.add(module)
        return module

    def instantiate_with_wasi(self, compiled: CompiledModule, config: ModuleConfig | None = None) -> Module:
        """Instantiate with the runtime's WASI configuration (``RuntimeConfig.with_wasi``),
        overlaid by ``config``'s args, env, stdio and preopens."""
        module = _instantiate(self, compiled, config or _DEFAULT_MODULE_CONFIG, wasi=self.config.wasi or True)
        self._children.add(module)
        return module

    def register(self, name: str, module: Module | HostModule) -> None:
        """Make the exports of an instantiated ``module`` importable under ``name`` too
        (as the spec's ``register`` command does). Closing the module frees every name it
        holds. Modules that import from it join its store (see :class:`ModuleConfig`)."""
        from .errors import ClosedError

        if not isinstance(name, str) or not name:
            raise ConfigError("a module name must be a non-empty str")
        if module.closed:
            raise ClosedError("cannot register a closed module")
        if getattr(module, "_runtime", None) is not self:
            raise LinkError("this module belongs to another runtime")
        self.register_name(name, module)

    # -- for the modules of wt-api ------------------------------------------------
    def engine_ptr(self) -> ctypes._Pointer[_engine.wasm_engine_t]:
        """The live engine handle (raises ClosedError once closed)."""
        return self._engine.get()

    def linker_ptr(self) -> ctypes._Pointer[_linker.wasmtime_linker_t]:
        """The live linker handle."""
        return self._linker.get()

    def ensure_wasi_defined(self) -> None:
        """Define the WASI imports in the runtime's linker (once)."""
        with self._lock:
            if not self._wasi_defined:
                from .wasi_bridge import define_wasi

                define_wasi(self.linker_ptr())
                self._wasi_defined = True

    def new_host_module_builder(self, name: str) -> HostModuleBuilder:
        """Start a host module: Python functions (and globals, memories, tables) that wasm
        modules instantiated later can import from ``name``."""
        from .host import HostModuleBuilder

        if self._closed:
            from .errors import ClosedError

            raise ClosedError("this runtime is closed")
        return HostModuleBuilder(self, name)

    def link_store(self) -> Store:
        """The store shared by every named module, the modules that import from them, and
        host globals, memories and tables (created on first use, closed with the runtime)."""
        with self._lock:
            if self._closed:
                from .errors import ClosedError

                raise ClosedError("this runtime is closed")
            if self._link_store is None:
                self._link_store = self.new_store()
                self._link_store.users += 1  # the runtime's own hold
            return self._link_store

    def new_store(self) -> Store:
        """A new store in the runtime's engine, ready to run wasm: with the deadline callback
        (epoch interruption) and unlimited fuel (fuel metering) when the config asks."""
        store = Store(self.engine_ptr())
        if self._clock is not None:
            watch_store(store, self._clock)
        if self.config.fuel_metering:
            set_store_fuel(store, (1 << 64) - 1)
        return store

    def adopt(self, child: Module | HostModule) -> None:
        """Close ``child`` with this runtime."""
        self._children.add(child)

    def register_name(self, name: str, module: Module | HostModule) -> None:
        """Reserve ``name`` for ``module`` (raises LinkError if taken)."""
        with self._lock:
            if name in self._names:
                raise LinkError(f"a module named {name!r} is already instantiated in this runtime; "
                                "close it first or choose another name")
            self._names[name] = module

    def release_name(self, name: str | None, module: Module | HostModule) -> None:
        """Free every name ``module`` holds (``name`` and those it was registered under)."""
        if not self._names:
            return
        with self._lock:
            for held in [n for n, m in self._names.items() if m is module]:
                del self._names[held]

    def named_module(self, name: str) -> Module | HostModule | None:
        """The live module instantiated under ``name``, if any."""
        return self._names.get(name)


