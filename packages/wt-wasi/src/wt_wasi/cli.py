"""``wt-wasm run``: run a WASI command module or component, as ``wasmtime run`` does
(components: ``_component_run``); ``wt-wasm compile``: compile a module ahead of time into a
``.cwasm`` file that ``run`` loads without compiling; ``wt-wasm bindgen``: typed bindings of a
component (``_bindgen``).

Compiled code is kept in a disk cache (``<wt's cache dir>/modules``, see
:func:`default_cache_dir`) unless ``--no-cache``; ``--cache-dir`` moves it. Exit status:
the guest's (``proc_exit``), 134 after a trap, 1 when wasm failed otherwise, 2 for a
usage, file, compile or link error. Ctrl-C ends the process at once, as it ends a native
program (the shell reports 130): the runtime has no epoch interruption, which would slow
the guest by ~10-20 % only so that Python could raise ``KeyboardInterrupt``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import wt_api as wt

from . import __version__
from ._diagnose import is_compiled, link_problem, not_a_module, one_line, trap_report
from ._notice import CompileNotice
from .config import WASIConfig

__all__ = ["main", "run", "default_cache_dir", "PROG", "TRAP_EXIT_CODE"]

PROG = "wt-wasm"
"""The console script's name (``wt`` is taken: see RATIONALE, "Why is the command called wt-wasm?")."""

TRAP_EXIT_CODE = 134
"""The exit code of a guest that trapped (as wasmtime's CLI: an abort)."""


class UsageError(Exception):
    """A problem with the command line or its files: printed, exit status 2."""


def default_cache_dir() -> Path:
    """Where ``run`` keeps compiled modules: ``modules`` in wt's user cache directory
    (``WT_CACHE_DIR``, else e.g. ``~/.cache/wt``), beside the cached libwasmtime."""

    return wt.CompilationCache.default_dir()


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=f"Run WebAssembly with wt (wasmtime {wt.WASMTIME_VERSION}).")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__} (wasmtime {wt.WASMTIME_VERSION})")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a WASI command module (its _start export) or component (wasi:cli/run)")
    run.add_argument("--dir", action="append", default=[], metavar="HOST[::GUEST]",
                     help="preopen a host directory, as GUEST (default: the same path); repeatable")
    run.add_argument("--dir-ro", action="append", default=[], metavar="HOST[::GUEST]",
                     help="preopen a host directory read-only; repeatable")
    run.add_argument("--env", action="append", default=[], metavar="K=V", help="set a guest variable; repeatable")
    run.add_argument("--inherit-env", action="store_true", help="give the guest this process's environment")
    run.add_argument("--preload", action="append", default=[], metavar="NAME=FILE",
                     help="instantiate the module in FILE first, under NAME, so that the main module's "
                          "imports from NAME come from it; repeatable, in order")
    run.add_argument("--invoke", default=None, metavar="NAME",
                     help="the export to call (default: _start, or a component's wasi:cli/run); the "
                          "arguments are then its parameters and its results are printed; for a component, "
                          "'NAME(ARGS)' with the arguments in WAVE ('add(1, 2)', 'greet(\"you\")')")
    cache = run.add_mutually_exclusive_group()
    cache.add_argument("--no-cache", action="store_true", help="compile every time; read and write no cache")
    cache.add_argument("--cache-dir", metavar="DIR", help=f"keep compiled modules in DIR (default: {_shown_dir()})")
    run.add_argument("module", help="a .wasm or .wat file (a module or a component), or a .cwasm file made by compile")
    run.add_argument("args", nargs=argparse.REMAINDER, help="the guest's arguments")
    compile_ = sub.add_parser("compile", help="compile a module ahead of time into a .cwasm file for run")
    compile_.add_argument("module", help="a .wasm or .wat file")
    compile_.add_argument("-o", "--output", metavar="FILE", help="where to write (default: the module's name with .cwasm)")
    bind = sub.add_parser("bindgen", help="write typed Python bindings of a component (NAME.py and NAME.pyi)")
    bind.add_argument("component", help="a component: .wasm or .wat")
    bind.add_argument("--name", help="the module's name (default: the file's, in Python style)")
    bind.add_argument("--out-dir", "-o", default=".", metavar="DIR", help="where to write them (default: here)")
    bind.add_argument("--cache-dir", metavar="DIR", help=f"keep the compiled component in DIR (default: {_shown_dir()})")
    return parser


def _shown_dir() -> str:
    try:
        return str(default_cache_dir())
    except Exception:  # an unsupported platform: only --cache-dir works there  # pragma: no cover
        return "wt's user cache directory/modules"


