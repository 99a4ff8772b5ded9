"""WASI: run a command module with arguments, an environment and inherited stdio.
Run from any directory: python examples/wasi.py"""

from pathlib import Path

import wt_api as wt
from wt_wasi import WASIConfig

program = Path(__file__).with_name("program.wat")
config = wt.RuntimeConfig().with_wasi(
    WASIConfig().with_inherit_stdio().with_env("KEY", "value").with_args("program", "arg1"))
with wt.Runtime(config) as r:
    compiled = r.compile_file(program)
    with r.instantiate_with_wasi(compiled) as mod:
        mod.exported_function("_start").call()
