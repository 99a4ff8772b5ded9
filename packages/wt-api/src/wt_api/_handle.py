"""The one owner of C handles: close exactly once, never use after close."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from ._errors import ClosedError

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Generic, TypeVar

    from typing_extensions import Self

    T = TypeVar("T")

    class _Generic(Generic[T]):
        __slots__ = ()
else:
    class _Generic:
        """``Owned[...]`` at run time, without typing's ``Generic``."""

        __slots__ = ()

        def __class_getitem__(cls, item):
            return cls

    T = object

__all__ = ["Owned", "Closeable", "refuse_pickling"]

_INSTEAD = ("pickle the CompiledModule instead, and instantiate it where it lands: "
            "compiled.runtime.instantiate(compiled)")
_WHY_NOT_PICKLED = {
    "Runtime": ("it owns a wasmtime engine of this process",
                "pickle the CompiledModule: it brings its configuration, and compiled.runtime is a runtime made "
                "from it in the receiving process"),
    "Module": ("an instance lives in a wasmtime store of this process, with its memory and state", _INSTEAD),
    "Function": ("it belongs to an instance in a wasmtime store of this process",
                 _INSTEAD + ", then look the export up there"),
    "Caller": ("it is valid only during one host call", "pass plain values"),
    "CompilationCache": ("it belongs to this process",
                         "set WT_CACHE_DIR in the workers, or give the sending runtime a disk cache (its directory "
                         "travels with pickled modules)"),
}
_HOST = ("it holds Python functions bound to a runtime of this process",
         "define the host module again in the receiving process (in the function the worker runs)")
for _name in ("Memory", "Global", "Table"):
    _WHY_NOT_PICKLED[_name] = _WHY_NOT_PICKLED["Function"]
for _name in ("HostModule", "HostModuleBuilder", "HostFunctionBuilder"):
    _WHY_NOT_PICKLED[_name] = _HOST


def refuse_pickling(obj: object) -> TypeError:
    """The error for pickling (or copying) a wt object that only makes sense in its process."""
    name = type(obj).__name__
    why, instead = _WHY_NOT_PICKLED.get(name, ("it owns resources of this process", _INSTEAD))
    return TypeError(f"a wt {name} cannot be pickled: {why}; {instead} (see the scale-out guide)")


class Closeable:
    """A context manager that calls ``close()`` on exit. Not picklable (see
    :func:`refuse_pickling`), except where a subclass says how."""

    def close(self) -> None:
        """Release what the object owns. Idempotent."""

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class Owned(_Generic[T]):
    """Owns one C handle and the function that frees it.

    ``get()`` returns the handle or raises :class:`ClosedError`; ``close()`` frees it
    once (idempotent); at interpreter shutdown nothing is freed, since the library's
    globals may already be gone.

    A C call that may run while another thread closes the owner takes the handle with
    :meth:`enter` and gives it back with :meth:`leave`: ``close()`` then frees it when the
    last such use has left, never under a running C call, and never waits.

    Thread-safety: every method may be called from any thread (with the GIL). No lock: each
    step that another thread may see is one operation on a list, which the interpreter does
    whole. A use is announced (``_uses``) before ``_closing`` is read, and a closer sets
    ``_closing`` before it looks at ``_uses``, so one of the two always sees the other.
    Whoever finds both closing and no use left may free the handle, if it gets the one-item
    ``_token`` first (a pop only one thread can do); it takes ``_ptr`` and frees it with no
    call between, so a signal handler that raises as the pop returns leaves the handle to
    :meth:`__del__` rather than losing it.
    """

    __slots__ = ("_ptr", "_free", "_what", "_uses", "_closing", "_token")

    def __init__(self, ptr: T, free: Callable[[T], object], what: str) -> None:
        # (the handle last: whatever interrupts this, __del__ finds what close needs)
        self._free = free
        self._what = what
        self._uses: list[None] = []
        self._closing = False
        self._token = [True]
        self._ptr: T | None = ptr

    def get(self) -> T:
        """The live handle (for a use that no other thread's close can overlap)."""
        ptr = self._ptr
        if ptr is None or self._closing:
            raise ClosedError(f"this {self._what} is closed")
        return ptr

    def enter(self) -> T:
        """The live handle for one C call; pair with :meth:`leave`."""
        self._uses.append(None)  # (announced first: a close from now on sees this use)
        if self._closing:
            self.leave()
            raise ClosedError(f"this {self._what} is closed")
        return self._ptr  # type: ignore[return-value]  # (not freed: no closer can have seen no use)

    def leave(self) -> None:
        """One use is over; after :meth:`close`, the last one frees the handle."""
        self._uses.pop()
        if self._closing and not self._uses:
            self._claim()

    @property
    def closed(self) -> bool:
        """Whether the handle was closed (freed now, or once its last use leaves)."""
        return self._closing or self._ptr is None

    def close(self) -> None:
        """Free the handle now, or when its last use leaves; later calls do nothing."""
        self._closing = True
        if not self._uses:
            self._claim()

    def _claim(self) -> None:
        try:
            self._token.pop()  # (only one claimant gets it)
        except IndexError:
            return
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._free(ptr)

    def __del__(self) -> None:
        # Unreachable, so no C call is using it: free what is left, even after a close or a
        # use that a raising signal handler cut short (a claim included: see the class).
        ptr = getattr(self, "_ptr", None)
        if ptr is not None and not sys.is_finalizing():
            self._ptr = None
            self._free(ptr)
