"""``wasmtime/async.h``: calls that run as futures, async host functions, yielding.

wasmtime 50 has no config switch for async (``wasmtime_config_async_support_set`` is
gone from the library): any store may run wasm as a future, and sync calls keep working
on it. What 50.0.1 does, measured (see RATIONALE, "async"):

- ``wasmtime_func_call_async`` returns a future; each ``wasmtime_call_future_poll`` runs
  the wasm on a fiber of its own until it returns (true) or suspends (false): at an epoch
  deadline whose callback answered ``UPDATE_DEADLINE_YIELD``, at the fuel yield interval,
  or in an async host function whose continuation is not done. There is no waker: the
  caller decides when to poll again.
- ``wasmtime_call_future_delete`` of a suspended future resumes its fiber with an error,
  so the wasm unwinds (nothing of it runs again, a pending continuation is dropped and its
  finalizer called); the store stays usable. Polling a future that returned true aborts.
- A sync call (checked or not) that reaches a function defined by
  ``wasmtime_linker_define_async_func`` panics: the process aborts. A sync call that
  meets a yield (epoch answer or fuel interval) fails with an error instead.
- ``wasmtime_context_epoch_deadline_async_yield_and_update`` returns nothing in 50.0.1
  although the header declares ``wasmtime_error_t *``: its result register is garbage
  (declared here without a result).
- A continuation left unset by the async callback (the callback raised before writing
  it) is a placeholder that panics when polled: the callback must set it first.
"""

from __future__ import annotations

import ctypes
from ctypes import CFUNCTYPE, POINTER, c_bool, c_char_p, c_size_t, c_uint64, c_void_p

from ._library import cfunc
from .error import ErrorPtr, wasmtime_error_t
from .extern import wasmtime_func_t
from .instance import InstancePrePtr, InstancePtr, wasmtime_instance_pre_t
from .linker import LinkerPtr, wasmtime_linker_t
from .module import ModulePtr, wasmtime_module_t
from .store import FINALIZER, ContextPtr, wasmtime_context_t
from .types import FuncTypePtr, wasm_functype_t
from .val import wasmtime_val_t

__all__ = ["wasmtime_call_future_t", "wasmtime_async_continuation_t", "CallFuturePtr", "CONTINUATION_CALLBACK",
           "ASYNC_CALLBACK", "VAL_WORDS"]


class wasmtime_call_future_t(ctypes.Structure):
    """Opaque ``wasmtime_call_future_t``: a running call, owned by whoever received it."""


CallFuturePtr = POINTER(wasmtime_call_future_t)

CONTINUATION_CALLBACK = CFUNCTYPE(c_bool, c_void_p)
"""``bool (*)(void *env)``: true once the async host call is complete."""


class wasmtime_async_continuation_t(ctypes.Structure):
    """``wasmtime_async_continuation_t``: what an async host function returns (three
    pointer-sized words: ``callback``, ``env``, ``finalizer``)."""

    _fields_ = [("callback", c_void_p), ("env", c_void_p), ("finalizer", c_void_p)]


ASYNC_CALLBACK = CFUNCTYPE(None, c_void_p, c_void_p, POINTER(c_uint64), c_size_t, POINTER(c_uint64), c_size_t,
                           POINTER(c_uint64), POINTER(c_uint64))
"""``void (*)(void *env, wasmtime_caller_t *caller, const wasmtime_val_t *args, size_t nargs,
wasmtime_val_t *results, size_t nresults, wasm_trap_t **trap_ret,
wasmtime_async_continuation_t *continuation_ret)``, declared with the values, the trap and
the continuation as 64-bit words: :data:`VAL_WORDS` per ``wasmtime_val_t`` (the kind in
the first, the payload from the second), one for the trap's address, three for the
continuation."""

