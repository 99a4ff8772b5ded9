"""The component C API's edges, measured on 50.0.1: what aborts the process (each probed in a
child process, so a crash fails the test instead of killing the runner) and what is only an
error. ``notes``: each abort is a rule the layer above must enforce before calling C.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from wt_ffi import store as S
from wt_ffi.component import linker as L

from . import wat
from .capi import CError, Linker, Store, call, check, compile_bytes, get_func, wasi_config

TESTS = Path(__file__).resolve().parent.parent
PRELUDE = f"""
import ctypes, sys
sys.path.insert(0, {str(TESTS)!r})
from components import capi, wat
from wt_ffi.component import func as F, val as V
eng = capi.new_engine()
"""


def run_child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120)


def assert_aborts(result: subprocess.CompletedProcess[str], panic: str) -> None:
    assert result.returncode == -signal.SIGABRT, (result.returncode, result.stdout, result.stderr[-2000:])
    assert "reached" in result.stdout  # the abort happened in the probed call, not before
    assert panic in result.stderr, result.stderr[-2000:]


def test_a_string_that_is_not_utf8_aborts() -> None:
    result = run_child("""
        c = capi.compile_bytes(eng, wat.STRINGS); st = capi.Store(eng); inst = capi.Linker(eng).instantiate(st, c)
        args = (V.wasmtime_component_val_t * 1)(); args[0].kind = V.VAL_STRING
        bad = (ctypes.c_ubyte * 2)(0xC3, 0x28)
        from wt_ffi import vec; vec.wasm_byte_vec_new(ctypes.byref(args[0].of.string), 2, bad)
        res = (V.wasmtime_component_val_t * 1)()
        fn = capi.get_func(st, inst, "string-len"); print("reached", flush=True)
        F.wasmtime_component_func_call(ctypes.byref(fn), st.ctx, args, 1, res, 1)
    """)
    assert_aborts(result, "FromUtf8Error")


def test_a_char_that_is_not_a_unicode_scalar_aborts() -> None:
    result = run_child("""
        c = capi.compile_bytes(eng, wat.STRINGS); st = capi.Store(eng); inst = capi.Linker(eng).instantiate(st, c)
        fn = capi.get_func(st, inst, "echo-char"); print("reached", flush=True)
        capi.call(st, fn, [("char", 0xD800)])
    """)
    assert_aborts(result, "called `Option::unwrap()` on a `None` value")


def test_a_host_function_returning_a_bad_char_aborts() -> None:
    result = run_child("""
        c = capi.compile_bytes(eng, wat.HOST_CHAR); st = capi.Store(eng); lk = capi.Linker(eng)
        lk.define("host", {"get-char": lambda ctx, args: [("char", 0xDFFF)]})
        inst = lk.instantiate(st, c); fn = capi.get_func(st, inst, "call"); print("reached", flush=True)
        capi.call(st, fn, [])
    """)
    assert_aborts(result, "called `Option::unwrap()` on a `None` value")


def test_result_slots_that_own_something_crash() -> None:
    # wasmtime_component_func_call assigns each result slot, dropping its old content first
    result = run_child("""
        c = capi.compile_bytes(eng, wat.STRINGS); st = capi.Store(eng); inst = capi.Linker(eng).instantiate(st, c)
        fn = capi.get_func(st, inst, "echo-char")
        args = (V.wasmtime_component_val_t * 1)(); args[0].kind = V.VAL_CHAR; args[0].of.character = 65
        res = (V.wasmtime_component_val_t * 1)(); res[0].kind = V.VAL_STRING; res[0].of.string.size = 5
        res[0].of.string.data = ctypes.cast(0x10, type(res[0].of.string.data)); print("reached", flush=True)
        F.wasmtime_component_func_call(ctypes.byref(fn), st.ctx, args, 1, res, 1)
    """)
    assert result.returncode in (-signal.SIGSEGV, -signal.SIGABRT, -signal.SIGBUS), result.stderr[-2000:]
    assert "reached" in result.stdout


def test_a_function_called_with_another_stores_context_aborts() -> None:
    result = run_child("""
        c = capi.compile_bytes(eng, wat.STRINGS); st = capi.Store(eng); inst = capi.Linker(eng).instantiate(st, c)
        fn = capi.get_func(st, inst, "echo-char"); other = capi.Store(eng); print("reached", flush=True)
        capi.call(other, fn, [("char", "a")])
    """)
    assert_aborts(result, "object used with the wrong store")


@pytest.mark.parametrize("component,func,contexts,line", [
    ("WASI_RANDOM", "random", "", "store.rs:105"),  # no WASI context
    ("WASI_HTTP", "new-fields", "wasi", "store.rs:113"),  # WASI but no wasi:http context
    ("WASI_HTTP", "new-fields", "http", "store.rs:114"),  # wasi:http but no WASI context
])
def test_wasi_without_its_store_context_aborts_at_the_first_wasi_call(component: str, func: str, contexts: str,
                                                                       line: str) -> None:
    result = run_child(f"""
        from wt_ffi import store as S
        c = capi.compile_bytes(eng, wat.{component})
        cfg, keep = capi.wasi_config()
        st = capi.Store(eng, cfg if "wasi" in {contexts!r} else None)
        if "http" in {contexts!r}:
            S.wasmtime_context_set_wasi_http(st.ctx)
        lk = capi.Linker(eng, wasip2=True)
        capi.check(capi.L.wasmtime_component_linker_add_wasi_http(lk.linker))
        inst = lk.instantiate(st, c)  # linking and instantiating succeed
        fn = capi.get_func(st, inst, {func!r}); print("reached", flush=True)
        capi.call(st, fn, [])
    """)
    assert_aborts(result, f"panicked at crates/c-api/src/{line}")


def test_wasi_http_works_with_both_contexts(engine: Any) -> None:
    cfg, keep = wasi_config()
    st = Store(engine, cfg)
    S.wasmtime_context_set_wasi_http(st.ctx)
    linker = Linker(engine, wasip2=True)
    check(L.wasmtime_component_linker_add_wasi_http(linker.linker))
    try:
        inst = linker.instantiate(st, compile_bytes(engine, wat.WASI_HTTP))
        assert call(st, get_func(st, inst, "new-fields"), []) == [("u32", 1)]
    finally:
        linker.close()
        st.close()


def test_unknown_imports_as_traps_shadow_wasi_imports_matched_by_semver(engine: Any) -> None:
    # add_wasip2 defines the newest 0.2.x; a component importing 0.2.0 links to it by semver,
    # but define_unknown_imports_as_traps sees 0.2.0 as unknown and its trap wins
    component = compile_bytes(engine, wat.WASI_RANDOM)
    for traps in (False, True):
        cfg, keep = wasi_config()
        st = Store(engine, cfg)
        linker = Linker(engine, wasip2=True)
        try:
            if traps:
                check(L.wasmtime_component_linker_define_unknown_imports_as_traps(linker.linker, component))
            inst = linker.instantiate(st, component)
            if traps:
                with pytest.raises(CError, match="unknown import: `wasi:random/random@0.2.0#get-random-u64`"):
                    call(st, get_func(st, inst, "random"), [])
            else:
                assert call(st, get_func(st, inst, "random"), [])[0][0] == "u64"
        finally:
            linker.close()
            st.close()


@pytest.mark.parametrize("returned,found", [([("s64", 5)], "s64"), ([], "bool")])
def test_a_host_result_of_the_wrong_type_is_an_error(engine: Any, returned: list[Any], found: str) -> None:
    # a slot the callback leaves alone still holds the `bool false` wasmtime put there
    st = Store(engine)
    linker = Linker(engine)
    try:
        linker.define("host", {"get-char": lambda ctx, args: returned})
        inst = linker.instantiate(st, compile_bytes(engine, wat.HOST_CHAR))
        with pytest.raises(CError, match=f"type mismatch: expected char, found {found}"):
            call(st, get_func(st, inst, "call"), [])
    finally:
        linker.close()
        st.close()
