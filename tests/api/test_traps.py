"""Every trap that core wasm code can raise, with its code, and the instance usable after it.

How wasmtime catches a trap depends on the machine: on x86_64 an out-of-bounds access is a
SIGSEGV on a guard page, ``unreachable`` a SIGILL (ud2) and a division by zero a SIGFPE
(idiv); on aarch64 the division never faults (sdiv gives 0), so the code checks first and
traps through udf (SIGILL). The suite runs on both (scripts/aarch64.py for aarch64).
"""

from __future__ import annotations

import pytest

import wt_api as wt

I32_MIN, I64_MIN = 1 << 31, 1 << 63
NAN32, NAN64 = wt.encode_f32(float("nan")), wt.encode_f64(float("nan"))

MODULE = """
(module
  (type $ii (func (param i32) (result i32)))
  (type $s (struct (field i32)))
  (type $a (array i32))
  (memory 1)
  (memory $big i64 1)
  (memory $shared 1 1 shared)
  (table 2 funcref)
  (elem (i32.const 0) $id)
  (func $id (param i32) (result i32) local.get 0)
  (func $none)
  (func (export "ok") (result i32) i32.const 7)
  (func (export "unreachable") unreachable)
  (func (export "div_s32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "div_u32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "rem_s32") (param i32 i32) (result i32) local.get 0 local.get 1 i32.rem_s)
  (func (export "div_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.div_s)
  (func (export "rem_s64") (param i64 i64) (result i64) local.get 0 local.get 1 i64.rem_s)
  (func (export "trunc32") (param f32) (result i32) local.get 0 i32.trunc_f32_s)
  (func (export "trunc64") (param f64) (result i64) local.get 0 i64.trunc_f64_u)
  (func (export "load") (param i32) (result i32) local.get 0 i32.load)
  (func (export "load_far") (param i32) (result i32) local.get 0 i32.load offset=0xFFFFFFF0)
  (func (export "store8") (param i32) local.get 0 i32.const 1 i32.store8)
  (func (export "load64") (param i64) (result i64) local.get 0 i64.load $big)
  (func (export "fill") (param i32 i32) local.get 0 i32.const 0 local.get 1 memory.fill)
  (func (export "atomic") (param i32) (result i32) local.get 0 i32.atomic.load $shared)
  (func (export "call_at") (param i32) (result i32) i32.const 5 local.get 0 call_indirect (type $ii))
  (func (export "call_null_ref") (result i32) i32.const 5 ref.null $ii call_ref $ii)
  (func (export "struct_null") (result i32) ref.null $s struct.get $s 0)
  (func (export "array_at") (param i32) (result i32) i32.const 0 i32.const 3 array.new $a local.get 0 array.get $a)
  (func (export "cast") (result i32) i32.const 1 ref.i31 ref.cast (ref $s) drop i32.const 0)
  (func $deep (export "deep") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $deep)
  (func (export "table_get") (param i32) (result funcref) local.get 0 table.get 0)
)
"""

