"""What differs between x86_64 and aarch64, checked on each (aarch64: scripts/aarch64.py).

Where WebAssembly lets the machine choose, the same wasm gives different bits: the sign of
the NaN an invalid operation makes, and relaxed SIMD's implementation-defined results. wt
must hand over exactly what the machine made, and these are the values each makes (every
one of them among those the specification allows). Stack switching aborts the process in
wasmtime on both, at a different point on each: wt refuses it.
"""

from __future__ import annotations

import pytest

import wt_api as wt
import wt_loader

ARCH = wt_loader.detect_platform().arch
E32, E64 = wt.encode_f32, wt.encode_f64
NAN = float("nan")

MODULE = """
(module
  (func (export "f32_div") (param f32 f32) (result f32) local.get 0 local.get 1 f32.div)
  (func (export "f64_sqrt") (param f64) (result f64) local.get 0 f64.sqrt)
  (func (export "trunc_s") (param f32) (result i32)
    local.get 0 f32x4.splat i32x4.relaxed_trunc_f32x4_s i32x4.extract_lane 0)
  (func (export "swizzle") (param i32) (result i32)
    v128.const i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16
    local.get 0 i8x16.splat i8x16.relaxed_swizzle i8x16.extract_lane_u 0)
  (func (export "min") (param f32 f32) (result f32)
    local.get 0 f32x4.splat local.get 1 f32x4.splat f32x4.relaxed_min f32x4.extract_lane 0)
  (func (export "dot") (param i32 i32) (result i32)
    local.get 0 i8x16.splat local.get 1 i8x16.splat i16x8.relaxed_dot_i8x16_i7x16_s i16x8.extract_lane_s 0)
  (func (export "laneselect") (param i32) (result i64)
    v128.const i64x2 -1 -1 v128.const i64x2 0 0 local.get 0 i8x16.splat i8x16.relaxed_laneselect
    i64x2.extract_lane 0)
)
"""

# export, arguments, {architecture: result}, every result the specification allows
CASES = [
    # An invalid operation makes the canonical NaN: negative on x86_64 (SSE's default NaN), positive on aarch64.
    ("f32_div", (E32(0.0), E32(0.0)), {"x86_64": 0xFFC00000, "aarch64": 0x7FC00000}, {0xFFC00000, 0x7FC00000}),
    ("f64_sqrt", (E64(-1.0),), {"x86_64": 0xFFF8000000000000, "aarch64": 0x7FF8000000000000},
     {0xFFF8000000000000, 0x7FF8000000000000}),
    # relaxed_trunc of NaN and of a too-large value: cvttps2dq's INT_MIN, or fcvtzs's saturation
    ("trunc_s", (E32(NAN),), {"x86_64": 0x80000000, "aarch64": 0}, {0x80000000, 0}),
    ("trunc_s", (E32(3e9),), {"x86_64": 0x80000000, "aarch64": 0x7FFFFFFF}, {0x80000000, 0x7FFFFFFF}),
    # relaxed_swizzle with index 16: pshufb looks at the low four bits, tbl gives 0
    ("swizzle", (16,), {"x86_64": 1, "aarch64": 0}, {1, 0}),
    # relaxed_min(+0, -0): minps returns its second operand, fmin the true minimum
    ("min", (E32(0.0), E32(-0.0)), {"x86_64": 0, "aarch64": 0x80000000}, {0, 0x80000000}),
    # relaxed_dot with a top-bit-set byte: pmaddubsw reads it unsigned, sdot signed
    ("dot", (0x80, 0xFF), {"x86_64": 0xFFFF8000, "aarch64": 256}, {0xFFFF8000, 256}),
    # relaxed_laneselect with a mask byte 0x80: pblendvb takes whole bytes by the top bit, bsl bit by bit
    ("laneselect", (0x80,), {"x86_64": 0xFFFFFFFFFFFFFFFF, "aarch64": 0x8080808080808080},
     {0xFFFFFFFFFFFFFFFF, 0x8080808080808080}),
]


@pytest.fixture(scope="module")
def mod() -> wt.Module:
    runtime = wt.Runtime()
    return runtime.instantiate(runtime.compile_module(MODULE))


@pytest.mark.parametrize("export,args,results,allowed", CASES, ids=[f"{c[0]}{c[1]}" for c in CASES])
def test_machine_chosen_results(mod: wt.Module, export: str, args: tuple[int, ...], results: dict[str, int],
                                allowed: set[int]) -> None:
    f = mod.exported_function(export)
    assert f is not None
    (got,) = f.call(*args)
    assert got in allowed
    assert got == results[ARCH], f"{export}{args} on {ARCH}: {got:#x}"


def test_stack_switching_is_refused_on_every_architecture() -> None:
    # x86_64: the engine accepts it but the first cont.new aborts the process; aarch64:
    # making the engine aborts.
    with pytest.raises(wt.ConfigError, match="cannot run stack switching"):
        wt.RuntimeConfig().with_feature("stack_switching")
