;; A WASI command like `wc`: reads stdin to its end, prints its lines, words and bytes.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  ;; 0: the read iovec, 8: bytes read, 16: the write iovec, 24: bytes written,
  ;; 64: the output line, 512-600: digits, 1024-5119: the read buffer
  (memory (export "memory") 1)

  ;; Write n in decimal at p; return the address after it.
  (func $num (param $n i64) (param $p i32) (result i32) (local $t i32)
    (local.set $t (i32.const 600))
    (loop $digit
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i64.store8 (local.get $t) (i64.add (i64.const 48) (i64.rem_u (local.get $n) (i64.const 10))))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $n) (i64.const 0))))
    (memory.copy (local.get $p) (local.get $t) (i32.sub (i32.const 600) (local.get $t)))
    (i32.add (local.get $p) (i32.sub (i32.const 600) (local.get $t))))

  (func (export "_start")
    (local $n i32) (local $i i32) (local $c i32) (local $in_word i32) (local $p i32)
    (local $lines i64) (local $words i64) (local $bytes i64)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (block $end
      (loop $read
        (br_if $end (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
        (local.set $n (i32.load (i32.const 8)))
        (br_if $end (i32.eqz (local.get $n)))
        (local.set $bytes (i64.add (local.get $bytes) (i64.extend_i32_u (local.get $n))))
        (local.set $i (i32.const 0))
        (loop $scan
          (local.set $c (i32.load8_u (i32.add (i32.const 1024) (local.get $i))))
          (if (i32.eq (local.get $c) (i32.const 10))
            (then (local.set $lines (i64.add (local.get $lines) (i64.const 1)))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 32))
                      (i32.and (i32.ge_u (local.get $c) (i32.const 9)) (i32.le_u (local.get $c) (i32.const 13))))
            (then (local.set $in_word (i32.const 0)))
            (else (if (i32.eqz (local.get $in_word))
              (then (local.set $words (i64.add (local.get $words) (i64.const 1)))
                    (local.set $in_word (i32.const 1))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $scan (i32.lt_u (local.get $i) (local.get $n))))
        (br $read)))
    (local.set $p (call $num (local.get $lines) (i32.const 64)))
    (i32.store8 (local.get $p) (i32.const 32))
    (local.set $p (call $num (local.get $words) (i32.add (local.get $p) (i32.const 1))))
    (i32.store8 (local.get $p) (i32.const 32))
    (local.set $p (call $num (local.get $bytes) (i32.add (local.get $p) (i32.const 1))))
    (i32.store8 (local.get $p) (i32.const 10))
    (i32.store (i32.const 16) (i32.const 64))
    (i32.store (i32.const 20) (i32.sub (local.get $p) (i32.const 63)))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))))
