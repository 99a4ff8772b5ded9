"""Public objects used from other threads: concurrent calls, closing while another thread
works, a Caller handed to another thread. Each must work or raise; never crash or hang."""

from __future__ import annotations

import pytest

from .child import run_in_child
from .setup import run_case

CASES = {
    "calls on one module from several threads are serialised": """
        results = []
        def worker(n):
            for i in range(300):
                results.append(add.call(n, i) == [n + i])
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for th in threads: th.start()
        for th in threads: th.join()
        assert len(results) == 1200 and all(results)
    """,
    "memory, globals and tables from another thread": """
        def worker():
            for i in range(200):
                mem.write(i, b"x"); mem.read(0, 8); g.set(i); g.get(); t.get(0); t.size()
        threads = [threading.Thread(target=worker) for _ in range(3)]
        for th in threads: th.start()
        for th in threads: th.join()
    """,
    "compiling on several threads at once": """
        done = []
        def worker():
            for _ in range(5):
                done.append(rt.compile_module(WAT))
        threads = [threading.Thread(target=worker) for _ in range(3)]
        for th in threads: th.start()
        for th in threads: th.join()
        assert len(done) == 15
    """,
    "module closed by another thread while a call is inside a host function": """
        entered, release = threading.Event(), threading.Event()
        def slow(caller, x):
            entered.set(); release.wait(10); return x
        ACTION[0] = slow
        out = []
        th = threading.Thread(target=lambda: out.append(works_or_raises(f.call, 1)))
        th.start(); entered.wait(10)
        closer = threading.Thread(target=mod.close)
        closer.start(); closer.join(0.5)
        release.set(); th.join(10); closer.join(10)
        assert not th.is_alive() and not closer.is_alive()
        raises(wt.ClosedError, add.call, 1, 2)
    """,
    "runtime closed while other threads compile and instantiate": """
        import time
        for _ in range(30):  # a race: thirty rounds make it show every time
            runtime = wt.Runtime()
            stop = threading.Event()
            def worker():
                while not stop.is_set():
                    try:
                        runtime.instantiate(runtime.compile_module('(module (memory 1))'))
                    except wt.WtError:
                        return
            threads = [threading.Thread(target=worker) for _ in range(2)]
            for th in threads: th.start()
            time.sleep(0.02)
            runtime.close(); stop.set()
            for th in threads: th.join(10)
    """,
    "a Caller used from another thread during its call": """
        def use_elsewhere(caller, x):
            out = []
            th = threading.Thread(target=lambda: out.append(works_or_raises(lambda: caller.memory)))
            th.start(); th.join(10)
            assert not th.is_alive(), "the other thread hangs on the Caller"
            return x
        ACTION[0] = use_elsewhere
        works_or_raises(f.call, 1)
    """,
}

KNOWN_DEFECTS = {}


@pytest.mark.parametrize("code", [
    pytest.param(code, id=name, marks=[pytest.mark.known_defect(KNOWN_DEFECTS[name])] if name in KNOWN_DEFECTS else [])
    for name, code in CASES.items()])
def test_from_other_threads(code: str) -> None:
    run_case(code)


