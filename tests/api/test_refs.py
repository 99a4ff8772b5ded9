"""GC references, exception references and externrefs across the boundary."""

from __future__ import annotations

import gc

import pytest

import wt_api as wt

GC_WAT = """(module
  (type $s (struct (field i32)))
  (type $t (struct (field i64)))
  (type $a (array (mut i32)))
  (global $keep (mut anyref) (ref.null any))
  (func (export "struct") (param i32) (result anyref) (struct.new $s (local.get 0)))
  (func (export "array") (param i32) (result (ref $a)) (array.new $a (local.get 0) (i32.const 3)))
  (func (export "i31") (param i32) (result i31ref) (ref.i31 (local.get 0)))
  (func (export "internalize") (param externref) (result anyref) (any.convert_extern (local.get 0)))
  (func (export "externalize") (param anyref) (result externref) (extern.convert_any (local.get 0)))
  (func (export "id") (param anyref) (result anyref) (local.get 0))
  (func (export "eq") (param eqref eqref) (result i32) (ref.eq (local.get 0) (local.get 1)))
  (func (export "field") (param (ref $s)) (result i32) (struct.get $s 0 (local.get 0)))
  (func (export "is-struct") (param structref) (result i32) (ref.is_null (local.get 0)))
  (func (export "garbage") (param i32)
    (loop $l
      (drop (array.new $a (i32.const 0) (i32.const 1000)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
  (func (export "swap") (param externref externref) (result externref externref)
    (local.get 1) (local.get 0))
)"""


@pytest.fixture
def gcmod(instantiate):  # type: ignore[no-untyped-def]
    return instantiate(GC_WAT)


def call(mod: wt.Module, name: str, *args: object) -> list[int]:
    fn = mod.exported_function(name)
    assert fn is not None
    return fn.call(*args)


def test_anyref_results_say_what_they_are(gcmod: wt.Module) -> None:
    struct = wt.decode_anyref(call(gcmod, "struct", 7)[0])
    array = wt.decode_anyref(call(gcmod, "array", 2)[0])
    small = wt.decode_anyref(call(gcmod, "i31", -5)[0])
    assert struct is not None and struct.kind == "struct"
    assert array is not None and array.kind == "array"
    assert small is not None and small.kind == "i31"
    assert small.i31() == -5 and small.i31(signed=False) == 0x7FFFFFFB
    with pytest.raises(TypeError):
        struct.i31()
    assert wt.decode_anyref(0) is None


def test_i31_handles_encode_their_value(gcmod: wt.Module) -> None:
    assert call(gcmod, "i31", 42)[0] == wt.encode_i31(42)
    assert call(gcmod, "eq", wt.encode_i31(3), wt.encode_i31(3)) == [1]
    assert call(gcmod, "eq", wt.encode_i31(3), wt.encode_i31(4)) == [0]
    assert wt.decode_anyref(call(gcmod, "id", wt.encode_i31(-1))[0]).i31() == -1  # type: ignore[union-attr]


def test_host_objects_cross_into_the_any_hierarchy_and_back(gcmod: wt.Module) -> None:
    handle = wt.encode_externref(["payload"])
    inside = wt.decode_anyref(call(gcmod, "internalize", handle)[0])
    assert inside is not None and inside.kind == "extern" and inside.host == ["payload"]
    # An externref handle passed as an anyref is what any.convert_extern makes of it.
    assert wt.decode_anyref(call(gcmod, "id", handle)[0]).host == ["payload"]  # type: ignore[union-attr]
    assert wt.decode_externref(call(gcmod, "externalize", inside.handle)[0]) == ["payload"]
    # A GC value converted with extern.convert_any comes back as its AnyRef.
    struct = call(gcmod, "struct", 1)[0]
    outside = call(gcmod, "externalize", struct)[0]
    converted = wt.decode_externref(outside)
    assert isinstance(converted, wt.AnyRef) and converted.kind == "struct"
    assert call(gcmod, "field", outside) == [1]  # the same struct
    assert call(gcmod, "externalize", wt.encode_i31(9))[0] == wt.encode_i31(9)


