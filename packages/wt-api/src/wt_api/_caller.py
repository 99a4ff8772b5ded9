"""The caller of a host function: the calling instance's exports, during the call only."""

from __future__ import annotations

import ctypes

from wt_ffi import extern as _extern
from wt_ffi import func as _func
from wt_ffi import externtype as _et

from ._errors import ClosedError
from ._externtypes import ExternType, FunctionType, GlobalType, MemoryType, TableType, from_raw_externtype
from ._function import Function
from ._global import Global
from ._handle import refuse_pickling
from ._memory import Memory
from ._store import Store
from ._table import Table

__all__ = ["Caller"]


class Caller:
    """The instance that called a host function, valid only during that call: its
    exports (memory, functions, globals, tables) are reachable by name. The items it
    hands out belong to the caller's store and stay usable after the call; the Caller
    itself raises :class:`~wt_api.ClosedError` once its call has returned.

    Thread-safety: use it only inside the host call, on the calling thread."""

    __slots__ = ("_ptr", "_store")

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __init__(self, ptr: int, store: Store) -> None:
        self._ptr: int | None = ptr
        self._store = store

    def _end(self) -> None:
        """The host call returned: this Caller is no longer usable."""
        self._ptr = None

    def _export(self, name: str) -> _extern.wasmtime_extern_t | None:
        if self._ptr is None:
            raise ClosedError("a Caller is usable only during its host call")
        if not isinstance(name, str):
            raise TypeError(f"an export name is a str, not {type(name).__name__}")
        item = _extern.wasmtime_extern_t()
        data = name.encode("utf-8")
        if not _func.wasmtime_caller_export_get(self._ptr, data, len(data), ctypes.byref(item)):
            return None
        return item

    def _type_of(self, item: _extern.wasmtime_extern_t) -> ExternType:
        et = _extern.wasmtime_extern_type(self._store.context, ctypes.byref(item))
        try:
            return from_raw_externtype(_et.read_externtype(et))
        finally:
            _et.wasm_externtype_delete(et)

    def _item(self, name: str, kind: int, ty: type) -> tuple[_extern.wasmtime_extern_t, ExternType] | None:
        item = self._export(name)
        if item is not None and kind == _extern.EXTERN_MEMORY and item.kind == _extern.EXTERN_SHAREDMEMORY:
            return item, self._type_of(item)  # the Memory made of it owns this handle
        if item is None or item.kind != kind:
            if item is not None and item.kind == _extern.EXTERN_SHAREDMEMORY:
                _extern.wasmtime_extern_delete(ctypes.byref(item))
            return None
        found = self._type_of(item)
        return (item, found) if isinstance(found, ty) else None

    def exported_memory(self, name: str = "memory") -> Memory | None:
        """The caller's exported memory ``name`` (default ``"memory"``), or None."""
        found = self._item(name, _extern.EXTERN_MEMORY, MemoryType)
        return Memory(self._store.scope, found[0], found[1], self._store) if found else None  # type: ignore[arg-type]

    @property
    def memory(self) -> Memory | None:
        """The caller's memory exported as ``"memory"``, or None."""
        return self.exported_memory("memory")

    def exported_function(self, name: str) -> Function | None:
        """The caller's exported function ``name``, or None. It may be called right away
        (re-entrancy is allowed)."""
        found = self._item(name, _extern.EXTERN_FUNC, FunctionType)
        return Function(self._store.scope, found[0].of.func, found[1], name, self._store) if found else None  # type: ignore[arg-type]

    def exported_global(self, name: str) -> Global | None:
        """The caller's exported global ``name``, or None."""
        found = self._item(name, _extern.EXTERN_GLOBAL, GlobalType)
        return Global(self._store.scope, found[0].of.global_, found[1], self._store) if found else None  # type: ignore[arg-type]

    def exported_table(self, name: str) -> Table | None:
        """The caller's exported table ``name``, or None."""
        found = self._item(name, _extern.EXTERN_TABLE, TableType)
        return Table(self._store.scope, found[0].of.table, found[1], self._store) if found else None  # type: ignore[arg-type]
