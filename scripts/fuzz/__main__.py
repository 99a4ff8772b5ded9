"""The fuzz session's command line.

    python -m fuzz --cases 20000 --seed 1            # (PYTHONPATH=scripts; nox -s fuzz does it)
    python -m fuzz --seconds 120 --seed 7 --workers 2 --out fuzz-results
    python -m fuzz.minimize fuzz-results/crash-0123456789   # shrink one reproducer

Exit status 1 when a crash, hang or runaway allocation was found, else 0. Each finding's
reproducer (``repro.py`` and the module beside it) is under ``--out``, one per signature."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

from . import corpus, driver
from .smith import executable


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz session."""
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=None, help="stop after this many cases")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    parser.add_argument("--seed", type=int, default=1, help="the run's seed (each case's is derived from it)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    parser.add_argument("--out", type=Path, default=Path("fuzz-results"), help="where reproducers go")
    parser.add_argument("--case-timeout", type=float, default=30.0, help="seconds before a case is a hang")
    parser.add_argument("--minimize", type=float, default=0.0, metavar="SECONDS",
                        help="after the run, shrink each crash reproducer for up to SECONDS (repro.min.py)")
    args = parser.parse_args(argv)
    if args.cases is None and args.seconds is None:
        args.cases = 2000
    root = corpus.spectest_dir()
    entries = corpus.index(root) if root.is_dir() else []
    if not entries:
        print(f"fuzz: no WebAssembly testsuite at {root} (set WT_SPECTEST_DIR): generated modules only",
              file=sys.stderr)
    tool = executable()
    print(f"fuzz: seed {args.seed}, {len(entries)} testsuite modules, "
          f"wasm-tools {'at ' + tool if tool else 'not found (no smith modules)'}, {args.workers} workers",
          flush=True)
    shutil.rmtree(args.out, ignore_errors=True)
    work = args.out / "work"
    work.mkdir(parents=True)
    index_file = work / "index.json"
    index_file.write_text(json.dumps([e.__dict__ for e in entries]))
    budget = driver.Budget(args.cases, args.seconds)
    report = driver.run(args.seed, budget, args.workers, args.out, index_file, args.case_timeout)
    seconds = time.monotonic() - budget.started
    report.write_json(seconds)
    print(report.summary(seconds), flush=True)
    if args.minimize > 0:
        from .minimize import minimize

        for record in report.records.values():
            if record.kind == "crash":
                out = minimize(Path(record.path), args.minimize)
                print(f"minimised: {out or record.path + ' (no crash when run alone)'}", flush=True)
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
