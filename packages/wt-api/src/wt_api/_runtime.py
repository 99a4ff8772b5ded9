"""The Runtime: an engine, the modules it compiles and the instances it makes; and the public
:class:`CompiledModule`, which names the Runtime it belongs to."""

from __future__ import annotations

import os
import sys
import weakref

from wt_ffi import load as _load

from ._artifacts import Source
from ._compiled import CompiledCode, compile_file, compile_module, load_compiled, load_compiled_file, validate
from ._config import ModuleConfig, RuntimeConfig
from ._engine import Engine
from ._errors import ClosedError, ConfigError, LinkError
from ._handle import Closeable
from ._instance import DEFAULT_MODULE_CONFIG, Module, instantiate

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import ClassVar

    from ._component import CompiledComponent
    from ._component_instance import ComponentInstance
    from ._host import HostModuleBuilder
    from ._host_module import HostModule
    from ._prepared import PreparedModule
from ._linking import Namespace

__all__ = ["CompiledModule", "Runtime"]


class CompiledModule(CompiledCode):
    """A compiled WebAssembly module, ready to instantiate any number of times.

    It pickles (for process pools, Dask, Ray: see the scale-out guide): with its wasm and
    its compiled code, which a process whose engine fits loads instead of compiling again.

    Thread-safety: immutable once compiled; share it across threads freely."""

    _runtime: Runtime | None = None  # set by the Runtime that adopts it

    @property
    def runtime(self) -> Runtime:
        """The :class:`~wt_api.Runtime` this module belongs to: the one that compiled or loaded
        it, or, for a module unpickled in this process, the process-wide runtime made from the
        configuration it was pickled with (``compiled.runtime.instantiate(compiled)``)."""
        if self._runtime is None:
            raise ClosedError("this compiled module was made outside a Runtime")
        return self._runtime

    # Pickling is wt_api._shipping's, a floor above (a module unpickled elsewhere lands in a
    # Runtime): the package wires it in when it is imported (wt_api/__init__.py).
    _reduce: ClassVar[Callable[[CompiledModule, object], tuple[object, ...]]]

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        return CompiledModule._reduce(self, protocol)


