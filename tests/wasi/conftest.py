"""WASI programs: WAT modules inline, and C programs built with clang for wasm32-wasi."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"


def _toolchain_missing() -> str | None:
    if shutil.which("clang") is None:
        return "clang is not installed"
    if not Path("/usr/lib/wasm32-wasi").is_dir() and not Path("/usr/share/wasi-sysroot").is_dir():
        return "wasi-libc is not installed"
    return None


@pytest.fixture(scope="session")
def wasi_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/wasi/programs/wasi_tool.c built for wasm32-wasi (cached by source hash)."""
    missing = _toolchain_missing()
    if missing:
        message = (f"{missing}: run scripts/setup-wasi-toolchain.sh (as root) to build C programs for "
                   "wasm32-wasi")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    source = PROGRAMS / "wasi_tool.c"
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    cache = Path(os.environ.get("WT_TEST_BUILD_DIR") or tmp_path_factory.getbasetemp()) / "wasi-programs"
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"wasi_tool-{digest}.wasm"
    if not target.exists():
        tmp = target.with_suffix(".tmp")
        subprocess.run(["clang", "--target=wasm32-wasi", "-O2", "-o", str(tmp), str(source)], check=True)
        tmp.replace(target)
    return target
