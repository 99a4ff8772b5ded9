"""Statements of a case: each is one line of Python against wt_api's public API, written to
the worker's journal before it runs (so a crash leaves the statements that led to it),
then run, and its outcome classified.

A statement that raises what the public API may raise (``support.EXPECTED``, raised by a
``raise`` of the binding or by a host function) is fine; anything else (a ``ctypes``
error, an ``AttributeError``, an ``OverflowError`` of a C conversion) is *unexpected*; a
statement that returns where it must fail (``support.must_fail``) is *wrong*."""

from __future__ import annotations

import ctypes
import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUPPORT = Path(__file__).with_name("support.py")


@dataclass(frozen=True)
class Finding:
    """A non-crash defect seen in a case: kind (``unexpected`` or ``wrong``), a signature
    for deduplication, and the index of the statement that showed it."""

    kind: str
    signature: str
    statement: int
    detail: str


def _normalise(text: str) -> str:
    """A message without its numbers and addresses (so that one defect has one signature)."""
    return re.sub(r"0x[0-9a-fA-F]+|(?<![A-Za-z])\d+", "N", text)[:120]


def _frame(exc: BaseException) -> tuple[str, bool]:
    """(innermost frame of wt's packages as ``file:function``, whether its line raises)."""
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        if "wt_api" in frame.filename or "wt_ffi" in frame.filename or frame.filename.startswith("<wt"):
            return f"{Path(frame.filename).name}:{frame.name}", "raise " in (frame.line or "")
    last = frames[-1] if frames else None
    return (f"{Path(last.filename).name}:{last.name}" if last else "?"), "raise " in ((last.line or "") if last else "")


class Recorder:
    """Runs a case's statements in one namespace and keeps their text."""

    def __init__(self, journal: int, namespace: dict[str, Any]) -> None:
        self.journal = journal
        self.ns = namespace
        self.lines: list[str] = []
        self.findings: list[Finding] = []
        self.statements = 0

    def note(self, text: str) -> None:
        """A comment line in the journal (and the reproducer)."""
        line = "# " + text.replace("\n", " ")
        self.lines.append(line)
        os.write(self.journal, (line + "\n").encode())

    def run(self, key: str, expr: str, target: str | None = None, *, must_fail: str | None = None) -> Any:
        """Run ``expr`` (guarded by ``attempt``; with ``must_fail``, it must raise) and bind
        its value to ``target``. ``key`` names the API operation, for signatures."""
        if must_fail is not None:
            expr = f"must_fail({must_fail!r}, lambda: {expr})"
        line = f"{target} = attempt(lambda: {expr})" if target else f"attempt(lambda: {expr})"
        self.lines.append(line)
        self.statements += 1
        os.write(self.journal, f"{line}  # {key}\n".encode())
        exec(compile(line, "<case>", "exec"), self.ns)
        self._classify(key, len(self.lines) - 1)
        return self.ns.get(target) if target else None

    def value(self, expr: str) -> Any:
        """Evaluate an expression of the case's namespace with no API call in it (a size,
        an index): for choosing what to do next."""
        try:
            return eval(expr, self.ns)  # noqa: S307 - our own generated source
        except Exception:  # noqa: BLE001
            return None

    def _classify(self, key: str, index: int) -> None:
        exc = self.ns.get("LAST")
        if exc is None:
            return
        support_oracle = self.ns["OracleViolation"]
        if isinstance(exc, support_oracle):
            what = str(exc).split(" (returned ", 1)[0]
            self.findings.append(Finding("wrong", f"{key.split('(')[0]}: {_normalise(what)}", index, str(exc)))
            return
        where, raised = _frame(exc)
        expected = isinstance(exc, self.ns["EXPECTED"]) and not isinstance(exc, ctypes.ArgumentError)
        if expected and (raised or isinstance(exc, self.ns["FuzzHostError"])):
            return
        if expected and where.startswith("<case>"):
            return  # the statement itself (e.g. an argument expression) raised
        signature = f"{type(exc).__name__} at {where} [{key}]: {_normalise(str(exc))}"
        self.findings.append(Finding("unexpected", signature, index, f"{type(exc).__name__}: {exc}"))