def test_an_owned_handle_is_freed_once_and_never_during_a_use() -> None:
    """wt's owner of C handles (engines, compiled modules, prepared modules) takes no lock:
    threads entering and leaving it while another closes it must see it freed exactly once,
    only after the last use has left, and refused after that. The free function here is
    Python, so a thread switch may come at any step (the switch interval is a microsecond)."""
    result = run_in_child("""
        import sys, threading, time
        from wt_api._handle import Owned
        sys.setswitchinterval(1e-6)
        problems = []
        for round_ in range(80):
            active, freed, count_lock = [0], [], threading.Lock()
            def free(ptr):
                if active[0]:
                    problems.append(f"round {round_}: freed during a use")
                freed.append(ptr)
            handle = Owned(round_, free, "thing")
            started = threading.Barrier(5)
            def user():
                started.wait()
                while True:
                    try:
                        ptr = handle.enter()
                    except wt.ClosedError:
                        return
                    except Exception as exc:  # (what a broken owner raises: IndexError, ...)
                        problems.append(f"round {round_}: enter raised {exc!r}")
                        return
                    with count_lock:
                        active[0] += 1
                    if freed or ptr != round_:
                        problems.append(f"round {round_}: a use saw a freed handle")
                    with count_lock:
                        active[0] -= 1
                    handle.leave()
            threads = [threading.Thread(target=user) for _ in range(4)]
            for th in threads: th.start()
            started.wait()
            time.sleep(0.001 * (round_ % 4))  # (the users busy: closing at a different moment each round)
            handle.close(); handle.close()
            for th in threads: th.join(10)
            assert not any(th.is_alive() for th in threads)
            del handle  # (its finalizer must not free it again)
            if freed != [round_]:
                problems.append(f"round {round_}: freed {len(freed)} times")
        print(problems[:5] or "ok")
    """)
    assert result.stdout.strip() == "ok", result.stdout


def test_a_store_makes_each_container_once_whichever_threads_ask() -> None:
    """A store makes its rarely needed containers (what C uses, funcrefs, GC handles, host
    functions) on first use: threads that ask at once all get the same one, so nothing a
    thread adds is lost (a lost entry of ``keep`` would free what C still uses). The maker
    here sleeps, so every thread asks while the first is still making one."""
    result = run_in_child("""
        import threading, time
        rt = wt.Runtime()
        problems = []
        for round_, name in enumerate(("keep", "funcrefs", "gc_handles", "host_funcs") * 3):
            store = rt._engine.new_store()
            made, seen, started = [], [], threading.Barrier(8)
            kind = type(getattr(rt._engine.new_store(), name))
            def slowly():
                time.sleep(0.005)
                made.append(kind())
                return made[-1]
            def ask():
                started.wait()
                seen.append(id(store._made("_" + name, slowly)))
            threads = [threading.Thread(target=ask) for _ in range(8)]
            for th in threads: th.start()
            for th in threads: th.join(10)
            kept = getattr(store, name)
            if len(seen) != 8 or set(seen) != {id(kept)} or not any(m is kept for m in made):
                problems.append(f"round {round_}: {name}: {len(set(seen))} different containers")
            store.close()
        print(problems[:5] or "ok")
    """)
    assert result.stdout.strip() == "ok", result.stdout


def test_nothing_made_while_the_runtime_closes_stays_open() -> None:
    """Threads instantiate (plainly and prepared) while another closes the runtime: every
    instance they got back is closed once the close has returned and they have stopped (a
    runtime registers its children without a lock: the child is added before the closed
    flag is read, and the close sets the flag before it lists the children), and the
    engine is freed."""
    result = run_in_child("""
        import sys, threading, time
        sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
        leftovers, made = [], 0
        for round_ in range(30):
            rt = wt.Runtime()
            compiled = rt.compile_module('(module (func (export "f")))')
            prepared = rt.prepare(compiled)
            got, errors, go = [], [], threading.Barrier(5)
            def work(make):
                go.wait()
                try:
                    while True:
                        got.append(make())
                except wt.ClosedError:
                    pass
                except BaseException as exc:
                    errors.append(exc)
            makers = [lambda: rt.instantiate(compiled), prepared.instantiate] * 2
            threads = [threading.Thread(target=work, args=(m,)) for m in makers]
            for th in threads: th.start()
            go.wait()
            time.sleep(0.001 * (round_ % 10))  # (while they instantiate)
            rt.close()
            for th in threads: th.join(30)
            assert not errors, errors
            made += len(got)
            leftovers += [m for m in got if not m.closed]
            assert rt._engine._handle._ptr is None, "the engine outlived its runtime's close"
        assert made > 100, made
        print(f"{len(leftovers)} of {made} open" if leftovers else "ok")
    """, timeout=120)
    assert result.stdout.strip() == "ok", result.stdout


