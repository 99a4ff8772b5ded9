"""Resource settings: :class:`ResourceLimits` (one instance's store) and
:class:`PoolingAllocator` (the engine's instance allocator). Both are immutable values."""

from __future__ import annotations

import ctypes

from wt_ffi import error as _error
from wt_ffi import store as _store

from .errors import ConfigError

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    import dataclasses
    from dataclasses import dataclass

    from .store import Store
else:  # the same records without the import cost of dataclasses
    from wt_ffi import _records as dataclasses
    from wt_ffi._records import dataclass

__all__ = ["ResourceLimits", "PoolingAllocator", "WASM_PAGE", "apply_limits", "set_store_fuel", "store_fuel"]

WASM_PAGE = 65536
"""The size of a WebAssembly page, in bytes."""


def _check(owner: str, name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{owner}.{name} must be a non-negative int or None, not {value!r}")


@dataclass(frozen=True)
class ResourceLimits:
    """Limits on what wasm may allocate in one instance's store. ``None`` means no limit.

    - ``memory_size``: the largest size of each linear memory, in bytes (a multiple of
      :data:`WASM_PAGE` reads best). Growth past it makes ``memory.grow`` return -1; an
      initial size past it fails instantiation.
    - ``table_elements``: the largest number of elements of each table (``table.grow``
      returns -1 past it).
    - ``instances``, ``tables``, ``memories``: how many of each the store may hold.

    Thread-safety: a value; share it freely.
    """

    memory_size: int | None = None
    table_elements: int | None = None
    instances: int | None = None
    tables: int | None = None
    memories: int | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check("ResourceLimits", f.name, getattr(self, f.name))

    @property
    def unlimited(self) -> bool:
        """Whether no limit is set."""
        return (self.memory_size is None and self.table_elements is None and self.instances is None
                and self.tables is None and self.memories is None)

    def as_limiter_args(self) -> tuple[int, int, int, int, int]:
        """The five arguments of ``wasmtime_store_limiter`` (-1: no limit)."""
        def arg(value: int | None) -> int:
            return -1 if value is None else min(value, (1 << 63) - 1)

        return (arg(self.memory_size), arg(self.table_elements), arg(self.instances),
                arg(self.tables), arg(self.memories))


@dataclass(frozen=True)
class PoolingAllocator:
    """The pooling instance allocator: memories, tables and instance state are carved out of
    pools reserved once, so making and dropping many short-lived instances is cheap. Every
    field left ``None`` keeps wasmtime's default (1000 instances, memories and tables).

    - ``total_core_instances``, ``total_memories``, ``total_tables``, ``total_stacks``,
      ``total_gc_heaps``: how many may be alive at once across the runtime; one more
      fails instantiation with :class:`~wt_api.InstantiationError`.
    - ``max_memory_size`` (bytes), ``max_core_instance_size`` (bytes),
      ``max_memories_per_module``, ``max_tables_per_module``, ``table_elements``: the
      size of each slot; a module needing more fails instantiation.
    - ``max_unused_warm_slots``, ``linear_memory_keep_resident``,
      ``table_keep_resident``: how much freed memory stays committed for reuse.

    Thread-safety: a value; share it freely.
    """

    total_core_instances: int | None = None
    total_memories: int | None = None
    total_tables: int | None = None
    total_stacks: int | None = None
    total_gc_heaps: int | None = None
    max_memory_size: int | None = None
    max_core_instance_size: int | None = None
    max_memories_per_module: int | None = None
    max_tables_per_module: int | None = None
    table_elements: int | None = None
    max_unused_warm_slots: int | None = None
    linear_memory_keep_resident: int | None = None
    table_keep_resident: int | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check("PoolingAllocator", f.name, getattr(self, f.name))
        for name in ("total_core_instances", "total_memories", "total_tables", "total_stacks",
                     "total_gc_heaps", "max_memories_per_module", "max_tables_per_module",
                     "max_unused_warm_slots"):
            value = getattr(self, name)
            if value is not None and value >= 1 << 32:
                raise ConfigError(f"PoolingAllocator.{name} must fit in 32 bits, not {value!r}")

    def settings(self) -> dict[str, int]:
        """The fields that are set, by name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}


# -- applying them to a store (wt-api's own use) ------------------------------------
def apply_limits(store: Store, limits: ResourceLimits) -> None:
    """Install ``limits`` as ``store``'s resource limiter."""
    _store.wasmtime_store_limiter(store.ptr, *limits.as_limiter_args())


def set_store_fuel(store: Store, fuel: int) -> None:
    """Set the fuel left in ``store`` (its runtime must meter fuel)."""
    err = _store.wasmtime_context_set_fuel(store.context, fuel)
    if err:
        raise ConfigError(f"{_take_message(err)}: fuel needs RuntimeConfig().with_fuel_metering()")


def store_fuel(store: Store) -> int:
    """The fuel left in ``store`` (its runtime must meter fuel)."""
    out = ctypes.c_uint64()
    err = _store.wasmtime_context_get_fuel(store.context, ctypes.byref(out))
    if err:
        raise ConfigError(f"{_take_message(err)}: fuel needs RuntimeConfig().with_fuel_metering()")
    return out.value


def _take_message(err: ctypes._Pointer[_error.wasmtime_error_t]) -> str:
    try:
        return _error.error_message(err)
    finally:
        _error.wasmtime_error_delete(err)


def configure_instance_store(store: Store, config: object, new_store: bool) -> None:
    """Apply a ModuleConfig's fuel budget and limits to the store it is instantiated in.

    They belong to one store: a module that joins another's store (a named module in the
    runtime's link store, or an importer of one) cannot bring its own."""
    fuel: int | None = getattr(config, "fuel", None)
    limits: ResourceLimits | None = getattr(config, "limits", None)
    if getattr(config, "timeout", None) is not None:
        from .interrupt import clock_of

        clock_of(store)  # raises ConfigError without epoch interruption
    if fuel is None and (limits is None or limits.unlimited):
        return
    if not new_store:
        raise ConfigError("fuel budgets and resource limits apply to an instance with a store of its own; "
                          "this module joins a shared store (it has a name, or imports from a named module)")
    if limits is not None and not limits.unlimited:
        apply_limits(store, limits)
    if fuel is not None:
        set_store_fuel(store, fuel)
