"""Finding libwasmtime: the environment, the cache, an installed wheel, a download."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .bundled import bundled_library
from .cache import cache_dir, cached_library, install_from, remove_leftovers, sha256_of
from .digests import WASMTIME_VERSION
from .errors import DownloadError, IntegrityError, LibraryNotFoundError, LoaderError
from .lock import FileLock
from .platforms import Platform, detect_platform

__all__ = ["Origin", "LocatedLibrary", "locate_library", "fetch", "verify"]

log = logging.getLogger("wt_loader")
# A library logs, the application decides where it goes (nothing on stderr by default).
if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
    log.addHandler(logging.NullHandler())

Origin = Literal["env", "cache", "bundled", "download"]

# wheel libraries verified in place by this process (when the cache cannot be written):
# (path, size, mtime_ns) of each file whose digest matched
_verified_in_place: set[tuple[str, int, int]] = set()


@dataclass(frozen=True)
class LocatedLibrary:
    """Where the library was found: its ``path``, how (``origin``), and for which platform
    (None when ``WASMTIME_LIB_PATH`` gave it)."""

    path: Path
    origin: Origin
    platform: Platform | None


def _offline() -> bool:
    return os.environ.get("WT_OFFLINE", "").strip().lower() not in ("", "0", "false", "no", "off")


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            yield block


def _install(platform: Platform, produce: Callable[[], Path], *, force: bool) -> tuple[Path, bool]:
    """Under the cache folder's lock: clean what a killed install left, then take the cache
    if another process filled it meanwhile (False), else ``produce`` it (True)."""
    folder = cache_dir(platform)
    with FileLock(folder / ".lock"):
        remove_leftovers(folder)
        cached = None if force else cached_library(platform)
        if cached is not None:
            return cached, False
        return produce(), True


def _install_bundled(platform: Platform, wheel_lib: Path, *, force: bool = False) -> tuple[Path, bool]:
    source = f"the installed wasmtime wheel ({wheel_lib})"
    return _install(platform, lambda: install_from(_file_chunks(wheel_lib), platform, source), force=force)


def _install_download(platform: Platform, *, force: bool = False) -> tuple[Path, bool]:
    from .archive import library_chunks  # (the download path loads on first use: start-up)
    from .download import asset_url, download_archive  # (the download path loads on first use: start-up)

    def produce() -> Path:
        import tempfile  # (only a download writes temporary files)

        with tempfile.TemporaryDirectory(dir=cache_dir(platform), prefix=".download-") as tmp:
            archive = download_archive(platform, Path(tmp) / platform.asset_name)
            return install_from(library_chunks(archive, platform), platform,
                                f"the release archive {asset_url(platform)}")

    return _install(platform, produce, force=force)


def _verify_in_place(platform: Platform, wheel_lib: Path) -> Path:
    """The wheel's library itself, once its digest matched (once per process and file)."""
    st = wheel_lib.stat()
    key = (str(wheel_lib), st.st_size, st.st_mtime_ns)
    if key not in _verified_in_place:
        if st.st_size != platform.size or sha256_of(wheel_lib) != platform.sha256:
            raise IntegrityError(f"{wheel_lib} does not match the pinned wasmtime {WASMTIME_VERSION} "
                                 f"build for {platform.key}")
        _verified_in_place.add(key)
    return wheel_lib


def _guidance(platform: Platform, offline: bool) -> str:
    steps = [f"set WASMTIME_LIB_PATH to a libwasmtime {WASMTIME_VERSION} file",
             f"`pip install 'wt-loader[bundled]'` (the wasmtime=={WASMTIME_VERSION} wheel carries the library)",
             "run `python -m wt_loader fetch` on a machine with network access and copy its cache "
             f"folder here ({cache_dir(platform)}), or point WT_CACHE_DIR at a copy"]
    steps.append("unset WT_OFFLINE to allow the download" if offline else
                 "set WT_DOWNLOAD_URL to a mirror of the GitHub release assets")
    return "What you can do: " + "; or ".join(steps) + "."


