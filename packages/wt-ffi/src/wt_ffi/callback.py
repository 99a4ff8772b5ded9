"""The prepared hot path of a host function: one ``CFUNCTYPE`` trampoline per signature.

wasmtime calls an unchecked host function with raw 16-byte slots (params in, results
out). :func:`build_trampoline` generates, once per host function and store, Python
source specialised to the signature that reads the parameters, calls the Python
function, checks and writes the results, and turns any exception into a trap.

No exception may leave a callback into C: ctypes would print it and return garbage
to wasmtime. Everything a trampoline does runs inside one ``try``, and its failure path
runs no signal handler (:func:`wt_ffi.sink.guarded_source`): it leaves the exception with
the store's :class:`~wt_ffi.sink.CallbackSink` and returns a trap taken from
:data:`SPARE_TRAPS`, made ahead. The call that entered wasm raises the exception.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from types import CodeType, TracebackType

from .call import RefParam
from .entry import checked_later
from .func import UNCHECKED_CALLBACK
from .sink import SINK_FINDERS, CallbackSink, Spares, guarded_source, ready_callbacks
from .slots import RANGES, bits_f32, bits_f64, f32_bits, f64_bits, range_check
from .types import VALTYPE_F32, VALTYPE_F64, VALTYPE_I32, VALTYPE_I64, VALTYPE_V128, ValType

__all__ = ["SPARE_TRAPS", "build_trampoline"]


_SPARE_MESSAGE = b"wt: the host function raised (wt re-raises its exception)"
SPARE_TRAPS = Spares("wasmtime_trap_new", _SPARE_MESSAGE, ctypes.c_size_t(len(_SPARE_MESSAGE)))
"""The traps trampolines return after an exception (the message is never shown: the
call that entered wasm raises the exception itself)."""


def _read_bits(i: int, vt: ValType) -> str:
    if vt.kind in (VALTYPE_I32, VALTYPE_F32):
        return f"(s[{2 * i}] & 0xFFFFFFFF)"
    if vt.kind == VALTYPE_V128:
        return f"(s[{2 * i}] | (s[{2 * i + 1}] << 64))"
    if vt.kind in (VALTYPE_I64, VALTYPE_F64):
        return f"s[{2 * i}]"
    return f"_pin{i}(s[{2 * i}])"


def _read_typed(i: int, vt: ValType) -> str:
    bits = _read_bits(i, vt)
    if vt.kind == VALTYPE_I32:
        return f"(({bits} ^ 0x80000000) - 0x80000000)"
    if vt.kind == VALTYPE_I64:
        return f"(({bits} ^ 0x8000000000000000) - 0x8000000000000000)"
    if vt.kind == VALTYPE_F32:
        return f"_bits_f32({bits})"
    if vt.kind == VALTYPE_F64:
        return f"_bits_f64({bits})"
    return bits


def _write(i: int, vt: ValType, value: str, typed: bool, conv: RefParam | None, lines: list[str]) -> None:
    slot = f"s[{2 * i}]"
    pad = "        "
    if vt.kind in RANGES:
        if typed and vt.kind in (VALTYPE_F32, VALTYPE_F64):
            packer = "_f32_bits" if vt.kind == VALTYPE_F32 else "_f64_bits"
            lines += [f"{pad}try:", f"{pad}    {slot} = {packer}({value})",
                      f"{pad}except (TypeError, ValueError):", f"{pad}    _badres({i}, {value})"]
            return
        check = f"(type({value}) is int or isinstance({value}, int)) and {range_check(vt.kind, value)}"
        lines.append(f"{pad}if not ({check}): _badres({i}, {value})")
        if vt.kind == VALTYPE_V128:
            lines.append(f"{pad}{slot} = {value} & 0xFFFFFFFFFFFFFFFF; s[{2 * i + 1}] = {value} >> 64")
        else:
            lines.append(f"{pad}{slot} = {value}")
        return
    if conv is not None and conv.raw is not None:
        # Made (and rooted) now; the raw value is read once every result is made.
        lines.append(f"{pad}q{i} = _pout{i}({value})")
    else:
        lines.append(f"{pad}{slot} = _pout{i}({value})")


def build_trampoline(
    fn: Callable[..., object],
    params: Sequence[ValType],
    results: Sequence[ValType],
    *,
    typed: bool,
    make_caller: Callable[[int], object] | None,
    ref_params: Mapping[int, Callable[[int], object]],
    ref_results: Mapping[int, RefParam],
    sink: CallbackSink,
    on_bad_result: Callable[[int, object], object],
) -> object:
    """A ``CFUNCTYPE`` object calling ``fn`` for wasm (keep it alive while wasm may call it).

    ``typed=False`` is the seed's form: ``fn(stack)`` with ``stack`` a list holding the
    encoded params followed by room for the results, which ``fn`` fills in.
    ``typed=True`` passes plain Python values and takes the return value (a value, a
    tuple for several results, or None). ``ref_params[i]`` turns the raw slot value of a
    reference parameter into what ``fn`` receives, ``ref_results[i]`` a result into its
    slot value (two phases as in :class:`~wt_ffi.call.RefParam`). With ``make_caller``,
    ``fn`` receives ``make_caller(caller_address)`` first, and that object's ``_end()`` is
    called when ``fn`` returns or raises. ``on_bad_result(index, value)`` raises for a
    result of the wrong type (index -1: the wrong number of results).
    """
    np, nr = len(params), len(results)
    two = sorted(i for i, conv in ref_results.items() if conv.raw is not None)
    ready_callbacks()
    # An exception that escaped an earlier callback of this call (see wt_ffi.sink) makes
    # this one trap at once.
    lines = ["        if _sink.error is not None: raise _sink.error"]
    if make_caller is not None:
        lines += ["        c = _mk(caller)", "        try:"]
        head, inner = "c, ", "            "
    else:
        head, inner = "", "        "
    if typed:
        call = f"fn({head}{', '.join(_read_typed(i, vt) for i, vt in enumerate(params))})"
        lines.append(f"{inner}{'r = ' if nr == 1 else 'rs = ' if nr else ''}{call}")
    else:
        items = [_read_bits(i, vt) for i, vt in enumerate(params)] + ["0"] * nr
        lines += [f"{inner}stack = [{', '.join(items)}]", f"{inner}fn({head}stack)"]
    if make_caller is not None:
        lines += ["        finally:", "            c._end()"]
    if typed and nr > 1:
        lines.append(f"        if type(rs) is not tuple or len(rs) != {nr}: _badres(-1, rs)")
    for i, vt in enumerate(results):
        value = "r" if typed and nr == 1 else f"rs[{i}]" if typed else f"stack[{np + i}]"
        if value != "r":
            lines.append(f"        r = {value}")
        _write(i, vt, "r", typed, ref_results.get(i), lines)
    lines.extend(f"        s[{2 * i}] = _rraw{i}(q{i})" for i in two)
    env: dict[str, object] = {
        **SPARE_TRAPS.names(), "fn": fn, "_mk": make_caller, "_badres": on_bad_result, "_sink": sink,
        "_bits_f32": bits_f32, "_bits_f64": bits_f64, "_f32_bits": f32_bits, "_f64_bits": f64_bits,
    }
    for i, to_python in ref_params.items():
        env[f"_pin{i}"] = to_python
    for i, conv in ref_results.items():
        env[f"_pout{i}"] = conv.make
        if conv.raw is not None:
            env[f"_rraw{i}"] = conv.raw
    namespace: dict[str, Callable[..., int]] = {}
    exec(_compiled(guarded_source("env, caller, s, n", lines)), env, namespace)  # noqa: S102
    return UNCHECKED_CALLBACK(namespace["trampoline"])


def _sink_of(tb: TracebackType) -> CallbackSink | None:
    """The sink of the trampoline a traceback starts in (for ``sink.catch_escapes``)."""
    frame = tb.tb_frame
    if frame.f_code.co_filename == "<wt host function>":
        found = frame.f_globals.get("_sink")
        return found if isinstance(found, CallbackSink) else None
    return None


SINK_FINDERS.append(_sink_of)


@lru_cache(maxsize=512)
def _compiled(source: str) -> CodeType:
    """Compiled code for generated source (signatures repeat, compiling is the slow part),
    the trampoline's entry made safe from raising signal handlers (see wt_ffi.entry)."""
    module = compile(source, "<wt host function>", "exec")
    return module.replace(co_consts=tuple(checked_later(c) if isinstance(c, CodeType) else c
                                          for c in module.co_consts))
