"""Start-up stays lean: ``import wt_api`` and a first WASI run load none of the standard
modules wt avoids for their import cost (RATIONALE: "Why does no module import `typing`
at start-up?" and the entries after it). A regression here costs every short process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROGRAM = Path(__file__).resolve().parents[2] / "examples" / "program.wat"
AVOIDED = ("typing", "dataclasses", "pathlib", "logging", "inspect", "re", "subprocess", "tempfile", "socket",
           "ctypes.util", "asyncio", "json", "hashlib")


def test_import_and_a_first_wasi_run_load_no_avoided_module() -> None:
    code = f"""
import io, sys
import wt_api as wt
after_import = [m for m in {AVOIDED!r} if m in sys.modules]
out = io.BytesIO()
r = wt.Runtime()
m = r.instantiate_with_wasi(r.compile_file({str(PROGRAM)!r}),
                            wt.ModuleConfig().with_args("p", "x").with_stdout(out))
m.exported_function("_start").call()
r.close()
assert out.getvalue().startswith(b"hello from wasm"), out.getvalue()
print(after_import, [m for m in {AVOIDED!r} if m in sys.modules])
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[] []", result.stdout
