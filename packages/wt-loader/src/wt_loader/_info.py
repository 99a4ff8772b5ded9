"""``wt-loader info``: what the first use of wt would load, and from where, without doing it.

It reads (the environment, the cache, an installed wheel's metadata, the library's bytes
for their digest) and writes nothing: no cache folder is made, nothing is copied or
downloaded. :func:`report` returns the lines it prints.
"""

from __future__ import annotations

import os
from pathlib import Path

from . import __version__
from .bundled import bundled_library
from .cache import cache_dir, cached_library, sha256_of
from .digests import WASMTIME_VERSION
from .errors import UnsupportedPlatformError
from .locate import _offline
from .platforms import Platform, detect_platform

__all__ = ["report"]


def _digest_line(path: Path | str, platform: Platform | None) -> str:
    digest = sha256_of(Path(path))
    if platform is None:
        return f"sha256:    {digest}"
    note = "matches the pin" if digest == platform.sha256 else "does NOT match the pin"
    return f"sha256:    {digest} ({note})"


def _source(platform: Platform | None) -> list[str]:
    """The lines naming the library that would be used, in wt-loader's search order."""
    env = os.environ.get("WASMTIME_LIB_PATH")
    if env:
        path = os.path.expanduser(env)
        if not os.path.isfile(path):
            return ["source:    WASMTIME_LIB_PATH (set)", f"path:      {path} (not a file: loading will fail)"]
        return ["source:    WASMTIME_LIB_PATH (set; used as given, not checked against a pin)",
                f"path:      {path}", _digest_line(path, None)]
    if platform is None:
        return ["source:    none: this platform has no pinned build; set WASMTIME_LIB_PATH to a "
                f"libwasmtime {WASMTIME_VERSION} file"]
    cached = cached_library(platform)
    if cached is not None:
        return ["source:    the cache", f"path:      {cached}", _digest_line(cached, platform)]
    wheel = bundled_library(platform)
    if wheel is not None:
        return [f"source:    the installed wasmtime=={WASMTIME_VERSION} wheel (first use checks it and "
                "copies it into the cache)", f"path:      {wheel}", _digest_line(wheel, platform)]
    if _offline():
        return ["source:    none: the cache is empty, no wasmtime wheel is installed and WT_OFFLINE is set; "
                "run `python -m wt_loader fetch` where the network is reachable, or see the README"]
    from .download import asset_url  # (the download module, with requests behind it, only when it is the source)

    return [f"source:    a download on first use (the cache is empty, no wasmtime=={WASMTIME_VERSION} "
            "wheel is installed)", f"url:       {asset_url(platform)}"]


def report() -> list[str]:
    """The lines of ``wt-loader info``."""
    lines = [f"wt-loader: {__version__}", f"wasmtime:  {WASMTIME_VERSION}"]
    platform: Platform | None
    try:
        platform = detect_platform()
    except UnsupportedPlatformError as exc:
        platform = None
        lines.append(f"platform:  unsupported ({exc})")
    else:
        lines += [f"platform:  {platform.key}", f"cache:     {cache_dir(platform)}",
                  f"pinned:    {platform.library_name}, {platform.size} bytes, sha256 {platform.sha256}",
                  f"asset:     {platform.asset_name}"]
    return lines + _source(platform)
