"""The prepared hot path of a wasm call: ``wasmtime_func_call_unchecked`` with raw slots.

:func:`build_caller` does, once per exported function, everything a call needs: the
slot buffer (16 bytes per value, two 64-bit words), the ctypes arguments made ahead,
the C function bound without ``argtypes`` (ctypes then skips per-argument conversion),
and Python source specialised to the signature, so that a call runs one Python frame:
check the arity, hold the store, range-check and store each argument, call C, read
the results.

Numbers cross as the bit patterns of :mod:`wt_ffi.slots`; each reference goes through
the converter given for its slot (:class:`RefParam` in, a function out).
"""

from __future__ import annotations

import builtins
import ctypes
import sys
from collections.abc import Callable, Mapping, Sequence
from ctypes import c_uint32, c_uint64, c_void_p
from functools import lru_cache
from types import CodeType, FunctionType

from ._library import pointer_arg, raw_function
from .extern import wasmtime_func_t
from .slots import RANGES, range_check
from .sink import CallbackSink
from .store import wasmtime_context_t
from .types import VALTYPE_F32, VALTYPE_F64, VALTYPE_I32, VALTYPE_I64, VALTYPE_V128, ValType

__all__ = ["ESCAPED_LINES", "RefParam", "StoreGate", "build_caller", "caller_code", "drop_lines"]


class RefParam:
    """How one reference parameter becomes its raw slot value.

    ``make(value)`` checks the encoded value and returns what C needs; it may allocate a
    rooted GC reference, and so run a garbage collection that moves earlier references.
    With ``raw`` set, the call reads each slot value with ``raw(made)`` only once every
    argument is made; without it, ``make`` returns the slot value itself."""

    __slots__ = ("make", "raw")

    def __init__(self, make: Callable[[object], object], raw: Callable[[object], int] | None = None) -> None:
        self.make = make
        self.raw = raw


class StoreGate:
    """How a call holds its store.

    First the calling thread: unless its ``ident()`` is in ``fits`` (the threads known to
    have stack room for the store's wasm), ``check()`` runs, which may raise (a thread whose
    stack is too small for wasm, a guest output writer that would wait for its own guest)
    or add the thread to ``fits``. Then ``enter()`` takes the store's lock (an ``RLock``)
    and ``leave()`` releases it. The call takes the lock inside its ``try``: a signal
    handler that raises right after ``enter()`` still reaches the ``finally``, which
    releases only what this call took (an ``enter()`` interrupted while another thread held
    the lock took nothing, and ``leave()`` then refuses with RuntimeError, which the
    ``finally`` ignores; one that finds it held by this thread cannot block, so cannot be
    interrupted). The ``finally`` starts with a ``try``, where Python 3.10 runs no signal
    handler. ``alive`` is a one-item list, false once the store (or its owner) is closed:
    ``closed()`` (must raise) runs when it is before C is entered, ``after_close()`` after
    leaving when it was closed meanwhile (a close from inside the call, deferred until the
    call is over). After a call that returned
    normally, an exception left in ``sink`` (one that escaped a callback: see
    :mod:`wt_ffi.sink`) is taken from it and raised; a call that fails takes it too,
    or, interrupted before it could, drops it, so that it never surfaces in the store's
    next call."""

    __slots__ = ("ident", "fits", "check", "enter", "leave", "alive", "closed", "after_close", "sink")

    def __init__(self, ident: Callable[[], int], fits: set[int], check: Callable[[], object], enter: Callable[[], object],
                 leave: Callable[[], object], alive: list[bool], closed: Callable[[], object],
                 after_close: Callable[[], object], sink: CallbackSink) -> None:
        self.ident = ident
        self.fits = fits
        self.check = check
        self.enter = enter
        self.leave = leave
        self.alive = alive
        self.closed = closed
        self.after_close = after_close
        self.sink = sink


_MISSING = object()
_CALL_UNCHECKED: list[Callable[..., object]] = []  # (bound on first use: start-up)


