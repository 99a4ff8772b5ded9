"""What a WASI guest sees (:class:`WasiSettings`), and the checks on each setting that
``ModuleConfig`` and ``wt_wasi.WASIConfig`` give: text, output writers, preopens."""

from __future__ import annotations

import io
import os
import posixpath

from wt_ffi.records import Record

from ._errors import ConfigError

__all__ = ["WasiSettings", "check_strs", "check_writer", "checked_preopen", "utf8_text"]


class WasiSettings(Record):
    """What a WASI guest sees: its args, environment, stdio and preopened directories.

    ``wt_wasi.WASIConfig`` builds these; wt-api reads them (``RuntimeConfig.with_wasi``),
    overlaid per instance by a :class:`ModuleConfig`. ``stdin`` is bytes, a binary file
    object or a path; ``stdout``/``stderr`` a binary writer or a callable taking bytes;
    ``preopens`` holds ``(host_dir, guest_path, read_only)`` triples.

    Thread-safety: an immutable value; share it freely."""

    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    inherit_args: bool = False
    inherit_env: bool = False
    inherit_stdin: bool = False
    inherit_stdout: bool = False
    inherit_stderr: bool = False
    stdin: object | None = None
    stdout: object | None = None
    stderr: object | None = None
    preopens: tuple[tuple[str, str, bool], ...] = ()


def check_strs(values: tuple[object, ...], what: str) -> tuple[str, ...]:
    """``values`` if each is WASI text (a str of UTF-8 text without NUL), else ConfigError."""
    for v in values:
        if not isinstance(v, str) or "\0" in v or not v.isprintable() and not utf8_text(v):  # (printable: no surrogate)
            raise ConfigError(f"WASI {what} are strs of Unicode text (UTF-8) without NUL characters, not {v!r}")
    return values  # type: ignore[return-value]


def utf8_text(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (a lone surrogate does not)."""
    try:
        str.encode(text, "utf-8")
    except UnicodeEncodeError:  # a lone surrogate (os.environ's stand-in for a byte that is not UTF-8)
        return False
    return True


def check_writer(writer: object, what: str) -> None:
    """ConfigError unless ``writer`` can take the guest's bytes (``what``: its stream's name)."""
    if not hasattr(writer, "write") and not callable(writer):
        raise ConfigError(f"{what} takes a binary writer (with write(bytes)) or a callable, not {type(writer).__name__}")
    if isinstance(writer, io.TextIOBase) and not hasattr(getattr(writer, "buffer", None), "write"):
        raise ConfigError(f"{what} receives the guest's bytes: {type(writer).__name__} is a text stream with no "
                          "binary buffer; use io.BytesIO, a file opened 'wb' or a callable")


def checked_preopen(host: str | os.PathLike[str], guest: str, read_only: bool) -> tuple[str, str, bool]:
    """A checked (host, guest, read_only) preopen."""
    if not isinstance(guest, str) or not guest or "\0" in guest:
        raise ConfigError(f"a preopen's guest path is a non-empty str without NUL, not {guest!r}")
    normal = posixpath.normpath(guest)
    if normal != guest or normal == ".." or normal.startswith("../") or "/../" in normal:
        hint = "" if normal == ".." or normal.startswith("../") else f" (write {normal!r})"
        raise ConfigError(f"a preopen's guest path must be normalised and stay inside the guest's tree, "
                          f"not {guest!r}{hint}")
    if not isinstance(host, (str, os.PathLike)):
        raise ConfigError(f"a preopen's host path is a str or os.PathLike, not {type(host).__name__}")
    path = os.fspath(host)
    if not os.path.isdir(path):
        raise ConfigError(f"the host directory {path!r} to preopen as {guest!r} does not exist")
    return os.path.abspath(path), guest, bool(read_only)
