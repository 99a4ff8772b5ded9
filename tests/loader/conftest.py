"""Fixtures for the loader: an isolated cache, the real library, a loopback HTTP server
serving release archives, and fake ``wasmtime`` distributions that shadow the real one."""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from wt_loader import download
from wt_loader.bundled import bundled_library, wheel_member

from .helpers import PLATFORM, make_tar


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own WT_CACHE_DIR and none of the loader's other variables."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("WT_CACHE_DIR", str(cache))
    for name in ("WASMTIME_LIB_PATH", "WT_DOWNLOAD_URL", "WT_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the loopback server, never a proxy
    monkeypatch.setattr(download, "BACKOFF", 0.01)
    return cache


@pytest.fixture(scope="session")
def real_library() -> bytes:
    """The real libwasmtime 50.0.1 for this machine, from the installed PyPI wheel."""
    path = bundled_library(PLATFORM)
    if path is None:
        if PLATFORM.key not in ("x86_64-linux", "aarch64-linux"):
            pytest.skip(f"no wasmtime==50.0.1 wheel library for {PLATFORM.key} is installed; "
                        "these tests run with it on x86_64-linux and aarch64-linux (scripts/aarch64.py)")
        pytest.fail("these tests need the PyPI wheel wasmtime==50.0.1 installed: it carries the real library")
    return path.read_bytes()


@pytest.fixture(scope="session")
def release_archive(real_library: bytes) -> bytes:
    """The release asset for this platform, built from the real library (xz preset 0)."""
    if PLATFORM.os == "windows":
        pytest.skip("the release asset is a .zip on Windows; these download tests build a .tar.xz")
    return make_tar(real_library)


@dataclass
class Server:
    """A loopback HTTP server: ``files`` maps paths to bodies; ``requests`` lists the paths
    asked for. ``fail_first`` answers 503 that many times; ``truncate`` cuts that many
    bodies in half after announcing their full length (-1: all); ``delay`` waits first;
    ``pace`` waits that many seconds after each 256 KiB of a body (a slow network)."""

    url: str
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    fail_first: int = 0
    truncate: int = 0
    delay: float = 0.0
    pace: float = 0.0


@pytest.fixture
def server() -> Iterator[Server]:
    """A running loopback server; ``WT_DOWNLOAD_URL`` is ``server.url``."""
    state = Server(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            with lock:
                state.requests.append(self.path)
                fail = state.fail_first > 0
                state.fail_first -= fail
                cut = state.truncate != 0
                if state.truncate > 0:
                    state.truncate -= 1
            time.sleep(state.delay)
            body = state.files.get(self.path)
            if fail:
                self.send_error(503)
            elif body is None:
                self.send_error(404)
            else:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Type", "application/octet-stream")
                self.end_headers()
                data = memoryview(body[: len(body) // 2] if cut else body)
                for start in range(0, len(data), 1 << 18):
                    self.wfile.write(data[start:start + (1 << 18)])
                    self.wfile.flush()
                    time.sleep(state.pace)
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/mirror"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


ShadowWheel = Callable[[str, bytes | None], Path]


@pytest.fixture
def shadow_wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ShadowWheel:
    """Make a fake installed ``wasmtime`` distribution (version, library bytes or None)
    that comes before the real one on sys.path, here and in child processes."""

    def make(version: str, library: bytes | None) -> Path:
        site = tmp_path / f"shadow-{version}"
        info = site / f"wasmtime-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: wasmtime\nVersion: {version}\n")
        if library is not None:
            lib = site / wheel_member(PLATFORM)
            lib.parent.mkdir(parents=True)
            lib.write_bytes(library)
        monkeypatch.syspath_prepend(str(site))
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
        importlib.invalidate_caches()
        return site

    return make


@pytest.fixture
def no_bundled(shadow_wheel: ShadowWheel) -> Path:
    """Hide the installed wasmtime wheel behind a wasmtime 1.0.0 (which the loader ignores)."""
    return shadow_wheel("1.0.0", None)
