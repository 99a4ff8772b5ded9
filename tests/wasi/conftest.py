"""WASI programs: WAT modules inline, and C programs built with clang for wasm32-wasi.

The C programs need Debian's clang, lld, wasi-libc and libclang-rt-14-dev-wasm32
(``scripts/setup-wasi-toolchain.sh`` installs them; the nox ``tests`` session runs it).
Without them these tests fail on CI (``CI`` set) and are skipped, with the reason, elsewhere.
Programs already built in ``WT_TEST_BUILD_DIR`` (``programs/build.py`` builds them ahead of
time) are used as they are: the emulated aarch64 run takes wasm built on its x86_64 host.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .programs.build import build, toolchain_problem

PROGRAMS = Path(__file__).parent / "programs"
SETUP = "scripts/setup-wasi-toolchain.sh"


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def wasi_tool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/wasi/programs/wasi_tool.c built for wasm32-wasi (cached by source hash in
    ``WT_TEST_BUILD_DIR`` when set, else in the session's temporary directory)."""
    return _build("wasi_tool", tmp_path_factory)


def _build(name: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = PROGRAMS / f"{name}.c"
    target, error = build(source, Path(os.environ.get("WT_TEST_BUILD_DIR") or tmp_path_factory.getbasetemp()))
    if error is None:
        return target
    problem = toolchain_problem()
    if problem is None:  # the toolchain works: the program itself does not build
        pytest.fail(f"{source.name} does not build for wasm32-wasi:\n{error}")
    message = (f"cannot build C programs for wasm32-wasi ({problem.splitlines()[0]}): run {SETUP} "
               "as root (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)")
    if _on_ci():
        pytest.fail(message)
    pytest.skip(message)
