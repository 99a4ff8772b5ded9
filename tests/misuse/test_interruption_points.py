"""A KeyboardInterrupt at each point of two kinds where a signal handler can run inside
wt's code leaves nothing stuck: the objects made so far work or raise ClosedError from
another thread, a runtime still closes (if the interrupt cut its close short, closing it
again finishes the job: everything it made then raises ClosedError), and a new one runs
wasm.

Python runs a pending signal handler after a call returns and as a function starts (see
wt_ffi.entry), among other places. A profile hook that raises at the n-th built-in return
or function start reached in wt's own code puts the handler's exception exactly there,
deterministically (a profile hook sees no ctypes calls, loops or jumps: the last test sends
a real signal as a call into C returns). Each case counts the points of a warm run of its
scenario, then runs the scenario once per point, interrupted there (every
``WT_TESTS_INTERRUPT_STRIDE``-th one under emulation), each in a fresh runtime: the
KeyboardInterrupt must come out of the run as itself (unless raised where no exception can
come out), and what the run made is probed from another thread. Three such points once kept
a store's lock for ever, one turned the interrupt into a BufferError, and two left a host
function's exception or a trap for the store's next call to raise (RATIONALE: "How is a
Ctrl-C at any point of wt's code tested?")."""

from __future__ import annotations

import os

import pytest

from .child import run_in_child

STRIDE = int(os.environ.get("WT_TESTS_INTERRUPT_STRIDE", 1))

HARNESS = r'''
import asyncio, opcode, sys, threading

def ours(frame):
    name = frame.f_code.co_filename
    return name.startswith("<wt ") or any(f"{os.sep}{p}{os.sep}" in name for p in ("wt_api", "wt_ffi", "wt_wasi"))

CHECKS_NOT = {opcode.opmap[n] for n in ("SETUP_FINALLY", "SETUP_WITH", "BEFORE_ASYNC_WITH", "YIELD_FROM")
              if n in opcode.opmap}

def runs_handlers(frame):
    """Whether the interpreter looks for pending signal handlers as ``frame`` starts or
    resumes: at a RESUME that starts a function or follows a plain yield (3.11+; see
    wt_ffi.entry), at any first instruction but a few (3.10)."""
    code, at = frame.f_code.co_code, frame.f_lasti
    if sys.version_info >= (3, 11):
        return code[at] == opcode.opmap["RESUME"] and code[at + 1] & 3 < 2
    return code[0 if at < 0 else at + 2] not in CHECKS_NOT

points, target, where, finalizing = 0, 0, [], []
def hook(frame, event, arg):
    global points
    if (event == "c_return" or event == "call" and runs_handlers(frame)) and ours(frame):
        points += 1
        if points == target:
            where.append(f"{frame.f_code.co_name}:{frame.f_lineno} "
                         + (f"after {getattr(arg, '__name__', '?')}" if event == "c_return" else "on entry"))
            finalizing.append(any(f.f_code.co_name in SWALLOWING for f in stack(frame)))
            raise KeyboardInterrupt

# Where an exception cannot come out, so a handler's is lost: finalizers, and the callback
# wasmtime makes as it frees a store (C cannot take an exception; wt's own Ctrl-C handler
# defers a Ctrl-C there instead of raising it).
SWALLOWING = {"__del__", "_on_finalize"}

def stack(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back

def run(n):
    """Run the scenario interrupted at point ``n``: what it made, and whether the
    KeyboardInterrupt came out of it (one raised in a finalizer cannot)."""
    global points, target
    points, target, made = 0, n, []
    where.clear()
    finalizing.clear()
    sys.setprofile(hook)
    try:
        scenario(made)
    except KeyboardInterrupt:
        return made, True
    finally:
        sys.setprofile(None)
    return made, False

def probe(made):
    """Use everything made, then close the runtimes (again, if the scenario closed them),
    on another thread, then use everything once more, which must raise ClosedError: None,
    or what went wrong (it hung, raised something other than wt's errors, or something
    worked after its runtime was closed)."""
    done = []
    def use_one(x):
        if isinstance(x, wt.Function):
            x.call()
        elif isinstance(x, wt.Memory):
            x.read(0, 1)
        else:  # a component's function
            x()
    def use():
        try:
            for x in sorted(made, key=lambda x: isinstance(x, wt.Runtime)):
                try:
                    if isinstance(x, wt.Runtime):
                        x.close()
                    else:
                        use_one(x)
                except wt.WtError:  # (ClosedError, mostly)
                    pass
            for x in made:
                if not isinstance(x, wt.Runtime):
                    try:
                        use_one(x)
                    except wt.ClosedError:
                        continue
                    done.append(f"{x!r} still worked after its runtime was closed")
                    return
        except BaseException as exc:
            done.append(f"raised {exc!r}")
        done.append(None)
    t = threading.Thread(target=use, daemon=True)
    t.start()
    t.join(20)
    return done[0] if done else "hung"

run(0)
run(0)  # (counted warm: a first run fills caches that later runs find)
total = points
assert total > 50, total
for n in range(1, total + 1, STRIDE):
    made, out = run(n)
    wrong = probe(made)
    if where and not out and not finalizing[0]:
        wrong = "the KeyboardInterrupt was lost"
    if wrong:
        print(f"{wrong} after an interrupt at point {n} of {total}: {where[-1] if where else 'not reached'}",
              flush=True)
        os._exit(1)
check = wt.Runtime()
assert check.instantiate(check.compile_module(PROBE)).exported_function("f").call() == [7]
print(f"{total} points")
'''

