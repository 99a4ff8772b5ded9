"""What the process around wasm can do: signal handlers that raise, threads with small
stacks, fork, guest output writers that touch their own instance, odd files in a cache
directory. Each case runs in a child process: a crash or a hang fails the test."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from .child import run_in_child

HOST_LOOP = '''
import signal
r = wt.Runtime(CONFIG)
hb = r.new_host_module_builder("env")
hb.export_function("tick", [wt.ValueType.I32], [wt.ValueType.I32], lambda x: x + 1)
hb.instantiate()
m = r.instantiate(r.compile_module("""(module (import "env" "tick" (func $t (param i32) (result i32)))
  (func (export "spin") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (call $t (local.get 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "busy") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))"""))
spin, busy = m.exported_function("spin"), m.exported_function("busy")

class Alarm(Exception):
    pass

def handler(signum, frame):
    raise Alarm()

signal.signal(signal.SIGALRM, handler)
'''


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="setitimer is POSIX")
@pytest.mark.parametrize("config", ["wt.RuntimeConfig()", "wt.RuntimeConfig().with_epoch_interruption()"],
                         ids=["default", "interruptible"])
def test_a_raising_signal_handler_during_host_calls_comes_out_of_the_call(config: str) -> None:
    result = run_in_child(HOST_LOOP.replace("CONFIG", config) + '''
alarms = finished = 0
for i in range(150):
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.0003 + (i % 5) * 0.0002)
            assert spin.call(4000) == [4000]
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finished += 1
    except Alarm:
        alarms += 1
assert spin.call(10) == [10]  # the instance stays usable
print("alarms", alarms, "finished", finished)
''', timeout=120)
    alarms = int(result.stdout.split()[1])
    assert alarms > 0, result.stdout
    assert "Exception ignored" not in result.stderr, result.stderr


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="setitimer is POSIX")
def test_a_raising_signal_handler_during_timed_calls_comes_out_of_the_call() -> None:
    result = run_in_child(HOST_LOOP.replace("CONFIG", "wt.RuntimeConfig().with_epoch_interruption()") + '''
seen = {"alarm": 0, "timeout": 0}
for i in range(400):
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.001 + (i % 7) * 0.0003)
            busy.call_with_timeout(0.0015, 2_000_000_000)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Alarm:
        seen["alarm"] += 1
    except wt.WasmTimeoutError:
        seen["timeout"] += 1
    if i % 20 == 0:  # wherever the handler raised, no deadline is left behind
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        assert busy.call(10) == [10]
        signal.signal(signal.SIGALRM, handler)
print(seen)
''', timeout=120)
    # One report is CPython's own, not wt's: a handler that raises while Thread.start()
    # waits for the deadline timer's thread makes that thread's bootstrap fail on CPython's
    # bookkeeping ("del _limbo[self]": KeyError); wt then starts another timer (seen once
    # under aarch64 emulation, where start() waits longest).
    reports = [part for part in result.stderr.split("Exception ignored")[1:]
               if not ("wt-deadline-timer" in part and "del _limbo[self]" in part)]
    assert not reports, result.stderr


@pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="POSIX signals")
def test_a_handler_raising_at_a_host_functions_entry_after_a_trap() -> None:
    # The signal arrives while wasm spins, so the first Python code to run is the host
    # function's trampoline: its entry must not raise (ctypes would hand wasmtime the stale
    # result slot, here the trap of the call before, and the process would abort).
    result = run_in_child('''
import os, signal, threading
r = wt.Runtime()
hb = r.new_host_module_builder("env")
state = {"raise": False}
class Boom(Exception): pass
def tick(x):
    if state["raise"]:
        raise Boom()
    return x + 1
hb.export_function("tick", [wt.ValueType.I32], [wt.ValueType.I32], tick)
hb.instantiate()
m = r.instantiate(r.compile_module("""(module (import "env" "tick" (func $t (param i32) (result i32)))
  (func (export "run") (param i32) (result i32) (local i32)
    (loop $l (local.set 1 (i32.add (local.get 1) (i32.const 1))) (br_if $l (i32.lt_u (local.get 1) (local.get 0))))
    (call $t (local.get 1))))"""))
run = m.exported_function("run")
class Alarm(Exception): pass
def handler(signum, frame): raise Alarm()
signal.signal(signal.SIGUSR1, handler)
alarms = 0
for i in range(20):
    state["raise"] = True
    try:
        run.call(10)
    except Boom:
        pass
    state["raise"] = False
    timer = threading.Timer(0.005, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        timer.start()
        run.call(300_000_000)
        timer.join()
    except Alarm:
        alarms += 1
    timer.join()
assert run.call(5) == [6]
print(alarms)
''', timeout=120)
    assert int(result.stdout.split()[-1]) > 0, result.stdout
    assert "Exception ignored" not in result.stderr, result.stderr


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="setitimer is POSIX")
def test_a_handler_raising_anywhere_in_wt_leaves_no_store_locked() -> None:
    # The handler raises only in wt's own frames, at random instructions of lookups, calls
    # and memory reads: whatever it interrupts, another thread can use the instance after.
    result = run_in_child('''
import os, signal, threading
import wt_ffi.epoch
WT = (os.path.dirname(wt.__file__), os.path.dirname(wt_ffi.epoch.__file__), "<wt")
class Alarm(Exception): pass
def handler(signum, frame):
    if frame is not None and frame.f_code.co_filename.startswith(WT):
        raise Alarm()
signal.signal(signal.SIGALRM, handler)
r = wt.Runtime()
m = r.instantiate(r.compile_module('(module (func (export "f") (param i32) (result i32) local.get 0)'
                                   ' (memory (export "memory") 1) (global (export "g") (mut i32) (i32.const 4)))'))
alarms = 0
for i in range(6000):
    try:
        try:
            signal.setitimer(signal.ITIMER_REAL, 0.00002 + (i % 13) * 0.00003)
            for _ in range(10):  # wt's code for longer than the timer's range (newer Pythons are quick)
                m.exported_function("f").call(1)
                m.exported_memory("memory").read(0, 4)
                m.exported_global("g").get()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except Alarm:
        alarms += 1
signal.signal(signal.SIGALRM, signal.SIG_IGN)
out = []
t = threading.Thread(target=lambda: out.append(m.exported_function("f").call(3)), daemon=True)
t.start(); t.join(20)
assert out == [[3]], "another thread could not use the instance: a store lock was left held"
print(alarms)
''', timeout=180)
    assert int(result.stdout.split()[-1]) > 0, result.stdout


def test_a_thread_whose_stack_is_too_small_gets_a_clear_error() -> None:
    run_in_child('''
import threading
r = wt.Runtime()
m = r.instantiate(r.compile_module('(module (func $f (export "f") (param i32) (result i32)'
                                   ' (call $f (i32.add (local.get 0) (i32.const 1)))))'))
f = m.exported_function("f")
out = []
def go():
    try:
        f.call(0)
    except wt.ConfigError as exc:
        out.append(str(exc))
    except wt.Trap as exc:
        out.append(exc.code)
threading.stack_size(256 * 1024)
t = threading.Thread(target=go); t.start(); t.join()
assert "too small" in out[0] and "threading.stack_size" in out[0], out
threading.stack_size(4 << 20)  # room for wasm's 512 KiB and the host: deep recursion traps
t = threading.Thread(target=go); t.start(); t.join()
assert out[1] == wt.TrapCode.STACK_OVERFLOW, out
# A runtime whose wasm stack fits the small thread works there too.
threading.stack_size(512 * 1024)
small = wt.Runtime(wt.RuntimeConfig().with_max_wasm_stack(128 * 1024))
g = small.instantiate(small.compile_module('(module (func $f (export "f") (param i32) (result i32)'
                                           ' (call $f (i32.add (local.get 0) (i32.const 1)))))')).exported_function("f")
f = g
t = threading.Thread(target=go); t.start(); t.join()
assert out[2] == wt.TrapCode.STACK_OVERFLOW, out
''')


def test_a_small_thread_is_checked_even_where_a_big_one_ran_before() -> None:
    # Calls remember the threads known to have room (by ident); a thread's ident leaves
    # that record when the thread ends, so a later thread that reuses it is measured again.
    run_in_child('''
import threading
from wt_api import _store
r = wt.Runtime()
f = r.instantiate(r.compile_module('(module (func (export "f") (result i32) i32.const 1))')).exported_function("f")
seen = []
def go():
    try:
        seen.append(f.call())
    except wt.ConfigError:
        seen.append("small")
for i in range(40):
    threading.stack_size(4 << 20 if i % 2 == 0 else 256 * 1024)
    t = threading.Thread(target=go); t.start(); t.join()
assert seen == [[1], "small"] * 20, seen
assert not any(t_ident != threading.get_ident() for idents in _store.FITS.values() for t_ident in idents), _store.FITS
''')


@pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")
def test_after_fork_a_new_runtime_works_and_the_old_one_says_why_not() -> None:
    run_in_child('''
import os
r = wt.Runtime()
cm = r.compile_module('(module (func (export "f") (result i32) i32.const 7))')
m = r.instantiate(cm)
pid = os.fork()
if pid == 0:
    code = 0
    try:
        r.compile_module("(module)")
        code = 3
    except wt.ClosedError as exc:
        if "fork" not in str(exc):
            code = 4
    new = wt.Runtime()
    if new.instantiate(new.compile_module('(module (func (export "f") (result i32) i32.const 8))')) \\
            .exported_function("f").call() != [8]:
        code = 5
    os._exit(code)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
assert m.exported_function("f").call() == [7]  # the parent is unaffected
''', timeout=120)


WASI_WRITE = r'''
from wt_wasi import WASIConfig
WAT = """(module (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1) (data (i32.const 16) "hello\\n")
  (func (export "go") (result i32) (i32.store (i32.const 0) (i32.const 16)) (i32.store (i32.const 4) (i32.const 6))
    (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"""
r = wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig()))
'''


def test_a_guest_output_writer_that_uses_its_own_instance_gets_an_error_not_a_deadlock() -> None:
    run_in_child(WASI_WRITE + '''
holder, seen = {}, []
def writer(data):
    try:
        holder["m"].exported_memory("memory").read(16, 5)
    except wt.WtError as exc:
        seen.append(str(exc))
    try:
        holder["m"].exported_function("go").call()
    except wt.WtError as exc:
        seen.append(str(exc))
m = r.instantiate_with_wasi(r.compile_module(WAT), wt.ModuleConfig().with_stdout(writer))
holder["m"] = m
assert m.exported_function("go").call() == [0]
assert len(seen) == 2 and all("busy" in s for s in seen), seen
''', timeout=60)


@pytest.mark.parametrize("what", ["module", "runtime"])
def test_a_guest_output_writer_that_closes_its_module_or_runtime_does_not_deadlock(what: str) -> None:
    # The writer runs while the call waits for it, holding the store: closing there used to
    # wait for that lock for ever. The module closes at once, the call returns, and the
    # store is freed after it.
    run_in_child(WASI_WRITE + f'''
holder = {{}}
def writer(data):
    holder["m"].close() if {what!r} == "module" else r.close()
m = r.instantiate_with_wasi(r.compile_module(WAT), wt.ModuleConfig().with_stdout(writer))
holder["m"] = m
assert m.exported_function("go").call() == [0]
assert m.closed
try:
    m.exported_function("go")
    raise SystemExit("a closed module answered")
except wt.ClosedError:
    pass
''', timeout=60)


def test_a_guest_output_writer_cannot_run_wasi_code() -> None:
    # Writers run in wasmtime's own I/O runtime, where a WASI call of another instance (or
    # a new WASI instance) aborted the process: both are refused.
    run_in_child(WASI_WRITE + '''
other = r.instantiate_with_wasi(r.compile_module(WAT), wt.ModuleConfig().with_stdout(lambda data: None))
seen = []
def writer(data):
    for attempt in (lambda: other.exported_function("go").call(),
                    lambda: r.instantiate_with_wasi(r.compile_module(WAT))):
        try:
            attempt()
        except wt.WtError as exc:
            seen.append(str(exc))
m = r.instantiate_with_wasi(r.compile_module(WAT), wt.ModuleConfig().with_stdout(writer))
assert m.exported_function("go").call() == [0]
assert len(seen) == 2 and all("cannot run WASI code" in s for s in seen), seen
assert other.exported_function("go").call() == [0]  # after the call: fine
''', timeout=60)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_as_the_guests_stdin_is_refused_not_opened(tmp_path: Path) -> None:
    # wasmtime opens a stdin path inside C: a FIFO without a writer blocked there for ever,
    # where no signal handler (Ctrl-C) runs.
    fifo = tmp_path / "in"
    os.mkfifo(fifo)
    run_in_child(WASI_WRITE + f'''
try:
    r.instantiate_with_wasi(r.compile_module(WAT), wt.ModuleConfig().with_stdin({str(fifo)!r}))
    raise SystemExit("a FIFO was taken")
except wt.ConfigError as exc:
    assert "FIFO" in str(exc), exc
''', timeout=60)


def test_args_and_env_that_are_not_unicode_text_are_a_config_error() -> None:
    run_in_child(WASI_WRITE + '''
import os
for make in (lambda: wt.ModuleConfig().with_args("caf\\udce9"), lambda: wt.ModuleConfig().with_env("K", "\\udce9"),
             lambda: wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_args("caf\\udce9")))):
    try:
        target = make()
        if isinstance(target, wt.Runtime):
            target.instantiate_with_wasi(target.compile_module(WAT))
        else:
            r.instantiate_with_wasi(r.compile_module(WAT), target)
        raise SystemExit("a surrogate was taken")
    except wt.ConfigError as exc:
        assert "UTF-8" in str(exc), exc
os.environ["WT_NOT_UTF8"] = "caf\\udce9"  # what os.environ holds for the bytes b"caf\\xe9"
inherit = wt.Runtime(wt.RuntimeConfig().with_wasi(WASIConfig().with_inherit_env()))
assert inherit.instantiate_with_wasi(inherit.compile_module(WAT)).exported_function("go").call() == [0]
''', timeout=60)


def test_a_raw_writer_that_reports_nonsense_is_an_error_not_a_loop() -> None:
    run_in_child(WASI_WRITE + '''
import io
class Liar(io.RawIOBase):
    def writable(self): return True
    def write(self, b): return -1
m = r.instantiate_with_wasi(r.compile_module(WAT), wt.ModuleConfig().with_stdout(Liar()))
try:
    m.exported_function("go").call()
    raise SystemExit("no error")
except OSError as exc:
    assert "returned -1" in str(exc), exc
''', timeout=60)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
@pytest.mark.parametrize("kind", ["fifo", "directory", "full directory"])
def test_a_cache_entry_that_is_not_a_regular_file_is_never_trusted(tmp_path: Path, kind: str) -> None:
    run_in_child(f'''
import os
from pathlib import Path
WAT = '(module (func (export "f") (result i32) i32.const 5))'
directory = Path({str(tmp_path / "cache")!r})
cache = wt.CompilationCache.with_dir(directory)
r = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
r.compile_module(WAT).close()
(entry,) = directory.glob("*.wtc")
entry.unlink()
for stamp in directory.glob("*.stamp"):
    stamp.unlink()
if {kind!r} == "fifo":
    os.mkfifo(entry)
else:
    entry.mkdir()
    if {kind!r} == "full directory":
        (entry / "x").write_text("x")
for _ in range(2):
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as fresh:
        assert fresh.instantiate(fresh.compile_module(WAT)).exported_function("f").call() == [5]
''', timeout=60)


def test_a_guest_path_must_be_normalised() -> None:
    import wt_api as wt

    here = str(Path(__file__).parent)
    for bad in ("../x", "a/../b", "/tmp/", "./x", "a//b", "..", "x\0y"):
        with pytest.raises(wt.ConfigError, match="normalised|NUL"):
            wt.ModuleConfig().with_preopen_dir(here, bad)
    for good in (".", "/", "x", "/data/in", "a/b"):
        assert wt.ModuleConfig().with_preopen_dir(here, good).preopens[0][1] == good
