"""A wasmtime engine made from a :class:`~wt_api.RuntimeConfig`, and its safe closing.

C calls that take the engine handle (compiling, making stores, linkers and shared
memories, loading artifacts) may run on any thread while another thread closes the
runtime. So the handle is used only between :meth:`Engine.enter` and
:meth:`Engine.leave`, and closing frees it once the last such use has left: closing
never waits, and never frees the handle under a running C call.
"""

from __future__ import annotations

import ctypes
import os

from wt_ffi import config as _config
from wt_ffi import engine as _engine
from wt_ffi.store import raw_stores

from . import _sigint
from ._config import RuntimeConfig
from ._deadlines import EngineClock, engine_clock, watch_store
from ._errors import ClosedError, ConfigError
from ._handle import Owned
from ._limits import set_store_fuel
from ._store import Store, check_thread_stack, fits_for

__all__ = ["Engine", "fingerprint"]

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
# RuntimeConfig fields that do not change the generated code.
_NOT_CODEGEN = frozenset({"wasi", "compilation_cache", "parallel_compilation", "limits", "async_yield_interval",
                          "async_yield_fuel"})


def fingerprint(config: RuntimeConfig) -> str:
    """The engine settings of ``config`` that shape compiled code, as text: two configs
    with the same fingerprint load each other's artifacts."""
    parts: list[str] = []
    for name in config._fields:
        if name in _NOT_CODEGEN:
            continue
        value: object = getattr(config, name)
        if name == "features":
            value = sorted(config.resolved_features().items())
        parts.append(f"{name}={value!r}")
    return "; ".join(parts)


def _check_stack(size: int) -> None:
    """A wasm stack bound beyond the creating thread's own stack would overflow it (a crash)
    before wasmtime's check could trap: refuse it now (every call checks its own thread)."""
    check_thread_stack(size)


# What wasmtime 50 reserves, on 64-bit hosts, for each memory slot of a pool (and the guard
# after it), each async stack by default, and each table element.
_RESERVATION, _GUARD, _ASYNC_STACK, _ELEMENT = 4 << 30, 32 << 20, 2 << 20, 8


def _check_pool_fits(config: RuntimeConfig) -> None:
    """wasmtime sizes a pool's slots and reserves the pools when the engine is made, and it
    aborts the process (a panic in ``wasm_engine_new_with_config``) when a slot cannot hold
    ``max_memory_size`` or a reservation fails: check both first, by reserving (and
    releasing) as much address space as wasmtime will."""
    pooling = config.pooling
    assert pooling is not None
    if pooling.max_memory_size is not None and pooling.max_memory_size > _RESERVATION:
        raise ConfigError(f"PoolingAllocator.max_memory_size={pooling.max_memory_size} is larger than the 4 GiB "
                          "wasmtime reserves for each memory; at most 4 GiB (4294967296)")
    if os.name != "posix":  # pragma: no cover - 64-bit Windows has 128 TiB to reserve from
        return
    import mmap  # (only a pooling runtime checks its reservation)

    def total(value: int | None, default: int) -> int:
        return default if value is None else int(value)

    stack = _ASYNC_STACK if config.max_wasm_stack is None else max(config.max_wasm_stack + (1 << 20), _ASYNC_STACK)
    memories = total(pooling.total_memories, 1000)
    size = (memories * (_RESERVATION + _GUARD) + total(pooling.total_stacks, 1000) * (stack + 4096)
            + total(pooling.total_tables, 1000) * total(pooling.table_elements, 20000) * _ELEMENT + (128 << 20))
    flags = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | getattr(mmap, "MAP_NORESERVE", 0)
    try:
        mmap.mmap(-1, size, flags=flags, prot=0).close()
    except (OSError, OverflowError, ValueError):
        raise ConfigError(
            f"the pooling allocator reserves {size / 2**30:,.1f} GiB of address space when the runtime starts "
            f"(mostly {memories} memory slots of 4 GiB), more than this process can reserve (a `ulimit -v`, "
            "or an aarch64 kernel with 39-bit addresses); lower PoolingAllocator(total_memories=...)") from None


