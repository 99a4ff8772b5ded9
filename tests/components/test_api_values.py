"""Every WIT value kind through wt_api, round-tripped by the componentize-py ``kitchen``
component's ``values`` interface, with the Python types the API promises; and wrong values
refused before wasm runs (the instance stays usable: nothing reached C)."""

from __future__ import annotations

import enum
import math
from typing import Any

import pytest

import wt_api as wt


def _roundtrip(v: Any, fn: str, value: Any) -> Any:
    return getattr(v, fn)(value)


SCALARS = [
    ("echo_bool", [True, False]),
    ("echo_s8", [-128, 0, 127]),
    ("echo_u8", [0, 255]),
    ("echo_s16", [-32768, 32767]),
    ("echo_u16", [0, 65535]),
    ("echo_s32", [-2**31, 2**31 - 1]),
    ("echo_u32", [0, 2**32 - 1]),
    ("echo_s64", [-2**63, 2**63 - 1]),
    ("echo_u64", [0, 2**64 - 1]),
    ("echo_f32", [0.0, -1.5, 3.4028234663852886e38, math.inf]),
    ("echo_f64", [0.0, 1e308, -math.inf, 5e-324]),
    ("echo_char", ["a", "é", "€", "\U0001F600", "\0"]),
    ("echo_string", ["", "ascii", "héllo wörld", "\U0001F600" * 100, "x" * 100_000, "nul\0inside"]),
    ("echo_bytes", [b"", b"\0\1\2\xff", bytes(range(256)) * 40]),
]


@pytest.mark.parametrize("fn,values", SCALARS, ids=[s[0] for s in SCALARS])
def test_scalars_strings_and_bytes_round_trip(kit: Any, fn: str, values: list[Any]) -> None:
    v = kit.exports.values
    for value in values:
        out = _roundtrip(v, fn, value)
        assert out == value and type(out) is type(value)


def test_nan_survives(kit: Any) -> None:
    assert math.isnan(kit.exports.values.echo_f64(math.nan))
    assert math.isnan(kit.exports.values.echo_f32(math.nan))


def test_lists_and_tuples(kit: Any) -> None:
    v = kit.exports.values
    assert v.echo_list([]) == [] and v.echo_list([1, -2, 2**63 - 1]) == [1, -2, 2**63 - 1]
    assert v.echo_list((1, 2)) == [1, 2]  # a tuple is a sequence too; the result is a list
    assert v.echo_strings(["a", "", "ü" * 10]) == ["a", "", "ü" * 10]
    assert v.echo_bytes(bytearray(b"ab")) == b"ab" and v.echo_bytes(memoryview(b"cd")) == b"cd"
    assert v.echo_bytes([1, 2, 255]) == b"\x01\x02\xff"
    out = v.echo_tuple((7, "seven", 7.5))
    assert out == (7, "seven", 7.5) and type(out) is tuple
    assert v.echo_tuple([7, "x", 1.0]) == (7, "x", 1.0)


def test_records_are_typed_objects_and_accept_mappings(kit: Any) -> None:
    v = kit.exports.values
    p = v.Point(1, y=-2)
    out = v.echo_point(p)
    assert out == p and type(out) is v.Point and (out.x, out.y) == (1, -2)
    assert repr(out) == "Point(x=1, y=-2)" and hash(out) == hash(v.Point(1, -2))
    assert v.echo_point({"x": 3, "y": 4}) == v.Point(3, 4)
    person = v.Person("ann", 30, ["a", "b"], None, 0.5)
    assert v.echo_person(person) == person
    assert v.echo_person({"name": "bo", "age": 1, "tags": [], "nick": "b", "score": 2.0}).nick == "b"
    assert v.echo_points([v.Point(1, 2), {"x": 3, "y": 4}]) == [v.Point(1, 2), v.Point(3, 4)]
    assert v.Point.__doc__ and "record point" in v.Point.__doc__


