"""How big the calling thread's stack is, from the C library (wasm runs on it).

wasmtime bounds wasm's own stack use at ``max_wasm_stack`` below where wasm is entered,
and runs that wasm on the calling thread's stack: on a thread whose stack is smaller than
that, deep recursion runs off the end of the thread's stack (a crash) before wasmtime's
check can trap. wt-api asks here once per thread and refuses calls that could do that.
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["stack_size"]

_PTHREAD_ATTR_SIZE = 128  # larger than pthread_attr_t on every supported platform (56-64 bytes)
_libc: ctypes.CDLL | None = None


def _c_library() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        if sys.platform == "darwin":  # pragma: no cover - macOS
            from ctypes.util import find_library  # (imports subprocess and tempfile, ~6 ms: macOS only)

            _libc = ctypes.CDLL(find_library("c"))
        else:
            _libc = ctypes.CDLL(None)
    return _libc


def stack_size() -> int | None:
    """The calling thread's stack size in bytes, or None where the system cannot say."""
    measure = _BY_PLATFORM.get("linux" if sys.platform.startswith("linux") else sys.platform)
    try:
        return None if measure is None else measure()
    except (OSError, AttributeError):
        return None


def _linux() -> int | None:
    libc = _c_library()
    libc.pthread_self.restype = ctypes.c_ulong
    attr = (ctypes.c_char * _PTHREAD_ATTR_SIZE)()
    if libc.pthread_getattr_np(ctypes.c_ulong(libc.pthread_self()), attr) != 0:
        return None
    try:
        address = ctypes.c_void_p()
        size = ctypes.c_size_t()
        if libc.pthread_attr_getstack(attr, ctypes.byref(address), ctypes.byref(size)) != 0:
            return None
        return size.value
    finally:
        libc.pthread_attr_destroy(attr)


def _darwin() -> int | None:  # pragma: no cover - macOS
    libc = _c_library()
    libc.pthread_self.restype = ctypes.c_void_p
    libc.pthread_get_stacksize_np.restype = ctypes.c_size_t
    libc.pthread_get_stacksize_np.argtypes = [ctypes.c_void_p]
    return int(libc.pthread_get_stacksize_np(libc.pthread_self()))


def _windows() -> int | None:  # pragma: no cover - Windows
    low, high = ctypes.c_size_t(), ctypes.c_size_t()
    ctypes.windll.kernel32.GetCurrentThreadStackLimits(ctypes.byref(low), ctypes.byref(high))  # type: ignore[attr-defined]
    return high.value - low.value


_BY_PLATFORM = {"linux": _linux, "darwin": _darwin, "win32": _windows}