PRELUDE = f'''
import os
STRIDE = {STRIDE}
PROBE = '(module (func (export "f") (result i32) i32.const 7))'
'''

SCENARIOS = {
    "modules, host functions, closing": r'''
WAT = """(module (import "h" "g" (func $g (result i32))) (import "h" "boom" (func $boom))
  (memory (export "mem") 1)
  (func (export "f") (result i32) i32.const 7)
  (func (export "viahost") (result i32) call $g)
  (func (export "boom") call $boom))"""

def boom():
    raise LookupError("from a host function")

def scenario(made):
    r = wt.Runtime()
    made.append(r)
    (r.new_host_module_builder("h").export_function("g", [], [wt.ValueType.I32], lambda: 5)
     .export_function("boom", [], [], boom).instantiate())
    c = r.compile_module(WAT)
    m = r.instantiate(c)
    made += [m.exported_function("f"), m.exported_function("viahost"), m.exported_memory("mem")]
    assert made[1].call() == [7] and made[2].call() == [5]
    try:
        m.exported_function("boom").call()
        raise AssertionError("the host function's exception was lost")
    except LookupError:
        pass
    made[3].write(0, b"x")
    other = r.instantiate(c)
    made.append(other.exported_function("f"))
    m.close()
    r.close()
''',
    "timeouts, WASI output, a module closed by its host function": r'''
from wt_wasi import WASIConfig
WASI = """(module (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1) (data (i32.const 16) "hello\\n")
  (func (export "go") (result i32) (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"""
CLOSING = """(module (import "h" "close" (func $c)) (func (export "f") (result i32) call $c i32.const 7))"""

def scenario(made):
    r = wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig()).with_epoch_interruption())
    made.append(r)
    out = []
    m = r.instantiate_with_wasi(r.compile_module(WASI), wt.ModuleConfig().with_stdout(out.append).with_timeout(5))
    made.append(m.exported_function("go"))
    assert made[-1].call() == [0]
    holder = []
    r.new_host_module_builder("h").export_function("close", [], [], lambda: holder[0].close()).instantiate()
    holder.append(r.instantiate(r.compile_module(CLOSING), wt.ModuleConfig().with_timeout(5)))
    made.append(holder[0].exported_function("f"))
    assert made[-1].call() == [7]
    r.close()
''',
    "components": r'''
COMPONENT = """(component
  (core module $m (func (export "f") (result i32) i32.const 7))
  (core instance $i (instantiate $m))
  (func (export "f") (result u32) (canon lift (core func $i "f"))))"""
IMPORTING = """(component
  (import "host" (instance $h (export "get" (func (result u32))) (export "boom" (func))))
  (core func $get (canon lower (func $h "get")))
  (core func $boom (canon lower (func $h "boom")))
  (core module $m (import "h" "get" (func $get (result i32))) (import "h" "boom" (func $boom))
    (func (export "f") (result i32) call $get) (func (export "boom") call $boom))
  (core instance $hi (export "get" (func $get)) (export "boom" (func $boom)))
  (core instance $i (instantiate $m (with "h" (instance $hi))))
  (func (export "f") (result u32) (canon lift (core func $i "f")))
  (func (export "boom") (canon lift (core func $i "boom"))))"""

class Host:
    @staticmethod
    def get():
        return 9

    @staticmethod
    def boom():
        raise LookupError("from a host function")

def scenario(made):
    r = wt.Runtime()
    made.append(r)
    instance = r.instantiate_component(r.compile_component(COMPONENT))
    made.append(instance.exports.f)
    assert made[-1]() == 7
    instance.close()
    again = r.instantiate_component(r.compile_component(COMPONENT))
    made.append(again.exports.f)
    importing = r.instantiate_component(r.compile_component(IMPORTING), imports={"host": Host})
    made.append(importing.exports.f)
    assert made[-1]() == 9
    try:
        importing.exports.boom()
        raise AssertionError("the host function's exception was lost")
    except LookupError:
        pass
    r.close()
''',
    "prepared and pooled instances, a disk cache, globals, tables, pickling": r'''
import pickle, tempfile
DATA = """(module (global (export "g") (mut i32) (i32.const 1)) (table (export "t") 2 funcref)
  (memory (export "mem") 1 1) (func (export "f") (result i32) global.get 0))"""
POOL = wt.PoolingAllocator(total_core_instances=4, total_memories=2, total_tables=2, total_stacks=2,
                           max_memory_size=1 << 16)
def scenario(made):
    cache = wt.CompilationCache.with_dir(tempfile.mkdtemp())  # (cold each time: written, then read)
    r = wt.Runtime(wt.RuntimeConfig().with_pooling_allocator(POOL))
    made.append(r)
    prepared = r.prepare(r.compile_module(DATA))
    m = prepared.instantiate()
    made += [m.exported_function("f"), m.exported_memory("mem")]
    m.exported_global("g").set(5)
    m.exported_table("t").get(0)
    assert made[1].call() == [5]
    m.close()
    prepared.close()
    cached = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
    made.append(cached)
    landed = pickle.loads(pickle.dumps(cached.compile_module(DATA)))
    made.append(landed.runtime)  # (the process's runtime for unpickled modules of these settings)
    instance = landed.runtime.instantiate(landed)
    made.append(instance.exported_function("f"))
    instance.close()
    r.close()
    cached.close()
    cache.close()
''',
    "call_async": r'''
def scenario(made):
    r = wt.Runtime(wt.RuntimeConfig().with_async_support())
    made.append(r)
    m = r.instantiate(r.compile_module(PROBE))
    made.append(m.exported_function("f"))
    assert asyncio.run(made[-1].call_async()) == [7]
    m.close()
''',
}


