"""The fuzz session's own parts (scripts/fuzz): the generator makes valid modules, mutations
never fail, crash signatures read real faulthandler output, reproducers run standalone."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import wt_api as wt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from fuzz import gen, mutate, report  # noqa: E402
from fuzz.recorder import SUPPORT  # noqa: E402


def test_generated_modules_are_valid() -> None:
    with wt.Runtime() as runtime:
        for seed in range(60):
            text, features = gen.module(random.Random(seed))
            assert set(features) <= set(wt.FEATURES)
            runtime.compile_module(text)


@settings(max_examples=300)
@given(data=st.binary(max_size=64), seed=st.integers(0, 2**32))
def test_mutations_never_fail(data: bytes, seed: int) -> None:
    out, how = mutate.mutate(random.Random(seed), data, lambda: b"\0asm\x01\0\0\0\x01\x01\x00")
    assert isinstance(out, bytes) and how


@given(st.lists(st.tuples(st.integers(0, 12), st.binary(max_size=20)), max_size=5))
def test_sections_split_what_join_makes(parts: list[tuple[int, bytes]]) -> None:
    assert mutate.sections(mutate.join(parts)) == parts


def test_crash_signature_of_a_real_abort(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", "import wt_api, os; os.abort()"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode < 0
    signature = report.crash_signature(proc.returncode, proc.stderr, "Function.call(funcref)")
    assert signature.startswith("SIGABRT Fatal Python error: Aborted")
    assert signature.endswith("[Function.call(funcref)]")


def test_reproducers_run_standalone(tmp_path: Path) -> None:
    journal = "\n".join([
        "# case 0 seed 0",
        "rt = attempt(lambda: wt.Runtime())  # Runtime",
        "cm = attempt(lambda: rt.compile_module(WASM))  # Runtime.compile_module",
        "mod = attempt(lambda: rt.instantiate(cm))  # Runtime.instantiate",
        "r = attempt(lambda: mod.exported_function('f').call(2**40))  # Function.call(i32)",
        "attempt(lambda: rt.close())  # Runtime.close",
    ])
    (tmp_path / "case.wat").write_text('(module (func (export "f") (param i32)))')
    script = tmp_path / "repro.py"
    script.write_text(report.reproducer(journal, "case.wat", "an example"))
    assert SUPPORT.read_text() in script.read_text()
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "WasmArgumentError" in proc.stdout and "reproducer finished" in proc.stdout
    assert report.last_key(journal) == "Runtime.close"
