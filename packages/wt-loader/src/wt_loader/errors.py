"""The root of wt's exception tree, and the loader's errors."""

from __future__ import annotations

__all__ = ["WtError", "LoaderError", "UnsupportedPlatformError", "LibraryNotFoundError",
           "DownloadError", "IntegrityError"]


class WtError(Exception):
    """Root of every wt exception (every wt package subclasses it)."""


class LoaderError(WtError):
    """libwasmtime could not be found, downloaded, verified or loaded."""


class UnsupportedPlatformError(LoaderError):
    """wasmtime publishes no C API library for this operating system or architecture."""


class LibraryNotFoundError(LoaderError):
    """No source of libwasmtime worked; the message lists what was tried and what to do."""


class DownloadError(LoaderError):
    """The release archive could not be downloaded."""


class IntegrityError(LoaderError):
    """A library or archive failed verification (digest, size, corrupt or unsafe archive)."""