def test_references_stay_valid_across_garbage_collections(gcmod: wt.Module) -> None:
    structs = [call(gcmod, "struct", n)[0] for n in range(50)]
    call(gcmod, "garbage", 3000)  # enough allocation to collect (and move) the GC heap
    assert [call(gcmod, "field", s)[0] for s in structs] == list(range(50))


def test_many_reference_arguments_through_collections(gcmod: wt.Module) -> None:
    # Each call makes two externrefs; wt reads their raw values only once both are made.
    swap = gcmod.exported_function("swap")
    assert swap is not None
    for n in range(3000):
        a, b = wt.encode_externref(("a", n)), wt.encode_externref(("b", n))
        assert swap.call(a, b) == [b, a]
        wt.release_externref(a)
        wt.release_externref(b)
        if n % 500 == 0:
            call(gcmod, "garbage", 200)


def test_reference_arguments_are_checked_against_their_types(runtime: wt.Runtime, gcmod: wt.Module) -> None:
    struct, array = call(gcmod, "struct", 1)[0], call(gcmod, "array", 1)[0]
    host = wt.encode_externref(object())
    with pytest.raises(wt.WasmArgumentError, match="host object.s externref does not fit"):
        call(gcmod, "eq", host, struct)
    with pytest.raises(wt.WasmArgumentError, match="i31 reference does not fit"):
        call(gcmod, "is-struct", wt.encode_i31(1))
    with pytest.raises(wt.WasmArgumentError, match="non-null"):
        call(gcmod, "field", 0)
    with pytest.raises(wt.WasmArgumentError):
        call(gcmod, "field", array)  # a concrete type: checked by wasmtime, not trusted
    with pytest.raises(wt.WasmArgumentError, match="not a live reference handle"):
        call(gcmod, "id", 123456789)
    with pytest.raises(wt.WasmArgumentError, match="not a live reference handle"):
        call(gcmod, "id", wt.encode_i31(1) | (1 << 40))  # not an i31 handle
    assert wt.decode_anyref(call(gcmod, "id", struct)[0]).kind == "struct"  # type: ignore[union-attr]
    ref = wt.decode_anyref(struct)
    assert call(gcmod, "is-struct", ref) == [0]  # an AnyRef object goes in as itself
    other = runtime.instantiate(runtime.compile_module(GC_WAT))
    with pytest.raises(wt.WasmArgumentError, match="another store"):
        call(other, "id", struct)


def test_concrete_struct_parameters_go_through_the_checked_call(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module("""(module
      (type $s (struct (field i32)))
      (type $u (struct (field i64)))
      (func (export "mk") (result (ref $u)) (struct.new $u (i64.const 1)))
      (func (export "get") (param (ref null $s) i64) (result i32 i64)
        (struct.get $s 0 (local.get 0)) (local.get 1)))"""))
    with pytest.raises(wt.WasmArgumentError):
        call(mod, "get", call(mod, "mk")[0], 1)
    with pytest.raises(wt.Trap):
        call(mod, "get", 0, wt.encode_i64(-1))


def test_release_ref_and_closing_the_store_drop_references(runtime: wt.Runtime) -> None:
    mod = runtime.instantiate(runtime.compile_module(GC_WAT))
    struct = call(mod, "struct", 3)[0]
    ref = wt.decode_anyref(struct)
    wt.release_ref(struct)
    with pytest.raises(ValueError):
        wt.decode_anyref(struct)
    with pytest.raises(wt.WasmArgumentError):
        call(mod, "id", struct)
    assert ref is not None and ref.kind == "struct"
    kept = call(mod, "struct", 4)[0]
    mod.close()
    gc.collect()
    with pytest.raises(ValueError):
        wt.decode_anyref(kept)


