"""WebAssembly feature switches: typed names, dependencies, and no process aborts."""

from __future__ import annotations

import subprocess
import sys

import pytest

import wt_api as wt

SIMD = "(module (func (result v128) v128.const i64x2 0 0))"
GC = "(module (type (struct)))"
PAGES = "(module (memory 1 (pagesize 1)))"


def compiles(config: wt.RuntimeConfig, source: str) -> bool:
    with wt.Runtime(config) as runtime:
        try:
            runtime.compile_module(source)
        except wt.CompileError:
            return False
        return True


def test_every_feature_is_documented_and_wasmtime_defaults_are_known() -> None:
    assert set(wt.FEATURES) == set(wt.FEATURE_DOCS)
    assert wt.DEFAULT_FEATURES <= set(wt.FEATURES)
    assert {"gc", "exceptions", "memory64", "threads", "wide_arithmetic"} <= wt.DEFAULT_FEATURES
    assert "custom_page_sizes" not in wt.DEFAULT_FEATURES
    assert wt.RuntimeConfig().enabled_features() == wt.DEFAULT_FEATURES


def test_switching_a_feature_on_and_off() -> None:
    assert not compiles(wt.RuntimeConfig(), PAGES)
    assert compiles(wt.RuntimeConfig().with_feature("custom_page_sizes"), PAGES)
    assert compiles(wt.RuntimeConfig(), GC)
    assert not compiles(wt.RuntimeConfig().with_feature("gc", False), GC)


def test_a_feature_turns_on_what_it_needs() -> None:
    config = wt.RuntimeConfig().with_features({"reference_types": False}).with_feature("reference_types", True)
    assert "gc" in config.with_feature("gc").enabled_features()
    with pytest.raises(wt.ConfigError, match="needs 'reference_types'"):
        wt.RuntimeConfig().with_features({"reference_types": False, "gc": True})


def test_switching_a_feature_off_takes_what_needs_it_along() -> None:
    # wasmtime aborts the process for simd off with relaxed_simd (on by default) left on.
    config = wt.RuntimeConfig().with_feature("simd", False)
    assert "relaxed_simd" not in config.enabled_features()
    assert not compiles(config, SIMD)
    wasm2 = wt.RuntimeConfig().with_feature("reference_types", False)
    assert not {"gc", "function_references", "exceptions"} & wasm2.enabled_features()
    assert not compiles(wasm2, GC)


def test_invalid_switches_are_refused_before_an_engine_is_made() -> None:
    with pytest.raises(wt.ConfigError, match="unknown WebAssembly feature"):
        wt.RuntimeConfig().with_feature("tail_calls")  # type: ignore[arg-type]
    with pytest.raises(wt.ConfigError, match="True or False"):
        wt.RuntimeConfig().with_feature("gc", 1)  # type: ignore[arg-type]
    with pytest.raises(wt.ConfigError, match="extended_const"):
        wt.RuntimeConfig().with_feature("extended_const", False)


@pytest.mark.parametrize("features", [
    {"simd": False},
    {"reference_types": False},
    {"reference_types": False, "threads": True, "multi_memory": False},
    {"simd": False, "relaxed_simd": False, "gc": False},
])
def test_feature_combinations_never_abort_the_process(features: dict[str, bool]) -> None:
    # Each in a child process: a wasmtime panic would kill it, not this test run.
    code = ("import wt_api as wt\n"
            f"wt.Runtime(wt.RuntimeConfig().with_features({features!r})).close()\n"
            "print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-500:]


def test_stack_switching_is_refused() -> None:
    # The library compiles continuation types on x86_64, but its first cont.new aborts the
    # process (and on aarch64 making such an engine does): wt refuses the switch.
    with pytest.raises(wt.ConfigError, match="cannot run stack switching"):
        wt.RuntimeConfig().with_feature("stack_switching")
    assert wt.RuntimeConfig().with_feature("stack_switching", False).resolved_features()["stack_switching"] is False
