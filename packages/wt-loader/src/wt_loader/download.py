"""Downloading the release archive: streamed, with timeouts, retries and progress.

Connection errors, timeouts, 5xx, 408 and 429 answers, and bodies cut short are retried
with back-off; other answers (404, 403, ...) and TLS certificate errors are final.
Progress goes to stderr only when it is a terminal; the steps (start, size, end of each
attempt) go to ``logging.getLogger("wt_loader")`` at INFO, which ``wt-loader -v`` shows.
"""

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
BACKOFF = 0.5  # seconds before the 2nd attempt, doubled for each further one (at most 8 s)
REDRAW = 0.1  # seconds between redraws of the progress line


def asset_url(platform: Platform) -> str:
    """The asset's URL; ``WT_DOWNLOAD_URL`` replaces the part before ``/v50.0.1/...``."""
    base = os.environ.get("WT_DOWNLOAD_URL") or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/v{WASMTIME_VERSION}/{platform.asset_name}"


class _Progress:
    """A one-line progress indicator on stderr, drawn only when stderr is a terminal:
    redrawn in place (``\r``) at most every :data:`REDRAW` seconds, and once more with the
    final count when the body ends (or is cut short)."""

    def __init__(self, total: int | None, label: str) -> None:
        try:
            self.enabled = sys.stderr is not None and sys.stderr.isatty()
        except (AttributeError, ValueError):  # a replaced or closed stderr
            self.enabled = False
        self.total = total
        self.label = label
        self.last = -REDRAW
        self.done = 0

    def _draw(self) -> None:
        if self.total:
            text = f"{self.done * 100 // self.total:3d}% of {self.total / 1e6:.1f} MB"
        else:
            text = f"{self.done / 1e6:.1f} MB"
        sys.stderr.write(f"\r{self.label}: {text}")
        sys.stderr.flush()

    def update(self, done: int) -> None:
        """``done`` bytes have arrived."""
        self.done = done
        now = time.monotonic()
        if self.enabled and now - self.last >= REDRAW:
            self.last = now
            self._draw()

    def finish(self) -> None:
        """Draw the final count and end the line."""
        if self.enabled:
            self._draw()
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Final(Exception):
    """An answer that retrying cannot fix."""


class _Short(Exception):
    """The body ended before its Content-Length (the connection was cut)."""


def _attempt(url: str, dest: Path) -> None:
    import requests  # (requests costs ~100 ms: only downloads need it)

    headers = {"Accept-Encoding": "identity", "User-Agent": f"wt-loader (wasmtime {WASMTIME_VERSION})"}
    with requests.get(url, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), headers=headers) as response:
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise DownloadError(f"{url} answered {response.status_code} {response.reason}")
        if response.status_code != 200:
            raise _Final(f"{url} answered {response.status_code} {response.reason}")
        length = response.headers.get("Content-Length", "")
        expected = int(length) if length.isdigit() else None
        log.info("receiving %s", f"{expected} bytes ({expected / 1e6:.1f} MB)" if expected is not None
                 else "a body of unannounced size")
        progress = _Progress(expected, f"wt: downloading wasmtime {WASMTIME_VERSION}")
        received = 0
        try:
            with open(dest, "wb") as f:
                for chunk in response.iter_content(chunk_size=1 << 16):
                    f.write(chunk)
                    received += len(chunk)
                    progress.update(received)
        except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:  # cut short
            raise _Short(f"{received} of {expected or '?'} bytes ({exc})") from exc
        finally:
            progress.finish()
        if expected is not None and received != expected:
            raise _Short(f"{received} of {expected} bytes")


def download_archive(platform: Platform, dest: Path) -> Path:
    """Download the release archive for ``platform`` to ``dest`` (a file path), retrying
    transient failures. Raises :class:`DownloadError` (unreachable, HTTP error) or
    :class:`IntegrityError` (every attempt's body was cut short)."""
    import requests  # (requests costs ~100 ms: only downloads need it)

    url = asset_url(platform)
    failures: list[str] = []
    short = False
    for attempt in range(1, ATTEMPTS + 1):
        if attempt > 1:
            time.sleep(min(BACKOFF * 2 ** (attempt - 2), 8.0))
        log.info("downloading %s (attempt %d of %d)", url, attempt, ATTEMPTS)
        try:
            _attempt(url, dest)
            log.info("downloaded %s (%d bytes)", url, dest.stat().st_size)
            return dest
        except _Final as exc:
            raise DownloadError(str(exc)) from None
        except requests.exceptions.SSLError as exc:
            raise DownloadError(f"downloading {url} failed: TLS error ({exc}); if a proxy inspects TLS, "
                                "point REQUESTS_CA_BUNDLE at its certificate") from exc
        except _Short as exc:
            short = True
            failures.append(f"truncated: {exc}")
        except (requests.ConnectionError, requests.Timeout, DownloadError) as exc:
            short = False
            failures.append(str(exc))
        except requests.RequestException as exc:
            raise DownloadError(f"downloading {url} failed: {exc}") from exc
        log.warning("download attempt %d of %s failed: %s", attempt, url, failures[-1])
    if short:
        raise IntegrityError(f"the download of {url} is truncated after {ATTEMPTS} attempts "
                             f"(last: {failures[-1]})")
    raise DownloadError(f"downloading {url} failed after {ATTEMPTS} attempts (last: {failures[-1]})")
