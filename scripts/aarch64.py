"""The test suite on Linux aarch64, under emulation (qemu-user), against the real aarch64
libwasmtime (from the PyPI wheel wasmtime==50.0.1 for manylinux2014_aarch64).

    sudo python3 scripts/aarch64.py                 # every test group, then the download end to end
    sudo python3 scripts/aarch64.py tests/api -x    # these pytest arguments only, in one process
    sudo python3 scripts/aarch64.py -- -k v128 tests  # (after -- when the first is an option)
    sudo python3 scripts/aarch64.py --prepare       # only make the root ready
    sudo python3 scripts/aarch64.py --shell         # a shell in the root (the project in /opt/wt)
    sudo python3 scripts/aarch64.py --spec          # and the whole spec testsuite, if the host has it

Prepares, once and cached (scripts/aarch64_root.py), an arm64 Debian root with CPython and
the test dependencies; copies the project in; builds the C WASI test programs on this host
and the test components (wasm32 code is the same for every host) and lets the tests take them; then runs each test
group (each folder under tests/, and the top-level test files) in a pytest process of its
own, watching its memory (the root has no network: WT_TESTS_OFFLINE tells the tests that
install from the package index; the leak tests run 100,000 operations instead of a
million, WT_TESTS_GROWTH_OPERATIONS, the interruption-point tests every fifth point,
WT_TESTS_INTERRUPT_STRIDE, and the signal flood raises every 3 ms, not 0.3,
WT_TESTS_FLOOD_INTERVAL); finally the Quick Start downloads the aarch64 release archive
from a loopback mirror in an environment without the wasmtime wheel (scripts/e2e_download.py).
Prints a summary; exits non-zero if anything failed.

The cache (~450 MB) is ``$WT_AARCH64_CACHE``, else ``~/.cache/wt-aarch64``; runs sharing it
take turns. Needs root (apt-get, mount, chroot) and a Debian-like host. Memory: qemu-user
keeps page descriptors for every page of guest address space it ever mapped; each wasm
linear memory reserves >4 GiB, so the guest's address space is bounded (QEMU_RESERVED_VA,
512 GiB: a 39-bit aarch64 kernel's) and the descriptors stay under ~3 GiB; see RATIONALE.md.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import aarch64_root as rootfs  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent
RESERVED_VA = 512 << 30  # bytes of guest address space: an aarch64 Linux with 39-bit virtual addresses
BUILD = "/opt/wt-build"  # WT_TEST_BUILD_DIR in the root: the WASI programs built on the host
GiB = 1 << 30


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(os.environ.get("WT_AARCH64_CACHE") or Path(base) / "wt-aarch64")


def groups() -> list[list[str]]:
    """Each folder under tests/ that holds tests, then the top-level test files together."""
    tests = PROJECT / "tests"
    folders = [[f"tests/{d.name}"] for d in sorted(tests.iterdir()) if d.is_dir() and any(d.glob("test_*.py"))]
    top = [f"tests/{f.name}" for f in sorted(tests.glob("test_*.py"))]
    return folders + ([top] if top else [])


def host_spectest() -> Path | None:
    """The host's WebAssembly testsuite, as the nox spec session finds it, if there is one."""
    suite = Path(os.environ.get("WT_SPECTEST_DIR") or PROJECT.parent / "shared" / "spectest")
    return suite.resolve() if suite.is_dir() and any(suite.glob("**/*.json")) else None


