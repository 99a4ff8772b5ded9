"""Build the C test programs here for wasm32-wasi with clang, named by their source's digest.

    python tests/wasi/programs/build.py OUTDIR     # every program, into OUTDIR/wasi-programs

The tests build on first use (tests/wasi/conftest.py, cached in ``WT_TEST_BUILD_DIR``);
this command builds ahead of time, for a run where clang is absent: wasm32 code is the
same whichever machine compiles it, so programs built on an x86_64 host serve the
emulated aarch64 run (scripts/aarch64.py) through ``WT_TEST_BUILD_DIR=OUTDIR``.
Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parent


def target(source: Path, build_dir: Path) -> Path:
    """Where ``source``'s program lies under ``build_dir``: ``wasi-programs/<name>-<digest>.wasm``."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return build_dir / "wasi-programs" / f"{source.stem}-{digest}.wasm"


def clang(source: Path, output: Path) -> str | None:
    """Build ``source`` for wasm32-wasi; None on success, else clang's complaint."""
    compiler = shutil.which("clang")
    if compiler is None:
        return "clang is not installed"
    result = subprocess.run([compiler, "--target=wasm32-wasi", "-O2", "-o", str(output), str(source)],
                            capture_output=True, text=True, timeout=300)
    return None if result.returncode == 0 else (result.stderr.strip() or f"clang exited with {result.returncode}")


def toolchain_problem() -> str | None:
    """Why clang cannot build a trivial wasm32-wasi program, or None if it can."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.c"
        probe.write_text("#include <stdio.h>\nint main(void) { puts(\"ok\"); return 0; }\n")
        return clang(probe, Path(tmp) / "probe.wasm")


def build(source: Path, build_dir: Path) -> tuple[Path, str | None]:
    """``source``'s program, built unless it already is: its path, and clang's complaint
    (None when the program is there)."""
    path = target(source, build_dir)
    if path.exists():
        return path, None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    error = clang(source, tmp)
    if error is None:
        tmp.replace(path)
    return path, error


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    failed = False
    for source in sorted(PROGRAMS.glob("*.c")):
        path, error = build(source, Path(argv[0]))
        print(f"{source.name}: {path}" if error is None else f"{source.name}: {error}",
              file=sys.stdout if error is None else sys.stderr)
        failed = failed or error is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
