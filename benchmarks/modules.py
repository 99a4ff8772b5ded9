"""The wasm both bindings run: the same text, compiled by each."""

from __future__ import annotations

ADD = """
(module
  (memory (export "memory") 17)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "mixed") (param i32 i64 f32 f64) (result f64)
    local.get 0 f64.convert_i32_s local.get 1 f64.convert_i64_s f64.add
    local.get 2 f64.promote_f32 f64.add local.get 3 f64.add)
  (func $fib (export "fib") (param i32) (result i32)
    local.get 0 i32.const 2 i32.lt_u
    if (result i32) local.get 0
    else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
  (func (export "spin") (param i32) (result i32) (local i32 i32)
    (loop
      local.get 2 local.get 1 i32.const 3 i32.mul i32.xor i32.const 7 i32.add local.set 2
      local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.lt_u br_if 0)
    local.get 2))
"""

CALLBACK = """
(module
  (import "env" "nop" (func $nop (param i32)))
  (func (export "loop") (param i32) (local i32)
    (loop local.get 1 call $nop
      local.get 1 i32.const 1 i32.add local.tee 1 local.get 0 i32.lt_u br_if 0)))
"""

SMALL = """
(module
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "a") (result i32) global.get $g)
  (func (export "b") (param i32) local.get 0 global.set $g)
  (func (export "c") (param i32 i32) (result i32) local.get 0 local.get 1 i32.mul))
"""

PLUGIN = """
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "A plugin handles one request: it parses what it was given, computes, answers.")
  (global $calls (mut i32) (i32.const 0))
  (func (export "handle") (param $n i32) (result i32) (local $i i32) (local $h i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (local.set $h (i32.const 2166136261))
    (loop $l
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (i32.rem_u (local.get $i) (i32.const 79))))
                             (i32.const 16777619)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.get $h)))
"""

WASI_HELLO = """
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello, world\\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
"""


def large(functions: int = 3000) -> str:
    """A large module: ``functions`` arithmetic-heavy functions calling each other."""
    body = []
    for i in range(functions):
        ops = " ".join(f"(local.set $x (i32.add (i32.mul (local.get $x) (i32.const {k * 7 + i}))"
                       f" (i32.xor (local.get $x) (i32.const {k}))))" for k in range(12))
        call = f"(local.set $x (call $f{i - 1} (local.get $x)))" if i else ""
        body.append(f'(func $f{i} (export "f{i}") (param $x i32) (result i32) {ops} {call} local.get $x)')
    return "(module " + "\n".join(body) + ")"


def large_data(size: int = 100 << 20) -> bytes:
    """A wasm binary whose bulk is one active data segment of ``size`` random bytes: little
    code, a large compiled artifact (wasmtime keeps the memory image in it)."""
    import os

    from wt_api._encoder import uleb128 as leb  # the binding's own LEB128 encoder

    def section(ident: int, body: bytes) -> bytes:
        return bytes([ident]) + leb(len(body)) + body

    memory = section(5, b"\x01\x00" + leb(size // 65536 + 1))
    data = section(11, b"\x01\x00\x41\x00\x0b" + leb(size) + os.urandom(size))
    return b"\0asm\x01\0\0\0" + memory + data
