"""Exported functions, called with the seed's encoded values."""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from ctypes import c_void_p
from typing import TYPE_CHECKING

from wt_ffi import call as _call
from wt_ffi import extern as _extern
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.store import wasmtime_context_t

from .errors import ClosedError, WasmArgumentError, failure_to_exception
from .externtypes import FunctionType
from .values import RefType, ValueType, externrefs, to_raw_type, type_name

if TYPE_CHECKING:
    from .store import Store

__all__ = ["Function"]


class Function:
    """A wasm function. ``call(*params)`` takes each parameter encoded as an int (see
    ``encode_i32`` ... ``encode_f64``, ``encode_externref``) and returns the results as a
    list of encoded ints.

    Everything a call needs is prepared when the function is looked up, so a call is
    one Python frame and one C call. A wrong argument count or an out-of-range value
    raises :class:`~wt_api.WasmArgumentError` before wasm runs; a trap raises
    :class:`~wt_api.Trap`; a Python exception from a host function is re-raised as itself.

    Thread-safety: calls hold the store's lock, so concurrent calls on one module are
    serialised; a host function may call back into wasm on the same thread.
    """

    call: Callable[..., list[int]]
    """Call the function with encoded parameters; returns the encoded results."""

    def __init__(self, store: Store, func: _extern.wasmtime_func_t, ty: FunctionType, name: str,
                 owner: object) -> None:
        self._store = store
        self._func = func
        self._owner = owner  # keeps the module (and store) alive
        self.name = name
        self.type = ty
        params = [to_raw_type(t) for t in ty.params]
        results = [to_raw_type(t) for t in ty.results]
        ctx = store.context
        ref_in: dict[int, Callable[[int], int]] = {}
        ref_out: dict[int, Callable[[int], int]] = {}
        for i, vt in enumerate(params):
            ref_in[i] = _ref_in(ctx, vt, ty.params[i], name, i) if vt.kind == _t.VALTYPE_REF else None  # type: ignore[assignment]
        ref_in = {i: c for i, c in ref_in.items() if c is not None}
        for i, vt in enumerate(results):
            if vt.kind == _t.VALTYPE_REF:
                ref_out[i] = _ref_out(ctx, vt)
        self.call = _call.build_caller(
            ctx, func, params, results, ref_in=ref_in, ref_out=ref_out,
            on_failure=self._failed, on_bad_value=self._bad_value, on_bad_args=self._bad_args,
            on_bad_arity=self._bad_arity,
            guard=_Guard(store), name=_identifier(name),
        )

    @property
    def param_types(self) -> tuple[ValueType | RefType, ...]:
        """The parameter types."""
        return self.type.params

    @property
    def result_types(self) -> tuple[ValueType | RefType, ...]:
        """The result types."""
        return self.type.results

    def __repr__(self) -> str:
        return f"<Function {self.name} {self.type}>"

    # -- failure paths (off the hot path) ------------------------------------------
    def _failed(self, error_addr: int | None, trap: c_void_p) -> None:
        failure = _call.take_failure(error_addr, trap)
        from .host import take_host_exception

        original = take_host_exception(failure.message)
        if original is not None:
            raise original.with_traceback(original.__traceback__)
        if failure.exit_status == 0 and not self.type.results:
            return
        raise failure_to_exception(failure)

    def _bad_value(self, index: int, value: object) -> None:
        t = self.type.params[index]
        if not isinstance(value, int):
            raise WasmArgumentError(
                f"{self.name}: parameter {index} ({type_name(t)}) takes an encoded int, not "
                f"{type(value).__name__}; use wt.encode_{type_name(t)}(...)")
        raise WasmArgumentError(
            f"{self.name}: parameter {index} ({type_name(t)}) is out of range: {value}; "
            f"use wt.encode_{type_name(t)}(...)")

    def _bad_args(self, args: tuple[object, ...], exc: TypeError) -> None:
        if isinstance(exc, WasmArgumentError):
            raise exc
        for index, value in enumerate(args):
            if not isinstance(value, int):
                self._bad_value(index, value)
        raise WasmArgumentError(f"{self.name}: {exc}") from exc

    def _bad_arity(self, n: int) -> None:
        raise WasmArgumentError(f"{self.name} takes {len(self.type.params)} parameter(s) {self.type}, got {n}")


