"""Scale out with Dask: the WASI program wc.wat mapped over many inputs by the processes of a
dask.distributed LocalCluster, through client.map, with the same results as a serial loop.
The compiled module is scattered to the workers once; each loads its compiled code there.
Needs dask.distributed (pip install "wt-api[dask]"). Run: python examples/dask_map.py"""

import io
from pathlib import Path

from dask.distributed import Client, LocalCluster

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
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            shipped = client.scatter(compiled, broadcast=True)  # once per worker, not once per task
            results = client.gather(client.map(wc, [shipped] * len(texts), texts))
        serial = [wc(compiled, text) for text in texts]
        print(f"dask: {len(results)} results, the same as a serial loop: {results == serial}")
