"""Every public object used after it, or what owns it, was closed: a clear error
(ClosedError, or LinkError where linking is refused), never a crash."""

from __future__ import annotations

import signal

import pytest

from .child import run_in_child
from .setup import run_case

CASES = {
    "runtime: compile, instantiate, host modules": """
        rt.close()
        raises(wt.ClosedError, rt.compile_module, WAT)
        raises(wt.ClosedError, rt.instantiate, cm)
        raises(wt.ClosedError, rt.new_host_module_builder, "other")
        rt.close()  # idempotent
    """,
    "runtime: every export of its modules": """
        rt.close()
        raises(wt.ClosedError, add.call, 1, 2)
        raises(wt.ClosedError, f.call, 1)
        raises(wt.ClosedError, mem.read, 0, 1)
        raises(wt.ClosedError, mem.write, 0, b"x")
        raises(wt.ClosedError, mem.grow, 1)
        raises(wt.ClosedError, g.get)
        raises(wt.ClosedError, g.set, 1)
        raises(wt.ClosedError, t.get, 0)
        raises(wt.ClosedError, t.grow, 1)
        raises(wt.ClosedError, cm.serialize)
    """,
    "module: every export": """
        mod.close()
        raises(wt.ClosedError, add.call, 1, 2)
        raises(wt.ClosedError, mem.read, 0, 1)
        raises(wt.ClosedError, g.set, 1)
        raises(wt.ClosedError, t.size)
        raises(wt.ClosedError, mod.exported_function, "add")
        mod.close()  # idempotent
    """,
    "module sharing its store with others: its own exports close with it": """
        named = rt.instantiate(cm, wt.ModuleConfig().with_name("shared"))
        importer = rt.instantiate(rt.compile_module(
            '(module (import "shared" "add" (func (param i32 i32) (result i32))) (func (export "x")))'))
        fn, m2 = named.exported_function("add"), named.exported_memory("memory")
        named.close()
        raises(wt.ClosedError, fn.call, 1, 2)
        raises(wt.ClosedError, fn.call_with_timeout, 1.0, 1, 2)
        raises(wt.ClosedError, m2.read, 0, 1)
        importer.exported_function("x").call()  # the store lives on for the importer
    """,
    "module: a view taken before close stays usable": """
        view = mem.view(0, 16)
        mod.close()
        view[0] = 7
        assert view[0] == 7
        del view
    """,
    "compiled module: its instances keep working, new ones are refused": """
        cm.close()
        assert add.call(2, 3) == [5]
        raises(wt.ClosedError, rt.instantiate, cm)
        raises(wt.ClosedError, cm.serialize)
    """,
    "host module: importers already made keep working, new ones cannot link": """
        host.close()
        works_or_raises(f.call, 1)
        raises(wt.WtError, rt.instantiate, rt.compile_module(WAT))
    """,
    "function of a closed runtime passed to another runtime": """
        other = wt.Runtime()
        om = other.instantiate(other.compile_module(WAT.replace('(import "host" "cb" (func $cb (param i32) (result i32)))',
            '(func $cb (param i32) (result i32) (local.get 0))')))
        rt.close()
        raises(wt.WasmArgumentError, om.exported_function("call_ref").call, f)
    """,
    "funcref value of a closed runtime passed to another runtime": """
        other = wt.Runtime()
        om = other.instantiate(other.compile_module(WAT.replace('(import "host" "cb" (func $cb (param i32) (result i32)))',
            '(func $cb (param i32) (result i32) (local.get 0))')))
        raw = t.get(0)
        rt.close()
        raises(wt.WasmArgumentError, om.exported_function("call_ref").call, raw)
    """,
    "compilation cache: a runtime using a closed cache": """
        cache = wt.CompilationCache()
        cached = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache))
        cached.compile_module(WAT)
        cache.close()
        works_or_raises(cached.compile_module, WAT)
        cache.close()  # idempotent
    """,
}

KNOWN_DEFECTS = {}


@pytest.mark.parametrize("code", [
    pytest.param(code, id=name, marks=[pytest.mark.known_defect(KNOWN_DEFECTS[name])] if name in KNOWN_DEFECTS else [])
    for name, code in CASES.items()])
def test_use_after_close(code: str) -> None:
    run_case(code)


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="setitimer is POSIX")
def test_a_signal_handler_that_closes_the_runtime_leaves_no_instance_open() -> None:
    """A signal handler closes the runtime at some point of an instantiation (a timer fires
    every 0.1 ms; the handler closes on its 3rd to 9th tick): every instance made before is
    closed. Before the runtime registered its children without a lock, a close inside the
    registration (the lock was reentrant) left 7-8 open in 200 rounds."""
    result = run_in_child("""
        import signal
        leftovers = made = 0
        for round_ in range(200):
            rt = wt.Runtime()
            compiled = rt.compile_module('(module (func (export "f")))')
            prepared = rt.prepare(compiled)
            ticks = [0]
            def handler(signum, frame):
                ticks[0] += 1
                if ticks[0] == 3 + round_ % 7:
                    rt.close()
            signal.signal(signal.SIGALRM, handler)
            got = []
            signal.setitimer(signal.ITIMER_REAL, 0.0001, 0.0001)
            try:
                while True:
                    got.append(rt.instantiate(compiled) if len(got) % 2 else prepared.instantiate())
            except wt.ClosedError:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0, 0)
            made += len(got)
            leftovers += sum(not m.closed for m in got)
        assert made > 100, made  # (fewer under emulation, where each instantiation is slower)
        print(f"{leftovers} of {made} open" if leftovers else "ok")
    """, timeout=120)
    assert result.stdout.strip() == "ok", result.stdout


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="setitimer is POSIX")
def test_signal_handlers_closing_the_runtime_inside_its_close_do_not_pile_up() -> None:
    """A timer's handler closes the runtime every 0.5 ms while the runtime's own close of
    3,000 instances runs (a watchdog): each close inside another closes only what is left,
    so they do not nest without end (a close that redid everything once nested 470 deep
    and raised RecursionError), and a close after the end returns at once."""
    result = run_in_child("""
        import signal, time
        rt = wt.Runtime()
        compiled = rt.compile_module('(module (func (export "f")))')
        modules = [rt.instantiate(compiled) for _ in range(3000)]
        depth, deepest = [0], [0]
        def handler(signum, frame):
            depth[0] += 1
            deepest[0] = max(deepest[0], depth[0])
            try:
                rt.close()
            finally:
                depth[0] -= 1
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.0005, 0.0005)
        try:
            rt.close()
            end = time.monotonic() + 0.5
            while time.monotonic() < end:
                rt.close()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
        assert all(m.closed for m in modules) and compiled.closed
        assert rt._engine._handle._ptr is None
        assert deepest[0] < 5, deepest[0]
        print("ok")
    """, timeout=120)
    assert result.stdout.strip() == "ok", result.stdout


def test_a_runtime_closed_by_atexit_closes_what_it_made() -> None:
    """``atexit.register(runtime.close)``: C calls close with no Python frame above it (the
    check for a close already running on the thread reads the stack from close's caller)."""
    result = run_in_child("""
        import atexit
        rt = wt.Runtime()
        module = rt.instantiate(rt.compile_module('(module (func (export "f")))'))
        atexit.register(lambda: print("closed" if module.closed else "open"))
        atexit.register(rt.close)  # (runs first: last in, first out)
    """)
    assert result.stdout.strip() == "closed", result.stdout + result.stderr
