import pytest

import wt_api as wt

MODULE = """
(module
  (global (export "const") i32 (i32.const -7))
  (global (export "counter") (mut i64) (i64.const 1))
  (global (export "pi") (mut f64) (f64.const 3.5))
  (global (export "ext") (mut externref) (ref.null extern))
  (table (export "funcs") 2 10 funcref)
  (table (export "exts") 1 externref)
  (func $f (export "f") (result i32) i32.const 42)
  (func (export "call_indirect") (param i32) (result i32) local.get 0 call_indirect (result i32))
  (elem (i32.const 0) $f))
"""


@pytest.fixture
def mod(instantiate):  # type: ignore[no-untyped-def]
    return instantiate(MODULE)


def test_globals(mod: wt.Module) -> None:
    const = mod.exported_global("const")
    counter = mod.exported_global("counter")
    pi = mod.exported_global("pi")
    assert const is not None and counter is not None and pi is not None
    assert wt.decode_i32(const.get()) == -7
    assert not const.mutable
    with pytest.raises(wt.WasmRuntimeError, match="immutable"):
        const.set(1)
    counter.set(wt.encode_i64(-5))
    assert wt.decode_i64(counter.get()) == -5
    assert wt.decode_f64(pi.get()) == 3.5
    pi.set(wt.encode_f64(0.25))
    assert wt.decode_f64(pi.get()) == 0.25
    with pytest.raises(wt.WasmArgumentError):
        counter.set(2**64)


def test_externref_global(mod: wt.Module) -> None:
    ext = mod.exported_global("ext")
    assert ext is not None
    assert ext.get() == 0
    obj = ["x"]
    ext.set(wt.encode_externref(obj))
    assert wt.decode_externref(ext.get()) is obj


def test_funcref_table(mod: wt.Module) -> None:
    table = mod.exported_table("funcs")
    call_indirect = mod.exported_function("call_indirect")
    f = mod.exported_function("f")
    assert table is not None and call_indirect is not None and f is not None
    assert table.size() == 2
    assert table.get(0) != 0 and table.get(1) == 0
    table.set(1, f)
    assert call_indirect.call(1) == [42]
    table.set(1, table.get(0))
    assert call_indirect.call(1) == [42]
    assert table.grow(3) == 2 and table.size() == 5
    with pytest.raises(IndexError):
        table.get(5)
    with pytest.raises(IndexError):
        table.set(7, 0)
    for huge in (2**64, -1):  # the message names the index given, not its 64-bit wrap
        with pytest.raises(IndexError, match=f"table index {huge} is out of bounds"):
            table.get(huge)
        with pytest.raises(IndexError, match=f"table index {huge} is out of bounds"):
            table.set(huge, 0)
    with pytest.raises(wt.WasmRuntimeError):
        table.grow(100)


def test_externref_table(mod: wt.Module) -> None:
    table = mod.exported_table("exts")
    assert table is not None
    obj = object()
    table.set(0, wt.encode_externref(obj))
    assert wt.decode_externref(table.get(0)) is obj
