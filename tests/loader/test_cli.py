"""``python -m wt_loader``: info, fetch, verify, clear, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import wt_loader

from .conftest import Server
from .helpers import PLATFORM, asset_path


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wt_loader", *args], capture_output=True, text=True,
                          env=dict(os.environ), timeout=120)


def test_fetch_info_verify_clear(server: Server, release_archive: bytes, no_bundled: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    server.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    lib = wt_loader.cache_dir() / PLATFORM.library_name

    fetched = cli("fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.strip() == str(lib)
    assert fetched.stderr == ""  # no progress bar when stderr is not a terminal
    assert len(server.requests) == 1
    assert cli("fetch").returncode == 0 and len(server.requests) == 1

    for info in (cli(), cli("info")):  # info is the default
        assert info.returncode == 0, info.stderr
        assert "wasmtime: 50.0.1" in info.stdout
        assert f"platform: {PLATFORM.key}" in info.stdout
        assert "source:   cache" in info.stdout
        assert f"path:     {lib}" in info.stdout
        assert f"sha256:   {PLATFORM.sha256} (matches the pin)" in info.stdout

    verified = cli("verify")
    assert verified.returncode == 0 and "ok" in verified.stdout

    data = bytearray(lib.read_bytes())
    data[100] ^= 1
    lib.write_bytes(bytes(data))
    bad = cli("verify")
    assert bad.returncode == 1 and PLATFORM.sha256 in bad.stderr and "fetch --force" in bad.stderr

    assert cli("fetch", "--force").returncode == 0 and len(server.requests) == 2
    assert cli("verify").returncode == 0

    cleared = cli("clear")
    assert cleared.returncode == 0 and "removed 1" in cleared.stdout
    assert not lib.exists()


def test_info_with_nothing_found_says_what_to_do(no_bundled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_OFFLINE", "1")
    result = cli("info")
    assert result.returncode == 1
    assert "Tried, in order" in result.stderr and "wt-loader[bundled]" in result.stderr
    assert "Traceback" not in result.stderr


def test_info_shows_the_environment_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "libwasmtime.so"
    lib.write_bytes(b"custom build")
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(lib))
    result = cli()
    assert result.returncode == 0, result.stderr
    assert "source:   env" in result.stdout and str(lib) in result.stdout


def test_fetch_from_the_installed_wheel(real_library: bytes) -> None:
    result = cli("-v", "fetch")
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).read_bytes() == real_library
    assert "installed" in result.stderr  # -v logs the steps


def test_usage_error() -> None:
    result = cli("bogus")
    assert result.returncode == 2 and "invalid choice" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs POSIX")
def test_progress_is_shown_on_a_terminal(server: Server, release_archive: bytes, no_bundled: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import pty

    server.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "wt_loader", "fetch"], stdout=subprocess.PIPE, stderr=slave,
                              text=True, env=dict(os.environ), timeout=120)
        os.close(slave)
        slave = -1
        shown = b""
        while True:
            try:
                block = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not block:
                break
            shown += block
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    assert proc.returncode == 0
    assert b"wt: downloading wasmtime 50.0.1" in shown and b"% of" in shown