def _search(platform: Platform, *, download: bool, force: bool, in_place: bool) -> LocatedLibrary:
    """The cache, then the wheel, then a download; raises with everything tried."""
    tried: list[str] = []
    failure: type[LoaderError] = LibraryNotFoundError
    if not force:
        cached = cached_library(platform)
        if cached is not None:
            return LocatedLibrary(cached, "cache", platform)
        tried.append(f"the cache ({cache_dir(platform)}): empty")
    wheel_lib = bundled_library(platform)
    if wheel_lib is None:
        tried.append(f"an installed wasmtime=={WASMTIME_VERSION} wheel (wt-loader[bundled]): none")
    else:
        try:
            path, installed = _install_bundled(platform, wheel_lib, force=force)
            if not installed:
                log.info("took %s from the cache (another process installed it)", path)
            return LocatedLibrary(path, "bundled" if installed else "cache", platform)
        except IntegrityError as exc:
            log.warning("the installed wasmtime wheel's library is refused: %s", exc)
            tried.append(f"the installed wasmtime wheel: {exc}")
            failure = IntegrityError
        except OSError as exc:
            if not in_place:
                tried.append(f"copying the installed wasmtime wheel's library into the cache: {exc}")
            else:
                log.info("the cache is not writable (%s): using the wheel's library in place", exc)
                try:
                    return LocatedLibrary(_verify_in_place(platform, wheel_lib), "bundled", platform)
                except (IntegrityError, OSError) as exc2:
                    tried.append(f"the installed wasmtime wheel: {exc2}")
                    failure = IntegrityError if isinstance(exc2, IntegrityError) else failure
    offline = _offline()
    if offline or not download:
        tried.append(f"a download: not attempted ({'WT_OFFLINE is set' if offline else 'download=False'})")
    else:
        try:
            path, installed = _install_download(platform, force=force)
            return LocatedLibrary(path, "download" if installed else "cache", platform)
        except (DownloadError, IntegrityError) as exc:
            tried.append(f"a download: {exc}")
            failure = type(exc) if failure is LibraryNotFoundError else failure
        except OSError as exc:
            tried.append(f"a download into the cache: {exc} (set WT_CACHE_DIR to a writable folder)")
    raise failure(
        f"libwasmtime {WASMTIME_VERSION} for {platform.key} was not found. Tried, in order:\n"
        + "".join(f"  {i}. {t}\n" for i, t in enumerate(["WASMTIME_LIB_PATH: not set", *tried], 1))
        + _guidance(platform, offline))


def locate_library(*, download: bool = True) -> LocatedLibrary:
    """Find libwasmtime 50.0.1, in order: ``WASMTIME_LIB_PATH`` (used as given); the user
    cache; an installed ``wasmtime==50.0.1`` wheel (verified, then copied into the cache);
    a download of the release asset (verified, then installed into the cache), unless
    ``download`` is False or ``WT_OFFLINE`` is set.

    Raises :class:`LibraryNotFoundError` when no source worked, or :class:`IntegrityError`
    / :class:`DownloadError` when the last hope failed that way; each message lists what
    was tried, in order, and what to do."""
    env = os.environ.get("WASMTIME_LIB_PATH")
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise LibraryNotFoundError(f"WASMTIME_LIB_PATH={env} is not a file: point it at a "
                                       f"libwasmtime {WASMTIME_VERSION} library, or unset it")
        return LocatedLibrary(path, "env", None)
    return _search(detect_platform(), download=download, force=False, in_place=True)


def fetch(*, force: bool = False) -> Path:
    """Make sure the library is in the cache (copying an installed wheel's after checking
    its digest, else downloading it) and return its path; with ``force``, install it
    again even if it is cached. ``WASMTIME_LIB_PATH`` plays no part."""
    return _search(detect_platform(), download=True, force=force, in_place=False).path


def verify() -> Path:
    """Re-hash the cached library against the pinned SHA-256; returns its path. Raises
    :class:`IntegrityError` on a mismatch, :class:`LibraryNotFoundError` if not cached."""
    platform = detect_platform()
    path = cache_dir(platform) / platform.library_name
    if not path.is_file():
        raise LibraryNotFoundError(f"no cached library at {path}: run `python -m wt_loader fetch`")
    digest = sha256_of(path)
    if digest != platform.sha256:
        raise IntegrityError(f"{path} has sha256 {digest}, expected {platform.sha256}: "
                             "run `python -m wt_loader fetch --force` to replace it")
    return path
