"""How an instantiation gets its WASI context (built by wt-wasi, or an empty one)."""

from __future__ import annotations

import ctypes
import io
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wt_ffi import error as _error
from wt_ffi import linker as _linker
from wt_ffi import store as _store
from wt_ffi import vec as _vec
from wt_ffi import wasi as _wasi

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import ModuleConfig
    from .store import Store

__all__ = ["configure_wasi", "build_wasi", "WasiSettings"]



@dataclass(frozen=True)
class WasiSettings:
    """The WASI context of one instance, as plain data: a runtime's WASI config (from
    wt-wasi) overlaid by the instance's :class:`~wt_api.ModuleConfig`."""

    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    stdin: object | None = None
    stdout: object | None = None
    stderr: object | None = None
    inherit_stdin: bool = False
    inherit_stdout: bool = False
    inherit_stderr: bool = False
    preopens: tuple[tuple[str, str, bool], ...] = ()


def merge(base: object | None, config: ModuleConfig) -> WasiSettings:
    """``base`` (an object with WASIConfig's attributes, or None) overlaid by ``config``."""
    args: tuple[str, ...] = tuple(getattr(base, "args", ()) or ())
    if getattr(base, "inherit_args", False):
        args = tuple(sys.argv)
    if config.args is not None:
        args = tuple(config.args)
    env: dict[str, str] = dict(os.environ) if getattr(base, "inherit_env", False) else {}
    env.update(dict(getattr(base, "env", ()) or ()))
    env.update(dict(config.env))
    stdio = {}
    for stream in ("stdin", "stdout", "stderr"):
        mine = getattr(config, stream)
        theirs = getattr(base, stream, None)
        stdio[stream] = mine if mine is not None else theirs
        stdio[f"inherit_{stream}"] = mine is None and theirs is None and bool(getattr(base, f"inherit_{stream}", False))
    preopens = tuple(getattr(base, "preopens", ()) or ()) + tuple(config.preopens)
    return WasiSettings(args=args, env=tuple(env.items()), preopens=preopens, **stdio)  # type: ignore[arg-type]


class _OutputSink:
    """Hands the guest's output bytes, exactly and in order, to a Python writer."""

    def __init__(self, target: object, name: str) -> None:
        write = getattr(target, "write", None)
        if write is None and callable(target):
            write = target
        if write is None:
            raise ConfigError(f"{name} must be a binary writer (with write(bytes)) or a callable, "
                              f"not {type(target).__name__}")
        buffer = getattr(target, "buffer", None)
        if buffer is not None and hasattr(buffer, "write") and isinstance(target, io.TextIOBase):
            write = buffer.write  # a text stream such as sys.stdout: write its bytes underneath
        self._name = name
        self.callback = _wasi.new_output_callback(write, self._failed)

    def _failed(self, exc: BaseException) -> None:
        import logging

        logging.getLogger("wt_api.wasi").error("the %s writer raised; the guest's write fails", self._name,
                                               exc_info=exc)


def _c_strings(items: list[str], what: str) -> ctypes.Array[ctypes.c_char_p]:
    encoded = []
    for item in items:
        if not isinstance(item, str) or "\0" in item:
            raise ConfigError(f"WASI {what} must be strs without NUL characters, not {item!r}")
        encoded.append(item.encode("utf-8"))
    return (ctypes.c_char_p * max(len(encoded), 1))(*encoded)


def _stdin_bytes(source: object) -> bytes | str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    read = getattr(source, "read", None)
    if read is None:
        raise ConfigError(f"stdin takes bytes, a binary file object or a path, not {type(source).__name__}")
    data = read()
    if isinstance(data, str):
        raise ConfigError("stdin must be a binary file object (open it with 'rb')")
    return bytes(data)


def build_wasi(base: object | None, config: ModuleConfig) -> tuple[ctypes._Pointer[_wasi.wasi_config_t], list[object]]:
    """A new ``wasi_config_t`` for ``base`` overlaid by ``config``, and what must stay alive
    with the store (the output callbacks). Raises ConfigError for invalid settings."""
    settings = merge(base, config)
    keep: list[object] = []
    for host, guest, _ in settings.preopens:
        if not os.path.isdir(host):
            raise ConfigError(f"the host directory {host!r} to preopen as {guest!r} does not exist")
    ptr = _wasi.wasi_config_new()
    try:
        argv = _c_strings(list(settings.args), "arguments")
        if not _wasi.wasi_config_set_argv(ptr, len(settings.args), argv):
            raise ConfigError("invalid WASI arguments")
        names = _c_strings([k for k, _ in settings.env], "environment names")
        values = _c_strings([v for _, v in settings.env], "environment values")
        if not _wasi.wasi_config_set_env(ptr, len(settings.env), names, values):
            raise ConfigError("invalid WASI environment")
        if settings.stdin is not None:
            data = _stdin_bytes(settings.stdin)
            if isinstance(data, str):
                if not _wasi.wasi_config_set_stdin_file(ptr, data.encode()):
                    raise ConfigError(f"cannot open {data!r} as the guest's stdin")
            else:
                vec = _vec.byte_vec_from(data)
                _wasi.wasi_config_set_stdin_bytes(ptr, ctypes.byref(vec))  # consumes the vector
        elif settings.inherit_stdin:
            _wasi.wasi_config_inherit_stdin(ptr)
        for stream in ("stdout", "stderr"):
            target = getattr(settings, stream)
            if target is not None:
                sink = _OutputSink(target, stream)
                keep.append(sink)
                setter = _wasi.wasi_config_set_stdout_custom if stream == "stdout" else _wasi.wasi_config_set_stderr_custom
                setter(ptr, sink.callback, None, _wasi.NO_FINALIZER)
            elif getattr(settings, f"inherit_{stream}"):
                (_wasi.wasi_config_inherit_stdout if stream == "stdout" else _wasi.wasi_config_inherit_stderr)(ptr)
        for host, guest, read_only in settings.preopens:
            if not _wasi.wasi_config_preopen_dir(ptr, os.fsencode(host), guest.encode("utf-8"), not read_only):
                raise ConfigError(f"cannot preopen {host!r} as {guest!r}")
    except BaseException:
        _wasi.wasi_config_delete(ptr)
        raise
    return ptr, keep


def configure_wasi(store: Store, wasi: object, config: ModuleConfig) -> None:
    """Give ``store`` a WASI context from ``wasi`` (a wt-wasi config, or True for none)
    overlaid by ``config``."""
    if wasi is True:
        ptr, keep = build_wasi(None, config)
    else:
        build = getattr(wasi, "_wt_build_wasi", None)
        if build is None:
            raise ConfigError(f"not a WASI configuration: {type(wasi).__name__}")
        ptr, keep = build(config)
    err = _store.wasmtime_context_set_wasi(store.context, ptr)  # consumes ptr
    store.keep.extend(keep)
    if err:
        try:
            raise ConfigError(f"invalid WASI configuration: {_error.error_message(err)}")
        finally:
            _error.wasmtime_error_delete(err)


def define_wasi(linker: ctypes._Pointer[_linker.wasmtime_linker_t]) -> None:
    """Define the WASI preview-1 imports in ``linker``."""
    err = _linker.wasmtime_linker_define_wasi(linker)
    if err:
        try:
            raise ConfigError(f"cannot define WASI: {_error.error_message(err)}")
        finally:
            _error.wasmtime_error_delete(err)
