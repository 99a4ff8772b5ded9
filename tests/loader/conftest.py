"""A loopback HTTP server serving release archives built from the real library."""

from __future__ import annotations

import io
import os
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import wt_loader
from wt_loader.locate import bundled_library

PLATFORM = wt_loader.detect_platform()


@dataclass
class Served:
    """What the server answers: path -> bytes; ``truncate`` cuts bodies short."""

    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    truncate: bool = False
    fail_first: int = 0


@pytest.fixture(scope="session")
def real_library() -> bytes:
    path = bundled_library(PLATFORM)
    if path is None:
        pytest.fail("these tests need the PyPI wheel wasmtime==50.0.1 installed (it carries the real library)")
    return path.read_bytes()


def make_archive(library: bytes, *, extra: dict[str, bytes] | None = None, library_member: str | None = None) -> bytes:
    """A .tar.xz in the release layout (root/lib/<lib>, a min/ decoy, an include file)."""
    root = PLATFORM.archive_root
    members = {
        f"{root}/include/wasmtime.h": b"/* header */\n",
        f"{root}/min/lib/{PLATFORM.library_name}": b"not the library",
        library_member or PLATFORM.library_member: library,
    }
    members.update(extra or {})
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz", preset=0) as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="session")
def release_archive(real_library: bytes) -> bytes:
    return make_archive(real_library)


@pytest.fixture
def server() -> Iterator[tuple[str, Served]]:
    served = Served()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            served.requests.append(self.path)
            if served.fail_first > 0:
                served.fail_first -= 1
                self.send_error(503)
                return
            body = served.files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2] if served.truncate else body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/mirror", served
    finally:
        httpd.shutdown()
        httpd.server_close()


def asset_path() -> str:
    return f"/mirror/v{wt_loader.WASMTIME_VERSION}/{PLATFORM.asset_name}"


@pytest.fixture
def no_bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Hide the installed wasmtime wheel: a wasmtime of another version first on sys.path
    (for this process and its children)."""
    shadow = tmp_path / "shadow"
    info = shadow / "wasmtime-1.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: wasmtime\nVersion: 1.0.0\n")
    monkeypatch.syspath_prepend(str(shadow))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(shadow), os.environ.get("PYTHONPATH", "")]))
    import importlib

    importlib.invalidate_caches()
    return shadow


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("WT_CACHE_DIR", str(cache))
    for name in ("WASMTIME_LIB_PATH", "WT_DOWNLOAD_URL", "WT_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    return cache
