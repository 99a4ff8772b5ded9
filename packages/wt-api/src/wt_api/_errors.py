"""wt's exceptions (the one place that raises them for failed calls is ``_failure``).

The tree::

    WtError                          (wt_loader: root of every wt exception)
    ├── LoaderError                  (wt_loader: finding, downloading, verifying libwasmtime)
    ├── ClosedError                  use of a closed runtime, module, or item
    ├── WasmArgumentError            (also TypeError/ValueError) bad arity or value, before wasm runs
    ├── ConfigError                  (also ValueError) an invalid configuration
    ├── CompileError                 invalid or malformed module; ``.message`` is wasmtime's
    ├── LinkError                    missing or mistyped imports, taken module names
    ├── InstantiationError           instantiation failed for another reason (limits, ...)
    ├── WasmRuntimeError             a call failed inside wasmtime without a trap
    │   ├── Trap                     a wasm trap: ``.code`` (:class:`TrapCode`), ``.frames``
    │   │   └── WasmTimeoutError     (also TimeoutError) a call ran past its timeout or deadline
    │   └── WasmException            an uncaught wasm exception: ``.exception`` (exnref), ``.payload``
    └── ExitError                    WASI ``proc_exit(n)`` with n != 0; ``.exit_code``

A Python exception raised inside a host function is re-raised as itself by the call
that entered wasm, with its traceback; it is not wrapped. Ctrl-C during a wasm call on
the main thread raises ``KeyboardInterrupt``, as anywhere else in Python.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from wt_ffi import LoaderError, WtError

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi.trap import FrameInfo

__all__ = [
    "WtError", "LoaderError", "ClosedError", "WasmArgumentError", "ConfigError", "CompileError",
    "LinkError", "InstantiationError", "WasmRuntimeError", "Trap", "TrapCode", "ExitError", "Frame",
    "WasmException", "WasmTimeoutError",
]


class ClosedError(WtError):
    """An object was used after it (or the runtime that owns it) was closed."""


class WasmArgumentError(WtError, TypeError, ValueError):
    """A call's arguments do not fit the function's signature; wasm was not entered."""


class ConfigError(WtError, ValueError):
    """A configuration value or combination that wasmtime cannot accept."""


class CompileError(WtError):
    """The module is not valid WebAssembly (or WAT); ``message`` is wasmtime's own."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LinkError(WtError):
    """An import could not be satisfied, or a module name is already taken."""


class InstantiationError(WtError):
    """Instantiation failed for a reason other than a trap or a link error."""


class WasmRuntimeError(WtError):
    """A call into wasm failed with an error from wasmtime."""

    def __init__(self, message: str, frames: Sequence[Frame] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.frames: tuple[Frame, ...] = tuple(frames)


class TrapCode(enum.IntEnum):
    """wasmtime's trap codes (``wasmtime_trap_code_t``).

    Thread-safety: an immutable value; share it freely."""

    STACK_OVERFLOW = 0
    MEMORY_OUT_OF_BOUNDS = 1
    HEAP_MISALIGNED = 2
    TABLE_OUT_OF_BOUNDS = 3
    INDIRECT_CALL_TO_NULL = 4
    BAD_SIGNATURE = 5
    INTEGER_OVERFLOW = 6
    INTEGER_DIVISION_BY_ZERO = 7
    BAD_CONVERSION_TO_INTEGER = 8
    UNREACHABLE_CODE_REACHED = 9
    INTERRUPT = 10
    OUT_OF_FUEL = 11
    ATOMIC_WAIT_NON_SHARED_MEMORY = 12
    NULL_REFERENCE = 13
    ARRAY_OUT_OF_BOUNDS = 14
    ALLOCATION_TOO_LARGE = 15
    CAST_FAILURE = 16
    CANNOT_ENTER_COMPONENT = 17
    NO_ASYNC_RESULT = 18
    UNHANDLED_TAG = 19
    CONTINUATION_ALREADY_CONSUMED = 20
    DISABLED_OPCODE = 21
    ASYNC_DEADLOCK = 22
    CANNOT_LEAVE_COMPONENT = 23
    CANNOT_BLOCK_SYNC_TASK = 24
    INVALID_CHAR = 25
    DEBUG_ASSERT_STRING_ENCODING_FINISHED = 26
    DEBUG_ASSERT_EQUAL_CODE_UNITS = 27
    DEBUG_ASSERT_POINTER_ALIGNED = 28
    DEBUG_ASSERT_UPPER_BITS_UNSET = 29
    STRING_OUT_OF_BOUNDS = 30
    LIST_OUT_OF_BOUNDS = 31


class Frame:
    """One frame of a wasm backtrace.

    Thread-safety: an immutable value; share it freely."""

    __slots__ = ("func_index", "func_name", "module_name", "func_offset", "module_offset")

    def __init__(self, info: FrameInfo) -> None:
        self.func_index: int = info.func_index
        self.func_name: str | None = info.func_name
        self.module_name: str | None = info.module_name
        self.func_offset: int = info.func_offset
        self.module_offset: int = info.module_offset

    def __repr__(self) -> str:
        where = self.func_name or f"func[{self.func_index}]"
        module = self.module_name or "<module>"
        return f"{module}!{where} @ {self.module_offset:#x}"


class Trap(WasmRuntimeError):
    """A WebAssembly trap. ``code`` is a :class:`TrapCode`, or None for a trap that
    carries only a message (raised by the host)."""

    def __init__(self, message: str, code: TrapCode | None = None, frames: Sequence[Frame] = ()) -> None:
        super().__init__(message, frames)
        self.code = code

    def __str__(self) -> str:
        text = self.message
        if self.frames:
            text += "\nwasm backtrace:\n" + "\n".join(f"  {i}: {f!r}" for i, f in enumerate(self.frames))
        return text


class WasmException(WasmRuntimeError):
    """A WebAssembly exception (``throw``, ``throw_ref``) that no wasm handler caught:
    ``exception`` is its encoded exnref (an :class:`~wt_api.ExnRef`, which holds it) and
    ``payload`` its values, encoded as its tag's signature orders them. Unlike a trap,
    wasm could have caught it."""

    def __init__(self, message: str, exception: int, payload: tuple[int, ...],
                 frames: Sequence[Frame] = ()) -> None:
        super().__init__(message, frames)
        self.exception = exception
        self.payload = payload


class ExitError(WtError):
    """A WASI program called ``proc_exit`` with a non-zero code."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(f"the WASI program exited with code {exit_code}")
        self.exit_code = exit_code


class WasmTimeoutError(Trap, TimeoutError):
    """A call ran past its timeout or deadline and was stopped (``code`` is
    ``TrapCode.INTERRUPT``); ``timeout`` is the timeout in seconds, or None for a deadline.
    The instance stays usable."""

    def __init__(self, message: str, timeout: float | None = None, frames: Sequence[Frame] = ()) -> None:
        super().__init__(message, TrapCode.INTERRUPT, frames)
        self.timeout = timeout
