"""The search order: WASMTIME_LIB_PATH, the cache, the installed wheel; fetch and verify."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import wt_loader
from wt_loader import locate

from .conftest import ShadowWheel
from .helpers import PLATFORM, entries, leftovers


def test_wasmtime_lib_path_comes_first(tmp_path: Path, real_library: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    wt_loader.fetch()  # the cache and the wheel could both answer
    lib = tmp_path / "my-libwasmtime.so"
    lib.write_bytes(b"used as given, not verified")
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(lib))
    assert wt_loader.locate_library() == wt_loader.LocatedLibrary(lib, "env", None)


def test_wasmtime_lib_path_missing_is_an_error(tmp_path: Path, real_library: bytes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    wt_loader.fetch()
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(tmp_path / "missing.so"))
    with pytest.raises(wt_loader.LibraryNotFoundError, match="missing.so is not a file"):
        wt_loader.locate_library()


def test_bundled_wheel_is_verified_then_cached(real_library: bytes, isolated_cache: Path) -> None:
    located = wt_loader.locate_library(download=False)
    assert (located.origin, located.platform) == ("bundled", PLATFORM)
    assert located.path == wt_loader.cache_dir() / PLATFORM.library_name
    assert located.path.read_bytes() == real_library
    assert wt_loader.locate_library(download=False).origin == "cache"
    child = subprocess.run([sys.executable, "-c", "import wt_loader; print(wt_loader.locate_library().origin)"],
                           capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert child.stdout.strip() == "cache", child.stderr
    assert entries(isolated_cache) == [".lock", PLATFORM.library_name]


def test_bundled_wheel_of_another_version_is_ignored(no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_OFFLINE", "1")
    with pytest.raises(wt_loader.LibraryNotFoundError) as info:
        wt_loader.locate_library()
    message = str(info.value)
    lines = [line.strip() for line in message.splitlines()]
    assert lines[1:5] == [
        "1. WASMTIME_LIB_PATH: not set",
        f"2. the cache ({wt_loader.cache_dir()}): empty",
        "3. an installed wasmtime==50.0.1 wheel (wt-loader[bundled]): none",
        "4. a download: not attempted (WT_OFFLINE is set)",
    ]
    assert "What you can do" in message


def test_tampered_bundled_wheel_is_refused(shadow_wheel: ShadowWheel, real_library: bytes,
                                           isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tampered = bytearray(real_library)
    tampered[12345] ^= 1
    shadow_wheel("50.0.1", bytes(tampered))
    monkeypatch.setenv("WT_OFFLINE", "1")
    with pytest.raises(wt_loader.IntegrityError, match="installed wasmtime wheel.*does not match"):
        wt_loader.locate_library()
    assert leftovers(isolated_cache) == []


def test_unwritable_cache_uses_the_verified_wheel_in_place(real_library: bytes, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    monkeypatch.setenv("WT_CACHE_DIR", str(blocker / "cache"))  # cannot be created, even by root
    monkeypatch.setattr(locate, "_verified_in_place", set())
    located = wt_loader.locate_library()
    assert located.origin == "bundled"
    assert located.path.read_bytes() == real_library
    assert located.path.name == "_libwasmtime.so" or PLATFORM.os != "linux"
    assert len(locate._verified_in_place) == 1
    with pytest.raises(wt_loader.LibraryNotFoundError, match="cache"):
        wt_loader.fetch()  # fetch's job is the cache: it says it cannot


def test_cache_is_trusted_by_size_and_verify_rehashes(real_library: bytes) -> None:
    path = wt_loader.fetch()
    assert wt_loader.verify() == path
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    assert wt_loader.locate_library().origin == "cache"  # the fast path checks the size only
    with pytest.raises(wt_loader.IntegrityError, match="fetch --force"):
        wt_loader.verify()
    assert wt_loader.fetch(force=True) == path
    assert wt_loader.verify() == path


def test_cached_file_of_the_wrong_size_is_replaced(real_library: bytes) -> None:
    folder = wt_loader.cache_dir()
    folder.mkdir(parents=True)
    (folder / PLATFORM.library_name).write_bytes(b"short")
    assert wt_loader.locate_library().origin == "bundled"
    assert wt_loader.verify()


def test_verify_without_a_cache() -> None:
    with pytest.raises(wt_loader.LibraryNotFoundError, match="wt_loader fetch"):
        wt_loader.verify()


def test_clear_cache(real_library: bytes, isolated_cache: Path) -> None:
    wt_loader.fetch()
    other = isolated_cache / "wasmtime-49.0.0" / PLATFORM.key
    other.mkdir(parents=True)
    (isolated_cache / "unrelated.txt").write_text("kept")
    removed = wt_loader.clear_cache()
    assert sorted(p.name for p in removed) == ["wasmtime-49.0.0", "wasmtime-50.0.1"]
    assert sorted(p.name for p in isolated_cache.iterdir()) == ["unrelated.txt"]
    assert wt_loader.clear_cache() == []


def test_cache_dir_layout(isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert wt_loader.cache_dir() == isolated_cache / "wasmtime-50.0.1" / PLATFORM.key
    monkeypatch.delenv("WT_CACHE_DIR")
    import platformdirs

    assert wt_loader.cache_root() == Path(platformdirs.user_cache_dir("wt", appauthor=False))
