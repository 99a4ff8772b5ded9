"""End to end: a fresh install (no wasmtime wheel) downloads, verifies and caches libwasmtime.

    python scripts/e2e_download.py WASMTIME_WHEEL

Builds a release-layout archive from the library inside ``WASMTIME_WHEEL`` (the PyPI
wheel wasmtime==50.0.1 for this machine's platform, read as a zip, never installed;
x86_64 here, aarch64 in the emulated run of scripts/aarch64.py), serves it on 127.0.0.1, and
runs the Quick Start in fresh processes with an empty cache: the first downloads, the
second makes no request, and a tampered archive fails clearly and leaves the cache empty.
Exits non-zero on any failure.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import wt_loader
from wt_loader.bundled import wheel_member

ROOT = Path(__file__).resolve().parent.parent
VERSION = wt_loader.WASMTIME_VERSION
PLATFORM = wt_loader.detect_platform()


def library_from_wheel(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(wheel_member(PLATFORM))


def archive(library: bytes) -> bytes:
    root = PLATFORM.archive_root
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz", preset=0) as tf:
        for name, data in ((f"{root}/min/lib/{PLATFORM.library_name}", b"decoy"), (PLATFORM.library_member, library)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def serve(files: dict[str, bytes], requests: list[str]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            requests.append(self.path)
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def quick_start(cache: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WASMTIME_LIB_PATH", "WT_OFFLINE")}
    env.update(WT_CACHE_DIR=str(cache), WT_DOWNLOAD_URL=url)
    return subprocess.run([sys.executable, str(ROOT / "examples" / "simple.py")], capture_output=True,
                          text=True, env=env, timeout=300)


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        sys.exit(1)


def main() -> None:
    from importlib import metadata

    try:
        metadata.distribution("wasmtime")
        check(False, "no wasmtime distribution is installed (the download path must be the one taken)")
    except metadata.PackageNotFoundError:
        pass
    library = library_from_wheel(Path(sys.argv[1]))
    good = archive(library)
    tampered = bytearray(library)
    tampered[4096] ^= 0xFF
    bad = archive(bytes(tampered))
    check(PLATFORM.os != "windows", f"a .tar.xz release asset for {PLATFORM.key}")
    print(f"platform {PLATFORM.key}: {PLATFORM.asset_name}, library SHA-256 {PLATFORM.sha256[:16]}...")
    asset = f"/v{VERSION}/{PLATFORM.asset_name}"
    requests: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        files = {f"/good{asset}": good, f"/bad{asset}": bad}
        httpd, base = serve(files, requests)
        try:
            cache = Path(tmp) / "cache"
            first = quick_start(cache, f"{base}/good")
            check(first.returncode == 0 and "5 + 7 = 12" in first.stdout, f"first run downloads and prints 5 + 7 = 12 ({first.stderr.strip()[-300:]})")
            check(requests == [f"/good{asset}"], f"one request was made ({requests})")
            second = quick_start(cache, f"{base}/good")
            check(second.returncode == 0 and "5 + 7 = 12" in second.stdout, "second run prints 5 + 7 = 12")
            check(len(requests) == 1, "second run made no request")
            other = Path(tmp) / "cache-tampered"
            third = quick_start(other, f"{base}/bad")
            check(third.returncode != 0 and "does not match the pinned" in third.stderr, "tampered archive fails clearly")
            left = [p for p in other.rglob("*") if p.is_file() and p.name != ".lock"] if other.exists() else []
            check(not left, f"the cache stays empty ({left})")
        finally:
            httpd.shutdown()


if __name__ == "__main__":
    main()
