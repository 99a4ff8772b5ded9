"""What every fuzz case and every reproducer runs first: helpers written against wt_api's
public API only. A reproducer script is this file's text followed by the statements of the
case, so nothing here may import from the fuzz package (nor use ``from __future__``)."""

import random
from collections.abc import Callable
from typing import Any

import wt_api as wt

LAST: BaseException | None = None
"""The exception the last :func:`attempt` caught (None when it returned)."""

VERBOSE = __name__ == "__main__"  # a reproducer run as a script prints what each statement raised


class FuzzHostError(Exception):
    """Raised on purpose by a fuzz host function."""


class OracleViolation(Exception):
    """The public API did something it must not (e.g. accepted an index out of range)."""


EXPECTED: tuple[type[BaseException], ...] = (wt.WtError, TypeError, ValueError, IndexError, OverflowError,
                                             FuzzHostError)
"""What the public API may raise at a fuzzed call (ctypes.ArgumentError is none of them)."""


def attempt(fn: Callable[[], Any]) -> Any:
    """``fn()``, or None if it raised (kept in :data:`LAST`)."""
    global LAST
    LAST = None
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - the worker classifies it
        LAST = exc
        if VERBOSE:
            print(f"  -> {type(exc).__name__}: {str(exc)[:200]}")
        return None


def must_fail(what: str, fn: Callable[[], Any]) -> None:
    """``fn()`` must raise an expected error: returning is an :class:`OracleViolation`."""
    try:
        result = fn()
    except EXPECTED:
        return
    raise OracleViolation(f"{what} (returned {str(result)[:80]})")


# --- values a host function returns ------------------------------------------------------

_BITS = {"I32": 32, "I64": 64, "F32": 32, "F64": 64, "V128": 128}


def _random_number(rng: random.Random, bits: int) -> int:
    return rng.choice((0, 1, (1 << bits) - 1, 1 << (bits - 1), rng.getrandbits(bits)))


def host_value(rng: random.Random, t: Any, typed: bool, wrong: bool) -> object:
    """A value for a host function result of type ``t``: right (encoded, or the plain
    Python value of the typed form) or, with ``wrong``, anything."""
    if wrong:
        return rng.choice((None, "x", 1.5, 1 << 200, -1, True, [], object(), b"\0" * 16))
    name = t.name if isinstance(t, wt.ValueType) else None
    if name in _BITS:
        value = _random_number(rng, _BITS[name])
        if typed and name in ("F32", "F64"):
            return rng.choice((0.0, -1.5, float("inf"), float("nan"), 3.4e38))
        if typed and name in ("I32", "I64"):
            return (wt.decode_i32 if name == "I32" else wt.decode_i64)(value)
        return value
    nullable = t.nullable if isinstance(t, wt.RefType) else True
    heap = t.heap if isinstance(t, wt.RefType) else {"FUNCREF": "func", "EXTERNREF": "extern",
                                                      "ANYREF": "any", "EXNREF": "exn"}[name or ""]
    if nullable and rng.random() < 0.4:
        return None if typed else 0
    if heap in ("extern", "any"):
        return ["host", rng.random()] if typed else wt.encode_externref(["host", rng.random()])
    if heap in ("any", "eq", "i31"):
        return wt.encode_i31(rng.getrandbits(31))
    return rng.choice((0, 1, 12345, 1 << 40))  # nothing right to give: a raw guess


def host_fn(behaviour: str, params: list[Any], results: list[Any], seed: int, typed: bool,
            caller: bool) -> Callable[..., object]:
    """A host function: ``behaviour`` is ``value`` (right kinds of results), ``raise``,
    ``wrong`` (wrong kinds), ``reenter`` (calls back into the caller's exports),
    ``keep`` (keeps its Caller in :data:`KEPT` for later misuse)."""
    rng = random.Random(seed)

    def results_of(c: Any) -> list[object]:
        if behaviour == "raise":
            raise FuzzHostError("a fuzz host function raised")
        if behaviour == "keep" and c is not None:
            KEPT.append(c)
        if behaviour == "reenter" and c is not None:
            memory = c.memory
            if memory is not None and memory.size:
                memory.write(0, memory.read(0, 1))
        return [host_value(rng, t, typed, behaviour == "wrong") for t in results]

    if typed:
        def typed_fn(*args: object) -> object:
            out = results_of(args[0] if caller else None)
            if behaviour == "wrong" and rng.random() < 0.3:
                return tuple(out) + (1,)
            return None if not out else out[0] if len(out) == 1 else tuple(out)
        return typed_fn

    def stack_fn(*args: Any) -> None:
        stack = args[-1]
        out = results_of(args[0] if caller else None)
        for i, value in enumerate(out):
            stack[len(stack) - len(out) + i] = value
        if behaviour == "wrong" and rng.random() < 0.3:
            stack.append(1)
    return stack_fn


KEPT: list[Any] = []
"""Callers kept by ``keep`` host functions, for use after their call ended."""


# --- references from elsewhere: another runtime, released, closed --------------------------

DONOR_WAT = """
(module
  (type $s (struct (field (mut i32))))
  (type $a (array (mut i8)))
  (type $ft (func (result i32)))
  (tag $tag (param i32))
  (func $f (type $ft) i32.const 7)
  (table (export "t") 2 funcref)
  (elem (table 0) (i32.const 0) func $f)
  (global (export "s") (mut anyref) (struct.new $s (i32.const 1)))
  (global (export "a") (mut anyref) (array.new_default $a (i32.const 4)))
  (global (export "e") (mut externref) (ref.null extern))
  (func (export "f") (type $ft) i32.const 7)
  (func (export "exn") (result exnref)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (throw $tag (i32.const 3)))
      (ref.null exn)))
)
"""


def make_donor() -> dict[str, object]:
    """References that do not belong to the fuzzed module: of another runtime (live), of a
    closed module and runtime, and released handles."""
    out: dict[str, object] = {}
    other = wt.Runtime()
    compiled = other.compile_module(DONOR_WAT)
    live: Any = other.instantiate(compiled)
    out["func_raw"] = live.exported_table("t").get(0)
    out["function"] = live.exported_function("f")
    out["struct"] = live.exported_global("s").get()
    out["array"] = live.exported_global("a").get()
    out["exn"] = live.exported_function("exn").call()[0]
    out["extern"] = wt.encode_externref(object())
    released = wt.encode_externref(object())
    wt.release_externref(released)
    out["released_extern"] = released
    gone = live.exported_global("s").get()
    wt.release_ref(gone)
    out["released_struct"] = gone
    dead_rt = wt.Runtime()
    dead: Any = dead_rt.instantiate(dead_rt.compile_module(DONOR_WAT))
    out["closed_function"] = dead.exported_function("f")
    out["closed_func_raw"] = dead.exported_table("t").get(0)
    out["closed_struct"] = dead.exported_global("s").get()
    out["closed_exn"] = dead.exported_function("exn").call()[0]
    dead_rt.close()
    DONORS.append(other)  # kept alive for the case
    return out


DONORS: list[Any] = []
"""Runtimes made by :func:`make_donor` (closed by :func:`close_all`)."""


def close_all() -> None:
    """Close what the case made outside its own runtime."""
    for runtime in DONORS:
        runtime.close()
    DONORS.clear()
    KEPT.clear()
