"""Tables of references."""

from __future__ import annotations

import ctypes
from ctypes import c_uint64

from wt_ffi import error as _error
from wt_ffi import extern as _extern
from wt_ffi import table as _table
from wt_ffi import val as _val

from .errors import WasmRuntimeError
from .externtypes import TableType
from .valconv import from_val, to_val

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .store import Store

__all__ = ["Table"]


class Table:
    """A wasm table of references, each encoded as an int (0 is null).

    Thread-safety: access holds the store's lock."""

    def __init__(self, store: Store, table: _extern.wasmtime_table_t, ty: TableType, owner: object) -> None:
        self._store = store
        self._table = table
        self._owner = owner
        self.type = ty

    def _raise(self, err: ctypes._Pointer[_error.wasmtime_error_t], what: str) -> None:
        try:
            raise WasmRuntimeError(f"{what}: {_error.error_message(err)}")
        finally:
            _error.wasmtime_error_delete(err)

    def size(self) -> int:
        """The number of elements."""
        with self._store.lock:
            self._store.check()
            return _table.wasmtime_table_size(self._store.context, ctypes.byref(self._table))

    def grow(self, delta: int, init: int = 0) -> int:
        """Grow by ``delta`` elements set to ``init``; returns the previous size."""
        if not isinstance(delta, int) or delta < 0:
            raise ValueError(f"grow takes a non-negative number of elements, not {delta!r}")
        previous = c_uint64()
        with self._store.lock:
            self._store.check()
            val, keep = to_val(self._store, self.type.element, init)
            try:
                err = _table.wasmtime_table_grow(self._store.context, ctypes.byref(self._table), delta,
                                                 ctypes.byref(val), ctypes.byref(previous))
            finally:
                keep()
        if err:
            self._raise(err, f"cannot grow the table by {delta}")
        return previous.value

    def get(self, index: int) -> int:
        """The element at ``index``, encoded; IndexError when out of bounds."""
        if not isinstance(index, int):
            raise TypeError(f"a table index is an int, not {type(index).__name__}")
        with self._store.lock:
            self._store.check()
            out = _val.wasmtime_val_t()
            if index < 0 or not _table.wasmtime_table_get(self._store.context, ctypes.byref(self._table), index,
                                                            ctypes.byref(out)):
                raise IndexError(f"table index {index} is out of bounds")
            return from_val(self._store, out)

    def set(self, index: int, value: int) -> None:
        """Set the element at ``index`` to an encoded reference."""
        if not isinstance(index, int):
            raise TypeError(f"a table index is an int, not {type(index).__name__}")
        with self._store.lock:
            self._store.check()
            if index < 0 or index >= _table.wasmtime_table_size(self._store.context, ctypes.byref(self._table)):
                raise IndexError(f"table index {index} is out of bounds")
            val, keep = to_val(self._store, self.type.element, value)
            try:
                err = _table.wasmtime_table_set(self._store.context, ctypes.byref(self._table), index, ctypes.byref(val))
            finally:
                keep()
        if err:
            self._raise(err, f"cannot set table element {index}")

    def __repr__(self) -> str:
        return f"<Table {self.type}>"