def _set_pooling(cfg: ctypes._Pointer[_config.wasm_config_t], config: RuntimeConfig) -> None:
    assert config.pooling is not None
    pool = _config.wasmtime_pooling_allocation_config_new()
    try:
        for name, value in config.pooling.settings().items():
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
    if config.pooling is not None:
        _check_pool_fits(config)
    cfg = _config.wasm_config_new()
    try:
        _config.wasmtime_config_debug_info_set(cfg, config.debug_info)
        _config.wasmtime_config_cranelift_opt_level_set(cfg, _OPT_LEVELS[config.opt_level])
        # wasmtime compiles on a thread pool of its own, which a forked child lacks (a
        # compile would wait for it forever): a runtime made after a fork compiles inline.
        _config.wasmtime_config_parallel_compilation_set(cfg, config.parallel_compilation and not _forked[0])
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
            _set_pooling(cfg, config)
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
    except BaseException:
        _config.wasm_config_delete(cfg)
        raise
    engine = _engine.wasm_engine_new_with_config(cfg)  # consumes cfg
    if not engine:
        raise ConfigError("wasmtime refused this configuration")
    return engine


_forked = [False]
DEFAULT_MAX_WASM_STACK = 512 << 10
"""wasmtime's default ``max_wasm_stack``."""


class Engine:
    """A ``wasm_engine_t`` and what every user of it shares: the config, the epoch clock,
    and the count of C calls using the handle (see the module docstring).

    Thread-safety: every method may be called from any thread."""

    def __init__(self, config: RuntimeConfig) -> None:
        self.config = config
        self.fingerprint = fingerprint(config)
        self._pid = os.getpid()
        self._handle = Owned(_new_engine(config), self._delete, "runtime")
        self.clock: EngineClock | None = engine_clock(self._handle.get()) if config.epoch_interruption else None
        limits = config.limits
        # Every store's limiter arguments, made once (a store costs less: instantiation's hot path):
        # as argument objects (``from_param``), which ctypes passes as they are, where it would
        # make one per call from a c_int64 (~120 ns a store).
        self._limiter = (None if limits is None or limits.unlimited
                         else tuple(ctypes.c_int64.from_param(v) for v in limits._limiter_args()))
        self._stack = config.max_wasm_stack or DEFAULT_MAX_WASM_STACK
        self._fits = fits_for(self._stack)
        self._raw_stores = raw_stores()
        self._token = object()  # (this engine's place among the open runtimes: see close)
        _sigint.runtime_opened(self._token)

    def _delete(self, ptr: ctypes._Pointer[_engine.wasm_engine_t]) -> None:
        if self._pid == os.getpid():  # a forked child leaves the parent's engine alone
            _engine.wasm_engine_delete(ptr)

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._handle.closed

    def enter(self) -> ctypes._Pointer[_engine.wasm_engine_t]:
        """The live engine handle, for one C call; pair with :meth:`leave`. Raises
        ClosedError once closed, and in the child of a fork (see :meth:`check_process`)."""
        self.check_process()
        try:
            return self._handle.enter()
        except ClosedError:
            raise ClosedError("this runtime is closed") from None

    def leave(self) -> None:
        """One use of the handle is over; the last one after :meth:`close` frees it."""
        self._handle.leave()

    def check_process(self) -> None:
        """Raise if this engine was made by the parent of a fork: wasmtime's threads and
        locks did not survive into this process."""
        if _forked[0] and self._pid != os.getpid():  # (getpid is a system call: only after a fork)
            raise ClosedError("this runtime was made before os.fork(), in the parent process; make a new "
                              "wt.Runtime in the child (wasmtime's threads do not survive a fork)")

    def new_store(self) -> Store:
        """A new store, ready to run wasm: the runtime's default limits, the deadline
        callback (epoch interruption) and unlimited fuel (fuel metering) as configured."""
        if _forked[0]:
            self.check_process()
        ptr = self._handle.enter()  # (given back below: a runtime closed meanwhile is freed after)
        try:
            store = Store(ptr, self._stack, self._limiter, self._fits, self._raw_stores)
            store.runtime_config = self.config
            if self.clock is not None:
                watch_store(store, self.clock)
            if self.config.fuel_metering:
                set_store_fuel(store, (1 << 64) - 1)
        finally:
            self._handle.leave()
        return store

    def close(self) -> None:
        """Close: later uses raise ClosedError; the handle is freed now, or when the C calls
        using it have returned. Idempotent, from any number of threads at once (the
        runtime's close takes no lock)."""
        # Each step is idempotent, so a close cut short (a signal handler's exception)
        # finishes when run again, and closes at once do no harm.
        self._handle.close()
        if self.clock is not None:
            self.clock.close()
        _sigint.runtime_closed(self._token)


def _after_fork_in_child() -> None:
    _forked[0] = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
