"""The one place where WIT values cross between Python and wasmtime's component values.

A ``wasmtime_component_val_t`` is 32 bytes: a kind byte, then (at offset 8) a payload of
up to 24 bytes. For every WIT type, :func:`lowerer` makes a function that checks a Python
value and writes it as such a value (:mod:`wt_api._component_lower`), and
``_component_lift.lifter`` one that reads such a value back, with the layouts defined here.

Arguments are written into memory that Python owns (ctypes buffers, and ``bytes`` objects
for strings): ``wasmtime_component_func_call`` only reads its arguments (it copies each into
a Rust value), so nothing is allocated by wasmtime for them and nothing must be freed after.
Results are wasmtime's: read, then freed with ``wasmtime_component_val_delete``. A host
function's results are written the same way into Python memory and then deep-copied into
wasmtime's result slots (``wasmtime_component_val_clone``), since wasmtime frees those.

Every check that keeps the C API from aborting the process is made here, before C sees the
value: strings must encode as UTF-8, a char must be a Unicode scalar value, integers must
fit, records must have their fields, cases and flags must exist, resources must be live
handles of this store and of the expected type (see :mod:`wt_api._component_resources`).
A value that fails raises :class:`Mismatch` (the caller names the parameter).
"""

from __future__ import annotations

import ctypes
import struct

from wt_ffi.component import val as _v

from ._component_types import WitType

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Mismatch", "unsupported", "can_be_none", "VAL_SIZE", "address_of_bytes",
           "inline_lower", "inline_lift", "LiftError", "flat", "entries_format"]

VAL_SIZE = 32
_HEAD = struct.Struct("<B7x")
_PTR = struct.Struct("<Q")
_VEC = struct.Struct("<B7xQQ")  # kind, size, data (string, enum, list, record, tuple, flags, map)
_VARIANT = struct.Struct("<B7xQQQ")  # kind, name size, name data, payload box
_OPTION = struct.Struct("<B7xQ")  # kind, payload box (0: none)
_RESULT = struct.Struct("<B7x?7xQ")  # kind, is_ok, payload box
_NAME = struct.Struct("<QQ")  # a wasm_name_t
_ENTRY = 48  # a record entry: a name, then a value at offset 16
_SCALARS: dict[str, tuple[int, struct.Struct]] = {
    "bool": (_v.VAL_BOOL, struct.Struct("<B7x?")), "s8": (_v.VAL_S8, struct.Struct("<B7xb")),
    "u8": (_v.VAL_U8, struct.Struct("<B7xB")), "s16": (_v.VAL_S16, struct.Struct("<B7xh")),
    "u16": (_v.VAL_U16, struct.Struct("<B7xH")), "s32": (_v.VAL_S32, struct.Struct("<B7xi")),
    "u32": (_v.VAL_U32, struct.Struct("<B7xI")), "s64": (_v.VAL_S64, struct.Struct("<B7xq")),
    "u64": (_v.VAL_U64, struct.Struct("<B7xQ")), "f32": (_v.VAL_F32, struct.Struct("<B7xf")),
    "f64": (_v.VAL_F64, struct.Struct("<B7xd")), "char": (_v.VAL_CHAR, struct.Struct("<B7xI")),
}
_RANGES = {"s8": (-1 << 7, 1 << 7), "u8": (0, 1 << 8), "s16": (-1 << 15, 1 << 15), "u16": (0, 1 << 16),
           "s32": (-1 << 31, 1 << 31), "u32": (0, 1 << 32), "s64": (-1 << 63, 1 << 63), "u64": (0, 1 << 64)}
_UNSUPPORTED = ("future", "stream", "error-context", "fixed-length-list", "resource")
_string_at = ctypes.string_at
_EMPTY = ctypes.create_string_buffer(VAL_SIZE)  # what an empty vector points at (never NULL)
_EMPTY_ADDRESS = ctypes.addressof(_EMPTY)


