"""wt_ffi's component declarations, part 2: every WIT value kind through a real call.

Each value is built in a ``wasmtime_component_val_t`` (heap parts from wasmtime's allocators),
passed to a componentize-py guest that returns it, read back and freed: a wrong layout of the
value union, its vectors or its boxes makes the round trip fail (or crash the test).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from .capi import CError, call, get_func

VALUES = "wt:kitchen/values@0.1.0"
POINT = ("record", [("x", ("s32", -3)), ("y", ("s32", 4))])
PERSON = ("record", [("name", ("string", "Zoë")), ("age", ("u8", 42)),
                     ("tags", ("list", [("string", "a"), ("string", "ß🦀")])),
                     ("nick", ("option", ("string", "z"))), ("score", ("f64", 0.125))])

ROUND_TRIPS = [
    ("echo-bool", ("bool", True)), ("echo-bool", ("bool", False)),
    ("echo-s8", ("s8", -128)), ("echo-u8", ("u8", 255)), ("echo-s16", ("s16", -32768)),
    ("echo-u16", ("u16", 65535)), ("echo-s32", ("s32", -2**31)), ("echo-u32", ("u32", 2**32 - 1)),
    ("echo-s64", ("s64", -2**63)), ("echo-u64", ("u64", 2**64 - 1)),
    ("echo-f32", ("f32", 1.5)), ("echo-f32", ("f32", -math.inf)), ("echo-f64", ("f64", -2.25e300)),
    ("echo-char", ("char", "é")), ("echo-char", ("char", "🦀")),
    ("echo-string", ("string", "héllo 🦀")), ("echo-string", ("string", "")),
    ("echo-bytes", ("list", [("u8", b) for b in b"\x00\xffwt"])), ("echo-bytes", ("list", [])),
    ("echo-list", ("list", [("s64", -1), ("s64", 2**62)])),
    ("echo-strings", ("list", [("string", "a"), ("string", ""), ("string", "ç")])),
    ("echo-points", ("list", [POINT, ("record", [("x", ("s32", 0)), ("y", ("s32", 2**31 - 1))])])),
    ("echo-tuple", ("tuple", [("u8", 7), ("string", "t"), ("f64", 2.5)])),
    ("echo-point", POINT),
    ("echo-person", PERSON),
    ("echo-person", ("record", [("name", ("string", "")), ("age", ("u8", 0)), ("tags", ("list", [])),
                                ("nick", ("option", None)), ("score", ("f64", -0.0))])),
    ("echo-shape", ("variant", "circle", ("f32", 0.5))), ("echo-shape", ("variant", "rect", POINT)),
    ("echo-shape", ("variant", "empty", None)),
    ("echo-color", ("enum", "green")), ("echo-color", ("enum", "blue")),
    ("echo-perms", ("flags", ["read", "exec"])), ("echo-perms", ("flags", [])),
    ("echo-perms", ("flags", ["read", "write", "exec"])),
    ("echo-option", ("option", ("s32", 5))), ("echo-option", ("option", None)),
    ("echo-nested", ("option", None)), ("echo-nested", ("option", ("option", None))),
    ("echo-nested", ("option", ("option", ("s32", -9)))),
    ("echo-result", ("result", True, ("string", "fine"))), ("echo-result", ("result", False, ("u32", 404))),
    ("echo-result-empty", ("result", True, None)), ("echo-result-empty", ("result", False, None)),
    ("echo-result-ok", ("result", True, ("u8", 1))), ("echo-result-ok", ("result", False, None)),
    ("echo-result-err", ("result", True, None)), ("echo-result-err", ("result", False, ("string", "bad"))),
]


@pytest.mark.parametrize("name,value", ROUND_TRIPS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ROUND_TRIPS)])
def test_value_round_trips(kitchen: Any, name: str, value: Any) -> None:
    st, inst, _ = kitchen
    assert call(st, get_func(st, inst, VALUES, name), [value]) == [value]


def test_several_parameters_and_no_result(kitchen: Any) -> None:
    st, inst, _ = kitchen
    args = [("bool", True), ("u8", 2), ("s16", -3), ("u32", 4), ("s64", -5), ("f32", 0.5), ("f64", 7.0),
            ("char", "x"), ("string", "nine")]
    assert call(st, get_func(st, inst, VALUES, "describe"), args) == [("string", "True 2 -3 4 -5 0.5 7.0 x nine")]
    assert call(st, get_func(st, inst, VALUES, "nothing"), [], nresults=0) == []
    assert call(st, get_func(st, inst, VALUES, "add"), [("s32", 2**31 - 1), ("s32", 1)]) == [("s32", -2**31)]


def test_a_result_error_is_a_value_not_a_failure(kitchen: Any) -> None:
    st, inst, _ = kitchen
    divide = get_func(st, inst, VALUES, "divide")
    assert call(st, divide, [("s32", 7), ("s32", 2)]) == [("result", True, ("s32", 3))]
    assert call(st, divide, [("s32", 1), ("s32", 0)]) == [("result", False, ("string", "division by zero"))]


def test_a_top_level_export(kitchen: Any) -> None:
    st, inst, _ = kitchen
    assert call(st, get_func(st, inst, "version"), []) == [("string", "kitchen 0.1.0")]


@pytest.mark.parametrize("args,nresults,message", [
    ([], 1, "expected 1 argument"),
    ([("s32", 1), ("s32", 2)], 1, "expected 1 argument"),
    ([("s32", 1)], 0, "expected 1 result"),
    ([("s32", 1)], 2, "expected 1 result"),
])
def test_wrong_counts_are_errors_and_leave_the_instance_usable(kitchen: Any, args: list[Any], nresults: int,
                                                               message: str) -> None:
    st, inst, _ = kitchen
    with pytest.raises(CError, match=message):
        call(st, get_func(st, inst, VALUES, "echo-s32"), args, nresults)
    assert call(st, get_func(st, inst, VALUES, "echo-s32"), [("s32", 3)]) == [("s32", 3)]


@pytest.mark.parametrize("arg,found", [(("string", "x"), "string"), (("s64", 1), "s64"), (("option", None), "option")])
def test_a_mistyped_argument_is_an_error_that_poisons_the_instance(kitchen: Any, arg: Any, found: str) -> None:
    # Measured on 50.0.1: the type is checked while lowering, inside the instance; after the
    # error every call into the instance traps. A binding must check types before calling.
    st, inst, _ = kitchen
    with pytest.raises(CError, match=f"type mismatch: expected s32, found {found}"):
        call(st, get_func(st, inst, VALUES, "echo-s32"), [arg])
    with pytest.raises(CError, match="cannot enter component instance"):
        call(st, get_func(st, inst, VALUES, "echo-s32"), [("s32", 3)])


def test_a_guest_exception_is_a_trap_error_and_the_instance_is_done(kitchen: Any) -> None:
    st, inst, _ = kitchen
    with pytest.raises(CError, match="(?s)wasm backtrace:.*wit_dylib_export_call.*Caused by:.*unreachable"):
        call(st, get_func(st, inst, "fail"), [("string", "boom")], nresults=0)
    with pytest.raises(CError, match="cannot enter component instance"):
        call(st, get_func(st, inst, "version"), [])
