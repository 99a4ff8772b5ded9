"""Host modules: Python functions, globals, memories and tables that wasm can import.

A Python exception raised in a host function belongs to the call that entered wasm:
the trampoline stores it under a unique token, returns a trap whose message carries
the token, and the failed call takes it back out and re-raises it, traceback and all.
Nothing is kept in a global "last error" slot.

Host functions do not live in any store: each store that imports one gets its own
``wasmtime_func_t`` and trampoline, kept alive by that store, so a callback can never
be freed while wasm may still call it, and closing modules releases them.
"""

from __future__ import annotations

import ctypes
import itertools
import threading
from collections.abc import Callable, Sequence

from wt_ffi import callback as _callback
from wt_ffi import error as _error
from wt_ffi import extern as _extern
from wt_ffi import func as _func
from wt_ffi import global_ as _global
from wt_ffi import instance as _instance
from wt_ffi import memory as _memory
from wt_ffi import sharedmemory as _shm
from wt_ffi import table as _table
from wt_ffi import types as _t
from wt_ffi import val as _val
from wt_ffi.engine import wasm_engine_t

from . import refs
from ._handle import Closeable
from .errors import ClosedError, ConfigError, WasmRuntimeError
from .externtypes import ExternType, FunctionType, GlobalType, MemoryType, TableType
from .store import Store
from .valconv import to_val
from .values import RefType, ValueType, decode_externref, encode_externref, externrefs, to_raw_type, type_name

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .function import Function
    from .global_ import Global
    from .memory import Memory
    from .runtime import Runtime
    from .table import Table

__all__ = ["HostModuleBuilder", "HostFunctionBuilder", "HostModule", "Caller",
           "take_host_exception", "stash_host_exception"]

_TOKEN_PREFIX = "wt-host-exception#"
_stash: dict[str, BaseException] = {}
_stash_lock = threading.Lock()
_counter = itertools.count(1)


def stash_host_exception(exc: BaseException) -> str:
    """Keep ``exc`` for the call that entered wasm; returns the trap message to use."""
    token = f"{_TOKEN_PREFIX}{next(_counter)}"
    with _stash_lock:
        _stash[token] = exc
    return f"{token} {type(exc).__name__}: {exc}"


def take_host_exception(message: str) -> BaseException | None:
    """The exception a trap message refers to, removed from the stash; None if none."""
    start = message.find(_TOKEN_PREFIX)
    if start < 0:
        return None
    end = message.find(" ", start)
    token = message[start:end if end >= 0 else len(message)]
    with _stash_lock:
        return _stash.pop(token, None)


def _exception_to_trap(exc: BaseException) -> int:
    try:
        return _callback.new_trap_address(stash_host_exception(exc))
    except BaseException:  # pragma: no cover - allocation failure
        return _callback.new_trap_address("wt: a host function failed")


class Caller:
    """The instance that called a host function, valid only during that call: its
    exports (memory, functions, globals, tables) are reachable by name.

    Thread-safety: use it only inside the host call, on the calling thread."""

    __slots__ = ("_ptr", "_store")

    def __init__(self, ptr: int, store: Store) -> None:
        self._ptr = ptr
        self._store = store

    def _export(self, name: str) -> _extern.wasmtime_extern_t | None:
        if self._ptr is None:
            raise ClosedError("a Caller is usable only during its host call")
        item = _extern.wasmtime_extern_t()
        data = name.encode("utf-8")
        if not _func.wasmtime_caller_export_get(self._ptr, data, len(data), ctypes.byref(item)):
            return None
        return item

    def _type_of(self, item: _extern.wasmtime_extern_t) -> ExternType:
        from .externtypes import from_raw_externtype

        et = _extern.wasmtime_extern_type(self._store.context, ctypes.byref(item))
        try:
            return from_raw_externtype(_t.read_externtype(et))
        finally:
            _t.wasm_externtype_delete(et)

    def _item(self, name: str, kind: int) -> tuple[_extern.wasmtime_extern_t, ExternType] | None:
        item = self._export(name)
        if item is not None and kind == _extern.EXTERN_MEMORY and item.kind == _extern.EXTERN_SHAREDMEMORY:
            return item, self._type_of(item)  # the Memory made of it owns this handle
        if item is None or item.kind != kind:
            if item is not None and item.kind == _extern.EXTERN_SHAREDMEMORY:
                _extern.wasmtime_extern_delete(ctypes.byref(item))
            return None
        return item, self._type_of(item)

    def exported_memory(self, name: str = "memory") -> Memory | None:
        """The caller's exported memory ``name`` (default ``"memory"``), or None."""
        from .memory import Memory

        found = self._item(name, _extern.EXTERN_MEMORY)
        return Memory(self._store, found[0], found[1], self._store) if found else None  # type: ignore[arg-type]

    @property
    def memory(self) -> Memory | None:
        """The caller's memory exported as ``"memory"``, or None."""
        return self.exported_memory("memory")

    def exported_function(self, name: str) -> Function | None:
        """The caller's exported function ``name``, or None. It may be called right away
        (re-entrancy is allowed)."""
        from .function import Function

        found = self._item(name, _extern.EXTERN_FUNC)
        return Function(self._store, found[0].of.func, found[1], name, self._store) if found else None  # type: ignore[arg-type]

    def exported_global(self, name: str) -> Global | None:
        """The caller's exported global ``name``, or None."""
        from .global_ import Global

        found = self._item(name, _extern.EXTERN_GLOBAL)
        return Global(self._store, found[0].of.global_, found[1], self._store) if found else None  # type: ignore[arg-type]

    def exported_table(self, name: str) -> Table | None:
        """The caller's exported table ``name``, or None."""
        from .table import Table

        found = self._item(name, _extern.EXTERN_TABLE)
        return Table(self._store, found[0].of.table, found[1], self._store) if found else None  # type: ignore[arg-type]


