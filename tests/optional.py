"""Test dependencies that only some tests need: Dask and Ray (wt-api's ``dask`` and ``ray``
extras, which the nox ``tests`` session installs)."""

from __future__ import annotations

import importlib.util
import os

import pytest

EXTRAS = {"dask": "distributed", "ray": "ray"}
"""wt-api's extras, by the module each one brings."""


def require_extra(extra: str) -> None:
    """Skip or fail the calling test when the module of ``extra`` is missing: it fails on CI
    (``CI`` set), where the tests session installs it, unless the environment cannot reach
    the package index (``WT_TESTS_OFFLINE=1``: the aarch64 root, which installs the tests'
    core requirements only); elsewhere it skips, saying what to install."""
    module = EXTRAS[extra]
    if importlib.util.find_spec(module) is not None:
        return
    message = f"needs {module} (pip install \"./packages/wt-api[{extra}]\", or run the nox tests session)"
    offline = os.environ.get("WT_TESTS_OFFLINE") == "1"
    on_ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    if on_ci and not offline:
        pytest.fail(message)
    pytest.skip(message + (" (WT_TESTS_OFFLINE=1: this environment installs the core test requirements only)"
                           if offline else ""))
