"""Downloading the release archive: streamed, with timeouts, retries and progress."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from .digests import WASMTIME_VERSION
from .errors import DownloadError, IntegrityError
from .platforms import Platform

__all__ = ["DEFAULT_BASE_URL", "asset_url", "download_archive"]

log = logging.getLogger("wt_loader")

DEFAULT_BASE_URL = "https://github.com/bytecodealliance/wasmtime/releases/download"
CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 60.0
ATTEMPTS = 4


def asset_url(platform: Platform) -> str:
    """The asset's URL; ``WT_DOWNLOAD_URL`` replaces the part before ``/v50.0.1/...``."""
    base = os.environ.get("WT_DOWNLOAD_URL") or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/v{WASMTIME_VERSION}/{platform.asset_name}"


class _Progress:
    def __init__(self, total: int | None, label: str) -> None:
        self.enabled = sys.stderr.isatty()
        self.total = total
        self.label = label
        self.last = 0.0

    def update(self, done: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.1:
            return
        self.last = now
        if self.total:
            sys.stderr.write(f"\r{self.label}: {done * 100 // self.total:3d}% of {self.total / 1e6:.1f} MB")
        else:
            sys.stderr.write(f"\r{self.label}: {done / 1e6:.1f} MB")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def download_archive(platform: Platform, dest: Path) -> Path:
    """Download the release archive for ``platform`` to ``dest`` (a file path).

    Connection errors, timeouts and 5xx answers are retried with back-off; a 4xx answer
    or a body shorter than its Content-Length fails at once (:class:`DownloadError`,
    :class:`IntegrityError`)."""
    import requests

    url = asset_url(platform)
    last: Exception | None = None
    for attempt in range(1, ATTEMPTS + 1):
        try:
            log.info("downloading %s (attempt %d)", url, attempt)
            with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT)) as response:
                if response.status_code >= 500:
                    raise DownloadError(f"{url} answered {response.status_code}")
                if response.status_code != 200:
                    raise _Fatal(f"{url} answered {response.status_code} {response.reason}")
                length = response.headers.get("Content-Length")
                expected = int(length) if length and length.isdigit() else None
                progress = _Progress(expected, f"wt: downloading wasmtime {WASMTIME_VERSION}")
                received = 0
                with open(dest, "wb") as f:
                    for chunk in response.iter_content(chunk_size=1 << 16):
                        f.write(chunk)
                        received += len(chunk)
                        progress.update(received)
                progress.finish()
                if expected is not None and received != expected:
                    raise IntegrityError(f"the download of {url} is truncated: {received} of {expected} bytes")
                return dest
        except _Fatal as exc:
            raise DownloadError(str(exc)) from None
        except IntegrityError:
            raise
        except (requests.ConnectionError, requests.Timeout, DownloadError) as exc:
            last = exc
            if attempt < ATTEMPTS:
                time.sleep(min(0.5 * 2 ** (attempt - 1), 4.0))
        except requests.RequestException as exc:
            if "IncompleteRead" in str(exc) or isinstance(exc, requests.exceptions.ChunkedEncodingError):
                raise IntegrityError(f"the download of {url} is truncated: {exc}") from exc
            raise DownloadError(f"downloading {url} failed: {exc}") from exc
    raise DownloadError(f"downloading {url} failed after {ATTEMPTS} attempts: {last}")


class _Fatal(Exception):
    """An answer that retrying cannot fix."""
