"""Registering instantiated modules under names, import subtyping, shared memories and
64-bit host tables (what the spec testsuite's ``register`` and ``spectest`` need)."""

from __future__ import annotations

import pytest

import wt_api as wt

I32 = wt.ValueType.I32

COUNTER = """(module
  (global $n (export "n") (mut i32) (i32.const 0))
  (func (export "bump") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n)))"""
USER = """(module
  (import "M" "bump" (func $bump (result i32)))
  (import "M" "n" (global $n (mut i32)))
  (func (export "twice") (result i32) (drop (call $bump)) (drop (call $bump)) (global.get $n)))"""


def test_register_makes_a_named_module_importable_under_another_name(runtime: wt.Runtime) -> None:
    counter = runtime.instantiate(runtime.compile_module(COUNTER), wt.ModuleConfig().with_name("counter"))
    runtime.register("M", counter)
    user = runtime.instantiate(runtime.compile_module(USER))
    assert user.exported_function("twice").call() == [2]  # type: ignore[union-attr]
    assert counter.exported_function("bump").call() == [3]  # type: ignore[union-attr]  # shared state
    with pytest.raises(wt.LinkError, match="already"):
        runtime.register("M", counter)


def test_register_an_unnamed_module_its_importers_join_its_store(runtime: wt.Runtime) -> None:
    counter = runtime.instantiate(runtime.compile_module(COUNTER))
    runtime.register("M", counter)
    user = runtime.instantiate(runtime.compile_module(USER))
    assert user.exported_function("twice").call() == [2]  # type: ignore[union-attr]
    assert user._store is counter._store


def test_closing_a_module_frees_every_name_it_holds(runtime: wt.Runtime) -> None:
    counter = runtime.instantiate(runtime.compile_module(COUNTER), wt.ModuleConfig().with_name("counter"))
    runtime.register("M", counter)
    counter.close()
    with pytest.raises(wt.LinkError, match="no module named 'M'"):
        runtime.instantiate(runtime.compile_module(USER))
    with pytest.raises(wt.ClosedError):
        runtime.register("again", counter)


def test_a_function_import_may_be_a_subtype(runtime: wt.Runtime) -> None:
    provider = runtime.instantiate(runtime.compile_module("""(module
      (type $f0 (sub (func (result funcref))))
      (type $f1 (sub $f0 (func (result (ref func)))))
      (func $f (export "f") (type $f1) (ref.func $f))
      (elem declare func $f))"""), wt.ModuleConfig().with_name("P"))
    importer = runtime.instantiate(runtime.compile_module("""(module
      (type $f0 (sub (func (result funcref))))
      (import "P" "f" (func $f (type $f0)))
      (func (export "f-is-null") (result i32) (ref.is_null (call $f))))"""))
    assert importer.exported_function("f-is-null").call() == [0]  # type: ignore[union-attr]
    assert provider is not None
    with pytest.raises(wt.LinkError, match="incompatible import type"):
        runtime.instantiate(runtime.compile_module('(module (import "P" "f" (func (result i32))))'))


def test_a_module_may_not_import_from_two_stores(runtime: wt.Runtime) -> None:
    a = runtime.instantiate(runtime.compile_module(COUNTER))
    b = runtime.instantiate(runtime.compile_module(COUNTER))
    runtime.register("A", a)
    runtime.register("B", b)
    with pytest.raises(wt.LinkError, match="different stores"):
        runtime.instantiate(runtime.compile_module(
            '(module (import "A" "n" (global (mut i32))) (import "B" "n" (global (mut i32))))'))


def test_modules_that_define_a_shared_memory_instantiate_by_default(runtime: wt.Runtime, instantiate) -> None:  # type: ignore[no-untyped-def]
    # threads is on by default; wasmtime also needs the engine to allow shared memories.
    mod = instantiate('(module (memory (export "m") 1 2 shared) (func (export "grow") (result i32) '
                      '(memory.grow (i32.const 1))))')
    memory = mod.exported_memory("m")
    assert memory is not None and memory.shared and memory.size == 65536
    memory.write(10, b"hi")
    assert memory.read(10, 2) == b"hi" and memory.view(10, 2).tobytes() == b"hi"
    assert mod.exported_function("grow").call() == [1]  # type: ignore[union-attr]
    assert memory.pages == 2 and memory.grow(0) == 2


def test_a_host_shared_memory_is_shared_by_importers_in_any_store(runtime: wt.Runtime) -> None:
    builder = runtime.new_host_module_builder("env")
    builder.export_memory("mem", 1, 2, shared=True)
    env = builder.instantiate()
    source = runtime.compile_module("""(module (import "env" "mem" (memory 1 2 shared))
      (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
      (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0))))""")
    one, two = runtime.instantiate(source), runtime.instantiate(source)
    assert one._store is not two._store
    one.exported_function("store").call(8, 1234)  # type: ignore[union-attr]
    assert two.exported_function("load").call(8) == [1234]  # type: ignore[union-attr]
    host_view = env.exported_memory("mem")
    assert host_view is not None and host_view.shared and host_view.read(8, 4) == (1234).to_bytes(4, "little")
    with pytest.raises(wt.ConfigError, match="maximum"):
        runtime.new_host_module_builder("bad").export_memory("m", 1, shared=True)


def test_a_64_bit_host_table(runtime: wt.Runtime) -> None:
    builder = runtime.new_host_module_builder("spectest")
    builder.export_table("table64", wt.ValueType.FUNCREF, 10, 20, is_64=True)
    builder.export_table("ext64", wt.ValueType.EXTERNREF, 2, None, wt.encode_externref("init"), is_64=True)
    host = builder.instantiate()
    mod = runtime.instantiate(runtime.compile_module("""(module
      (import "spectest" "table64" (table $t i64 10 20 funcref))
      (import "spectest" "ext64" (table $e i64 2 externref))
      (func (export "size") (result i64) (table.size $t))
      (func (export "grow") (result i64) (table.grow $t (ref.null func) (i64.const 5)))
      (func (export "ext") (param i64) (result externref) (table.get $e (local.get 0))))"""))
    assert mod.exported_function("size").call() == [10]  # type: ignore[union-attr]
    assert mod.exported_function("grow").call() == [10]  # type: ignore[union-attr]
    assert wt.decode_externref(mod.exported_function("ext").call(1)[0]) == "init"  # type: ignore[union-attr]
    assert host.exported_table("table64").size() == 15  # type: ignore[union-attr]
    with pytest.raises(wt.LinkError):
        runtime.instantiate(runtime.compile_module('(module (import "spectest" "table64" (table 10 funcref)))'))
    with pytest.raises(wt.ConfigError, match="nullable"):
        runtime.new_host_module_builder("x").export_table("t", wt.RefType(False, "func"), 1, is_64=True)
