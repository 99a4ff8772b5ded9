"""Scale out with Ray: the WASI program wc.wat mapped over many inputs by a remote function on a
local Ray instance, with the same results as a serial loop. The compiled module goes into
Ray's object store once; each worker loads its compiled code from there.
Needs Ray (pip install "wt-api[ray]"). Run: python examples/ray_map.py"""

import io
from pathlib import Path

import ray

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
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            shipped = ray.put(compiled)
            remote_wc = ray.remote(wc)
            results = ray.get([remote_wc.remote(shipped, text) for text in texts])
        finally:
            ray.shutdown()
        serial = [wc(compiled, text) for text in texts]
        print(f"ray: {len(results)} results, the same as a serial loop: {results == serial}")
