"""Hostile and careless use of ``call_async`` and async host functions, each in a child
process (a crash or a hang fails the test): cancellation at every point in loops that
watch memory, closing things while a call is suspended, abandoned coroutines and loops,
signals, fork, re-entering from host functions."""

from __future__ import annotations

import os
import sys

import pytest

from .child import run_in_child

SETUP = '''
import asyncio, gc, os, resource, signal, threading, time
GUEST = """(module
  (import "env" "wait" (func $wait (param i32) (result i32)))
  (import "env" "back" (func $back (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i64) (i64.const 0))
  (func (export "wait") (param i32) (result i32) (call $wait (local.get 0)))
  (func (export "back") (param i32) (result i32) (call $back (local.get 0)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "spin") (param i64) (result i64) (local i64)
    (loop $l (local.set 1 (i64.add (local.get 1) (i64.const 1)))
      (global.set $g (local.get 1)) (br_if $l (i64.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "forever") (loop $l (br $l))))"""
DELAY = [0.0]
BACK = [lambda caller, x: x]

async def wait(x):
    await asyncio.sleep(DELAY[0])
    return x + 1

def back(caller, x):
    return BACK[0](caller, x)

def runtime(config=None):
    r = wt.Runtime(config or wt.RuntimeConfig().with_async_support())
    env = r.new_host_module_builder("env")
    env.export_function("wait", [wt.ValueType.I32], [wt.ValueType.I32], wait)
    env.export_function("back", [wt.ValueType.I32], [wt.ValueType.I32], back, caller=True)
    env.instantiate()
    return r, r.compile_module(GUEST)

r, compiled = runtime()
mod = r.instantiate(compiled)
fn = mod.exported_function

def rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)

def raises(expected, fn, *args):
    try:
        fn(*args)
    except expected:
        return
    raise SystemExit(f"{fn!r} did not raise {expected}")
'''

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")


def case(code: str, timeout: float = 120.0) -> str:
    result = run_in_child(SETUP + code + "\nprint('case finished')\n", timeout=timeout)
    assert result.stdout.rstrip().endswith("case finished"), result.stdout
    assert "Exception ignored" not in result.stderr, result.stderr
    return result.stdout


@linux_only
@pytest.mark.parametrize("point", ["before the first poll", "during a host await", "during a yield"])
def test_cancelling_at_each_point_leaks_nothing(point: str) -> None:
    out = case(f'''
POINT = {point!r}
async def one(i):
    if POINT == "before the first poll":
        task = asyncio.ensure_future(fn("spin").call_async(10))
        task.cancel()
    elif POINT == "during a host await":
        DELAY[0] = 10.0
        task = asyncio.ensure_future(fn("wait").call_async(i))
        await asyncio.sleep(0)
        task.cancel()
    else:
        task = asyncio.ensure_future(fn("forever").call_async())
        await asyncio.sleep(0.001)
        task.cancel()
    try:
        await task
        raise SystemExit("not cancelled")
    except asyncio.CancelledError:
        pass

async def rounds(n):
    for i in range(n):
        await one(i)
    DELAY[0] = 0.0
    assert await fn("wait").call_async(1) == [2]

asyncio.run(rounds(200))
gc.collect()
start = rss_mib()
asyncio.run(rounds(1500))
gc.collect()
grown = rss_mib() - start
assert fn("add").call(1, 2) == [3]
print("grew", round(grown, 2), "MiB")
assert grown < 8, grown
''', timeout=300)
    assert "grew" in out


def test_closing_while_a_call_is_suspended() -> None:
    case('''
async def close_from(where):
    r2, c2 = runtime()
    m = r2.instantiate(c2)
    DELAY[0] = 0.05
    task = asyncio.ensure_future(m.exported_function("wait").call_async(1))
    await asyncio.sleep(0.01)
    if where == "module":
        m.close()
    elif where == "runtime":
        r2.close()
    else:
        t = threading.Thread(target=m.close); t.start(); t.join()
    try:
        assert await task == [2]  # a call already running finishes, as a sync one does
    except wt.ClosedError:
        pass
    raises(wt.ClosedError, m.exported_function, "add")

async def spin_closed():
    r2, c2 = runtime()
    m = r2.instantiate(c2)
    task = asyncio.ensure_future(m.exported_function("spin").call_async(10**12))
    await asyncio.sleep(0.02)
    m.close()
    await asyncio.sleep(0.02)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass

for where in ("module", "runtime", "thread"):
    asyncio.run(close_from(where))
asyncio.run(spin_closed())
''')


def test_the_host_coroutine_closes_its_own_module() -> None:
    case('''
async def closer(caller, x):
    await asyncio.sleep(0)
    mod2.close()
    return x

r2 = wt.Runtime(wt.RuntimeConfig().with_async_support())
env = r2.new_host_module_builder("env")
env.export_function("wait", [wt.ValueType.I32], [wt.ValueType.I32], closer, caller=True)
env.export_function("back", [wt.ValueType.I32], [wt.ValueType.I32], back, caller=True)
env.instantiate()
mod2 = r2.instantiate(r2.compile_module(GUEST))
f = mod2.exported_function("wait")
try:
    asyncio.run(f.call_async(5))
except wt.ClosedError:
    pass
raises(wt.ClosedError, f.call, 1)
''')


