"""Finds, downloads, verifies and caches libwasmtime 50.0.1 for wt.

Order: ``WASMTIME_LIB_PATH``; the user cache (``WT_CACHE_DIR``); an installed
``wasmtime==50.0.1`` wheel (``wt-loader[bundled]``); a download of the release asset
(``WT_DOWNLOAD_URL`` for a mirror, ``WT_OFFLINE=1`` to forbid it). Every library that
enters the cache matched the pinned size and SHA-256 first.

Importing this package is cheap: requests, platformdirs and the archive readers are
imported only when a step needs them.
"""

from __future__ import annotations

import logging as _logging

from .cache import cache_dir, cache_root, clear_cache
from .digests import WASMTIME_VERSION
from .errors import (DownloadError, IntegrityError, LibraryNotFoundError, LoaderError,
                     UnsupportedPlatformError, WtError)
from .locate import LocatedLibrary, fetch, locate_library, verify
from .platforms import Platform, detect_platform

__version__ = "0.1.0"

__all__ = [
    "WASMTIME_VERSION", "WtError", "LoaderError", "UnsupportedPlatformError", "LibraryNotFoundError",
    "DownloadError", "IntegrityError", "Platform", "detect_platform", "LocatedLibrary",
    "locate_library", "fetch", "verify", "clear_cache", "cache_dir", "cache_root",
]

# A library logs, the application decides where it goes (nothing on stderr by default).
_logging.getLogger("wt_loader").addHandler(_logging.NullHandler())
