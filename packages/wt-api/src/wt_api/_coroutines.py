"""How wt tells async callables (host functions, guest output writers) from sync ones."""

from __future__ import annotations

import functools
import sys

__all__ = ["is_coroutine_function"]

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