def test_uncaught_wasm_exceptions_are_not_traps(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate("""(module
      (tag $e (param i32 f64))
      (func (export "throw") (throw $e (i32.const 42) (f64.const 1.5)))
      (func (export "catch") (result i32)
        (block $h (result i32 f64)
          (try_table (catch $e $h) (call 0)) (return (i32.const 0)))
        (drop))
      (func (export "trap") unreachable))""")
    with pytest.raises(wt.WasmException) as info:
        call(mod, "throw")
    assert not isinstance(info.value, wt.Trap)
    assert info.value.payload == (42, wt.encode_f64(1.5))
    assert isinstance(info.value.exception, wt.ExnRef)
    assert call(mod, "catch") == [42]
    with pytest.raises(wt.Trap):
        call(mod, "trap")
    assert call(mod, "catch") == [42]  # nothing is left pending in the store


def test_an_exception_thrown_by_a_start_function(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module("(module (tag $e) (func $s (throw $e)) (start $s))")
    with pytest.raises(wt.WasmException):
        runtime.instantiate(compiled)


def test_exnref_results(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate("""(module
      (tag $e (param i64))
      (func (export "catch") (result exnref)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw $e (i64.const -2))) (ref.null exn)))
      (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))""")
    handle = call(mod, "catch")[0]
    exn = wt.decode_exnref(handle)
    assert exn is not None and exn.payload == (wt.encode_i64(-2),)
    with pytest.raises(wt.WasmException) as info:
        call(mod, "rethrow", handle)
    assert info.value.payload == (wt.encode_i64(-2),)
    with pytest.raises(wt.WasmArgumentError):
        call(mod, "rethrow", wt.encode_i31(1))


def test_globals_and_tables_of_gc_references(instantiate) -> None:  # type: ignore[no-untyped-def]
    mod = instantiate("""(module
      (type $s (struct))
      (global (export "g") (mut anyref) (struct.new $s))
      (table (export "t") 2 eqref)
      (func (export "get") (param i32) (result eqref) (table.get (local.get 0))))""")
    glob, table = mod.exported_global("g"), mod.exported_table("t")
    assert glob is not None and table is not None
    assert wt.decode_anyref(glob.get()).kind == "struct"  # type: ignore[union-attr]
    glob.set(wt.encode_externref("host"))
    assert wt.decode_anyref(glob.get()).host == "host"  # type: ignore[union-attr]
    table.set(1, wt.encode_i31(77))
    assert call(mod, "get", 1) == [wt.encode_i31(77)] and table.get(1) == wt.encode_i31(77)
    with pytest.raises(wt.WasmArgumentError):
        table.set(0, wt.encode_externref("not an eqref"))


def test_host_functions_take_and_return_gc_references(runtime: wt.Runtime) -> None:
    seen: list[object] = []

    def typed(value: object) -> object:
        seen.append(value)
        return value

    builder = runtime.new_host_module_builder("host")
    builder.export_function("typed", [wt.ValueType.ANYREF], [wt.ValueType.ANYREF], typed)
    builder.export_function("host", [], [wt.ValueType.ANYREF], lambda: "a host object")
    builder.export_function("stack", [wt.ValueType.ANYREF], [wt.ValueType.ANYREF],
                            lambda stack: stack.__setitem__(1, stack[0]), typed=False)
    builder.instantiate()
    mod = runtime.instantiate(runtime.compile_module("""(module
      (type $s (struct (field i32)))
      (import "host" "typed" (func $typed (param anyref) (result anyref)))
      (import "host" "host" (func $host (result anyref)))
      (import "host" "stack" (func $stack (param anyref) (result anyref)))
      (func (export "roundtrip") (result i32)
        (struct.get $s 0 (ref.cast (ref $s) (call $typed (struct.new $s (i32.const 5))))))
      (func (export "i31") (result i32) (i31.get_s (ref.cast i31ref (call $stack (ref.i31 (i32.const -3))))))
      (func (export "host") (result externref) (extern.convert_any (call $host))))"""))
    assert call(mod, "roundtrip") == [5]
    assert isinstance(seen[0], wt.AnyRef) and seen[0].kind == "struct"
    assert wt.decode_i32(call(mod, "i31")[0]) == -3
    assert wt.decode_externref(call(mod, "host")[0]) == "a host object"
