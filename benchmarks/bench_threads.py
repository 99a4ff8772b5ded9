"""Throughput of a CPU-bound wasm function called from 1 and from 2 threads, each thread on
an instance of its own (the GIL is released while wasm runs).

    python benchmarks/bench_threads.py [--calls N] [--iterations N]

Prints calls per second for 1 and 2 threads and their ratio (the goal: >= 1.7x on a
machine with at least 2 free cores).
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import wt_api as wt

WAT = """(module
  (func (export "spin") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 1664525)) (i32.const 1013904223)))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      br_if $l)
    local.get $acc))"""


def throughput(runtime: wt.Runtime, compiled: wt.CompiledModule, threads: int, calls: int, n: int) -> float:
    """Calls per second with ``threads`` threads making ``calls`` calls each."""
    spins = []
    for _ in range(threads):
        f = runtime.instantiate(compiled).exported_function("spin")
        assert f is not None
        spins.append(f)
    barrier = threading.Barrier(threads + 1)

    def work(spin: wt.Function) -> None:
        barrier.wait()
        for _ in range(calls):
            spin.call(n)

    workers = [threading.Thread(target=work, args=(s,)) for s in spins]
    for w in workers:
        w.start()
    barrier.wait()
    start = time.perf_counter()
    for w in workers:
        w.join()
    return threads * calls / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40, help="calls per thread (default 40)")
    parser.add_argument("--iterations", type=int, default=20_000_000, help="loop iterations per call")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    with wt.Runtime() as runtime:
        compiled = runtime.compile_module(WAT)
        throughput(runtime, compiled, 1, 2, args.iterations)  # warm up
        one = max(throughput(runtime, compiled, 1, args.calls, args.iterations) for _ in range(args.repeat))
        two = max(throughput(runtime, compiled, 2, args.calls, args.iterations) for _ in range(args.repeat))
    print(f"cpus: {os.cpu_count()}; one call: {args.iterations:,} loop iterations ({1000 / one:.1f} ms)")
    print(f"1 thread : {one:8.2f} calls/s")
    print(f"2 threads: {two:8.2f} calls/s")
    print(f"speedup  : {two / one:.2f}x")


if __name__ == "__main__":
    main()
