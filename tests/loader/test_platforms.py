"""Platform detection: this machine, the mapping for the others, the pinned table."""

from __future__ import annotations

import os
import platform as stdlib_platform
import struct
import sys
from pathlib import Path

import pytest

import wt_loader
from wt_loader.bundled import wheel_member
from wt_loader.platforms import elf_interpreter, platform_for

# An independent copy of /work/shared/wasmtime-50.0.1.sha256: a change to the pins in the
# code must be made here too, deliberately.
PINS = """
wasmtime-v50.0.1-x86_64-linux-c-api.tar.xz     lib/libwasmtime.so     29673400  3127ca42fe7cdd3f0a43a358e79177dcfedd46c1746329826403b9d854de6178
wasmtime-v50.0.1-aarch64-linux-c-api.tar.xz    lib/libwasmtime.so     25966376  4777b787fcc6651c98130ccc7c8ce9160faba5f3b34918886785a43094026fc9
wasmtime-v50.0.1-x86_64-musl-c-api.tar.xz      lib/libwasmtime.so     29732832  eebf57d92ddfde217c10a05d9a9973aea5963747ae581540c64212ec27998fbc
wasmtime-v50.0.1-aarch64-musl-c-api.tar.xz     lib/libwasmtime.so     25912672  dc8cc72c2a23d8f93a1402769ef002b0b2bab7ca55b53ceed353e0badb7bde0d
wasmtime-v50.0.1-x86_64-macos-c-api.tar.xz     lib/libwasmtime.dylib  26815560  aaa18016fcb37d9794b6df8c263f03c7ae42870d2fc4ede73e6ad7f855b215e3
wasmtime-v50.0.1-aarch64-macos-c-api.tar.xz    lib/libwasmtime.dylib  23517920  a69fa55d4600958e3c95a25dd552cfc83105a6288fea764f37a87c578806cd85
wasmtime-v50.0.1-x86_64-windows-c-api.zip      lib/wasmtime.dll       21257216  bb9576481331d8ebffe308048bfe26b45e544552783a9868e971a9c38c08e726
wasmtime-v50.0.1-aarch64-windows-c-api.zip     lib/wasmtime.dll       16143872  774a90ede6ef68c4bb0813ed621f6899942b62a9237478752f4fd70e08f81d66
"""
ROWS = [line.split() for line in PINS.strip().splitlines()]


@pytest.mark.parametrize("asset,member,size,sha256", ROWS, ids=[r[0].split("-")[2] + "-" + r[0].split("-")[3]
                                                                for r in ROWS])
def test_pinned_table(asset: str, member: str, size: str, sha256: str) -> None:
    _, _, arch, os_, _, _ = asset.split("-", 5)
    p = wt_loader.Platform(arch, os_)  # type: ignore[arg-type]
    root = asset.removesuffix(".tar.xz").removesuffix(".zip")
    assert p.asset_name == asset
    assert p.archive_root == root
    assert p.library_member == f"{root}/{member}"
    assert p.library_name == member.removeprefix("lib/")
    assert (p.size, p.sha256) == (int(size), sha256)
    assert p.key == f"{arch}-{os_}"


@pytest.mark.parametrize("sys_platform,machine,musl,key", [
    ("linux", "x86_64", False, "x86_64-linux"),
    ("linux", "aarch64", False, "aarch64-linux"),
    ("linux", "x86_64", True, "x86_64-musl"),
    ("linux", "aarch64", True, "aarch64-musl"),
    ("darwin", "x86_64", False, "x86_64-macos"),
    ("darwin", "arm64", False, "aarch64-macos"),
    ("win32", "AMD64", False, "x86_64-windows"),
    ("win32", "amd64", False, "x86_64-windows"),  # sysconfig.get_platform(): win-amd64
    ("win32", "ARM64", False, "aarch64-windows"),
])
def test_platform_mapping(sys_platform: str, machine: str, musl: bool, key: str) -> None:
    assert platform_for(sys_platform, machine, musl=musl).key == key


