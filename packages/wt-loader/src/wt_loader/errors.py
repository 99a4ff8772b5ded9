"""The root of wt's exception tree, and the loader's errors.

::

    WtError                       root of every wt exception (all wt packages subclass it)
    └── LoaderError               libwasmtime could not be found, fetched, verified or loaded
        ├── UnsupportedPlatformError   wasmtime publishes no C API library for this machine
        ├── LibraryNotFoundError       no source worked and no download was possible
        ├── DownloadError              the release archive could not be downloaded
        └── IntegrityError             digest or size mismatch, corrupt or unsafe archive

Every message that ends a search says what was tried, in order, and what the user can do.
"""

from __future__ import annotations

__all__ = ["WtError", "LoaderError", "UnsupportedPlatformError", "LibraryNotFoundError",
           "DownloadError", "IntegrityError"]


class WtError(Exception):
    """Root of every wt exception (all wt packages subclass it)."""


class LoaderError(WtError):
    """libwasmtime could not be found, downloaded, verified or loaded."""


class UnsupportedPlatformError(LoaderError):
    """wasmtime publishes no C API library for this operating system or architecture."""


class LibraryNotFoundError(LoaderError):
    """No source of libwasmtime worked; the message lists what was tried and what to do."""


class DownloadError(LoaderError):
    """The release archive could not be downloaded (network, HTTP status, cache not writable)."""


class IntegrityError(LoaderError):
    """A library or archive failed verification: digest or size mismatch, a truncated or
    corrupt archive, or a member whose path escapes its folder."""
