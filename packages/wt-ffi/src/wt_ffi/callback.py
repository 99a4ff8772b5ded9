"""The prepared hot path of a host function: one ``CFUNCTYPE`` trampoline per signature.

wasmtime calls an unchecked host function with raw 16-byte slots (params in, results
out). :func:`build_trampoline` generates, once per host function and store, Python
source specialised to the signature that reads the parameters, calls the Python
function, checks and writes the results, and turns any Python exception into a trap
(through ``on_exception``) so that no exception is ever lost inside ctypes.
"""

from __future__ import annotations

import ctypes
import struct
from collections.abc import Callable, Sequence
from functools import lru_cache
from types import CodeType

from .func import UNCHECKED_CALLBACK
from .types import VALTYPE_F32, VALTYPE_F64, VALTYPE_I32, VALTYPE_I64, VALTYPE_V128, ValType

__all__ = ["build_trampoline", "new_trap_address"]

_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


def _f32_in(bits: int) -> float:
    return float(_F32.unpack(_U32.pack(bits & 0xFFFFFFFF))[0])


def _f64_in(bits: int) -> float:
    return float(_F64.unpack(_U64.pack(bits))[0])


def _f32_out(value: float) -> int:
    try:
        return int(_U32.unpack(_F32.pack(value))[0])
    except (struct.error, OverflowError) as exc:
        raise TypeError(f"an f32 result must be a float in the f32 range, not {value!r}") from exc


def _f64_out(value: float) -> int:
    try:
        return int(_U64.unpack(_F64.pack(value))[0])
    except struct.error as exc:
        raise TypeError(f"an f64 result must be a float, not {value!r}") from exc


def new_trap_address(message: str) -> int:
    """A new ``wasm_trap_t`` carrying ``message``, as the address a callback returns."""
    from .trap import wasmtime_trap_new

    data = message.encode("utf-8", "replace")
    trap = wasmtime_trap_new(data, len(data))
    return ctypes.cast(trap, ctypes.c_void_p).value or 0


_RANGE = {
    VALTYPE_I32: "-0x80000000 <= {v} < 0x100000000",
    VALTYPE_I64: "-0x8000000000000000 <= {v} < 0x10000000000000000",
    VALTYPE_F32: "0 <= {v} < 0x100000000",
    VALTYPE_F64: "0 <= {v} < 0x10000000000000000",
    VALTYPE_V128: "0 <= {v} < 0x100000000000000000000000000000000",
}


def _read_bits(i: int, vt: ValType) -> str:
    if vt.kind in (VALTYPE_I32, VALTYPE_F32):
        return f"(s[{2 * i}] & 0xFFFFFFFF)"
    if vt.kind == VALTYPE_V128:
        return f"(s[{2 * i}] | (s[{2 * i + 1}] << 64))"
    if vt.kind in (VALTYPE_I64, VALTYPE_F64):
        return f"s[{2 * i}]"
    return f"_pin{i}(s[{2 * i}], caller)"


def _read_typed(i: int, vt: ValType) -> str:
    bits = _read_bits(i, vt)
    if vt.kind == VALTYPE_I32:
        return f"(({bits} ^ 0x80000000) - 0x80000000)"
    if vt.kind == VALTYPE_I64:
        return f"(({bits} ^ 0x8000000000000000) - 0x8000000000000000)"
    if vt.kind == VALTYPE_F32:
        return f"_f32_in({bits})"
    if vt.kind == VALTYPE_F64:
        return f"_f64_in({bits})"
    if vt.kind == VALTYPE_V128:
        return bits
    return f"_tin{i}(s[{2 * i}], caller)"


