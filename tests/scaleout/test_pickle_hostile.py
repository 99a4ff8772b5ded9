"""Hostile and careless pickles of a CompiledModule: truncated, corrupted, forged, from
another engine or another wt version. Each ends in a clear exception or in a module that
computes the right thing, never in a crash, a hang or wasmtime loading code that did not
pass wt's checks; those that could reach wasmtime run in child processes."""

from __future__ import annotations

import pickle
import textwrap

import pytest

import wt_api as wt
from misuse.child import ChildResult, run_in_child

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'

CHILD_PRELUDE = f'''
import os, pickle, random
ADD = {ADD!r}

def add(compiled):
    with compiled.runtime.instantiate(compiled) as mod:
        return wt.decode_i32(mod.exported_function("add").call(2, 3)[0])

def stats(compiled):
    return compiled.runtime.config.compilation_cache.stats()

class Forged:
    def __init__(self, compiled, **changes):
        self.restore, (payload,) = compiled.__reduce_ex__(4)
        self.payload = {{**payload, **changes}}

    def __reduce__(self):
        return self.restore, (self.payload,)

runtime = wt.Runtime()  # the library found as the test session says, before WT_CACHE_DIR goes
os.environ.pop("WT_PICKLED_CODE", None)
os.environ.pop("WT_CACHE_DIR", None)  # unpickled modules: the in-memory cache, fresh in each child
compiled = runtime.compile_module(ADD)
'''


def child(code: str) -> ChildResult:
    """Run ``code`` (dedented) after CHILD_PRELUDE in a child Python."""
    return run_in_child(CHILD_PRELUDE + textwrap.dedent(code))


class Forged:
    def __init__(self, compiled: wt.CompiledModule, **changes: object) -> None:
        self.restore, (payload,) = compiled.__reduce_ex__(4)
        self.payload = {**payload, **changes}

    def __reduce__(self) -> tuple[object, ...]:
        return self.restore, (self.payload,)


def test_truncated_pickles_fail_cleanly() -> None:
    result = child('''
        data = pickle.dumps(compiled, protocol=5)
        failed = 0
        for end in sorted(set(range(0, len(data), max(1, len(data) // 300))) | set(range(len(data) - 40, len(data)))):
            try:
                pickle.loads(data[:end])
            except Exception:
                failed += 1
            else:
                raise SystemExit(f"a pickle cut at {end} of {len(data)} bytes loaded")
        print("failed", failed)
        ''')
    assert result.stdout.startswith("failed ") and int(result.stdout.split()[1]) > 300


@pytest.mark.parametrize("policy", ["load", "compile"])
def test_flipped_bits_end_in_an_error_or_a_module_that_computes_right(policy: str) -> None:
    # One flip in four lands in the shipped wasm, the others anywhere (mostly in the compiled
    # code). A receiver that compiles checks the wasm against its digest, so each of its flips
    # is an error; one that loads the shipped code checks the code's digest, and keeps the
    # wasm as it came (only compiling it, here or further on, would need it: and checks it).
    result = child(f'''
        POLICY = os.environ["WT_PICKLED_CODE"] = {policy!r}
        rng = random.Random(20)
        outcomes = {{"error": 0, "right": 0, "wasm flips": 0}}
        for i in range(400):
            # a configuration of its own each time: nothing loaded lately to find instead
            with wt.Runtime(wt.RuntimeConfig().with_max_wasm_stack((300 << 10) + 16 * i)) as r:
                compiled = r.compile_module(ADD)
                corrupt = bytearray(pickle.dumps(compiled, protocol=5))
                wasm = bytes(compiled.__reduce_ex__(4)[1][0]["wasm"])
            start = bytes(corrupt).find(wasm)
            assert start > 0
            in_wasm = i % 4 == 0
            at = start + rng.randrange(len(wasm)) if in_wasm else rng.randrange(len(corrupt))
            corrupt[at] ^= 1 << rng.randrange(8)
            in_wasm = start <= at < start + len(wasm)
            outcomes["wasm flips"] += in_wasm
            try:
                back = pickle.loads(bytes(corrupt))
            except Exception:
                outcomes["error"] += 1
                continue
            assert not (in_wasm and POLICY == "compile"), f"a flip at {{at}}, in the shipped wasm, was not caught"
            assert add(back) == 5, f"a flip at {{at}} gave a module that computes wrong"
            outcomes["right"] += 1
            back.runtime.close()
        print(outcomes["error"], outcomes["right"], outcomes["wasm flips"])
        ''')
    errors, right, wasm_flips = map(int, result.stdout.split())
    assert errors + right == 400 and wasm_flips >= 100
    # The compiled code is most of the stream: a flip there is caught by its digest, unless
    # the receiver ignores shipped code.
    assert errors >= (200 if policy == "load" else wasm_flips)


