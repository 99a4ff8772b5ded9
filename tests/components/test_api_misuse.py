"""Hostile and careless use of components through wt_api, each case in a child process: a
crash or a hang fails the case, never the test runner. What must hold: wt raises its errors
(or the caller's own exceptions), and the process survives."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from misuse.child import run_in_child
from . import build as builder

TESTS = Path(__file__).resolve().parent.parent

SETUP = '''
import gc, io, math, os, random, signal, sys, threading, time
sys.path.insert(0, {tests!r})
from components import wat
from components.conftest import Blob, KitchenHost
CACHE = wt.CompilationCache.with_dir({cache!r})
rt = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(CACHE))
KITCHEN = {kitchen!r}
kc = rt.compile_component_file(KITCHEN)
host = KitchenHost()

def kitchen():
    return rt.instantiate_component_with_wasi(kc, imports={{"host": host}})

inst = kitchen()
v, o, e = inst.exports.values, inst.exports.objects, inst.exports

def raises(expected, fn, *args):
    try:
        fn(*args)
    except expected:
        return
    except BaseException as exc:
        raise SystemExit(f"{{fn!r}}{{args!r}} raised {{type(exc).__name__}}: {{exc}}, not {{expected}}")
    raise SystemExit(f"{{fn!r}}{{args!r}} did not raise {{expected}}")
'''


@pytest.fixture(scope="module")
def case(component_path: Callable[[str], Path]) -> Callable[[str], Any]:
    setup = SETUP.format(tests=str(TESTS), cache=str(builder.cache_dir() / "wt-compiled"),
                         kitchen=str(component_path("kitchen")))

    def run(code: str, timeout: float = 120.0) -> Any:
        return run_in_child(setup + textwrap.dedent(code) + "\nprint('survived')\n", timeout=timeout)
    return run


def test_a_barrage_of_hostile_values(case: Callable[[str], Any]) -> None:
    result = case('''
        dead = o.Counter(1); dead.drop()
        moved = o.Counter(2); o.consume(moved)
        POOL = [None, True, -1, 0, 2**31, 2**32, 2**64, -2**64, 2**1000, math.nan, math.inf, 1e308, "", "\\ud800",
                "x\\udfffy", "ok", "\\U0010ffff", b"\\xff\\xfe", bytearray(3), object(), [], [None], ["\\ud800"],
                [2**70], (1, "\\ud800", 1.0), {"x": "\\ud800", "y": 1}, {"x": 1}, {"x": 2**40, "y": 0}, set(),
                {"read", "\\ud800"}, wt.Ok("\\ud800"), wt.Err(object()), wt.Some(wt.Some(1)), wt.Some("\\ud800"),
                dead, moved, Blob(b"x"), v.Shape.Circle(math.nan), v.Shape.Circle("x"), v.Color.RED, v.Perms.READ,
                v.Point(1, "\\ud800"), v.Person("\\udc80", 300, [], None, 1.0), lambda: None, Ellipsis]
        rng = random.Random(15)
        calls = refused = 0
        for _ in range(3000):
            target = rng.choice([v, o, e])
            name = rng.choice([n for n in dir(target) if not n.startswith("_") and n[0].islower()])
            fn = getattr(target, name)
            if not callable(fn) or name in ("fail", "wit_name"):
                continue
            args = [rng.choice(POOL) for _ in range(rng.randrange(0, 4))]
            calls += 1
            try:
                fn(*args)
            except (wt.WtError, TypeError, ValueError, wt.Err):
                refused += 1
            if inst.function("version") is None:
                break
            try:
                e.version()
            except wt.WasmRuntimeError:  # a valid call that failed: start again
                inst = kitchen(); v, o, e = inst.exports.values, inst.exports.objects, inst.exports
        print(calls, refused)
        assert e.version() == "kitchen 0.1.0" and v.add(1, 2) == 3
    ''')
    assert "survived" in result.stdout


def test_dropped_moved_and_foreign_handles(case: Callable[[str], Any]) -> None:
    case('''
        c = o.Counter(1)
        c.drop(); c.drop()
        raises(wt.WasmArgumentError, c.get)
        raises(wt.WasmArgumentError, o.total, c, c)
        m = o.Counter.make(2)
        assert o.consume(m) == 2
        raises(wt.WasmArgumentError, o.consume, m)
        raises(wt.WasmArgumentError, m.increment, 1)
        other = kitchen()
        mine = o.Counter(3)
        raises(wt.WasmArgumentError, other.exports.objects.consume, mine)
        raises(wt.WasmArgumentError, other.exports.objects.total, mine, other.exports.objects.Counter(1))
        borrowed = []
        assert mine.get() == 3 and other.exports.objects.Counter(4).get() == 4
        other.close()
        kept = [o.Counter(i) for i in range(50)]
        inst.close()
        for k in kept[:10]:
            k.drop()
            raises(wt.ClosedError, k.get)
        rt.close()
        del kept, mine
        gc.collect()
    ''')


def test_calls_after_close(case: Callable[[str], Any]) -> None:
    case('''
        add = v.add
        counter = o.Counter(1)
        inst.close(); inst.close()
        raises(wt.ClosedError, add, 1, 2)
        raises(wt.ClosedError, lambda: inst.exports)
        raises(wt.ClosedError, inst.function, "version")
        raises(wt.ClosedError, counter.increment, 1)
        again = kitchen()
        assert again.exports.values.add(1, 2) == 3
        kc.close()
        assert again.exports.values.add(2, 2) == 4  # an instance outlives its compiled component
        assert again.exports.values.echo_s8(-5) == -5  # even a function first read after the close
        assert again.exports.objects.Counter(3).get() == 3
        raises(wt.ClosedError, kitchen)
        raises(wt.ClosedError, kc.serialize)
        add_again = again.exports.values.add
        rt.close()
        raises(wt.ClosedError, add_again, 1, 1)
        raises(wt.ClosedError, lambda: again.exports)
        raises(wt.ClosedError, rt.compile_component, wat.STRINGS)
    ''')


def test_host_functions_that_raise_or_close_things(case: Callable[[str], Any]) -> None:
    case('''
        class Trouble(KitchenHost):
            action = None
            def add(self, a, b):
                return Trouble.action(a, b)

        def fresh():
            return rt.instantiate_component_with_wasi(kc, imports={"host": Trouble()})

        for exc in (KeyboardInterrupt(), SystemExit(3), MemoryError(), RecursionError()):
            i = fresh()
            def throw(a, b, exc=exc): raise exc
            Trouble.action = throw
            raises(type(exc), i.exports.call_add, 1, 2)
            raises(wt.WasmRuntimeError, i.exports.version)

        i = fresh()
        Trouble.action = lambda a, b: i.close() or 7
        try:
            print("closed inside:", i.exports.call_add(1, 2))
        except wt.ClosedError:
            pass
        raises(wt.ClosedError, lambda: i.exports.version())

        other_rt = wt.Runtime(wt.RuntimeConfig().with_compilation_cache(CACHE))
        j = other_rt.instantiate_component_with_wasi(other_rt.compile_component_file(KITCHEN),
                                                     imports={"host": Trouble()})
        Trouble.action = lambda a, b: other_rt.close() or 1
        try:
            j.exports.call_add(1, 2)
        except wt.ClosedError:
            pass
        raises(wt.ClosedError, lambda: j.exports.version())

        i = fresh()
        handle = i.exports.objects.Counter(1)
        Trouble.action = lambda a, b: handle.drop() or 0
        raises(wt.WasmRuntimeError, i.exports.call_add, 1, 2)

        class Fragile(Blob):
            def __exit__(self, *exc_info):
                raise RuntimeError("the destructor failed")
        class FragileHost(KitchenHost):
            Blob = Fragile
        k = rt.instantiate_component_with_wasi(kc, imports={"host": FragileHost()})
        raises(RuntimeError, k.exports.blob_size, b"abc")

        class Stubborn(Blob):
            made = None
            def __new__(cls, init):
                if Stubborn.made is None:
                    Stubborn.made = object.__new__(cls)
                return Stubborn.made
        class StubbornHost(KitchenHost):
            Blob = Stubborn
        s = rt.instantiate_component_with_wasi(kc, imports={"host": StubbornHost()})
        first = s.exports.blob_make(b"a")  # the guest made it and gave it back: the host owns it
        raises(wt.WasmArgumentError, s.exports.blob_take, "not a blob")
    ''')


def test_threads_sharing_one_instance(case: Callable[[str], Any]) -> None:
    case('''
        errors = []
        def hammer(seed):
            rng = random.Random(seed)
            try:
                for _ in range(2000):
                    if rng.random() < 0.5:
                        assert v.add(seed, 1) == seed + 1
                    else:
                        with o.Counter(seed) as c:
                            assert c.increment(1) == seed + 1
            except wt.ClosedError:
                pass
            except BaseException as exc:
                errors.append(exc)
        threads = [threading.Thread(target=hammer, args=(n,)) for n in range(4)]
        for t in threads: t.start()
        time.sleep(0.05)
        inst.close()
        for t in threads: t.join()
        assert not errors, errors
    ''')


def test_timeouts_and_ctrl_c_stop_a_component(case: Callable[[str], Any]) -> None:
    case('''
        raises(wt.ConfigError, rt.instantiate_component, rt.compile_component(wat.SPIN),
               wt.ModuleConfig().with_timeout(0.05))  # timeouts need epoch interruption, off by default
        rt2 = wt.Runtime(wt.RuntimeConfig().with_epoch_interruption())
        spin = rt2.compile_component(wat.SPIN)
        i = rt2.instantiate_component(spin, wt.ModuleConfig().with_timeout(0.05))
        assert i.exports.spin(10) == 10
        raises(wt.WasmTimeoutError, i.exports.spin, 2**62)
        raises(wt.WasmRuntimeError, i.exports.spin, 1)  # a trapped instance stays unusable
        j = rt2.instantiate_component(spin)
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGINT)).start()
        raises(KeyboardInterrupt, j.exports.spin, 2**62)
    ''')


def test_malformed_components_never_crash(case: Callable[[str], Any]) -> None:
    result = case('''
        import wasmtime
        sources = [bytes(wasmtime.wat2wasm(w.decode())) for w in (wat.STRINGS, wat.HOST_FUNCS, wat.FLAT_RECORD, wat.SPIN)]
        rng = random.Random(7)
        compiled = refused = 0
        for n in range(400):
            data = bytearray(rng.choice(sources))
            for _ in range(rng.randrange(1, 4)):
                data[rng.randrange(8, len(data))] = rng.randrange(256)
            try:
                comp = rt.compile_component(bytes(data))
            except wt.CompileError:
                refused += 1
                continue
            compiled += 1
            try:
                i = rt.instantiate_component(comp, imports={n: (lambda *a: 1) for n in comp.imports})
            except (wt.WtError, TypeError):
                continue
            for name, item in comp.exports.items():
                if isinstance(item, wt.ComponentFunctionType):
                    f = i.function(name)
                    for args in ([], [1], ["x"], [1, 2], [{"name": "n", "n": 1, "c": "c", "ok": True, "f": 1.0}]):
                        try:
                            f(*args)
                        except (wt.WtError, TypeError, ValueError):
                            pass
            i.close()
        print("compiled", compiled, "refused", refused)
    ''', timeout=300)
    compiled = int(result.stdout.split("compiled ")[1].split()[0])
    assert compiled > 0, result.stdout  # some mutants compile: their calls were exercised too


def test_subclasses_and_lying_containers_give_their_plain_values(case: Callable[[str], Any]) -> None:
    # Lowering asks the base types, never the value's own methods: a str subclass's encode
    # (its bytes, not UTF-8, aborted the process in wasmtime), an int subclass's comparisons
    # (they passed the range check), a container's __len__ (it wrote default values past
    # the real items, and wasmtime's type mismatch left the instance unusable).
    case('''
        import collections.abc
        class Evil(str):
            def encode(self, *a, **k):
                return b"\\xff\\xfe\\x80"
            def __len__(self):
                return 1
        class LyingInt(int):
            def __lt__(self, other): return True
            def __le__(self, other): return True
            def __float__(self): return 1e300
        class LongSeq(collections.abc.Sequence):
            def __len__(self): return 3
            def __getitem__(self, k): return ["a"][k]
        class ShortList(list):
            def __len__(self): return 1
        assert v.echo_string(Evil("hi")) == "hi"
        assert v.echo_strings([Evil("hi"), "yo"]) == ["hi", "yo"]
        raises(wt.WasmArgumentError, v.echo_s8, LyingInt(1000))
        assert v.echo_s8(LyingInt(-5)) == -5
        assert v.echo_strings(LongSeq()) == ["a"]
        assert v.echo_strings(ShortList(["a", "b", "c"])) == ["a", "b", "c"]
        class EvilHost(KitchenHost):
            def describe(self, who, tags):
                return Evil("x")
        j = rt.instantiate_component_with_wasi(kc, imports={"host": EvilHost()})
        assert j.exports.call_describe("a", 1, ["t"]) == "x"
        assert e.version() == "kitchen 0.1.0"  # the instance is usable after all of it
    ''')


def test_a_handle_cannot_be_dropped_while_a_call_lowers_it(case: Callable[[str], Any]) -> None:
    # A drop from Python that runs while the call converts its arguments (here a profiler at
    # the point where the handles are made; a signal handler can land there too) would free
    # the box an argument already points at: it is refused, and the instance goes on.
    case('''
        a, b = o.Counter(1), o.Counter(2)
        armed = [True]
        def prof(frame, event, arg):
            if armed[0] and event == "call" and frame.f_code.co_name == "settle":
                armed[0] = False
                a.drop()
        sys.setprofile(prof)
        try:
            o.total(a, b)
            raise SystemExit("the drop was let through")
        except wt.WasmRuntimeError as exc:
            assert "cannot drop a resource while its component instance is in a call" in str(exc), exc
        finally:
            sys.setprofile(None)
        assert o.total(a, b) == 3 and a.get() == 1
        i2 = kitchen()
        c = i2.exports.objects.Counter(4)
        i2.close()
        c.drop()  # after close: nothing to wait for
        assert not c.live
    ''')


def test_raising_signal_handlers_at_random_points_of_resource_calls(case: Callable[[str], Any]) -> None:
    # A handler that raises lands anywhere in wt's code around component calls: between
    # freeing a result and resetting its slot (wasmtime freed it again at the next call),
    # inside host calls' conversions, in handles' constructors. Whatever it interrupts, the
    # process survives, and the instance works or says it is unusable.
    result = case('''
        class Boom(BaseException):
            pass
        def handler(s, f):
            raise Boom()
        rng = random.Random(3)
        stats = {"ok": 0, "boom": 0, "unusable": 0}
        i = kitchen()
        signal.signal(signal.SIGALRM, handler)
        end = time.monotonic() + 4
        while time.monotonic() < end:
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.choice([1e-6, 2e-5, 5e-5, 1e-4, 3e-4]))
                e = i.exports
                k = rng.randrange(5)
                if k == 0:
                    a, b = e.objects.Counter(1), e.objects.Counter(2)
                    assert e.objects.total(a, b) == 3
                    a.drop()
                    e.objects.consume(b)
                elif k == 1:
                    x = e.blob_make(b"zz")
                    assert e.blob_peek(x) == 2 and e.blob_take(x) == b"zz"
                elif k == 2:
                    assert e.blob_size(b"abc") == 3
                elif k == 3:
                    with e.objects.Counter(3) as c:
                        assert c.increment(2) == 5
                else:
                    assert e.values.echo_person(e.values.Person("n", 3, ["a"], "x", 1.0)).name == "n"
                signal.setitimer(signal.ITIMER_REAL, 0)
                stats["ok"] += 1
            except Boom:
                signal.setitimer(signal.ITIMER_REAL, 0)
                stats["boom"] += 1
                try:
                    assert i.exports.version() == "kitchen 0.1.0"
                except wt.WasmRuntimeError:
                    stats["unusable"] += 1
                    i = kitchen()
                except Boom:
                    pass
        signal.setitimer(signal.ITIMER_REAL, 0)
        print("stats", stats)
    ''', timeout=300)
    assert "stats" in result.stdout