def _write(i: int, vt: ValType, value: str, typed: bool, lines: list[str], indent: str,
           two_phase: bool = False) -> None:
    slot = f"s[{2 * i}]"
    if vt.kind in _RANGE:
        if typed and vt.kind == VALTYPE_F32:
            lines.append(f"{indent}{slot} = _f32_out({value})")
            return
        if typed and vt.kind == VALTYPE_F64:
            lines.append(f"{indent}{slot} = _f64_out({value})")
            return
        check = f"(type({value}) is int or isinstance({value}, int)) and {_RANGE[vt.kind].format(v=value)}"
        lines.append(f"{indent}if not ({check}): _badres({i}, {value})")
        if vt.kind == VALTYPE_V128:
            lines.append(f"{indent}{slot} = {value} & 0xFFFFFFFFFFFFFFFF; s[{2 * i + 1}] = {value} >> 64")
        else:
            lines.append(f"{indent}{slot} = {value}")
        return
    conv = "_tout" if typed else "_pout"
    if two_phase:
        # Made (and rooted) now; the raw value is read once every result is made.
        lines.append(f"{indent}q{i} = {conv}{i}({value}, caller)")
    else:
        lines.append(f"{indent}{slot} = {conv}{i}({value}, caller)")


def build_trampoline(
    fn: Callable[..., object],
    params: Sequence[ValType],
    results: Sequence[ValType],
    *,
    typed: bool,
    make_caller: Callable[[int], object] | None,
    ref_converters: dict[str, Callable[..., object]],
    on_exception: Callable[[BaseException], int],
    on_bad_result: Callable[[int, object], object],
) -> object:
    """A ``CFUNCTYPE`` object calling ``fn`` for wasm (keep it alive while wasm may call it).

    ``typed=False`` is the seed's form: ``fn(stack)`` with ``stack`` a list holding the
    encoded params followed by room for the results, which ``fn`` fills in.
    ``typed=True`` passes plain Python values and takes the return value (a value, a
    tuple for several results, or None). With ``make_caller``, ``fn`` receives
    ``make_caller(caller_address)`` first. ``ref_converters`` maps ``_pin{i}``,
    ``_tin{i}``, ``_pout{i}``, ``_tout{i}`` to reference converters ``(value, caller)``;
    with ``_rraw{i}`` too, result ``i`` takes two phases: ``_pout{i}``/``_tout{i}`` make a
    rooted reference for every such result first (making one may collect garbage and
    move the others), then ``_rraw{i}(made)`` writes each raw slot value.
    ``on_exception`` turns an exception into a trap address; ``on_bad_result`` raises.
    """
    np, nr = len(params), len(results)
    two = {i for i in range(nr) if f"_rraw{i}" in ref_converters}
    lines = ["def trampoline(env, caller, s, n):", "    try:"]
    head = "_mk(caller), " if make_caller is not None else ""
    if typed:
        args = ", ".join(_read_typed(i, vt) for i, vt in enumerate(params))
        call = f"fn({head}{args})"
        if nr == 0:
            lines.append(f"        {call}")
        elif nr == 1:
            lines.append(f"        r = {call}")
            _write(0, results[0], "r", True, lines, "        ", 0 in two)
        else:
            lines.append(f"        rs = {call}")
            lines.append(f"        if type(rs) is not tuple or len(rs) != {nr}: _badres(-1, rs)")
            for i, vt in enumerate(results):
                lines.append(f"        r = rs[{i}]")
                _write(i, vt, "r", True, lines, "        ", i in two)
    else:
        items = [_read_bits(i, vt) for i, vt in enumerate(params)] + ["0"] * nr
        lines.append(f"        stack = [{', '.join(items)}]")
        lines.append(f"        fn({head}stack)")
        for i, vt in enumerate(results):
            lines.append(f"        r = stack[{np + i}]")
            _write(i, vt, "r", False, lines, "        ", i in two)
    lines.extend(f"        s[{2 * i}] = _rraw{i}(q{i})" for i in sorted(two))
    lines.append("        return 0")
    lines.append("    except BaseException as exc:")
    lines.append("        return _exc(exc)")
    env: dict[str, object] = {
        "fn": fn, "_mk": make_caller, "_exc": on_exception, "_badres": on_bad_result,
        "_f32_in": _f32_in, "_f64_in": _f64_in, "_f32_out": _f32_out, "_f64_out": _f64_out,
    }
    env.update(ref_converters)
    namespace: dict[str, Callable[..., int]] = {}
    exec(_compiled("\n".join(lines)), env, namespace)  # noqa: S102
    return UNCHECKED_CALLBACK(namespace["trampoline"])


@lru_cache(maxsize=512)
def _compiled(source: str) -> CodeType:
    """Compiled code for generated source: signatures repeat, compiling is the slow part."""
    return compile(source, "<wt host function>", "exec")
