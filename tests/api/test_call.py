import pytest

import wt_api as wt

MODULE = """
(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "none"))
  (func (export "swap") (param i64 f64) (result f64 i64) local.get 1 local.get 0)
  (func (export "mixed") (param i32 i64 f32 f64) (result i64)
    local.get 0 i64.extend_i32_s local.get 1 i64.add
    local.get 2 i64.trunc_f32_s i64.add local.get 3 i64.trunc_f64_s i64.add)
  (func (export "f32id") (param f32) (result f32) local.get 0)
  (func (export "f64id") (param f64) (result f64) local.get 0)
  (func (export "v128id") (param v128) (result v128) local.get 0)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func $inner (unreachable))
  (func (export "boom") call $inner)
  (func $r (export "recurse") (call $r))
  (func (export "extid") (param externref) (result externref) local.get 0)
)
"""


@pytest.fixture
def mod(instantiate):  # type: ignore[no-untyped-def]
    return instantiate(MODULE)


def test_add(mod: wt.Module) -> None:
    add = mod.exported_function("add")
    assert add is not None
    assert add.call(wt.encode_i32(5), wt.encode_i32(7)) == [12]
    assert wt.decode_i32(add.call(wt.encode_i32(-5), wt.encode_i32(2))[0]) == -3
    assert add.call(-1, 0) == [0xFFFFFFFF]  # signed ints are accepted for i32
    assert add.param_types == (wt.ValueType.I32, wt.ValueType.I32)
    assert add.result_types == (wt.ValueType.I32,)


def test_no_params_no_results(mod: wt.Module) -> None:
    f = mod.exported_function("none")
    assert f is not None and f.call() == []


def test_multi_value_and_mixed(mod: wt.Module) -> None:
    swap = mod.exported_function("swap")
    assert swap is not None
    assert swap.call(wt.encode_i64(-9), wt.encode_f64(2.5)) == [wt.encode_f64(2.5), wt.encode_i64(-9)]
    mixed = mod.exported_function("mixed")
    assert mixed is not None
    r = mixed.call(wt.encode_i32(-1), wt.encode_i64(10), wt.encode_f32(3.9), wt.encode_f64(-2.5))
    assert wt.decode_i64(r[0]) == -1 + 10 + 3 - 2


def test_nan_bits_preserved(mod: wt.Module) -> None:
    f32id = mod.exported_function("f32id")
    f64id = mod.exported_function("f64id")
    assert f32id is not None and f64id is not None
    assert f32id.call(0x7FA00001) == [0x7FA00001]  # signalling NaN, payload kept
    assert f64id.call(0x7FF0000000000F01) == [0x7FF0000000000F01]


def test_v128_roundtrip(mod: wt.Module) -> None:
    f = mod.exported_function("v128id")
    assert f is not None
    value = wt.encode_v128(bytes(range(1, 17)))
    assert f.call(value) == [value]


def test_externref_roundtrip(mod: wt.Module) -> None:
    f = mod.exported_function("extid")
    assert f is not None
    obj = {"some": "object"}
    (result,) = f.call(wt.encode_externref(obj))
    assert wt.decode_externref(result) is obj
    assert f.call(0) == [0]


def test_wrong_arity_raises_before_wasm(mod: wt.Module) -> None:
    add = mod.exported_function("add")
    assert add is not None
    with pytest.raises(wt.WasmArgumentError, match="takes 2 parameter"):
        add.call(1)
    with pytest.raises(TypeError):  # WasmArgumentError is a TypeError too
        add.call(1, 2, 3)


def test_out_of_range_and_wrong_type_raise(mod: wt.Module) -> None:
    add = mod.exported_function("add")
    assert add is not None
    with pytest.raises(wt.WasmArgumentError, match="out of range"):
        add.call(2**32, 0)
    with pytest.raises(wt.WasmArgumentError):
        add.call(1.5, 0)
    with pytest.raises(wt.WasmArgumentError):
        add.call("1", 0)
    assert add.call(1, 2) == [3]  # still usable


def test_trap_carries_code_and_frames(mod: wt.Module) -> None:
    boom = mod.exported_function("boom")
    assert boom is not None
    with pytest.raises(wt.Trap) as info:
        boom.call()
    assert info.value.code is wt.TrapCode.UNREACHABLE_CODE_REACHED
    assert len(info.value.frames) == 2
    assert "unreachable" in str(info.value)


def test_division_by_zero_then_usable(mod: wt.Module) -> None:
    div = mod.exported_function("div")
    assert div is not None
    with pytest.raises(wt.Trap) as info:
        div.call(1, 0)
    assert info.value.code is wt.TrapCode.INTEGER_DIVISION_BY_ZERO
    assert wt.decode_i32(div.call(wt.encode_i32(-9), 3)[0]) == -3


def test_stack_overflow_is_a_trap(mod: wt.Module) -> None:
    f = mod.exported_function("recurse")
    assert f is not None
    with pytest.raises(wt.Trap) as info:
        f.call()
    assert info.value.code is wt.TrapCode.STACK_OVERFLOW


def test_absent_or_other_kind_exports_are_none(mod: wt.Module) -> None:
    assert mod.exported_function("nope") is None
    assert mod.exported_memory("add") is None
    assert mod.exported_global("add") is None
    assert mod.exported_table("add") is None
    assert set(mod.exports) >= {"add", "swap", "boom"}


def test_funcref_parameters_take_functions(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate('(module (type $t (func (result i32))) (table 1 funcref)'
                      ' (func (export "seven") (result i32) i32.const 7)'
                      ' (func (export "call_it") (param funcref) (result i32)'
                      '   i32.const 0 local.get 0 table.set i32.const 0 call_indirect (type $t)))')
    seven, call_it = mod.exported_function("seven"), mod.exported_function("call_it")
    assert seven is not None and call_it is not None
    assert call_it.call(seven) == [7]
    with pytest.raises(wt.Trap):
        call_it.call(None)
    with pytest.raises(wt.WasmArgumentError):
        call_it.call("seven")
