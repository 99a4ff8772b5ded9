"""``python -m wt_loader [info|fetch|verify|clear]`` (also ``wt-loader``): the library's
source and cache. Exit status 0 on success, 1 on any loader error."""

from __future__ import annotations

import argparse
import logging
import sys

from . import (WASMTIME_VERSION, LoaderError, __version__, cache_dir, cache_root, clear_cache, detect_platform,
               fetch, locate_library, verify)
from .cache import sha256_of


def _info() -> int:
    print(f"wasmtime: {WASMTIME_VERSION} (wt-loader {__version__})")
    try:
        platform = detect_platform()
        print(f"platform: {platform.key}")
        print(f"cache:    {cache_dir(platform)}")
    except LoaderError as exc:  # WASMTIME_LIB_PATH may still work
        print(f"platform: unsupported ({exc})")
    located = locate_library(download=False)
    print(f"source:   {located.origin}")
    print(f"path:     {located.path}")
    digest = sha256_of(located.path)
    expected = located.platform.sha256 if located.platform else None
    note = "" if expected is None else " (matches the pin)" if digest == expected else f" (pinned: {expected})"
    print(f"sha256:   {digest}{note}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line: ``info`` (the default), ``fetch [--force]``, ``verify``, ``clear``."""
    parser = argparse.ArgumentParser(prog="wt-loader", description=f"libwasmtime {WASMTIME_VERSION} for wt")
    parser.add_argument("--version", action="version", version=f"wt-loader {__version__} (wasmtime {WASMTIME_VERSION})")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step on stderr")
    sub = parser.add_subparsers(dest="command", metavar="{info,fetch,verify,clear}")
    sub.add_parser("info", help="where the library comes from: source, version, platform, path, digest")
    fetch_parser = sub.add_parser("fetch", help="put the library into the cache (download it if needed)")
    fetch_parser.add_argument("--force", action="store_true", help="install it again even if cached")
    sub.add_parser("verify", help="re-check the cached library's SHA-256 (exit 1 on a mismatch)")
    sub.add_parser("clear", help="empty the cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="wt-loader: %(message)s")
    try:
        if args.command in (None, "info"):
            return _info()
        if args.command == "fetch":
            print(fetch(force=args.force))
        elif args.command == "verify":
            print(f"ok: {verify()} matches sha256 {detect_platform().sha256}")
        else:
            removed = clear_cache()
            print(f"removed {len(removed)} cached version(s) from {cache_root()}")
        return 0
    except LoaderError as exc:
        print(f"wt-loader: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
