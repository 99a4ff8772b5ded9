"""The code every misuse case starts from: a runtime, a host module whose function calls
back into Python (``ACTION[0](caller, x)``), a compiled module importing it and its
instance, with each kind of export in hand."""

from __future__ import annotations

import textwrap

from .child import ChildResult, run_in_child

SETUP = '''
import threading
WAT = """(module
  (import "host" "cb" (func $cb (param i32) (result i32)))
  (type $ft (func (param i32) (result i32)))
  (memory (export "memory") 1 4)
  (global (export "g") (mut i32) (i32.const 0))
  (table (export "t") 2 4 funcref)
  (func $f (export "f") (type $ft) (call $cb (local.get 0)))
  (func (export "touch") (param i32) (result i32)
    (drop (call $cb (local.get 0))) (i32.store (i32.const 0) (i32.const 1)) (global.set 0 (i32.const 2))
    (table.set (i32.const 1) (ref.func $f)) (call_indirect (type $ft) (i32.const 0) (i32.const 1)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "call_ref") (param funcref) (result i32)
    (table.set (i32.const 1) (local.get 0)) (call_indirect (type $ft) (i32.const 5) (i32.const 1)))
  (elem (i32.const 0) func $f))"""
ACTION = [lambda caller, x: x + 1]
KEPT = []
rt = wt.Runtime()
hb = rt.new_host_module_builder("host")
hb.export_function("cb", [wt.ValueType.I32], [wt.ValueType.I32], lambda caller, x: ACTION[0](caller, x), caller=True)
host = hb.instantiate()
cm = rt.compile_module(WAT)
mod = rt.instantiate(cm)
f, add, touch = mod.exported_function("f"), mod.exported_function("add"), mod.exported_function("touch")
mem, g, t = mod.exported_memory("memory"), mod.exported_global("g"), mod.exported_table("t")


def raises(expected, fn, *args):
    """fn(*args) must raise ``expected`` (an exception class or a tuple of them)."""
    try:
        fn(*args)
    except expected:
        return
    except Exception as exc:
        raise SystemExit(f"{fn!r}{args!r} raised {type(exc).__name__}: {exc}, not {expected}")
    raise SystemExit(f"{fn!r}{args!r} did not raise {expected}")


def works_or_raises(fn, *args):
    """fn(*args) may work or raise a wt error: anything but a crash or a hang."""
    try:
        return fn(*args)
    except wt.WtError:
        return None
'''


def run_case(code: str, timeout: float = 60.0) -> ChildResult:
    """Run a misuse case after :data:`SETUP` in a child process (see ``run_in_child``);
    asserts that the case ran to its end."""
    result = run_in_child(SETUP + textwrap.dedent(code) + "\nprint('case finished')\n", timeout=timeout)
    assert result.stdout.rstrip().endswith("case finished"), result.stdout
    return result
