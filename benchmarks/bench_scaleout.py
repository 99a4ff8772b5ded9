"""Per-task cost of a WASI program mapped over a process pool: the compiled module shipped
(pickled) with every task and loaded by each worker, against each worker compiling it
again, against the module shipped once per worker.

    python benchmarks/bench_scaleout.py [--tasks 200] [--workers 2] [--functions 1500] [--samples 5]

The program is examples/wc.wat with ``--functions`` extra functions, so that compiling it
costs what a real tool's does (a few hundred milliseconds). Every sample starts a fresh
pool of spawn workers, waits until each has imported wt, then times ``pool.map`` over the
tasks: the first task of each worker pays its loading (or compiling). The modes of a
round run in a rotating order. The floor: the same task in one process, the module
compiled, no pool.
"""

from __future__ import annotations

import argparse
import ctypes
import io
import multiprocessing
import os
import pickle
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import wt_api as wt
from harness import Stats
from wt_ffi import vec, wat

WC = (Path(__file__).resolve().parent.parent / "examples" / "wc.wat").read_text()


def program(functions: int) -> bytes:
    """examples/wc.wat with ``functions`` arithmetic functions more (exported, so kept), as wasm."""
    body = []
    for i in range(functions):
        ops = " ".join(f"(local.set $x (i32.add (i32.mul (local.get $x) (i32.const {k * 7 + i}))"
                       f" (i32.xor (local.get $x) (i32.const {k}))))" for k in range(12))
        body.append(f'(func (export "f{i}") (param $x i32) (result i32) {ops} local.get $x)')
    text = "\n".join(line for line in WC.splitlines() if not line.lstrip().startswith(";;"))
    data = (text.rstrip().removesuffix(")") + "\n" + "\n".join(body) + ")").encode()
    out = vec.wasm_byte_vec_t()
    assert not wat.wasmtime_wat2wasm(data, len(data), ctypes.byref(out))
    return vec.take_bytes(out)


def wc(compiled: wt.CompiledModule, text: bytes) -> bytes:
    """One task: a fresh instance of the program with ``text`` as its stdin; its output."""
    out = io.BytesIO()
    config = wt.ModuleConfig().with_stdin(text).with_stdout(out)
    with compiled.runtime.instantiate_with_wasi(compiled, config) as mod:
        mod.exported_function("_start").call()
    return out.getvalue()


_WORKER_MODULE: list[wt.CompiledModule] = []


def _start_worker(policy: str, compiled: wt.CompiledModule | None) -> None:
    os.environ["WT_PICKLED_CODE"] = policy
    os.environ.pop("WT_CACHE_DIR", None)  # no disk cache: each worker compiles or loads for itself
    if compiled is not None:
        _WORKER_MODULE.append(compiled)


def _ready(_: int) -> int:
    time.sleep(0.05)  # long enough for every worker to take one
    return os.getpid()


def _wc_here(text: bytes) -> bytes:
    return wc(_WORKER_MODULE[0], text)


def one_sample(mode: str, compiled: wt.CompiledModule, texts: list[bytes], workers: int) -> float:
    """Seconds for the whole map in ``mode``: ``shipped``, ``compiled`` or ``once``."""
    policy = "compile" if mode == "compiled" else "load"
    initial = compiled if mode == "once" else None
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(policy, initial)) as pool:
        assert len(set(pool.map(_ready, range(workers * 4)))) == workers
        start = time.perf_counter()
        if mode == "once":
            results = list(pool.map(_wc_here, texts))
        else:
            results = list(pool.map(wc, [compiled] * len(texts), texts))
        elapsed = time.perf_counter() - start
    assert results == [wc(compiled, t) for t in texts]
    return elapsed


def measure(tasks: int = 200, workers: int = 2, functions: int = 1500, samples: int = 5) -> dict[str, Stats]:
    """Seconds per task, by mode, and the floor (``serial``) and a compile (``compile``)."""
    texts = [b"the quick brown fox\n" * (i % 50) for i in range(tasks)]
    wasm = program(functions)
    with wt.Runtime() as r:
        compiled = r.compile_module(wasm)
        start = time.perf_counter()
        r.compile_module(wasm)  # no cache: compiled again, timed
        compile_once = time.perf_counter() - start
        expected = [wc(compiled, t) for t in texts]
        serial = []
        for _ in range(samples):
            start = time.perf_counter()
            assert [wc(compiled, t) for t in texts] == expected
            serial.append((time.perf_counter() - start) / tasks)
        pickle.dumps(compiled)  # what it ships is made once, before any timing
        modes = ["shipped", "compiled", "once"]
        found: dict[str, list[float]] = {m: [] for m in modes}
        for round_ in range(samples):
            for mode in modes[round_ % 3:] + modes[:round_ % 3]:
                found[mode].append(one_sample(mode, compiled, texts, workers) / tasks)
    result = {m: Stats.of(v) for m, v in found.items()}
    result["serial"] = Stats.of(serial)
    result["compile"] = Stats(compile_once, compile_once, compile_once)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--functions", type=int, default=1500)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    found = measure(args.tasks, args.workers, args.functions, args.samples)
    print(f"{args.tasks} tasks over {args.workers} spawn workers; the program compiles in "
          f"{found['compile'].median * 1e3:.0f} ms here; per task, median (min-max) of {args.samples} samples:")
    names = {"shipped": "module shipped with each task, code loaded", "compiled":
             "module shipped with each task, each worker compiles (WT_PICKLED_CODE=compile)",
             "once": "module shipped once per worker (pool initializer)", "serial": "floor: one process, no pool"}
    for key, name in names.items():
        s = found[key]
        print(f"  {name:80} {s.median * 1e3:7.3f} ms ({s.low * 1e3:.3f}-{s.high * 1e3:.3f})")
    print(f"  recompiling / shipping: {found['compiled'].median / found['shipped'].median:.2f}x")


if __name__ == "__main__":
    main()
