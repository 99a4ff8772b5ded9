"""Findings: signatures of crashes and hangs (from a dead worker's stderr and journal),
reproducers saved once per signature, and the run's summary."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path

from .recorder import SUPPORT

FAILING = ("crash", "hang", "memory")
"""Kinds of finding that make the run fail."""

_MARKERS = ("panicked at", "Wasmtime caught", "Fatal Python error", "munmap_chunk", "free():", "double free",
            "corrupted", "memory allocation of", "malloc", "stack overflow", "MemoryError", "Aborted")


def _normalise(text: str) -> str:
    return re.sub(r"0x[0-9a-fA-F]+|(?<![A-Za-z])\d+", "N", text).strip()[:160]


def signal_name(returncode: int) -> str:
    """``SIGSEGV`` for -11, ``exit 3`` for 3."""
    if returncode < 0:
        try:
            return signal.Signals(-returncode).name
        except ValueError:
            return f"signal {-returncode}"
    return f"exit {returncode}"


def crash_signature(returncode: int, stderr: str, key: str) -> str:
    """What identifies a crash: the signal, wasmtime's or the C library's message, the
    innermost frame of wt's packages and the API operation that was running."""
    lines = stderr.splitlines()
    message = ""
    for i, line in enumerate(lines):
        if any(marker in line for marker in _MARKERS):
            message = line
            if "panicked at" in line and i + 1 < len(lines):
                place = re.sub(r":\d+:\d+:?$", "", line.split("panicked at", 1)[1].strip())
                message = f"panic at {Path(place).name}: {lines[i + 1]}"
            break
    frame = ""
    current = [i for i, line in enumerate(lines) if line.startswith(("Current thread", "Stack (most recent"))]
    for line in lines[current[0] if current else 0:]:
        found = re.match(r'\s*File "([^"]*)", line \d+ in (\S+)', line)
        if found and ("wt_api" in found.group(1) or "wt_ffi" in found.group(1)) \
                and not found.group(1).endswith("_library.py"):
            frame = f"{Path(found.group(1)).name}:{found.group(2)}"
            break
    return f"{signal_name(returncode)} {_normalise(message)} @ {frame or '?'} [{key}]"


def last_key(journal: str) -> str:
    """The API operation of the last statement a journal holds."""
    for line in reversed(journal.splitlines()):
        if "  # " in line and not line.startswith("#"):
            return line.rsplit("  # ", 1)[1]
    return "?"


def reproducer(journal: str, module_name: str, title: str, upto: int | None = None) -> str:
    """A standalone script: the support code, then the case's statements (up to the
    statement ``upto``, counted as the recorder counts lines)."""
    lines = [line for line in journal.splitlines() if not line.startswith("# case ")]
    if upto is not None:
        lines = lines[:upto + 1]
    read = "read_text()" if module_name.endswith(".wat") else "read_bytes()"
    return "\n".join([
        f"# Reproducer: {title}",
        f"# Run: python repro.py (wt_api installed; {module_name} beside this file).",
        SUPPORT.read_text(),
        "# --- the case -----------------------------------------------------------------",
        "import pathlib",
        f"WASM = pathlib.Path(__file__).with_name({module_name!r}).{read}",
        *lines, "print('reproducer finished without crashing')", "",
    ])


@dataclass
class Record:
    """One signature: how often and when it was first seen, and where its reproducer is."""

    kind: str
    signature: str
    count: int = 0
    first_case: int = -1
    first_seconds: float = 0.0
    path: str = ""


@dataclass
class Report:
    """Counts per outcome and the findings of a run."""

    out: Path
    outcomes: dict[str, int] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    cases: int = 0

    def count(self, outcome: str) -> None:
        """Count a case's outcome."""
        self.cases += 1
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def finding(self, kind: str, signature: str, case: int, seconds: float, workdir: Path, module_name: str,
                stderr: str = "", upto: int | None = None, detail: str = "") -> Record:
        """Record a finding; the first of each signature gets a reproducer directory."""
        record = self.records.get(signature)
        if record is None:
            record = Record(kind, signature, first_case=case, first_seconds=seconds)
            self.records[signature] = record
            digest = hashlib.sha1(signature.encode()).hexdigest()[:10]
            target = self.out / f"{kind}-{digest}"
            target.mkdir(parents=True, exist_ok=True)
            journal = (workdir / "journal.py").read_text(errors="replace")
            module = workdir / module_name
            if module.exists():
                shutil.copyfile(module, target / module_name)
            (target / "repro.py").write_text(reproducer(journal, module_name, signature, upto))
            (target / "stderr.txt").write_text(stderr)
            (target / "info.json").write_text(json.dumps(
                {"kind": kind, "signature": signature, "case": case, "detail": detail}, indent=1))
            record.path = str(target)
        record.count += 1
        return record

    def summary(self, seconds: float) -> str:
        """What the run found, for people."""
        rate = self.cases / seconds if seconds else 0.0
        lines = [f"fuzz: {self.cases} cases in {seconds:.1f} s ({rate:.1f} cases/s)",
                 "outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))]
        for kind in (*FAILING, "unexpected", "wrong", "harness-error"):
            found = [r for r in self.records.values() if r.kind == kind]
            if not found:
                continue
            lines.append(f"{kind}: {len(found)} distinct")
            for r in sorted(found, key=lambda r: r.first_case):
                lines.append(f"  x{r.count} first at case {r.first_case} ({r.first_seconds:.1f} s): {r.signature}")
                lines.append(f"      {r.path}/repro.py")
        return "\n".join(lines)

    def failed(self) -> bool:
        """Whether a crash, a hang or a runaway allocation was found."""
        return any(r.kind in FAILING for r in self.records.values())

    def write_json(self, seconds: float) -> None:
        """``summary.json`` in the output directory."""
        (self.out / "summary.json").write_text(json.dumps({
            "cases": self.cases, "seconds": seconds, "outcomes": self.outcomes,
            "findings": [r.__dict__ for r in self.records.values()]}, indent=1))
