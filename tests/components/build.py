"""Build the test components from their sources, on demand, cached by content hash.

Three components, from two toolchains:

- ``kitchen`` and ``command``: Python guests (``guests/<name>/``) for the worlds of
  ``wit/kitchen.wit``, built by componentize-py (PyPI, pinned below);
- ``c-command``: ``c/command.c`` built by clang for wasm32-wasi (WASI preview 1, Debian's
  clang + wasi-libc, ``scripts/setup-wasi-toolchain.sh``) and adapted to a WASI 0.2 command
  by ``jco new --wasi-command`` with the preview1 command adapter shipped inside jco (npm,
  pinned below, installed into the cache directory, never into the repository).

Each component is cached as ``<cache>/<name>-<digest>.wasm``, the digest covering its
sources and the toolchain versions; a new build removes the earlier ones (and whatever the
tests derived from them, named ``<name>-<digest>.*``). The cache is ``$WT_TEST_BUILD_DIR/components`` when set,
else ``$XDG_CACHE_HOME/wt-tests/components`` (``~/.cache/wt-tests/components``).

Run it alone to build everything and print what each step took (``--cold`` first empties the
cache): ``python tests/components/build.py [--cold] [name ...]``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPONENTIZE_PY_VERSION = "0.25.1"
JCO_VERSION = "1.35.0"
SETUP_HINT = ("pip install componentize-py=={cpy}; clang + wasi-libc (scripts/setup-wasi-toolchain.sh); "
              "node and npm (scripts/setup-node.sh)").format(cpy=COMPONENTIZE_PY_VERSION)


class ToolchainMissing(RuntimeError):
    """A tool needed to build a test component is not installed (the message says which)."""


class BuildFailed(RuntimeError):
    """A toolchain is present but the component's sources did not build."""


@dataclass(frozen=True)
class Spec:
    """How one component is built: by ``kind`` from ``sources`` (files or directories)."""

    name: str
    kind: str  # "python" (componentize-py) or "c-command" (clang, then jco new)
    sources: tuple[Path, ...]
    world: str = ""


SPECS = {
    "kitchen": Spec("kitchen", "python", (HERE / "wit", HERE / "guests" / "kitchen"), "kitchen"),
    "command": Spec("command", "python", (HERE / "wit", HERE / "guests" / "command"), "command"),
    "c-command": Spec("c-command", "c-command", (HERE / "c" / "command.c",)),
}


def cache_dir() -> Path:
    """Where built components are kept."""
    base = os.environ.get("WT_TEST_BUILD_DIR")
    if base:
        return Path(base) / "components"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "wt-tests" / "components"


