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
        assert "wasmtime:  50.0.1" in info.stdout
        assert f"platform:  {PLATFORM.key}" in info.stdout
        assert "source:    the cache" in info.stdout
        assert f"path:      {lib}" in info.stdout
        assert f"sha256:    {PLATFORM.sha256} (matches the pin)" in info.stdout

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


def snapshot(folder: Path) -> list[tuple[str, int, int]]:
    """Every path under ``folder`` with its size and modification time."""
    if not folder.exists():
        return []
    return sorted((str(p), p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*"))


def test_info_with_nothing_found_says_so_and_changes_nothing(no_bundled: Path, isolated_cache: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_OFFLINE", "1")
    result = cli("info")
    assert result.returncode == 0, result.stderr
    assert "source:    none: the cache is empty, no wasmtime wheel is installed and WT_OFFLINE is set" in result.stdout
    assert f"cache:     {wt_loader.cache_dir()}" in result.stdout
    assert f"pinned:    {PLATFORM.library_name}, {PLATFORM.size} bytes, sha256 {PLATFORM.sha256}" in result.stdout
    assert "download=" not in result.stdout + result.stderr
    assert not isolated_cache.exists()


def test_info_names_the_download_it_would_make_without_making_it(server: Server, no_bundled: Path,
                                                                 isolated_cache: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    result = cli("info")
    assert result.returncode == 0, result.stderr
    assert "source:    a download on first use" in result.stdout
    assert f"url:       {server.url}/v50.0.1/{PLATFORM.asset_name}" in result.stdout
    assert server.requests == [] and not isolated_cache.exists()


def test_info_with_the_wheel_installed_copies_nothing(real_library: bytes, isolated_cache: Path) -> None:
    isolated_cache.mkdir()
    (isolated_cache / "unrelated").write_text("kept as is")
    before = snapshot(isolated_cache)
    result = cli("info")
    assert result.returncode == 0, result.stderr
    assert "source:    the installed wasmtime==50.0.1 wheel" in result.stdout
    assert f"sha256:    {PLATFORM.sha256} (matches the pin)" in result.stdout
    assert snapshot(isolated_cache) == before


def test_info_shows_the_environment_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "libwasmtime.so"
    lib.write_bytes(b"custom build")
    monkeypatch.setenv("WASMTIME_LIB_PATH", str(lib))
    result = cli()
    assert result.returncode == 0, result.stderr
    assert "source:    WASMTIME_LIB_PATH (set; used as given, not checked against a pin)" in result.stdout
    assert f"path:      {lib}" in result.stdout


@pytest.mark.parametrize("argv", [["-v", "fetch"], ["fetch", "-v"]])
def test_fetch_from_the_installed_wheel(real_library: bytes, argv: list[str]) -> None:
    result = cli(*argv)
    assert result.returncode == 0, result.stderr
    lib = Path(result.stdout.strip())
    assert lib.read_bytes() == real_library
    steps = result.stderr.splitlines()  # -v logs the steps
    assert steps[0].startswith("wt-loader: verifying the library from the installed wasmtime wheel")
    assert steps[1:] == [f"wt-loader: verified: {PLATFORM.size} bytes, sha256 {PLATFORM.sha256}, as pinned "
                         f"for {PLATFORM.key}", f"wt-loader: installed {lib}"]


def test_fetch_v_logs_each_step_of_a_download_without_a_terminal(server: Server, release_archive: bytes,
                                                                  no_bundled: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    server.files[asset_path()] = release_archive
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    result = cli("fetch", "-v")
    assert result.returncode == 0, result.stderr
    url = f"{server.url}/v50.0.1/{PLATFORM.asset_name}"
    steps = [line.removeprefix("wt-loader: ") for line in result.stderr.splitlines()
             if "wasmtime is 1.0.0" not in line]  # the shadowing wheel (no_bundled) is reported too
    assert steps[:3] == [f"downloading {url} (attempt 1 of 4)",
                         f"receiving {len(release_archive)} bytes ({len(release_archive) / 1e6:.1f} MB)",
                         f"downloaded {url} ({len(release_archive)} bytes)"]
    assert steps[3].startswith(f"verifying the library from the release archive {url}")
    assert steps[4:] == [f"verified: {PLATFORM.size} bytes, sha256 {PLATFORM.sha256}, as pinned for {PLATFORM.key}",
                         f"installed {result.stdout.strip()}"]
    assert "%" not in result.stderr  # no progress line: stderr is not a terminal


def test_usage_error() -> None:
    result = cli("bogus")
    assert result.returncode == 2 and "invalid choice" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal needs POSIX")
def test_progress_is_redrawn_on_a_terminal(server: Server, release_archive: bytes, no_bundled: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """On a slow network (the server waits 20 ms after each 256 KiB) the line is redrawn in
    place as the body arrives, and ends at 100 %."""
    import pty

    server.files[asset_path()] = release_archive
    server.pace = 0.02
    monkeypatch.setenv("WT_DOWNLOAD_URL", server.url)
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "wt_loader", "fetch"], stdout=subprocess.PIPE, stderr=slave,
                                text=True, env=dict(os.environ))
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
        assert proc.wait(timeout=120) == 0
        assert proc.stdout is not None
        proc.stdout.close()
    finally:
        os.close(master)
        if slave != -1:
            os.close(slave)
    draws = shown.decode().replace("\r\n", "\n").split("\r")[1:]
    total = f"of {len(release_archive) / 1e6:.1f} MB"
    percents = [int(d.split(": ")[2].split("%")[0]) for d in draws]
    assert all(d.startswith("wt: downloading wasmtime 50.0.1: ") and total in d for d in draws), draws
    assert len(draws) >= 3 and percents == sorted(percents) and len(set(percents)) >= 3, draws
    assert draws[-1] == f"wt: downloading wasmtime 50.0.1: 100% {total}\n"
