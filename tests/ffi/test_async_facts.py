"""What wasmtime 50.0.1's async C API does, measured on the real library, each case in a
child process (several abort it): the facts wt's asyncio support is built on (see
RATIONALE, "async", and wt_ffi.async_)."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="reads POSIX exit signals")

PRELUDE = '''
import ctypes
from ctypes import byref, c_bool, c_size_t, c_uint64, c_void_p
import wt_api as wt
from wt_ffi import async_, async_callback, engine, extern, func, instance, linker, store, types, val
from wt_ffi.error import error_message

r = wt.Runtime(wt.RuntimeConfig().with_epoch_interruption())  # (the yields below need epoch checks)
WAT = """(module (import "host" "h" (func $h (param i32) (result i32)))
  (func (export "g") (param i32) (result i32) (call $h (local.get 0)))
  (func (export "spin") (param i64) (result i64) (local i64)
    (loop $l (local.set 1 (i64.add (local.get 1) (i64.const 1))) (br_if $l (i64.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func (export "plain") (result i32) (i32.const 42)))"""

def fresh_store():
    s = r._engine.new_store()
    return s, s.context

def call_async(ctx, f, args, nres):
    a = (val.wasmtime_val_t * max(len(args), 1))(*[val.new_val(k, v) for k, v in args])
    res = (val.wasmtime_val_t * max(nres, 1))()
    trap, err = c_void_p(), c_void_p()
    fut = async_.wasmtime_func_call_async(ctx, byref(f), a, len(args), res, nres, byref(trap), byref(err))
    return fut, (a, res, trap, err)

def instantiate(s, items):
    arr = (extern.wasmtime_extern_t * max(len(items), 1))(*items)
    inst, trap = instance.wasmtime_instance_t(), c_void_p()
    compiled = r.compile_module(WAT)
    s.keep.append(compiled)
    err = instance.wasmtime_instance_new(s.context, compiled._handle.get(), arr, len(items), byref(inst),
                                         byref(trap))
    assert not err and not trap.value
    def export(name):
        item = extern.wasmtime_extern_t()
        assert instance.wasmtime_instance_export_get(s.context, byref(inst), name.encode(), len(name), byref(item))
        return item.of.func
    return export

def sync_host(s):
    cb = func.UNCHECKED_CALLBACK(lambda env, caller, slots, n: 0)
    ft = types.new_functype(r._engine._handle.get(), types.FuncType((types.ValType(0),), (types.ValType(0),)))
    f = extern.wasmtime_func_t()
    func.wasmtime_func_new_unchecked(s.context, ft, cb, None, store.FINALIZER(), byref(f))
    s.keep.append(cb)
    return extern.extern_of(f, extern.EXTERN_FUNC)
'''


def child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)


def test_a_store_runs_calls_as_futures_and_sync_calls_alike() -> None:
    done = child('''
        s, ctx = fresh_store()
        export = instantiate(s, [sync_host(s)])
        fut, keep = call_async(ctx, export("plain"), [], 1)
        assert async_.wasmtime_call_future_poll(fut)        # done in one poll
        async_.wasmtime_call_future_delete(fut)
        assert keep[1][0].of.i32 == 42
        slots = (val.wasmtime_val_raw_t * 1)()
        trap = c_void_p()
        assert not func.wasmtime_func_call_unchecked(s.context, byref(export("plain")), slots, 1, byref(trap))
        assert slots[0].i32 == 42 and not trap.value
        print("ok")
    ''')
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_yields_suspend_futures_fail_sync_calls_and_deleting_a_suspended_future_unwinds_it() -> None:
    done = child('''
        s, ctx = fresh_store()
        export = instantiate(s, [sync_host(s)])
        @store.EPOCH_DEADLINE_CALLBACK
        def always_yield(context, env, delta, kind):
            delta[0] = 1
            kind[0] = store.UPDATE_DEADLINE_YIELD
            return None
        store.wasmtime_store_epoch_deadline_callback(s.ptr, always_yield, None, store.FINALIZER())
        store.wasmtime_context_set_epoch_deadline(s.context, 1)
        import threading, time
        eng = r._engine._handle.get()
        stop = threading.Event()
        def tick():  # the deadline of a resumed guest is set a tick after its resumption
            while not stop.wait(0.001):
                engine.wasmtime_engine_increment_epoch(eng)
        threading.Thread(target=tick, daemon=True).start()
        fut, keep = call_async(ctx, export("spin"), [(val.VAL_I64, 10**15)], 1)
        for _ in range(5):
            assert not async_.wasmtime_call_future_poll(fut)   # suspended at each tick
        async_.wasmtime_call_future_delete(fut)                 # unwinds it: no trap, no error written
        assert not keep[2].value and not keep[3].value
        slots = (val.wasmtime_val_raw_t * 1)()
        slots[0].i64 = 10**9
        trap = c_void_p()
        err = func.wasmtime_func_call_unchecked(s.context, byref(export("spin")), slots, 1, byref(trap))
        assert err and "without using an async wasm entrypoint" in error_message(err)
        print("ok")
    ''')
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_fuel_yields_need_fuel_and_fail_sync_calls_until_switched_off() -> None:
    done = child('''
        r2 = wt.Runtime(wt.RuntimeConfig().with_fuel_metering())
        r = r2
        s, ctx = fresh_store()
        export = instantiate(s, [sync_host(s)])
        assert not async_.wasmtime_context_fuel_async_yield_interval(s.context, 1000)
        fut, keep = call_async(ctx, export("spin"), [(val.VAL_I64, 100_000)], 1)
        polls = 1
        while not async_.wasmtime_call_future_poll(fut):
            polls += 1
        async_.wasmtime_call_future_delete(fut)
        assert polls > 10 and keep[1][0].of.i64 == 100_000
        slots = (val.wasmtime_val_raw_t * 1)()
        slots[0].i64 = 100_000
        trap = c_void_p()
        assert func.wasmtime_func_call_unchecked(s.context, byref(export("spin")), slots, 1, byref(trap))
        assert not async_.wasmtime_context_fuel_async_yield_interval(s.context, 0)
        slots[0].i64 = 100_000
        assert not func.wasmtime_func_call_unchecked(s.context, byref(export("spin")), slots, 1, byref(trap))
        r = wt.Runtime()
        s3, _ = fresh_store()
        err = async_.wasmtime_context_fuel_async_yield_interval(s3.context, 1000)
        assert err and "fuel is not configured" in error_message(err)
        print("ok")
    ''')
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


ASYNC_HOST = '''
    s, ctx = fresh_store()
    l = linker.wasmtime_linker_new(r._engine._handle.get())
    CONTINUATION = async_.CONTINUATION_CALLBACK(lambda env: True)
    @async_.ASYNC_CALLBACK
    def host(env, caller, args, nargs, results, nresults, trap_ret, cont_ret):
        results[0], results[1] = 0, args[1] + 1
        if SET_CONTINUATION:
            cont_ret[0] = ctypes.cast(CONTINUATION, c_void_p).value
            cont_ret[1] = cont_ret[2] = 0
    ft = types.new_functype(r._engine._handle.get(), types.FuncType((types.ValType(0),), (types.ValType(0),)))
    assert not async_.wasmtime_linker_define_async_func(l, b"host", 4, b"h", 1, ft, host, None, store.FINALIZER())
    item = extern.wasmtime_extern_t()
    assert linker.wasmtime_linker_get(l, s.context, b"host", 4, b"h", 1, byref(item))
    export = instantiate(s, [item])
'''


def test_an_async_host_function_completes_through_its_continuation() -> None:
    done = child("SET_CONTINUATION = True\n" + textwrap.dedent(ASYNC_HOST) + '''
fut, keep = call_async(ctx, export("g"), [(val.VAL_I32, 41)], 1)
assert async_.wasmtime_call_future_poll(fut)
async_.wasmtime_call_future_delete(fut)
assert keep[1][0].of.i32 == 42
print("ok")
''')
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


@pytest.mark.parametrize("case", ["a sync call reaching it", "a continuation left unset"])
def test_what_aborts_the_process(case: str) -> None:
    # wt never lets either happen: see _async_host (every call of such a store runs as a
    # future) and wt_ffi.async_callback (the continuation is set first thing).
    if case == "a sync call reaching it":
        code = "SET_CONTINUATION = True\n" + textwrap.dedent(ASYNC_HOST) + '''
slots = (val.wasmtime_val_raw_t * 1)()
trap = c_void_p()
func.wasmtime_func_call_unchecked(s.context, byref(export("g")), slots, 1, byref(trap))
print("survived")
'''
    else:
        code = "SET_CONTINUATION = False\n" + textwrap.dedent(ASYNC_HOST) + '''
fut, keep = call_async(ctx, export("g"), [(val.VAL_I32, 41)], 1)
async_.wasmtime_call_future_poll(fut)
print("survived")
'''
    done = child(code)
    assert done.returncode == -signal.SIGABRT, (done.returncode, done.stdout, done.stderr[-2000:])
    assert "survived" not in done.stdout
