"""``wasm.h`` config and ``wasmtime/config.h``: engine settings and feature switches."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_bool, c_char_p, c_int8, c_uint64, c_uint8

from ._library import cfunc
from .error import wasmtime_error_t

__all__ = ["wasm_config_t", "FEATURE_SWITCHES"]


class wasm_config_t(ctypes.Structure):
    """Opaque ``wasm_config_t``; consumed by ``wasm_engine_new_with_config``."""


ConfigPtr = POINTER(wasm_config_t)
ErrorPtr = POINTER(wasmtime_error_t)

# wasmtime_strategy_t, wasmtime_opt_level_t, wasmtime_profiling_strategy_t
STRATEGY_AUTO, STRATEGY_CRANELIFT = 0, 1
OPT_LEVEL_NONE, OPT_LEVEL_SPEED, OPT_LEVEL_SPEED_AND_SIZE = 0, 1, 2


@cfunc(ConfigPtr)
def wasm_config_new() -> ctypes._Pointer[wasm_config_t]:
    """A new default configuration."""
    ...


@cfunc(None, ConfigPtr)
def wasm_config_delete(config: ctypes._Pointer[wasm_config_t]) -> None:
    """Free a configuration that no engine consumed."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_debug_info_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Emit DWARF debug information for compiled code."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_consume_fuel_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Meter execution with fuel."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_epoch_interruption_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Check epoch deadlines in compiled code (timeouts, interruption)."""


@cfunc(None, ConfigPtr, ctypes.c_size_t)
def wasmtime_config_max_wasm_stack_set(config: ctypes._Pointer[wasm_config_t], size: int) -> None:
    """The maximum wasm stack, in bytes."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_parallel_compilation_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Compile functions on several threads."""


@cfunc(None, ConfigPtr, c_uint8)
def wasmtime_config_strategy_set(config: ctypes._Pointer[wasm_config_t], strategy: int) -> None:
    """The compilation strategy (``STRATEGY_*``)."""


@cfunc(None, ConfigPtr, c_uint8)
def wasmtime_config_cranelift_opt_level_set(config: ctypes._Pointer[wasm_config_t], level: int) -> None:
    """Cranelift's optimisation level (``OPT_LEVEL_*``)."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_cranelift_nan_canonicalization_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Canonicalise NaNs produced by float operations."""


@cfunc(None, ConfigPtr, c_uint64)
def wasmtime_config_memory_reservation_set(config: ctypes._Pointer[wasm_config_t], size: int) -> None:
    """Virtual memory reserved for each linear memory."""


@cfunc(None, ConfigPtr, c_uint64)
def wasmtime_config_memory_guard_size_set(config: ctypes._Pointer[wasm_config_t], size: int) -> None:
    """Guard region after each linear memory."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_memory_may_move_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Whether linear memories may move when they grow."""


@cfunc(ErrorPtr, ConfigPtr, c_char_p)
def wasmtime_config_cache_config_load(config: ctypes._Pointer[wasm_config_t], path: bytes | None) -> ctypes._Pointer[wasmtime_error_t]:
    """Enable wasmtime's own compilation cache from a TOML file (None: defaults)."""
    ...


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_native_unwind_info_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Emit native unwind information."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_macos_use_mach_ports_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Use Mach ports for trap handling on macOS."""


@cfunc(None, ConfigPtr, c_int8)
def wasmtime_config_wasm_relaxed_simd_deterministic_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Deterministic results for relaxed SIMD instructions."""


# WebAssembly proposal switches: wasmtime_config_wasm_<feature>_set(config, bool).
FEATURE_SWITCHES: tuple[str, ...] = (
    "threads", "shared_memory", "tail_call", "reference_types", "function_references",
    "gc", "simd", "relaxed_simd", "bulk_memory", "multi_value", "multi_memory",
    "memory64", "wide_arithmetic", "exceptions", "custom_page_sizes", "stack_switching",
    "branch_hinting", "compact_imports",
)


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_threads_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The threads proposal (atomics, shared memories)."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_shared_memory_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Allow shared memories to be created."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_tail_call_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The tail-call proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_reference_types_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The reference-types proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_function_references_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The typed function references proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_gc_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The GC proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_gc_support_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Runtime support for GC references (needed by GC, exceptions, externref)."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_simd_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The fixed-width SIMD proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_relaxed_simd_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The relaxed SIMD proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_bulk_memory_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The bulk memory proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_multi_value_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The multi-value proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_multi_memory_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The multi-memory proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_memory64_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The memory64 proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_wide_arithmetic_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The wide-arithmetic proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_exceptions_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The exception-handling proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_custom_page_sizes_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The custom-page-sizes proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_stack_switching_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The stack-switching proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_branch_hinting_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The branch-hinting proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_compact_imports_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The compact-imports proposal."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_concurrency_support_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Support for the component model's concurrency (async) features."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_async_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The component model's async support (must be off to turn reference types off)."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_more_async_builtins_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """More async built-ins of the component model."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_async_stackful_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """Stackful async of the component model."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The component model (on by default in 50)."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_map_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The component model's ``map<K, V>`` type."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_implements_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The component model's ``(implements "...")`` annotations."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_canonical_names_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The component model's canonical names."""


