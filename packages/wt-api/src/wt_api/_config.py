"""Configuration values: :class:`RuntimeConfig` (the engine) and :class:`ModuleConfig` (one
instantiation). Both are immutable; every ``with_*`` returns a new config. What a WASI
guest sees is :class:`~wt_api.WasiSettings` (``_wasi_settings``)."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping

from wt_ffi.records import Record

from ._errors import ConfigError
from ._limits import DEFAULT_LIMITS, PoolingAllocator, ResourceLimits
from ._wasi_settings import WasiSettings, check_strs, check_writer, checked_preopen

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Literal

    from ._cache import CompilationCache

__all__ = ["RuntimeConfig", "ModuleConfig", "FEATURES", "FEATURE_DOCS", "DEFAULT_FEATURES"]

if TYPE_CHECKING:

    OptLevel = Literal["none", "speed", "speed_and_size"]

    Feature = Literal[
        "bulk_memory", "multi_value", "reference_types", "simd", "relaxed_simd", "tail_call",
        "function_references", "gc", "exceptions", "memory64", "multi_memory", "threads",
        "extended_const", "wide_arithmetic", "custom_page_sizes", "stack_switching", "branch_hinting",
        "compact_imports",
    ]
    """The name of a WebAssembly feature (a standard version or a proposal) that wasmtime
    50.0.1 implements; see :data:`FEATURE_DOCS`."""


FEATURE_DOCS: Mapping[Feature, str] = {
    "bulk_memory": "memory.copy/fill/init, table.copy/init, passive segments (Wasm 2.0)",
    "multi_value": "several results per function and block (Wasm 2.0)",
    "reference_types": "funcref/externref values, several tables, table.get/set/grow (Wasm 2.0)",
    "simd": "the v128 type and 128-bit SIMD instructions (Wasm 2.0)",
    "relaxed_simd": "relaxed SIMD: faster, implementation-defined variants (Wasm 3.0); needs simd",
    "tail_call": "return_call, return_call_indirect, return_call_ref (Wasm 3.0)",
    "function_references": "typed function references, call_ref, br_on_null (Wasm 3.0); needs reference_types",
    "gc": "structs, arrays, i31 and the any/eq hierarchy (Wasm 3.0); needs function_references",
    "exceptions": "tags, throw, throw_ref, try_table and exnref (Wasm 3.0); needs reference_types",
    "memory64": "64-bit memories and tables (Wasm 3.0)",
    "multi_memory": "several memories per module (Wasm 3.0)",
    "threads": "shared memories and atomic instructions (threads proposal)",
    "extended_const": "add, sub and mul in constant expressions (Wasm 3.0); cannot be switched off",
    "wide_arithmetic": "128-bit add, sub and multiply instructions (wide-arithmetic proposal)",
    "custom_page_sizes": "memories with 1-byte pages (custom-page-sizes proposal)",
    "stack_switching": "continuations (stack-switching proposal): refused, the wasmtime 50.0.1 library cannot run them",
    "branch_hinting": "the branch-hinting custom section (branch-hinting proposal)",
    "compact_imports": "the compact import section encoding (compact-imports proposal)",
}
"""What each :data:`Feature` brings, and what it needs."""

FEATURES: tuple[Feature, ...] = tuple(FEATURE_DOCS)
"""Every :data:`Feature`, in a stable order."""

DEFAULT_FEATURES: frozenset[Feature] = frozenset(
    f for f in FEATURES if f not in ("custom_page_sizes", "stack_switching", "branch_hinting", "compact_imports"))
"""The features wasmtime 50.0.1 turns on unless switched off: Wasm 3.0 and wide arithmetic."""

# A feature that needs others: turning it on turns them on, and it cannot be on while one
# of them is explicitly off; switching one of them off switches it off unless it is
# explicitly on (wasmtime aborts the process on some of these combinations).
_REQUIRES: dict[str, tuple[str, ...]] = {
    "function_references": ("reference_types",),
    "gc": ("reference_types", "function_references"),
    "exceptions": ("reference_types",),
    "relaxed_simd": ("simd",),
    "stack_switching": ("function_references", "exceptions"),
}


class RuntimeConfig(Record):
    """How a :class:`~wt_api.Runtime` compiles and runs wasm. Immutable: each ``with_*``
    returns a new config, and nothing happens until a Runtime uses it.

    Thread-safety: a config is a value and may be shared freely."""

    features: tuple[tuple[str, bool], ...] = ()
    debug_info: bool = False
    opt_level: OptLevel = "speed"
    max_wasm_stack: int | None = None
    parallel_compilation: bool = True
    wasi: WasiSettings | None = None
    epoch_interruption: bool = False
    fuel_metering: bool = False
    pooling: PoolingAllocator | None = None
    compilation_cache: CompilationCache | None = None
    limits: ResourceLimits = DEFAULT_LIMITS
    async_yield_interval: float | None = 0.002
    async_yield_fuel: int | None = None

    def with_feature(self, name: Feature, enabled: bool = True) -> RuntimeConfig:
        """Switch one WebAssembly feature (a :data:`Feature`, see :data:`FEATURE_DOCS`) on
        or off. Switching on a feature switches on what it needs; switching one off
        switches off what needs it, unless that is explicitly on (then it is an error)."""
        return self.with_features({name: enabled})

    def with_features(self, features: Mapping[Feature, bool]) -> RuntimeConfig:
        """Switch several WebAssembly features at once (see :meth:`with_feature`)."""
        merged = dict(self.features)
        for name, enabled in features.items():
            if name not in FEATURES:
                raise ConfigError(f"unknown WebAssembly feature {name!r}; known: {', '.join(FEATURES)}")
            if not isinstance(enabled, bool):
                raise ConfigError(f"feature {name!r} is switched with True or False, not {enabled!r}")
            if name == "extended_const" and not enabled:
                raise ConfigError("wasmtime 50 cannot switch the WebAssembly feature 'extended_const' off")
            merged[name] = enabled
        config = self.replace(features=tuple(sorted(merged.items())))
        config.resolved_features()  # conflicts are reported now, not when a Runtime is made
        return config

    def enabled_features(self) -> frozenset[Feature]:
        """The features a Runtime made with this config has: wasmtime's defaults, as
        switched by this config."""
        on = set(DEFAULT_FEATURES)
        for name, enabled in self.resolved_features().items():
            (on.add if enabled else on.discard)(name)  # type: ignore[arg-type]
        return frozenset(on)

    def with_debug_info(self, enabled: bool = True) -> RuntimeConfig:
        """Emit DWARF debug information for compiled code."""
        return self.replace(debug_info=bool(enabled))

    def with_opt_level(self, level: OptLevel) -> RuntimeConfig:
        """Cranelift's optimisation level: ``"none"``, ``"speed"`` or ``"speed_and_size"``."""
        if level not in ("none", "speed", "speed_and_size"):
            raise ConfigError(f"opt_level must be 'none', 'speed' or 'speed_and_size', not {level!r}")
        return self.replace(opt_level=level)

    def with_max_wasm_stack(self, size: int) -> RuntimeConfig:
        """The largest stack wasm may use, in bytes; deeper recursion traps."""
        if not isinstance(size, int) or size <= 0:
            raise ConfigError(f"max_wasm_stack must be a positive int of bytes, not {size!r}")
        return self.replace(max_wasm_stack=size)

    def with_parallel_compilation(self, enabled: bool = True) -> RuntimeConfig:
        """Compile a module's functions on several threads."""
        return self.replace(parallel_compilation=bool(enabled))

    def with_epoch_interruption(self, enabled: bool = True) -> RuntimeConfig:
        """Let running wasm be stopped: per-call timeouts and deadlines
        (``Function.call_with_timeout``, ``ModuleConfig.with_timeout``) and Ctrl-C on the main
        thread. Off by default, as in wasmtime: compiled code then checks the engine's epoch
        at every function entry and loop back-edge, which costs real programs ~10-20 % of
        run time and ~20 % of compile time (RATIONALE.md). Without it, Ctrl-C raises
        ``KeyboardInterrupt`` when the running call returns."""
        return self.replace(epoch_interruption=bool(enabled))

    def with_fuel_metering(self, enabled: bool = True) -> RuntimeConfig:
        """Count the fuel wasm uses, so that ``ModuleConfig.with_fuel`` can budget an
        instance (running out traps with ``TrapCode.OUT_OF_FUEL``). Off by default: it slows
        call-heavy code by up to 2x."""
        return self.replace(fuel_metering=bool(enabled))

    def with_async_support(self, *, yield_interval: float | None = 0.002,
                           yield_fuel: int | None = None) -> RuntimeConfig:
        """Make ``Function.call_async`` able to pause running wasm, so that a guest shares
        its event loop and stops promptly when its task is cancelled: every
        ``yield_interval`` seconds of running (epoch interruption, switched on), and/or every
        ``yield_fuel`` units of fuel (fuel metering, switched on: slower, but the same slices
        on every run). ``yield_interval=None`` leaves time slicing out. With neither,
        ``call_async`` refuses to run (ConfigError)."""
        if yield_interval is not None and (isinstance(yield_interval, bool) or not isinstance(yield_interval, (int, float))
                                           or not 0 < yield_interval <= 60):
            raise ConfigError(f"yield_interval must be None or a number of seconds in (0, 60], not {yield_interval!r}")
        if yield_fuel is not None and (isinstance(yield_fuel, bool) or not isinstance(yield_fuel, int)
                                       or not 0 < yield_fuel < 1 << 64):
            raise ConfigError(f"yield_fuel must be None or an int in [1, 2**64), not {yield_fuel!r}")
        if yield_interval is None and yield_fuel is None:
            raise ConfigError("with_async_support needs a yield_interval, a yield_fuel or both: without either, "
                              "running wasm could never give its event loop back")
        return self.replace(
            async_yield_interval=None if yield_interval is None else float(yield_interval),
            async_yield_fuel=yield_fuel,
            epoch_interruption=self.epoch_interruption or yield_interval is not None,
            fuel_metering=self.fuel_metering or yield_fuel is not None)

    def with_pooling_allocator(self, pooling: PoolingAllocator | None = PoolingAllocator()) -> RuntimeConfig:
        """Allocate instances from pools reserved when the runtime starts (cheaper for many
        short-lived instances, bounded in number); ``None`` switches it off."""
        if pooling is not None and not isinstance(pooling, PoolingAllocator):
            raise ConfigError(f"with_pooling_allocator takes a PoolingAllocator or None, not {type(pooling).__name__}")
        return self.replace(pooling=pooling)

    def with_compilation_cache(self, cache: CompilationCache | None) -> RuntimeConfig:
        """Reuse compiled modules through ``cache`` (a :class:`~wt_api.CompilationCache`, in
        memory or on disk) instead of compiling the same bytes again; ``None``: no cache."""
        from ._cache import CompilationCache  # (caches load on first use: start-up)

        if cache is not None and not isinstance(cache, CompilationCache):
            raise ConfigError(f"with_compilation_cache takes a CompilationCache or None, not {type(cache).__name__}")
        return self.replace(compilation_cache=cache)

    def with_wasi(self, wasi: WasiSettings) -> RuntimeConfig:
        """The WASI configuration that :meth:`~wt_api.Runtime.instantiate_with_wasi` uses
        (a ``wt_wasi.WASIConfig``, or any :class:`WasiSettings`)."""
        if not isinstance(wasi, WasiSettings):
            raise ConfigError(f"with_wasi takes a wt_wasi.WASIConfig, not {type(wasi).__name__}")
        return self.replace(wasi=wasi)

    def with_limits(self, limits: ResourceLimits) -> RuntimeConfig:
        """What each store of the runtime may allocate unless an instance's
        ``ModuleConfig.with_limits`` says otherwise (default: :data:`~wt_api.DEFAULT_LIMITS`;
        ``ResourceLimits()`` lifts every limit)."""
        if not isinstance(limits, ResourceLimits):
            raise ConfigError(f"with_limits takes a ResourceLimits, not {type(limits).__name__}")
        return self.replace(limits=limits)

    def resolved_features(self) -> dict[str, bool]:
        """The explicit feature switches, with the features they need added, checked."""
        explicit = dict(self.features)
        resolved = dict(explicit)
        for name, enabled in explicit.items():
            if not enabled:
                continue
            for needed in _all_needs(name):
                if explicit.get(needed) is False:
                    raise ConfigError(f"the WebAssembly feature {name!r} needs {needed!r}, which is switched off")
                resolved[needed] = True
        for name, enabled in explicit.items():
            if enabled:
                continue
            for dependent in FEATURES:
                if name in _all_needs(dependent) and dependent not in explicit:
                    resolved[dependent] = False  # e.g. simd off takes (default-on) relaxed_simd with it
        if resolved.get("stack_switching"):
            # x86-64: modules compile, but the library has no stack-switching runtime and the
            # first cont.new aborts the process; aarch64: making the engine aborts it.
            raise ConfigError("the wasmtime 50.0.1 library cannot run stack switching (its first cont.new aborts "
                              "the process; on aarch64, making the engine does): it cannot be switched on")
        return resolved


