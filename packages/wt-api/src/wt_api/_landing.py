"""Where unpickled modules land: a process-wide runtime per configuration, with the modules
it made lately and a cache that the worker's environment chooses (``WT_CACHE_DIR``, the
sender's cache directory, or memory). Forked children start with none."""

from __future__ import annotations

import ctypes
import os
import threading
from collections import OrderedDict

from wt_ffi import module as _module

from ._cache import CompilationCache
from ._config import RuntimeConfig
from ._errors import ConfigError
from ._runtime import CompiledModule, Runtime

__all__ = ["Landing", "landing", "log"]

_MEMORY_CACHE = 64 << 20  # the bound of a worker's in-memory cache, in bytes
_RECENT = 16  # modules a landing keeps loaded for the next unpickling of the same one


def log(level: int, message: str, *args: object) -> None:
    """Log to ``wt.pickle``."""
    import logging  # (~9 ms at start-up: only a worker with something to report pays it)

    logging.getLogger("wt.pickle").log(level, message, *args)


class Landing:
    """A process-wide runtime for one configuration, and the modules it last made from
    pickles: a module unpickled again is a new handle to the same code, made at once."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.lock = threading.Lock()
        # content digest (or, without wasm, the code's digest) -> (a module that only this
        # holds, whether its code came in a pickle)
        self.recent: OrderedDict[bytes, tuple[CompiledModule, bool]] = OrderedDict()

    def find(self, key: bytes, policy: str, source: bytes | None) -> CompiledModule | None:
        """A new module for the code made lately under ``key`` (None if there is none, or
        if it came in a pickle and ``policy`` refuses such code)."""
        with self.lock:
            found = self.recent.get(key)
            if found is None or found[0].closed or (found[1] and policy != "load"):
                return None
            self.recent.move_to_end(key)
            template = found[0]
        ptr = template._enter()
        try:
            compiled = CompiledModule(self.runtime._engine, _module.wasmtime_module_clone(ptr), source)
        finally:
            template._handle.leave()
        return self._hand_out(template, compiled)

    def keep(self, key: bytes, module: ctypes._Pointer[_module.wasmtime_module_t], shipped: bool,
             source: bytes | None) -> CompiledModule:
        """Remember ``module`` under ``key``; the CompiledModule that holds it."""
        compiled = CompiledModule(self.runtime._engine, module, source)  # owns it from here
        template = CompiledModule(self.runtime._engine, _module.wasmtime_module_clone(module))
        self.runtime._adopt(template)  # closed with the runtime
        with self.lock:
            old = self.recent.pop(key, None)
            self.recent[key] = (template, shipped)
            dropped = [old[0]] if old is not None else []
            while len(self.recent) > _RECENT:
                dropped.append(self.recent.popitem(last=False)[1][0])
        for module_ in dropped:
            module_.close()
        return self._hand_out(template, compiled)

    def _hand_out(self, template: CompiledModule, compiled: CompiledModule) -> CompiledModule:
        # Its import and export types are the template's: read once per module and process,
        # when first needed (a module with thousands of exports takes milliseconds to read them).
        compiled._types_from = template
        self.runtime._adopt(compiled)
        return compiled


class _Shared:
    """The landings of this process, by configuration."""

    lock = threading.Lock()
    landings: dict[tuple[RuntimeConfig, object], Landing] = {}


def _after_fork_in_child() -> None:
    # The parent's runtimes cannot run here (wasmtime's threads are gone): forget them,
    # unclosed (closing would touch the parent's engine), and take a fresh lock.
    _Shared.lock = threading.Lock()
    _Shared.landings = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _cache_place(sent: dict[str, object] | None) -> tuple[str | None, int | None, str]:
    """Where a worker caches unpickled modules: ``$WT_CACHE_DIR/modules`` when that variable
    is set, else the sender's cache directory when it exists here, else memory (None)."""
    if os.environ.get("WT_CACHE_DIR"):
        return str(CompilationCache.default_dir()), None, "WT_CACHE_DIR"
    if sent is not None and os.path.isdir(str(sent["dir"])):
        return str(sent["dir"]), sent["max_size"], "the sender's cache directory"  # type: ignore[return-value]
    return None, _MEMORY_CACHE, "memory"


def _cache_at(directory: str | None, max_size: int | None, why: str) -> CompilationCache:
    if directory is not None:
        try:
            return CompilationCache.with_dir(directory, max_size=max_size)
        except ConfigError as exc:
            log(30, "wt: unpickled modules are not cached in %s (%s): %s", directory, why, exc)
    return CompilationCache(max_size=_MEMORY_CACHE)


def landing(config: RuntimeConfig, cache: dict[str, object] | None = None) -> Landing:
    """The process-wide runtime of ``config`` (without WASI settings or a cache of its own)
    and of this worker's cache for it (``cache``: the sender's cache directory), made on
    first use and again after it was closed."""
    place = _cache_place(cache)
    key = (config, place)
    with _Shared.lock:
        found = _Shared.landings.get(key)
        if found is None or found.runtime.closed:
            runtime = Runtime(config.replace(compilation_cache=_cache_at(*place)))
            found = _Shared.landings[key] = Landing(runtime)
        return found
