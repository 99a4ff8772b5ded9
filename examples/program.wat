;; A WASI command: prints its first argument and the KEY environment variable.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from wasm: ")
  (data (i32.const 32) "\n")

  ;; write(ptr, len) to stdout through an iovec at 64
  (func $write (param $ptr i32) (param $len i32)
    (i32.store (i32.const 64) (local.get $ptr))
    (i32.store (i32.const 68) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 64) (i32.const 1) (i32.const 72))))

  (func $strlen (param $p i32) (result i32) (local $n i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $n))

  (func $line (param $p i32)
    (call $write (i32.const 0) (i32.const 17))
    (call $write (local.get $p) (call $strlen (local.get $p)))
    (call $write (i32.const 32) (i32.const 1)))

  (func (export "_start")
    ;; argv pointers at 1024, argv strings at 2048; print argv[1]
    (drop (call $args_sizes (i32.const 96) (i32.const 100)))
    (drop (call $args_get (i32.const 1024) (i32.const 2048)))
    (if (i32.gt_u (i32.load (i32.const 96)) (i32.const 1))
      (then (call $line (i32.load (i32.const 1028)))))
    ;; environ pointers at 4096, strings at 8192; print the first variable
    (drop (call $env_sizes (i32.const 96) (i32.const 100)))
    (drop (call $env_get (i32.const 4096) (i32.const 8192)))
    (if (i32.gt_u (i32.load (i32.const 96)) (i32.const 0))
      (then (call $line (i32.load (i32.const 4096)))))))
