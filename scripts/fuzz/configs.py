"""Random engine options and feature switches, and the per-instance limits that keep a
case's wasm bounded in memory and time (so that a hang is the binding's, not the module's)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import wt_api as wt

MEMORY_LIMIT = 64 << 20
"""Bytes each memory of a fuzzed instance may reach (growth past it fails inside wasm)."""
TABLE_LIMIT = 1 << 20
"""Elements each table of a fuzzed instance may reach."""
CALL_TIMEOUT = 1.0
"""Seconds a call of a fuzzed export may run (epoch interruption)."""
FUEL = 20_000_000
"""The fuel of an instance when epoch interruption is off (fuel metering)."""


@dataclass(frozen=True)
class Engine:
    """A runtime configuration as source text, and what it implies for the case."""

    source: str
    bounded_by: str  # "timeout" (epoch interruption) or "fuel"


def engine(rng: random.Random, features: dict[str, bool]) -> Engine:
    """A RuntimeConfig: ``features`` (what the module needs), sometimes with a feature
    flipped, and random options. Conflicting switches raise ConfigError: part of the test."""
    chosen = dict(features)
    if rng.random() < 0.15:
        for name in rng.sample(list(wt.FEATURES), rng.randint(1, 2)):
            if name not in ("stack_switching",) or rng.random() < 0.2:
                chosen[name] = not chosen.get(name, name in wt.DEFAULT_FEATURES)
    if chosen.get("extended_const") is False:
        chosen.pop("extended_const")  # cannot be switched off (ConfigError): say so rarely
        if rng.random() < 0.05:
            chosen["extended_const"] = False
    parts = ["wt.RuntimeConfig()"]
    if chosen:
        parts.append(f"with_features({dict(sorted(chosen.items()))!r})")
    opt = rng.choices(("none", "speed", "speed_and_size"), (4, 4, 2))[0]
    if opt != "speed":
        parts.append(f"with_opt_level({opt!r})")
    if rng.random() < 0.9:
        parts.append("with_parallel_compilation(False)")  # two cores, shared
    if rng.random() < 0.03:
        parts.append("with_debug_info()")
    if rng.random() < 0.15:
        parts.append(f"with_max_wasm_stack({rng.choice((65536, 128 << 10, 512 << 10, 1 << 20, 4 << 20))})")
    bounded_by = "fuel"
    if rng.random() < 0.9:  # off by default (as in wasmtime): a timeout needs it
        parts.append("with_epoch_interruption()")
        bounded_by = "timeout"
    if bounded_by == "fuel" or rng.random() < 0.1:
        parts.append("with_fuel_metering()")
        bounded_by = "fuel" if bounded_by == "fuel" or rng.random() < 0.5 else "timeout"
    if rng.random() < 0.04:
        parts.append("with_pooling_allocator(wt.PoolingAllocator(total_core_instances=8, total_memories=8, "
                     "total_tables=8, total_stacks=8, total_gc_heaps=8, max_memory_size=1 << 24))")
    if rng.random() < 0.08:
        parts.append("with_compilation_cache(wt.CompilationCache())")
    return Engine(".".join(parts), bounded_by)


def instance(rng: random.Random, eng: Engine) -> str:
    """A ModuleConfig with limits and a time (or fuel) bound."""
    config = f"wt.ModuleConfig().with_limits(memory_size={MEMORY_LIMIT}, table_elements={TABLE_LIMIT})"
    if eng.bounded_by == "fuel":
        return config + f".with_fuel({FUEL})"
    return config + f".with_timeout({CALL_TIMEOUT})"
