"""A generator of valid random modules (WAT text) whose exports take and return every value
type: numbers, v128, every abstract reference type nullable or not, the bottom types and
concrete ``(ref $t)`` of function, struct and array types; with globals and tables of
those types, 32- and 64-bit memories, imports, recursion and (rarely) endless loops.

Each reference parameter also reaches an instruction that uses it (``call_indirect``,
``call_ref``, ``struct.get``, ``ref.cast``, ``throw_ref``, ``any.convert_extern``): a
wrong handle that gets through the binding shows there, not only in an identity."""

from __future__ import annotations

import random

NUMBERS = ("i32", "i64", "f32", "f64", "v128")
ABSTRACT = ("func", "extern", "any", "eq", "i31", "struct", "array", "exn")
BOTTOM = ("nofunc", "noextern", "none", "noexn")
CONCRETE = ("$ft", "$st", "$at")
FEATURES = {"bulk_memory": True, "multi_value": True, "reference_types": True, "simd": True, "tail_call": True,
            "function_references": True, "gc": True, "exceptions": True, "memory64": True, "multi_memory": True}
"""The features every generated module needs."""

_ANY_HIERARCHY = ("any", "eq", "i31", "struct", "array", "none", "$st", "$at")
_FUNC_HIERARCHY = ("func", "nofunc", "$ft")


def _ref(heap: str, null: bool) -> str:
    return f"(ref {'null ' if null else ''}{heap})"


def random_type(rng: random.Random) -> tuple[str, str | None, bool]:
    """(WAT spelling, heap type or None for numbers, nullable)."""
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(NUMBERS), None, False
    heap = rng.choice(ABSTRACT + CONCRETE + CONCRETE + BOTTOM)
    null = heap in BOTTOM or rng.random() < 0.55
    return _ref(heap, null), heap, null


def _default(t: str, heap: str | None, null: bool) -> str | None:
    """A constant expression of type ``t`` (None if there is none: non-null exnref)."""
    if heap is None:
        return "(v128.const i64x2 0 0)" if t == "v128" else f"({t}.const 0)"
    if null:
        return f"(ref.null {heap})"
    return {
        "func": "(ref.func $inc)", "$ft": "(ref.func $inc)",
        "extern": "(extern.convert_any (ref.i31 (i32.const 1)))",
        "any": "(ref.i31 (i32.const 1))", "eq": "(ref.i31 (i32.const 1))", "i31": "(ref.i31 (i32.const 1))",
        "struct": "(struct.new $st (i32.const 1) (i64.const 2))", "$st": "(struct.new $st (i32.const 1) (i64.const 2))",
        "array": "(array.new_default $at (i32.const 2))", "$at": "(array.new_default $at (i32.const 2))",
    }.get(heap)


def _use(n: int, t: str, heap: str | None, null: bool) -> list[str]:
    """Functions that do something with a parameter of type ``t``."""
    p = f"(param {t})"
    out = []
    if heap in _FUNC_HIERARCHY:
        out.append(f'(func (export "call_{n}") {p} (result i32) (table.set $ftab (i32.const 1) (local.get 0))'
                   f' (call_indirect $ftab (type $ft) (i32.const 5) (i32.const 1)))')
    if heap == "$ft":
        out.append(f'(func (export "callref_{n}") {p} (result i32) (call_ref $ft (i32.const 5) (local.get 0)))')
    if heap == "$st":
        out.append(f'(func (export "field_{n}") {p} (result i32) (struct.get $st 0 (local.get 0)))')
    if heap == "$at":
        out.append(f'(func (export "len_{n}") {p} (result i32) (array.len (local.get 0)))')
    if heap in _ANY_HIERARCHY:
        out.append(f'(func (export "cast_{n}") {p} (result i32) (struct.get $st 0 (ref.cast (ref $st) (local.get 0))))')
        out.append(f'(func (export "test_{n}") {p} (result i32) (ref.test (ref i31) (local.get 0)))')
    if heap in ("extern", "noextern"):
        out.append(f'(func (export "conv_{n}") {p} (result i32) (ref.test (ref $st) (any.convert_extern (local.get 0))))')
    if heap == "exn":
        out.append(f'(func (export "rethrow_{n}") {p} (throw_ref (local.get 0)))')
    if heap is not None and null:
        out.append(f'(func (export "isnull_{n}") {p} (result i32) (ref.is_null (local.get 0)))')
    if t == "v128":
        out.append(f'(func (export "lane_{n}") {p} (result i32) (i32x4.extract_lane 3 (local.get 0)))')
    return out