def digest(spec: Spec) -> str:
    """A hash of the component's sources and the versions of the tools that build it."""
    h = hashlib.sha256(f"{spec.kind} {spec.world} {COMPONENTIZE_PY_VERSION} {JCO_VERSION}\n".encode())
    for source in spec.sources:
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for path in files:
            if "__pycache__" in path.parts:
                continue
            h.update(str(path.relative_to(HERE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def build(name: str, cache: Path | None = None) -> Path:
    """The built component ``name`` (built now if its sources changed since the last build)."""
    spec = SPECS[name]
    cache = cache or cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    target = cache / f"{name}-{digest(spec)}.wasm"
    if target.exists():
        _prune(cache, name, target)
        return target
    with tempfile.TemporaryDirectory(dir=cache, prefix=f".{name}-") as tmp:
        out = Path(tmp) / f"{name}.wasm"
        if spec.kind == "python":
            _componentize_py(spec, out)
        else:
            _c_command(spec, Path(tmp), out, cache)
        out.replace(target)  # atomic: a concurrent build of the same sources writes the same bytes
    _prune(cache, name, target)
    return target


STALE_AFTER = 3 * 24 * 3600
"""Seconds after its last use that an earlier build is removed (not at once: another
checkout of the tests, with other sources, may be using it right now)."""


def _prune(cache: Path, name: str, target: Path) -> None:
    """Mark ``target`` used; remove builds of ``name`` (and what was compiled from them)
    that no run has used for :data:`STALE_AFTER` seconds."""
    now = time.time()
    os.utime(target, (now, target.stat().st_mtime))  # the access time says when it was last used

    for stale in cache.glob(f"{name}-*"):
        if stale.name.startswith(target.stem + "."):
            continue
        try:
            if now - stale.stat().st_atime > STALE_AFTER:
                stale.unlink(missing_ok=True)
        except OSError:  # another run removed it first
            pass


def _run(argv: list[str], what: str, cwd: Path | None = None) -> None:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        # componentize-py appends a long native backtrace: keep the Python part
        kept = [line for line in lines if not line.lstrip()[:1].isdigit() and not line.lstrip().startswith("at ")]
        raise BuildFailed(f"{what} failed ({' '.join(argv[:3])} ...):\n" + "\n".join(kept[-40:]))


def _componentize_py(spec: Spec, out: Path) -> None:
    try:
        from importlib.metadata import PackageNotFoundError, version

        found = version("componentize-py")
    except PackageNotFoundError:
        raise ToolchainMissing(f"componentize-py is not installed: {SETUP_HINT}") from None
    if found != COMPONENTIZE_PY_VERSION:
        raise ToolchainMissing(f"componentize-py {found} is installed, the tests pin {COMPONENTIZE_PY_VERSION}: {SETUP_HINT}")
    script = Path(sys.executable).parent / "componentize-py"
    cmd = [str(script)] if script.exists() else [sys.executable, "-c",
                                                 "import sys, componentize_py; sys.exit(componentize_py.script())"]
    wit, guest = spec.sources
    _run(cmd + ["-q", "-d", str(wit), "-w", spec.world, "componentize", "-p", str(guest), "app", "-o", str(out)],
         f"componentize-py building {spec.name}")


def _c_command(spec: Spec, tmp: Path, out: Path, cache: Path) -> None:
    clang = shutil.which("clang")
    if clang is None:
        raise ToolchainMissing(f"clang is not installed: {SETUP_HINT}")
    core = tmp / "core.wasm"
    _run([clang, "--target=wasm32-wasi", "-O2", "-o", str(core), str(spec.sources[0])], f"clang building {spec.name}")
    _run([str(jco(cache)), "new", str(core), "--wasi-command", "-o", str(out)], f"jco adapting {spec.name}")


def jco(cache: Path | None = None) -> Path:
    """The pinned jco, installed with npm into the cache on first use."""
    prefix = (cache or cache_dir()) / "npm" / f"jco-{JCO_VERSION}"
    binary = prefix / "node_modules" / ".bin" / "jco"
    if binary.exists():
        return binary
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        raise ToolchainMissing(f"node and npm are needed for jco: {SETUP_HINT}")
    prefix.mkdir(parents=True, exist_ok=True)
    _run([npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(prefix),
          f"@bytecodealliance/jco@{JCO_VERSION}"], "npm installing jco")
    if not binary.exists():
        raise BuildFailed(f"npm installed jco {JCO_VERSION} but {binary} is missing")
    return binary


def main(argv: list[str]) -> int:
    """Build the named components (all by default) and print what each took."""
    cold = "--cold" in argv
    names = [a for a in argv if not a.startswith("--")] or list(SPECS)
    cache = cache_dir()
    if cold:
        shutil.rmtree(cache, ignore_errors=True)
    total = time.perf_counter()
    for name in names:
        start = time.perf_counter()
        path = build(name, cache)
        print(f"{name:10} {time.perf_counter() - start:6.1f} s  {path.stat().st_size / 1e6:6.1f} MB  {path}")
    print(f"{'total':10} {time.perf_counter() - total:6.1f} s  (componentize-py {COMPONENTIZE_PY_VERSION}, "
          f"jco {JCO_VERSION}, {'cold' if cold else 'cached where unchanged'})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