class _Guard:
    """The store lock, checked for a closed store once held."""

    __slots__ = ("acquire", "release")

    def __init__(self, store: Store) -> None:
        lock = store.lock
        alive = store.alive

        def acquire() -> None:
            lock.acquire()
            if not alive[0]:
                lock.release()
                raise ClosedError("this function's module is closed")

        self.acquire = acquire
        self.release = lock.release


def _identifier(name: str) -> str:
    ident = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    if not ident or ident[0].isdigit() or not ident.isidentifier():
        ident = "f_" + ident
    return ident


def _ref_in(ctx: ctypes._Pointer[wasmtime_context_t], vt: _t.ValType, t: object, name: str, index: int) -> Callable[[int], int]:
    if vt.heap in (_t.HEAP_EXTERN, _t.HEAP_NOEXTERN):
        def externref_in(handle: int) -> int:
            if handle != 0 and handle not in externrefs:
                raise WasmArgumentError(f"{name}: parameter {index} is not a live externref handle: {handle!r}")
            if handle == 0 and not vt.nullable:
                raise WasmArgumentError(f"{name}: parameter {index} is a non-null reference")
            return _val.externref_data_to_raw(ctx, handle)
        return externref_in

    if vt.heap in (_t.HEAP_FUNC, _t.HEAP_NOFUNC, _t.HEAP_CONCRETE_FUNC):
        def funcref_in(value: object) -> int:
            if isinstance(value, Function):
                return _val.func_to_raw(ctx, value._func)
            if value is None:
                value = 0
            if not isinstance(value, int) or not 0 <= value < (1 << 64):
                raise WasmArgumentError(f"{name}: parameter {index} takes a Function or an encoded funcref")
            if value == 0 and not vt.nullable:
                raise WasmArgumentError(f"{name}: parameter {index} is a non-null reference")
            return value
        return funcref_in

    def opaque_in(raw: int) -> int:
        if not isinstance(raw, int) or not 0 <= raw < (1 << 64):
            raise WasmArgumentError(f"{name}: parameter {index} takes a reference handle (int)")
        if raw == 0 and not vt.nullable:
            raise WasmArgumentError(f"{name}: parameter {index} is a non-null reference")
        return raw
    return opaque_in


def _ref_out(ctx: ctypes._Pointer[wasmtime_context_t], vt: _t.ValType) -> Callable[[int], int]:
    if vt.heap in (_t.HEAP_EXTERN, _t.HEAP_NOEXTERN):
        def externref_out(raw: int) -> int:
            data = _val.externref_raw_to_data(ctx, raw & 0xFFFFFFFF)
            if data is None:
                # Made inside wasm (extern.convert_any): no host object behind it.
                return externrefs.handle(_WasmExternRef(raw & 0xFFFFFFFF))
            return data
        return externref_out
    if vt.heap in (_t.HEAP_ANY, _t.HEAP_EQ, _t.HEAP_I31, _t.HEAP_STRUCT, _t.HEAP_ARRAY, _t.HEAP_NONE,
                   _t.HEAP_CONCRETE_ARRAY, _t.HEAP_CONCRETE_STRUCT, _t.HEAP_EXN, _t.HEAP_NOEXN,
                   _t.HEAP_CONCRETE_EXN):
        return lambda raw: raw & 0xFFFFFFFF
    return lambda raw: raw


class _WasmExternRef:
    """An externref that wasm made itself (it carries no Python object)."""

    __slots__ = ("raw",)

    def __init__(self, raw: int) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return "<externref made by wasm>"
