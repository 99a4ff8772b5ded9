"""WAVE text <-> the Python values of wt_api's component functions, type by type, without a
component (``wt-wasm run --invoke`` uses it: tests/components/test_cli.py)."""

from __future__ import annotations

import math

import pytest

import wt_api as wt
from wt_wasi import WaveError, format_wave, parse_wave_call, parse_wave

W = wt.WitType
S32, U8, F32, F64, STR, CHR, BOOL = W("s32"), W("u8"), W("f32"), W("f64"), W("string"), W("char"), W("bool")
POINT = W("record", name="point", fields=(("x", S32), ("y", S32)))
PERSON = W("record", name="person", fields=(("first-name", STR), ("nick", W("option", element=STR))))
SHAPE = W("variant", name="shape", cases=(("circle", F32), ("none", None), ("rect", POINT)))
COLOR = W("enum", name="color", names=("red", "green", "ok"))
PERMS = W("flags", name="perms", names=("read", "write", "exec"))
NESTED = W("option", element=W("option", element=S32))
RESULT = W("result", ok=STR, err=U8)

ROUND_TRIPS = [
    (BOOL, "true", True), (BOOL, "false", False), (S32, "-2147483648", -2**31), (W("u64"), "18446744073709551615", 2**64 - 1),
    (F64, "1.5", 1.5), (F64, "-0", -0.0), (F64, "1000000", 1e6), (F32, "0.1", 0.10000000149011612),
    (F64, "inf", math.inf), (F64, "-inf", -math.inf),
    (CHR, "'x'", "x"), (CHR, "'\\''", "'"), (CHR, "'\U0001F600'", "\U0001F600"), (CHR, "'\\u{0}'", "\0"),
    (STR, '""', ""), (STR, '"a\\"b\\\\c\\nd\\te"', 'a"b\\c\nd\te'), (STR, '"ünïcode"', "ünïcode"),
    (W("list", element=U8), "[1, 2, 255]", b"\x01\x02\xff"), (W("list", element=S32), "[]", []),
    (W("list", element=STR), '["a", "b"]', ["a", "b"]), (W("tuple", elements=(S32, STR)), '(1, "a")', (1, "a")),
    (NESTED, "none", None), (NESTED, "some(none)", wt.Some(None)), (NESTED, "some(some(3))", wt.Some(3)),
    (W("option", element=S32), "some(3)", 3), (RESULT, 'ok("x")', wt.Ok("x")), (RESULT, "err(7)", wt.Err(7)),
    (W("result"), "ok", wt.Ok()), (W("result", err=STR), 'err("no")', wt.Err("no")),
    (PERMS, "{}", set()), (PERMS, "{read, exec}", {"read", "exec"}),
]


@pytest.mark.parametrize("t,text,value", ROUND_TRIPS, ids=[f"{t}:{x}" for t, x, _ in ROUND_TRIPS])
def test_parse_and_format(t: wt.WitType, text: str, value: object) -> None:
    parsed = parse_wave(text, t)
    assert parsed == value
    if isinstance(value, float) and math.isnan(value):
        return
    assert format_wave(parsed, t) == text


def test_named_types() -> None:
    point = parse_wave("{y: 2, x: 1}", POINT)
    assert point == {"x": 1, "y": 2}
    assert format_wave(wt.wit_class(POINT)(1, 2), POINT) == "{x: 1, y: 2}"
    person = parse_wave('{first-name: "ann"}', PERSON)  # an option field may be left out
    assert person == {"first-name": "ann", "nick": None}
    assert format_wave(wt.wit_class(PERSON)("ann", None), PERSON) == '{first-name: "ann", nick: none}'
    circle = parse_wave("circle(1.5)", SHAPE)
    assert circle == wt.wit_class(SHAPE).of("circle", 1.5) and format_wave(circle, SHAPE) == "circle(1.5)"
    assert format_wave(parse_wave("%none", SHAPE), SHAPE) == "%none"  # a case named like a keyword
    assert format_wave(parse_wave("rect({x: 1, y: 2})", SHAPE), SHAPE) == "rect({x: 1, y: 2})"
    green = parse_wave("green", COLOR)
    assert green is wt.wit_class(COLOR).GREEN and format_wave(green, COLOR) == "green"
    assert format_wave(parse_wave("%ok", COLOR), COLOR) == "%ok"
    perms = wt.wit_class(PERMS)
    assert format_wave(perms.READ | perms.EXEC, PERMS) == "{read, exec}"
    assert math.isnan(parse_wave("nan", F64))  # type: ignore[arg-type]
    assert parse_wave(" // a comment\n 5 ", S32) == 5


@pytest.mark.parametrize("t,text,message", [
    (S32, "2147483648", "out of range"), (U8, "-1", "out of range"), (S32, "1.5", "expected a WAVE s32"),
    (BOOL, "yes", "expected a WAVE bool"), (STR, "'c'", "expected a WAVE string"), (CHR, "'ab'", "unexpected"), (F32, "1e39", "out of range"),
    (CHR, "'\\u{d800}'", "not a Unicode scalar value"), (STR, '"\\q"', "unknown escape"),
    (POINT, "{x: 1}", "the field 'y' is missing"), (POINT, "{x: 1, y: 2, z: 3}", "no field(s) z"),
    (SHAPE, "square", "one of circle, none, rect"), (SHAPE, "circle", "needs a payload"),
    (COLOR, "blue", "one of red, green, ok"), (PERMS, "{fly}", "flags among"),
    (W("tuple", elements=(S32,)), "(1, 2)", "a tuple of 1"), (S32, "1 2", "after the value"),
    (W("list", element=S32), "[1, 2", "expected"), (S32, "", "expected a value"),
])
def test_errors(t: wt.WitType, text: str, message: str) -> None:
    with pytest.raises(WaveError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_wave(text, t)


def test_calls() -> None:
    assert parse_wave_call("add(1, 2)") == ("add", ["1", "2"])
    assert parse_wave_call("ns:pkg/iface@1.0.0#f-g()") == ("ns:pkg/iface@1.0.0#f-g", [])
    assert parse_wave_call('f("a, (b", [1, 2], {x: 1},)') == ("f", ['"a, (b"', "[1, 2]", "{x: 1}"])
    for bad in ("add", "(1)", "add(1", "add(1) extra"):
        with pytest.raises(WaveError):
            parse_wave_call(bad)
