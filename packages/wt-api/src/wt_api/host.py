"""Host functions: Python callables that wasm can call.

A Python exception raised in a host function belongs to the call that entered wasm:
the callback stores it under a unique token, returns a trap whose message carries the
token, and the failed call takes it back out and re-raises it, traceback and all.
"""

from __future__ import annotations

import itertools
import threading

__all__ = ["take_host_exception", "stash_host_exception"]

_TOKEN_PREFIX = "wt-host-exception#"
_stash: dict[str, BaseException] = {}
_stash_lock = threading.Lock()
_counter = itertools.count(1)


def stash_host_exception(exc: BaseException) -> str:
    """Keep ``exc`` for the call that entered wasm; returns the trap message to use."""
    token = f"{_TOKEN_PREFIX}{next(_counter)}"
    with _stash_lock:
        _stash[token] = exc
    return f"{token} {type(exc).__name__}: {exc}"


def take_host_exception(message: str) -> BaseException | None:
    """The exception a trap message refers to, removed from the stash; None if none."""
    start = message.find(_TOKEN_PREFIX)
    if start < 0:
        return None
    end = message.find(" ", start)
    token = message[start:end if end >= 0 else len(message)]
    with _stash_lock:
        return _stash.pop(token, None)
