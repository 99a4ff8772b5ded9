"""``python -m wt_wasi run ...``: the ``wt`` command."""

from .cli import main

main()
