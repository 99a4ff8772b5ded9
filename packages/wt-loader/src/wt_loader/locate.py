"""Finding libwasmtime: the environment, the cache, an installed wheel, a download."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .cache import cache_dir, cached_library, install_from, sha256_of
from .digests import WASMTIME_VERSION
from .errors import DownloadError, IntegrityError, LibraryNotFoundError
from .lock import FileLock
from .platforms import Platform, detect_platform

__all__ = ["LocatedLibrary", "locate_library", "fetch", "verify", "bundled_library"]

log = logging.getLogger("wt_loader")

Origin = Literal["env", "cache", "bundled", "download"]


@dataclass(frozen=True)
class LocatedLibrary:
    """Where the library was found: its ``path``, how (``origin``), and for which platform
    (None when ``WASMTIME_LIB_PATH`` gave it)."""

    path: Path
    origin: Origin
    platform: Platform | None


def _offline() -> bool:
    return os.environ.get("WT_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def bundled_library(platform: Platform) -> Path | None:
    """The library inside an installed ``wasmtime==50.0.1`` distribution, if any (found
    through its metadata; the package is never imported)."""
    from importlib import metadata

    try:
        dist = metadata.distribution("wasmtime")
    except metadata.PackageNotFoundError:
        return None
    if dist.version != WASMTIME_VERSION:
        log.debug("installed wasmtime is %s, not %s: not used", dist.version, WASMTIME_VERSION)
        return None
    sysplat = {"linux": "linux", "musl": "linux", "macos": "darwin", "windows": "win32"}[platform.os]
    name = {"linux": "_libwasmtime.so", "musl": "_libwasmtime.so", "macos": "_libwasmtime.dylib",
            "windows": "_wasmtime.dll"}[platform.os]
    path = Path(str(dist.locate_file(f"wasmtime/{sysplat}-{platform.arch}/{name}")))
    return path if path.is_file() else None


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            yield block


def _install_bundled(platform: Platform, path: Path) -> Path:
    with FileLock(cache_dir(platform) / ".lock"):
        cached = cached_library(platform)
        if cached is not None:
            return cached
        return install_from(_file_chunks(path), platform, f"the installed wasmtime wheel ({path})")


def _download(platform: Platform) -> tuple[Path, bool]:
    """The library, downloaded and installed (True), or installed meanwhile by another
    process that held the lock (False)."""
    from .archive import library_chunks
    from .download import download_archive

    folder = cache_dir(platform)
    with FileLock(folder / ".lock"):
        cached = cached_library(platform)
        if cached is not None:
            return cached, False
        with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as tmp:
            archive = download_archive(platform, Path(tmp) / platform.asset_name)
            path = install_from(library_chunks(archive, platform), platform, f"the release archive {archive.name}")
            return path, True


def locate_library(*, download: bool = True) -> LocatedLibrary:
    """Find libwasmtime 50.0.1, in order: ``WASMTIME_LIB_PATH``; the user cache; an
    installed ``wasmtime==50.0.1`` wheel (verified, then copied into the cache); a
    download of the release asset (verified, then installed into the cache).

    Raises :class:`LibraryNotFoundError` saying what was tried and what to do."""
    env = os.environ.get("WASMTIME_LIB_PATH")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise LibraryNotFoundError(f"WASMTIME_LIB_PATH={env} is not a file: point it at a "
                                       f"libwasmtime {WASMTIME_VERSION}, or unset it")
        return LocatedLibrary(path, "env", None)
    platform = detect_platform()
    tried = []
    cached = cached_library(platform)
    if cached is not None:
        return LocatedLibrary(cached, "cache", platform)
    tried.append(f"the cache ({cache_dir(platform)}): empty")
    bundled = bundled_library(platform)
    if bundled is not None:
        try:
            return LocatedLibrary(_install_bundled(platform, bundled), "bundled", platform)
        except IntegrityError as exc:
            tried.append(f"the installed wasmtime wheel: {exc}")
    else:
        tried.append(f"an installed wasmtime=={WASMTIME_VERSION} wheel: none")
    if _offline() or not download:
        why = "WT_OFFLINE is set" if _offline() else "download=False"
        tried.append(f"a download: not attempted ({why})")
    else:
        try:
            path, downloaded = _download(platform)
            return LocatedLibrary(path, "download" if downloaded else "cache", platform)
        except (DownloadError, IntegrityError) as exc:
            tried.append(f"a download: {exc}")
    raise LibraryNotFoundError(
        f"libwasmtime {WASMTIME_VERSION} for {platform.key} was not found. Tried, in order:\n"
        + "".join(f"  {i}. {t}\n" for i, t in enumerate(["WASMTIME_LIB_PATH: not set", *tried], 1))
        + "To fix it: set WASMTIME_LIB_PATH to a libwasmtime file; or `pip install 'wt-loader[bundled]'`; "
          "or run `python -m wt_loader fetch` where the network is reachable (WT_DOWNLOAD_URL for a mirror) "
          "and copy the cache folder over.")


def fetch(*, force: bool = False) -> Path:
    """Make sure the library is in the cache (downloading it, or copying an installed
    wheel's); with ``force``, replace the cached copy. Returns the cached path."""
    platform = detect_platform()
    if force:
        path = cache_dir(platform) / platform.library_name
        path.unlink(missing_ok=True)
    cached = cached_library(platform)
    if cached is not None:
        return cached
    bundled = bundled_library(platform)
    if bundled is not None:
        try:
            return _install_bundled(platform, bundled)
        except IntegrityError as exc:
            log.warning("the installed wasmtime wheel does not match: %s", exc)
    if _offline():
        raise LibraryNotFoundError("WT_OFFLINE is set: fetch cannot download")
    return _download(platform)[0]


def verify() -> Path:
    """Re-hash the cached library against the pinned digest; returns its path. Raises
    :class:`IntegrityError` on a mismatch, :class:`LibraryNotFoundError` if not cached."""
    platform = detect_platform()
    path = cache_dir(platform) / platform.library_name
    if not path.is_file():
        raise LibraryNotFoundError(f"no cached library at {path}: run `python -m wt_loader fetch`")
    digest = sha256_of(path)
    if digest != platform.sha256:
        raise IntegrityError(f"{path} has sha256 {digest}, expected {platform.sha256}: "
                             "run `python -m wt_loader clear` then `fetch`")
    return path


