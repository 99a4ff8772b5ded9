"""A worker process: runs the cases the driver sends, one at a time.

    python -m fuzz.worker WORKDIR INDEX.json

Reads ``case N SEED`` lines on stdin and answers one JSON line per case on stdout. Before
a case runs, its module goes to ``WORKDIR/case.wasm`` (or ``case.wat``) and each statement
to ``WORKDIR/journal.py`` as it starts, and stderr (``WORKDIR/stderr.txt``, opened for
appending by the driver) is emptied: if the worker dies, what is there is the reproducer."""

from __future__ import annotations

import faulthandler
import gc
import json
import os
import random
import sys
import time
import traceback
from pathlib import Path
from types import CodeType

from . import case
from .corpus import Corpus, Entry, spectest_dir
from .recorder import SUPPORT, Recorder
from .smith import executable

DATA_LIMIT = 4 << 30
"""Bytes of writable private memory a worker may map (RLIMIT_DATA): a runaway allocation
aborts the worker (a finding) instead of exhausting the machine."""


def case_seed(seed: int, number: int) -> int:
    """The seed of case ``number`` of a run seeded ``seed``."""
    return random.Random(f"{seed}:{number}").getrandbits(64)


def _limit_memory() -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = DATA_LIMIT if hard == resource.RLIM_INFINITY else min(DATA_LIMIT, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def run_case(workdir: Path, corpus: Corpus, support: CodeType, number: int, seed: int) -> dict[str, object]:
    """Run one case; returns its result record."""
    rng = random.Random(seed)
    try:
        source = corpus.pick(rng)
    except Exception:  # noqa: BLE001 - a defect of the fuzzer, reported as such
        return {"case": number, "outcome": "harness-error", "detail": traceback.format_exc(), "findings": [],
                "statements": 0, "origin": "?", "module": "case.wasm"}
    module_file = workdir / ("case.wat" if isinstance(source.data, str) else "case.wasm")
    for stale in ("case.wat", "case.wasm"):
        (workdir / stale).unlink(missing_ok=True)
    if isinstance(source.data, str):
        module_file.write_text(source.data)
    else:
        module_file.write_bytes(source.data)
    journal = os.open(workdir / "journal.py", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    namespace: dict[str, object] = {"__name__": "fuzzcase"}
    started = time.perf_counter()
    try:
        os.write(journal, f"# case {number} seed {seed}\n".encode())
        exec(support, namespace)  # noqa: S102 - our own support code
        namespace["WASM"] = source.data
        rec = Recorder(journal, namespace)
        try:
            outcome = case.run(rng, rec, source)
        except Exception:  # noqa: BLE001 - a defect of the fuzzer, reported as such
            return {"case": number, "outcome": "harness-error", "detail": traceback.format_exc(),
                    "findings": [], "statements": rec.statements, "origin": source.origin,
                    "module": module_file.name}
        return {
            "case": number, "outcome": outcome, "origin": source.origin, "module": module_file.name,
            "statements": rec.statements, "seconds": time.perf_counter() - started,
            "findings": [{"kind": f.kind, "signature": f.signature, "statement": f.statement, "detail": f.detail}
                         for f in rec.findings],
        }
    finally:
        os.close(journal)
        namespace.clear()


def main(argv: list[str]) -> int:
    """Serve cases until stdin closes."""
    workdir, index_file = Path(argv[0]), Path(argv[1])
    faulthandler.enable(all_threads=True)
    _limit_memory()
    entries = [Entry(**e) for e in json.loads(index_file.read_text())]
    corpus = Corpus(spectest_dir() if entries else None, entries, executable())
    support = compile(SUPPORT.read_text(), str(SUPPORT), "exec")
    out = sys.stdout
    for done, line in enumerate(sys.stdin):
        parts = line.split()
        if len(parts) != 3 or parts[0] != "case":
            continue
        try:
            os.ftruncate(2, 0)
        except OSError:
            pass  # stderr is not a file (run by hand)
        result = run_case(workdir, corpus, support, int(parts[1]), int(parts[2]))
        out.write(json.dumps(result) + "\n")
        out.flush()
        if done % 20 == 19:
            gc.collect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
