"""The trampolines of component host functions and host resource destructors.

wasmtime calls a component host function with its arguments and result slots as
``wasmtime_component_val_t`` arrays (``linker.FUNC_CALLBACK``), and a host resource's
destructor with the resource's representation (``linker.RESOURCE_DESTRUCTOR``). Each
trampoline runs the Python function inside one ``try``; as for core host functions
(``wt_ffi.callback``), its failure path runs no signal handler
(:func:`~wt_ffi.sink.guarded_source`): it leaves the exception with the store's
:class:`~wt_ffi.sink.CallbackSink` and returns an error taken from :data:`SPARE_ERRORS`,
made ahead, so that the call that entered wasm raises the exception
itself. The trampolines are generated code named ``<wt host function>`` whose entry defers
the interpreter's check for pending signal handlers (``wt_ffi.entry``), as every callback's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from types import CodeType

from ..entry import checked_later
from ..sink import CallbackSink, Spares, guarded_source, ready_callbacks
from .linker import FUNC_CALLBACK, RESOURCE_DESTRUCTOR

__all__ = ["SPARE_ERRORS", "host_function_trampoline", "inline_trampoline", "destructor_trampoline"]


SPARE_ERRORS = Spares("wasmtime_error_new", b"wt: the host function raised (wt re-raises its exception)")
"""The errors trampolines return after an exception (the message is never shown: the call
that entered wasm raises the exception itself)."""

_PARAMS = "data, context, ty, args, nargs, results, nresults"
_CHECK = "        if _sink.error is not None: raise _sink.error"
_FUNCTION = guarded_source(_PARAMS, [_CHECK, "        _fn(context, args, nargs, results, nresults)"])
_DESTRUCTOR = guarded_source("data, context, rep", [_CHECK, "        _fn(rep)"])


@lru_cache(maxsize=256)
def _code(source: str) -> CodeType:
    """The compiled trampoline, its entry safe from raising signal handlers (``wt_ffi.entry``:
    the handler runs at the first call inside the ``try``, whose ``except`` path takes it)."""
    module = compile(source, "<wt host function>", "exec")
    return module.replace(co_consts=tuple(checked_later(c) if isinstance(c, CodeType) else c
                                          for c in module.co_consts))


def _make(source: str, fn: Callable[..., object] | None, sink: CallbackSink,
          names: dict[str, object] | None = None) -> Callable[..., int]:
    SPARE_ERRORS.fill()
    ready_callbacks()
    env: dict[str, object] = dict(names or {})
    env.update({**SPARE_ERRORS.names(), "_fn": fn, "_sink": sink})
    namespace: dict[str, Callable[..., int]] = {}
    exec(_code(source), env, namespace)  # noqa: S102
    return namespace["trampoline"]


def host_function_trampoline(fn: Callable[[int, int, int, int, int], object], sink: CallbackSink) -> object:
    """A ``FUNC_CALLBACK`` calling ``fn(context, args, nargs, results, nresults)`` (addresses
    and counts); what ``fn`` raises goes to ``sink`` and fails the call. Keep it alive while
    the linker or a store may call it."""
    return FUNC_CALLBACK(_make(_FUNCTION, fn, sink))


def inline_trampoline(body: list[str], names: dict[str, object], sink: CallbackSink) -> object:
    """A ``FUNC_CALLBACK`` whose ``try`` runs ``body``: source lines (indented by 8) over the
    parameters ``context, args, nargs, results, nresults`` and ``names``, returning nothing
    on success; what they raise goes to ``sink``. (One Python frame per host call, two on
    Python 3.10: the conversions are spliced into the trampoline rather than called from it.)"""
    return FUNC_CALLBACK(_make(guarded_source(_PARAMS, [_CHECK, *body]), None, sink, names))


def destructor_trampoline(fn: Callable[[int], object], sink: CallbackSink) -> object:
    """A ``RESOURCE_DESTRUCTOR`` calling ``fn(rep)``; what ``fn`` raises goes to ``sink``."""
    return RESOURCE_DESTRUCTOR(_make(_DESTRUCTOR, fn, sink))
