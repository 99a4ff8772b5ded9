"""Global.set/get, Table.get/set/grow and Memory.read/write/grow at and beyond every bound."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

import wt_api as wt
from misuse.child import run_in_child

from .test_arguments import NOT_INTS, NUMBERS

WAT = "\n".join([
    "(module",
    "  (type $ft (func (result i32)))",
    '  (func (export "seven") (type $ft) (i32.const 7))',
    *[f'  (global (export "g {t}") (mut {t}) ({t}.const {"i64x2 0 0" if t == "v128" else 0}))' for t in NUMBERS],
    '  (global (export "const") i32 (i32.const 1))',
    '  (global (export "g externref") (mut externref) (ref.null extern))',
    '  (global (export "g funcref") (mut funcref) (ref.null func))',
    '  (table (export "funcs") 3 8 funcref)',
    '  (table (export "externs") 2 externref)',
    '  (memory (export "memory") 1 3)',
    ")",
])


@pytest.fixture(scope="module")
def mod() -> Iterator[wt.Module]:
    with wt.Runtime() as runtime:
        yield runtime.instantiate(runtime.compile_module(WAT))


def glob(mod: wt.Module, name: str) -> wt.Global:
    found = mod.exported_global(name)
    assert found is not None
    return found


def table(mod: wt.Module, name: str) -> wt.Table:
    found = mod.exported_table(name)
    assert found is not None
    return found


@pytest.mark.parametrize("t", list(NUMBERS))
@given(data=st.data())
def test_number_globals_keep_what_is_set(mod: wt.Module, t: str, data: st.DataObject) -> None:
    lo, hi = NUMBERS[t]
    lo = 0 if t in ("f32", "f64", "v128") else lo
    value = data.draw(st.one_of(st.sampled_from([lo, 0, hi - 1]), st.integers(lo, hi - 1)))
    g = glob(mod, f"g {t}")
    g.set(value)
    assert g.get() == value % hi


@pytest.mark.parametrize("t", list(NUMBERS))
@given(data=st.data())
def test_number_globals_refuse_what_does_not_fit(mod: wt.Module, t: str, data: st.DataObject) -> None:
    lo, hi = NUMBERS[t]
    g = glob(mod, f"g {t}")
    before = g.get()
    value = data.draw(st.one_of(st.integers(max_value=lo - 1), st.integers(min_value=hi), NOT_INTS))
    with pytest.raises(wt.WasmArgumentError):
        g.set(value)
    assert g.get() == before


def test_immutable_globals_refuse_every_set(mod: wt.Module) -> None:
    for value in (0, 1, 2**32, "x"):
        with pytest.raises(wt.WasmRuntimeError, match="immutable"):
            glob(mod, "const").set(value)  # type: ignore[arg-type]
    assert glob(mod, "const").get() == 1


@given(obj=st.one_of(st.integers(), st.text()), stranger=st.integers(2**40, 2**62))
def test_externref_globals_and_tables(mod: wt.Module, obj: object, stranger: int) -> None:
    handle = wt.encode_externref(obj)
    try:
        g, t = glob(mod, "g externref"), table(mod, "externs")
        g.set(handle)
        assert wt.decode_externref(g.get()) is obj
        t.set(1, handle)
        assert wt.decode_externref(t.get(1)) is obj
        for bad in (stranger, -1, "x", 1.5):
            with pytest.raises(wt.WasmArgumentError):
                g.set(bad)  # type: ignore[arg-type]
            with pytest.raises(wt.WasmArgumentError):
                t.set(0, bad)  # type: ignore[arg-type]
    finally:
        wt.release_externref(handle)


def test_funcref_globals_and_tables_take_functions(mod: wt.Module) -> None:
    seven = mod.exported_function("seven")
    g, t = glob(mod, "g funcref"), table(mod, "funcs")
    g.set(seven)  # type: ignore[arg-type]
    t.set(0, g.get())
    assert t.get(0) == g.get() != 0
    g.set(0)
    assert g.get() == 0


@given(data=st.data())
def test_table_indices(mod: wt.Module, data: st.DataObject) -> None:
    t = table(mod, "externs")
    size = t.size()
    inside = data.draw(st.integers(0, size - 1))
    outside = data.draw(st.one_of(st.integers(size, 2**64 - 1), st.integers(max_value=-1)))
    t.get(inside)
    t.set(inside, 0)
    with pytest.raises(IndexError):
        t.get(outside)
    with pytest.raises(IndexError):
        t.set(outside, 0)
    with pytest.raises(TypeError):
        t.get(data.draw(NOT_INTS.filter(lambda v: v is not None)))  # type: ignore[arg-type]


def test_table_growth_stops_at_its_maximum(mod: wt.Module) -> None:
    t = table(mod, "funcs")
    size = t.size()
    with pytest.raises(wt.WasmRuntimeError):
        t.grow(8 - size + 1)
    with pytest.raises(ValueError):
        t.grow(-1)
    assert t.size() == size


@given(data=st.data())
def test_memory_bounds(mod: wt.Module, data: st.DataObject) -> None:
    memory = mod.exported_memory("memory")
    assert memory is not None
    size = memory.size
    offset = data.draw(st.integers(0, size))
    length = data.draw(st.integers(0, size - offset))
    assert len(memory.read(offset, length)) == length
    memory.write(offset, bytes(length))
    beyond = data.draw(st.integers(size - offset + 1, 2**70))
    for call in (lambda: memory.read(offset, beyond), lambda: memory.view(offset, beyond),
                 lambda: memory.read(-1 - offset, 1), lambda: memory.write(offset, bytes(size - offset + 1))):
        with pytest.raises(IndexError):
            call()


@given(index=st.integers(2**64, 2**66))
def test_table_indices_beyond_64_bits(mod: wt.Module, index: int) -> None:
    with pytest.raises(IndexError):
        table(mod, "externs").get(index)


def test_growth_by_2_64_or_more() -> None:
    run_in_child("""
        r = wt.Runtime()
        m = r.instantiate(r.compile_module('(module (table (export "t") 1 funcref) (memory (export "m") 1))'))
        for what, grow in (("table", m.exported_table("t").grow), ("memory", m.exported_memory("m").grow)):
            try:
                grow(2**64 + 1)
            except (wt.WasmRuntimeError, ValueError):
                pass
            else:
                raise SystemExit(f"the {what} grew by 2**64 + 1")
    """)


@pytest.mark.parametrize("target", ["global", "table"])
def test_funcref_ints_not_issued_are_refused_by_globals_and_tables(target: str) -> None:
    run_in_child(f"""
        r = wt.Runtime()
        m = r.instantiate(r.compile_module('''(module (type $ft (func (result i32)))
            (global (export "g") (mut funcref) (ref.null func)) (table (export "t") 1 funcref)
            (func (export "call") (result i32) (table.set (i32.const 0) (global.get 0))
              (call_indirect (type $ft) (i32.const 0))))'''))
        for value in (12345, 2**40 + 1):
            try:
                if {target!r} == "global":
                    m.exported_global("g").set(value)
                else:
                    m.exported_table("t").set(0, value)
            except wt.WasmArgumentError:
                continue
            raise SystemExit(f"{{value}} was accepted as a funcref")
    """)