def _store_param(i: int, vt: ValType, conv: RefParam | None, lines: list[str]) -> None:
    a = f"a{i}"
    if vt.kind in RANGES:
        lines.append(f"        if not ({range_check(vt.kind, a)}): _bad({i}, {a})")
    elif conv is not None and conv.raw is not None:
        # The GC reference is made (and rooted) now; its raw value is read only once
        # every argument is made, since making one may collect, and move, the others.
        lines.append(f"        p{i} = _in{i}({a})")
        return
    else:
        lines.append(f"        {a} = _in{i}({a})")
    if vt.kind == VALTYPE_V128:
        lines.append(f"        s[{2 * i}] = {a} & 0xFFFFFFFFFFFFFFFF; s[{2 * i + 1}] = {a} >> 64")
    else:
        # A c_uint64 slot keeps the low 64 bits: negative i32/i64 land as their two's
        # complement, and wasmtime reads an i32 from the low 4 bytes.
        lines.append(f"        s[{2 * i}] = {a}")


# The 32-bit word of a slot that holds an i32 or f32 (its low half): read through a
# c_uint32 view of the slots, no mask needed (~40 ns less per result).
_LOW_WORD = 0 if sys.byteorder == "little" else 1


def _read_result(i: int, vt: ValType) -> str:
    if vt.kind in (VALTYPE_I32, VALTYPE_F32):
        return f"w[{4 * i + _LOW_WORD}]"
    if vt.kind in (VALTYPE_I64, VALTYPE_F64):
        return f"s[{2 * i}]"
    if vt.kind == VALTYPE_V128:
        return f"s[{2 * i}] | (s[{2 * i + 1}] << 64)"
    return f"_out{i}(s[{2 * i}])"


# From C's return to the end of its failure path, a call runs in one ``try`` (shared with
# component calls). A failed call's ``_fail`` takes what escaped a callback from the sink and
# raises it, or the call's own failure; a call that returned raises what escaped, taken from
# the sink inline (no call, where a signal handler could run before it is taken). Whatever
# interrupts that stretch (a signal handler that raises as C returns, or as ``_fail``
# starts) leaves nothing for the store's next call: what escaped is dropped (drop_lines), and
# a core call's trap slot is emptied, since wasmtime writes it only when a call traps and a
# trap left there would fail the function's next call (the trap itself leaks).
ESCAPED_LINES = ("if _sink.error is not None:", "    escaped, _sink.error = _sink.error, None", "    raise escaped")


def drop_lines(*also: str) -> tuple[str, ...]:
    """The clause that ends that ``try``: it empties the sink, and runs the statements
    ``also``. From Python 3.11 on an ``except`` clause that re-raises; on 3.10, which runs
    signal handlers as an ``except`` clause starts, a ``finally`` that starts with a
    ``try`` (where it runs none). It runs after a successful call too, when the sink and
    the trap slot are already empty."""
    stores = ("_sink.error = None", *also)
    if sys.version_info >= (3, 11):
        return ("except BaseException:", *("    " + line for line in stores), "    raise")
    return ("finally:", "    try:", *("        " + line for line in stores), "    finally:", "        pass")


def build_caller(
    context: ctypes._Pointer[wasmtime_context_t],
    func: wasmtime_func_t,
    params: Sequence[ValType],
    results: Sequence[ValType],
    *,
    ref_params: Mapping[int, RefParam],
    ref_results: Mapping[int, Callable[[int], object]],
    gate: StoreGate,
    on_failure: Callable[[int | None, int], object],
    on_bad_value: Callable[[int, object], object],
    on_bad_args: Callable[[tuple[object, ...], TypeError], object],
    on_bad_arity: Callable[[int], object],
    name: str = "call",
    code: CodeType | None = None,
) -> Callable[..., list[int]]:
    """A function taking the encoded arguments and returning the encoded results.

    Before C is entered: a wrong argument count calls ``on_bad_arity(n)``, an out-of-range
    number ``on_bad_value(index, value)`` and any TypeError while storing
    ``on_bad_args(args, exc)``; each must raise. ``on_failure(error_address, trap_address)``
    is called (and must raise, or return for a clean WASI exit) when the call returns an
    error or a trap. The call holds ``gate`` around everything after the arity check.
    ``code``: :func:`caller_code` of the same signature and converters, made earlier.
    """
    nslots = max(len(params), len(results), 1)
    slots = (c_uint64 * (2 * nslots))()
    func_copy = wasmtime_func_t.from_buffer_copy(func)
    trap = (c_uint64 * 1)()  # wasmtime writes a trap's address here (an array reads fastest)
    if not _CALL_UNCHECKED:
        _CALL_UNCHECKED.append(raw_function("wasmtime_func_call_unchecked", c_void_p))
    env: dict[str, object] = {
        "__builtins__": builtins,
        "_c": _CALL_UNCHECKED[0],
        # The call's arguments never change: premade ones that ctypes passes as they are
        # (pointer_arg) and the count as an int, ~80 ns less per call than c_void_p, array and
        # c_size_t, in one tuple that the call unpacks (``_c(*_a)`` builds no tuple per call).
        "_a": (pointer_arg(ctypes.cast(context, c_void_p).value or 0), ctypes.byref(func_copy), pointer_arg(slots),
               nslots, ctypes.byref(trap)),
        "_keep": func_copy,
        "s": slots,
        "w": (c_uint32 * (4 * nslots)).from_buffer(slots),
        "_tb": trap,
        "_fail": on_failure,
        "_bad": on_bad_value,
        "_badargs": on_bad_args,
        "_arity": on_bad_arity,
        "_M": _MISSING,
        "_ident": gate.ident,
        "_fits": gate.fits,
        "_check": gate.check,
        "_enter": gate.enter,
        "_leave": gate.leave,
        "_alive": gate.alive,
        "_closed": gate.closed,
        "_after_close": gate.after_close,
        "_sink": gate.sink,
    }
    for i, conv in ref_params.items():
        env[f"_in{i}"] = conv.make
        if conv.raw is not None:
            env[f"_raw{i}"] = conv.raw
    for i, out in ref_results.items():
        env[f"_out{i}"] = out
    if code is None:
        code = caller_code(params, results, ref_params)
    fn = FunctionType(code, env, name, (_MISSING,) * len(params))
    fn.__qualname__ = name
    return fn


