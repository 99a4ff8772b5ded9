"""Scale out over processes: a WASI program (wc.wat, a small `wc`) mapped over many inputs by
a ProcessPoolExecutor, with fork and with spawn. The compiled module is pickled with each
task; a worker loads its compiled code instead of compiling it again.
Run from any directory: python examples/pool.py"""

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import wt_api as wt


def wc(compiled: wt.CompiledModule, text: bytes) -> tuple[int, int, int]:
    """One task: a fresh instance of the program, the text as its stdin; plain values back."""
    out = io.BytesIO()
    config = wt.ModuleConfig().with_stdin(text).with_stdout(out)
    with compiled.runtime.instantiate_with_wasi(compiled, config) as mod:
        mod.exported_function("_start").call()
    lines, words, size = map(int, out.getvalue().split())
    return lines, words, size


if __name__ == "__main__":
    texts = [b"the quick brown fox\n" * i + b"jumps" * (i % 3) for i in range(40)]
    with wt.Runtime() as r:
        compiled = r.compile_file(Path(__file__).with_name("wc.wat"))
        # 'fork' pools first: a process forked after it ran WASI cannot run WASI (wasmtime's
        # WASI threads do not survive a fork); 'spawn' workers start afresh at any time.
        results = {}
        for method in ("fork", "spawn"):
            with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context(method)) as pool:
                results[method] = list(pool.map(wc, [compiled] * len(texts), texts))
        serial = [wc(compiled, text) for text in texts]
        for method, found in results.items():
            print(f"{method}: {len(found)} results, the same as a serial loop: {found == serial}")
