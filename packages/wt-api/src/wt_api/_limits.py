"""Resource settings: :class:`ResourceLimits` (one instance's store) and
:class:`PoolingAllocator` (the engine's instance allocator). Both are immutable values."""

from __future__ import annotations

import ctypes

from wt_ffi import store as _store
from wt_ffi.records import Record

from ._errors import ConfigError
from ._failure import error_exception
from ._store import Store

__all__ = ["ResourceLimits", "PoolingAllocator", "WASM_PAGE", "DEFAULT_LIMITS", "apply_limits", "set_store_fuel",
           "store_fuel"]

WASM_PAGE = 65536
"""The size of a WebAssembly page, in bytes."""


def _check(owner: str, name: str, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ConfigError(f"{owner}.{name} must be a non-negative int or None, not {value!r}")


class ResourceLimits(Record):
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
        for name in self._fields:
            _check("ResourceLimits", name, getattr(self, name))

    @property
    def unlimited(self) -> bool:
        """Whether no limit is set."""
        return (self.memory_size is None and self.table_elements is None and self.instances is None
                and self.tables is None and self.memories is None)

    def _limiter_args(self) -> tuple[int, int, int, int, int]:
        """The five arguments of ``wasmtime_store_limiter`` (-1: no limit)."""
        def arg(value: int | None) -> int:
            return -1 if value is None else min(value, (1 << 63) - 1)

        return (arg(self.memory_size), arg(self.table_elements), arg(self.instances),
                arg(self.tables), arg(self.memories))


class PoolingAllocator(Record):
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
        for name in self._fields:
            _check("PoolingAllocator", name, getattr(self, name))
        for name in ("total_core_instances", "total_memories", "total_tables", "total_stacks",
                     "total_gc_heaps", "max_memories_per_module", "max_tables_per_module",
                     "max_unused_warm_slots"):
            value = getattr(self, name)
            if value is not None and value >= 1 << 32:
                raise ConfigError(f"PoolingAllocator.{name} must fit in 32 bits, not {value!r}")

    def settings(self) -> dict[str, int]:
        """The fields that are set, by name."""
        return {name: getattr(self, name) for name in self._fields if getattr(self, name) is not None}


DEFAULT_LIMITS = ResourceLimits(memory_size=4 << 30, table_elements=10_000_000)
"""What every store may allocate unless its runtime or instance says otherwise: 4 GiB per
linear memory and ten million elements per table (a table without a maximum would
otherwise grow to gigabytes on one ``table.grow``). ``RuntimeConfig.with_limits`` and
``ModuleConfig.with_limits`` change them; ``ResourceLimits()`` lifts them."""


# -- applying them to a store (wt-api's own use) ------------------------------------
def apply_limits(store: Store, limits: ResourceLimits) -> None:
    """Install ``limits`` as ``store``'s resource limiter."""
    _store.wasmtime_store_limiter(store.ptr, *limits._limiter_args())


def set_store_fuel(store: Store, fuel: int) -> None:
    """Set the fuel left in ``store`` (its runtime must meter fuel)."""
    err = _store.wasmtime_context_set_fuel(store.context, fuel)
    if err:
        raise _fuel_error(err)


def store_fuel(store: Store) -> int:
    """The fuel left in ``store`` (its runtime must meter fuel)."""
    out = ctypes.c_uint64()
    err = _store.wasmtime_context_get_fuel(store.context, ctypes.byref(out))
    if err:
        raise _fuel_error(err)
    return out.value


def _fuel_error(err: object) -> ConfigError:
    exc = error_exception(err, ConfigError)  # type: ignore[arg-type]
    return ConfigError(f"{exc}: fuel needs RuntimeConfig().with_fuel_metering()")
