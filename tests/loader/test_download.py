import os
import subprocess
import sys
from pathlib import Path

import pytest

import wt_loader
from wt_loader.cache import cache_dir

from .conftest import PLATFORM, Served, asset_path, make_archive

QUICK = "import wt_loader; print(wt_loader.locate_library().origin)"


def leftovers(cache: Path) -> list[str]:
    if not cache.exists():
        return []
    return sorted(p.name for p in cache.rglob("*") if p.is_file() and p.name != ".lock")


def test_download_verify_cache_then_no_second_request(server: tuple[str, Served], release_archive: bytes,
                                                      no_bundled: Path, isolated_cache: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    served.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    located = wt_loader.locate_library()
    assert located.origin == "download"
    assert located.path == cache_dir() / PLATFORM.library_name
    assert served.requests == [asset_path()]
    wt_loader.verify()
    assert leftovers(isolated_cache) == [PLATFORM.library_name]
    # A second process takes the cache and asks nothing of the server.
    out = subprocess.run([sys.executable, "-c", QUICK], capture_output=True, text=True, check=True, env=os.environ)
    assert out.stdout.strip() == "cache"
    assert served.requests == [asset_path()]


def test_tampered_archive_is_refused_and_nothing_is_cached(server: tuple[str, Served], real_library: bytes,
                                                           no_bundled: Path, isolated_cache: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    tampered = bytearray(real_library)
    tampered[1000] ^= 0xFF
    served.files[asset_path()] = make_archive(bytes(tampered))
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    with pytest.raises(wt_loader.LibraryNotFoundError, match="does not match the pinned"):
        wt_loader.locate_library()
    assert leftovers(isolated_cache) == []


def test_truncated_download_is_refused(server: tuple[str, Served], release_archive: bytes, no_bundled: Path,
                                       isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    served.files[asset_path()] = release_archive
    served.truncate = True
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    with pytest.raises(wt_loader.LibraryNotFoundError, match="truncated"):
        wt_loader.locate_library()
    assert leftovers(isolated_cache) == []


@pytest.mark.parametrize("evil", ["../evil.so", "/tmp/evil.so", "x/../../evil.so"])
def test_path_escaping_member_is_refused(evil: str, server: tuple[str, Served], real_library: bytes,
                                         no_bundled: Path, isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    served.files[asset_path()] = make_archive(real_library, extra={evil: b"evil"})
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    with pytest.raises(wt_loader.LibraryNotFoundError, match="escapes"):
        wt_loader.locate_library()
    assert leftovers(isolated_cache) == []
    assert not Path("/tmp/evil.so").exists() or Path("/tmp/evil.so").read_bytes() != b"evil"


def test_transient_server_errors_are_retried(server: tuple[str, Served], release_archive: bytes,
                                             no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    served.files[asset_path()] = release_archive
    served.fail_first = 2
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    assert wt_loader.locate_library().origin == "download"
    assert len(served.requests) == 3


def test_missing_asset_is_a_clear_error(server: tuple[str, Served], no_bundled: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    with pytest.raises(wt_loader.LibraryNotFoundError) as info:
        wt_loader.locate_library()
    message = str(info.value)
    assert "404" in message and "WASMTIME_LIB_PATH" in message and "wt-loader[bundled]" in message
    assert len(served.requests) == 1  # a 404 is not retried


def test_offline_mode_makes_no_request(server: tuple[str, Served], release_archive: bytes, no_bundled: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    served.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    monkeypatch.setenv("WT_OFFLINE", "1")
    with pytest.raises(wt_loader.LibraryNotFoundError, match="WT_OFFLINE"):
        wt_loader.locate_library()
    assert served.requests == []


def test_two_processes_installing_at_once(server: tuple[str, Served], release_archive: bytes, no_bundled: Path,
                                          isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, served = server
    served.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", url)
    procs = [subprocess.Popen([sys.executable, "-c", QUICK], stdout=subprocess.PIPE, text=True, env=os.environ)
             for _ in range(2)]
    origins = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert origins == ["cache", "download"]  # the second waited on the lock, then took the cache
    assert len(served.requests) == 1
    assert leftovers(isolated_cache) == [PLATFORM.library_name]
    wt_loader.verify()