# (export, arguments, trap code)
TRAPS = [
    ("unreachable", (), wt.TrapCode.UNREACHABLE_CODE_REACHED),
    ("div_s32", (1, 0), wt.TrapCode.INTEGER_DIVISION_BY_ZERO),
    ("div_u32", (1, 0), wt.TrapCode.INTEGER_DIVISION_BY_ZERO),
    ("rem_s32", (1, 0), wt.TrapCode.INTEGER_DIVISION_BY_ZERO),
    ("div_s32", (I32_MIN, 0xFFFFFFFF), wt.TrapCode.INTEGER_OVERFLOW),  # x86's idiv faults here too
    ("div_s64", (I64_MIN, (1 << 64) - 1), wt.TrapCode.INTEGER_OVERFLOW),
    ("div_s64", (5, 0), wt.TrapCode.INTEGER_DIVISION_BY_ZERO),
    ("trunc32", (NAN32,), wt.TrapCode.BAD_CONVERSION_TO_INTEGER),
    ("trunc32", (wt.encode_f32(3e9),), wt.TrapCode.INTEGER_OVERFLOW),
    ("trunc64", (NAN64,), wt.TrapCode.BAD_CONVERSION_TO_INTEGER),
    ("trunc64", (wt.encode_f64(-1.0),), wt.TrapCode.INTEGER_OVERFLOW),
    ("load", (65533,), wt.TrapCode.MEMORY_OUT_OF_BOUNDS),  # straddles the end
    ("load", (0xFFFFFFFF,), wt.TrapCode.MEMORY_OUT_OF_BOUNDS),
    ("load_far", (0xFFFFFFFF,), wt.TrapCode.MEMORY_OUT_OF_BOUNDS),  # ~8 GiB past the base
    ("store8", (65536,), wt.TrapCode.MEMORY_OUT_OF_BOUNDS),
    ("load64", (1 << 40,), wt.TrapCode.MEMORY_OUT_OF_BOUNDS),  # memory64: checked, no guard region
    ("fill", (65000, 1000), wt.TrapCode.MEMORY_OUT_OF_BOUNDS),
    ("atomic", (2,), wt.TrapCode.HEAP_MISALIGNED),
    ("call_at", (1,), wt.TrapCode.INDIRECT_CALL_TO_NULL),
    ("call_at", (2,), wt.TrapCode.TABLE_OUT_OF_BOUNDS),
    ("call_null_ref", (), wt.TrapCode.NULL_REFERENCE),
    ("struct_null", (), wt.TrapCode.NULL_REFERENCE),
    ("array_at", (3,), wt.TrapCode.ARRAY_OUT_OF_BOUNDS),
    ("cast", (), wt.TrapCode.CAST_FAILURE),
    ("deep", (0,), wt.TrapCode.STACK_OVERFLOW),
    ("table_get", (2,), wt.TrapCode.TABLE_OUT_OF_BOUNDS),
]


@pytest.fixture(scope="module")
def runtime_and_module() -> tuple[wt.Runtime, wt.Module]:
    runtime = wt.Runtime()
    return runtime, runtime.instantiate(runtime.compile_module(MODULE))


@pytest.mark.parametrize("export,args,code", TRAPS, ids=[f"{t[0]}-{t[2].name}" for t in TRAPS])
def test_trap_code_and_recovery(runtime_and_module: tuple[wt.Runtime, wt.Module], export: str,
                                args: tuple[int, ...], code: wt.TrapCode) -> None:
    _, mod = runtime_and_module
    f = mod.exported_function(export)
    assert f is not None
    with pytest.raises(wt.Trap) as info:
        f.call(*args)
    assert info.value.code is code, str(info.value)
    assert info.value.frames  # where it trapped, from the unwinder of this architecture
    ok = mod.exported_function("ok")
    assert ok is not None and ok.call() == [7]  # the signal handler left the instance usable


@pytest.mark.parametrize("export,args,result", [
    ("rem_s32", (I32_MIN, 0xFFFFFFFF), 0),  # INT_MIN % -1: no trap (x86's idiv would fault)
    ("rem_s64", (I64_MIN, (1 << 64) - 1), 0),
    ("div_u32", (I32_MIN, 0xFFFFFFFF), 0),
    ("div_s32", (0xFFFFFFF9, 2), 0xFFFFFFFD),  # -7 / 2 = -3: towards zero
    ("trunc32", (wt.encode_f32(-2147483648.0),), I32_MIN),  # the smallest value that fits
    ("load", (65532,), 0),  # the last word in bounds
])
def test_edges_that_do_not_trap(runtime_and_module: tuple[wt.Runtime, wt.Module], export: str,
                                args: tuple[int, ...], result: int) -> None:
    f = runtime_and_module[1].exported_function(export)
    assert f is not None and f.call(*args) == [result]
