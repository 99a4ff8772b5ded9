"""The library cache: one folder per wasmtime version and platform.

A library enters the cache only through :func:`install_from`, which writes it to a
temporary file beside its final place, checks the pinned size and SHA-256, and renames
it into place; so a present file of the pinned size is trusted (``verify`` re-hashes).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator

from .digests import WASMTIME_VERSION
from .errors import IntegrityError, LoaderError, UnsupportedPlatformError
from .platforms import Platform, detect_platform

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import BinaryIO

__all__ = ["cache_root", "cache_dir", "cached_library", "install_from", "remove_leftovers",
           "sha256_of", "clear_cache", "ready_library", "PARTIAL_PREFIXES"]

# names of the temporary files and folders installs make (and remove) in a cache folder
PARTIAL_PREFIXES = (".partial-", ".download-")


def _root(platformdirs_too: bool = True) -> str | None:
    """:func:`cache_root` as a string; without ``platformdirs_too``, None where only
    platformdirs knows it (not Linux, no ``WT_CACHE_DIR``)."""
    override = os.environ.get("WT_CACHE_DIR")
    if override:
        return os.path.expanduser(override)
    system: str = sys.platform  # a variable: the other platforms' branch is real code too
    if system.startswith("linux"):
        # platformdirs' rule on Linux (XDG), without its import on every start-up.
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        return os.path.join(xdg or os.path.expanduser("~/.cache"), "wt")
    if not platformdirs_too:
        return None
    import platformdirs  # (only when WT_CACHE_DIR is not set)

    return str(platformdirs.user_cache_dir("wt", appauthor=False))


def cache_root() -> Path:
    """The cache's root: ``WT_CACHE_DIR``, or the user cache directory for ``wt``."""
    from pathlib import Path  # (pathlib costs ~7 ms: the common path needs only os)

    return Path(_root() or "")


def ready_library() -> tuple[str, str] | None:
    """The library's path and origin (``"env"`` or ``"cache"``) when it is ready to load:
    ``WASMTIME_LIB_PATH`` naming a file, else the cached library with the pinned size.
    Found with ``os`` alone (no pathlib, logging or dataclasses: the start-up path of the
    first Runtime); None when :func:`~wt_loader.locate_library` has more to do (search,
    install, or explain what is missing)."""
    env = os.environ.get("WASMTIME_LIB_PATH")
    if env:
        path = os.path.expanduser(env)
        return (path, "env") if os.path.isfile(path) else None
    root = _root(platformdirs_too=False)
    if root is None:
        return None
    try:
        platform = detect_platform()
    except UnsupportedPlatformError:
        return None
    path = os.path.join(root, f"wasmtime-{WASMTIME_VERSION}", platform.key, platform.library_name)
    try:
        if os.stat(path).st_size == platform.size:
            return path, "cache"
    except OSError:
        pass
    return None


def cache_dir(platform: Platform | None = None) -> Path:
    """The folder for this version and platform, e.g. ``<root>/wasmtime-50.0.1/x86_64-linux``."""
    platform = platform or detect_platform()
    return cache_root() / f"wasmtime-{WASMTIME_VERSION}" / platform.key


def cached_library(platform: Platform) -> Path | None:
    """The cached library if it is there with the pinned size (it was verified when installed)."""
    path = cache_dir(platform) / platform.library_name
    try:
        if path.stat().st_size == platform.size:
            return path
    except OSError:
        pass
    return None


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, lowercase hex."""
    import hashlib  # (only installing hashes)

    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove what an install killed midway left in ``folder`` (call it holding the lock)."""
    import shutil  # (only installing copies)

    removed = []
    try:
        children = list(folder.iterdir())
    except OSError:
        return []
    for child in children:
        if child.name.startswith(PARTIAL_PREFIXES):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
            removed.append(child)
    return removed


def _temp_file(folder: Path) -> AbstractContextManager[tuple[BinaryIO, Path]]:
    """A new temporary file in ``folder``, open for writing, and its path; removed on exit.
    (contextlib is imported here, not at start-up: ready_library needs none of it.)"""
    from contextlib import contextmanager  # (only installing locks: start-up)

    return contextmanager(_temp_file_steps)(folder)


def _temp_file_steps(folder: Path) -> Iterator[tuple[BinaryIO, Path]]:
    import tempfile  # (only installing writes temporary files)

    folder.mkdir(parents=True, exist_ok=True)
    from pathlib import Path  # (pathlib costs ~7 ms: only installing needs it)

    fd, name = tempfile.mkstemp(dir=folder, prefix=PARTIAL_PREFIXES[0], suffix=".tmp")
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f, path
    finally:
        path.unlink(missing_ok=True)


def install_from(chunks: Iterable[bytes], platform: Platform, source: str) -> Path:
    """Write ``chunks`` as the platform's library into the cache, atomically, if and only
    if their size and SHA-256 match the pinned ones (:class:`IntegrityError` otherwise);
    nothing is left behind on any failure. ``source`` names them in messages."""
    import hashlib  # (only verifying hashes)
    import logging  # (~9 ms at import: only installing logs)

    log = logging.getLogger("wt_loader")
    folder = cache_dir(platform)
    target = folder / platform.library_name
    digest = hashlib.sha256()
    size = 0
    log.info("verifying the library from %s against the pinned size and SHA-256", source)
    try:
        with _temp_file(folder) as (f, tmp):
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                if size > platform.size:
                    raise IntegrityError(f"the library from {source} is larger than the pinned "
                                         f"{platform.size} bytes: refused, nothing was installed")
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
            f.close()
            if size != platform.size or digest.hexdigest() != platform.sha256:
                raise IntegrityError(
                    f"the library from {source} does not match the pinned wasmtime {WASMTIME_VERSION} "
                    f"build for {platform.key}: sha256 {digest.hexdigest()} ({size} bytes), expected "
                    f"{platform.sha256} ({platform.size} bytes). Nothing was installed.")
            log.info("verified: %d bytes, sha256 %s, as pinned for %s", size, platform.sha256, platform.key)
            if os.name != "nt":
                os.chmod(tmp, 0o755)
            os.replace(tmp, target)
            log.info("installed %s", target)
    finally:
        close = getattr(chunks, "close", None)  # a generator holding an archive open
        if close is not None:
            close()
    return target


def clear_cache() -> list[Path]:
    """Remove every cached library of every wasmtime version and platform (only the
    ``wasmtime-*`` folders of the cache root); returns the folders removed."""
    import shutil  # (only clearing removes trees)

    root = cache_root()
    removed = []
    if root.is_dir():
        for child in sorted(root.glob("wasmtime-*")):
            try:
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
            except OSError as exc:
                raise LoaderError(f"could not remove {child}: {exc}") from exc
            removed.append(child)
    return removed
