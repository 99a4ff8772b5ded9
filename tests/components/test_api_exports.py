"""``instance.exports``: interfaces and functions as attributes with real signatures,
docstrings from their WIT types, and the classes named after the WIT types."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import wt_api as wt


def test_functions_have_signatures_and_docstrings(kit: Any) -> None:
    v = kit.exports.values
    sig = inspect.signature(v.echo_points)
    assert [p.name for p in sig.parameters.values()] == ["v"]
    assert sig.parameters["v"].annotation == list[v.Point] and sig.return_annotation == list[v.Point]
    assert str(inspect.signature(v.divide)) == "(a: int, b: int, /) -> int"
    assert "WIT ``wt:kitchen/values@0.1.0#divide: func(a: s32, b: s32) -> result<s32, string>``" in v.divide.__doc__
    assert "Raises wt_api.Err (with a str value)" in v.divide.__doc__
    assert v.echo_s32.__name__ == "echo_s32"
    assert inspect.signature(kit.exports.version).return_annotation is str


def test_interfaces_by_short_name_and_by_wit_name(kit: Any) -> None:
    e = kit.exports
    assert e["wt:kitchen/values@0.1.0"] is e.values and e.values.wit_name == "wt:kitchen/values@0.1.0"
    assert isinstance(e.values, wt.ComponentInterface) and isinstance(e, wt.ComponentExports)
    assert {"values", "objects", "version", "blob_make"} <= set(dir(e))
    assert "echo_person" in dir(e.values) and "Person" in list(e.values)
    with pytest.raises(AttributeError, match="exports no 'nope'.*values"):
        e.nope  # noqa: B018
    with pytest.raises(AttributeError, match="has no 'nope'.*echo_s32"):
        e.values.nope  # noqa: B018


def test_resource_classes_have_their_methods(kit: Any) -> None:
    counter = kit.exports.objects.Counter
    assert str(inspect.signature(counter.increment)) == "(self, by: int, /) -> int"
    assert inspect.signature(counter.make).return_annotation is counter
    assert "[constructor]counter" in counter._constructor.__doc__
    assert issubclass(counter, wt.ComponentResource)


def test_function_objects_by_wit_name(kit: Any) -> None:
    f = kit.function("wt:kitchen/values@0.1.0", "echo-s32")
    assert isinstance(f, wt.ComponentFunction) and f.name == "wt:kitchen/values@0.1.0#echo-s32"
    assert f is kit.function("wt:kitchen/values@0.1.0#echo-s32") and f(5) == 5 and f.call(6) == 6
    assert str(f.type) == "func(v: s32) -> s32" and repr(f).startswith("<ComponentFunction")
    assert kit.function("version")() == "kitchen 0.1.0"
    assert kit.function("wt:kitchen/values#echo-s32") is f  # without the version
    with pytest.raises(TypeError):
        kit.function(5)  # type: ignore[arg-type]


def test_each_instance_has_its_own_classes_of_handles(runtime: Any, component: Any, kit: Any,
                                                      kitchen_host: Any) -> None:
    with runtime.instantiate_component_with_wasi(component("kitchen"),
                                                 imports={"wt:kitchen/host@0.1.0": kitchen_host}) as other:
        assert other.exports.objects.Counter is not kit.exports.objects.Counter
        # value classes are shared: the same WIT type is the same Python class
        assert other.exports.values.Point is kit.exports.values.Point
        assert other.exports.values.echo_point(kit.exports.values.Point(1, 2)) == other.exports.values.Point(1, 2)
