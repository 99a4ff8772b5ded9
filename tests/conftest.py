"""Shared fixtures: a Runtime on the real libwasmtime."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import wt_api as wt


@pytest.fixture
def runtime() -> Iterator[wt.Runtime]:
    with wt.Runtime() as r:
        yield r


@pytest.fixture
def instantiate(runtime: wt.Runtime):  # type: ignore[no-untyped-def]
    """Compile WAT text and instantiate it: ``mod = instantiate(WAT)``."""

    def make(source: str | bytes) -> wt.Module:
        return runtime.instantiate(runtime.compile_module(source))

    return make
