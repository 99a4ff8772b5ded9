"""Test helpers: the component C API driven through wt_ffi alone (no wt_api).

Small wrappers that keep the tests readable: compiling (with the serialised artifact cached
beside the built component), a store with an optional WASI context, a linker with host
functions written in Python, calls with tagged values (``cvals``), and errors as exceptions.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import wt_ffi
from wt_ffi import config, engine, error, store, vec, wasi
from wt_ffi.component import component as C
from wt_ffi.component import func as F
from wt_ffi.component import instance as I
from wt_ffi.component import linker as L
from wt_ffi.component import val as V
from wt_ffi.component.types import resource as R

from .cvals import Tagged, decode, delete_all, encode, encode_all


class CError(Exception):
    """A ``wasmtime_error_t`` returned by the C API (its message)."""

    def __init__(self, message: str, exit_status: int | None = None) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def check(err: Any) -> None:
    """Raise :class:`CError` for a non-NULL error (and free it)."""
    if err:
        try:
            raise CError(error.error_message(err), error.error_exit_status(err))
        finally:
            error.wasmtime_error_delete(err)


def new_engine() -> Any:
    """An engine with the default configuration (the component model is on in 50)."""
    return engine.wasm_engine_new_with_config(config.wasm_config_new())


def compile_bytes(eng: Any, data: bytes) -> Any:
    out = C.ComponentPtr()
    check(C.wasmtime_component_new(eng, data, len(data), ctypes.byref(out)))
    return out


def compile_cached(eng: Any, path: Path) -> Any:
    """Compile ``path``, or load its artifact serialised by an earlier session (compiling a
    componentize-py component takes ~10 s; the artifact is keyed by the library's identity)."""
    wt_ffi.load()
    lib = os.stat(str(wt_ffi.library_path()))
    artifact = path.with_name(f"{path.stem}.{lib.st_size:x}-{lib.st_mtime_ns:x}.cwasm")
    if artifact.exists():
        out = C.ComponentPtr()
        err = C.wasmtime_component_deserialize_file(eng, str(artifact).encode(), ctypes.byref(out))
        if not err:
            return out
        error.wasmtime_error_delete(err)  # another engine configuration: compile again
    component = compile_bytes(eng, path.read_bytes())
    data = vec.wasm_byte_vec_t()
    check(C.wasmtime_component_serialize(component, ctypes.byref(data)))
    tmp = artifact.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(vec.take_bytes(data))
    tmp.replace(artifact)
    return component


def wasi_config(args: list[str] | None = None, env: dict[str, str] | None = None, stdin: bytes = b"",
                preopen: tuple[str, str] | None = None, out: list[bytes] | None = None,
                err: list[bytes] | None = None) -> tuple[Any, list[object]]:
    """A ``wasi_config_t`` and the callbacks to keep alive while the store lives."""
    cfg = wasi.wasi_config_new()
    argv = [a.encode() for a in args or []]
    assert wasi.wasi_config_set_argv(cfg, len(argv), (ctypes.c_char_p * max(len(argv), 1))(*argv))
    env = env or {}
    names = (ctypes.c_char_p * max(len(env), 1))(*[k.encode() for k in env])
    values = (ctypes.c_char_p * max(len(env), 1))(*[v.encode() for v in env.values()])
    assert wasi.wasi_config_set_env(cfg, len(env), names, values)
    data = vec.byte_vec_from(stdin)
    wasi.wasi_config_set_stdin_bytes(cfg, ctypes.byref(data))
    keep: list[object] = []
    for sink, setter in ((out, wasi.wasi_config_set_stdout_custom), (err, wasi.wasi_config_set_stderr_custom)):
        if sink is not None:
            cb = wasi.new_output_callback(sink.append, lambda exc: None)
            setter(cfg, cb, None, wasi.NO_FINALIZER)
            keep.append(cb)
    if preopen:
        assert wasi.wasi_config_preopen_dir(cfg, preopen[0].encode(), preopen[1].encode(), False)
    return cfg, keep


class Store:
    """A store on ``eng`` (optionally with a WASI context) and its context."""

    def __init__(self, eng: Any, wasi_cfg: Any = None) -> None:
        self.store = store.wasmtime_store_new(eng, None, store.FINALIZER())
        self.ctx = store.wasmtime_store_context(self.store)
        if wasi_cfg is not None:
            check(wasi.wasmtime_context_set_wasi(self.ctx, wasi_cfg))

    def close(self) -> None:
        store.wasmtime_store_delete(self.store)


HostFunc = Callable[[Any, list[Tagged]], list[Tagged]]


def host_callback(fn: HostFunc) -> Any:
    """A ``FUNC_CALLBACK`` calling ``fn(context, args)``; an exception becomes an error."""

    def call(data: int | None, ctx: int, ty: int, args: int, nargs: int, results: int, nresults: int) -> int:
        try:
            argv = (V.wasmtime_component_val_t * nargs).from_address(args) if nargs else []
            out = fn(ctx, [decode(a) for a in argv])
            slots = (V.wasmtime_component_val_t * nresults).from_address(results) if nresults else []
            for slot, value in zip(slots, out):
                encode(value, slot)  # the slot holds bool false: nothing to free
            return 0
        except BaseException as exc:  # noqa: BLE001
            err = error.wasmtime_error_new(f"host: {exc}".encode())
            return ctypes.cast(err, ctypes.c_void_p).value or 0

    return L.FUNC_CALLBACK(call)


class Linker:
    """A component linker; ``define(path, funcs, resources)`` fills a nested instance."""

    def __init__(self, eng: Any, wasip2: bool = False) -> None:
        self.linker = L.wasmtime_component_linker_new(eng)
        self.keep: list[object] = []
        if wasip2:
            check(L.wasmtime_component_linker_add_wasip2(self.linker))

    def define(self, instance: str, funcs: dict[str, HostFunc],
               resources: dict[str, tuple[Any, Callable[[int], None]]] | None = None) -> None:
        root = L.wasmtime_component_linker_root(self.linker)
        inner = L.LinkerInstancePtr()
        try:
            check(L.wasmtime_component_linker_instance_add_instance(root, instance.encode(), len(instance.encode()),
                                                                     ctypes.byref(inner)))
            for name, (rtype, on_drop) in (resources or {}).items():
                dtor = L.RESOURCE_DESTRUCTOR(lambda data, ctx, rep, f=on_drop: f(rep) or 0)
                self.keep.append(dtor)
                check(L.wasmtime_component_linker_instance_add_resource(inner, name.encode(), len(name), rtype, dtor,
                                                                        None, store.FINALIZER()))
            for name, fn in funcs.items():
                cb = host_callback(fn)
                self.keep.append(cb)
                check(L.wasmtime_component_linker_instance_add_func(inner, name.encode(), len(name), cb, None,
                                                                    store.FINALIZER()))
        finally:
            if inner:
                L.wasmtime_component_linker_instance_delete(inner)
            L.wasmtime_component_linker_instance_delete(root)

    def instantiate(self, st: Store, component: Any) -> I.wasmtime_component_instance_t:
        inst = I.wasmtime_component_instance_t()
        check(L.wasmtime_component_linker_instantiate(self.linker, st.ctx, component, ctypes.byref(inst)))
        return inst

    def close(self) -> None:
        L.wasmtime_component_linker_delete(self.linker)


def get_func(st: Store, inst: I.wasmtime_component_instance_t, *path: str) -> F.wasmtime_component_func_t:
    """The exported function at ``path`` (an interface name, then the function's name)."""
    index = None
    try:
        for name in path:
            data = name.encode()
            nxt = I.wasmtime_component_instance_get_export_index(ctypes.byref(inst), st.ctx, index, data, len(data))
            if index:
                C.wasmtime_component_export_index_delete(index)
            if not nxt:
                raise KeyError(f"no export {name!r} in {path}")
            index = nxt
        fn = F.wasmtime_component_func_t()
        assert I.wasmtime_component_instance_get_func(ctypes.byref(inst), st.ctx, index, ctypes.byref(fn))
        return fn
    finally:
        if index:
            C.wasmtime_component_export_index_delete(index)


def call(st: Store, fn: F.wasmtime_component_func_t, args: list[Tagged], nresults: int = 1) -> list[Tagged]:
    """Call with tagged arguments; the tagged results (resources: the handle's address,
    which stays owned by the caller: free it with ``resource_any_delete``)."""
    argv = encode_all(args)
    results = (V.wasmtime_component_val_t * max(nresults, 1))()
    try:
        check(F.wasmtime_component_func_call(ctypes.byref(fn), st.ctx, argv, len(args), results, nresults))
        out = [decode(results[i]) for i in range(nresults)]
        for i in range(nresults):  # keep resource handles alive: detach them from the value
            if results[i].kind == V.VAL_RESOURCE:
                results[i].kind = V.VAL_BOOL
        delete_all(results, nresults)
        return out
    finally:
        for i, arg in enumerate(args):  # a resource argument's box belongs to the caller's handle
            if arg[0] == "resource":
                argv[i].kind = V.VAL_BOOL
        delete_all(argv, len(args))


def host_resource_type(number: int) -> Any:
    """An owned host resource type (free with ``wasmtime_component_resource_type_delete``)."""
    return R.wasmtime_component_resource_type_new_host(number)


def host_resource_to_any(ctx: Any, owned: bool, rep: int, type_number: int) -> int:
    """The address of a new ``resource_any`` handle in the store for a host resource."""
    host = V.wasmtime_component_resource_host_new(owned, rep, type_number)
    out = V.ResourceAnyPtr()
    try:
        check(V.wasmtime_component_resource_host_to_any(ctypes.cast(ctx, store.ContextPtr), host, ctypes.byref(out)))
    finally:
        V.wasmtime_component_resource_host_delete(host)
    return ctypes.cast(out, ctypes.c_void_p).value or 0


def any_to_host_rep(ctx: Any, address: int) -> int:
    """The host rep behind a ``resource_any`` handle of a host resource."""
    host = V.ResourceHostPtr()
    check(V.wasmtime_component_resource_any_to_host(ctypes.cast(ctx, store.ContextPtr),
                                                     ctypes.cast(address, V.ResourceAnyPtr), ctypes.byref(host)))
    try:
        return V.wasmtime_component_resource_host_rep(host)
    finally:
        V.wasmtime_component_resource_host_delete(host)
