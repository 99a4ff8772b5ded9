"""Downloads from a real loopback HTTP server: verified, cached, refused, retried, locked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import wt_loader
from wt_loader import download

from .conftest import Server
from .helpers import PLATFORM, asset_path, entries, leftovers, make_tar, symlink

WHERE = "import wt_loader; print(wt_loader.locate_library().origin)"


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                          timeout=120)


@pytest.fixture
def mirror(server: Server, release_archive: bytes, no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> Server:
    """The server holds the release asset, WT_DOWNLOAD_URL points at it, no wheel is installed."""
    server.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    return server


def test_asset_url() -> None:
    assert download.asset_url(PLATFORM) == ("https://github.com/bytecodealliance/wasmtime/releases/download/"
                                            f"v50.0.1/{PLATFORM.asset_name}")


def test_download_url_replaces_the_base(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_DOWNLOAD_URL", "http://127.0.0.1:9/x/")
    assert download.asset_url(PLATFORM) == f"http://127.0.0.1:9/x/v50.0.1/{PLATFORM.asset_name}"


def test_download_then_cache_with_no_second_request(mirror: Server, isolated_cache: Path) -> None:
    located = wt_loader.locate_library()
    assert (located.origin, located.platform) == ("download", PLATFORM)
    assert located.path == isolated_cache / "wasmtime-50.0.1" / PLATFORM.key / PLATFORM.library_name
    assert mirror.requests == [asset_path()]
    assert wt_loader.verify() == located.path
    assert leftovers(isolated_cache) == [PLATFORM.library_name]
    assert wt_loader.locate_library().origin == "cache"
    # another process takes the cache too, and asks nothing of the server
    child = run_python(WHERE)
    assert child.stdout.strip() == "cache", child.stderr
    assert mirror.requests == [asset_path()]


def test_tampered_library_is_refused_and_nothing_is_cached(server: Server, real_library: bytes, no_bundled: Path,
                                                           isolated_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tampered = bytearray(real_library)
    tampered[len(tampered) // 2] ^= 0xFF
    server.files[asset_path()] = make_tar(bytes(tampered))
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    with pytest.raises(wt_loader.IntegrityError, match="does not match the pinned") as info:
        wt_loader.locate_library()
    assert "Tried, in order" in str(info.value) and PLATFORM.sha256 in str(info.value)
    assert leftovers(isolated_cache) == [] and entries(isolated_cache) == [".lock"]
    assert len(server.requests) == 1  # a wrong digest is not retried


def test_truncated_download_is_retried(mirror: Server, isolated_cache: Path) -> None:
    mirror.truncate = 1  # the first body is cut in half after its full Content-Length
    assert wt_loader.locate_library().origin == "download"
    assert len(mirror.requests) == 2
    assert leftovers(isolated_cache) == [PLATFORM.library_name]


def test_always_truncated_download_is_refused(mirror: Server, isolated_cache: Path) -> None:
    mirror.truncate = -1
    with pytest.raises(wt_loader.IntegrityError, match="truncated") as info:
        wt_loader.locate_library()
    assert "WASMTIME_LIB_PATH" in str(info.value)
    assert len(mirror.requests) == download.ATTEMPTS
    assert leftovers(isolated_cache) == [] and entries(isolated_cache) == [".lock"]


@pytest.mark.parametrize("evil", ["../evil.so", "/tmp/wt-loader-evil.so", "x/../../evil.so", "link"])
def test_path_escaping_member_is_refused(evil: str, server: Server, no_bundled: Path, isolated_cache: Path,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    member = symlink(f"{PLATFORM.archive_root}/lib/x.so", "/etc/passwd") if evil == "link" else (evil, b"evil")
    # the library's digest is never reached: the archive is refused for its member
    server.files[asset_path()] = make_tar(b"a library", extra=[member])
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(wt_loader.IntegrityError, match="escapes|pointing out"):
        wt_loader.locate_library()
    assert leftovers(isolated_cache) == [] and entries(isolated_cache) == [".lock"]
    assert not list(tmp_path.rglob("evil.so"))
    assert not Path("/tmp/wt-loader-evil.so").exists()


def test_transient_server_errors_are_retried(mirror: Server) -> None:
    mirror.fail_first = 2
    assert wt_loader.locate_library().origin == "download"
    assert len(mirror.requests) == 3


def test_persistent_server_errors_give_up(mirror: Server) -> None:
    mirror.fail_first = 100
    with pytest.raises(wt_loader.DownloadError, match="503") as info:
        wt_loader.locate_library()
    assert f"after {download.ATTEMPTS} attempts" in str(info.value)
    assert len(mirror.requests) == download.ATTEMPTS


def test_missing_asset_is_not_retried(server: Server, no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    with pytest.raises(wt_loader.DownloadError) as info:
        wt_loader.locate_library()
    message = str(info.value)
    assert "404" in message and "WASMTIME_LIB_PATH" in message and "wt-loader[bundled]" in message
    assert len(server.requests) == 1


def test_unreachable_server(no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("WT_DOWNLOAD_URL", f"http://127.0.0.1:{port}/x")
    with pytest.raises(wt_loader.DownloadError, match=f"127.0.0.1:{port}"):
        wt_loader.locate_library()


def test_offline_mode_makes_no_request(mirror: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_OFFLINE", "1")
    with pytest.raises(wt_loader.LibraryNotFoundError) as info:
        wt_loader.locate_library()
    message = str(info.value)
    for expected in ("WT_OFFLINE", "WASMTIME_LIB_PATH", "wt-loader[bundled]", "python -m wt_loader fetch"):
        assert expected in message
    with pytest.raises(wt_loader.LibraryNotFoundError, match="WT_OFFLINE"):
        wt_loader.fetch()
    assert mirror.requests == []


def test_download_false_makes_no_request(mirror: Server) -> None:
    with pytest.raises(wt_loader.LibraryNotFoundError, match="download=False"):
        wt_loader.locate_library(download=False)
    assert mirror.requests == []


def test_leftovers_of_a_killed_install_are_removed(mirror: Server, isolated_cache: Path) -> None:
    folder = wt_loader.cache_dir()
    folder.mkdir(parents=True)
    (folder / ".partial-abc.tmp").write_bytes(b"half a library")
    (folder / ".download-xyz").mkdir()
    (folder / ".download-xyz" / PLATFORM.asset_name).write_bytes(b"half an archive")
    wt_loader.locate_library()
    assert entries(isolated_cache) == [".lock", PLATFORM.library_name]


def test_processes_installing_at_once(mirror: Server, isolated_cache: Path) -> None:
    mirror.delay = 0.5  # every process is started and waiting before the first download ends
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, "-c", WHERE], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err for _, err in outputs]
    assert sorted(out.strip() for out, _ in outputs) == ["cache", "cache", "download"]
    assert len(mirror.requests) == 1
    assert entries(isolated_cache) == [".lock", PLATFORM.library_name]
    assert wt_loader.verify()
