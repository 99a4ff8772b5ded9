"""asyncio tests run each coroutine on a fresh event loop: asyncio's default one, and
uvloop's too when uvloop is installed (it is optional; wt needs neither beyond the
standard library). A small fixture of our own, no pytest plugin: see RATIONALE, "async"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

import pytest

import wt_api as wt

T = TypeVar("T")

LOOPS = ["asyncio"]
try:
    import uvloop  # type: ignore[import-not-found]

    LOOPS.append("uvloop")
except ImportError:  # optional
    uvloop = None


def run_on(kind: str, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to its end on a new loop of ``kind``, then cancel what it left running."""
    loop = asyncio.new_event_loop() if kind == "asyncio" else uvloop.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(coro)
    finally:
        try:
            left = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in left:
                task.cancel()
            if left:
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()


@pytest.fixture(params=LOOPS)
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, T]], T]:
    """``run(coro)``: the coroutine's result, on a fresh loop of each kind."""
    return lambda coro: run_on(request.param, coro)


@pytest.fixture
def runtime() -> Iterator[wt.Runtime]:
    with wt.Runtime(wt.RuntimeConfig().with_async_support()) as r:
        yield r


async def within(seconds: float, awaitable: Coroutine[Any, Any, T]) -> T:
    """``awaitable`` under ``asyncio.timeout(seconds)`` (``wait_for`` on Python 3.10)."""
    if hasattr(asyncio, "timeout"):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)
