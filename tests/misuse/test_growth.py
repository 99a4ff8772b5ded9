"""Nothing grows without bound: a million host objects returned as externrefs, a million
reads of GC references, leave the process the size it was (each case in a child)."""

from __future__ import annotations

import os

import pytest

from .child import run_in_child

OPERATIONS = int(os.environ.get("WT_TESTS_GROWTH_OPERATIONS", 1_000_000))
"""Operations per case: a million; fewer under emulation, where each costs ten times more
(any leak of 21 bytes or more per operation still shows at 100,000)."""

SETUP = '''
import gc, os
def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
r = wt.Runtime()
hb = r.new_host_module_builder("env")
hb.new_function_builder("obj", [], [wt.ValueType.EXTERNREF]).with_typed_func(lambda: object()).export()
hb.instantiate()
m = r.instantiate(r.compile_module("""(module (import "env" "obj" (func $o (result externref)))
  (type $s (struct (field i32)))
  (global (export "g") (mut anyref) (struct.new $s (i32.const 1)))
  (table (export "t") 1 anyref)
  (elem (table 0) (i32.const 0) anyref (struct.new $s (i32.const 2)))
  (func (export "host") (result externref) (call $o))
  (func (export "dropped") (drop (call $o)))
  (func (export "fresh") (result anyref) (struct.new $s (i32.const 3))))"""))
host, dropped, fresh = (m.exported_function(n) for n in ("host", "dropped", "fresh"))
g, t = m.exported_global("g"), m.exported_table("t")

def growth_kib(op, count):
    """RSS growth from the first tenth of ``count`` runs of ``op`` to the end."""
    for _ in range(count // 10):
        op()
    gc.collect()
    start = rss_kib()
    for _ in range(count - count // 10):
        op()
    gc.collect()
    return rss_kib() - start
'''


@pytest.mark.slow
@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="reads RSS from /proc")
@pytest.mark.parametrize("op", ["host.call()", "dropped.call()", "g.get()", "t.get(0)", "fresh.call()"])
def test_a_million_references_leave_the_process_its_size(op: str) -> None:
    # Before handles were released when Python let go, 100,000 GC reads grew the process
    # by about 55 MiB: a leak of one handle per operation shows as tens of MiB here.
    result = run_in_child(SETUP + f'''
print(growth_kib(lambda: ({op}), {OPERATIONS}))
''', timeout=240)
    grown = int(result.stdout.split()[-1])
    print(f"{op} x {OPERATIONS:,}: RSS grew {grown} KiB")  # (shown with pytest -s)
    assert grown < 2048, result.stdout
