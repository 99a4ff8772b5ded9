"""Every Python function that C calls starts without running signal handlers, so a
handler that raises meets the function's own ``try`` (see wt_ffi.entry)."""

from __future__ import annotations

import gc
import sys

import pytest

from wt_ffi import epoch, val, wasi
from wt_ffi.callback import build_trampoline
from wt_ffi.entry import checked_later, deferred_entry
from wt_ffi.sink import CallbackSink
from wt_ffi.types import VALTYPE_I32, ValType


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