VAL_WORDS = ctypes.sizeof(wasmtime_val_t) // 8
"""64-bit words per ``wasmtime_val_t`` (32 bytes: the kind, padding, a 24-byte union)."""
assert VAL_WORDS == 4 and wasmtime_val_t.of.offset == 8


@cfunc(CallFuturePtr, ContextPtr, POINTER(wasmtime_func_t), POINTER(wasmtime_val_t), c_size_t,
       POINTER(wasmtime_val_t), c_size_t, POINTER(c_void_p), POINTER(c_void_p))
def wasmtime_func_call_async(context: ctypes._Pointer[wasmtime_context_t], func: object, args: object, nargs: int,
                             results: object, nresults: int, trap: object,
                             error: object) -> ctypes._Pointer[wasmtime_call_future_t]:
    """Start a call as a future. Everything passed must stay alive and unchanged until
    the future is deleted; the trap or error (owned) is written when it completes."""
    ...


@cfunc(c_bool, CallFuturePtr)
def wasmtime_call_future_poll(future: ctypes._Pointer[wasmtime_call_future_t]) -> bool:
    """Run the future until it completes (true: never poll it again) or suspends."""
    ...


@cfunc(None, CallFuturePtr)
def wasmtime_call_future_delete(future: ctypes._Pointer[wasmtime_call_future_t]) -> None:
    """Free a future; a suspended one is cancelled (its wasm unwinds) first."""


@cfunc(ErrorPtr, LinkerPtr, c_char_p, c_size_t, c_char_p, c_size_t, FuncTypePtr, ASYNC_CALLBACK, c_void_p, FINALIZER)
def wasmtime_linker_define_async_func(linker: ctypes._Pointer[wasmtime_linker_t], module: bytes, module_len: int,
                                      name: bytes, name_len: int, ty: ctypes._Pointer[wasm_functype_t],
                                      callback: object, env: int | None,
                                      finalizer: object) -> ctypes._Pointer[wasmtime_error_t]:
    """Define an async host function; ``finalizer(env)`` runs when wasmtime drops it."""
    ...


@cfunc(CallFuturePtr, LinkerPtr, ContextPtr, ModulePtr, InstancePtr, POINTER(c_void_p), POINTER(c_void_p))
def wasmtime_linker_instantiate_async(linker: ctypes._Pointer[wasmtime_linker_t],
                                      context: ctypes._Pointer[wasmtime_context_t],
                                      module: ctypes._Pointer[wasmtime_module_t], out: object, trap: object,
                                      error: object) -> ctypes._Pointer[wasmtime_call_future_t]:
    """Instantiate as a future (the start function runs on a fiber)."""
    ...


@cfunc(CallFuturePtr, InstancePrePtr, ContextPtr, InstancePtr, POINTER(c_void_p), POINTER(c_void_p))
def wasmtime_instance_pre_instantiate_async(instance_pre: ctypes._Pointer[wasmtime_instance_pre_t],
                                            context: ctypes._Pointer[wasmtime_context_t], out: object,
                                            trap: object, error: object) -> ctypes._Pointer[wasmtime_call_future_t]:
    """Instantiate an instance-pre as a future."""
    ...


@cfunc(ErrorPtr, ContextPtr, c_uint64)
def wasmtime_context_fuel_async_yield_interval(context: ctypes._Pointer[wasmtime_context_t],
                                               interval: int) -> ctypes._Pointer[wasmtime_error_t]:
    """Make wasm running in a future yield every ``interval`` units of fuel (0: never). An
    error without fuel metering. While set, a sync call that reaches the interval fails."""
    ...


@cfunc(None, ContextPtr, c_uint64)
def wasmtime_context_epoch_deadline_async_yield_and_update(context: ctypes._Pointer[wasmtime_context_t],
                                                           delta: int) -> None:
    """Yield at every epoch deadline, then set the next one ``delta`` ticks ahead. It
    replaces the store's deadline callback (wt answers yields from that callback instead)
    and, unlike the header says, returns nothing in 50.0.1."""
