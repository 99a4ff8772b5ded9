"""The Quick Start: compile a module, call its `add` export."""

import wt_api as wt

WAT = """
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
"""

with wt.Runtime() as r:
    compiled = r.compile_module(WAT)
    with r.instantiate(compiled) as mod:
        add = mod.exported_function("add")
        results = add.call(wt.encode_i32(5), wt.encode_i32(7))
        print(f"5 + 7 = {wt.decode_i32(results[0])}")
    compiled.close()
