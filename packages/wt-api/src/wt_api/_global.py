"""Globals: read and (when mutable) written with the seed's encoded values."""

from __future__ import annotations

import ctypes

from wt_ffi import extern as _extern
from wt_ffi import global_ as _global
from wt_ffi import val as _val

from ._convert import from_val
from ._convert_val import to_val
from ._errors import WasmRuntimeError
from ._externtypes import GlobalType
from ._failure import raise_error
from ._handle import refuse_pickling
from ._store import Scope

__all__ = ["Global"]


class Global:
    """A wasm global. ``get()`` returns its value encoded as an int; ``set(value)`` takes
    an encoded int and raises :class:`~wt_api.WasmRuntimeError` for an immutable global.

    Thread-safety: access holds the store's lock."""

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __init__(self, scope: Scope, glob: _extern.wasmtime_global_t, ty: GlobalType, owner: object) -> None:
        self._scope = scope
        self._store = scope.store
        self._glob = glob
        self._owner = owner
        self.type = ty

    @property
    def mutable(self) -> bool:
        """Whether the global can be set."""
        return self.type.mutable

    def get(self) -> int:
        """The global's value, encoded."""
        with self._scope:
            out = _val.wasmtime_val_t()
            _global.wasmtime_global_get(self._store.context, ctypes.byref(self._glob), ctypes.byref(out))
            return from_val(self._store, out)

    def set(self, value: int) -> None:
        """Set the global to an encoded value."""
        if not self.type.mutable:
            raise WasmRuntimeError(f"cannot set an immutable global {self.type}")
        with self._scope:
            val, keep = to_val(self._store, self.type.content, value, f"Global.set: {self.type}")
            err = _global.wasmtime_global_set(self._store.context, ctypes.byref(self._glob), ctypes.byref(val))
            del keep
            raise_error(err, WasmRuntimeError, "cannot set the global")

    def __repr__(self) -> str:
        return f"<Global {self.type}>"
