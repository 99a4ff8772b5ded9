"""The prepared hot path of a wasm call: ``wasmtime_func_call_unchecked`` with raw slots.

:func:`build_caller` does, once per exported function, everything a call needs: the
slot buffer (16 bytes per value, two 64-bit words), the ctypes arguments made ahead,
the C function bound without ``argtypes`` (ctypes then skips per-argument conversion),
and Python source specialised to the signature, so a call runs one Python frame:
check the arity, range-check and store each argument, call C, read the results.

Values cross as the bit patterns of wt's encoding: i32/f32 as 32-bit patterns,
i64/f64 as 64-bit patterns, v128 as a 128-bit int; references go through per-slot
converters supplied by the caller of :func:`build_caller`.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from functools import lru_cache
from types import CodeType
from ctypes import c_size_t, c_uint64, c_void_p

from ._library import raw_function
from .extern import wasmtime_func_t
from .store import wasmtime_context_t
from .types import VALTYPE_F32, VALTYPE_F64, VALTYPE_I32, VALTYPE_I64, VALTYPE_V128, ValType

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from dataclasses import dataclass
else:  # the same records without the import cost of dataclasses (see _records)
    from ._records import dataclass

__all__ = ["Failure", "build_caller", "take_failure"]

RefConverter = Callable[[int], int]
"""Turns an encoded reference into a raw slot value (in), or a raw slot value into
an encoded reference (out)."""


@dataclass(frozen=True)
class Failure:
    """What a failed call left behind, copied out of C and freed there."""

    message: str
    trap_code: int | None
    is_trap: bool
    exit_status: int | None
    frames: tuple[object, ...]


def take_failure(error_addr: int | None, trap_holder: c_void_p) -> Failure:
    """Read and free the error or trap that a call returned; reset ``trap_holder``."""
    from . import error as _error
    from . import trap as _trap

    if error_addr is not None and error_addr != 0:
        err = ctypes.cast(error_addr, _error.ErrorPtr)
        try:
            return Failure(_error.error_message(err), None, False, _error.error_exit_status(err),
                           _trap.error_frames(err))
        finally:
            _error.wasmtime_error_delete(err)
    trap = ctypes.cast(trap_holder.value or 0, _trap.TrapPtr)
    trap_holder.value = None
    try:
        return Failure(_trap.trap_message(trap), _trap.trap_code(trap), True, None, _trap.trap_frames(trap))
    finally:
        _trap.wasm_trap_delete(trap)


_LIMITS = {
    VALTYPE_I32: ("-0x80000000", "0x100000000"),
    VALTYPE_I64: ("-0x8000000000000000", "0x10000000000000000"),
    VALTYPE_F32: ("0", "0x100000000"),
    VALTYPE_F64: ("0", "0x10000000000000000"),
    VALTYPE_V128: ("0", "0x100000000000000000000000000000000"),
}


def _store_param(i: int, vt: ValType, lines: list[str], two_phase: bool) -> None:
    a = f"a{i}"
    if vt.kind in _LIMITS:
        lo, hi = _LIMITS[vt.kind]
        lines.append(f"    if not ({lo} <= {a} < {hi}): _bad({i}, {a})")
    elif two_phase:
        # The GC reference is made (and rooted) now; its raw value is read only once
        # every argument is made, since making one may collect, and move, the others.
        lines.append(f"    p{i} = _in{i}({a})")
        return
    else:
        lines.append(f"    {a} = _in{i}({a})")
    if vt.kind == VALTYPE_V128:
        lines.append(f"    s[{2 * i}] = {a} & 0xFFFFFFFFFFFFFFFF; s[{2 * i + 1}] = {a} >> 64")
    else:
        # A c_uint64 slot keeps the low 64 bits: negative i32/i64 land as their two's
        # complement, and wasmtime reads an i32 from the low 4 bytes.
        lines.append(f"    s[{2 * i}] = {a}")


def _read_result(i: int, vt: ValType) -> str:
    if vt.kind in (VALTYPE_I32, VALTYPE_F32):
        return f"s[{2 * i}] & 0xFFFFFFFF"
    if vt.kind in (VALTYPE_I64, VALTYPE_F64):
        return f"s[{2 * i}]"
    if vt.kind == VALTYPE_V128:
        return f"s[{2 * i}] | (s[{2 * i + 1}] << 64)"
    return f"_out{i}(s[{2 * i}])"


def build_caller(
    context: ctypes._Pointer[wasmtime_context_t],
    func: wasmtime_func_t,
    params: Sequence[ValType],
    results: Sequence[ValType],
    *,
    ref_in: dict[int, RefConverter],
    ref_out: dict[int, RefConverter],
    ref_raw: dict[int, Callable[[object], int]] | None = None,
    on_failure: Callable[[int | None, c_void_p], object],
    on_bad_value: Callable[[int, object], object],
    on_bad_args: Callable[[tuple[object, ...], TypeError], object],
    on_bad_arity: Callable[[int], object],
    guard: object | None = None,
    name: str = "call",
) -> Callable[..., list[int]]:
    """A function taking the encoded arguments and returning the encoded results.

    ``on_failure(error_addr, trap_holder)`` is called (and must raise) when the call
    returns an error or trap; ``on_bad_value(index, value)`` (out of range),
    ``on_bad_args(args, exc)`` (a TypeError while storing) and ``on_bad_arity(n)`` must
    raise before C is entered. A parameter with a ``ref_raw`` converter takes two
    phases: ``ref_in[i](value)`` makes a rooted reference (it may allocate, and so
    collect garbage) for every such parameter first, then ``ref_raw[i](made)`` reads
    each raw slot value, with no allocation left before the call. ``guard``, if given, is a lock held around the
    call (the store's), acquired with ``acquire()``/``release()``.
    """
    nslots = max(len(params), len(results), 1)
    slots = (c_uint64 * (2 * nslots))()
    func_copy = wasmtime_func_t()
    ctypes.pointer(func_copy)[0] = func
    trap = c_void_p()
    env: dict[str, object] = {
        "_c": raw_function("wasmtime_func_call_unchecked", c_void_p),
        "_ctx": ctypes.cast(context, c_void_p),
        "_f": ctypes.byref(func_copy),
        "_keep": func_copy,
        "s": slots,
        "_n": c_size_t(nslots),
        "_t": ctypes.byref(trap),
        "_trap": trap,
        "_fail": on_failure,
        "_bad": on_bad_value,
        "_badargs": on_bad_args,
        "_arity": on_bad_arity,
    }
    for i, conv in ref_in.items():
        env[f"_in{i}"] = conv
    for i, conv in ref_out.items():
        env[f"_out{i}"] = conv
    ref_raw = ref_raw or {}
    for i, raw_conv in ref_raw.items():
        env[f"_raw{i}"] = raw_conv
    args = ", ".join(f"a{i}" for i in range(len(params)))
    lines = ["def call(*args):"]
    lines.append(f"    if len(args) != {len(params)}: _arity(len(args))")
    if params:
        lines.append(f"    {args}{',' if len(params) == 1 else ''} = args")
    body: list[str] = []
    if params:
        stores: list[str] = []
        for i, vt in enumerate(params):
            _store_param(i, vt, stores, i in ref_raw)
        stores.extend(f"    s[{2 * i}] = _raw{i}(p{i})" for i in sorted(ref_raw))
        # Non-int arguments fail the range check or the slot store with TypeError.
        body.append("    try:")
        body.extend("    " + line for line in stores)
        body.append("    except TypeError as exc:")
        body.append("        _badargs(args, exc)")
    body.append("    e = _c(_ctx, _f, s, _n, _t)")
    body.append("    if e or _trap.value: _fail(e, _trap)")
    body.append("    return [" + ", ".join(_read_result(i, vt) for i, vt in enumerate(results)) + "]")
    if guard is not None:
        env["_acq"] = guard.acquire  # type: ignore[attr-defined]
        env["_rel"] = guard.release  # type: ignore[attr-defined]
        lines.append("    _acq()")
        lines.append("    try:")
        lines.extend("    " + line for line in body)
        lines.append("    finally:")
        lines.append("        _rel()")
    else:
        lines.extend(body)
    namespace: dict[str, object] = {}
    exec(_compiled("\n".join(lines)), env, namespace)  # noqa: S102
    fn = namespace["call"]
    fn.__name__ = fn.__qualname__ = name  # type: ignore[attr-defined]
    return fn  # type: ignore[return-value]


@lru_cache(maxsize=512)
def _compiled(source: str) -> CodeType:
    """Compiled code for generated source: signatures repeat, compiling is the slow part."""
    return compile(source, "<wt call>", "exec")
