"""The arm64 Debian root that scripts/aarch64.py runs the test suite in, under qemu-user.

Each step is done once and cached: the host's tools (apt-get), qemu registered with
binfmt_misc, the root (debootstrap, ~3 minutes), the wheels its virtual environments
install (fetched by the host's pip for manylinux2014_aarch64: the root has no network)
and the environments themselves. Every command in the root runs in a mount namespace
of its own (``unshare --mount``): /proc, /dev, /dev/pts and /dev/shm are mounted for it
and vanish with it, so a killed run leaves no mount behind (and deleting a root never
reaches the host's /dev). Standard library only; needs root (chroot, mount, apt-get).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

SUITE = "bookworm"  # Debian 12: CPython 3.11
ROOT_PACKAGES = ("python3", "python3-venv")
HOST_TOOLS = {"qemu-aarch64-static": "qemu-user-static", "debootstrap": "debootstrap",
              "update-binfmts": "binfmt-support", "unshare": "util-linux"}
BINFMT = Path("/proc/sys/fs/binfmt_misc")
PLATFORM_TAG = "manylinux2014_aarch64"
TEST_REQUIREMENTS = ("pytest>=8", "wasmtime==50.0.1", "hypothesis>=6.100", "platformdirs>=3")  # noxfile TEST_DEPS
BUILD_REQUIREMENTS = ("hatchling>=1.18", "editables")  # the packages' editable installs
PACKAGES = ("wt-loader", "wt-ffi", "wt-api", "wt-wasi")
STAMP = ".wt-root"

# Inside the root, as the chroot sees it.
PROJECT = "/opt/wt"        # the project's files, copied in for each run
WHEELS = "/opt/wheels"     # every wheel the environments install
VENV = "/opt/venv"         # the test environment: the four packages (editable), pytest, wasmtime
BARE_VENV = "/opt/venv-bare"  # the four packages alone, no wasmtime: the download end to end
SPECTEST = "/opt/spectest"  # the WebAssembly testsuite, when the host has one

_MOUNT_AND_CHROOT = r"""set -e
root=$1; cwd=$2; shift 2
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
if mountpoint -q /dev/shm; then mount --bind /dev/shm "$root/dev/shm"; fi
exec chroot "$root" /usr/bin/env -i -C "$cwd" "$@"
"""


def log(message: str) -> None:
    """One line of progress, marked as this script's."""
    print(f"aarch64: {message}", flush=True)


def run(argv: Sequence[str], **kwargs: Any) -> None:
    """Run a host command, echoed first; fail the script if it fails."""
    log("$ " + shlex.join(argv))
    result = subprocess.run(argv, **kwargs)
    if result.returncode != 0:
        sys.exit(f"aarch64: {argv[0]} failed (exit code {result.returncode})")


def in_root(root: Path, argv: Sequence[str], env: Mapping[str, str], *, cwd: str = "/",
            **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``argv`` in ``root`` with exactly ``env`` (plus a PATH and HOME), in a mount
    namespace of its own and a new session (so that its whole tree can be stopped)."""
    base = {"PATH": f"{VENV}/bin:/usr/bin:/bin", "HOME": "/root", "LANG": "C.UTF-8",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    settings = [f"{k}={v}" for k, v in {**base, **env}.items()]
    command = ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", _MOUNT_AND_CHROOT,
               "sh", str(root), cwd, *settings, *argv]
    proc: subprocess.Popen[bytes] = subprocess.Popen(command, start_new_session=True, **popen)
    return proc


def check_in_root(root: Path, argv: Sequence[str], env: Mapping[str, str] | None = None, *,
                  cwd: str = "/") -> str:
    """Run ``argv`` in ``root``; its standard output, or the script fails."""
    log(f"[root] $ {shlex.join(argv)}")
    proc = in_root(root, argv, env or {}, cwd=cwd, stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"aarch64: {argv[0]} failed in the root (exit code {proc.returncode})")
    return out.decode()


def host_tools() -> None:
    """qemu-user-static, debootstrap and binfmt-support, installed by apt-get if missing."""
    missing = sorted({pkg for tool, pkg in HOST_TOOLS.items() if shutil.which(tool) is None})
    if not missing:
        return
    if shutil.which("apt-get") is None:
        sys.exit(f"aarch64: install {', '.join(missing)} (this script installs them with apt-get on Debian)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env, stdout=subprocess.DEVNULL)


def binfmt() -> None:
    """qemu-aarch64 registered with binfmt_misc, with the F flag (the kernel opens the
    interpreter when it is registered, so the root needs no copy of qemu). binfmt_misc
    stays mounted and registered afterwards: it is the machine's configuration."""
    if not os.path.ismount(BINFMT):
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)])
    entry = BINFMT / "qemu-aarch64"
    if not entry.exists() or not entry.read_text().startswith("enabled"):
        run(["update-binfmts", "--enable", "qemu-aarch64"])
    text = entry.read_text() if entry.exists() else ""
    flags = re.search(r"^flags: *(\S*)", text, re.M)
    if not text.startswith("enabled") or flags is None or "F" not in flags.group(1):
        sys.exit(f"aarch64: {entry} is not an enabled registration with the F flag:\n{text}"
                 "reinstall qemu-user-static (Debian's registers qemu-aarch64 with flags PF)")


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (``WT_DEBIAN_MIRROR`` overrides it)."""
    if os.environ.get("WT_DEBIAN_MIRROR"):
        return os.environ["WT_DEBIAN_MIRROR"]
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for source in sources:
        try:
            text = source.read_text()
        except OSError:
            continue
        for url in re.findall(r"^(?:URIs:|deb(?:\s+\[[^]]*\])?)\s+(\S+)", text, re.M):
            if str(url).rstrip("/").endswith("/debian"):
                return str(url)
    return "http://deb.debian.org/debian"


def _remove(path: Path) -> None:
    """Delete a root, refusing if anything is mounted beneath it."""
    with open("/proc/self/mountinfo") as f:
        mounted = [line.split()[4] for line in f]
    inside = [m for m in mounted if m == str(path) or m.startswith(f"{path}/")]
    if inside:
        sys.exit(f"aarch64: refusing to delete {path}: {', '.join(inside)} mounted there (umount them)")
    shutil.rmtree(path, ignore_errors=True)


def build_root(cache: Path) -> tuple[Path, str]:
    """The arm64 root (built if absent) and its CPython's version, e.g. ``3.11``."""
    key = hashlib.sha256(f"{SUITE} {' '.join(ROOT_PACKAGES)}".encode()).hexdigest()[:12]
    root = cache / f"root-{SUITE}-{key}"
    stamp = root / STAMP
    if stamp.exists():
        return root, stamp.read_text().strip()
    for old in cache.glob("root-*"):  # another release, or a build that did not finish
        log(f"removing {old}")
        _remove(old)
    partial = cache / f"root-{SUITE}-{key}.partial"
    run(["unshare", "--mount", "--propagation", "private", "debootstrap", "--arch=arm64",
         "--variant=minbase", f"--include={','.join(ROOT_PACKAGES)}", SUITE, str(partial), debian_mirror()],
        stdout=subprocess.DEVNULL)
    version = check_in_root(partial, ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    (partial / STAMP).write_text(version)
    for deb in (partial / "var" / "cache" / "apt" / "archives").glob("*.deb"):
        deb.unlink()  # installed: no longer needed
    partial.rename(root)
    return root, version.strip()


def requirements(project: Path) -> list[str]:
    """What the environments install besides the four packages: the tests' requirements,
    the packages' own dependencies (read from their pyproject.toml) and the build backend."""
    found: list[str] = []
    for name in PACKAGES:
        text = (project / "packages" / name / "pyproject.toml").read_text()
        listed = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.M | re.S)
        for quoted in re.findall(r'"((?:[^"\\]|\\.)*)"', listed.group(1) if listed else ""):
            requirement = quoted.replace('\\"', '"').replace("\\\\", "\\")  # TOML basic-string escapes
            if not re.match(r"wt-[a-z]+\b", requirement):
                found.append(requirement)
    return sorted(set(found)) + [*TEST_REQUIREMENTS, *BUILD_REQUIREMENTS]