@pytest.mark.parametrize("case", sorted(SCENARIOS))
def test_an_interrupt_at_any_point_leaves_nothing_stuck(case: str) -> None:
    result = run_in_child(PRELUDE + SCENARIOS[case] + HARNESS, timeout=900)
    assert result.stdout.strip().endswith("points"), result.stdout


def test_an_interrupt_as_c_returns_from_a_trap_leaves_nothing_for_the_next_call() -> None:
    # A signal that arrives while wasm runs is handled as the call into C returns, where no
    # profile hook can raise: right after a trap was written to the function's trap slot,
    # which wasmtime writes only when a call traps. Left there, it failed the next call.
    run_in_child(r'''
import os, signal, threading, time
class Alarm(Exception):
    pass
def alarm(signum, frame):
    raise Alarm
signal.signal(signal.SIGALRM, alarm)
r = wt.Runtime()
m = r.instantiate(r.compile_module("""(module (memory (export "mem") 1)
  (func (export "maybe") (param i32) (result i32)
    (if (local.get 0) (then (loop $wait (br_if $wait (i32.eqz (i32.load (i32.const 0))))) unreachable))
    i32.const 1))"""))
maybe, view = m.exported_function("maybe"), m.exported_memory("mem").view()
def release():
    time.sleep(0.05)
    os.kill(os.getpid(), signal.SIGALRM)  # (handled when the call returns: wasm runs no Python)
    time.sleep(0.05)
    view[0] = 1
for attempt in range(3):
    view[0] = 0
    threading.Thread(target=release).start()
    try:
        maybe.call(1)
        raise SystemExit("the call returned")
    except Alarm:
        pass
    assert maybe.call(0) == [1]
''', timeout=120)

