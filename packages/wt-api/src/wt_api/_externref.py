"""The host objects behind externref handles: the process-wide table (``HOST``) and
:class:`ExternRef`, an int that holds its object while Python keeps it (see ``_refs``)."""

from __future__ import annotations

import threading

from wt_ffi import val as _val

__all__ = ["HOST", "ExternRef", "HostObjects"]


class HostObjects:
    """The host objects that externref handles stand for. An entry lives while it is
    pinned (:func:`encode_externref`) or held (by an :class:`ExternRef`, or by an
    externref inside wasm until wasmtime drops it).

    Thread-safety: every method takes the registry's lock and calls no C."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: dict[int, list[object]] = {}  # handle -> [object, pinned, holds]
        self._by_id: dict[int, int] = {}
        self._next = 1

    def handle(self, obj: object, *, pin: bool = False, hold: bool = False) -> int:
        """The handle of ``obj`` (the same one while its entry lives), pinned and/or held."""
        with self._lock:
            h = self._by_id.get(id(obj), 0)
            entry = self._entries.get(h)
            if entry is None or entry[0] is not obj:
                h = self._next
                self._next += 1
                entry = [obj, False, 0]
                self._entries[h] = entry
                self._by_id[id(obj)] = h
            if pin:
                entry[1] = True
            if hold:
                entry[2] = entry[2] + 1  # type: ignore[operator]
            return h

    def hold(self, h: int) -> bool:
        """One more hold on a live handle; False if there is none."""
        with self._lock:
            entry = self._entries.get(h)
            if entry is None:
                return False
            entry[2] = entry[2] + 1  # type: ignore[operator]
            return True

    def drop(self, h: int) -> None:
        """One hold fewer (wasmtime dropped an externref, or an ExternRef went away)."""
        with self._lock:
            entry = self._entries.get(h)
            if entry is not None:
                entry[2] = entry[2] - 1  # type: ignore[operator]
                self._forget_if_unused(h, entry)

    def unpin(self, h: int) -> None:
        """Undo :meth:`handle` with ``pin``: the entry lives on only while held."""
        with self._lock:
            entry = self._entries.get(h)
            if entry is not None:
                entry[1] = False
                self._forget_if_unused(h, entry)

    def _forget_if_unused(self, h: int, entry: list[object]) -> None:
        if not entry[1] and entry[2] <= 0:  # type: ignore[operator]
            del self._entries[h]
            if self._by_id.get(id(entry[0])) == h:
                del self._by_id[id(entry[0])]

    def get(self, h: int) -> object:
        """The object behind a live handle (KeyError otherwise)."""
        return self._entries[h][0]

    def __contains__(self, h: object) -> bool:
        return h in self._entries

    def __len__(self) -> int:
        return len(self._entries)


HOST = HostObjects()
"""The process's host objects behind externrefs."""
_val.on_externref_dropped(HOST.drop)


class ExternRef(int):
    """An externref that came back from wasm: an int (its encoded handle) that keeps its
    host object alive while it exists. :attr:`object` is that object.

    Thread-safety: immutable; reading it takes no lock."""

    def __new__(cls, handle: int) -> ExternRef:
        ref = int.__new__(cls, handle)
        ref._held = HOST.hold(handle)  # type: ignore[attr-defined]
        return ref

    @property
    def object(self) -> object:
        """The host object."""
        return HOST.get(int(self))

    def __del__(self) -> None:
        if self.__dict__.get("_held"):
            HOST.drop(int(self))

    def __repr__(self) -> str:
        try:
            return f"<ExternRef {self.object!r}>"
        except KeyError:
            return "<ExternRef (released)>"
