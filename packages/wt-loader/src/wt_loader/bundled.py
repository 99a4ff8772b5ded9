"""The library inside an installed ``wasmtime==50.0.1`` wheel (``wt-loader[bundled]``).

The official binding's wheels carry byte copies of the release's library at
``wasmtime/<sys.platform>-<arch>/_libwasmtime.so`` (``.dylib``; ``_wasmtime.dll``). It is
found through the distribution's metadata; the package itself is never imported.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .digests import WASMTIME_VERSION
from .platforms import Platform

__all__ = ["wheel_member", "bundled_library"]

log = logging.getLogger("wt_loader")

_SYS_PLATFORM = {"linux": "linux", "musl": "linux", "macos": "darwin", "windows": "win32"}
_FILE = {"linux": "_libwasmtime.so", "musl": "_libwasmtime.so", "macos": "_libwasmtime.dylib",
         "windows": "_wasmtime.dll"}


def wheel_member(platform: Platform) -> str:
    """The library's path inside the wheel, e.g. ``wasmtime/linux-x86_64/_libwasmtime.so``."""
    return f"wasmtime/{_SYS_PLATFORM[platform.os]}-{platform.arch}/{_FILE[platform.os]}"


def bundled_library(platform: Platform) -> Path | None:
    """The library file of an installed ``wasmtime`` distribution of exactly version
    50.0.1, if there is one (not yet verified: its digest is checked before use)."""
    from importlib import metadata  # (importlib.metadata costs milliseconds: only the bundled source needs it)

    try:
        dist = metadata.distribution("wasmtime")
    except metadata.PackageNotFoundError:
        return None
    if dist.version != WASMTIME_VERSION:
        log.info("the installed wasmtime is %s, not %s: not used", dist.version, WASMTIME_VERSION)
        return None
    path = Path(str(dist.locate_file(wheel_member(platform))))
    if not path.is_file():
        log.info("the installed wasmtime %s has no %s", WASMTIME_VERSION, wheel_member(platform))
        return None
    return path
