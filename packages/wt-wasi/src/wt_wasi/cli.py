"""``wt run``: run a WASI command module, as ``wasmtime run`` does."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
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
    run.add_argument("--invoke", default="_start", metavar="NAME",
                     help="the export to call (default: _start); the arguments are then its parameters "
                          "and its results are printed")
    run.add_argument("module", help="a .wasm or .wat file")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the guest's arguments")
    return parser


def _split_dir(spec: str) -> tuple[str, str]:
    host, sep, guest = spec.partition("::")
    return host, guest if sep else host


def run(argv: list[str]) -> int:
    """Run ``wt`` with ``argv`` (without the program name); returns the exit code."""
    args = _parser().parse_args(argv)
    import wt_api as wt  # (parse the command line before loading the runtime: --help stays instant)

    from .config import WASIConfig  # (with wt_api, after the command line is parsed)

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
                if args.invoke == "_start":
                    entry.call()
                    return 0
                # As wasmtime run --invoke: a reactor is initialised first, the arguments are
                # the function's parameters, and its results are printed, one per line.
                if len(args.args) != len(entry.param_types):
                    print(f"wt: {args.invoke} takes {len(entry.param_types)} argument(s) {entry.type}, "
                          f"got {len(args.args)}", file=sys.stderr)
                    return 2
                params = [_parse(t, text) for t, text in zip(entry.param_types, args.args)]
                initialize = module.exported_function("_initialize")
                if initialize is not None:
                    initialize.call()
                for t, value in zip(entry.result_types, entry.call(*params)):
                    print(_show(t, value))
    except wt.ExitError as exc:
        return exc.exit_code
    except wt.Trap as exc:
        sys.stdout.flush()
        print(f"wt: the program trapped: {exc}", file=sys.stderr)
        return TRAP_EXIT_CODE
    except (wt.WtError, ValueError) as exc:
        print(f"wt: {exc}", file=sys.stderr)
        return 2
    return 0


def _parse(t: object, text: str) -> int:
    """An --invoke argument as the encoded value of a parameter of type ``t``."""
    import wt_api as wt  # (loaded by run() already; named here for the helper's use)

    encoders: dict[object, Callable[[str], int]] = {
        wt.ValueType.I32: lambda s: wt.encode_i32(int(s, 0)), wt.ValueType.I64: lambda s: wt.encode_i64(int(s, 0)),
        wt.ValueType.F32: lambda s: wt.encode_f32(float(s)), wt.ValueType.F64: lambda s: wt.encode_f64(float(s))}
    encode = encoders.get(t)
    name = str(getattr(t, "name", t)).lower()
    if encode is None:
        raise ValueError(f"cannot pass a {name} parameter from the command line")
    try:
        return encode(text)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{text!r} is not a valid {name}: {exc}") from None


def _show(t: object, value: int) -> str:
    """A result of type ``t`` as wasmtime run prints it."""
    import wt_api as wt  # (loaded by run() already; named here for the helper's use)

    decoders: dict[object, Callable[[int], object]] = {
        wt.ValueType.I32: wt.decode_i32, wt.ValueType.I64: wt.decode_i64,
        wt.ValueType.F32: wt.decode_f32, wt.ValueType.F64: wt.decode_f64}
    decode = decoders.get(t)
    return str(value if decode is None else decode(value))


def main() -> None:
    """The ``wt`` console script."""
    try:
        code = run(sys.argv[1:])
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.exit(code)
