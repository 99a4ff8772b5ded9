"""Which release asset and library file fit this machine."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from .digests import PINNED, WASMTIME_VERSION
from .errors import UnsupportedPlatformError

__all__ = ["Platform", "detect_platform"]

_ARCH = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


@dataclass(frozen=True)
class Platform:
    """A platform wasmtime publishes a C API library for: ``arch`` is ``x86_64`` or
    ``aarch64``; ``os`` is ``linux`` (glibc), ``musl``, ``macos`` or ``windows``."""

    arch: str
    os: str

    def __post_init__(self) -> None:
        if (self.arch, self.os) not in PINNED:
            raise UnsupportedPlatformError(
                f"wasmtime {WASMTIME_VERSION} publishes no C API library for {self.arch}-{self.os}; "
                f"supported: {', '.join(f'{a}-{o}' for a, o in PINNED)}")

    @property
    def key(self) -> str:
        """``<arch>-<os>``, as in the release asset names."""
        return f"{self.arch}-{self.os}"

    @property
    def archive_root(self) -> str:
        """The top folder inside the release archive."""
        return f"wasmtime-v{WASMTIME_VERSION}-{self.key}-c-api"

    @property
    def asset_name(self) -> str:
        """The release asset's file name."""
        return self.archive_root + (".zip" if self.os == "windows" else ".tar.xz")

    @property
    def library_name(self) -> str:
        """The library's file name (``libwasmtime.so``, ``.dylib``, ``wasmtime.dll``)."""
        return PINNED[(self.arch, self.os)][0]

    @property
    def library_member(self) -> str:
        """The library's path inside the archive (never the ``min/`` build)."""
        return f"{self.archive_root}/lib/{self.library_name}"

    @property
    def size(self) -> int:
        """The pinned library's size in bytes."""
        return PINNED[(self.arch, self.os)][1]

    @property
    def sha256(self) -> str:
        """The pinned library's SHA-256, hex."""
        return PINNED[(self.arch, self.os)][2]


def _is_musl() -> bool:
    if os.path.exists("/etc/alpine-release"):
        return True
    if any(Path("/lib").glob("ld-musl-*")):
        return True
    try:
        return not os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError, AttributeError):
        import platform

        return platform.libc_ver()[0] != "glibc"


def detect_platform() -> Platform:
    """This machine's platform; :class:`UnsupportedPlatformError` where wasmtime has none."""
    if sys.maxsize <= 2**32:
        raise UnsupportedPlatformError("wasmtime's C API needs a 64-bit Python")
    machine = (os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", ""))
    if sys.platform == "win32":
        import platform

        machine = platform.machine()
    arch = _ARCH.get(machine.lower())
    if arch is None:
        raise UnsupportedPlatformError(
            f"wasmtime publishes no C API library for the {machine!r} architecture (x86_64 and aarch64 only)")
    if sys.platform.startswith("linux"):
        system = "musl" if _is_musl() else "linux"
    elif sys.platform == "darwin":
        system = "macos"
    elif sys.platform == "win32":
        system = "windows"
    else:
        raise UnsupportedPlatformError(f"wasmtime publishes no C API library for {sys.platform!r}")
    return Platform(arch, system)