def test_abandoned_coroutines_and_loops() -> None:
    case('''
# created, never awaited: nothing was allocated
for i in range(1000):
    coro = fn("add").call_async(1, 2)
    coro.close()
# a loop closed while a call was suspended: the coroutine is dropped and cleans up
loop = asyncio.new_event_loop()
DELAY[0] = 10.0
task = loop.create_task(fn("wait").call_async(1))
loop.run_until_complete(asyncio.sleep(0.01))
loop.close()
del task, loop
gc.collect()
DELAY[0] = 0.0
assert asyncio.run(fn("wait").call_async(1)) == [2]  # the store is free again
assert fn("add").call(1, 1) == [2]
loop = asyncio.new_event_loop()
task = loop.create_task(fn("spin").call_async(10**12))
loop.run_until_complete(asyncio.sleep(0.01))
loop.close()
del task, loop
gc.collect()
assert asyncio.run(fn("spin").call_async(5)) == [5]
''', timeout=60)


@pytest.mark.skipif(sys.platform == "win32", reason="setitimer is POSIX")
def test_a_raising_signal_handler_during_async_calls() -> None:
    # A handler may raise at any instruction, the very first of wt's callbacks included
    # (Python 3.11+): an async host function's callback must still hand wasmtime a
    # continuation, or it would abort the process.
    out = case('''
class Alarm(Exception):
    pass
import wt_ffi.epoch
WT = (os.path.dirname(wt.__file__), os.path.dirname(wt_ffi.epoch.__file__), "<wt")
def handler(signum, frame):
    # Raise inside wt's code and the callbacks C calls (not in asyncio's loop, which an
    # exception there would stop: that is asyncio's business, not wt's).
    if frame is not None and frame.f_code.co_filename.startswith(WT):
        raise Alarm()
signal.signal(signal.SIGALRM, handler)
wait_f, back_f = fn("wait"), fn("back")  # (looked up first: the lookup is not what this tests)
async def main():
    seen = {"alarm": 0, "ok": 0}
    for i in range(1500):
        try:
            try:
                signal.setitimer(signal.ITIMER_REAL, 0.00002 + (i % 13) * 0.00003)
                assert await wait_f.call_async(i) == [i + 1]
                assert await back_f.call_async(i) == [i]
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            seen["ok"] += 1
        except Alarm:
            seen["alarm"] += 1
    return seen
seen = asyncio.run(main())
signal.signal(signal.SIGALRM, signal.SIG_IGN)
assert asyncio.run(fn("wait").call_async(1)) == [2]
print(seen)
''', timeout=240)
    assert "alarm" in out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_call_async() -> None:
    result = run_in_child(SETUP + '''
threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    asyncio.run(fn("forever").call_async())
except KeyboardInterrupt:
    print("interrupted")
assert fn("add").call(1, 2) == [3]
print("case finished")
''', timeout=60)
    assert "interrupted" in result.stdout and result.stdout.rstrip().endswith("case finished")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_call_async_in_a_forked_child() -> None:
    case('''
assert asyncio.run(fn("spin").call_async(1000)) == [1000]  # the ticker thread runs here
pid = os.fork()
if pid == 0:
    try:
        r2, c2 = runtime()
        m = r2.instantiate(c2)
        async def main():
            return await asyncio.wait_for(m.exported_function("forever").call_async(), 0.2)
        try:
            asyncio.run(main())
            os._exit(3)
        except asyncio.TimeoutError:
            os._exit(0)
    except BaseException:
        os._exit(4)
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
''')


def test_a_thread_calling_again_and_again_does_not_starve_call_async() -> None:
    # The thread frees the store only between two of its calls: the task must still get
    # turns (it used to look without waiting, and never saw the store free).
    case('''
stop = [False]
calls = [0]
def hammer():
    f = fn("spin")
    while not stop[0]:
        f.call(20)
        calls[0] += 1
threading.Thread(target=hammer, daemon=True).start()
async def main():
    while calls[0] < 100:  # (the thread is calling)
        await asyncio.sleep(0.01)
    for _ in range(100):
        assert await fn("spin").call_async(300_000) == [300_000]
asyncio.run(main())
stop[0] = True
# Turns, counted rather than timed: each of the task's 100 calls waited for a few of the
# thread's, not for thousands of them.
print("thread calls per task call:", calls[0] / 100)
assert calls[0] < 100 * 1000, calls[0]
''')


