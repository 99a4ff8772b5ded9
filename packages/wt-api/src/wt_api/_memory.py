"""Linear memories: bounds-checked reads and writes, and zero-copy views."""

from __future__ import annotations

import ctypes
import weakref
from ctypes import c_ubyte, c_uint64

from wt_ffi import extern as _extern
from wt_ffi import memory as _memory
from wt_ffi import sharedmemory as _shm

from ._errors import WasmRuntimeError
from ._externtypes import MemoryType
from ._failure import raise_error
from ._handle import refuse_pickling
from ._store import Scope
from ._values import check_u64

__all__ = ["Memory"]


class Memory:
    """A linear memory. ``read``/``write`` copy with bounds checks; :meth:`view` gives a
    writable ``memoryview`` straight onto the memory's bytes, copying nothing.

    A view stays valid for as long as it exists: wt never lets a memory move (growth
    happens in place) and frees the store only after every view of it is gone. A view
    does not see growth that happens after it was taken: take a new one.

    Thread-safety: access holds the store's lock; views are not synchronised.
    """

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __init__(self, scope: Scope, item: _extern.wasmtime_extern_t, ty: MemoryType, owner: object) -> None:
        self._scope = scope
        self._store = store = scope.store
        self._item = item
        self._mem = ctypes.byref(item.of.memory)
        self._owner = owner
        self.type = ty
        self._shared: ctypes._Pointer[_extern.wasmtime_sharedmemory_t] | None = None
        # The hot path of read/write: the size through a C function bound without argtypes
        # (with its arguments made here), and the base address, read once: wt's memories
        # never move (growth happens in place; see RATIONALE).
        self._address: int | None = None
        if item.kind == _extern.EXTERN_SHAREDMEMORY:
            # A shared memory is a handle of its own (this object's), not a store item.
            self._shared = item.of.sharedmemory
            weakref.finalize(self, _shm.wasmtime_sharedmemory_delete, self._shared)
            self._raw_size = _shm.size_reader(self._shared)
        else:
            self._raw_size = _memory.size_reader(store.context, self._mem)

    def _ctx(self) -> ctypes._Pointer[ctypes.Structure]:
        return self._store.context  # type: ignore[return-value]

    def _data_size(self) -> int:
        return self._raw_size()

    def _data(self) -> int:
        address = self._address
        if address is None:
            if self._shared is not None:
                address = _shm.wasmtime_sharedmemory_data(self._shared) or 0
            else:
                address = _memory.wasmtime_memory_data(self._ctx(), self._mem) or 0  # type: ignore[arg-type]
            self._address = address
        return address

    @property
    def shared(self) -> bool:
        """Whether this is a shared memory (threads proposal)."""
        return self._shared is not None

    @property
    def size(self) -> int:
        """The memory's size in bytes."""
        with self._scope:
            return self._data_size()

    @property
    def pages(self) -> int:
        """The memory's size in pages."""
        with self._scope:
            if self._shared is not None:
                return _shm.wasmtime_sharedmemory_size(self._shared)
            return _memory.wasmtime_memory_size(self._ctx(), self._mem)  # type: ignore[arg-type]

    @property
    def page_size(self) -> int:
        """The page size in bytes (65536 unless the module chose a custom page size)."""
        return self.type.page_size

    def grow(self, delta: int) -> int:
        """Grow by ``delta`` pages; returns the previous size in pages. Raises
        :class:`~wt_api.WasmRuntimeError` if the memory cannot grow that far."""
        delta = check_u64("a memory's growth in pages", delta)
        previous = c_uint64()
        with self._scope:
            if self._shared is not None:
                err = _shm.wasmtime_sharedmemory_grow(self._shared, delta, ctypes.byref(previous))
            else:
                err = _memory.wasmtime_memory_grow(self._ctx(), self._mem, delta, ctypes.byref(previous))  # type: ignore[arg-type]
        raise_error(err, WasmRuntimeError, f"cannot grow memory by {delta} pages")
        return previous.value

    def _base(self, offset: int, length: int) -> int:
        if not isinstance(offset, int) or not isinstance(length, int):
            raise TypeError("offset and length are ints")
        size = self._data_size()
        if offset < 0 or length < 0 or offset + length > size:
            raise IndexError(f"memory access [{offset}, {offset + length}) is out of bounds (size {size})")
        return self._data()

    def read(self, offset: int, length: int) -> bytes:
        """Copy ``length`` bytes from ``offset``."""
        with self._scope:
            base = self._base(offset, length)
            return ctypes.string_at(base + offset, length) if length else b""

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        """Copy ``data`` into the memory at ``offset``."""
        if isinstance(data, bytes):
            src: bytes | ctypes.Array[c_ubyte] = data
            n = len(data)
        else:
            view = memoryview(data).cast("B")
            n = view.nbytes
            # A writable buffer is copied straight from its memory; others go through bytes.
            src = (c_ubyte * n).from_buffer(view) if not view.readonly and n else view.tobytes()
        with self._scope:
            base = self._base(offset, n)
            if n:
                ctypes.memmove(base + offset, src, n)

    def view(self, offset: int = 0, length: int | None = None) -> memoryview:
        """A writable zero-copy ``memoryview`` of ``length`` bytes (default: to the end)."""
        with self._scope:
            size = self._data_size()
            if length is None:
                length = size - offset if 0 <= offset <= size else -1
            base = self._base(offset, length)
            array = (c_ubyte * length).from_address(base + offset)
            array._wt_store = self._store  # type: ignore[attr-defined]
            array._wt_memory = self  # type: ignore[attr-defined]  # (a shared memory's handle)
            self._store.add_view(array)
            return memoryview(array).cast("B")

    def __repr__(self) -> str:
        return f"<Memory {self.type}>"
