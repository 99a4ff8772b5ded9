"""Coroutines at wt's edges: telling async callables (host functions, guest output writers)
from sync ones, and awaiting the rest of one that already started (:class:`Resumed`)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Generator

__all__ = ["is_coroutine_function", "Resumed"]

_CO_COROUTINE = 0x80


def is_coroutine_function(fn: object) -> bool:
    """Whether calling ``fn`` makes a coroutine: an ``async def`` function, also through
    ``functools.partial`` and bound methods (and, once :mod:`inspect` is loaded, as it is
    with :mod:`asyncio`, whatever ``inspect.iscoroutinefunction`` recognises)."""
    inspect = sys.modules.get("inspect")
    if inspect is not None:
        return bool(inspect.iscoroutinefunction(fn))
    while isinstance(fn, functools.partial):
        fn = fn.func
    code = getattr(getattr(fn, "__func__", fn), "__code__", None)
    return code is not None and bool(code.co_flags & _CO_COROUTINE)


class Resumed:
    """The rest of a coroutine that already ran to its first suspension (which yielded
    ``yielded``): awaiting this continues it exactly as ``await coroutine`` would have
    (``yield from``: values sent and exceptions thrown in go to the coroutine)."""

    __slots__ = ("it", "yielded")

    def __init__(self, it: Generator[object, object, object], yielded: object) -> None:
        self.it = it
        self.yielded = yielded

    def __await__(self) -> Generator[object, object, object]:
        it, value = self.it, self.yielded
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                it.close()
                raise
            except BaseException as exc:  # noqa: BLE001 - thrown in by the task: the coroutine's to handle
                try:
                    value = it.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    value = it.send(sent)
                except StopIteration as stop:
                    return stop.value
