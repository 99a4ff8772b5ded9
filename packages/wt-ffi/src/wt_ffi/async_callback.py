"""What C calls for async host functions: one callback, one continuation and one
finaliser for all of them, dispatched by ``env``.

wasmtime calls an async host function's callback on the fiber running the guest. The
callback must hand back a continuation, which wasmtime polls (each time the call's
future is polled) until it says the host call is complete; then it reads the results
(or the trap). The host side is an :class:`AsyncHost` registered with :func:`register`:
``start`` begins a host call (returning 0 when it completed at once, or a key for its
continuation), ``finish(key)`` says whether it is complete (writing the results), and
``dropped(key)`` hears that wasmtime dropped the continuation (complete, or cancelled by
the deletion of the future).

No exception may leave these functions (see :mod:`wt_ffi.sink`): each body is one
``try`` whose entry runs no signal handler (:mod:`wt_ffi.entry`), and the ``except``
paths make no call but the pool's last resort; they leave the exception with the host's
sink, hand wasmtime a trap taken from :data:`~wt_ffi.callback.SPARE_TRAPS` and say
"complete". The continuation is set to "complete" first thing: wasmtime's placeholder
panics (aborting the process) when polled. Should an exception still escape the callback
(a Python whose bytecode :mod:`wt_ffi.entry` does not know, or Python 3.10 running a
handler as an ``except`` clause starts), the ``sys.unraisablehook`` finder below sets the
continuation and the trap for the callback that could not.
"""

from __future__ import annotations

import ctypes
import itertools
from types import CodeType, TracebackType

from .async_ import ASYNC_CALLBACK, CONTINUATION_CALLBACK
from .callback import SPARE_TRAPS
from .entry import checked_later
from .sink import SINK_FINDERS, CallbackSink, ready_callbacks
from .store import FINALIZER

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import Any, Protocol

    class AsyncHost(Protocol):
        """The host side of one async host function in one store."""

        sink: CallbackSink

        def start(self, caller: int, args: ctypes._Pointer[ctypes.c_uint64],
                  results: ctypes._Pointer[ctypes.c_uint64]) -> bool: ...
        def finish(self, key: int) -> bool: ...
        def dropped(self, key: int) -> None: ...

__all__ = ["register", "pending_key", "ASYNC_THUNK", "FORGET_THUNK", "AsyncHost"]

_hosts: dict[int, AsyncHost] = {}
_pending: dict[int, tuple[AsyncHost, ctypes._Pointer[ctypes.c_uint64]]] = {}
_keys = itertools.count(1)
_current_key = [0]

# The three functions C calls are compiled under a filename that wt's SIGINT handler
# knows (wt_ffi.epoch.CALLBACK_FILENAMES): an interrupt arriving inside them waits.
_SOURCE = '''
def on_call(env, caller, args, nargs, results, nresults, trap_ret, cont_ret):
    host = None
    try:
        cont_ret[0] = _DONE
        cont_ret[1] = 0
        cont_ret[2] = 0
        host = _hosts[env or 0]
        if host.sink.error is not None:
            raise host.sink.error
        key = _next()
        _current[0] = key
        if not host.start(caller or 0, args, results):
            _pending[key] = (host, trap_ret)
            cont_ret[1] = key
            cont_ret[2] = _DROP
            cont_ret[0] = _CONTINUE
    except BaseException as exc:
        sink = (_NO_HOST if host is None else host).sink
        sink.error = exc
        t = (_items[-1:] or _NONE)[0]
        del _items[-1:]
        trap_ret[0] = t or _last(sink)  # (the pool ran dry: see wt_ffi.sink.Spares)


def on_continue(env):
    entry = None
    try:
        entry = _pending[env or 0]
        return entry[0].finish(env or 0)
    except BaseException as exc:
        if entry is not None:
            sink = entry[0].sink
            sink.error = exc
            t = (_items[-1:] or _NONE)[0]
            del _items[-1:]
            entry[1][0] = t or _last(sink)
        return True


def on_drop(env):
    try:
        entry = _pending.pop(env or 0, None)
        if entry is not None:
            entry[0].dropped(env or 0)
    except BaseException:
        pass


def on_forget(env):
    try:
        _hosts.pop(env or 0, None)
    except BaseException:
        pass


def on_done(env):
    return True
'''


