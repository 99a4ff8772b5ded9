import gc

import pytest

import wt_api as wt

MODULE = """
(module
  (memory (export "mem") 1 4)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load8_u)
  (func (export "store") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "grow") (param i32) (result i32) local.get 0 memory.grow)
  (data (i32.const 16) "hello"))
"""


@pytest.fixture
def mod(instantiate):  # type: ignore[no-untyped-def]
    return instantiate(MODULE)


def test_size_read_write(mod: wt.Module) -> None:
    mem = mod.exported_memory("mem")
    assert mem is not None
    assert mem.size == 65536 and mem.pages == 1 and mem.page_size == 65536
    assert mem.type == wt.MemoryType(1, 4)
    assert mem.read(16, 5) == b"hello"
    mem.write(100, b"\x01\x02\x03")
    load = mod.exported_function("load")
    assert load is not None and load.call(101) == [2]
    mem.write(200, bytearray(b"ab"))
    mem.write(300, memoryview(b"cd"))
    assert mem.read(200, 2) == b"ab" and mem.read(300, 2) == b"cd"


def test_bounds_are_checked(mod: wt.Module) -> None:
    mem = mod.exported_memory("mem")
    assert mem is not None
    with pytest.raises(IndexError):
        mem.read(65535, 2)
    with pytest.raises(IndexError):
        mem.write(65536, b"x")
    with pytest.raises(IndexError):
        mem.read(-1, 1)
    assert mem.read(65536, 0) == b""


def test_grow(mod: wt.Module) -> None:
    mem = mod.exported_memory("mem")
    assert mem is not None
    assert mem.grow(1) == 1
    assert mem.pages == 2 and mem.size == 2 * 65536
    with pytest.raises(wt.WasmRuntimeError):
        mem.grow(10)
    grow = mod.exported_function("grow")
    assert grow is not None
    assert grow.call(10) == [0xFFFFFFFF]  # beyond the maximum: -1 inside wasm


def test_view_is_zero_copy(mod: wt.Module) -> None:
    mem = mod.exported_memory("mem")
    store = mod.exported_function("store")
    load = mod.exported_function("load")
    assert mem is not None and store is not None and load is not None
    view = mem.view()
    assert len(view) == 65536
    view[10] = 77
    assert load.call(10) == [77]
    store.call(11, 99)
    assert view[11] == 99
    part = mem.view(16, 5)
    assert bytes(part) == b"hello"
    with pytest.raises(IndexError):
        mem.view(65530, 10)


def test_view_outliving_its_module_stays_valid(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(MODULE))
    mem = mod.exported_memory("mem")
    assert mem is not None
    view = mem.view(16, 5)
    mod.close()
    # The store is freed only once the view is gone: reading it is still safe.
    assert bytes(view) == b"hello"
    with pytest.raises(wt.ClosedError):
        mem.read(0, 1)
    del view
    gc.collect()


def test_view_sees_memory_after_growth_in_place(mod: wt.Module) -> None:
    mem = mod.exported_memory("mem")
    assert mem is not None
    view = mem.view()
    mem.grow(2)
    view[0] = 5  # the memory did not move: the old view still writes into it
    assert mem.read(0, 1) == b"\x05"
    assert len(mem.view()) == 3 * 65536
