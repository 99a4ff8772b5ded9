"""Finds, downloads, verifies and caches libwasmtime 50.0.1 for wt.

Order: ``WASMTIME_LIB_PATH``; the user cache (``WT_CACHE_DIR``); an installed
``wasmtime==50.0.1`` wheel (``wt-loader[bundled]``); a download of the release asset
(``WT_DOWNLOAD_URL`` for a mirror, ``WT_OFFLINE=1`` to forbid it). Every library that
enters the cache matched the pinned size and SHA-256 first.

Importing this package is cheap: requests, platformdirs and the archive readers are
imported only when a step needs them.
"""

from __future__ import annotations

from .digests import WASMTIME_VERSION
from .errors import (DownloadError, IntegrityError, LibraryNotFoundError, LoaderError,
                     UnsupportedPlatformError, WtError)

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .cache import cache_dir, cache_root, clear_cache
    from .locate import LocatedLibrary, fetch, locate_library, verify
    from .platforms import Platform, detect_platform

__version__ = "0.1.0"

__all__ = [
    "WASMTIME_VERSION", "WtError", "LoaderError", "UnsupportedPlatformError", "LibraryNotFoundError",
    "DownloadError", "IntegrityError", "Platform", "detect_platform", "LocatedLibrary",
    "locate_library", "fetch", "verify", "clear_cache", "cache_dir", "cache_root",
]

# The errors are what every layer above needs at import; the rest is imported on first
# use (logging, pathlib and friends cost milliseconds at start-up).
_LAZY = {
    "cache_dir": "cache", "cache_root": "cache", "clear_cache": "cache",
    "LocatedLibrary": "locate", "fetch": "locate", "locate_library": "locate", "verify": "locate",
    "Platform": "platforms", "detect_platform": "platforms",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'wt_loader' has no attribute {name!r}")
    import importlib  # (the loader's API loads on first use: start-up)

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