def environments(root: Path, project: Path, python: str) -> None:
    """The root's two virtual environments, remade when the requirements or a package's
    pyproject.toml change. Needs the project's copy in the root (editable installs)."""
    needs = requirements(project)
    pyprojects = [(project / "packages" / n / "pyproject.toml").read_bytes() for n in PACKAGES]
    key = hashlib.sha256(repr((needs, pyprojects, python)).encode()).hexdigest()
    stamp = root / VENV.lstrip("/") / STAMP
    if stamp.exists() and stamp.read_text() == key:
        return
    wheels = root / WHEELS.lstrip("/")
    shutil.rmtree(wheels, ignore_errors=True)
    run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--platform", PLATFORM_TAG,
         "--python-version", python, "--implementation", "cp", "-d", str(wheels), *needs])
    editable = [arg for name in PACKAGES for arg in ("-e", f"./packages/{name}")]
    pip = ["-m", "pip", "install", "-q", "--no-index", "--find-links", WHEELS]
    for venv, extra in ((VENV, needs), (BARE_VENV, [n for n in needs if not n.startswith("wasmtime")])):
        shutil.rmtree(root / venv.lstrip("/"), ignore_errors=True)
        check_in_root(root, ["python3", "-m", "venv", venv])
        check_in_root(root, [f"{venv}/bin/python", *pip, *extra, *editable], cwd=PROJECT)
    stamp.write_text(key)


def project_files(project: Path) -> list[str]:
    """The project's files as git knows them (tracked, and new ones not ignored)."""
    out = subprocess.run(["git", "-C", str(project), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, check=True).stdout
    return sorted(p for p in out.decode().split("\0") if p and (project / p).is_file())


def sync(source: Path, names: Sequence[str], target: Path) -> int:
    """Make ``target`` hold exactly ``names`` (relative paths) as they are under ``source``,
    copying changed files only (so bytecode compiled under emulation stays valid); the
    number of files copied."""
    copied = 0
    for name in names:
        src, dst = source / name, target / name
        s = src.stat()
        try:
            d = dst.stat()
            if (d.st_size, d.st_mtime_ns) == (s.st_size, s.st_mtime_ns):
                continue
        except FileNotFoundError:
            dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
        copied += 1
    keep = set(names)
    for path in sorted(target.rglob("*"), reverse=True):
        relative = path.relative_to(target).as_posix()
        if "__pycache__" in relative.split("/") or ".egg-info" in relative:
            continue
        if path.is_file() and relative not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return copied


def copy_project(root: Path, project: Path) -> int:
    """Bring the root's copy of the project up to date; the number of files copied."""
    return sync(project, project_files(project), root / PROJECT.lstrip("/"))


def copy_spectest(root: Path, suite: Path) -> int:
    """Bring the root's copy of the WebAssembly testsuite (JSON and wasm) up to date."""
    names = sorted(p.relative_to(suite).as_posix() for p in suite.rglob("*") if p.is_file())
    return sync(suite, names, root / SPECTEST.lstrip("/"))
