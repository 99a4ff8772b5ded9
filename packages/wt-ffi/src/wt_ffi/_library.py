"""Loading libwasmtime and binding the declared C functions to it.

Every C function of wt-ffi is declared once, as a typed Python stub decorated
with :func:`cfunc`. Importing wt-ffi costs no ``dlopen``: the first call of any
stub (or an explicit :func:`load`) locates the library through wt-loader; the first
call of each stub sets ``restype``/``argtypes`` on its symbol and rebinds the stub's
module attribute to the ctypes function itself, so later calls through the module
(``engine.wasm_engine_new(...)``) go straight to C with no Python frame between.
(A program uses a few dozen of the ~230 functions: binding all of them, and importing
every header module to find them, cost ~2 ms at the first Runtime.) :func:`bind_all`
binds every one at once, as a check that the library has them all.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from collections.abc import Callable

import wt_loader

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from pathlib import Path
    from typing import TypeVar

    F = TypeVar("F", bound=Callable[..., object])

__all__ = ["Declaration", "bind_all", "cfunc", "declarations", "library_path", "load", "raw_function"]


class Declaration:
    """One declared C function: where its stub lives and its C signature. (A plain class:
    one is made per declaration at import, where a record's checks would cost.)"""

    __slots__ = ("module", "name", "restype", "argtypes")

    def __init__(self, module: str, name: str, restype: object, argtypes: tuple[object, ...]) -> None:
        self.module = module
        self.name = name
        self.restype = restype
        self.argtypes = argtypes


_declarations: list[Declaration] = []
_lock = threading.Lock()
_cdll: ctypes.CDLL | None = None
_path: str | None = None


def cfunc(restype: object, *argtypes: object) -> Callable[[F], F]:
    """Declare the C function named like the decorated stub, with its C signature."""

    def declare(stub: F) -> F:
        decl = Declaration(stub.__module__, stub.__name__, restype, argtypes)
        _declarations.append(decl)

        def first_call(*args: object) -> object:
            bound = getattr(sys.modules[decl.module], decl.name)
            if bound is first_call:  # not bound yet (a caller may also hold the stub itself)
                bound = _bind_one(load(), decl)
            return bound(*args)

        first_call.__name__ = stub.__name__
        first_call.__qualname__ = stub.__qualname__
        first_call.__doc__ = stub.__doc__
        return first_call  # type: ignore[return-value]

    return declare


def declarations() -> tuple[Declaration, ...]:
    """Every C function declared so far (the modules of wt-ffi declare theirs on import)."""
    return tuple(_declarations)


def bind_all() -> ctypes.CDLL:
    """Load the library, import every header module and bind every declared function
    (a :class:`~wt_loader.LoaderError` names the first symbol the library lacks)."""
    import importlib  # (bind_all is a check, not a start-up path)

    from . import ALL_MODULES  # (the package imports this module: a circle at import time)

    cdll = load()
    for module in ALL_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    for decl in list(_declarations):
        _bind_one(cdll, decl)
    return cdll


def load() -> ctypes.CDLL:
    """Load libwasmtime (once per process); each function is bound on its first call."""
    global _cdll, _path
    if _cdll is not None:
        return _cdll
    with _lock:
        if _cdll is not None:  # another thread loaded it meanwhile
            return _cdll  # type: ignore[unreachable]
        from wt_loader.cache import ready_library  # (the cache fast path, without the full search: start-up)

        # The common case (the library is cached, or named by WASMTIME_LIB_PATH) needs
        # nothing but os; the full search imports pathlib and logging (~6 ms).
        ready = ready_library()
        if ready is None:
            located = wt_loader.locate_library()
            ready = (str(located.path), located.origin)
        path, origin = ready
        try:
            cdll = ctypes.CDLL(path)
        except OSError as exc:
            raise wt_loader.LoaderError(
                f"could not load the wasmtime library at {path} (found through {origin}): {exc}"
            ) from exc
        _path = path
        _cdll = cdll
        return cdll


def _bind_one(cdll: ctypes.CDLL, decl: Declaration) -> Callable[..., object]:
    """Set the C signature on ``decl``'s symbol and put it in place of the stub."""
    try:
        fn = cdll[decl.name]
    except AttributeError as exc:
        raise wt_loader.LoaderError(
            f"the wasmtime library lacks the symbol {decl.name!r}: it is not "
            f"wasmtime {wt_loader.WASMTIME_VERSION}"
        ) from exc
    fn.restype = decl.restype  # type: ignore[assignment]
    fn.argtypes = decl.argtypes  # type: ignore[assignment]
    setattr(sys.modules[decl.module], decl.name, fn)
    return fn


def library_path() -> Path | None:
    """Where the loaded library came from, or None before it is loaded."""
    if _path is None:
        return None
    from pathlib import Path  # (pathlib costs ~7 ms: only callers of library_path pay it)

    return Path(_path)


def raw_function(name: str, restype: object) -> Callable[..., object]:
    """A fresh ctypes function for ``name`` with no ``argtypes``, for hot paths.

    Without ``argtypes`` ctypes skips per-argument conversion: callers pass
    ready-made ctypes objects or plain ints that fit a C ``int``/pointer.
    """
    fn = load()[name]
    fn.restype = restype  # type: ignore[assignment]
    return fn