def module(rng: random.Random) -> tuple[str, dict[str, bool]]:
    """A random valid module, and the features it needs."""
    types = [random_type(rng) for _ in range(rng.randint(1, 6))]
    mem64 = rng.random() < 0.5
    lines = [
        "(module",
        "  (type $ft (func (param i32) (result i32)))",
        "  (type $st (struct (field (mut i32)) (field (mut i64))))",
        "  (type $at (array (mut i32)))",
        "  (tag $tag (param i32))",
        "  (func $inc (type $ft) (i32.add (local.get 0) (i32.const 1)))",
        "  (elem declare func $inc)",
        '  (table $ftab (export "ftab") 4 funcref)',
        '  (elem (table $ftab) (i32.const 0) func $inc)',
        f'  (memory (export "mem") {"i64 " if mem64 else ""}1 {rng.choice(("", "2", "65536"))})',
    ]
    imports = []
    for n, (t, heap, null) in enumerate(types):
        if rng.random() < 0.12:  # an import of this type, and an export that uses it
            imports.append(f'  (import "host{n % 2}" "f{n}" (func $imp{n} (param {t}) (result {t})))')
            lines.append(f'  (func (export "viahost_{n}") (param {t}) (result {t}) (call $imp{n} (local.get 0)))')
        if rng.random() < 0.06:
            imports.append(f'  (import "host{n % 2}" "g{n}" (global $ig{n} (mut {t})))')
            lines.append(f'  (func (export "readhost_{n}") (result {t}) (global.get $ig{n}))')
        lines.append(f'  (func (export "id_{n}") (param {t}) (result {t}) (local.get 0))')
        init = _default(t, heap, null)
        if init is not None:
            lines.append(f'  (global $g{n} (export "g_{n}") (mut {t}) {init})')
            lines.append(f'  (func (export "setget_{n}") (param {t}) (result {t}) '
                         f'(global.set $g{n} (local.get 0)) (global.get $g{n}))')
            if heap is not None:
                lines.append(f'  (table $t{n} (export "t_{n}") {rng.choice(("", "i64 "))}2 {rng.choice(("", "8", "70000"))} {t} {init})')
        lines += ["  " + f for f in _use(n, t, heap, null)]
    params = " ".join(t for t, _, _ in types)
    results = " ".join(t for t, _, _ in reversed(types))
    gets = " ".join(f"(local.get {i})" for i in reversed(range(len(types))))
    lines.append(f'  (func (export "multi") (param {params}) (result {results}) {gets})')
    lines += [
        '  (func (export "make_struct") (result (ref $st)) (struct.new $st (i32.const 1) (i64.const 2)))',
        '  (func (export "make_array") (result (ref $at)) (array.new $at (i32.const 7) (i32.const 3)))',
        '  (func (export "make_i31") (result i31ref) (ref.i31 (i32.const -5)))',
        '  (func (export "make_func") (result (ref $ft)) (ref.func $inc))',
        '  (func (export "make_ext") (result externref) (extern.convert_any (struct.new_default $st)))',
        '  (func (export "make_exn") (result exnref) (block $h (result exnref)'
        ' (try_table (catch_all_ref $h) (throw $tag (i32.const 3))) (ref.null exn)))',
        '  (func $rec (export "rec") (param i32) (result i32) (if (result i32) (i32.eqz (local.get 0))'
        ' (then (i32.const 0)) (else (i32.add (call $rec (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))',
        f'  (func (export "load") (param {"i64" if mem64 else "i32"}) (result i32) (i32.load (local.get 0)))',
        '  (func (export "grow") (param i32) (result i32) (table.grow $ftab (ref.null func) (local.get 0)))',
    ]
    if rng.random() < 0.03:
        lines.append('  (func (export "spin") (loop (br 0)))')
    lines.append(")")
    return "\n".join(lines[:1] + imports + lines[1:]), dict(FEATURES)
