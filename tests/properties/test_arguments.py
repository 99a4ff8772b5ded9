"""Function.call through identity functions of every value type: in-range values come back
unchanged; out-of-range, wrong-type and wrong-count arguments raise WasmArgumentError
naming the parameter, before wasm runs (a counter in wasm says whether it ran)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wt_api as wt
from misuse.child import run_in_child

NUMBERS = {"i32": (-(2**31), 2**32), "i64": (-(2**63), 2**64), "f32": (0, 2**32), "f64": (0, 2**64),
           "v128": (0, 2**128)}
"""The ints each number type's parameter accepts: [lo, hi) (i32/i64 also take signed values)."""
REFS = ("funcref", "externref", "anyref", "eqref", "i31ref", "structref", "arrayref", "exnref",
        "(ref null $ft)", "(ref null $st)", "(ref extern)", "(ref null none)")

WAT = "\n".join([
    "(module",
    "  (type $ft (func (result i32)))",
    "  (type $st (struct (field i32)))",
    "  (type $at (array (mut i8)))",
    "  (tag $tag (param i32))",
    '  (global $count (export "count") (mut i32) (i32.const 0))',
    "  (func $tick (global.set $count (i32.add (global.get $count) (i32.const 1))))",
    '  (func (export "seven") (type $ft) (i32.const 7))',
    '  (func (export "make_struct") (result (ref $st)) (struct.new $st (i32.const 5)))',
    '  (func (export "make_array") (result (ref $at)) (array.new_default $at (i32.const 3)))',
    '  (func (export "make_exn") (result exnref) (block $h (result exnref)'
    ' (try_table (catch_all_ref $h) (throw $tag (i32.const 3))) (ref.null exn)))',
    '  (func (export "pair") (param i32 f64 externref) (result externref f64 i32) (call $tick)'
    " (local.get 2) (local.get 1) (local.get 0))",
    *[f'  (func (export "id {t}") (param {t}) (result {t}) (call $tick) (local.get 0))' for t in (*NUMBERS, *REFS)],
    ")",
])

NOT_INTS = st.one_of(st.floats(), st.text(max_size=3), st.none(), st.binary(max_size=3), st.just(object()),
                     st.lists(st.integers(), max_size=1), st.complex_numbers())


@pytest.fixture(scope="module")
def mod() -> Iterator[wt.Module]:
    with wt.Runtime() as runtime:
        yield runtime.instantiate(runtime.compile_module(WAT))


def fn(mod: wt.Module, name: str) -> wt.Function:
    found = mod.exported_function(name)
    assert found is not None
    return found


def ticks(mod: wt.Module) -> int:
    count = mod.exported_global("count")
    assert count is not None
    return count.get()


def refused(mod: wt.Module, name: str, *args: object, parameter: int = 0) -> str:
    """Call ``name`` expecting WasmArgumentError naming ``parameter`` and no wasm run."""
    before = ticks(mod)
    with pytest.raises(wt.WasmArgumentError) as info:
        fn(mod, name).call(*args)
    assert ticks(mod) == before, "wasm ran although the arguments were refused"
    assert f"parameter {parameter}" in str(info.value) or "parameter(s)" in str(info.value)
    return str(info.value)


@pytest.mark.parametrize("t", list(NUMBERS))
@given(data=st.data())
def test_numbers_in_range_come_back(mod: wt.Module, t: str, data: st.DataObject) -> None:
    lo, hi = NUMBERS[t]
    edges = st.sampled_from([lo, lo + 1, -1 if lo else 0, 0, 1, hi // 2 - 1, hi // 2, hi - 2, hi - 1])
    value = data.draw(st.one_of(edges, st.integers(lo, hi - 1)))
    before = ticks(mod)
    assert fn(mod, f"id {t}").call(value) == [value % hi]
    assert ticks(mod) == before + 1


@pytest.mark.parametrize("t", list(NUMBERS))
@given(data=st.data())
def test_numbers_out_of_range_are_refused(mod: wt.Module, t: str, data: st.DataObject) -> None:
    lo, hi = NUMBERS[t]
    value = data.draw(st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi),
                                st.sampled_from([lo - 1, hi, hi + 1, 2**64, 2**128, -(2**64)]).filter(
                                    lambda v: not lo <= v < hi)))
    assert "out of range" in refused(mod, f"id {t}", value)


@pytest.mark.parametrize("t", list(NUMBERS))
@given(value=NOT_INTS)
def test_numbers_of_other_types_are_refused(mod: wt.Module, t: str, value: object) -> None:
    refused(mod, f"id {t}", value)


@given(st.integers(0, 6).filter(lambda n: n != 3))
def test_wrong_counts_are_refused(mod: wt.Module, n: int) -> None:
    refused(mod, "pair", *([0] * n))


@given(i32=st.integers(-(2**31), 2**32 - 1), f64=st.integers(0, 2**64 - 1), obj=st.integers())
def test_several_parameters(mod: wt.Module, i32: int, f64: int, obj: int) -> None:
    handle = wt.encode_externref(obj)
    try:
        out = fn(mod, "pair").call(i32, f64, handle)
        assert out == [handle, f64, i32 % 2**32]
        refused(mod, "pair", i32, -1, handle, parameter=1)
        refused(mod, "pair", 2**32, f64, handle, parameter=0)
        refused(mod, "pair", i32, f64, "x", parameter=2)
    finally:
        wt.release_externref(handle)


