"""``python -m wt_loader [info|fetch|verify|clear]`` (also ``wt-loader``): the library's
source and cache. Exit status 0 on success, 1 on any loader error, 2 on a usage error."""

from __future__ import annotations

import argparse
import logging
import sys

from . import (WASMTIME_VERSION, LoaderError, __version__, cache_root, clear_cache, detect_platform, fetch,
               verify)


def _parser() -> argparse.ArgumentParser:
    # -v is accepted before and after the command (wt-loader -v fetch, wt-loader fetch -v)
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                         help="log each step on stderr")
    parser = argparse.ArgumentParser(prog="wt-loader", description=f"libwasmtime {WASMTIME_VERSION} for wt",
                                     parents=[verbose])
    parser.add_argument("--version", action="version", version=f"wt-loader {__version__} (wasmtime {WASMTIME_VERSION})")
    sub = parser.add_subparsers(dest="command", metavar="{info,fetch,verify,clear}")
    sub.add_parser("info", parents=[verbose],
                   help="what would be used and from where, the cache, the pins (changes nothing)")
    fetch_parser = sub.add_parser("fetch", parents=[verbose], help="put the library into the cache "
                                  "(from an installed wasmtime wheel, else a download)")
    fetch_parser.add_argument("--force", action="store_true", help="install it again even if cached")
    sub.add_parser("verify", parents=[verbose], help="re-check the cached library's SHA-256 (exit 1 on a mismatch)")
    sub.add_parser("clear", parents=[verbose], help="empty the cache")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command line: ``info`` (the default), ``fetch [--force]``, ``verify``, ``clear``."""
    args = _parser().parse_args(argv)
    verbose = getattr(args, "verbose", False)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="wt-loader: %(message)s")
    try:
        if args.command in (None, "info"):
            from ._info import report  # (only the info command reads the installed wheels' metadata)

            print("\n".join(report()))
        elif args.command == "fetch":
            print(fetch(force=args.force))
        elif args.command == "verify":
            print(f"ok: {verify()} matches sha256 {detect_platform().sha256}")
        else:
            removed = clear_cache()
            print(f"removed {len(removed)} cached version(s) from {cache_root()}")
        return 0
    except BrokenPipeError:  # stdout closed early (``| head``): as the docs of signal advise
        import os  # (only a closed stdout needs it)

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (LoaderError, OSError) as exc:
        print(f"wt-loader: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
