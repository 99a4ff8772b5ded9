"""Objects of one runtime handed to another: refused with a clear error (a reference
belongs to its store), or working where the API shares them (externref handles, caches)."""

from __future__ import annotations

import textwrap

import pytest

from .setup import run_case

OTHER = """
other = wt.Runtime()
OTHER_WAT = WAT.replace('(import "host" "cb" (func $cb (param i32) (result i32)))',
                        '(func $cb (param i32) (result i32) (local.get 0))')
om = other.instantiate(other.compile_module(OTHER_WAT))
"""

CASES = {
    "a compiled module instantiated by another runtime": """
        raises(wt.WtError, other.instantiate, cm)
    """,
    "a module registered in another runtime": """
        raises(wt.LinkError, other.register, "m", mod)
    """,
    "a Function passed to another runtime's function, global and table": """
        raises(wt.WasmArgumentError, om.exported_function("call_ref").call, f)
        raises(wt.WasmArgumentError, om.exported_table("t").set, 0, f)
    """,
    "a funcref value passed to another runtime's function": """
        raises(wt.WasmArgumentError, om.exported_function("call_ref").call, t.get(0))
    """,
    "a funcref value set in another runtime's table": """
        raises(wt.WasmArgumentError, om.exported_table("t").set, 0, t.get(0))
    """,
    "a GC reference passed to another runtime": """
        gc_wat = '(module (type $s (struct (field i32))) (func (export "make") (result anyref) (struct.new $s (i32.const 1)))' \\
                 ' (func (export "id") (param anyref) (result anyref) (local.get 0)))'
        mine = rt.instantiate(rt.compile_module(gc_wat))
        theirs = other.instantiate(other.compile_module(gc_wat))
        struct = mine.exported_function("make").call()[0]
        raises(wt.WasmArgumentError, theirs.exported_function("id").call, struct)
    """,
    "an externref handle works in every runtime": """
        ext = '(module (func (export "id") (param externref) (result externref) (local.get 0)))'
        obj = object()
        handle = wt.encode_externref(obj)
        for runtime in (rt, other):
            out = runtime.instantiate(runtime.compile_module(ext)).exported_function("id").call(handle)[0]
            assert wt.decode_externref(out) is obj
    """,
    "a compilation cache shared by runtimes of different features": """
        cache = wt.CompilationCache()
        simd = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
        plain = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache).with_feature("simd", False))
        v128 = '(module (func (export "f") (result v128) (v128.const i64x2 1 2)))'
        simd.compile_module(v128)
        raises(wt.CompileError, plain.compile_module, v128)
        simd.compile_module(v128)
    """,
}

KNOWN_DEFECTS = {}


@pytest.mark.parametrize("code", [
    pytest.param(code, id=name, marks=[pytest.mark.known_defect(KNOWN_DEFECTS[name])] if name in KNOWN_DEFECTS else [])
    for name, code in CASES.items()])
def test_across_runtimes(code: str) -> None:
    run_case(OTHER + textwrap.dedent(code))
