"""Every Python function that C calls starts without running signal handlers, so a
handler that raises meets the function's own ``try`` (see wt_ffi.entry)."""

from __future__ import annotations

import dis
import gc
import sys
from types import CodeType

import pytest

from wt_ffi import epoch, val, wasi
from wt_ffi.callback import build_trampoline
from wt_ffi.entry import checked_later, deferred_entry
from wt_ffi.sink import CallbackSink
from wt_ffi.types import VALTYPE_F32, VALTYPE_F64, VALTYPE_I32, VALTYPE_I64, ValType


def test_the_callbacks_of_wt_ffi_defer_their_entry_check() -> None:
    trampoline = build_trampoline(lambda x: x, [ValType(VALTYPE_I32)], [ValType(VALTYPE_I32)], typed=True, make_caller=None,
                                  ref_params={}, ref_results={}, sink=CallbackSink(),
                                  on_bad_result=lambda i, v: None)
    writer = wasi.new_output_callback(lambda data: None, lambda exc: None)
    codes = [epoch._on_deadline.__code__, epoch._on_finalize.__code__, val._externref_dropped.__code__]
    for thunk in (trampoline, writer):
        found = [obj for obj in gc.get_referents(thunk) if hasattr(obj, "__code__")]  # what ctypes calls
        assert found, thunk
        codes.extend(f.__code__ for f in found)
    assert all(deferred_entry(code) for code in codes)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="RESUME exists from Python 3.11")
def test_checked_later_changes_only_the_entry() -> None:
    def f(a: int) -> int:
        return a + 1

    code = checked_later(f.__code__)
    assert code is not f.__code__ and deferred_entry(code) and not deferred_entry(f.__code__)
    f.__code__ = code
    assert f(1) == 2
    assert checked_later(code).co_code == code.co_code  # idempotent


def test_the_component_trampolines_defer_their_entry_check() -> None:
    from wt_ffi.component import callback

    sink = CallbackSink()
    thunks = [callback.host_function_trampoline(lambda *a: None, sink),
              callback.inline_trampoline(["        pass"], {}, sink),
              callback.destructor_trampoline(lambda rep: None, sink)]
    codes = [obj.__code__ for thunk in thunks for obj in gc.get_referents(thunk) if hasattr(obj, "__code__")]
    assert len(codes) == 3 and all(deferred_entry(code) for code in codes)


def _wrapped_codes(thunk: object) -> list[CodeType]:
    return [obj.__code__ for obj in gc.get_referents(thunk) if hasattr(obj, "__code__")]


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="Python 3.10 looks for signal handlers as a handler starts")
def test_on_310_the_failure_path_starts_at_a_bare_try_however_long_the_body() -> None:
    # 3.10 runs no handler at a SETUP_FINALLY, but does at an EXTENDED_ARG before one: a
    # trampoline whose body made its jumps longer than a byte once let a handler's
    # exception out to ctypes (wt_ffi.sink.guarded_source).
    from wt_ffi.component import callback

    kinds = [VALTYPE_I32, VALTYPE_I64, VALTYPE_F32, VALTYPE_F64] * 6
    big = build_trampoline(lambda *a: a[1:7], [ValType(k) for k in kinds], [ValType(k) for k in kinds[:6]],
                           typed=True, make_caller=lambda address: None, ref_params={}, ref_results={},
                           sink=CallbackSink(), on_bad_result=lambda i, v: None)
    body = [f"        v{i} = _fn(args, {i})" for i in range(200)]
    thunks = [big, callback.inline_trampoline(body, {"_fn": lambda *a: None}, CallbackSink())]
    for code in [c for thunk in thunks for c in _wrapped_codes(thunk)]:
        ops = list(dis.get_instructions(code))
        at = {op.offset: op for op in ops}
        assert ops[0].opname == "SETUP_FINALLY" and deferred_entry(code)
        # The outer finally, where a handler's exception from the except clause arrives,
        # starts with a try, and so does that try's own finally.
        outer = at[ops[0].argval]
        assert outer.opname == "SETUP_FINALLY" and at[outer.argval].opname == "SETUP_FINALLY", (outer, at[outer.argval])


def test_a_dry_pool_still_gives_a_spare() -> None:
    # The last resort fills the pool (one step of C) and takes one; an empty pool never
    # sends a callback's failure path to a call that could let an exception out.
    from wt_ffi.callback import SPARE_TRAPS

    SPARE_TRAPS.fill()
    taken = [SPARE_TRAPS.take() for _ in range(SPARE_TRAPS.CAPACITY)]
    assert not SPARE_TRAPS.items and all(taken) and len(set(taken)) == len(taken)
    extra = SPARE_TRAPS.last_resort(None)
    assert extra and extra not in taken and len(SPARE_TRAPS.items) == SPARE_TRAPS.CAPACITY - 1
    SPARE_TRAPS.items.extend([*taken, extra])  # (back to the pool: the process frees them never, as any spare)