def _types(values: Sequence[ValueType | RefType], what: str) -> tuple[ValueType | RefType, ...]:
    out = tuple(values)
    for t in out:
        if not isinstance(t, (ValueType, RefType)):
            raise TypeError(f"{what} types are wt.ValueType or wt.RefType, not {t!r}")
    return out


class _HostFunction:
    """One host function: its type, Python callable and calling form."""

    def __init__(self, name: str, ty: FunctionType, fn: Callable[..., object], typed: bool, caller: bool) -> None:
        self.name = name
        self.type = ty
        self.fn = fn
        self.typed = typed
        self.caller = caller

    def extern_in(self, store: Store, engine: ctypes._Pointer[wasm_engine_t]) -> _extern.wasmtime_extern_t:
        """This function as an item of ``store`` (made once per store, kept by it)."""
        cache = store.host_funcs
        found = cache.get(id(self))
        if found is not None:
            return found
        params = [to_raw_type(t) for t in self.type.params]
        results = [to_raw_type(t) for t in self.type.results]
        converters = _ref_converters(store, params, results, self.name)

        def bad_result(index: int, value: object) -> None:
            if index < 0:
                raise TypeError(f"host function {self.name} must return a tuple of {len(results)} values, "
                                f"got {value!r}")
            t = self.type.results[index]
            raise TypeError(f"host function {self.name} returned {value!r} for result {index}, "
                            f"which is not a valid {type_name(t)}")

        make_caller = (lambda ptr: Caller(ptr, store)) if self.caller else None
        trampoline = _callback.build_trampoline(
            self.fn, params, results, typed=self.typed, make_caller=make_caller,
            ref_converters=converters, on_exception=_exception_to_trap, on_bad_result=bad_result)
        ft = _t.new_functype(engine, _t.FuncType(tuple(params), tuple(results)))
        func = _extern.wasmtime_func_t()
        try:
            _func.wasmtime_func_new_unchecked(store.context, ft, trampoline, None, _func_finalizer(),
                                              ctypes.byref(func))
        finally:
            _t.wasm_functype_delete(ft)
        item = _extern.extern_of(func, _extern.EXTERN_FUNC)
        store.keep.append((self, trampoline))
        cache[id(self)] = item
        return item


def _func_finalizer() -> object:
    from wt_ffi.store import FINALIZER

    return FINALIZER()