def test_corrupt_code_is_caught_by_its_digest_before_wasmtime_sees_it(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    _, (payload,) = compiled.__reduce_ex__(4)
    artifact = bytearray(payload["artifact"])
    artifact[len(artifact) // 2] ^= 0x10
    with pytest.raises(pickle.UnpicklingError, match="its compiled code does not match its digest"):
        pickle.loads(pickle.dumps(Forged(compiled, artifact=bytes(artifact))))
    wasm = bytearray(payload["wasm"])
    wasm[-1] ^= 1
    forged = pickle.dumps(Forged(compiled, wasm=bytes(wasm), engine=bytes(32)))  # the code does not fit: compile
    with pytest.raises(pickle.UnpicklingError, match="its wasm does not match its digest"):
        pickle.loads(forged)


def test_forged_code_labelled_as_this_engines_is_refused_by_wasmtime_and_the_wasm_compiled() -> None:
    result = child('''
        from wt_api._digest import tree_sha256
        _, (payload,) = compiled.__reduce_ex__(4)
        for junk in (os.urandom(5000), b"\\x7fELF" + os.urandom(5000), bytes(payload["artifact"])[:2000],
                     bytes(payload["artifact"])[:-1]):
            # a fresh configuration each time: nothing loaded lately to find instead
            config = wt.RuntimeConfig().with_max_wasm_stack((300 << 10) + len(junk))
            with wt.Runtime(config) as r:
                data = pickle.dumps(Forged(r.compile_module(ADD), artifact=junk, sha=tree_sha256(junk)))
            back = pickle.loads(data)
            assert add(back) == 5
            assert (stats(back).rejected, stats(back).misses) == (1, 1), stats(back)
        print("ok")
        ''')
    assert result.stdout.strip() == "ok"


def test_under_the_compile_policy_shipped_code_never_reaches_wasmtime() -> None:
    result = child('''
        from wt_api._digest import tree_sha256
        os.environ["WT_PICKLED_CODE"] = "compile"
        junk = os.urandom(4096)
        back = pickle.loads(pickle.dumps(Forged(compiled, artifact=junk, sha=tree_sha256(junk))))
        assert add(back) == 5 and stats(back).rejected == 0 and stats(back).misses == 1, stats(back)
        print("ok")
        ''')
    assert result.stdout.strip() == "ok"


def test_a_pickle_from_another_wt_format_says_which_versions_differ(runtime: wt.Runtime) -> None:
    compiled = runtime.compile_module(ADD)
    with pytest.raises(pickle.UnpicklingError, match=r"pickled by wt '9\.0\.0' in format 2, and this wt "
                                                     r".* reads format 1; use the same wt version"):
        pickle.loads(pickle.dumps(Forged(compiled, format=2, wt="9.0.0")))
    _, (payload,) = compiled.__reduce_ex__(4)
    newer = Forged(compiled, config=payload["config"] + (("async_support", True),))
    with pytest.raises(pickle.UnpicklingError, match=r"settings this wt .* does not know \(async_support\)"):
        pickle.loads(pickle.dumps(newer))


BAD_PAYLOADS = {
    "not a dict": None,
    "a list": [1, 2],
    "format as text": {"format": "1"},
    "a key missing": "drop:sha",
    "a key too many": "add:extra",
    "wasm as an int": {"wasm": 7},
    "wasm as text": {"wasm": "\0asm"},
    "a short digest": {"content": b"x" * 31},
    "a digest as text": {"engine": "e" * 32},
    "wasm without its digest": {"content": None},
    "code without its digest": {"sha": None},
    "nothing at all": {"wasm": None, "content": None, "artifact": None, "sha": None, "engine": None},
    "config as a dict": {"config": {"debug_info": True}},
    "config unhashable": {"config": [["debug_info", True]]},
    "config not pairs": {"config": (1, 2, 3)},
    "an unknown feature": {"config": (("features", (("teleport", True),)),)},
    "features not pairs": {"config": (("features", 5),)},
    "an unknown opt level": {"config": (("opt_level", "fastest"),)},
    "a negative stack": {"config": (("max_wasm_stack", -1),)},
    "a stack of text": {"config": (("max_wasm_stack", "big"),)},
    "an int for a switch": {"config": (("fuel_metering", 1),)},
    "negative limits": {"config": (("limits", (("memory_size", -5),)),)},
    "limits of another record": {"config": (("limits", (("teleports", 1),)),)},
    "a pool too big": {"config": (("pooling", (("total_memories", 1 << 40),)),)},
    "cache dir as an int": {"cache": {"dir": 5, "max_size": None}},
    "cache with more": {"cache": {"dir": "/tmp", "max_size": None, "owner": "x"}},
    "cache as text": {"cache": "/tmp"},
}


def test_malformed_payloads_are_unpickling_errors_that_say_what_is_wrong() -> None:
    result = child(f'''
        bad = {BAD_PAYLOADS!r}
        _, (good,) = compiled.__reduce_ex__(4)
        for name, change in bad.items():
            if change is None or isinstance(change, list):
                payload = change
            elif isinstance(change, str):
                verb, key = change.split(":")
                payload = dict(good)
                if verb == "drop":
                    del payload[key]
                else:
                    payload[key] = 1
            else:
                payload = {{**good, **change}}
            try:
                compiled.__reduce_ex__(4)[0](payload)
            except pickle.UnpicklingError as exc:
                assert str(exc).startswith("cannot unpickle a wt CompiledModule: "), (name, exc)
                print(name, "->", exc)
            else:
                raise SystemExit(f"{{name}}: accepted")
        print("all refused")
        ''')
    assert result.stdout.strip().endswith("all refused"), result.stdout
    lines = dict(line.split(" -> ", 1) for line in result.stdout.strip().splitlines()[:-1])
    assert "not what wt writes" in lines["not a dict"]
    assert "missing: none; unknown: extra" in lines["a key too many"]
    assert "missing: sha; unknown: none" in lines["a key missing"]
    assert "unknown WebAssembly feature 'teleport'" in lines["an unknown feature"]
    assert "fuel_metering is a int, not a bool" in lines["an int for a switch"]
    assert "its cache settings" in lines["cache as text"]


def test_unpickling_while_another_thread_closes_the_shared_runtime_again_and_again() -> None:
    result = child('''
        import threading
        data = pickle.dumps(compiled)
        stop = threading.Event()
        closes = [0]

        def closer():
            while not stop.is_set():
                pickle.loads(data).runtime.close()  # whichever shared runtime is current
                closes[0] += 1
                stop.wait(0.002)  # (a breath between closes: under emulation none would run to its end)

        thread = threading.Thread(target=closer)
        thread.start()
        outcomes = {"ran": 0, "closed while running": 0, "closed while landing": 0}
        try:
            for _ in range(300):
                try:
                    back = pickle.loads(data)
                except wt.ClosedError:
                    outcomes["closed while landing"] += 1  # three runtimes in a row closed under it
                    continue
                try:
                    assert add(back) == 5
                    outcomes["ran"] += 1
                except wt.ClosedError:
                    outcomes["closed while running"] += 1
        finally:
            stop.set()
            thread.join()
        print(closes[0], outcomes["ran"], outcomes["closed while running"], outcomes["closed while landing"])
        ''')
    closes, ran, closed_running, closed_landing = map(int, result.stdout.split())
    assert closes > 0 and ran + closed_running + closed_landing == 300 and ran > 0
