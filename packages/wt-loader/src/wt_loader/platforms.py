"""Which release asset and library file fit this machine."""

from __future__ import annotations

import os
import sys

from .digests import PINNED, WASMTIME_VERSION, Pin
from .errors import UnsupportedPlatformError

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from typing import Literal

    Arch = Literal["x86_64", "aarch64"]
    OS = Literal["linux", "musl", "macos", "windows"]

__all__ = ["Arch", "OS", "Platform", "detect_platform", "platform_for"]


def __getattr__(name: str) -> object:
    # The typing aliases are made on first use (importing typing costs milliseconds).
    if name in ("Arch", "OS"):
        from typing import Literal  # (typing costs ~6 ms: the alias is made on first use)

        return Literal["x86_64", "aarch64"] if name == "Arch" else Literal["linux", "musl", "macos", "windows"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# machine names as os.uname(), platform.machine() and sysconfig spell them
_ARCHES: dict[str, Arch] = {"x86_64": "x86_64", "amd64": "x86_64", "x64": "x86_64",
                            "aarch64": "aarch64", "arm64": "aarch64"}
_SUPPORTED = ", ".join(f"{a}-{o}" for a, o in PINNED)


class Platform:
    """A platform wasmtime publishes a C API library for: ``arch`` is ``x86_64`` or
    ``aarch64``; ``os`` is ``linux`` (glibc), ``musl``, ``macos`` or ``windows``.
    Anything else raises :class:`UnsupportedPlatformError`. An immutable value.

    (A plain class, not a dataclass: ``import dataclasses`` costs ~6 ms, and the first
    Runtime of every program detects its platform.)"""

    __slots__ = ("arch", "os")
    arch: Arch
    os: OS

    def __init__(self, arch: Arch, os: OS) -> None:
        if (arch, os) not in PINNED:
            raise UnsupportedPlatformError(
                f"wasmtime {WASMTIME_VERSION} publishes no C API library for {arch}-{os}; "
                f"supported: {_SUPPORTED}")
        object.__setattr__(self, "arch", arch)
        object.__setattr__(self, "os", os)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Platform is immutable: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Platform is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Platform:
            return NotImplemented
        assert isinstance(other, Platform)
        return (self.arch, self.os) == (other.arch, other.os)

    def __hash__(self) -> int:
        return hash((self.arch, self.os))

    def __repr__(self) -> str:
        return f"Platform(arch={self.arch!r}, os={self.os!r})"

    def __reduce__(self) -> tuple[type[Platform], tuple[str, str]]:
        return Platform, (self.arch, self.os)

    @property
    def _pin(self) -> Pin:
        return PINNED[(self.arch, self.os)]

    @property
    def key(self) -> str:
        """``<arch>-<os>``, as in the release asset names and the cache folders."""
        return f"{self.arch}-{self.os}"

    @property
    def archive_root(self) -> str:
        """The top folder inside the release archive."""
        return f"wasmtime-v{WASMTIME_VERSION}-{self.key}-c-api"

    @property
    def asset_name(self) -> str:
        """The release asset's file name (``.zip`` on Windows, ``.tar.xz`` elsewhere)."""
        return self.archive_root + (".zip" if self.os == "windows" else ".tar.xz")

    @property
    def library_name(self) -> str:
        """The library's file name (``libwasmtime.so``, ``libwasmtime.dylib``, ``wasmtime.dll``)."""
        return self._pin.library

    @property
    def library_member(self) -> str:
        """The library's path inside the archive: ``<root>/lib/<name>``, never ``min/``."""
        return f"{self.archive_root}/lib/{self.library_name}"

    @property
    def size(self) -> int:
        """The pinned library's size in bytes."""
        return self._pin.size

    @property
    def sha256(self) -> str:
        """The pinned library's SHA-256, lowercase hex."""
        return self._pin.sha256


def platform_for(sys_platform: str, machine: str, *, musl: bool = False, bits: int = 64) -> Platform:
    """The platform for a ``sys.platform`` value, a machine name (``x86_64``, ``AMD64``,
    ``arm64``, ...), the C library (Linux) and the interpreter's pointer width."""
    if bits != 64:
        raise UnsupportedPlatformError(
            f"wasmtime's C API needs a 64-bit Python; this one is {bits}-bit. Supported: {_SUPPORTED}")
    arch = _ARCHES.get(machine.lower())
    if arch is None:
        raise UnsupportedPlatformError(
            f"wasmtime {WASMTIME_VERSION} publishes no C API library for the {machine!r} architecture "
            f"(x86_64 and aarch64 only). Supported: {_SUPPORTED}")
    system: OS
    if sys_platform.startswith("linux"):
        system = "musl" if musl else "linux"
    elif sys_platform == "darwin":
        system = "macos"
    elif sys_platform in ("win32", "cygwin"):
        system = "windows"
    else:
        raise UnsupportedPlatformError(
            f"wasmtime {WASMTIME_VERSION} publishes no C API library for {sys_platform!r}. "
            f"Supported: {_SUPPORTED}; elsewhere, build it and set WASMTIME_LIB_PATH")
    return Platform(arch, system)


def elf_interpreter(path: str) -> str | None:
    """The program interpreter (``PT_INTERP``) an ELF executable names, e.g.
    ``/lib64/ld-linux-x86-64.so.2`` or ``/lib/ld-musl-x86_64.so.1``; None if it has none."""
    import struct  # (only the musl probe reads ELF headers)

    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 52 or head[:4] != b"\x7fELF" or head[4] not in (1, 2) or head[5] not in (1, 2):
                return None
            end = "<" if head[5] == 1 else ">"
            if head[4] == 2:  # 64-bit
                (phoff,) = struct.unpack_from(end + "Q", head, 0x20)
                phentsize, phnum = struct.unpack_from(end + "HH", head, 0x36)
                entry, offset_at = end + "IIQQQQ", (2, 5)
            else:
                (phoff,) = struct.unpack_from(end + "I", head, 0x1C)
                phentsize, phnum = struct.unpack_from(end + "HH", head, 0x2A)
                entry, offset_at = end + "IIIIII", (1, 4)
            for i in range(min(phnum, 256)):
                f.seek(phoff + i * phentsize)
                raw = f.read(struct.calcsize(entry))
                if len(raw) < struct.calcsize(entry):
                    return None
                fields = struct.unpack(entry, raw)
                if fields[0] == 3:  # PT_INTERP
                    f.seek(fields[offset_at[0]])
                    return f.read(min(fields[offset_at[1]], 4096)).split(b"\0", 1)[0].decode("ascii", "replace")
    except (OSError, struct.error):
        return None
    return None


def _is_musl() -> bool:
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):  # musl: unknown name, or EINVAL
        glibc = None
    if glibc and glibc.startswith("glibc"):
        return False
    interpreter = elf_interpreter(sys.executable)
    if interpreter is not None:
        return "musl" in interpreter
    import platform  # a static interpreter: look for glibc's symbols in it

    return platform.libc_ver()[0] != "glibc"


def _machine() -> str:
    if sys.platform == "win32":
        import sysconfig  # the interpreter's own build (an x64 Python on ARM64 is emulated)

        return sysconfig.get_platform().removeprefix("win-")
    return os.uname().machine


def detect_platform() -> Platform:
    """This machine's platform; :class:`UnsupportedPlatformError` where wasmtime has none."""
    if hasattr(sys, "getandroidapilevel"):
        raise UnsupportedPlatformError(
            f"wasmtime {WASMTIME_VERSION} publishes no C API library for Android; set WASMTIME_LIB_PATH")
    bits = 64 if sys.maxsize > 2**32 else 32
    musl = sys.platform.startswith("linux") and _is_musl()
    return platform_for(sys.platform, _machine(), musl=musl, bits=bits)
