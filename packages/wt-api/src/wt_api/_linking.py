"""Linking: the names modules are instantiated under, which store an instance joins, and
how each import is satisfied (a named module's export, a host function, or WASI).

A provider is anything instantiated under a name (a :class:`~wt_api.Module` or a
:class:`~wt_api.HostModule`): it has ``closed``, ``_provided_types()``,
``_store_for(name)`` (the store an importer of that export must live in, or None if it
fits any store) and ``_provide(store, name)`` (the export as an item of that store).
"""

from __future__ import annotations

import ctypes
import threading

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi import linker as _linker
    from wt_ffi import module as _module

from wt_ffi import error as _error
from wt_ffi import extern as _extern
from wt_ffi import instance as _instance

from ._compiled import CompiledCode
from ._engine import Engine
from ._errors import ConfigError, LinkError
from ._externtypes import ExternType, FunctionType, GlobalType, ImportType
from ._failure import error_exception
from ._handle import Owned
from ._store import Store
from ._values import RefType, ValueType

__all__ = ["Namespace", "choose_store", "resolve_imports", "link_problem", "WASI_MODULES"]

WASI_MODULES = ("wasi_snapshot_preview1", "wasi_unstable")
_REF_VALUE_TYPES = (ValueType.FUNCREF, ValueType.EXTERNREF, ValueType.ANYREF, ValueType.EXNREF)


class Namespace:
    """One runtime's names, its link store and its (WASI-defining) linker.

    Thread-safety: every method may be called from any thread."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self._names: dict[str, object] = {}
        self._link_store: Store | None = None
        self._linker: Owned[ctypes._Pointer[_linker.wasmtime_linker_t]] | None = None

    def get(self, name: str) -> object | None:
        """The live provider instantiated (or registered) under ``name``, if any."""
        return self._names.get(name)

    def register(self, name: str, provider: object) -> None:
        """Reserve ``name`` for ``provider`` (LinkError if taken)."""
        with self._lock:
            if name in self._names:
                raise LinkError(f"a module named {name!r} is already instantiated in this runtime; "
                                "close it first or choose another name")
            self._names[name] = provider

    def release(self, provider: object) -> None:
        """Free every name ``provider`` holds."""
        if not self._names:
            return
        with self._lock:  # (reentrant: a signal handler's close may change the names meanwhile, so
            # they are copied in one step, and a name already gone is no error)
            for held in [n for n, p in list(self._names.items()) if p is provider]:
                self._names.pop(held, None)

    def link_store(self) -> Store:
        """The store shared by every named module, the modules that import from them, and
        host globals, memories and tables (made on first use, closed with the runtime)."""
        with self._lock:
            if self._link_store is None:
                self._link_store = self._engine.new_store()
                self._link_store.users += 1  # the runtime's own hold
            return self._link_store

    def wasi_item(self, store: Store, module: str, name: str) -> _extern.wasmtime_extern_t | None:
        """WASI preview 1's ``module.name`` as an item of ``store``, or None if it has none."""
        from wt_ffi import linker as _linker  # (only WASI and link errors need a linker: start-up)

        with self._lock:
            if self._linker is None:
                ptr = self._engine.enter()
                try:
                    linker = _linker.wasmtime_linker_new(ptr)
                finally:
                    self._engine.leave()
                self._linker = Owned(linker, _linker.wasmtime_linker_delete, "runtime")
                err = _linker.wasmtime_linker_define_wasi(linker)
                if err:
                    raise error_exception(err, ConfigError, "cannot define WASI")
            owner = self._linker
            linker_ptr = owner.enter()  # (a close meanwhile frees it when this use leaves)
        try:
            item = _extern.wasmtime_extern_t()
            mod, field = module.encode(), name.encode("utf-8")
            found = _linker.wasmtime_linker_get(linker_ptr, store.context, mod, len(mod), field, len(field),
                                                ctypes.byref(item))
        finally:
            owner.leave()
        return item if found else None

    def close(self) -> None:
        """Forget every name; close the link store and the linker."""
        with self._lock:
            self._names.clear()
            store, self._link_store = self._link_store, None
            linker, self._linker = self._linker, None
        if store is not None:
            store.close()
        if linker is not None:
            linker.close()


def choose_store(namespace: Namespace, engine: Engine, compiled: CompiledCode, name: str | None) -> Store:
    """The runtime's link store for a named module or one that imports store items from
    named modules; otherwise a store of the instance's own.

    Instances that import from each other must share a store (a wasmtime rule), so every
    module that can be linked to (it has a name) or links to one lives in the runtime's
    link store. Host functions fit any store and do not pin a module there.
    """
    if name is None and not compiled.imports:  # (the common case, first: instantiation's hot path)
        return engine.new_store()
    stores: dict[int, Store] = {}
    for imp in compiled.imports:
        owner = namespace.get(imp.module)
        found = owner._store_for(imp.name) if owner is not None else None  # type: ignore[attr-defined]
        if found is not None:
            stores[id(found)] = found
    if len(stores) > 1:
        raise LinkError("this module imports from modules that live in different stores: instantiate the "
                        "modules that link together under names (ModuleConfig().with_name(...)), so that "
                        "they share the runtime's link store")
    if stores:
        # A module registered under a name after an unnamed instantiation keeps its own
        # store: its importers join that store.
        return next(iter(stores.values()))
    if name is not None:
        return namespace.link_store()
    return engine.new_store()


