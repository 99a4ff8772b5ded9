"""What ``wt-wasm`` says when a module cannot run: in command-line terms, not API calls.

- :func:`not_a_module`: a file that is neither a wasm binary nor WAT text.
- :func:`trap_report`: a trap's reason and its wasm backtrace, once.
- :func:`link_problem`: an import that nothing provides, or provides with another type.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Mapping, Sequence

import wt_api as wt

__all__ = ["not_a_module", "one_line", "trap_report", "link_problem", "describe_type", "WASI_MODULES"]

WASI_MODULES = frozenset({"wasi_snapshot_preview1", "wasi_unstable"})
"""Import module names that WASI (``instantiate_with_wasi``) provides."""

_SNIFF = 4096  # bytes read to tell a wasm binary, WAT text and anything else apart


def is_compiled(path: str) -> bool:
    """Whether ``path`` holds compiled code (``wt-wasm compile`` output: wasmtime writes
    an ELF image on every platform). Raises OSError if it cannot be read."""
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def not_a_module(path: str) -> str | None:
    """Why the file ``path`` is neither a wasm binary nor WAT text, or None when it may be
    one (a binary starts with ``\\0asm``; WAT text is UTF-8 whose first token, after
    whitespace and ``;;`` comments, is ``(``). Raises OSError if it cannot be read."""
    with open(path, "rb") as f:
        head = f.read(_SNIFF)
    if head.startswith(b"\0asm"):
        return None
    problem = "not a WebAssembly module or WAT text"
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) < _SNIFF)
    except UnicodeDecodeError:
        return f"{problem} (neither the \\0asm header of a binary nor UTF-8 text)"
    if "\0" in text:
        return f"{problem} (neither the \\0asm header of a binary nor text)"
    rest = text.lstrip("\ufeff")
    while True:
        rest = rest.lstrip()
        if not rest.startswith(";;"):
            break
        _, newline, rest = rest.partition("\n")
        if not newline:
            rest = ""
    if rest.startswith("("):
        return None
    if not rest and len(head) < _SNIFF:
        return f"{problem} (the file holds no module)" if head else f"{problem} (the file is empty)"
    if not rest:  # a long run of comments: let the WAT parser judge the rest
        return None
    return f"{problem} (WAT text starts with '(', this file with {rest[:12]!r})"


def one_line(message: str) -> str:
    """wasmtime's error chain (``what\n\nCaused by:\n    0: why\n    1: ...``) on one line:
    ``what: why: ...``; a wasm backtrace in it is left out."""
    parts = []
    for part in message.split("Caused by:"):
        part = part.split("wasm backtrace:", 1)[0].strip().removesuffix(" at").removesuffix(":").strip()
        for line in part.splitlines():
            line = line.strip()
            number, sep, rest = line.partition(": ")
            line = rest if sep and number.isdigit() else line
            if line:
                parts.append(line)
    return ": ".join(parts) or message.strip()


def _reason(message: str) -> str:
    """A trap's cause without the backtrace wasmtime writes into its message."""
    _, sep, cause = message.rpartition("Caused by:")
    reason = one_line(cause if sep else message)
    return reason.removeprefix("wasm trap: ")


def trap_report(exc: wt.Trap | wt.WasmRuntimeError, label: str) -> str:
    """The lines ``wt-wasm`` prints for a trap (or another failure inside wasm) of the
    module named ``label``: the reason, then the wasm backtrace once, innermost first."""
    reason = _reason(exc.message)
    code = getattr(exc, "code", None)
    what = "trapped" if isinstance(exc, wt.Trap) else "failed"
    lines = [f"{label} {what}: {reason}" + (f" ({code.name})" if code is not None else "")]
    if exc.frames:
        lines.append("wasm backtrace:")
        module = os.path.basename(label)
        for i, frame in enumerate(exc.frames):
            name = frame.func_name or f"<wasm function {frame.func_index}>"
            offset = f"{frame.module_offset:#x}" if frame.module_offset < 1 << 32 else "?"  # ~0: unknown
            lines.append(f"  {i:>3}: {offset:>8} - {frame.module_name or module}!{name}")
    return "\n".join(lines)


def describe_type(t: wt.ExternType) -> str:
    """An import or export type in WAT, without empty groups: ``(func (param i32))``."""
    if isinstance(t, wt.FunctionType):
        params = " ".join(_type(p) for p in t.params)
        results = " ".join(_type(r) for r in t.results)
        return "(func" + (f" (param {params})" if params else "") + (f" (result {results})" if results else "") + ")"
    return str(t)


def _type(t: wt.ValueType | wt.RefType) -> str:
    return t.value if isinstance(t, wt.ValueType) else str(t)


def link_problem(imports: Sequence[wt.ImportType], label: str,
                 preloaded: Mapping[str, tuple[str, Mapping[str, wt.ExternType]]]) -> str | None:
    """The first import of the module ``label`` that the preloaded modules (name -> their
    file and exports) and WASI do not provide as it asks, in command-line terms; None if
    every import looks provided (the error is then wasmtime's to explain)."""
    for imp in imports:
        if imp.module in WASI_MODULES:
            continue
        where = f"{imp.module}.{imp.name}"
        if imp.module not in preloaded:
            return (f"{label} imports {where} {describe_type(imp.type)}, which nothing provides: "
                    f"use --preload {imp.module}=FILE to instantiate a module that exports it under "
                    f"the name {imp.module}")
        file, exports = preloaded[imp.module]
        provided = exports.get(imp.name)
        if provided is None:
            names = ", ".join(sorted(exports)) or "nothing"
            return (f"{label} imports {where} {describe_type(imp.type)}, but {file} (preloaded as "
                    f"{imp.module}) does not export {imp.name!r}; it exports: {names}")
        if provided != imp.type:
            return (f"{label} imports {where} as {describe_type(imp.type)}, but {file} (preloaded as "
                    f"{imp.module}) exports it as {describe_type(provided)}")
    return None