def _split_dir(spec: str) -> tuple[str, str]:
    host, sep, guest = spec.partition("::")
    return host, guest if sep else host


def _wasi(args: argparse.Namespace) -> WASIConfig:
    """The guest's WASIConfig from the command line."""

    wasi = WASIConfig().with_inherit_stdio().with_args(Path(args.module).name, *args.args)
    if args.inherit_env:
        wasi = wasi.with_inherit_env()
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env takes K=V, not {item!r}")
        wasi = wasi.with_env(key, value)
    for spec in args.dir:
        wasi = wasi.with_preopen_dir(*_split_dir(spec))
    for spec in args.dir_ro:
        wasi = wasi.with_preopen_dir(*_split_dir(spec), read_only=True)
    return wasi


def _preloads(specs: list[str]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for spec in specs:
        name, sep, file = spec.partition("=")
        if not sep or not name or not file:
            raise UsageError(f"--preload takes NAME=FILE, not {spec!r}")
        if name in (n for n, _ in pairs):
            raise UsageError(f"--preload {name}=... is given twice")
        pairs.append((name, file))
    return pairs


def _check_file(path: str) -> None:
    try:
        if is_compiled(path):
            return
        problem = not_a_module(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if problem is not None:
        raise UsageError(f"{path}: {problem}")


def _cache(args: argparse.Namespace) -> wt.CompilationCache | None:
    if args.no_cache:
        return None
    if args.cache_dir:
        try:
            return wt.CompilationCache.with_dir(args.cache_dir)
        except wt.ConfigError as exc:
            raise UsageError(f"--cache-dir: {exc}") from None
    try:
        return wt.CompilationCache.with_dir(default_cache_dir())
    except wt.WtError as exc:  # the default place is unusable: run, but say why it is slow
        print(f"{PROG}: warning: running without a compilation cache: {exc} "
              "(--cache-dir DIR picks another place, --no-cache silences this)", file=sys.stderr)
        return None


def _compile(runtime: wt.Runtime, path: str, cached: bool) -> wt.CompiledModule:
    if is_compiled(path):
        try:
            return runtime.load_compiled_file(path)
        except wt.CompileError as exc:
            raise UsageError(f"{one_line(exc.message)} (with `{PROG} compile`)") from None
    try:
        with CompileNotice(path, os.stat(path).st_size, cached=cached):
            return runtime.compile_file(path)
    except wt.CompileError as exc:
        if "-->" in exc.message:  # a WAT error, with the source line and a caret under the place
            raise UsageError(f"{path} is not a valid module:\n{exc.message.replace('<anon>', path)}") from None
        raise UsageError(f"{path} is not a valid module: {one_line(exc.message)}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def _execute(args: argparse.Namespace) -> int:
    wasi = _wasi(args)
    preloads = _preloads(args.preload)
    for path in [file for _, file in preloads] + [args.module]:
        _check_file(path)
    cache = _cache(args)
    try:
        config = wt.RuntimeConfig().with_wasi(wasi).with_compilation_cache(cache)
        with wt.Runtime(config) as runtime:
            if _is_component(args.module):
                if preloads:
                    raise UsageError("--preload is for modules: a component's imports are WASI 0.2 only")
                from ._component_run import run_component  # (components load on first use: start-up)

                return run_component(runtime, args.module, args.invoke, cache is not None, UsageError, PROG)
            provided: dict[str, tuple[str, dict[str, wt.ExternType]]] = {}
            for name, file in preloads:
                compiled = _compile(runtime, file, cache is not None)
                try:
                    instance = runtime.instantiate_with_wasi(compiled, wt.ModuleConfig().with_name(name))
                except wt.LinkError as exc:
                    raise UsageError(link_problem(compiled.imports, file, provided) or str(exc)) from None
                provided[name] = (file, instance.exports)
            compiled = _compile(runtime, args.module, cache is not None)
            try:
                module = runtime.instantiate_with_wasi(compiled)
            except wt.LinkError as exc:
                raise UsageError(link_problem(compiled.imports, args.module, provided) or str(exc)) from None
            return _call(module, args)
    finally:
        if cache is not None:
            cache.close()


def _is_component(path: str) -> bool:
    """Whether the file holds a component rather than a module: a binary's header names the
    component layer (bytes 6-7), WAT text starts with ``(component`` (read here, so that a
    module's run loads none of the component tools)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if head[:4] == b"\0asm":
        return head[6:8] == b"\x01\x00"
    text = head.lstrip(b"\xef\xbb\xbf")
    while True:
        text = text.lstrip()
        if not text.startswith(b";;"):
            break
        text = text.partition(b"\n")[2]
    return text.startswith(b"(component")


def _bindgen(args: argparse.Namespace) -> int:
    from ._bindgen import write_bindings  # (components load on first use: start-up)

    _check_file(args.component)
    args.no_cache = False
    cache = _cache(args)
    try:
        with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as runtime:
            for path in write_bindings(runtime, args.component, args.name, args.out_dir, cache is not None, UsageError):
                print(path)
    finally:
        if cache is not None:
            cache.close()
    return 0


def _call(module: wt.Module, args: argparse.Namespace) -> int:
    if args.invoke is None:
        args.invoke = "_start"
    entry = module.exported_function(args.invoke)
    if entry is None:
        raise UsageError(f"{args.module} exports no function {args.invoke!r}")
    if args.invoke == "_start":
        entry.call()
        return 0
    # As wasmtime run --invoke: a reactor is initialised first, the arguments are the
    # function's parameters, and its results are printed, one per line.
    if len(args.args) != len(entry.param_types):
        raise UsageError(f"{args.invoke} takes {len(entry.param_types)} argument(s) {entry.type}, "
                         f"got {len(args.args)}")
    params = [_parse(t, text) for t, text in zip(entry.param_types, args.args)]
    initialize = module.exported_function("_initialize")
    if initialize is not None:
        initialize.call()
    for t, value in zip(entry.result_types, entry.call(*params)):
        print(_show(t, value))
    return 0


def _compile_ahead(args: argparse.Namespace) -> int:
    _check_file(args.module)
    if is_compiled(args.module):
        raise UsageError(f"{args.module} is compiled already")
    if _is_component(args.module):
        raise UsageError(f"{args.module} is a component: compile is for modules (run keeps a component's compiled "
                         "code in its cache)")
    output = Path(args.output) if args.output else Path(args.module).with_suffix(".cwasm")
    with wt.Runtime() as runtime:
        data = _compile(runtime, args.module, False).serialize()
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    return 0


def run(argv: list[str], prog: str = PROG) -> int:
    """Run the command line ``argv`` (without the program name); returns the exit code."""
    args = _parser(prog).parse_args(argv)
    try:
        if args.command == "bindgen":
            return _bindgen(args)
        return _compile_ahead(args) if args.command == "compile" else _execute(args)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except wt.ExitError as exc:
        return exc.exit_code
    except wt.WasmRuntimeError as exc:  # a trap, or another failure inside wasm
        sys.stdout.flush()
        print(f"{PROG}: {trap_report(exc, args.module)}", file=sys.stderr)
        return TRAP_EXIT_CODE if isinstance(exc, wt.Trap) else 1
    except (wt.WtError, ValueError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2


def _parse(t: object, text: str) -> int:
    """An --invoke argument as the encoded value of a parameter of type ``t``."""

    encoders: dict[object, Callable[[str], int]] = {
        wt.ValueType.I32: lambda s: wt.encode_i32(int(s, 0)), wt.ValueType.I64: lambda s: wt.encode_i64(int(s, 0)),
        wt.ValueType.F32: lambda s: wt.encode_f32(float(s)), wt.ValueType.F64: lambda s: wt.encode_f64(float(s))}
    encode = encoders.get(t)
    name = str(getattr(t, "name", t)).lower()
    if encode is None:
        raise UsageError(f"cannot pass a {name} parameter from the command line")
    try:
        return encode(text)
    except (ValueError, OverflowError) as exc:
        raise UsageError(f"{text!r} is not a valid {name}: {exc}") from None


def _show(t: object, value: int) -> str:
    """A result of type ``t`` as wasmtime run prints it."""

    decoders: dict[object, Callable[[int], object]] = {
        wt.ValueType.I32: wt.decode_i32, wt.ValueType.I64: wt.decode_i64,
        wt.ValueType.F32: wt.decode_f32, wt.ValueType.F64: wt.decode_f64}
    decode = decoders.get(t)
    return str(value if decode is None else decode(value))


def main(prog: str = PROG) -> None:
    """The ``wt-wasm`` console script (and ``python -m wt_wasi``)."""
    import signal  # (the console script only: run() leaves the caller's handlers alone)

    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        # SIGINT's default action, as for `wasmtime run`: Ctrl-C ends the guest wherever it
        # is, which Python's handler could not do (it runs only once wasm returns).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        code = run(sys.argv[1:], prog)
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.exit(code)
