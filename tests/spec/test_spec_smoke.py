"""A few scripts of the spec testsuite within the normal test run (the whole suite is the
``spec`` nox session), and the runner's own checks."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import wt_api as wt

RUNNER = Path(__file__).resolve().parent / "runner.py"
_spec = importlib.util.spec_from_file_location("wt_spec_runner", RUNNER)
assert _spec is not None and _spec.loader is not None
runner = importlib.util.module_from_spec(_spec)
sys.modules["wt_spec_runner"] = runner
_spec.loader.exec_module(runner)

SMOKE = ["core/i32", "core/f32", "core/call_indirect", "core/linking", "core/simd_lane", "core/i31",
         "core/struct", "core/throw", "core/table64", "proposals/threads/atomic",
         "proposals/custom-descriptors/array_new_exact"]

needs_testsuite = pytest.mark.skipif(not runner.spectest_dir().is_dir(),
                                     reason=f"no WebAssembly testsuite at {runner.spectest_dir()}")


@needs_testsuite
def test_a_few_scripts_pass_as_expected() -> None:
    proc = subprocess.run([sys.executable, str(RUNNER), *SMOKE], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert sum(line.startswith("PASS ") for line in lines) == len(SMOKE) - 1
    assert any(line.startswith("XFAIL proposals/custom-descriptors/array_new_exact") for line in lines)
    assert "0 not as expected" in lines[-1] and f"spec: {len(SMOKE)} scripts" in lines[-1]


def test_without_a_testsuite_the_runner_fails_and_says_how_to_get_one(tmp_path: Path) -> None:
    env = {**os.environ, "WT_SPECTEST_DIR": str(tmp_path / "missing")}
    proc = subprocess.run([sys.executable, str(RUNNER)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert "no WebAssembly testsuite" in proc.stderr and "wasm-tools json-from-wast" in proc.stderr


def test_results_are_checked_bit_exactly() -> None:
    values = runner.Values()
    assert values.check({"type": "f32", "value": "nan:canonical"}, 0xFFC00000) is None
    assert values.check({"type": "f32", "value": "nan:canonical"}, 0x7FC00001) is not None
    assert values.check({"type": "f32", "value": "nan:arithmetic"}, 0x7FC00001) is None
    assert values.check({"type": "f32", "value": "nan:arithmetic"}, 0x7F800001) is not None  # signalling
    assert values.check({"type": "f64", "value": "nan:canonical"}, 0x7FF8000000000000) is None
    assert values.check({"type": "f32", "value": str(0x7FA00000)}, 0x7FA00000) is None  # payload kept
    lanes = {"type": "v128", "lane_type": "i16", "value": ["-1", "2", "0", "0", "0", "0", "0", "0"]}
    assert values.check(lanes, 0x0002FFFF) is None and values.check(lanes, 0x0002FFFE) is not None
    either = {"type": "either", "values": [{"type": "i32", "value": "1"}, {"type": "i32", "value": "2"}]}
    assert values.check(either, 2) is None and values.check(either, 3) is not None
    host = values.arg({"type": "externref", "value": "7"})
    assert values.check({"type": "externref", "value": "7"}, host) is None
    assert values.check({"type": "externref", "value": "8"}, host) is not None
    assert values.check({"type": "i31ref"}, wt.encode_i31(5)) is None
    assert values.check({"type": "structref"}, wt.encode_i31(5)) is not None
    assert values.check({"type": "nullref"}, 0) is None and values.check({"type": "funcref"}, 0) is not None


def test_the_expectations_file_names_a_reason_for_every_entry() -> None:
    expectations = runner.load_expectations()
    assert expectations, "expectations.txt lists the custom-descriptors commands"
    for script, entries in expectations.items():
        assert script.startswith("proposals/custom-descriptors/"), script
        assert all("wasmtime 50.0.1" in reason for reason in entries.values())


def test_a_crashed_script_fails_every_command_it_did_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "core" / "boom"
    script.mkdir(parents=True)
    commands = [{"type": "module", "line": 1}, {"type": "assert_return", "line": 2},
                {"type": "assert_return", "line": 2}, {"type": "assert_trap", "line": 3}]
    (script / "boom.json").write_text(json.dumps({"commands": commands}))
    monkeypatch.setenv("WT_SPECTEST_DIR", str(tmp_path))
    result = runner.ScriptResult("core/boom", 4, [runner.Outcome("1", "module", None)], "killed by SIGSEGV")
    assert result.failures() == {k: "not run: killed by SIGSEGV" for k in ("2", "2#2", "3")}
