"""How an instantiation gets its WASI context (built by wt-wasi, or an empty one)."""

from __future__ import annotations

import ctypes
from typing import TYPE_CHECKING

from wt_ffi import error as _error
from wt_ffi import linker as _linker
from wt_ffi import store as _store
from wt_ffi import wasi as _wasi

from .errors import ConfigError

if TYPE_CHECKING:
    from .config import ModuleConfig
    from .store import Store

__all__ = ["configure_wasi"]


def configure_wasi(store: Store, wasi: object, config: ModuleConfig) -> None:
    """Give ``store`` a WASI context from ``wasi`` (a wt-wasi config, or True for an empty
    one) overlaid by ``config``."""
    if wasi is True:
        ptr = _wasi.wasi_config_new()
        keep: object = None
    else:
        build = getattr(wasi, "_wt_build_wasi", None)
        if build is None:
            raise ConfigError(f"not a WASI configuration: {type(wasi).__name__}")
        ptr, keep = build(config)
    err = _store.wasmtime_context_set_wasi(store.context, ptr)  # consumes ptr
    if keep is not None:
        store.keep.append(keep)
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