def root_env() -> dict[str, str]:
    """The environment of the test processes in the root."""
    env = {"QEMU_RESERVED_VA": hex(RESERVED_VA), "WT_TEST_BUILD_DIR": BUILD, "WT_CACHE_DIR": "/tmp/wt-cache",
           "WT_SPECTEST_DIR": rootfs.SPECTEST, "WT_TESTS_OFFLINE": "1", "WT_TESTS_GROWTH_OPERATIONS": "100000",
           "WT_TESTS_INTERRUPT_STRIDE": "5", "WT_TESTS_FLOOD_INTERVAL": "0.003"}
    for name in ("CI", "TERM", "NO_COLOR", "PY_COLORS"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (each qemu-user process)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            with open(f"/proc/{current}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            pass
    return total


class Outcome:
    """One process run in the root: what it printed last, how long it took, its peak memory."""

    def __init__(self, name: str, code: int, seconds: float, peak: int, summary: str) -> None:
        self.name, self.code, self.seconds, self.peak, self.summary = name, code, seconds, peak, summary


def watch(root: Path, name: str, argv: list[str], *, cwd: str, max_rss: int, timeout: float) -> Outcome:
    """Run ``argv`` in the root, streaming its output; stop its whole tree past ``max_rss``
    resident bytes or ``timeout`` seconds."""
    print(f"\n===== {name} (aarch64, qemu-user) =====", flush=True)
    start, peak, last, why = time.monotonic(), 0, "", ""
    proc = rootfs.in_root(root, argv, root_env(), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    pending = b""
    while True:
        chunk = proc.stdout.read()
        if chunk:
            sys.stdout.buffer.write(chunk)
            sys.stdout.flush()
            pending = (pending + chunk)[-4096:]
        if proc.poll() is not None and not chunk:
            break
        rss = tree_rss(proc.pid)
        peak = max(peak, rss)
        if rss > max_rss or time.monotonic() - start > timeout:
            why = (f"stopped: {rss / GiB:.1f} GiB resident, over --max-rss" if rss > max_rss
                   else f"stopped after {timeout:.0f} s (--timeout)")
            os.killpg(proc.pid, signal.SIGKILL)
        time.sleep(0.5)
    lines = [line for line in pending.decode(errors="replace").splitlines() if line.strip()]
    last = lines[-1].strip("= ") if lines else ""
    return Outcome(name, proc.returncode if not why else -9, time.monotonic() - start, peak, why or last)


def prepare(cache: Path) -> tuple[Path, dict[str, float]]:
    """Make everything ready; the root, and the seconds each step took."""
    steps: dict[str, float] = {}
    t = time.monotonic()
    rootfs.host_tools()
    rootfs.binfmt()
    steps["host tools and binfmt"] = time.monotonic() - t
    t = time.monotonic()
    root, python = rootfs.build_root(cache)
    steps["root (debootstrap)"] = time.monotonic() - t
    t = time.monotonic()
    copied = rootfs.copy_project(root, PROJECT)
    rootfs.log(f"{copied} project files copied into {root}{rootfs.PROJECT}")
    suite = host_spectest()
    if suite is not None:
        rootfs.log(f"{rootfs.copy_spectest(root, suite)} testsuite files copied from {suite}")
    steps["project copy"] = time.monotonic() - t
    t = time.monotonic()
    rootfs.environments(root, PROJECT, python)
    steps["wheels and environments"] = time.monotonic() - t
    t = time.monotonic()
    build = PROJECT / "tests" / "wasi" / "programs" / "build.py"
    if subprocess.run([sys.executable, str(build), str(root / BUILD.lstrip("/"))]).returncode != 0:
        rootfs.log("the WASI C programs did not build on this host (scripts/setup-wasi-toolchain.sh installs "
                   "clang): their tests will say so")
    for leftover in (root / "tmp").iterdir():  # the last run's temporary files (pytest keeps ~100 MB a run)
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    steps["WASI programs (host clang)"] = time.monotonic() - t
    t = time.monotonic()
    # Components too are wasm, the same for every host: built here (componentize-py, jco),
    # found in the root by the digest of their sources.
    components = PROJECT / "tests" / "components" / "build.py"
    env = {**os.environ, "WT_TEST_BUILD_DIR": str(root / BUILD.lstrip("/"))}
    if subprocess.run([sys.executable, str(components)], env=env).returncode != 0:
        rootfs.log("the test components did not build on this host (the nox session installs componentize-py "
                   "and node): their tests will say so")
    steps["test components (host toolchains)"] = time.monotonic() - t
    return root, steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="run pytest with these arguments only, in one process (after -- if the first is an option)")
    parser.add_argument("--cache", type=Path, default=default_cache(), help="where the root is kept (%(default)s)")
    parser.add_argument("--prepare", action="store_true", help="only make the root ready")
    parser.add_argument("--shell", action="store_true", help="open a shell in the root")
    parser.add_argument("--spec", action="store_true",
                        help="also run the whole WebAssembly spec testsuite (tests/spec/runner.py; minutes)")
    parser.add_argument("--max-rss", type=float, default=10.0, help="GiB a test process tree may hold (%(default)s)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a test process may take (%(default)s)")
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.pytest_args += argv[split + 1:]
    if os.geteuid() != 0:
        sys.exit("aarch64: run as root: it installs qemu-user-static and debootstrap with apt-get, "
                 "registers qemu with binfmt_misc, builds an arm64 root and chroots into it")
    if os.uname().machine not in ("x86_64", "amd64"):
        sys.exit(f"aarch64: this runs an aarch64 root under emulation on an x86_64 host, not {os.uname().machine}")
    args.cache.mkdir(parents=True, exist_ok=True)
    with open(args.cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.monotonic()
        root, steps = prepare(args.cache)
        if args.prepare:
            return 0
        if args.shell:
            return int(rootfs.in_root(root, ["/bin/bash"], root_env(), cwd=rootfs.PROJECT).wait())
        pytest = ["python", "-m", "pytest", "-p", "no:cacheprovider"]
        outcomes: list[Outcome] = []
        limits = {"cwd": rootfs.PROJECT, "max_rss": int(args.max_rss * GiB), "timeout": args.timeout}
        if args.pytest_args:
            outcomes.append(watch(root, " ".join(args.pytest_args), [*pytest, *args.pytest_args], **limits))
        else:
            for group in groups():
                outcomes.append(watch(root, " ".join(group), [*pytest, *group], **limits))
            wheel = next((root / rootfs.WHEELS.lstrip("/")).glob("wasmtime-*aarch64*.whl"))
            e2e = [f"{rootfs.BARE_VENV}/bin/python", f"{rootfs.PROJECT}/scripts/e2e_download.py",
                   f"{rootfs.WHEELS}/{wheel.name}"]
            outcomes.append(watch(root, "download end to end (no wasmtime wheel)", e2e, **{**limits, "cwd": "/tmp"}))
        if args.spec:
            spec = ["python", "tests/spec/runner.py", "--jobs", "2"]
            outcomes.append(watch(root, "spec testsuite (tests/spec/runner.py)", spec, **{**limits, "timeout": 7200}))
        report(root, steps, outcomes, time.monotonic() - started)
        return 0 if all(o.code == 0 for o in outcomes) else 1


def report(root: Path, steps: dict[str, float], outcomes: list[Outcome], total: float) -> None:
    qemu = subprocess.run(["qemu-aarch64-static", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"\n===== aarch64 summary: {qemu}; root {root.name}; guest address space {RESERVED_VA // GiB} GiB =====")
    for step, seconds in steps.items():
        print(f"  prepare  {step:<42} {seconds:7.1f} s")
    for o in outcomes:
        mark = "ok  " if o.code == 0 else "FAIL"
        print(f"  {mark}     {o.name:<42} {o.seconds:7.1f} s  peak {o.peak / GiB:5.2f} GiB  {o.summary}")
    # pytest's last line: "[F failed, ]N passed[, M skipped] in S s"
    passed = sum(int(m) for o in outcomes for m in re.findall(r"(\d+) passed\b(?=.* in [\d.]+s)", o.summary))
    print(f"  total {total:.0f} s; {passed} tests passed under aarch64; "
          f"peak memory of one process tree {max((o.peak for o in outcomes), default=0) / GiB:.2f} GiB")


if __name__ == "__main__":
    sys.exit(main())
