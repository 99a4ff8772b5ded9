"""Tables of references."""

from __future__ import annotations

import ctypes
from ctypes import c_uint64

from wt_ffi import extern as _extern
from wt_ffi import table as _table
from wt_ffi import val as _val

from ._convert import from_val
from ._convert_val import to_val
from ._errors import WasmRuntimeError
from ._externtypes import TableType
from ._failure import raise_error
from ._handle import refuse_pickling
from ._store import Scope
from ._values import check_u64

__all__ = ["Table"]


class Table:
    """A wasm table of references, each encoded as an int (0 is null).

    Thread-safety: access holds the store's lock."""

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __init__(self, scope: Scope, table: _extern.wasmtime_table_t, ty: TableType, owner: object) -> None:
        self._scope = scope
        self._store = scope.store
        self._table = table
        self._owner = owner
        self.type = ty

    def size(self) -> int:
        """The number of elements."""
        with self._scope:
            return _table.wasmtime_table_size(self._store.context, ctypes.byref(self._table))

    def grow(self, delta: int, init: int = 0) -> int:
        """Grow by ``delta`` elements set to ``init``; returns the previous size."""
        delta = check_u64("a table's growth in elements", delta)
        previous = c_uint64()
        with self._scope:
            val, keep = to_val(self._store, self.type.element, init, f"Table.grow: init {self.type}")
            err = _table.wasmtime_table_grow(self._store.context, ctypes.byref(self._table), delta,
                                             ctypes.byref(val), ctypes.byref(previous))
            del keep
        raise_error(err, WasmRuntimeError, f"cannot grow the table by {delta}")
        return previous.value

    def get(self, index: int) -> int:
        """The element at ``index``, encoded; IndexError when out of bounds."""
        at = _index(index)
        with self._scope:
            out = _val.wasmtime_val_t()
            if at < 0 or not _table.wasmtime_table_get(self._store.context, ctypes.byref(self._table), at,
                                                         ctypes.byref(out)):
                raise IndexError(f"table index {index} is out of bounds")
            return from_val(self._store, out)

    def set(self, index: int, value: int) -> None:
        """Set the element at ``index`` to an encoded reference."""
        at = _index(index)
        with self._scope:
            if at < 0 or at >= _table.wasmtime_table_size(self._store.context, ctypes.byref(self._table)):
                raise IndexError(f"table index {index} is out of bounds")
            val, keep = to_val(self._store, self.type.element, value, f"Table.set: element {index} {self.type}")
            err = _table.wasmtime_table_set(self._store.context, ctypes.byref(self._table), at, ctypes.byref(val))
            del keep
        raise_error(err, WasmRuntimeError, f"cannot set table element {index}")

    def __repr__(self) -> str:
        return f"<Table {self.type}>"


def _index(index: object) -> int:
    """A table index: an int; one beyond 64 bits is out of bounds of every table (-1)."""
    if not isinstance(index, int):
        raise TypeError(f"a table index is an int, not {type(index).__name__}")
    return index if index < 1 << 64 else -1
