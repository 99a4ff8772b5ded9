"""Tiny components in WAT text (``wasmtime_component_new`` parses it), for the tests that
probe the C API's edges without a toolchain."""

STRINGS = b'''(component
  (core module $m
    (memory (export "mem") 1)
    (global $top (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $top local.set $p
      global.get $top local.get 3 i32.add global.set $top
      local.get $p)
    (func (export "len") (param i32 i32) (result i32) local.get 1)
    (func (export "echo") (param i32) (result i32) local.get 0))
  (core instance $i (instantiate $m))
  (func (export "string-len") (param "s" string) (result u32)
    (canon lift (core func $i "len") (memory (core memory $i "mem")) (realloc (core func $i "realloc"))))
  (func (export "echo-char") (param "c" char) (result char) (canon lift (core func $i "echo")))
)'''
"""``string-len(s: string) -> u32`` and ``echo-char(c: char) -> char``."""

HOST_CHAR = b'''(component
  (import "host" (instance $h (export "get-char" (func (result char)))))
  (core func $g (canon lower (func $h "get-char")))
  (core module $m (import "" "g" (func $g (result i32))) (func (export "f") (result i32) call $g))
  (core instance $i (instantiate $m (with "" (instance (export "g" (func $g))))))
  (func (export "call") (result char) (canon lift (core func $i "f")))
)'''
"""``call() -> char`` returns what the host's ``host.get-char`` returns."""

WASI_RANDOM = b'''(component
  (import "wasi:random/random@0.2.0" (instance $r (export "get-random-u64" (func (result u64)))))
  (core func $g (canon lower (func $r "get-random-u64")))
  (core module $m (import "" "g" (func $g (result i64))) (func (export "f") (result i64) call $g))
  (core instance $i (instantiate $m (with "" (instance (export "g" (func $g))))))
  (func (export "random") (result u64) (canon lift (core func $i "f")))
)'''
"""``random() -> u64`` through ``wasi:random/random@0.2.0``."""

WASI_HTTP = b'''(component
  (import "wasi:http/types@0.2.0" (instance $h
    (export "fields" (type $f (sub resource)))
    (export "[constructor]fields" (func (result (own $f))))))
  (core func $new (canon lower (func $h "[constructor]fields")))
  (core module $m (import "" "new" (func $new (result i32))) (func (export "f") (result i32) call $new))
  (core instance $i (instantiate $m (with "" (instance (export "new" (func $new))))))
  (func (export "new-fields") (result u32) (canon lift (core func $i "f")))
)'''
"""``new-fields() -> u32``: makes a ``wasi:http/types.fields`` and returns its handle number."""

HOST_FUNCS = b'''(component
  (import "twice" (func $twice (param "n" s32) (result s32)))
  (import "greet" (func $greet (param "who" string) (result string)))
  (core module $mem
    (memory (export "mem") 1)
    (global $top (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $top local.set $p
      global.get $top local.get 3 i32.add global.set $top
      local.get $p))
  (core instance $mi (instantiate $mem))
  (core func $t (canon lower (func $twice)))
  (core func $g (canon lower (func $greet) (memory (core memory $mi "mem")) (realloc (core func $mi "realloc"))))
  (core module $m
    (import "" "twice" (func $t (param i32) (result i32)))
    (import "" "greet" (func $g (param i32 i32 i32)))
    (import "" "mem" (memory 1))
    (func (export "call-twice") (param i32) (result i32) local.get 0 call $t)
    (func (export "call-greet") (param i32 i32) (result i32)
      local.get 0 local.get 1 (i32.const 16) call $g (i32.const 16)))
  (core instance $i (instantiate $m (with "" (instance (export "twice" (func $t)) (export "greet" (func $g))
                                                       (export "mem" (memory $mi "mem"))))))
  (func (export "call-twice") (param "n" s32) (result s32) (canon lift (core func $i "call-twice")))
  (func (export "call-greet") (param "who" string) (result string)
    (canon lift (core func $i "call-greet") (memory (core memory $mi "mem")) (realloc (core func $mi "realloc"))))
)'''
"""Top-level host imports ``twice(s32) -> s32`` and ``greet(string) -> string``, called by the
exports ``call-twice`` and ``call-greet``."""

SPIN = b'''(component
  (core module $m
    (func (export "spin") (param i64) (result i64) (local $i i64)
      (loop $l
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br_if $l (i64.lt_u (local.get $i) (local.get 0))))
      local.get $i))
  (core instance $i (instantiate $m))
  (func (export "spin") (param "n" u64) (result u64) (canon lift (core func $i "spin"))))'''
"""``spin(n: u64) -> u64``: counts to ``n`` (for timeouts and Ctrl-C)."""

SPIN_THEN_HOST = b'''(component
  (import "twice" (func $twice (param "n" s32) (result s32)))
  (core func $t (canon lower (func $twice)))
  (core module $m
    (import "" "twice" (func $t (param i32) (result i32)))
    (func (export "run") (param i64) (result i32) (local $i i64)
      (loop $l
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br_if $l (i64.lt_u (local.get $i) (local.get 0))))
      i32.const 21 call $t)
    (func (export "plain") (param i32) (result i32) local.get 0 call $t))
  (core instance $i (instantiate $m (with "" (instance (export "twice" (func $t))))))
  (func (export "run") (param "n" u64) (result s32) (canon lift (core func $i "run")))
  (func (export "plain") (param "n" s32) (result s32) (canon lift (core func $i "plain"))))'''
"""``run(n: u64) -> s32`` counts to ``n``, then calls the host import ``twice(21)``;
``plain(n: s32) -> s32`` calls ``twice(n)`` at once."""

FLAT_RECORD = b'''(component
  (core module $m
    (memory (export "mem") 1)
    (global $top (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      global.get $top local.set $p
      global.get $top local.get 3 i32.add global.set $top
      local.get $p)
    (func (export "echo") (param i32 i32 i32 i32 i32 f32) (result i32)
      (i32.store (i32.const 16) (local.get 0))
      (i32.store (i32.const 20) (local.get 1))
      (i32.store (i32.const 24) (local.get 2))
      (i32.store (i32.const 28) (local.get 3))
      (i32.store8 (i32.const 32) (local.get 4))
      (f32.store (i32.const 36) (local.get 5))
      i32.const 16))
  (core instance $i (instantiate $m))
  (type $r (record (field "name" string) (field "n" u32) (field "c" char) (field "ok" bool) (field "f" f32)))
  (export $item "item" (type $r))
  (func (export "echo") (param "v" $item) (result $item)
    (canon lift (core func $i "echo") (memory (core memory $i "mem")) (realloc (core func $i "realloc")))))'''
"""``echo(v: item) -> item`` with ``record item { name: string, n: u32, c: char, ok: bool, f: f32 }``."""