class _NoHost:
    sink = CallbackSink()  # (where an exception goes that came before the host was found)


_env: dict[str, Any] = {
    **SPARE_TRAPS.names(), "_hosts": _hosts, "_pending": _pending, "_next": _keys.__next__, "_current": _current_key,
    "_NO_HOST": _NoHost,
}
exec(compile(_SOURCE, "<wt async host function>", "exec"), _env)  # noqa: S102
for _name in ("on_call", "on_continue", "on_drop", "on_forget", "on_done"):  # entries that run no signal handler
    _env[_name].__code__ = checked_later(_env[_name].__code__)

ASYNC_THUNK = ASYNC_CALLBACK(_env["on_call"])
"""The callback of every async host function (``env``: the key given to :func:`register`)."""
_CONTINUE_THUNK = CONTINUATION_CALLBACK(_env["on_continue"])
_DONE_THUNK = CONTINUATION_CALLBACK(_env["on_done"])
_DROP_THUNK = FINALIZER(_env["on_drop"])
FORGET_THUNK = FINALIZER(_env["on_forget"])
"""The finaliser of every async host function: forgets its :class:`AsyncHost`."""
_env["_DONE"] = ctypes.cast(_DONE_THUNK, ctypes.c_void_p).value
_env["_CONTINUE"] = ctypes.cast(_CONTINUE_THUNK, ctypes.c_void_p).value
_env["_DROP"] = ctypes.cast(_DROP_THUNK, ctypes.c_void_p).value
_ON_CALL: CodeType = _env["on_call"].__code__
_ON_CONTINUE: CodeType = _env["on_continue"].__code__
_ON_DROP: CodeType = _env["on_drop"].__code__


def register(host: AsyncHost) -> int:
    """Route an async host function's calls to ``host``; returns the ``env`` to define it
    with (with :data:`ASYNC_THUNK` and :data:`FORGET_THUNK`)."""
    SPARE_TRAPS.fill()
    ready_callbacks()
    key = next(_keys)
    _hosts[key] = host
    return key


def pending_key() -> int:
    """The key of the host call that ``AsyncHost.start`` is starting (that ``finish`` and
    ``dropped`` will be given if it does not complete at once)."""
    return _current_key[0]


def _sink_of(tb: TracebackType) -> CallbackSink | None:
    """For an exception that escaped one of these functions before its ``try`` (see the
    module docstring): the sink it belongs to, after making the call safe for wasmtime
    (the continuation says "complete", and a trap is handed back)."""
    frame = tb.tb_frame
    code = frame.f_code
    if code is _ON_CALL:
        local = frame.f_locals
        cont, trap = local.get("cont_ret"), local.get("trap_ret")
        if cont is not None and trap is not None:
            cont[0] = _env["_DONE"]
            cont[1] = 0
            cont[2] = 0
            trap[0] = SPARE_TRAPS.take()
        host = _hosts.get(local.get("env") or 0)
        return None if host is None else host.sink
    if code is _ON_CONTINUE:
        entry = _pending.get(frame.f_locals.get("env") or 0)
        if entry is None:
            return None
        entry[1][0] = SPARE_TRAPS.take()  # the call fails whatever ctypes hands wasmtime
        return entry[0].sink
    if code is _ON_DROP:  # the continuation is gone: forget it as on_drop would have
        entry = _pending.pop(frame.f_locals.get("env") or 0, None)
        if entry is None:
            return None
        entry[0].dropped(frame.f_locals.get("env") or 0)
        return entry[0].sink
    return None


SINK_FINDERS.append(_sink_of)
