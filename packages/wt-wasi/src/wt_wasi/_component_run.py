"""``wt-wasm run`` for components: a WASI 0.2 command (its ``wasi:cli/run`` export), or one
exported function called with ``--invoke 'name(args)'``, its arguments and result in WAVE
(``wt_wasi.parse_wave``), as ``wasmtime run`` does."""

from __future__ import annotations

import os
import sys

import wt_api as wt

from ._notice import CompileNotice
from ._wave import WaveError, format_wave, parse_wave_call, parse_wave

__all__ = ["run_component"]

RUN = "wasi:cli/run#run"


def run_component(runtime: wt.Runtime, path: str, invoke: str | None, cached: bool,
                  usage: type[Exception], prog: str) -> int:
    """Run the component in ``path``; ``usage`` is the exception class of a usage error,
    ``prog`` the command's name (for messages)."""
    try:
        with CompileNotice(path, os.stat(path).st_size, cached=cached):
            compiled = runtime.compile_component_file(path)
    except wt.CompileError as exc:
        raise usage(f"{path} is not a valid component: {exc.message.splitlines()[0]}") from None
    except OSError as exc:
        raise usage(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        instance = runtime.instantiate_component_with_wasi(compiled)
    except wt.LinkError as exc:
        foreign = [name for name, item in compiled.imports.items()
                   if not name.startswith("wasi:") and not isinstance(item, wt.WitType)]
        if foreign:
            raise usage(f"{path} imports {', '.join(foreign)}, which {prog} run does not provide (it provides "
                        "WASI 0.2 only): instantiate it from Python with imports=") from None
        raise usage(f"{path}: {exc}") from None
    with instance:
        if invoke is None:
            return _run_command(instance, path, usage)
        return _invoke(instance, path, invoke, usage)


def _run_command(instance: wt.ComponentInstance, path: str, usage: type[Exception]) -> int:
    run = instance.function(RUN)
    if run is None:
        names = ", ".join(instance.types) or "nothing"
        raise usage(f"{path} is not a WASI command (it exports no wasi:cli/run; it exports: {names}); "
                    "call one of its functions with --invoke 'NAME(ARGS)'")
    try:
        run()
    except wt.Err:
        sys.stdout.flush()
        print(f"{path}: wasi:cli/run returned an error", file=sys.stderr)
        return 1
    return 0


def _functions(instance: wt.ComponentInstance) -> list[str]:
    names = []
    for name, item in instance.types.items():
        if isinstance(item, wt.ComponentFunctionType):
            names.append(f"{name}: {item}")
        elif isinstance(item, wt.ComponentInterfaceType):
            names += [f"{name}#{f}: {t}" for f, t in item.functions]
    return names


def _invoke(instance: wt.ComponentInstance, path: str, invoke: str, usage: type[Exception]) -> int:
    text = invoke if "(" in invoke else f"{invoke}()"
    try:
        name, arg_texts = parse_wave_call(text)
    except WaveError as exc:
        raise usage(f"--invoke {invoke!r}: {exc}") from None
    function = instance.function(name)
    if function is None:
        shown = "\n  ".join(_functions(instance)) or "none"
        raise usage(f"{path} exports no function {name!r}; its functions:\n  {shown}")
    ftype = function.type
    if len(arg_texts) != len(ftype.params):
        raise usage(f"{name} takes {len(ftype.params)} argument(s), {ftype}; got {len(arg_texts)}")
    args = []
    for i, ((pname, ptype), arg) in enumerate(zip(ftype.params, arg_texts)):
        try:
            args.append(parse_wave(arg, ptype))
        except WaveError as exc:
            raise usage(f"{name}: argument {i} ({pname}: {ptype}): {exc}") from None
    result = ftype.result
    try:
        value = function(*args)
    except wt.Err as exc:
        if result is None or result.kind != "result":
            raise
        value = exc
    else:
        if result is not None and result.kind == "result":
            value = wt.Ok(value)
    if result is not None:
        print(format_wave(value, result))
    return 0