def caller_code(params: Sequence[ValType], results: Sequence[ValType], ref_params: Mapping[int, RefParam]) -> CodeType:
    """The code of the function :func:`build_caller` makes for a signature (its ``__code__``):
    the same for every function of that signature and reference converters, so a caller that
    makes many (an export, once per instance) passes it back as ``code`` and skips writing and
    compiling the source."""
    two_phase = sorted(i for i, conv in ref_params.items() if conv.raw is not None)
    # Positional parameters (a default marks a missing one, *rest catches extra ones) cost
    # less than unpacking *args; a wrong count still raises wt's error, not Python's.
    names = "".join(f"a{i}=_M, " for i in range(len(params)))
    lines = [f"def call({names}{'/, ' if params else ''}*rest):"]
    if params:
        lines.append(f"    if rest or a{len(params) - 1} is _M: _arity(len(rest) + {len(params)} - "
                     f"[{', '.join(f'a{i}' for i in range(len(params)))}].count(_M))")
    else:
        lines.append("    if rest: _arity(len(rest))")
    lines += ["    if _ident() not in _fits: _check()", "    try:", "        _enter()", "        if not _alive[0]: _closed()"]
    if params:
        stores: list[str] = []
        for i, vt in enumerate(params):
            _store_param(i, vt, ref_params.get(i), stores)
        stores.extend(f"        s[{2 * i}] = _raw{i}(p{i})" for i in two_phase)
        # Non-int arguments fail the range check or the slot store with TypeError.
        lines.append("        try:")
        lines.extend("    " + line for line in stores)
        lines.append("        except TypeError as exc:")
        lines.append(f"            _badargs(({', '.join(f'a{i}' for i in range(len(params)))},), exc)")
    lines += ["        try:", "            e = _c(*_a)", "            if e or _tb[0]:", "                t = _tb[0]; _tb[0] = 0",
              "                _fail(e, t)", *("            " + line for line in ESCAPED_LINES),
              *("        " + line for line in drop_lines("_tb[0] = 0"))]
    lines.append("        return [" + ", ".join(_read_result(i, vt) for i, vt in enumerate(results)) + "]")
    # Release only what this call took: an acquire interrupted before it took the lock took
    # nothing, and RLock.release then raises RuntimeError (as _is_owned() would have said,
    # without a call on the normal path: ~40 ns).
    lines += ["    finally:", "        try:", "            _leave()", "        except RuntimeError:", "            pass",
              "        finally:", "            if not _alive[0]: _after_close()"]
    # The one ``def call`` of the module. (A loop, not ``next()`` over a generator: a generator
    # left unfinished runs again as it is collected, where an interrupt would be ignored.)
    for const in _compiled("\n".join(lines)).co_consts:
        if isinstance(const, CodeType):
            return const
    raise AssertionError("generated caller source without a function")  # pragma: no cover


@lru_cache(maxsize=512)
def _compiled(source: str) -> CodeType:
    """Compiled code for generated source: signatures repeat, compiling is the slow part."""
    return compile(source, "<wt call>", "exec")
