"""Fixtures of the component tests: components built from source (``build.py``) and compiled
once per session through wt_ffi (``capi.py``).

Building needs componentize-py, clang + wasi-libc, node and npm (the nox ``tests`` session
installs them). Without them these tests fail on CI (``CI`` set) and are skipped, with the
reason, elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import build as builder
from . import capi


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def component_path() -> Callable[[str], Path]:
    """``component_path(name)``: the built component (built on first use, cached by hash)."""
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            try:
                built[name] = builder.build(name)
            except builder.ToolchainMissing as exc:
                message = f"cannot build the test component {name!r}: {exc}"
                if _on_ci():
                    pytest.fail(message)
                pytest.skip(message)
            except builder.BuildFailed as exc:
                pytest.fail(str(exc))
        return built[name]

    return get


@pytest.fixture(scope="session")
def engine() -> Any:
    """One engine for the session's compiled components."""
    return capi.new_engine()


@pytest.fixture(scope="session")
def compiled(engine: Any, component_path: Callable[[str], Path]) -> Callable[[str], Any]:
    """``compiled(name)``: the component compiled in ``engine`` (once per session; the artifact
    is cached on disk beside the built component)."""
    done: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in done:
            done[name] = capi.compile_cached(engine, component_path(name))
        return done[name]

    return get


@pytest.fixture
def new_store(engine: Any) -> Iterator[Callable[..., capi.Store]]:
    """``new_store(wasi_cfg=None)``: a store deleted after the test."""
    stores: list[capi.Store] = []

    def make(wasi_cfg: Any = None) -> capi.Store:
        stores.append(capi.Store(engine, wasi_cfg))
        return stores[-1]

    yield make
    for st in stores:
        st.close()
