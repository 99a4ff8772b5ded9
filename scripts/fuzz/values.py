"""Argument generation: Python source expressions for values of each wasm type, right,
at the edges, beyond the edges, and of the wrong kind.

Every value is source text, so that a case's statements are its reproducer. Expressions
may name what a case made before: its own functions (``F``), values it received (the
pool) and the references of another runtime, released or closed (``D``, see
``support.make_donor``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import wt_api as wt

NUMBER_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}

WRONG_KINDS = ("True", "False", "None", "1.5", "float('nan')", "'7'", "b'\\x00'", "[]", "object()",
               "wt.ValueType.I32", "(1,)", "1j")
"""Values that are not an int at all."""

_FLOAT_BITS = {
    32: (0x7FC00000, 0x7FA00000, 0x7F800001, 0xFFFFFFFF, 0x7F800000, 0xFF800000, 0x80000000, 0x00000001),
    64: (0x7FF8000000000000, 0x7FF0000000000001, 0x7FF4000000000000, 0xFFFFFFFFFFFFFFFF,
         0x7FF0000000000000, 0x8000000000000000, 0x0000000000000001),
}
"""NaNs (quiet, signalling, with payloads), infinities, -0 and denormals as bit patterns."""

DONOR_KEYS = ("func_raw", "function", "struct", "array", "exn", "extern", "released_extern",
              "released_struct", "closed_function", "closed_func_raw", "closed_struct", "closed_exn")


def type_name(t: object) -> str:
    """``i32`` ... ``v128``, or the heap type of a reference (``func``, ``$struct``, ...)."""
    if isinstance(t, wt.ValueType):
        return {"funcref": "func", "externref": "extern", "anyref": "any", "exnref": "exn"}.get(t.value, t.value)
    assert isinstance(t, wt.RefType)
    return t.heap


def nullable(t: object) -> bool:
    """Whether a reference type admits null (numbers: False)."""
    if isinstance(t, wt.RefType):
        return t.nullable
    return type_name(t) not in NUMBER_BITS


def type_source(t: object) -> str:
    """Source text that makes the type ``t``."""
    if isinstance(t, wt.ValueType):
        return f"wt.ValueType.{t.name}"
    assert isinstance(t, wt.RefType)
    return f"wt.RefType({t.nullable!r}, {t.heap!r})"


def key_of(t: object) -> str:
    """A short label of a type for signatures: ``i32``, ``funcref``, ``(ref $func)``."""
    if isinstance(t, wt.ValueType):
        return t.value
    return str(t)


@dataclass
class Pool:
    """What a case has in hand to pass again: values it received (source expressions of
    ints), its own Function objects, and whether the donor references exist."""

    ints: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    donor: bool = False

    def add_int(self, expr: str) -> None:
        """Remember an int a call or a get returned."""
        self.ints.append(expr)
        if len(self.ints) > 64:
            del self.ints[0]


def in_range(rng: random.Random, bits: int, float_bits: bool) -> int:
    """A number whose encoding is in range, biased to the edges."""
    edges = [0, 1, 2, (1 << (bits - 1)) - 1, 1 << (bits - 1), (1 << bits) - 1, (1 << bits) - 2]
    if float_bits:
        edges += list(_FLOAT_BITS[bits])
    return rng.choice(edges) if rng.random() < 0.7 else rng.getrandbits(bits)


def out_of_range(rng: random.Random, bits: int) -> str:
    """Source of an int that no encoding of ``bits`` bits admits (signed or unsigned)."""
    choices = [f"2**{bits}", f"2**{bits} + 1", f"-2**{bits - 1} - 1", "2**1000", "-2**1000"]
    choices += [c for c, b in (("2**64", 64), ("2**128", 128), ("-2**64", 65)) if b > bits]
    return rng.choice(choices)


def _kind(src: str) -> str:
    """What kind of wrong value ``src`` is, for a finding's signature."""
    if src.startswith("D["):
        return f"a {src[3:-2].replace('_', ' ')} reference"
    if src in ("True", "False"):
        return "a bool"
    if src.startswith("-"):
        return "a negative int"
    if src.startswith("2**") or src.lstrip("-").isdigit():
        return "an int beyond the range"
    return {"None": "None", "1.5": "a float", "float('nan')": "a float", "'7'": "a str", "b'\\x00'": "bytes",
            "[]": "a list", "object()": "an object", "wt.ValueType.I32": "a ValueType", "(1,)": "a tuple",
            "1j": "a complex"}.get(src, src)


def _top(t: object) -> str:
    """The hierarchy of a reference type (``funcref`` ...) or the number type's name."""
    if isinstance(t, wt.RefType):
        return t.top.value
    return t.value if isinstance(t, wt.ValueType) else str(t)