def _ref_converters(store: Store, params: list[_t.ValType], results: list[_t.ValType],
                    name: str) -> dict[str, Callable[..., object]]:
    """Converters for the reference slots of a host function (see ``build_trampoline``)."""
    out: dict[str, Callable[..., object]] = {}
    for i, vt in enumerate(params):
        if vt.kind != _t.VALTYPE_REF:
            continue
        if vt.heap in (_t.HEAP_FUNC, _t.HEAP_NOFUNC, _t.HEAP_CONCRETE_FUNC):
            def fpin(raw: int, caller: int) -> int:
                return raw or 0

            def ftin(raw: int, caller: int) -> Function | None:
                return _function_from_raw(store, raw or 0)

            out[f"_pin{i}"], out[f"_tin{i}"] = fpin, ftin
            continue
        encoded = refs.result_converter(store, vt)
        typed = refs.typed_param(store, vt)
        out[f"_pin{i}"] = lambda raw, caller, encoded=encoded: encoded(raw)
        out[f"_tin{i}"] = lambda raw, caller, typed=typed: typed(raw)
    for i, vt in enumerate(results):
        if vt.kind != _t.VALTYPE_REF:
            continue
        where = f"host function {name}: result {i}"
        if vt.heap in (_t.HEAP_FUNC, _t.HEAP_NOFUNC, _t.HEAP_CONCRETE_FUNC):
            funcref = refs.funcref_argument(store, vt, where)
            out[f"_pout{i}"] = out[f"_tout{i}"] = lambda value, caller, funcref=funcref: funcref(value)
            continue
        make = refs.argument_maker(store, vt, where)
        to_encoded = refs.typed_result(vt)
        out[f"_pout{i}"] = lambda value, caller, make=make: make(value)
        out[f"_tout{i}"] = lambda value, caller, make=make, to_encoded=to_encoded: make(to_encoded(value))
        out[f"_rraw{i}"] = refs.raw_of
    return out


def _function_from_raw(store: Store, raw: int) -> Function | None:
    from .externtypes import from_raw_functype
    from .function import Function

    if not raw:
        return None
    func = _val.funcref_raw_to_func(store.context, raw)
    ft = _func.wasmtime_func_type(store.context, ctypes.byref(func))
    try:
        ty = from_raw_functype(_t.read_functype(ft))
    finally:
        _t.wasm_functype_delete(ft)
    return Function(store, func, ty, "funcref", store)


class HostFunctionBuilder:
    """Builds one host function of a :class:`HostModuleBuilder` (the seed's
    ``NewFunctionBuilder``): give it a Python callable, then :meth:`export` it.

    Thread-safety: build it on one thread; the function it exports may be called by wasm
    on any thread, so the callable must be safe for that."""

    def __init__(self, module: HostModuleBuilder, name: str, params: Sequence[ValueType | RefType],
                 results: Sequence[ValueType | RefType]) -> None:
        self._module = module
        self._name = name
        self._type = FunctionType(_types(params, "parameter"), _types(results, "result"))
        self._fn: Callable[..., object] | None = None
        self._typed = False
        self._caller = False

    def with_func(self, fn: Callable[..., object], *, caller: bool = False) -> HostFunctionBuilder:
        """The seed's form: ``fn(stack)`` where ``stack`` is a list holding the encoded
        parameters followed by one slot per result, which ``fn`` sets (encoded).
        With ``caller=True``: ``fn(caller, stack)``, ``caller`` a :class:`Caller`."""
        if not callable(fn):
            raise TypeError(f"with_func takes a callable, not {type(fn).__name__}")
        self._fn, self._typed, self._caller = fn, False, caller
        return self

    def with_typed_func(self, fn: Callable[..., object], *, caller: bool = False) -> HostFunctionBuilder:
        """Plain Python values: ``fn(*params)`` gets ints (i32/i64 signed), floats (f32,
        f64), ints (v128), objects (externref) or Functions (funcref), and returns a
        value, a tuple for several results, or None. With ``caller=True``:
        ``fn(caller, *params)``."""
        if not callable(fn):
            raise TypeError(f"with_typed_func takes a callable, not {type(fn).__name__}")
        self._fn, self._typed, self._caller = fn, True, caller
        return self

    def export(self, name: str | None = None) -> HostModuleBuilder:
        """Export the function under ``name`` (default: the builder's name)."""
        if self._fn is None:
            raise ConfigError(f"host function {self._name!r} has no Python function: call with_func first")
        export_name = name or self._name
        self._module._add(export_name, _HostFunction(f"{self._module.name}.{export_name}", self._type,
                                                     self._fn, self._typed, self._caller))
        return self._module


