"""``wasi.h``: the WASI preview-1 configuration of a store."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import CFUNCTYPE, POINTER, c_bool, c_char_p, c_size_t, c_ssize_t, c_ubyte, c_void_p

from ._library import cfunc
from .entry import checked_later
from .error import ErrorPtr, wasmtime_error_t
from .store import ContextPtr, wasmtime_context_t
from .vec import wasm_byte_vec_t

__all__ = ["wasi_config_t", "WasiConfigPtr", "WASI_OUTPUT_CALLBACK"]


class wasi_config_t(ctypes.Structure):
    """Opaque ``wasi_config_t``; consumed by ``wasmtime_context_set_wasi``."""


WasiConfigPtr = POINTER(wasi_config_t)
WASI_OUTPUT_CALLBACK = CFUNCTYPE(c_ssize_t, c_void_p, POINTER(c_ubyte), c_size_t)
"""``ptrdiff_t (*)(void *data, const unsigned char *buf, size_t len)``: a guest write."""
_FINALIZER = CFUNCTYPE(None, c_void_p)
CStringArray = POINTER(c_char_p)


@cfunc(WasiConfigPtr)
def wasi_config_new() -> ctypes._Pointer[wasi_config_t]:
    """A new, empty WASI configuration (no args, env, stdio or preopens)."""
    ...


@cfunc(None, WasiConfigPtr)
def wasi_config_delete(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Free a configuration that no store consumed."""


@cfunc(c_bool, WasiConfigPtr, c_size_t, CStringArray)
def wasi_config_set_argv(config: ctypes._Pointer[wasi_config_t], argc: int, argv: object) -> bool:
    """Set the guest's argv (UTF-8); false on invalid input."""
    ...


@cfunc(None, WasiConfigPtr)
def wasi_config_inherit_argv(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Give the guest this process's argv."""


@cfunc(c_bool, WasiConfigPtr, c_size_t, CStringArray, CStringArray)
def wasi_config_set_env(config: ctypes._Pointer[wasi_config_t], envc: int, names: object, values: object) -> bool:
    """Set the guest's environment; false on invalid input."""
    ...


@cfunc(None, WasiConfigPtr)
def wasi_config_inherit_env(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Give the guest this process's environment."""


@cfunc(c_bool, WasiConfigPtr, c_char_p)
def wasi_config_set_stdin_file(config: ctypes._Pointer[wasi_config_t], path: bytes) -> bool:
    """Read the guest's stdin from a file; false if it cannot be opened."""
    ...


@cfunc(None, WasiConfigPtr, POINTER(wasm_byte_vec_t))
def wasi_config_set_stdin_bytes(config: ctypes._Pointer[wasi_config_t], data: object) -> None:
    """Serve the guest's stdin from bytes; consumes the vector."""


@cfunc(None, WasiConfigPtr)
def wasi_config_inherit_stdin(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Give the guest this process's stdin."""


@cfunc(c_bool, WasiConfigPtr, c_char_p)
def wasi_config_set_stdout_file(config: ctypes._Pointer[wasi_config_t], path: bytes) -> bool:
    """Write the guest's stdout to a file."""
    ...


@cfunc(None, WasiConfigPtr)
def wasi_config_inherit_stdout(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Give the guest this process's stdout."""


@cfunc(None, WasiConfigPtr, WASI_OUTPUT_CALLBACK, c_void_p, _FINALIZER)
def wasi_config_set_stdout_custom(config: ctypes._Pointer[wasi_config_t], callback: object, data: int | None, finalizer: object) -> None:
    """Send the guest's stdout to ``callback``."""


@cfunc(c_bool, WasiConfigPtr, c_char_p)
def wasi_config_set_stderr_file(config: ctypes._Pointer[wasi_config_t], path: bytes) -> bool:
    """Write the guest's stderr to a file."""
    ...


@cfunc(None, WasiConfigPtr)
def wasi_config_inherit_stderr(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Give the guest this process's stderr."""


@cfunc(None, WasiConfigPtr, WASI_OUTPUT_CALLBACK, c_void_p, _FINALIZER)
def wasi_config_set_stderr_custom(config: ctypes._Pointer[wasi_config_t], callback: object, data: int | None, finalizer: object) -> None:
    """Send the guest's stderr to ``callback``."""


@cfunc(c_bool, WasiConfigPtr, c_char_p, c_char_p, c_bool)
def wasi_config_preopen_dir(config: ctypes._Pointer[wasi_config_t], host_path: bytes, guest_path: bytes, mutable: bool) -> bool:
    """Preopen a host directory under ``guest_path`` (50.x: one mutability flag)."""
    ...


@cfunc(ErrorPtr, ContextPtr, WasiConfigPtr)
def wasmtime_context_set_wasi(context: ctypes._Pointer[wasmtime_context_t],
                              wasi: ctypes._Pointer[wasi_config_t]) -> ctypes._Pointer[wasmtime_error_t]:
    """Give the store a WASI context; consumes ``wasi``. (Declared in ``store.h``, under
    its WASI feature; here with the rest of WASI, so that stores without it skip this module.)"""
    ...


@cfunc(None, WasiConfigPtr)
def wasi_config_inherit_network(config: ctypes._Pointer[wasi_config_t]) -> None:
    """Give the guest this process's network (WASI 0.2 sockets)."""


@cfunc(None, WasiConfigPtr, c_bool)
def wasi_config_allow_ip_name_lookup(config: ctypes._Pointer[wasi_config_t], allow: bool) -> None:
    """Whether the guest may resolve host names (WASI 0.2 ``ip-name-lookup``)."""


def new_output_callback(write: Callable[[bytes], object], on_error: Callable[[BaseException], object]) -> object:
    """A ``WASI_OUTPUT_CALLBACK`` handing each guest write, exactly, to ``write``; an
    exception is passed to ``on_error`` and the guest's write fails (never escapes into C).
    Keep the returned object alive while the store may write."""

    def on_write(data: int | None, buf: ctypes._Pointer[c_ubyte], length: int) -> int:
        try:
            write(ctypes.string_at(buf, length))
            return length
        except BaseException as exc:  # noqa: BLE001
            try:
                on_error(exc)
            except BaseException:  # noqa: BLE001
                pass
            return -1

    on_write.__code__ = checked_later(on_write.__code__)  # see wt_ffi.entry
    return WASI_OUTPUT_CALLBACK(on_write)


NO_FINALIZER = _FINALIZER()
"""A NULL finalizer: wt keeps callback data alive in Python instead."""