def number(rng: random.Random, name: str) -> tuple[str, str | None]:
    """An argument of a number (or v128) type, mostly in range, and why the binding must
    refuse it (None: it must not), e.g. beyond every encoding of the type, or not an int."""
    bits = NUMBER_BITS[name]
    roll = rng.random()
    if roll < 0.75:
        return str(in_range(rng, bits, name in ("f32", "f64"))), None
    if roll < 0.85:
        return str(-rng.choice((1, 2, 1 << (bits - 1)))), None  # in range for a signed view
    if roll < 0.95:
        src = out_of_range(rng, bits)
        return src, f"{name} accepted {_kind(src)}"
    wrong = rng.choice(WRONG_KINDS)
    return wrong, None if wrong in ("True", "False") else f"{name} accepted {_kind(wrong)}"  # a bool is an int


_BAD_DONORS = ("function", "closed_function", "released_extern", "released_struct", "closed_struct",
               "closed_exn", "closed_func_raw")
"""Donor references no store of the case may accept: of another store, closed or released."""


def reference(rng: random.Random, t: object, pool: Pool) -> tuple[str, str | None]:
    """An argument of a reference type: null, a handle this case received, one of another
    runtime or a closed or released one, or a random int of any size or sign; and why the
    binding must refuse it (None: it may accept it)."""
    choices: list[tuple[str, bool]] = [("None", False), ("0", False)] * 2
    choices += [(str(rng.randrange(1, 16)), False), (str(rng.randrange(1, 1 << 16)), False),
                (str(rng.getrandbits(47) | 1), False), (str(rng.getrandbits(64)), False), ("2**31", False),
                ("2**32 - 1", False), ("2**63", False), ("2**64 - 1", False), ("2**64", True), ("-1", True),
                ("-2**63", True), ("2**100", True), ("True", True),
                (f"wt.encode_i31({rng.choice((0, 1, -1, 2**30 - 1, -2**30))})", False),
                ("wt.encode_externref(object())", False)]
    wrong = rng.choice(WRONG_KINDS)
    choices.append((wrong, wrong != "None"))
    if pool.ints:
        choices += [(rng.choice(pool.ints), False) for _ in range(6)]
    if pool.functions:
        choices += [(rng.choice(pool.functions), False) for _ in range(4)]
    if pool.donor:
        for _ in range(6):
            key = rng.choice(DONOR_KEYS)
            choices.append((f"D[{key!r}]", key in _BAD_DONORS))
    src, bad = rng.choice(choices)
    if src == "None" and not nullable(t):
        return src, f"non-null {_top(t)} accepted None"
    return src, f"{_top(t)} accepted {_kind(src)}" if bad else None


def argument(rng: random.Random, t: object, pool: Pool) -> tuple[str, str | None]:
    """Source of one argument of type ``t``, and why the binding must refuse it (or None)."""
    name = type_name(t)
    if name in NUMBER_BITS:
        if pool.ints and rng.random() < 0.05:
            return rng.choice(pool.ints), None
        return number(rng, name)
    return reference(rng, t, pool)


def arguments(rng: random.Random, params: tuple[object, ...], pool: Pool) -> tuple[str, str | None]:
    """Source of an argument list for ``params`` (mostly the right count, sometimes not),
    and why the binding must refuse it (or None)."""
    made = [argument(rng, t, pool) for t in params]
    roll = rng.random()
    reason = None
    if roll < 0.04:
        made.append(argument(rng, rng.choice(params) if params else wt.ValueType.I32, pool))
        reason = "a call with too many arguments ran"
    elif roll < 0.08 and made:
        made.pop(rng.randrange(len(made)))
        reason = "a call with too few arguments ran"
    reasons = [why for _, why in made if why]
    return ", ".join(src for src, _ in made), reason or (f"a parameter of type {reasons[0]}" if reasons else None)


def index(rng: random.Random, size_expr: str) -> tuple[str, bool]:
    """Source of an index or size near, at and beyond ``size_expr`` and the C ranges, and
    whether it is beyond 64 bits, negative or not an int (the binding must refuse it)."""
    return rng.choice((
        ("0", False), ("1", False), (size_expr, False), (f"{size_expr} - 1", False), (f"{size_expr} + 1", False),
        (str(rng.randrange(0, 70000)), False), ("2**31", False), ("2**32 - 1", False), ("2**32", False),
        ("2**32 + 1", False), ("2**63", False), ("2**64 - 1", False), ("2**64", True), ("2**64 + 1", True),
        ("2**64 + 2", True), ("2**128", True), ("-1", True), ("-2**64", True), ("1.0", True), ("None", True),
    ))


def pick_width(rng: random.Random) -> str:
    """A small length, sometimes a huge or negative one."""
    return rng.choice(("0", "1", "8", str(rng.randrange(0, 300)), "65536", "2**32", "2**64", "2**64 + 1", "-1"))
