"""Run Python code in a child interpreter: a crash or a hang there fails the test that ran
it, never the test runner."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass

PRELUDE = "import faulthandler; faulthandler.enable()\nimport wt_api as wt\n"
"""What every child runs first (so a crash prints the Python frames that led to it)."""


@dataclass(frozen=True)
class ChildResult:
    """How a child ended and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run_in_child(code: str, *, timeout: float = 60.0, status: int | None = 0) -> ChildResult:
    """Run ``code`` (dedented; ``wt`` is ``wt_api``, already imported) in a fresh Python.

    Asserts that the child was not killed by a signal (a crash), finished within
    ``timeout`` seconds (else it hung) and, unless ``status`` is None, exited with
    ``status``. Returns its exit status and output."""
    source = PRELUDE + textwrap.dedent(code)
    try:
        proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise AssertionError(f"the child hung: no exit within {timeout} s\n--- stdout:\n{_tail(out)}") from None
    if proc.returncode < 0:
        try:
            name = signal.Signals(-proc.returncode).name
        except ValueError:
            name = f"signal {-proc.returncode}"
        raise AssertionError(f"the child crashed ({name})\n--- stderr:\n{_tail(proc.stderr)}\n"
                             f"--- stdout:\n{_tail(proc.stdout)}")
    if status is not None and proc.returncode != status:
        raise AssertionError(f"the child exited with status {proc.returncode}, not {status}\n"
                             f"--- stderr:\n{_tail(proc.stderr)}\n--- stdout:\n{_tail(proc.stdout)}")
    return ChildResult(proc.returncode, proc.stdout, proc.stderr)
