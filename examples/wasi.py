"""WASI: run a command module with arguments, an environment and inherited stdio."""

import wt_api as wt
from wt_wasi import WASIConfig

config = wt.RuntimeConfig().with_wasi(
    WASIConfig().with_inherit_stdio().with_env("KEY", "value").with_args("program", "arg1"))
with wt.Runtime(config) as r:
    compiled = r.compile_file("program.wat")
    with r.instantiate_with_wasi(compiled) as mod:
        mod.exported_function("_start").call()