@cfunc(None, ConfigPtr, c_bool)
def wasmtime_config_wasm_component_model_accessors_set(config: ctypes._Pointer[wasm_config_t], on: bool) -> None:
    """The component model's accessors."""


class wasmtime_pooling_allocation_config_t(ctypes.Structure):
    """Opaque ``wasmtime_pooling_allocation_config_t``: the pooling allocator's sizes, copied by
    ``wasmtime_pooling_allocation_strategy_set`` (the caller still deletes it)."""


PoolingPtr = POINTER(wasmtime_pooling_allocation_config_t)


@cfunc(PoolingPtr)
def wasmtime_pooling_allocation_config_new() -> ctypes._Pointer[wasmtime_pooling_allocation_config_t]:
    """A pooling configuration with wasmtime's defaults."""
    ...


@cfunc(None, PoolingPtr)
def wasmtime_pooling_allocation_config_delete(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t]) -> None:
    """Free a pooling configuration."""


@cfunc(None, ConfigPtr, PoolingPtr)
def wasmtime_pooling_allocation_strategy_set(config: ctypes._Pointer[wasm_config_t],
                                             pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t]) -> None:
    """Allocate instances from pre-reserved pools sized by ``pooling`` (copied)."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_total_core_instances_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many core instances may be alive at once."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_total_memories_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many linear memories may be alive at once."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_total_tables_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many tables may be alive at once."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_total_stacks_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many async stacks may be alive at once."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_total_gc_heaps_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many GC heaps may be alive at once."""


@cfunc(None, PoolingPtr, ctypes.c_size_t)
def wasmtime_pooling_allocation_config_max_memory_size_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], size: int) -> None:
    """The largest size, in bytes, of one linear memory."""


@cfunc(None, PoolingPtr, ctypes.c_size_t)
def wasmtime_pooling_allocation_config_max_core_instance_size_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], size: int) -> None:
    """The largest size, in bytes, of one instance's runtime state."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_max_memories_per_module_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many linear memories one module may define."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_max_tables_per_module_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many tables one module may define."""


@cfunc(None, PoolingPtr, ctypes.c_size_t)
def wasmtime_pooling_allocation_config_table_elements_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """The largest number of elements of one table."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_max_unused_warm_slots_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many freed slots are kept warm (not decommitted) for reuse."""


@cfunc(None, PoolingPtr, ctypes.c_size_t)
def wasmtime_pooling_allocation_config_linear_memory_keep_resident_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], size: int) -> None:
    """Bytes of a freed linear memory kept resident (zeroed in place) for reuse."""


@cfunc(None, PoolingPtr, ctypes.c_size_t)
def wasmtime_pooling_allocation_config_table_keep_resident_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], size: int) -> None:
    """Bytes of a freed table kept resident for reuse."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_total_component_instances_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """How many component instances may be alive at once."""


@cfunc(None, PoolingPtr, ctypes.c_size_t)
def wasmtime_pooling_allocation_config_max_component_instance_size_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], size: int) -> None:
    """The largest size of a component instance's runtime state."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_max_core_instances_per_component_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """The most core instances one component instance may hold."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_max_memories_per_component_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """The most memories one component instance may hold."""


@cfunc(None, PoolingPtr, ctypes.c_uint32)
def wasmtime_pooling_allocation_config_max_tables_per_component_set(pooling: ctypes._Pointer[wasmtime_pooling_allocation_config_t], n: int) -> None:
    """The most tables one component instance may hold."""


@cfunc(None, ConfigPtr, ctypes.c_size_t)
def wasmtime_config_async_stack_size_set(config: ctypes._Pointer[wasm_config_t], size: int) -> None:
    """The size of async stacks; wasmtime refuses (panics) when ``max_wasm_stack`` exceeds it."""
