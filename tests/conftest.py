"""Shared fixtures: a Runtime on the real libwasmtime."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

import wt_api as wt

if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    # Started with Ctrl-C ignored (a background job of a non-interactive shell, some CI
    # runners): the children the Ctrl-C tests start would inherit that, and Python (and wt)
    # leave an ignored SIGINT alone. A handler here is reset to the default in every child.
    signal.signal(signal.SIGINT, signal.default_int_handler)


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``@pytest.mark.known_defect("why")``: the test checks a defect that is known and not yet
    fixed. It runs as a strict xfail, listed with its reason in every run's summary; once the
    defect is fixed the test passes, the run fails (XPASS strict), and the marker must go."""
    for item in items:
        mark = item.get_closest_marker("known_defect")
        if mark is not None:
            reason = mark.args[0] if mark.args else "known defect"
            item.add_marker(pytest.mark.xfail(reason=f"known defect: {reason}", strict=True))
