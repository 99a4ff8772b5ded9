"""``python -m wt_wasi run ...``: the ``wt-wasm`` command."""

from .cli import main

main("python -m wt_wasi")