def test_variants_enums_and_flags(kit: Any) -> None:
    v = kit.exports.values
    for shape in (v.Shape.Circle(1.5), v.Shape.Rect(v.Point(1, 2)), v.Shape.Empty()):
        out = v.echo_shape(shape)
        assert out == shape and type(out) is type(shape) and isinstance(out, v.Shape)
    assert v.Shape.Circle(2.0).case == "circle" and v.Shape.Empty().value is None
    assert issubclass(v.Color, enum.Enum) and [c.value for c in v.Color] == ["red", "green", "blue"]
    assert v.echo_color(v.Color.BLUE) is v.Color.BLUE
    assert v.echo_color("green") is v.Color.GREEN  # a case's WIT name is accepted too
    assert issubclass(v.Perms, enum.Flag)
    assert v.echo_perms(v.Perms.READ | v.Perms.EXEC) == v.Perms.READ | v.Perms.EXEC
    assert v.echo_perms(v.Perms(0)) == v.Perms(0)
    assert v.echo_perms({"write", "read"}) == v.Perms.READ | v.Perms.WRITE


def test_options_and_nested_options(kit: Any) -> None:
    v = kit.exports.values
    assert v.echo_option(None) is None and v.echo_option(0) == 0
    assert v.echo_nested(None) is None
    assert v.echo_nested(wt.Some(None)) == wt.Some(None)  # some(none) is not none
    assert v.echo_nested(wt.Some(5)) == wt.Some(5)
    with pytest.raises(wt.WasmArgumentError, match=r"Some\(\.\.\.\)"):
        v.echo_nested(5)  # ambiguous without Some: refused


def test_results_return_ok_or_raise_err(kit: Any) -> None:
    v = kit.exports.values
    assert v.echo_result(wt.Ok("fine")) == "fine"
    with pytest.raises(wt.Err) as caught:
        v.echo_result(wt.Err(7))
    assert caught.value.value == 7 and not isinstance(caught.value, wt.WtError)
    assert v.echo_result_empty(wt.Ok()) is None
    with pytest.raises(wt.Err) as empty:
        v.echo_result_empty(wt.Err())
    assert empty.value.value is None
    assert v.echo_result_ok(wt.Ok(3)) == 3
    with pytest.raises(wt.Err, match="'no'"):
        v.echo_result_err(wt.Err("no"))
    assert v.divide(7, 2) == 3
    with pytest.raises(wt.Err, match="division by zero"):
        v.divide(1, 0)
    with pytest.raises(wt.WasmArgumentError, match=r"Ok\(\.\.\.\) or Err"):
        v.echo_result("fine")  # a result parameter is an Ok or an Err


def test_many_parameters_and_no_result(kit: Any) -> None:
    v = kit.exports.values
    assert v.describe(True, 1, -2, 3, -4, 0.5, 0.25, "c", "s") == "True 1 -2 3 -4 0.5 0.25 c s"
    assert v.nothing() is None and v.add(2**31 - 1, 1) == -2**31


BAD = [
    ("echo_s32", "1", r"argument 0 \(v: s32\): expected s32, got str"),
    ("echo_s32", 1.0, "expected s32, got float"),
    ("echo_s32", None, "expected s32, got NoneType"),
    ("echo_u8", 256, r"out of range \[0, 255\]"),
    ("echo_u8", -1, "out of range"),
    ("echo_s64", 2**63, "out of range"),
    ("echo_u64", -1, "out of range"),
    ("echo_u64", 2**64, "out of range"),
    ("echo_bool", 1, "expected bool, got int"),
    ("echo_f64", "1.0", "expected f64"),
    ("echo_f32", 1e300, "f32.*out of range"),
    ("echo_char", "ab", "a str of one character"),
    ("echo_char", "", "a str of one character"),
    ("echo_char", "\ud800", "surrogate"),
    ("echo_char", 65, "char"),
    ("echo_string", b"bytes", "expected string, got bytes"),
    ("echo_string", "bad \udfff surrogate", "lone surrogate"),
    ("echo_bytes", "text", r"list<u8>"),
    ("echo_bytes", [256], r"ints in \[0, 255\]"),
    ("echo_list", [1, "2"], r"\[1\]: expected s64"),
    ("echo_list", "12", "a list"),
    ("echo_strings", ["ok", "\ud800"], r"\[1\]: expected string"),
    ("echo_tuple", (1, "x"), "a tuple of 3"),
    ("echo_tuple", (1, 2, 3.0), r"\[1\]: expected string"),
    ("echo_point", {"x": 1}, "the field 'y' is missing"),
    ("echo_point", {"x": 1, "y": 2, "z": 3}, "no field.*z"),
    ("echo_point", (1, 2), "record class, or a mapping"),
    ("echo_point", {"x": 1, "y": 2**40}, r"\.y: expected s32"),
    ("echo_person", {"name": "a", "age": 1, "tags": ["ok", 5], "nick": None, "score": 1.0}, r"\.tags\[1\]: expected string"),
    ("echo_shape", "circle", "a case of its variant class"),
    ("echo_color", "purple", "one of red, green, blue"),
    ("echo_perms", {"read", "fly"}, "'fly' is not one of its flags"),
    ("echo_perms", 3, "Flag class, or a set"),
    ("echo_option", "x", r"\.some: expected s32"),
    ("echo_result", wt.Ok(5), r"\.ok: expected string"),
    ("echo_result_empty", wt.Ok(1), "has no payload"),
]