def _check_import_type(imp: ImportType, provided: ExternType) -> None:
    """LinkError if ``provided`` plainly cannot satisfy ``imp`` (wasmtime checks the rest:
    reference subtyping, limits; see :func:`link_problem`)."""
    wanted = imp.type
    where = f"import {imp.module}.{imp.name}"
    mismatch = LinkError(f"{where} expects {wanted} but {imp.module!r} exports {provided}")
    if type(wanted) is not type(provided):
        raise mismatch
    if isinstance(wanted, FunctionType) and isinstance(provided, FunctionType) and wanted != provided:
        signatures = (*wanted.params, *wanted.results, *provided.params, *provided.results)
        if not any(isinstance(t, RefType) or t in _REF_VALUE_TYPES for t in signatures):
            raise mismatch
    if isinstance(wanted, GlobalType) and isinstance(provided, GlobalType) and wanted.mutable != provided.mutable:
        raise mismatch


def resolve_imports(namespace: Namespace, compiled: CompiledCode, store: Store,
                    wasi: bool) -> list[_extern.wasmtime_extern_t]:
    """Each import as an item of ``store``, in order (LinkError naming the import)."""
    items: list[_extern.wasmtime_extern_t] = []
    for imp in compiled.imports:
        owner = namespace.get(imp.module)
        if owner is not None:
            provided = owner._provided_types().get(imp.name)  # type: ignore[attr-defined]
            if provided is None:
                raise LinkError(f"import {imp.module}.{imp.name} {imp.type}: module {imp.module!r} has no "
                                f"export named {imp.name!r}")
            _check_import_type(imp, provided)
            items.append(owner._provide(store, imp.name))  # type: ignore[attr-defined]
        elif imp.module in WASI_MODULES:
            if not wasi:
                raise LinkError(
                    f"this module imports WASI ({imp.module}.{imp.name}) but was instantiated without "
                    "WASI: use Runtime.instantiate_with_wasi(compiled), with "
                    "RuntimeConfig().with_wasi(wt_wasi.WASIConfig()) to configure it")
            item = namespace.wasi_item(store, imp.module, imp.name)
            if item is None:
                why = ("wasmtime 50 implements WASI preview 1 (wasi_snapshot_preview1) only, not the older "
                       "wasi_unstable: rebuild the module with a current WASI SDK" if imp.module == "wasi_unstable"
                       else "wasmtime's WASI preview 1 does not define it")
                raise LinkError(f"unknown WASI import {imp.module}.{imp.name} {imp.type}: {why}")
            items.append(item)
        else:
            raise LinkError(
                f"import {imp.module}.{imp.name} {imp.type}: no module named {imp.module!r} is instantiated "
                f"in this runtime; instantiate one under that name first "
                f"(ModuleConfig().with_name({imp.module!r}) or new_host_module_builder({imp.module!r}))")
    return items


def link_problem(engine: Engine, store: Store, compiled: CompiledCode,
                 module_ptr: ctypes._Pointer[_module.wasmtime_module_t],
                 items: list[_extern.wasmtime_extern_t]) -> bool:
    """Whether wasmtime finds an import of ``compiled`` mistyped (asked after an
    instantiation failed with an error): the items are defined in a fresh linker, which
    type-checks the imports without instantiating anything."""
    from wt_ffi import linker as _linker  # (only link errors need a linker: start-up)

    ptr = engine.enter()
    try:
        linker = _linker.wasmtime_linker_new(ptr)
    finally:
        engine.leave()
    try:
        for imp, item in zip(compiled.imports, items):
            mod, name = imp.module.encode("utf-8"), imp.name.encode("utf-8")
            err = _linker.wasmtime_linker_define(linker, store.context, mod, len(mod), name, len(name),
                                                 ctypes.byref(item))
            if err:  # a name defined twice: the later item is the one instantiate_pre sees
                _error.wasmtime_error_delete(err)
        pre = _instance.InstancePrePtr()
        err = _linker.wasmtime_linker_instantiate_pre(linker, module_ptr, ctypes.byref(pre))
        if err:
            _error.wasmtime_error_delete(err)
            return True
        _instance.wasmtime_instance_pre_delete(pre)
        return False
    finally:
        _linker.wasmtime_linker_delete(linker)
