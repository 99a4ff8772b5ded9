"""``wasm.h`` traps and frames, and ``wasmtime/trap.h``: trap codes and frame names."""

from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_size_t, c_uint32, c_uint8

from ._library import cfunc
from .error import ErrorPtr, error_exit_status, error_message, wasmtime_error_delete, wasmtime_error_t
from .vec import wasm_byte_vec_t, byte_vec_bytes, take_string
from .records import Record

__all__ = ["wasm_trap_t", "wasm_frame_t", "FrameInfo", "trap_message", "trap_code",
           "trap_frames", "error_frames", "Failure", "take_failure"]


class wasm_trap_t(ctypes.Structure):
    """Opaque ``wasm_trap_t``, owned by whoever received it."""


class wasm_frame_t(ctypes.Structure):
    """Opaque ``wasm_frame_t``."""


class wasm_frame_vec_t(ctypes.Structure):
    """``wasm_frame_vec_t``: an owned vector of frames."""

    _fields_ = [("size", c_size_t), ("data", POINTER(POINTER(wasm_frame_t)))]
    size: int
    data: ctypes._Pointer[ctypes._Pointer[wasm_frame_t]]


TrapPtr = POINTER(wasm_trap_t)
FramePtr = POINTER(wasm_frame_t)


@cfunc(None, TrapPtr)
def wasm_trap_delete(trap: ctypes._Pointer[wasm_trap_t]) -> None:
    """Free a trap."""


@cfunc(None, TrapPtr, POINTER(wasm_byte_vec_t))
def wasm_trap_message(trap: ctypes._Pointer[wasm_trap_t], out: object) -> None:
    """Write the trap's message (NUL-terminated) into ``out``."""


@cfunc(None, TrapPtr, POINTER(wasm_frame_vec_t))
def wasm_trap_trace(trap: ctypes._Pointer[wasm_trap_t], out: object) -> None:
    """Write the trap's wasm backtrace into ``out``."""


@cfunc(ctypes.c_bool, TrapPtr, POINTER(c_uint8))
def wasmtime_trap_code(trap: ctypes._Pointer[wasm_trap_t], code: object) -> bool:
    """True, with ``code`` set, when the trap has a wasm trap code."""
    ...


@cfunc(TrapPtr, c_char_p, c_size_t)
def wasmtime_trap_new(message: bytes, length: int) -> ctypes._Pointer[wasm_trap_t]:
    """A new trap carrying ``message``."""
    ...


@cfunc(None, POINTER(wasm_frame_vec_t))
def wasm_frame_vec_delete(vec: object) -> None:
    """Free a frame vector and its frames."""


@cfunc(c_uint32, FramePtr)
def wasm_frame_func_index(frame: ctypes._Pointer[wasm_frame_t]) -> int:
    """The index of the frame's function in its module."""
    ...


@cfunc(c_size_t, FramePtr)
def wasm_frame_func_offset(frame: ctypes._Pointer[wasm_frame_t]) -> int:
    """The frame's offset within its function."""
    ...


@cfunc(c_size_t, FramePtr)
def wasm_frame_module_offset(frame: ctypes._Pointer[wasm_frame_t]) -> int:
    """The frame's offset within its module's bytes."""
    ...


@cfunc(POINTER(wasm_byte_vec_t), FramePtr)
def wasmtime_frame_func_name(frame: ctypes._Pointer[wasm_frame_t]) -> ctypes._Pointer[wasm_byte_vec_t]:
    """The function's name from the name section, or NULL (borrowed)."""
    ...


@cfunc(POINTER(wasm_byte_vec_t), FramePtr)
def wasmtime_frame_module_name(frame: ctypes._Pointer[wasm_frame_t]) -> ctypes._Pointer[wasm_byte_vec_t]:
    """The module's name, or NULL (borrowed)."""
    ...


@cfunc(None, ErrorPtr, POINTER(wasm_frame_vec_t))
def wasmtime_error_wasm_trace(error: ctypes._Pointer[wasmtime_error_t], out: object) -> None:
    """Write the error's wasm backtrace (if any) into ``out``."""


class FrameInfo(Record):
    """One frame of a wasm backtrace, copied out of C."""

    func_index: int
    func_name: str | None
    module_name: str | None
    func_offset: int
    module_offset: int


def trap_message(trap: ctypes._Pointer[wasm_trap_t]) -> str:
    """The trap's message, without its trailing NUL."""
    vec = wasm_byte_vec_t()
    wasm_trap_message(trap, ctypes.byref(vec))
    return take_string(vec).rstrip("\0")


def trap_code(trap: ctypes._Pointer[wasm_trap_t]) -> int | None:
    """The trap's wasmtime trap code, or None for a trap raised by the host."""
    code = c_uint8()
    if wasmtime_trap_code(trap, ctypes.byref(code)):
        return code.value
    return None


def _borrowed_name(ptr: ctypes._Pointer[wasm_byte_vec_t]) -> str | None:
    if not ptr:
        return None
    return byte_vec_bytes(ptr.contents).decode("utf-8", "replace")


def _frames(vec: wasm_frame_vec_t) -> tuple[FrameInfo, ...]:
    try:
        frames = []
        for i in range(vec.size):
            f = vec.data[i]
            frames.append(FrameInfo(
                func_index=wasm_frame_func_index(f),
                func_name=_borrowed_name(wasmtime_frame_func_name(f)),
                module_name=_borrowed_name(wasmtime_frame_module_name(f)),
                func_offset=wasm_frame_func_offset(f),
                module_offset=wasm_frame_module_offset(f),
            ))
        return tuple(frames)
    finally:
        wasm_frame_vec_delete(ctypes.byref(vec))


def trap_frames(trap: ctypes._Pointer[wasm_trap_t]) -> tuple[FrameInfo, ...]:
    """The trap's wasm backtrace, innermost frame first."""
    vec = wasm_frame_vec_t()
    wasm_trap_trace(trap, ctypes.byref(vec))
    return _frames(vec)


def error_frames(error: ctypes._Pointer[wasmtime_error_t]) -> tuple[FrameInfo, ...]:
    """The error's wasm backtrace, innermost frame first (often empty)."""
    vec = wasm_frame_vec_t()
    wasmtime_error_wasm_trace(error, ctypes.byref(vec))
    return _frames(vec)


class Failure(Record):
    """What a failed call or instantiation left behind, copied out of C and freed there:
    wasmtime's message, the trap code (None for an error, or a trap the host made), the
    WASI exit status (for ``proc_exit``) and the wasm backtrace."""

    message: str
    trap_code: int | None
    is_trap: bool
    exit_status: int | None
    frames: tuple[FrameInfo, ...]


def take_failure(error_address: int | None, trap_address: int | None) -> Failure:
    """Read and free the error (at ``error_address``) or else the trap (at
    ``trap_address``) that a call or an instantiation returned."""
    if error_address:
        err = ctypes.cast(error_address, ErrorPtr)
        try:
            return Failure(error_message(err), None, False, error_exit_status(err), error_frames(err))
        finally:
            wasmtime_error_delete(err)
    trap = ctypes.cast(trap_address or 0, TrapPtr)
    try:
        return Failure(trap_message(trap), trap_code(trap), True, None, trap_frames(trap))
    finally:
        wasm_trap_delete(trap)
