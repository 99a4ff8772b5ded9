"""WASI programs: WAT modules inline, and C programs built with clang for wasm32-wasi.

The C programs need Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32
(``scripts/setup-wasi-toolchain.sh`` installs them; the nox ``tests`` session runs it).
Without them these tests fail on CI (``CI`` set) and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
SETUP = "scripts/setup-wasi-toolchain.sh"


def _clang(source: Path, target: Path) -> str | None:
    """Build ``source`` for wasm32-wasi; None on success, else clang's complaint."""
    clang = shutil.which("clang")
    if clang is None:
        return "clang is not installed"
    result = subprocess.run([clang, "--target=wasm32-wasi", "-O2", "-o", str(target), str(source)],
                            capture_output=True, text=True, timeout=300)
    return None if result.returncode == 0 else (result.stderr.strip() or f"clang exited with {result.returncode}")


def _toolchain_problem() -> str | None:
    """Why clang cannot build a trivial wasm32-wasi program, or None if it can."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.c"
        probe.write_text("#include <stdio.h>\nint main(void) { puts(\"ok\"); return 0; }\n")
        return _clang(probe, Path(tmp) / "probe.wasm")


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def wasi_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/wasi/programs/wasi_tool.c built for wasm32-wasi (cached by source hash in
    ``WT_TEST_BUILD_DIR`` when set, else in the session's temporary directory)."""
    return _build("wasi_tool", tmp_path_factory)


def _build(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = PROGRAMS / f"{name}.c"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("WT_TEST_BUILD_DIR") or tmp_path_factory.getbasetemp()) / "wasi-programs"
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{name}-{digest}.wasm"
    if target.exists():
        return target
    tmp = cache / f"{name}-{digest}.{os.getpid()}.tmp"
    error = _clang(source, tmp)
    if error is None:
        tmp.replace(target)
        return target
    problem = _toolchain_problem()
    if problem is None:  # the toolchain works: the program itself does not build
        pytest.fail(f"{source.name} does not build for wasm32-wasi:\n{error}")
    message = (f"cannot build C programs for wasm32-wasi ({problem.splitlines()[0]}): run {SETUP} "
               "as root (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)")
    if _on_ci():
        pytest.fail(message)
    pytest.skip(message)
