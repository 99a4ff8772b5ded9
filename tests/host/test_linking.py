import pytest

import wt_api as wt

I32 = wt.ValueType.I32

PROVIDER = """
(module
  (func (export "double") (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (global (export "base") (mut i32) (i32.const 100))
  (memory (export "mem") 1)
  (table (export "tab") 2 funcref)
  (func $seven (result i32) i32.const 7)
  (elem (i32.const 0) $seven))
"""

CONSUMER = """
(module
  (import "lib" "double" (func $double (param i32) (result i32)))
  (import "lib" "base" (global $base (mut i32)))
  (import "lib" "mem" (memory 1))
  (import "lib" "tab" (table 2 funcref))
  (import "host" "inc" (func $inc (param i32) (result i32)))
  (import "host" "scale" (global $scale i32))
  (import "host" "hmem" (memory $hmem 1))
  (import "host" "htab" (table $htab 1 externref))
  (func (export "run") (param i32) (result i32)
    local.get 0 call $double call $inc global.get $base i32.add global.get $scale i32.mul
    (i32.const 0) call_indirect (result i32) i32.add)
  (func (export "poke") (param i32 i32) local.get 0 local.get 1 i32.store8)
  (func (export "hpoke") (param i32 i32) local.get 0 local.get 1 i32.store8 $hmem)
  (func (export "get_ext") (result externref) i32.const 0 table.get $htab)
  (func (export "bump") global.get $base i32.const 1 i32.add global.set $base))
"""


def test_imports_from_a_named_wasm_module_and_a_host_module(runtime: wt.Runtime) -> None:
    lib = runtime.instantiate(runtime.compile_module(PROVIDER), wt.ModuleConfig().with_name("lib"))
    host = runtime.new_host_module_builder("host")
    host.new_function_builder("inc", [I32], [I32]).with_typed_func(lambda x: x + 1).export()
    host.export_global("scale", I32, wt.encode_i32(3))
    host.export_memory("hmem", 1)
    obj = object()
    host.export_table("htab", wt.ValueType.EXTERNREF, 1, init=wt.encode_externref(obj))
    host_module = host.instantiate()
    consumer = runtime.instantiate(runtime.compile_module(CONSUMER))
    run = consumer.exported_function("run")
    assert run is not None
    # ((5*2)+1 + 100) * 3 + 7
    assert run.call(5) == [(5 * 2 + 1 + 100) * 3 + 7]
    poke, hpoke, bump, get_ext = (consumer.exported_function(n) for n in ("poke", "hpoke", "bump", "get_ext"))
    assert poke is not None and hpoke is not None and bump is not None and get_ext is not None
    poke.call(3, 9)
    lib_mem = lib.exported_memory("mem")
    assert lib_mem is not None and lib_mem.read(3, 1) == b"\x09"
    hpoke.call(4, 8)
    hmem = host_module.exported_memory("hmem")
    assert hmem is not None and hmem.read(4, 1) == b"\x08"
    bump.call()
    base = lib.exported_global("base")
    assert base is not None and base.get() == 101
    assert wt.decode_externref(get_ext.call()[0]) is obj


def test_taken_name_and_name_freed_on_close(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(PROVIDER)
    lib = runtime.instantiate(compiled, wt.ModuleConfig().with_name("lib"))
    with pytest.raises(wt.LinkError, match="already instantiated"):
        runtime.instantiate(compiled, wt.ModuleConfig().with_name("lib"))
    with pytest.raises(wt.LinkError, match="already instantiated"):
        runtime.new_host_module_builder("lib").instantiate()
    lib.close()
    again = runtime.instantiate(compiled, wt.ModuleConfig().with_name("lib"))
    assert again.name == "lib"


def test_closed_module_name_is_not_importable(runtime: wt.Runtime) -> None:
    lib = runtime.instantiate(runtime.compile_module(PROVIDER), wt.ModuleConfig().with_name("lib"))
    lib.close()
    with pytest.raises(wt.LinkError, match="no module named 'lib'"):
        runtime.instantiate(runtime.compile_module('(module (import "lib" "double" (func (param i32) (result i32))))'))


def test_missing_export_names_the_import(runtime: wt.Runtime) -> None:
    runtime.instantiate(runtime.compile_module(PROVIDER), wt.ModuleConfig().with_name("lib"))
    with pytest.raises(wt.LinkError, match=r"import lib\.triple .*has no export named 'triple'"):
        runtime.instantiate(runtime.compile_module('(module (import "lib" "triple" (func)))'))


def test_mistyped_import_names_both_types(runtime: wt.Runtime) -> None:
    runtime.instantiate(runtime.compile_module(PROVIDER), wt.ModuleConfig().with_name("lib"))
    with pytest.raises(wt.LinkError) as info:
        runtime.instantiate(runtime.compile_module('(module (import "lib" "double" (func (param i64))))'))
    message = str(info.value)
    assert "lib.double" in message and "(param i64)" in message and "(param i32)" in message
    with pytest.raises(wt.LinkError, match="expects .*global.* exports .*func"):
        runtime.instantiate(runtime.compile_module('(module (import "lib" "double" (global i32)))'))
    with pytest.raises(wt.LinkError, match="mut"):
        runtime.instantiate(runtime.compile_module('(module (import "lib" "base" (global i32)))'))


def test_linkable_modules_share_the_link_store_others_get_their_own(runtime: wt.Runtime) -> None:
    a = runtime.instantiate(runtime.compile_module(PROVIDER), wt.ModuleConfig().with_name("a"))
    b = runtime.instantiate(runtime.compile_module(PROVIDER), wt.ModuleConfig().with_name("b"))
    assert a._store is b._store
    both = runtime.instantiate(runtime.compile_module(
        '(module (import "a" "mem" (memory 1)) (import "b" "base" (global (mut i32)))'
        ' (func (export "get") (result i32) global.get 0))'))
    assert both._store is a._store
    get = both.exported_function("get")
    assert get is not None and get.call() == [100]
    lone = runtime.instantiate(runtime.compile_module(PROVIDER))
    other = runtime.instantiate(runtime.compile_module(PROVIDER))
    assert lone._store is not a._store and lone._store is not other._store