class Mismatch(Exception):
    """A Python value that does not fit its WIT type: ``path`` (innermost last, e.g.
    ``["field 'x'", "[3]"]``) leads to it inside the argument."""

    def __init__(self, expected: str, value: object, why: str = "") -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value
        self.why = why
        self.path: list[str] = []

    def describe(self) -> str:
        """What was wrong, where, and what was expected."""
        where = "".join(reversed(self.path))
        shown = repr(self.value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        text = f"{where + ': ' if where else ''}expected {self.expected}, got {type(self.value).__name__} {shown}"
        return text + (f" ({self.why})" if self.why else "")


def unsupported(t: WitType) -> str | None:
    """Why values of ``t`` cannot cross (a kind the C API aborts on, or lacks), or None."""
    if t.kind in _UNSUPPORTED or t.kind.startswith("unknown"):
        return f"wasmtime 50's C API cannot pass WIT {t.kind} values"
    for inner in (t.element, t.ok, t.err, t.key, t.value, *t.elements, *(f for _, f in t.fields),
                  *(c for _, c in t.cases)):
        if inner is not None:
            why = unsupported(inner)
            if why is not None:
                return why
    return None


def can_be_none(t: WitType) -> bool:
    """Whether a value of ``t`` may be Python's None (an option), so that an option of it
    needs :class:`~wt_api.Some` to tell ``some(none)`` from ``none``."""
    return t.kind == "option"


def _bytes_offset() -> int:
    probe = b"wt"
    offset = bytes.__basicsize__ - 1
    if ctypes.cast(ctypes.c_char_p(probe), ctypes.c_void_p).value != id(probe) + offset:
        return -1  # not CPython's layout: take the address through ctypes
    return offset


_BYTES_OFFSET = _bytes_offset()


def address_of_bytes(data: bytes) -> int:
    """The address of the bytes inside ``data`` (valid while ``data`` lives; never NULL)."""
    if _BYTES_OFFSET >= 0 and type(data) is bytes:
        return id(data) + _BYTES_OFFSET
    return ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value or _EMPTY_ADDRESS


def _new_vals(count: int, size: int, keep: list[object]) -> tuple[Any, int]:
    """A zeroed buffer of ``count`` items of ``size`` bytes that lives as long as ``keep``."""
    if not count:
        return _EMPTY, _EMPTY_ADDRESS
    buf = ctypes.create_string_buffer(count * size)
    keep.append(buf)
    return buf, ctypes.addressof(buf)


# -- records of scalars and strings: one struct for all the entries ------------------------
FLAT = {"bool": "?", "s8": "b", "u8": "B", "s16": "h", "u16": "H", "s32": "i", "u32": "I", "s64": "q",
        "u64": "Q", "f32": "f", "f64": "d", "char": "I", "string": "QQ"}
"""The struct code of each field kind a flat record may hold."""


def flat(t: WitType) -> bool:
    """Whether every field of the record ``t`` is a scalar or a string: one struct then reads
    or writes every entry (``entries_format``)."""
    return t.kind == "record" and bool(t.fields) and all(f.kind in FLAT for _, f in t.fields)


def entries_format(t: WitType, with_names: bool) -> struct.Struct:
    """The struct of a flat record's entries: per field its name (or 16 skipped bytes), its
    kind, its payload, and padding to 48 bytes."""
    parts = []
    for _, f in t.fields:
        code = FLAT[f.kind]
        parts.append(("QQ" if with_names else "16x") + "B7x" + code + f"{24 - struct.calcsize('<' + code)}x")
    return struct.Struct("<" + "".join(parts))


class LiftError(Exception):
    """wasmtime wrote a value of another kind than the function's type says."""


def _check(raw: Any, off: int, kind: int) -> None:
    if raw[off] != kind:
        raise LiftError(f"wasmtime returned a value of kind {raw[off]} where kind {kind} was expected")


# -- inline forms, for the generated calls of _component_func -------------------------------
def inline_lower(t: WitType, var: str, off: int, slow: str, names: dict[str, object]) -> list[str] | None:
    """Source lines that check ``var`` and write it at ``_b[off:]`` for a scalar or string
    type (None for any other: the caller uses :func:`lowerer`). A value the lines do not
    take at once goes to ``slow(var)``, the full lowerer, which writes it or raises."""
    k = t.kind
    if k == "string":
        names["_pk_vec"] = _VEC.pack_into
        names["_addr"] = address_of_bytes
        return [f"if type({var}) is str:",
                "    try:",
                f"        {var} = {var}.encode()",
                "    except UnicodeEncodeError:",
                f"        {slow}({var})",
                f"    _pk_vec(_b, {off}, {_v.VAL_STRING}, len({var}), _addr({var}))",
                f"else: {slow}({var})"]
    if k not in _SCALARS or k == "char":
        return None
    kind, st = _SCALARS[k]
    names[f"_pk_{k}"] = st.pack_into
    pack = f"_pk_{k}(_b, {off}, {kind}, {var})"
    if k == "bool":
        return [f"if {var} is True or {var} is False: {pack}", f"else: {slow}({var})"]
    if k in ("f32", "f64"):
        return [f"if type({var}) is float:", "    try:", f"        {pack}", "    except OverflowError:",
                f"        {slow}({var})", f"else: {slow}({var})"]
    lo, hi = _RANGES[k]
    return [f"if type({var}) is int and {lo} <= {var} < {hi}: {pack}", f"else: {slow}({var})"]


def inline_lift(t: WitType, names: dict[str, object], src: str = "_r", off: int = 0, var: str = "v") -> list[str] | None:
    """Source lines reading a scalar value at ``src[off:]`` into ``var`` (None for other kinds)."""
    k = t.kind
    if k == "string":
        names["_up_vec"] = _VEC.unpack_from
        names["_kind_error"] = _check
        names["_sat"] = _string_at
        return [f"k, n, p = _up_vec({src}, {off})", f"if k != {_v.VAL_STRING}: _kind_error({src}, {off}, {_v.VAL_STRING})",
                f"{var} = _sat(p, n).decode() if n else ''"]
    if k not in _SCALARS:
        return None
    kind, st = _SCALARS[k]
    names[f"_up_{k}"] = st.unpack_from
    names["_kind_error"] = _check
    lines = [f"k, {var} = _up_{k}({src}, {off})", f"if k != {kind}: _kind_error({src}, {off}, {kind})"]
    if k == "char":
        lines.append(f"{var} = chr({var})")
    return lines
