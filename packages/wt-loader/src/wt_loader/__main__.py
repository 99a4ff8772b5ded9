"""``python -m wt_loader [info|fetch|verify|clear]``: the library's source and cache."""

from __future__ import annotations

import argparse
import logging
import sys

from . import WASMTIME_VERSION, LoaderError, cache_dir, clear_cache, fetch, locate_library, verify
from .cache import sha256_of


def _info() -> int:
    located = locate_library(download=False)
    print(f"wasmtime: {WASMTIME_VERSION}")
    print(f"platform: {located.platform.key if located.platform else 'given by WASMTIME_LIB_PATH'}")
    print(f"source:   {located.origin}")
    print(f"path:     {located.path}")
    print(f"sha256:   {sha256_of(located.path)}")
    print(f"cache:    {cache_dir()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """The command line: ``info`` (default), ``fetch``, ``verify``, ``clear``."""
    parser = argparse.ArgumentParser(prog="wt-loader", description=f"libwasmtime {WASMTIME_VERSION} for wt")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="where the library comes from, its version, platform and digest")
    fetch_parser = sub.add_parser("fetch", help="download (or copy) the library into the cache")
    fetch_parser.add_argument("--force", action="store_true", help="replace the cached copy")
    sub.add_parser("verify", help="re-check the cached library's SHA-256")
    sub.add_parser("clear", help="empty the cache")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        if args.command in (None, "info"):
            return _info()
        if args.command == "fetch":
            print(fetch(force=args.force))
            return 0
        if args.command == "verify":
            print(f"ok: {verify()}")
            return 0
        removed = clear_cache()
        print(f"removed {len(removed)} cached version(s)")
        return 0
    except LoaderError as exc:
        print(f"wt-loader: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