class Runtime(Closeable):
    """Compiles and instantiates WebAssembly modules.

    A Runtime owns an engine (compiled-code settings) and everything made from it:
    closing it closes every module it compiled or instantiated. Use it as a context
    manager, or call :meth:`close`. Closing is safe at any time, from any thread or from
    inside a host function: what is in use is freed when its call returns.

    Thread-safety: compiling is safe from any thread; each instance has its own store
    and lock, so calls on separate instances run in parallel (the GIL is released
    while wasm runs) and calls on one instance are serialised.
    """

    def __init__(self, config: RuntimeConfig | None = None) -> None:
        if config is not None and not isinstance(config, RuntimeConfig):
            raise TypeError(f"Runtime takes a RuntimeConfig, not {type(config).__name__}")
        _load()
        self.config = config or RuntimeConfig()
        self._engine = Engine(self.config)
        self._namespace = Namespace(self._engine)
        # What close() closes, held weakly: a weak reference each, which the set's own discard
        # takes out as its child dies (a C call, where a WeakSet runs two Python functions per
        # child: instantiation's hot path).
        self._children: set[weakref.ref[CompiledModule | Module | HostModule | CompiledComponent
                                        | ComponentInstance | PreparedModule]] = set()
        self._closed = False
        self._done = False  # (whether a close ran to its end)

    # -- lifecycle --------------------------------------------------------------
    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def close(self) -> None:
        """Close every module this runtime made, then the runtime. Idempotent: a close cut
        short (a signal handler's exception) finishes when called again."""
        # No lock: the flag first, then the children (see _adopt). Each child leaves the set
        # once closed, so a close beside another (on another thread) closes only what is
        # left, and a close cut short leaves the rest for the next. Every step is idempotent.
        if self._done:
            return
        self._closed = True
        if _inside_close(self):  # (a signal handler's, inside this thread's close: the outer one
            return                 # goes on as the handler returns; nested closes would pile up)
        refs = list(self._children)
        for compiled in (False, True):  # instances first: they hold stores
            for ref in refs:
                if ref not in self._children:  # (closed meanwhile by another close)
                    continue
                child = ref()
                if child is not None:
                    if isinstance(child, CompiledModule) is not compiled:
                        continue
                    child.close()
                self._children.discard(ref)
        self._namespace.close()
        self._engine.close()
        self._done = True

    def __repr__(self) -> str:
        return f"<Runtime{' closed' if self._closed else ''}>"

    def _adopt(self, child: CompiledModule | Module | HostModule | CompiledComponent | ComponentInstance
               | PreparedModule) -> None:
        # No lock: the child is added first and the flag read after, and close sets the flag
        # before it lists the children, so one of the two closes it (both may: closing is
        # idempotent).
        self._children.add(weakref.ref(child, self._children.discard))
        if self._closed:
            child.close()
            raise ClosedError("this runtime is closed")
        if isinstance(child, CompiledModule):
            child._runtime = self

    # -- compile -----------------------------------------------------------------
    def compile_module(self, source: Source) -> CompiledModule:
        """Compile WAT text (``str``, or bytes not starting with ``\\0asm``) or a wasm binary.

        Raises :class:`~wt_api.CompileError` with wasmtime's message for an invalid or
        malformed module."""
        module = compile_module(self._engine, source, CompiledModule)
        self._adopt(module)
        return module

    def compile_file(self, path: str | os.PathLike[str]) -> CompiledModule:
        """Compile the module in the file ``path`` (a wasm binary, or WAT text).

        With a compilation cache, a file the cache saw before and that has not changed since
        (same device, inode, size, modification and change times) finds its entry without
        being read. Raises OSError if the file cannot be read, and
        :class:`~wt_api.CompileError` as :meth:`compile_module` does."""
        module = compile_file(self._engine, path, CompiledModule)
        self._adopt(module)
        return module

    def validate(self, source: Source) -> None:
        """Check that WAT text or a wasm binary is a valid module for this runtime's
        features, without compiling it: returns None, or raises
        :class:`~wt_api.CompileError` with wasmtime's message."""
        validate(self._engine, source)

    def load_compiled(self, data: bytes | bytearray | memoryview) -> CompiledModule:
        """The module :meth:`CompiledModule.serialize` wrote, in a runtime of the same
        configuration, wasmtime version and platform. Raises
        :class:`~wt_api.CompileError` when it was made by another one. Load only what you
        trust: wasmtime runs compiled code as it is."""
        module = load_compiled(self._engine, data, CompiledModule)
        self._adopt(module)
        return module

    def load_compiled_file(self, path: str | os.PathLike[str]) -> CompiledModule:
        """As :meth:`load_compiled`, from a file (``wt compile`` output), which wasmtime maps
        rather than reads: do not change the file while the module is in use."""
        module = load_compiled_file(self._engine, path, CompiledModule)
        self._adopt(module)
        return module

    # -- instantiate -------------------------------------------------------------
    def instantiate(self, compiled: CompiledModule, config: ModuleConfig | None = None) -> Module:
        """Instantiate a compiled module (running its start function) in a new store, or in
        the store of the named modules it imports from."""
        module = instantiate(self._engine, self._namespace, compiled, config or DEFAULT_MODULE_CONFIG,
                             None, with_wasi=False)
        self._adopt(module)
        return module

    def instantiate_with_wasi(self, compiled: CompiledModule, config: ModuleConfig | None = None) -> Module:
        """Instantiate with the runtime's WASI configuration (``RuntimeConfig.with_wasi``),
        overlaid by ``config``'s args, env, stdio and preopens."""
        module = instantiate(self._engine, self._namespace, compiled, config or DEFAULT_MODULE_CONFIG,
                             self.config.wasi, with_wasi=True)
        self._adopt(module)
        return module

    def prepare(self, compiled: CompiledModule) -> PreparedModule:
        """``compiled`` made ready to instantiate many times (wasmtime's ``InstancePre``):
        its imports (WASI's only) are resolved once, and each
        :meth:`PreparedModule.instantiate <wt_api.PreparedModule.instantiate>` makes a store
        and an instance and little else (LinkError for other imports)."""
        from ._prepared import PreparedModule  # (prepared instantiation loads on first use: start-up)

        if self._closed:
            raise ClosedError("this runtime is closed")
        prepared = PreparedModule(self._engine, self._namespace, compiled, self.config.wasi, self._adopt)
        self._adopt(prepared)
        return prepared

    def new_host_module_builder(self, name: str) -> HostModuleBuilder:
        """Start a host module: Python functions (and globals, memories, tables) that wasm
        modules instantiated later can import from ``name``."""
        from ._host import HostModuleBuilder  # (host modules load on first use: RATIONALE, start-up)

        if self._closed:
            raise ClosedError("this runtime is closed")
        return HostModuleBuilder(self._engine, self._namespace, name, self._adopt)  # type: ignore[arg-type]

    def module(self, name: str) -> Module | HostModule | None:
        """The live module instantiated (or registered) under ``name``, or None (as
        wazero's ``Runtime.Module``)."""
        return self._namespace.get(name)  # type: ignore[return-value]

    def register(self, name: str, module: Module | HostModule) -> None:
        """Make the exports of an instantiated ``module`` importable under ``name`` too
        (as the spec's ``register`` command does). Closing the module frees every name it
        holds. Modules that import from it join its store (see :class:`ModuleConfig`)."""
        if not isinstance(name, str) or not name:
            raise ConfigError("a module name must be a non-empty str")
        from ._host_module import HostModule  # (host modules load on first use: RATIONALE, start-up)

        if not isinstance(module, (Module, HostModule)):
            raise TypeError(f"register takes a Module or HostModule, not {type(module).__name__}")
        if module.closed:
            raise ClosedError("cannot register a closed module")
        if module._namespace is not self._namespace:
            raise LinkError("this module belongs to another runtime")
        self._namespace.register(name, module)

    # -- components ----------------------------------------------------------------
    def compile_component(self, source: Source) -> CompiledComponent:
        """Compile a WebAssembly component: a binary, or WAT text (``(component ...)``).
        Through the compilation cache, as modules. Raises :class:`~wt_api.CompileError` for
        an invalid component, or for a core module (use :meth:`compile_module`)."""
        from ._component import compile_component  # (components load on first use: start-up)

        component = compile_component(self._engine, source)
        self._adopt(component)
        return component

    def compile_component_file(self, path: str | os.PathLike[str]) -> CompiledComponent:
        """Compile the component in the file ``path`` (as :meth:`compile_file` for modules)."""
        from ._component import compile_component_file  # (components load on first use: start-up)

        component = compile_component_file(self._engine, path)
        self._adopt(component)
        return component

    def load_compiled_component(self, data: bytes | bytearray | memoryview) -> CompiledComponent:
        """The component :meth:`CompiledComponent.serialize` wrote, in a runtime of the same
        configuration, wasmtime version and platform (CompileError otherwise). Load only what
        you trust: wasmtime runs compiled code as it is."""
        from ._component import load_component  # (components load on first use: start-up)

        component = load_component(self._engine, data)
        self._adopt(component)
        return component

    def load_compiled_component_file(self, path: str | os.PathLike[str]) -> CompiledComponent:
        """As :meth:`load_compiled_component`, from a file, which wasmtime maps rather than reads."""
        from ._component import load_component_file  # (components load on first use: start-up)

        component = load_component_file(self._engine, path)
        self._adopt(component)
        return component

    def instantiate_component(self, compiled: CompiledComponent, config: ModuleConfig | None = None, *,
                              imports: Mapping[str, object] | None = None) -> ComponentInstance:
        """Instantiate a compiled component in a new store. ``imports`` implements what it
        imports in Python: interface name -> an object with a function per WIT function and a
        class per resource (see the components guide). Every import is checked against its
        WIT types now: a missing or mismatched one is a :class:`~wt_api.LinkError`.
        ``config`` gives fuel, limits and a call timeout, as for modules."""
        from ._component_instance import instantiate_component  # (components load on first use: start-up)

        instance = instantiate_component(self._engine, compiled, config or DEFAULT_MODULE_CONFIG, None, False, imports)
        self._adopt(instance)
        return instance

    def instantiate_component_with_wasi(self, compiled: CompiledComponent, config: ModuleConfig | None = None, *,
                                        imports: Mapping[str, object] | None = None) -> ComponentInstance:
        """As :meth:`instantiate_component`, with WASI 0.2 (``wasi:cli``, ``wasi:filesystem``,
        ``wasi:clocks``, ``wasi:random``, ``wasi:io``, ``wasi:sockets``, ``wasi:http``'s types
        and outgoing handler) configured from the runtime's WASI settings
        (``RuntimeConfig.with_wasi``) overlaid by ``config``'s args, env, stdio and preopens,
        as :meth:`instantiate_with_wasi` does for WASI 0.1 modules."""
        from ._component_instance import instantiate_component  # (components load on first use: start-up)

        instance = instantiate_component(self._engine, compiled, config or DEFAULT_MODULE_CONFIG, self.config.wasi,
                                         True, imports)
        self._adopt(instance)
        return instance


def _inside_close(runtime: Runtime) -> bool:
    """Whether the calling thread is already inside ``runtime.close`` (a signal handler
    that closes the runtime interrupted it): read from the stack, so no mark can be left
    behind by a close that a handler's exception cut short."""
    frame = sys._getframe(1).f_back  # (close's caller, or None when C called close: atexit)
    while frame is not None:
        if frame.f_code is _CLOSE and frame.f_locals.get("self") is runtime:
            return True
        frame = frame.f_back
    return False


_CLOSE = Runtime.close.__code__
