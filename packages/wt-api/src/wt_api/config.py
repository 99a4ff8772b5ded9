"""Configuration values: :class:`RuntimeConfig` (the engine) and :class:`ModuleConfig`
(one instantiation). Both are immutable; every ``with_*`` returns a new config."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import ConfigError

__all__ = ["RuntimeConfig", "ModuleConfig", "FEATURES", "OptLevel"]

OptLevel = Literal["none", "speed", "speed_and_size"]

FEATURES: tuple[str, ...] = (
    "bulk_memory", "multi_value", "reference_types", "simd", "relaxed_simd", "tail_call",
    "function_references", "gc", "exceptions", "memory64", "multi_memory", "threads",
    "extended_const", "wide_arithmetic", "custom_page_sizes", "stack_switching", "branch_hinting",
)
"""WebAssembly features that can be switched; those not named keep wasmtime's default."""

# A feature that needs others: turning it on turns them on, and it cannot be on
# while one of them is explicitly off.
_REQUIRES: dict[str, tuple[str, ...]] = {
    "function_references": ("reference_types",),
    "gc": ("reference_types", "function_references"),
    "exceptions": ("reference_types",),
    "relaxed_simd": ("simd",),
    "stack_switching": ("function_references", "exceptions"),
}


@dataclass(frozen=True)
class RuntimeConfig:
    """How a :class:`~wt_api.Runtime` compiles and runs wasm. Immutable: each ``with_*``
    returns a new config, and nothing happens until a Runtime uses it.

    Thread-safety: a config is a value and may be shared freely."""

    features: tuple[tuple[str, bool], ...] = ()
    debug_info: bool = False
    opt_level: OptLevel = "speed"
    max_wasm_stack: int | None = None
    parallel_compilation: bool = True
    wasi: object | None = None
    extras: tuple[tuple[str, object], ...] = field(default=(), repr=False)

    def with_feature(self, name: str, enabled: bool = True) -> RuntimeConfig:
        """Switch one WebAssembly feature (a name from :data:`FEATURES`) on or off."""
        return self.with_features({name: enabled})

    def with_features(self, features: Mapping[str, bool]) -> RuntimeConfig:
        """Switch several WebAssembly features at once."""
        merged = dict(self.features)
        for name, enabled in features.items():
            if name not in FEATURES:
                raise ConfigError(f"unknown WebAssembly feature {name!r}; known: {', '.join(FEATURES)}")
            merged[name] = bool(enabled)
        return dataclasses.replace(self, features=tuple(sorted(merged.items())))

    def with_debug_info(self, enabled: bool = True) -> RuntimeConfig:
        """Emit DWARF debug information for compiled code."""
        return dataclasses.replace(self, debug_info=bool(enabled))

    def with_opt_level(self, level: OptLevel) -> RuntimeConfig:
        """Cranelift's optimisation level: ``"none"``, ``"speed"`` or ``"speed_and_size"``."""
        if level not in ("none", "speed", "speed_and_size"):
            raise ConfigError(f"opt_level must be 'none', 'speed' or 'speed_and_size', not {level!r}")
        return dataclasses.replace(self, opt_level=level)

    def with_max_wasm_stack(self, size: int) -> RuntimeConfig:
        """The largest stack wasm may use, in bytes; deeper recursion traps."""
        if not isinstance(size, int) or size <= 0:
            raise ConfigError(f"max_wasm_stack must be a positive int of bytes, not {size!r}")
        return dataclasses.replace(self, max_wasm_stack=size)

    def with_parallel_compilation(self, enabled: bool = True) -> RuntimeConfig:
        """Compile a module's functions on several threads."""
        return dataclasses.replace(self, parallel_compilation=bool(enabled))

    def with_wasi(self, wasi: object) -> RuntimeConfig:
        """The WASI configuration that :meth:`~wt_api.Runtime.instantiate_with_wasi` uses
        (a ``wt_wasi.WASIConfig``)."""
        if not hasattr(wasi, "_wt_build_wasi"):
            raise ConfigError(f"with_wasi takes a wt_wasi.WASIConfig, not {type(wasi).__name__}")
        return dataclasses.replace(self, wasi=wasi)

    def resolved_features(self) -> dict[str, bool]:
        """The explicit feature switches, with the features they need added, checked."""
        explicit = dict(self.features)
        resolved = dict(explicit)
        for name, enabled in explicit.items():
            if not enabled:
                continue
            for needed in _REQUIRES.get(name, ()):
                if explicit.get(needed) is False:
                    raise ConfigError(f"the WebAssembly feature {name!r} needs {needed!r}, which is switched off")
                resolved[needed] = True
        return resolved


@dataclass(frozen=True)
class ModuleConfig:
    """Settings for one instantiation. Immutable: each ``with_*`` returns a new config.

    Thread-safety: a config is a value and may be shared freely."""

    name: str | None = None
    args: tuple[str, ...] | None = None
    env: tuple[tuple[str, str], ...] = ()
    stdin: object | None = None
    stdout: object | None = None
    stderr: object | None = None
    preopens: tuple[tuple[str, str, bool], ...] = ()

    def with_name(self, name: str) -> ModuleConfig:
        """Instantiate under ``name``: later modules can import its exports from it."""
        if not isinstance(name, str) or not name:
            raise ConfigError("a module name must be a non-empty str")
        return dataclasses.replace(self, name=name)
