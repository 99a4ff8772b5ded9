"""The driver: worker processes fed one case at a time, restarted when they die (a crash)
or overrun the case time limit (a hang) or the memory limit."""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .report import Report, crash_signature, last_key
from .worker import case_seed

RSS_LIMIT = 3 << 30
"""Resident bytes past which a worker is stopped and its case reported (``memory``)."""


@dataclass
class Budget:
    """When to stop: after ``cases`` cases or ``seconds`` seconds, whichever comes first."""

    cases: int | None
    seconds: float | None
    started: float = field(default_factory=time.monotonic)

    def spent(self, issued: int) -> bool:
        """Whether no further case should start."""
        if self.cases is not None and issued >= self.cases:
            return True
        return self.seconds is not None and time.monotonic() - self.started >= self.seconds


class Worker:
    """One worker process and the case it is running."""

    def __init__(self, number: int, workdir: Path, index_file: Path) -> None:
        self.workdir = workdir / f"worker{number}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.index_file = index_file
        self.proc: subprocess.Popen[bytes] | None = None
        self.case: int | None = None
        self.started = 0.0
        self.buffer = b""

    def start(self) -> None:
        """Start (or restart) the process."""
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent), PYTHONFAULTHANDLER="1")
        with open(self.workdir / "stderr.txt", "ab") as stderr:
            self.proc = subprocess.Popen([sys.executable, "-m", "fuzz.worker", str(self.workdir), str(self.index_file)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env,
                                         start_new_session=True)
        self.buffer = b""
        self.case = None

    def send(self, case: int, seed: int) -> None:
        """Give the worker a case."""
        assert self.proc is not None and self.proc.stdin is not None
        self.case, self.started = case, time.monotonic()
        self.proc.stdin.write(f"case {case} {seed}\n".encode())
        self.proc.stdin.flush()

    def kill(self) -> int:
        """Stop the process (and anything it started); returns its status."""
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return self.proc.wait()

    def rss(self) -> int:
        """Resident bytes of the process (0 if unknown)."""
        assert self.proc is not None
        try:
            with open(f"/proc/{self.proc.pid}/statm") as f:
                return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            return 0


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _module_name(workdir: Path) -> str:
    return "case.wat" if (workdir / "case.wat").exists() else "case.wasm"


def run(seed: int, budget: Budget, workers: int, out: Path, index_file: Path, case_timeout: float) -> Report:
    """Run cases until the budget is spent; returns the report."""
    report = Report(out)
    pool = [Worker(i, out / "work", index_file) for i in range(workers)]
    selector = selectors.DefaultSelector()
    issued = 0

    def dispatch(w: Worker) -> None:
        nonlocal issued
        if budget.spent(issued):
            return
        w.send(issued, case_seed(seed, issued))
        issued += 1

    def restart(w: Worker) -> None:
        assert w.proc is not None and w.proc.stdout is not None
        selector.unregister(w.proc.stdout)
        w.start()
        assert w.proc is not None and w.proc.stdout is not None
        selector.register(w.proc.stdout, selectors.EVENT_READ, w)

    def lost(w: Worker, kind: str, status: int) -> None:
        journal = _read(w.workdir / "journal.py")
        stderr = _read(w.workdir / "stderr.txt")
        key = last_key(journal)
        if kind == "crash" and status > 0 and "Traceback (most recent call last)" in stderr \
                and "Fatal Python error" not in stderr:
            kind = "harness-error"  # the worker's own Python code failed: a defect of the fuzzer
        if kind == "crash":  # one signature per operation, whatever the other parameters' types
            signature = crash_signature(status, stderr, key.split("(")[0])
        elif kind == "harness-error":
            signature = (stderr.strip().splitlines() or ["?"])[-1]
        else:
            signature = f"{kind} [{key}]"
        report.count(kind)
        record = report.finding(kind, signature, w.case if w.case is not None else -1,
                                time.monotonic() - budget.started, w.workdir, _module_name(w.workdir), stderr,
                                detail=f"last statement: {key}")
        if record.count == 1:
            print(f"[{report.cases}] new {kind}: {signature}", flush=True)

    for w in pool:
        w.start()
        assert w.proc is not None and w.proc.stdout is not None
        selector.register(w.proc.stdout, selectors.EVENT_READ, w)
        dispatch(w)
    while any(w.case is not None for w in pool):
        for event, _ in selector.select(timeout=0.25):
            w = event.data
            assert w.proc is not None and w.proc.stdout is not None
            chunk = os.read(w.proc.stdout.fileno(), 1 << 16)
            if not chunk:  # the worker died
                status = w.proc.wait()
                if w.case is not None:
                    lost(w, "crash", status)
                restart(w)
                dispatch(w)
                continue
            w.buffer += chunk
            while b"\n" in w.buffer:
                line, w.buffer = w.buffer.split(b"\n", 1)
                _finished(report, w, json.loads(line), budget)
                w.case = None
                dispatch(w)
        now = time.monotonic()
        for w in pool:
            if w.case is None:
                continue
            if now - w.started > case_timeout:
                lost(w, "hang", w.kill())
            elif w.rss() > RSS_LIMIT:
                lost(w, "memory", w.kill())
            else:
                continue
            restart(w)
            dispatch(w)
    for w in pool:
        assert w.proc is not None and w.proc.stdin is not None
        w.proc.stdin.close()
        try:
            w.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            w.kill()
    return report


def _finished(report: Report, w: Worker, result: dict[str, object], budget: Budget) -> None:
    outcome = str(result["outcome"])
    report.count(outcome)
    elapsed = time.monotonic() - budget.started
    module = str(result.get("module", "case.wasm"))
    if outcome == "harness-error":
        report.finding("harness-error", str(result.get("detail", "")).strip().splitlines()[-1], int(str(result["case"])),
                       elapsed, w.workdir, module, detail=str(result.get("detail", "")))
    findings = result.get("findings")
    assert isinstance(findings, list)
    for f in findings:
        record = report.finding(f["kind"], f["signature"], int(str(result["case"])), elapsed, w.workdir, module,
                                upto=f["statement"], detail=f["detail"])
        if record.count == 1:
            print(f"[{report.cases}] new {f['kind']}: {f['signature']}", flush=True)