@pytest.mark.parametrize("fn,value,message", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_wrong_values_are_refused_before_wasm_runs(kit: Any, fn: str, value: Any, message: str) -> None:
    v = kit.exports.values
    with pytest.raises(wt.WasmArgumentError, match=message) as caught:
        getattr(v, fn)(value)
    assert fn.replace("_", "-") in str(caught.value)  # names the function
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    assert v.add(1, 2) == 3  # nothing reached wasm: the instance is fine


def test_wrong_argument_counts(kit: Any) -> None:
    v = kit.exports.values
    with pytest.raises(wt.WasmArgumentError, match=r"add\(a: s32, b: s32\) takes 2 arguments, got 1"):
        v.add(1)
    with pytest.raises(wt.WasmArgumentError, match="got 3"):
        v.add(1, 2, 3)
    with pytest.raises(wt.WasmArgumentError, match="takes 0 arguments, got 1"):
        v.nothing(1)
    with pytest.raises(TypeError):
        v.add(a=1, b=2)  # positional only, as WIT has no keyword arguments
    assert v.add(1, 2) == 3


def test_wrong_variant_payload(kit: Any) -> None:
    v = kit.exports.values
    with pytest.raises(TypeError, match="no payload"):
        v.Shape.Empty(5)
    with pytest.raises(TypeError, match="make a case"):
        v.Shape(1.0)
    with pytest.raises(wt.WasmArgumentError, match=r"\.circle: expected f32"):
        v.echo_shape(v.Shape.Circle("round"))


def test_records_of_scalars_and_strings_take_the_fast_path_and_its_fallbacks() -> None:
    from . import wat

    with wt.Runtime() as rt:
        with rt.instantiate_component(rt.compile_component(wat.FLAT_RECORD)) as inst:
            echo = inst.exports.echo
            item = wt.wit_class(rt.compile_component(wat.FLAT_RECORD).exports["item"])  # type: ignore[arg-type]
            for value in (item("héllo", 7, "€", True, 1.5), item("", 0, "\0", False, -0.0),
                          item("x" * 5000, 2**32 - 1, "\U0001F600", True, float("inf"))):
                assert echo(value) == value
            assert echo({"name": "m", "n": 1, "c": "c", "ok": False, "f": 2.0}) == item("m", 1, "c", False, 2.0)
            assert echo(item("int for a float", 1, "c", True, 2)) == item("int for a float", 1, "c", True, 2.0)
            for bad, message in ((item("a", -1, "c", True, 1.0), r"\.n: expected u32"),
                                 (item("a", 1, "\ud800", True, 1.0), r"\.c: expected char"),
                                 (item("\udc00", 1, "c", True, 1.0), r"\.name: expected string"),
                                 (item("a", 1, "c", 1, 1.0), r"\.ok: expected bool"),
                                 (item("a", 1, "c", True, 1e300), r"\.f: expected f32")):
                with pytest.raises(wt.WasmArgumentError, match=message):
                    echo(bad)
            assert echo(item("still fine", 2, "c", True, 0.5)).name == "still fine"
