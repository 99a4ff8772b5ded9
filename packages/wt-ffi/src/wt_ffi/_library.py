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
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., object])
    P = TypeVar("P")

__all__ = ["Declaration", "bind_all", "cfunc", "declarations", "declare_owned", "declare_vec", "library_path",
           "load", "pointer_arg", "raw_function"]


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
        return _declare(stub.__module__, stub.__name__, restype, argtypes, stub.__doc__)  # type: ignore[return-value]

    return declare


def declare_owned(module: str, prefix: str, ptr: type[P]) -> tuple[
        Callable[[P], P], Callable[[P, P], bool], Callable[[P], None]]:
    """Declare ``{prefix}_clone``, ``{prefix}_equal`` and ``{prefix}_delete``, the three
    functions each owned opaque type of wasmtime's component type headers comes with;
    the caller's module assigns them to those names (a first call looks them up there)."""
    return (_declare(module, f"{prefix}_clone", ptr, (ptr,), "A new owned copy of the type."),
            _declare(module, f"{prefix}_equal", ctypes.c_bool, (ptr, ptr),
                     "Whether two types are structurally equal."),
            _declare(module, f"{prefix}_delete", None, (ptr,), "Free the type."))


def declare_vec(module: str, prefix: str, vec: type[ctypes.Structure], element: type[ctypes.Structure]) -> tuple[
        Callable[[object, int, object], None], Callable[[object], None], Callable[[object, int], None],
        Callable[[object, object], None], Callable[[object], None]]:
    """Declare ``{prefix}_new``, ``_new_empty``, ``_new_uninit``, ``_copy`` and ``_delete``,
    the five functions each vector of wasmtime's component values comes with; the caller's
    module assigns them to those names (a first call looks them up there)."""
    out, items = ctypes.POINTER(vec), ctypes.POINTER(element)
    return (_declare(module, f"{prefix}_new", None, (out, ctypes.c_size_t, items),
                     "Initialise ``out`` by MOVING ``size`` elements from ``data`` (their contents "
                     "now belong to ``out``; ``data``'s own memory stays the caller's)."),
            _declare(module, f"{prefix}_new_empty", None, (out,), "Initialise ``out`` as empty."),
            _declare(module, f"{prefix}_new_uninit", None, (out, ctypes.c_size_t),
                     "Initialise ``out`` with ``size`` default elements, to be overwritten in place."),
            _declare(module, f"{prefix}_copy", None, (out, out), "Initialise ``out`` with a deep copy of ``src``."),
            _declare(module, f"{prefix}_delete", None, (out,), "Free the vector's elements and buffer."))


def _declare(module: str, name: str, restype: object, argtypes: tuple[object, ...],
             doc: str | None) -> Callable[..., Any]:
    """Record a declaration; return the stub that binds it on its first call."""
    decl = Declaration(module, name, restype, argtypes)
    _declarations.append(decl)

    def first_call(*args: object) -> object:
        bound = getattr(sys.modules[module], name)
        if bound is first_call:  # not bound yet (a caller may also hold the stub itself)
            bound = _bind_one(load(), decl)
        return bound(*args)

    first_call.__name__ = first_call.__qualname__ = name
    first_call.__doc__ = doc
    return first_call


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
    ready-made arguments (:func:`pointer_arg`) or plain ints that fit a C ``int``
    (a ``size_t`` count too: libffi widens it to the register, on x86-64 and aarch64).
    """
    fn = load()[name]
    fn.restype = restype  # type: ignore[assignment]
    return fn


def pointer_arg(target: ctypes._CData | int) -> object:
    """A premade argument passing the address of ``target`` (a ctypes object, kept alive by
    the argument) or the address ``target`` itself to a :func:`raw_function`. ctypes makes
    a new argument object per call for a ``c_void_p``, an array or a ``c_size_t`` (~30 ns
    each); a ``byref`` is passed as it is."""
    if isinstance(target, int):
        target = ctypes.c_char.from_address(target)
    return ctypes.byref(target)