@given(obj=st.one_of(st.integers(), st.text(), st.just(object())))
def test_externrefs_come_back_as_the_same_object(mod: wt.Module, obj: object) -> None:
    handle = wt.encode_externref(obj)
    try:
        for t in ("externref", "(ref extern)", "anyref"):
            out = fn(mod, f"id {t}").call(handle)[0]
            assert wt.decode_externref(out) is obj if t != "anyref" else wt.decode_anyref(out).host is obj  # type: ignore[union-attr]
    finally:
        wt.release_externref(handle)


@given(st.integers(-(2**30), 2**31 - 1))
def test_i31s_come_back(mod: wt.Module, value: int) -> None:
    handle = wt.encode_i31(value)
    for t in ("anyref", "eqref", "i31ref"):
        assert fn(mod, f"id {t}").call(handle) == [handle]
    assert "does not fit" in refused(mod, "id structref", handle)


def test_gc_objects_come_back_and_kinds_are_checked(mod: wt.Module) -> None:
    struct = fn(mod, "make_struct").call()[0]
    array = fn(mod, "make_array").call()[0]
    for t in ("anyref", "eqref", "structref", "(ref null $st)"):
        out = fn(mod, f"id {t}").call(struct)[0]
        assert wt.decode_anyref(out).kind == "struct"  # type: ignore[union-attr]
    assert wt.decode_anyref(fn(mod, "id arrayref").call(array)[0]).kind == "array"  # type: ignore[union-attr]
    for t, wrong in (("arrayref", struct), ("structref", array), ("i31ref", struct)):
        refused(mod, f"id {t}", wrong)


def test_exnrefs_come_back(mod: wt.Module) -> None:
    exn = fn(mod, "make_exn").call()[0]
    out = fn(mod, "id exnref").call(exn)[0]
    assert wt.decode_exnref(out).payload == (3,)  # type: ignore[union-attr]
    struct = fn(mod, "make_struct").call()[0]
    refused(mod, "id exnref", struct)


def test_functions_come_back(mod: wt.Module) -> None:
    seven = fn(mod, "seven")
    raw = fn(mod, "id funcref").call(seven)[0]
    assert raw and fn(mod, "id funcref").call(raw) == [raw]
    assert fn(mod, "id (ref null $ft)").call(seven) == [raw]


@pytest.mark.parametrize("t", REFS)
def test_null_is_every_nullable_reference(mod: wt.Module, t: str) -> None:
    if t == "(ref extern)":
        refused(mod, f"id {t}", None)
        refused(mod, f"id {t}", 0)
    else:
        assert fn(mod, f"id {t}").call(None) == [0] and fn(mod, f"id {t}").call(0) == [0]


@pytest.mark.parametrize("t", [t for t in REFS if t not in ("funcref", "(ref null $ft)")])
@given(value=st.one_of(st.integers(2**40, 2**62), st.integers(max_value=-1), st.integers(min_value=2**64),
                       st.text(max_size=2), st.floats().filter(bool), st.binary(max_size=2)))
def test_handles_not_issued_are_refused(mod: wt.Module, t: str, value: object) -> None:
    refused(mod, f"id {t}", value)


@pytest.mark.parametrize("t", ["funcref", "(ref null $ft)", "(ref $ft)"])
def test_funcref_ints_not_issued_are_refused(t: str) -> None:
    run_in_child(f"""
        r = wt.Runtime()
        m = r.instantiate(r.compile_module('''(module (type $ft (func (result i32))) (table 1 funcref)
            (func (export "f") (param {t}) (result i32)
              (table.set (i32.const 0) (local.get 0)) (call_indirect (type $ft) (i32.const 0))))'''))
        for value in (1, 8, 12345, 2**40 + 1, 2**64 - 1):
            try:
                m.exported_function("f").call(value)
            except wt.WasmArgumentError as exc:
                assert "parameter 0" in str(exc), exc
            except wt.WtError as exc:  # it reached wasm
                raise SystemExit(f"{{value}} was accepted as a {t}: {{exc}}")
            else:
                raise SystemExit(f"{{value}} was accepted as a {t}")
    """)


@pytest.mark.parametrize("t", ["externref", "anyref", "funcref"])
def test_bools_are_not_reference_handles(t: str) -> None:
    run_in_child(f"""
        r = wt.Runtime()
        m = r.instantiate(r.compile_module('(module (func (export "id") (param {t}) (result {t}) local.get 0))'))
        wt.encode_externref(object())  # handle 1 is live
        try:
            m.exported_function("id").call(True)
        except wt.WasmArgumentError:
            pass
        else:
            raise SystemExit("True was accepted as a {t}")
    """)


@pytest.mark.parametrize("t", ["externref", "anyref", "exnref"])
def test_zero_floats_are_not_null_references(mod: wt.Module, t: str) -> None:
    for value in (0.0, -0.0, 0j):
        refused(mod, f"id {t}", value)
