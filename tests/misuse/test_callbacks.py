"""Public objects used from inside a host function that their own module called: close
them, re-enter them, keep the Caller. Each must work or raise; never free what runs."""

from __future__ import annotations

import pytest

from .setup import run_case

CASES = {
    "re-entering the module from its own callback": """
        def again(caller, x):
            return x if x <= 0 else f.call(x - 1)[0] + 1
        ACTION[0] = again
        assert f.call(20) == [20]
    """,
    "the caller's exports during the call": """
        def poke(caller, x):
            memory = caller.memory
            memory.write(0, b"hi")
            caller.exported_global("g").set(x)
            assert caller.exported_function("add").call(x, 1) == [x + 1]
            return memory.grow(1)
        ACTION[0] = poke
        assert f.call(5) == [1]
        assert g.get() == 5 and mem.read(0, 2) == b"hi" and mem.pages == 2
    """,
    "a Caller kept after its call": """
        ACTION[0] = lambda caller, x: KEPT.append(caller) or x
        f.call(1)
        raises(wt.ClosedError, lambda: KEPT[0].memory)
        raises(wt.ClosedError, KEPT[0].exported_function, "add")
    """,
    "the compiled module closed from its instance's callback": """
        ACTION[0] = lambda caller, x: cm.close() or x
        assert f.call(3) == [3]
        assert add.call(1, 1) == [2]
    """,
    "the host module closed from its own function": """
        ACTION[0] = lambda caller, x: host.close() or x
        works_or_raises(f.call, 3)
        works_or_raises(f.call, 3)
    """,
    "the module closed from its own callback": """
        ACTION[0] = lambda caller, x: mod.close() or x
        works_or_raises(touch.call, 3)
        raises(wt.ClosedError, add.call, 1, 2)
    """,
    "the runtime closed from a callback": """
        ACTION[0] = lambda caller, x: rt.close() or x
        works_or_raises(touch.call, 3)
        raises(wt.ClosedError, add.call, 1, 2)
    """,
    "an exception raised in a callback comes out of the call": """
        class Boom(Exception): pass
        def boom(caller, x): raise Boom("from the callback")
        ACTION[0] = boom
        raises(Boom, f.call, 1)
        ACTION[0] = lambda caller, x: x
        assert f.call(4) == [4]
    """,
}

KNOWN_DEFECTS = {}


@pytest.mark.parametrize("code", [
    pytest.param(code, id=name, marks=[pytest.mark.known_defect(KNOWN_DEFECTS[name])] if name in KNOWN_DEFECTS else [])
    for name, code in CASES.items()])
def test_inside_own_callback(code: str) -> None:
    run_case(code)