def test_a_suspended_call_async_does_not_time_out_another_threads_call() -> None:
    # Both calls have the instance's 0.3 s timeout. The call_async starts first and is
    # suspended between slices while a thread's call runs: that call gets its own 0.3 s,
    # not what is left of the suspended call's (it was stopped after ~0.1 s).
    case('''
m = r.instantiate(compiled, wt.ModuleConfig().with_timeout(0.3))
took = {}
def sync():
    t0 = time.monotonic()
    try:
        m.exported_function("spin").call(2**62)
    except wt.WasmTimeoutError:
        took["sync"] = time.monotonic() - t0
async def main():
    task = asyncio.ensure_future(m.exported_function("forever").call_async())
    await asyncio.sleep(0.2)
    th = threading.Thread(target=sync)
    th.start()
    try:
        await task
    except wt.WasmTimeoutError:
        pass
    while th.is_alive():
        await asyncio.sleep(0.01)
asyncio.run(main())
assert took["sync"] >= 0.25, took
''')


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_call_async_running_at_a_fork_ends_in_the_child() -> None:
    # The loop forks while another of its tasks runs a guest that never ends. In the child
    # that task wakes first and would poll on: its slices were ticked by a thread that stayed
    # in the parent, so it would run for ever. It raises ClosedError instead.
    case('''
async def main():
    task = asyncio.ensure_future(fn("forever").call_async())
    await asyncio.sleep(0.05)
    pid = os.fork()
    if pid == 0:
        try:
            await task
            os._exit(3)
        except wt.ClosedError as exc:
            os._exit(0 if "forked" in str(exc) else 4)
        except BaseException:
            os._exit(5)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    return pid
pid = asyncio.run(main())
for _ in range(600):
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    time.sleep(0.05)
else:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise SystemExit("the child hung")
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
''')


def test_host_functions_calling_back_never_suspend_python() -> None:
    # A sync host function that calls a long-running export of its own instance, during
    # a call_async: that inner wasm must not yield (Python's frames sit on the fiber's
    # stack), with epoch slices and with fuel slices.
    case('''
def long_back(caller, x):
    return caller.exported_function("spin").call(30_000_000)[0] & 0xFF
BACK[0] = long_back
async def main(f):
    beats = 0
    task = asyncio.ensure_future(f.call_async(1))
    while not task.done():
        beats += 1
        await asyncio.sleep(0)
    return await task, beats
res, beats = asyncio.run(main(fn("back")))
assert res == [30_000_000 & 0xFF], res
fuel = wt.RuntimeConfig().with_async_support(yield_interval=None, yield_fuel=10_000)
r3, c3 = runtime(fuel)
m3 = r3.instantiate(c3)
res, beats = asyncio.run(main(m3.exported_function("back")))
assert res == [30_000_000 & 0xFF], res
assert asyncio.run(m3.exported_function("spin").call_async(100_000)) == [100_000]
''', timeout=120)


def test_the_host_coroutine_misbehaving() -> None:
    case('''
async def swallow(x):
    try:
        await asyncio.sleep(10)
    except asyncio.CancelledError:
        return 7  # ignores the cancellation: the call goes on, as asyncio lets it
    return x
async def own_cancel(x):
    raise asyncio.CancelledError()
async def keep_caller(caller, x):
    KEPT.append(caller)
    await asyncio.sleep(0)
    return x
KEPT = []
r2 = wt.Runtime(wt.RuntimeConfig().with_async_support())
env = r2.new_host_module_builder("env")
env.export_function("wait", [wt.ValueType.I32], [wt.ValueType.I32], swallow)
env.export_function("back", [wt.ValueType.I32], [wt.ValueType.I32], keep_caller, caller=True)
env.instantiate()
m = r2.instantiate(r2.compile_module(GUEST))
async def main():
    task = asyncio.ensure_future(m.exported_function("wait").call_async(1))
    await asyncio.sleep(0.01)
    task.cancel()
    try:
        print("swallowed:", await task)
    except asyncio.CancelledError:
        print("cancelled")
    assert await m.exported_function("back").call_async(3) == [3]
asyncio.run(main())
raises(wt.ClosedError, lambda: KEPT[0].memory)
env2 = wt.Runtime(wt.RuntimeConfig().with_async_support())
b = env2.new_host_module_builder("env")
b.export_function("wait", [wt.ValueType.I32], [wt.ValueType.I32], own_cancel)
b.export_function("back", [wt.ValueType.I32], [wt.ValueType.I32], back, caller=True)
b.instantiate()
m2 = env2.instantiate(env2.compile_module(GUEST))
try:
    asyncio.run(m2.exported_function("wait").call_async(1))
except asyncio.CancelledError:
    pass
assert asyncio.run(m2.exported_function("add").call_async(1, 1)) == [2]
''')


def test_waiting_for_a_turn_across_loops_and_cancellation() -> None:
    case('''
DELAY[0] = 0.02
results = []
def other_loop():
    async def go():
        return await asyncio.gather(*(fn("wait").call_async(i) for i in range(5)))
    results.append(asyncio.run(go()))
async def main():
    t = threading.Thread(target=other_loop)
    t.start()
    tasks = [asyncio.ensure_future(fn("wait").call_async(i)) for i in range(5)]
    await asyncio.sleep(0.03)
    tasks[2].cancel()
    tasks[3].cancel()
    done = await asyncio.gather(*tasks, return_exceptions=True)
    while t.is_alive():
        await asyncio.sleep(0.01)
    return done
done = asyncio.run(main())
assert results == [[[i + 1] for i in range(5)]], results
assert [d for d in done if not isinstance(d, BaseException)] != []
''')