class HostModuleBuilder(Closeable):
    """Builds a host module (the seed's ``HostModuleBuilder``): functions, globals, a
    memory and tables defined in Python, importable by wasm modules under ``name``
    once :meth:`instantiate` d.

    Thread-safety: build on one thread; the instantiated module is safe to share."""

    def __init__(self, runtime: Runtime, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError("a host module name must be a non-empty str")
        self._runtime = runtime
        self.name = name
        self._items: dict[str, object] = {}
        self._module: HostModule | None = None

    def _add(self, name: str, item: object) -> None:
        if self._module is not None:
            raise ConfigError(f"host module {self.name!r} is already instantiated")
        if name in self._items:
            raise ConfigError(f"host module {self.name!r} already exports {name!r}")
        self._items[name] = item

    def new_function_builder(self, name: str, params: Sequence[ValueType | RefType] = (),
                             results: Sequence[ValueType | RefType] = ()) -> HostFunctionBuilder:
        """Start a host function with its parameter and result types."""
        return HostFunctionBuilder(self, name, params, results)

    def export_function(self, name: str, params: Sequence[ValueType | RefType], results: Sequence[ValueType | RefType],
                        fn: Callable[..., object], *, typed: bool = True, caller: bool = False) -> HostModuleBuilder:
        """Shorthand for ``new_function_builder(...).with_typed_func(fn).export()``
        (``typed=False`` for the stack form)."""
        builder = self.new_function_builder(name, params, results)
        if typed:
            builder.with_typed_func(fn, caller=caller)
        else:
            builder.with_func(fn, caller=caller)
        return builder.export(name)

    def export_global(self, name: str, type: ValueType | RefType, value: int = 0, *, mutable: bool = False) -> HostModuleBuilder:
        """Export a global of ``type`` holding the encoded ``value``."""
        self._add(name, GlobalType(_types([type], "global")[0], bool(mutable)))
        self._items[name] = (self._items[name], value)
        return self

    def export_memory(self, name: str, minimum: int, maximum: int | None = None, *, is_64: bool = False,
                      shared: bool = False) -> HostModuleBuilder:
        """Export a linear memory of ``minimum`` (and at most ``maximum``) pages: 64-bit
        indexed with ``is_64``; with ``shared`` (threads proposal, needs a ``maximum``), a
        memory that importers in any store share."""
        if shared and maximum is None:
            raise ConfigError(f"shared memory {name!r} needs a maximum size")
        self._add(name, MemoryType(minimum, maximum, is_64, shared))
        return self

    def export_table(self, name: str, element: ValueType | RefType, minimum: int, maximum: int | None = None,
                     init: int = 0, *, is_64: bool = False) -> HostModuleBuilder:
        """Export a table of ``minimum`` (at most ``maximum``) elements set to ``init``,
        64-bit indexed with ``is_64`` (memory64 proposal)."""
        ttype = TableType(_types([element], "table")[0], minimum, maximum)
        if is_64 and not to_raw_type(ttype.element).nullable:
            raise ConfigError(f"64-bit table {name!r} needs a nullable element type")
        self._add(name, (ttype, init, bool(is_64)))
        return self

    def instantiate(self) -> HostModule:
        """Make the module importable under its name (raises LinkError if taken)."""
        if self._module is not None and not self._module.closed:
            raise ConfigError(f"host module {self.name!r} is already instantiated")
        self._module = HostModule(self._runtime, self.name, dict(self._items))
        self._runtime.adopt(self._module)
        return self._module

    def close(self) -> None:
        """Close the instantiated module (if any). Idempotent."""
        if self._module is not None:
            self._module.close()


class HostModule(Closeable):
    """An instantiated host module: wasm modules instantiated later can import its
    exports by name. Its globals, memories and tables live in one store, which the
    modules importing them join; its functions can be imported into any store.

    Thread-safety: as :class:`~wt_api.Module`."""

    def __init__(self, runtime: Runtime, name: str, items: dict[str, object]) -> None:
        self._runtime = runtime
        self.name = name
        self._functions: dict[str, _HostFunction] = {}
        self._store: Store | None = None
        self._externs: dict[str, tuple[_extern.wasmtime_extern_t, ExternType]] = {}
        self._shared: dict[str, ctypes._Pointer[_extern.wasmtime_sharedmemory_t]] = {}
        self._closed = False
        runtime.register_name(name, self)
        try:
            for export, item in items.items():
                if isinstance(item, _HostFunction):
                    self._functions[export] = item
                else:
                    self._define(export, item)
        except BaseException:
            self.close()
            raise

    @property
    def closed(self) -> bool:
        """Whether the module was closed."""
        return self._closed

    @property
    def store(self) -> Store | None:
        """The store of the module's globals, memories and tables (None without any)."""
        return self._store

    def _define(self, name: str, item: object) -> None:
        engine = self._runtime.engine_ptr()
        if isinstance(item, MemoryType) and item.shared:
            self._define_shared_memory(name, item, engine)
            return
        if self._store is None:
            self._store = self._runtime.link_store()
            self._store.users += 1
        store = self._store
        ctx = store.context
        if isinstance(item, MemoryType):
            mt, err = _t.new_memorytype(_t.MemoryType(item.minimum, item.maximum, item.is_64, item.shared, 16))
            if mt is None:
                _raise_error(err, f"invalid memory {name!r}")
                return
            mem = _extern.wasmtime_memory_t()
            try:
                err = _memory.wasmtime_memory_new(ctx, mt, ctypes.byref(mem))
            finally:
                _t.wasm_memorytype_delete(mt)
            if err:
                _raise_error(err, f"cannot make memory {name!r}")
            self._externs[name] = (_extern.extern_of(mem, _extern.EXTERN_MEMORY), item)
        elif isinstance(item, tuple) and isinstance(item[0], GlobalType):
            gtype, value = item
            gt = _t.new_globaltype(engine, _t.GlobalType(to_raw_type(gtype.content), gtype.mutable))
            val, release = to_val(store, gtype.content, value)
            glob = _extern.wasmtime_global_t()
            try:
                err = _global.wasmtime_global_new(ctx, gt, ctypes.byref(val), ctypes.byref(glob))
            finally:
                release()
                _t.wasm_globaltype_delete(gt)
            if err:
                _raise_error(err, f"cannot make global {name!r}")
            self._externs[name] = (_extern.extern_of(glob, _extern.EXTERN_GLOBAL), gtype)
        elif isinstance(item, tuple) and isinstance(item[0], TableType) and item[2]:
            self._externs[name] = (self._table64(name, item[0], item[1], store), item[0])
        elif isinstance(item, tuple) and isinstance(item[0], TableType):
            ttype, init, _ = item
            tt = _t.new_tabletype(engine, _t.TableType(to_raw_type(ttype.element), ttype.minimum, ttype.maximum))
            val, release = to_val(store, ttype.element, init)
            table = _extern.wasmtime_table_t()
            try:
                err = _table.wasmtime_table_new(ctx, tt, ctypes.byref(val), ctypes.byref(table))
            finally:
                release()
                _t.wasm_tabletype_delete(tt)
            if err:
                _raise_error(err, f"cannot make table {name!r}")
            self._externs[name] = (_extern.extern_of(table, _extern.EXTERN_TABLE), ttype)
        else:  # pragma: no cover - the builder only adds the kinds above
            raise ConfigError(f"cannot export {item!r}")

    def _define_shared_memory(self, name: str, item: MemoryType, engine: ctypes._Pointer[wasm_engine_t]) -> None:
        mt, err = _t.new_memorytype(_t.MemoryType(item.minimum, item.maximum, item.is_64, True, 16))
        if mt is None:
            _raise_error(err, f"invalid memory {name!r}")
            return
        out = _shm.SharedMemoryPtr()
        try:
            err = _shm.wasmtime_sharedmemory_new(engine, mt, ctypes.byref(out))
        finally:
            _t.wasm_memorytype_delete(mt)
        if err:
            _raise_error(err, f"cannot make shared memory {name!r} (is the threads feature on?)")
        self._shared[name] = out
        self._externs[name] = (_extern.extern_of(out, _extern.EXTERN_SHAREDMEMORY), item)

    def _table64(self, name: str, ttype: TableType, init: int, store: Store) -> _extern.wasmtime_extern_t:
        """A 64-bit table, made by a one-table wasm module: wasmtime's C API makes 32-bit
        tables only (``wasm_tabletype_new``)."""
        from .table import Table

        compiled = self._runtime.compile_module(_table64_module(ttype))
        try:
            instance = _instance.wasmtime_instance_t()
            trap = ctypes.c_void_p()
            err = _instance.wasmtime_instance_new(store.context, compiled.ptr, None, 0, ctypes.byref(instance),
                                                  ctypes.byref(trap))
            if err or trap.value:
                from wt_ffi.call import take_failure

                failure = take_failure(ctypes.cast(err, ctypes.c_void_p).value if err else None, trap)
                raise WasmRuntimeError(f"cannot make table {name!r}: {failure.message}")
        finally:
            compiled.close()
        item = _extern.wasmtime_extern_t()
        if not _instance.wasmtime_instance_export_get(store.context, ctypes.byref(instance), b"t", 1,
                                                      ctypes.byref(item)):  # pragma: no cover
            raise WasmRuntimeError(f"cannot make table {name!r}")
        if init:
            table = Table(store, item.of.table, ttype, self)
            for index in range(ttype.minimum):
                table.set(index, init)
        return item

    def _check(self) -> None:
        if self._closed:
            raise ClosedError(f"host module {self.name!r} is closed")

    def export_types(self) -> dict[str, ExternType]:
        """Every export's name and type."""
        self._check()
        out: dict[str, ExternType] = {n: f.type for n, f in self._functions.items()}
        out.update({n: t for n, (_, t) in self._externs.items()})
        return out

    def store_for(self, name: str) -> Store | None:
        """The store an importer of ``name`` must live in (None for a function or a
        shared memory, which fit any store)."""
        return None if name in self._functions or name in self._shared else self._store

    def provide(self, store: Store, name: str) -> _extern.wasmtime_extern_t | None:
        """The export ``name`` as an item of ``store`` (for instantiation), or None."""
        self._check()
        fn = self._functions.get(name)
        if fn is not None:
            return fn.extern_in(store, self._runtime.engine_ptr())
        shared = self._shared.get(name)
        if shared is not None:  # a handle for the importer (deleted once it is instantiated)
            return _extern.extern_of(_shm.wasmtime_sharedmemory_clone(shared), _extern.EXTERN_SHAREDMEMORY)
        found = self._externs.get(name)
        return found[0] if found is not None else None

    def exported_memory(self, name: str) -> Memory | None:
        """The exported memory ``name``, or None."""
        from .memory import Memory

        self._check()
        found = self._externs.get(name)
        shared = self._shared.get(name)
        if shared is not None and found is not None:
            handle = _shm.wasmtime_sharedmemory_clone(shared)  # owned by the Memory
            return Memory(self._store or self._runtime.link_store(), _extern.extern_of(
                handle, _extern.EXTERN_SHAREDMEMORY), found[1], self)  # type: ignore[arg-type]
        if found is None or not isinstance(found[1], MemoryType) or self._store is None:
            return None
        return Memory(self._store, found[0], found[1], self)

    def exported_global(self, name: str) -> Global | None:
        """The exported global ``name``, or None."""
        from .global_ import Global

        self._check()
        found = self._externs.get(name)
        if found is None or not isinstance(found[1], GlobalType) or self._store is None:
            return None
        return Global(self._store, found[0].of.global_, found[1], self)

    def exported_table(self, name: str) -> Table | None:
        """The exported table ``name``, or None."""
        from .table import Table

        self._check()
        found = self._externs.get(name)
        if found is None or not isinstance(found[1], TableType) or self._store is None:
            return None
        return Table(self._store, found[0].of.table, found[1], self)

    def close(self) -> None:
        """Free the name and this module's store (once no importer still uses it). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._runtime.release_name(self.name, self)
        self._functions.clear()
        self._externs.clear()
        for shared in self._shared.values():
            _shm.wasmtime_sharedmemory_delete(shared)
        self._shared.clear()
        if self._store is not None:
            self._store.release()

    def __repr__(self) -> str:
        return f"<HostModule {self.name}{' closed' if self._closed else ''}>"


_HEAP_CODES = {"func": 0x70, "extern": 0x6F, "any": 0x6E, "eq": 0x6D, "i31": 0x6C, "struct": 0x6B,
               "array": 0x6A, "exn": 0x69, "none": 0x71, "noextern": 0x72, "nofunc": 0x73, "noexn": 0x74}


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _table64_module(ttype: TableType) -> bytes:
    """``(module (table (export "t") i64 min max? (ref null heap)))`` as a binary."""
    element = ttype.element
    heap = element.heap if isinstance(element, RefType) else {
        ValueType.FUNCREF: "func", ValueType.EXTERNREF: "extern", ValueType.ANYREF: "any",
        ValueType.EXNREF: "exn"}.get(element, "")
    if heap not in _HEAP_CODES:
        raise ConfigError(f"a table of {type_name(element)} cannot be made from the host")
    limits = (bytes([0x05]) + _uleb(ttype.minimum) + _uleb(ttype.maximum) if ttype.maximum is not None
              else bytes([0x04]) + _uleb(ttype.minimum))
    table = bytes([1, 0x63, _HEAP_CODES[heap]]) + limits
    export = bytes([1, 1]) + b"t" + bytes([0x01, 0])
    return (b"\0asm\1\0\0\0" + bytes([4]) + _uleb(len(table)) + table
            + bytes([7]) + _uleb(len(export)) + export)


def _raise_error(err: ctypes._Pointer[_error.wasmtime_error_t], what: str) -> None:
    try:
        raise WasmRuntimeError(f"{what}: {_error.error_message(err)}")
    finally:
        _error.wasmtime_error_delete(err)