@pytest.mark.parametrize("sys_platform,machine,bits,match", [
    ("linux", "i686", 32, "64-bit"),
    ("win32", "x86", 32, "64-bit"),
    ("linux", "armv7l", 64, "armv7l"),
    ("linux", "riscv64", 64, "riscv64"),
    ("linux", "ppc64le", 64, "ppc64le"),
    ("freebsd14", "amd64", 64, "freebsd14"),
    ("sunos5", "x86_64", 64, "sunos5"),
])
def test_unsupported_platforms(sys_platform: str, machine: str, bits: int, match: str) -> None:
    with pytest.raises(wt_loader.UnsupportedPlatformError, match=match) as info:
        platform_for(sys_platform, machine, bits=bits)
    assert isinstance(info.value, wt_loader.LoaderError)


def test_platform_rejects_unknown_pairs() -> None:
    with pytest.raises(wt_loader.UnsupportedPlatformError, match="supported: x86_64-linux"):
        wt_loader.Platform("riscv64", "linux")  # type: ignore[arg-type]
    with pytest.raises(wt_loader.UnsupportedPlatformError):
        wt_loader.Platform("x86_64", "freebsd")  # type: ignore[arg-type]


def test_this_machine() -> None:
    p = wt_loader.detect_platform()
    machine = stdlib_platform.machine().lower()
    assert p.arch == {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    if sys.platform.startswith("linux"):
        glibc = stdlib_platform.libc_ver()[0] == "glibc"
        assert p.os == ("linux" if glibc else "musl")
    else:
        assert p.os == {"darwin": "macos", "win32": "windows"}[sys.platform]


def _elf(interpreter: bytes | None) -> bytes:
    """A minimal little-endian ELF64 header with one program header (PT_INTERP or PT_LOAD)."""
    phoff, phentsize = 64, 56
    data_at = phoff + phentsize
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, phoff, 0, 0, 64, phentsize, 1, 0, 0, 0)
    payload = (interpreter or b"") + b"\0"
    ptype = 3 if interpreter is not None else 1
    program = struct.pack("<IIQQQQQQ", ptype, 4, data_at, 0, 0, len(payload), len(payload), 1)
    return header + program + payload


@pytest.mark.parametrize("interpreter", [b"/lib/ld-musl-x86_64.so.1", b"/lib64/ld-linux-x86-64.so.2",
                                         b"/lib/ld-musl-aarch64.so.1", b"/lib/ld-linux-aarch64.so.1"])
def test_elf_interpreter(tmp_path: Path, interpreter: bytes) -> None:
    exe = tmp_path / "python"
    exe.write_bytes(_elf(interpreter))
    assert elf_interpreter(str(exe)) == interpreter.decode()


def test_elf_interpreter_absent_or_not_elf(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.write_bytes(_elf(None))
    assert elf_interpreter(str(static)) is None
    script = tmp_path / "script"
    script.write_bytes(b"#!/bin/sh\n")
    assert elf_interpreter(str(script)) is None
    assert elf_interpreter(str(tmp_path / "missing")) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF executables are Linux's")
def test_elf_interpreter_of_this_python() -> None:
    interpreter = elf_interpreter(os.path.realpath(sys.executable))
    if interpreter is not None:  # a static interpreter has none
        assert ("musl" in interpreter) == (wt_loader.detect_platform().os == "musl")


@pytest.mark.parametrize("key,member", [
    ("x86_64-linux", "wasmtime/linux-x86_64/_libwasmtime.so"),
    ("aarch64-musl", "wasmtime/linux-aarch64/_libwasmtime.so"),
    ("aarch64-macos", "wasmtime/darwin-aarch64/_libwasmtime.dylib"),
    ("x86_64-windows", "wasmtime/win32-x86_64/_wasmtime.dll"),
])
def test_wheel_layout(key: str, member: str) -> None:
    arch, os_ = key.split("-")
    assert wheel_member(wt_loader.Platform(arch, os_)) == member  # type: ignore[arg-type]
