"""Python functions that C calls: no signal handler may run at their first instruction.

A callback into Python must never let an exception out to ctypes: ctypes would report
it and return to C whatever its result slot held, a stale value from an earlier call (a
freed trap, say), and wasmtime would use it. Each callback therefore runs its whole body
inside one ``try``. But from Python 3.11 on, a function's first instruction, ``RESUME``,
runs pending signal handlers before any ``try`` is entered: a handler that raises there
(the ``signal.alarm`` timeout idiom) would escape.

``RESUME`` checks only when it starts a function or follows a plain ``yield`` (its
argument's low two bits below 2); after ``yield from`` and ``await`` it leaves pending
handlers to the next check. :func:`checked_later` gives a callback's code the
``after await`` form, so the handler runs at the first call inside the ``try`` and its
exception takes the callback's own ``except`` path. Python 3.10 has no ``RESUME``: its
first instruction is the ``try`` itself, a ``SETUP_FINALLY``, where the interpreter never
runs handlers, provided its jump fits one byte (with an ``EXTENDED_ARG`` before it, the
check runs).
"""

from __future__ import annotations

import opcode
from types import CodeType

__all__ = ["checked_later", "deferred_entry"]

_RESUME = opcode.opmap.get("RESUME")
_PROLOGUE = frozenset(opcode.opmap[name] for name in ("COPY_FREE_VARS", "MAKE_CELL") if name in opcode.opmap)
_AFTER_AWAIT = 3  # RESUME's "where": 0 start, 1 after yield, 2 after yield from, 3 after await


def checked_later(code: CodeType) -> CodeType:
    """``code`` (a function's) with its entry's check for pending signal handlers
    deferred to its next check (Python 3.11+; the same ``code`` on 3.10 or for code that
    does not start as expected)."""
    if _RESUME is None:
        return code
    raw = bytearray(code.co_code)
    for at in range(0, len(raw), 2):
        op = raw[at]
        if op == _RESUME:
            if raw[at + 1] & 3 == 0:  # the start of a function (3.13 keeps flags above these bits)
                raw[at + 1] |= _AFTER_AWAIT
                return code.replace(co_code=bytes(raw))
            return code
        if op not in _PROLOGUE:
            return code
    return code


def deferred_entry(code: CodeType) -> bool:
    """Whether ``code`` starts with the deferred check of :func:`checked_later`, or on
    Python 3.10 with a ``try`` (a ``SETUP_FINALLY`` with no ``EXTENDED_ARG`` before it: the
    interpreter looks at the opcode itself). For tests."""
    if _RESUME is None:
        return code.co_code[0] == opcode.opmap["SETUP_FINALLY"]
    raw = code.co_code
    for at in range(0, len(raw), 2):
        if raw[at] == _RESUME:
            return raw[at + 1] & 3 == _AFTER_AWAIT
        if raw[at] not in _PROLOGUE:
            return False
    return False
