"""Shrink a crash reproducer: drop statements (halves, then quarters, ... then one at a time)
while the crash keeps its signature. Writes ``repro.min.py`` beside ``repro.py``.

    python -m fuzz.minimize fuzz-results/crash-0123456789 [--seconds 120]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from .report import crash_signature

_MARK = "import pathlib\n"


def _split(script: str) -> tuple[str, list[str]]:
    """(header up to the WASM line, the case's statements)."""
    head, _, rest = script.partition(_MARK)
    lines = rest.splitlines()
    header = head + _MARK + lines[0] + "\n"
    body = [line for line in lines[1:] if line and not line.startswith(("#", "print('reproducer finished"))]
    return header, body


def _signature(directory: Path, header: str, body: list[str], timeout: float) -> str | None:
    """The crash signature of running these statements (None: no crash)."""
    candidate = directory / "repro.try.py"
    candidate.write_text(header + "\n".join(body) + "\n")
    try:
        proc = subprocess.run([sys.executable, "-X", "faulthandler", str(candidate)], capture_output=True, text=True,
                              timeout=timeout, cwd=directory)
    except subprocess.TimeoutExpired:
        return "hang"
    finally:
        candidate.unlink(missing_ok=True)
    if proc.returncode >= 0:
        return None
    return crash_signature(proc.returncode, proc.stderr, "").rsplit(" [", 1)[0]


def minimize(directory: Path, seconds: float = 120.0, timeout: float = 30.0) -> Path | None:
    """Write ``repro.min.py`` (the fewest statements that still crash the same way);
    None if the reproducer does not crash when run alone."""
    header, body = _split((directory / "repro.py").read_text())
    target = _signature(directory, header, body, timeout)
    if target is None:
        return None
    deadline = time.monotonic() + seconds
    chunk = max(1, len(body) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        i = 0
        while i < len(body) and time.monotonic() < deadline:
            candidate = body[:i] + body[i + chunk:]
            if candidate and _signature(directory, header, candidate, timeout) == target:
                body = candidate
            else:
                i += chunk
        chunk //= 2
    out = directory / "repro.min.py"
    out.write_text(header + "\n".join(body) + "\nprint('reproducer finished without crashing')\n")
    info = directory / "info.json"
    if info.exists():
        data = json.loads(info.read_text())
        data.update(minimized_statements=len(body), minimized_signature=target)
        info.write_text(json.dumps(data, indent=1))
    return out


def main(argv: list[str] | None = None) -> int:
    """Minimise each directory given."""
    parser = argparse.ArgumentParser(prog="python -m fuzz.minimize", description=__doc__)
    parser.add_argument("directories", nargs="+", type=Path)
    parser.add_argument("--seconds", type=float, default=120.0, help="time budget per reproducer")
    args = parser.parse_args(argv)
    for directory in args.directories:
        out = minimize(directory, args.seconds)
        print(f"{directory}: {out if out else 'does not crash when run alone'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
