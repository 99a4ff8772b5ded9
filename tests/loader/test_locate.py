import os
import subprocess
import sys
from pathlib import Path

import pytest

import wt_loader
from wt_loader.cache import cache_dir

from .conftest import PLATFORM


def test_current_platform() -> None:
    p = wt_loader.detect_platform()
    assert p.arch in ("x86_64", "aarch64") and p.os in ("linux", "musl", "macos", "windows")


@pytest.mark.parametrize("arch,os_,asset,member", [
    ("x86_64", "linux", "wasmtime-v50.0.1-x86_64-linux-c-api.tar.xz", "lib/libwasmtime.so"),
    ("aarch64", "musl", "wasmtime-v50.0.1-aarch64-musl-c-api.tar.xz", "lib/libwasmtime.so"),
    ("aarch64", "macos", "wasmtime-v50.0.1-aarch64-macos-c-api.tar.xz", "lib/libwasmtime.dylib"),
    ("x86_64", "windows", "wasmtime-v50.0.1-x86_64-windows-c-api.zip", "lib/wasmtime.dll"),
])
def test_platform_table(arch: str, os_: str, asset: str, member: str) -> None:
    p = wt_loader.Platform(arch, os_)
    assert p.asset_name == asset
    assert p.library_member == f"{asset.rsplit('.tar', 1)[0].removesuffix('.zip')}/{member}"
    assert len(p.sha256) == 64 and p.size > 10_000_000


def test_unsupported_platform() -> None:
    with pytest.raises(wt_loader.UnsupportedPlatformError, match="riscv64"):
        wt_loader.Platform("riscv64", "linux")


def test_wasmtime_lib_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "libwasmtime.so"
    lib.write_bytes(b"anything")
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(lib))
    located = wt_loader.locate_library()
    assert (located.path, located.origin) == (lib, "env")
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(tmp_path / "missing.so"))
    with pytest.raises(wt_loader.LibraryNotFoundError, match="not a file"):
        wt_loader.locate_library()


def test_bundled_wheel_is_verified_then_cached(real_library: bytes, isolated_cache: Path) -> None:
    located = wt_loader.locate_library(download=False)
    assert located.origin == "bundled"
    assert located.path == cache_dir() / PLATFORM.library_name
    assert located.path.read_bytes() == real_library
    assert wt_loader.locate_library(download=False).origin == "cache"


def test_verify_detects_a_corrupted_cache(real_library: bytes) -> None:
    path = wt_loader.fetch()
    assert wt_loader.verify() == path
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(wt_loader.IntegrityError):
        wt_loader.verify()


def test_nothing_found_says_what_was_tried(no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_OFFLINE", "1")
    with pytest.raises(wt_loader.LibraryNotFoundError) as info:
        wt_loader.locate_library()
    message = str(info.value)
    for expected in ("WASMTIME_LIB_PATH", "the cache", "wasmtime==50.0.1 wheel: none", "WT_OFFLINE", "fetch"):
        assert expected in message


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wt_loader", *args], capture_output=True, text=True, env=os.environ)


def test_cli(isolated_cache: Path) -> None:
    fetched = run_cli("fetch")
    assert fetched.returncode == 0, fetched.stderr
    info = run_cli("info")
    assert info.returncode == 0
    assert "source:   cache" in info.stdout and PLATFORM.sha256 in info.stdout and "50.0.1" in info.stdout
    assert run_cli("verify").returncode == 0
    lib = cache_dir() / PLATFORM.library_name
    data = bytearray(lib.read_bytes())
    data[-1] ^= 1
    lib.write_bytes(bytes(data))
    bad = run_cli("verify")
    assert bad.returncode == 1 and "expected" in bad.stderr
    cleared = run_cli("clear")
    assert cleared.returncode == 0 and not lib.exists()
