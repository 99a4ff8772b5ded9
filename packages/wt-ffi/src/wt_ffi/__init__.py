"""ctypes declarations of the wasmtime 50.0.1 C API.

One module per C header (``engine``, ``config``, ``store``, ``module``, ``func``, ``val``,
``extern``, ``instance``, ``linker``, ``memory``, ``global_``, ``table``, ``trap``,
``error``, ``types``, ``vec``, ``wasi``, ``wat``, ``exnref``, ``sharedmemory``, ``async_``, and the
component model's headers under ``component``), each declaring its functions' C
signatures once. Importing costs no ``dlopen``: the library is located by wt-loader and
bound on the first call (or :func:`load`).

Beside the headers: ``slots`` (numbers in raw value slots), ``call`` and ``callback``
(the prepared hot paths of calls and host functions), ``async_callback`` (what C calls
for async host functions), ``epoch`` (the deadline callback) and ``records`` (immutable value records). What wt-api needs of wt-loader
is re-exported here, so that each layer imports only the one below it.
"""

from __future__ import annotations

from wt_loader import WASMTIME_VERSION, LoaderError, WtError

from ._library import bind_all, declarations, library_path, load, pointer_arg, raw_function

__all__ = ["bind_all", "declarations", "library_path", "load", "pointer_arg", "raw_function", "cache_root", "ALL_MODULES",
           "WASMTIME_VERSION", "LoaderError", "WtError"]

TYPE_CHECKING = False  # typing's constant, without importing typing
if TYPE_CHECKING:
    from pathlib import Path


def cache_root() -> Path:
    """wt's user cache directory (``WT_CACHE_DIR``, else e.g. ``~/.cache/wt``): wt-loader's."""
    import wt_loader  # (its cache module loads on first use: start-up)

    return wt_loader.cache_root()

ALL_MODULES = (
    "vec", "error", "config", "engine", "wasi", "store", "types", "externtype", "extern", "val", "trap",
    "module", "func", "instance", "linker", "memory", "global_", "table", "wat", "exnref",
    "sharedmemory", "async_",
    # wasmtime/component/*.h (wt_ffi.component.MODULES)
    "component.types.resource", "component.types.val", "component.types.func", "component.types.module",
    "component.types.instance", "component.types.component", "component.val", "component.component",
    "component.func", "component.instance", "component.linker",
)
"""The modules that mirror C headers (each declares C functions)."""