def test_a_dropped_prepared_module_leaves_its_engine_to_the_runtime() -> None:
    """A prepared module dropped without a close frees its state and holds no use of the
    engine's handle; the instance it made keeps working, and the runtime's close then
    closes it and frees the engine."""
    result = run_in_child("""
        import gc
        rt = wt.Runtime()
        prepared = rt.prepare(rt.compile_module('(module (func (export "f")))'))
        module = prepared.instantiate()
        del prepared
        gc.collect()
        assert rt._engine._handle._uses == [], rt._engine._handle._uses
        f = module.exported_function("f")
        assert f is not None and f.call() == []
        rt.close()
        assert rt._engine._handle._ptr is None
        assert module.closed
        print("ok")
    """)
    assert result.stdout.strip() == "ok", result.stdout


def test_threads_closing_one_runtime_at_once_close_it_once() -> None:
    """Threads close one runtime at once (its close takes no lock): every module and the
    engine are closed, and the engine's close is counted once (the Ctrl-C machinery counts
    open runtimes and puts Python's handler back after the last). First deterministically:
    one close is held at the point where the engine's handle is being closed while another
    runs whole; then eight threads at once."""
    result = run_in_child("""
        import sys, threading
        from wt_api import _sigint, _engine, _handle
        before = set(_sigint._sigint._runtimes)
        rt = wt.Runtime()
        held, resume = threading.Event(), threading.Event()
        def hold(frame, event, arg):
            if (event == "call" and frame.f_code is _handle.Owned.close.__code__
                    and frame.f_back.f_code is _engine.Engine.close.__code__ and not held.is_set()):
                held.set()
                resume.wait(10)
        def first():
            sys.setprofile(hold)
            rt.close()
        a = threading.Thread(target=first)
        a.start()
        assert held.wait(10)
        rt.close()  # runs whole while the first is held
        resume.set()
        a.join(10)
        assert _sigint._sigint._runtimes == before, (_sigint._sigint._runtimes, before)
        sys.setswitchinterval(1e-6)
        for round_ in range(50):
            rt = wt.Runtime()
            compiled = rt.compile_module('(module (func (export "f")))')
            modules = [rt.instantiate(compiled) for _ in range(round_ % 3)]
            go = threading.Barrier(8)
            def close():
                go.wait()
                rt.close()
            threads = [threading.Thread(target=close) for _ in range(8)]
            for th in threads: th.start()
            for th in threads: th.join(30)
            assert all(m.closed for m in modules) and compiled.closed
            assert rt._engine._handle._ptr is None
        assert _sigint._sigint._runtimes == before, (_sigint._sigint._runtimes, before)
        print("ok")
    """)
    assert result.stdout.strip() == "ok", result.stdout


def test_a_host_shared_memory_outlives_the_instantiations_that_clone_it() -> None:
    """One thread instantiates a module importing a host module's shared memory while
    another closes the runtime (and with it the host module): each instantiation clones
    the memory's handle, and the close frees it only after a clone in progress (before, the
    close freed it under the clone: a segfault in every run of 3,000 rounds)."""
    result = run_in_child("""
        import sys, threading
        sys.setswitchinterval(1e-6)
        made = refused = 0
        for round_ in range(1000):
            rt = wt.Runtime()
            builder = rt.new_host_module_builder("host")
            builder.export_memory("sm", 1, 2, shared=True)
            builder.instantiate()
            compiled = rt.compile_module('(module (import "host" "sm" (memory 1 2 shared)))')
            go, started = threading.Barrier(2), threading.Event()
            def instantiate():
                global made, refused
                go.wait()
                for i in range(20):
                    try:
                        rt.instantiate(compiled)
                        made += 1
                    except wt.WtError:
                        refused += 1
                    if i == round_ % 5:
                        started.set()
            def close():
                go.wait()
                started.wait(1)
                rt.close()
            threads = [threading.Thread(target=instantiate), threading.Thread(target=close)]
            for th in threads: th.start()
            for th in threads: th.join(30)
        assert made > 1000 and refused > 1000, (made, refused)
        print("ok")
    """, timeout=120)
    assert result.stdout.strip() == "ok", result.stdout
