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

__all__ = ["Owned", "Closeable"]


class Closeable:
    """A context manager that calls ``close()`` on exit."""

    def close(self) -> None:
        """Release what the object owns. Idempotent."""

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
    """

    __slots__ = ("_ptr", "_free", "_what")

    def __init__(self, ptr: T, free: Callable[[T], object], what: str) -> None:
        self._ptr: T | None = ptr
        self._free = free
        self._what = what

    def get(self) -> T:
        """The live handle."""
        ptr = self._ptr
        if ptr is None:
            raise ClosedError(f"this {self._what} is closed")
        return ptr

    @property
    def closed(self) -> bool:
        """Whether the handle was freed."""
        return self._ptr is None

    def close(self) -> None:
        """Free the handle; later calls do nothing."""
        ptr, self._ptr = self._ptr, None
        if ptr is not None:
            self._free(ptr)

    def __del__(self) -> None:
        if self._ptr is not None and not sys.is_finalizing():
            self.close()
