"""``wt run``: run a WASI command module, as ``wasmtime run`` does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["main"]

TRAP_EXIT_CODE = 134
"""The exit code of a guest that trapped (as wasmtime's CLI: an abort)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wt", description="Run WebAssembly with wt (wasmtime 50.0.1).")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a WASI command module (its _start export)")
    run.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                     help="preopen a host directory, as GUEST (default: the same path); repeatable")
    run.add_argument("--dir-ro", action="append", default=[], metavar="HOST[::GUEST]",
                     help="preopen a host directory read-only; repeatable")
    run.add_argument("--env", action="append", default=[], metavar="K=V", help="set a guest variable; repeatable")
    run.add_argument("--inherit-env", action="store_true", help="give the guest this process's environment")
    run.add_argument("--invoke", default="_start", metavar="NAME", help="the export to call (default: _start)")
    run.add_argument("module", help="a .wasm or .wat file")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the guest's arguments")
    return parser


def _split_dir(spec: str) -> tuple[str, str]:
    host, sep, guest = spec.partition("::")
    return host, guest if sep else host


def run(argv: list[str]) -> int:
    """Run ``wt`` with ``argv`` (without the program name); returns the exit code."""
    args = _parser().parse_args(argv)
    import wt_api as wt

    from .config import WASIConfig

    wasi = WASIConfig().with_inherit_stdio().with_args(Path(args.module).name, *args.args)
    if args.inherit_env:
        wasi = wasi.with_inherit_env()
    try:
        for item in args.env:
            key, sep, value = item.partition("=")
            if not sep:
                print(f"wt: --env takes K=V, not {item!r}", file=sys.stderr)
                return 2
            wasi = wasi.with_env(key, value)
        for spec in args.dir:
            wasi = wasi.with_preopen_dir(*_split_dir(spec))
        for spec in args.dir_ro:
            wasi = wasi.with_preopen_dir(*_split_dir(spec), read_only=True)
        source = Path(args.module).read_bytes()
    except (wt.ConfigError, OSError) as exc:
        print(f"wt: {exc}", file=sys.stderr)
        return 2
    try:
        with wt.Runtime(wt.RuntimeConfig().with_wasi(wasi)) as runtime:
            compiled = runtime.compile_module(source)
            with runtime.instantiate_with_wasi(compiled) as module:
                entry = module.exported_function(args.invoke)
                if entry is None:
                    print(f"wt: {args.module} exports no function {args.invoke!r}", file=sys.stderr)
                    return 2
                entry.call()
    except wt.ExitError as exc:
        return exc.exit_code
    except wt.Trap as exc:
        sys.stdout.flush()
        print(f"wt: the program trapped: {exc}", file=sys.stderr)
        return TRAP_EXIT_CODE
    except (wt.CompileError, wt.LinkError, wt.ConfigError) as exc:
        print(f"wt: {exc}", file=sys.stderr)
        return 2
    return 0


def main() -> None:
    """The ``wt`` console script."""
    try:
        code = run(sys.argv[1:])
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.exit(code)
