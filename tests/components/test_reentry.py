"""Python that runs on the calling thread while C has a component call (a host function,
a destructor, a signal handler, the deadline callback) cannot call into the same instance:
the component model forbids re-entering an instance, and wasmtime 50 runs such a call.
Each case in a child process (signals, timers)."""

from __future__ import annotations

from pathlib import Path

from misuse.child import run_in_child

TESTS = Path(__file__).resolve().parent.parent

PRELUDE = f'''
import signal, sys
sys.path.insert(0, {str(TESTS)!r})
from components import wat
seen = []

def reenter(call):
    try:
        seen.append(("re-entered", call()))
    except wt.WasmRuntimeError as exc:
        seen.append(("refused", str(exc)))
'''


def test_a_signal_handler_that_runs_inside_a_host_callback_cannot_reenter() -> None:
    # The handler runs at the first Python on this thread after the signal: the host
    # import's trampoline, while C still has the outer call.
    result = run_in_child(PRELUDE + '''
with wt.Runtime() as rt:
    with rt.instantiate_component(rt.compile_component(wat.SPIN_THEN_HOST), imports={"twice": lambda n: 2 * n}) as inst:
        run, plain = inst.exports.run, inst.exports.plain  # (made first: the alarm is for the call)
        import time  # (spins for ~0.5 s on this machine: a fixed count ended before the alarm on a fast one)
        begun = time.monotonic()
        run(30_000_000)
        spins = int(30_000_000 * 0.5 / max(time.monotonic() - begun, 1e-3))
        signal.signal(signal.SIGALRM, lambda s, f: reenter(lambda: plain(1)))
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        assert run(spins) == 42
        assert [kind for kind, _ in seen] == ["refused"], seen
        assert "in a call already" in seen[0][1]
        assert inst.exports.plain(3) == 6  # usable afterwards
print("ok")
''', timeout=240)
    assert result.stdout.strip().endswith("ok")


def test_a_signal_handler_in_the_deadline_callback_cannot_reenter_an_instance_without_imports() -> None:
    # No Python imports at all: the handler runs in wt's deadline callback during the spin.
    result = run_in_child(PRELUDE + '''
config = wt.RuntimeConfig().with_epoch_interruption()
with wt.Runtime(config) as rt:
    compiled = rt.compile_component(wat.SPIN)
    with rt.instantiate_component(compiled, wt.ModuleConfig().with_timeout(0.4)) as inst:
        spin = inst.exports.spin  # (made first: the alarm is for the call)
        signal.signal(signal.SIGALRM, lambda s, f: reenter(lambda: spin(1)))
        signal.setitimer(signal.ITIMER_REAL, 0.05)
        try:
            spin(2**62)
        except wt.WasmRuntimeError:
            pass  # the timeout
        # (refused before C: a call let in would run wasm inside the deadline callback)
        assert seen and all(kind == "refused" and "in a call already" in text for kind, text in seen), seen
print("ok")
''', timeout=240)
    assert result.stdout.strip().endswith("ok")