def _all_needs(feature: str) -> set[str]:
    """Every feature ``feature`` needs, directly or not."""
    needs: set[str] = set()
    todo = list(_REQUIRES.get(feature, ()))
    while todo:
        name = todo.pop()
        if name not in needs:
            needs.add(name)
            todo.extend(_REQUIRES.get(name, ()))
    return needs


class ModuleConfig(Record):
    """Settings for one instantiation. Immutable: each ``with_*`` returns a new config.

    Thread-safety: a config is a value and may be shared freely."""

    name: str | None = None
    args: tuple[str, ...] | None = None
    env: tuple[tuple[str, str], ...] = ()
    stdin: object | None = None
    stdout: object | None = None
    stderr: object | None = None
    preopens: tuple[tuple[str, str, bool], ...] = ()
    fuel: int | None = None
    limits: ResourceLimits | None = None
    timeout: float | None = None

    def with_fuel(self, fuel: int) -> ModuleConfig:
        """Give the instance a budget of ``fuel`` (roughly one unit per wasm instruction):
        running out traps with ``TrapCode.OUT_OF_FUEL``; ``Module.fuel`` reads what is left
        and ``Module.set_fuel`` refills it. Needs ``RuntimeConfig.with_fuel_metering()``."""
        if isinstance(fuel, bool) or not isinstance(fuel, int) or not 0 <= fuel < 1 << 64:
            raise ConfigError(f"fuel must be an int in [0, 2**64), not {fuel!r}")
        return self.replace(fuel=fuel)

    def with_limits(self, limits: ResourceLimits | None = None, *, memory_size: int | None = None,
                    table_elements: int | None = None, instances: int | None = None,
                    tables: int | None = None, memories: int | None = None) -> ModuleConfig:
        """Limit what the instance may allocate: a :class:`~wt_api.ResourceLimits`, or its
        fields as keywords (replacing the runtime's limits and earlier ones; a field left
        None is unlimited). Growth past a limit fails inside wasm as the spec says
        (``memory.grow`` and ``table.grow`` return -1)."""
        if limits is None:
            limits = ResourceLimits(memory_size, table_elements, instances, tables, memories)
        elif not isinstance(limits, ResourceLimits):
            raise ConfigError(f"with_limits takes a ResourceLimits, not {type(limits).__name__}")
        elif any(v is not None for v in (memory_size, table_elements, instances, tables, memories)):
            raise ConfigError("with_limits takes a ResourceLimits or keywords, not both")
        return self.replace(limits=limits)

    def with_memory_limit(self, size: int) -> ModuleConfig:
        """Limit each linear memory of the instance to ``size`` bytes (its other limits are
        this config's, or :data:`~wt_api.DEFAULT_LIMITS`)."""
        return self.replace(limits=(self.limits or DEFAULT_LIMITS).replace(memory_size=size))

    def with_timeout(self, seconds: float | None) -> ModuleConfig:
        """Stop every call of the instance's exported functions that runs longer than
        ``seconds`` with :class:`~wt_api.WasmTimeoutError` (``None``: no timeout). Needs
        ``RuntimeConfig.with_epoch_interruption()`` (instantiating raises ConfigError without)."""
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not 0 < seconds < float("inf")):
            raise ConfigError(f"a timeout must be a positive number of seconds, not {seconds!r}")
        return self.replace(timeout=None if seconds is None else float(seconds))

    def with_name(self, name: str) -> ModuleConfig:
        """Instantiate under ``name``: later modules can import its exports from it."""
        if not isinstance(name, str) or not name:
            raise ConfigError("a module name must be a non-empty str")
        return self.replace(name=name)

    # -- WASI, applied on top of the runtime's WASI config by instantiate_with_wasi --
    def with_args(self, *args: str) -> ModuleConfig:
        """The guest's argv (replacing the runtime's WASI args); ``args[0]`` is the program name."""
        return self.replace(args=check_strs(args, "args"))

    def with_env(self, key: str, value: str) -> ModuleConfig:
        """Set one environment variable of the guest (replacing an earlier value of the same
        name, as ``os.environ`` does)."""
        check_strs((key, value), "env")
        if not key or "=" in key:
            raise ConfigError(f"an environment variable name is non-empty and has no '=': {key!r}")
        return self.replace(env=tuple((k, v) for k, v in self.env if k != key) + ((key, value),))

    def with_envs(self, env: Mapping[str, str]) -> ModuleConfig:
        """Set several environment variables of the guest (as :meth:`with_env`)."""
        config = self
        for key, value in env.items():
            config = config.with_env(key, value)
        return config

    def with_stdin(self, source: object) -> ModuleConfig:
        """The guest's stdin: bytes, a binary file object (read when instantiating) or a path."""
        if not isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)) and not hasattr(source, "read"):
            raise ConfigError(f"stdin takes bytes, a binary file object or a path, not {type(source).__name__}")
        if isinstance(source, io.TextIOBase) and not hasattr(getattr(source, "buffer", None), "read"):
            raise ConfigError(f"stdin takes bytes: {type(source).__name__} is a text stream with no binary buffer; "
                              "pass its text encoded, or a file opened 'rb'")
        return self.replace(stdin=bytes(source) if isinstance(source, (bytearray, memoryview)) else source)

    def with_stdout(self, writer: object) -> ModuleConfig:
        """Where the guest's stdout goes: a binary writer (``write(bytes)``: a file opened
        'wb', ``io.BytesIO``, ``sys.stdout``) or a callable taking bytes. It receives the
        guest's bytes exactly, in order, with no temporary file. If it raises, the guest's
        write fails (and wasmtime closes the stream) and the exception comes out of the call
        during which the guest wrote."""
        check_writer(writer, "stdout")
        return self.replace(stdout=writer)

    def with_stderr(self, writer: object) -> ModuleConfig:
        """Where the guest's stderr goes (as :meth:`with_stdout`)."""
        check_writer(writer, "stderr")
        return self.replace(stderr=writer)

    def with_preopen_dir(self, host: str | os.PathLike[str], guest: str, *, read_only: bool = False) -> ModuleConfig:
        """Let the guest reach the host directory ``host`` as ``guest`` (and nothing outside
        it, ``..`` included); ``read_only`` makes every guest write fail."""
        return self.replace(preopens=self.preopens + (checked_preopen(host, guest, read_only),))
