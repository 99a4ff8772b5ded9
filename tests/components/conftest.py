"""Fixtures of the component tests: components built from source (``build.py``), compiled
once per session through wt_ffi (``capi.py``: ``engine``, ``compiled``, ``kitchen``) and
through wt_api (``runtime``, ``component``, ``kit``: a kitchen instance whose ``host``
interface is ``KitchenHost``); the wt_api compilations are cached on disk beside the builds.

Building needs componentize-py, clang + wasi-libc, node and npm (the nox ``tests`` session
installs them). Without them these tests fail on CI (``CI`` set) and are skipped, with the
reason, elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import build as builder
from . import capi


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def component_path() -> Callable[[str], Path]:
    """``component_path(name)``: the built component (built on first use, cached by hash)."""
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            try:
                built[name] = builder.build(name)
            except builder.ToolchainMissing as exc:
                message = f"cannot build the test component {name!r}: {exc}"
                if _on_ci():
                    pytest.fail(message)
                pytest.skip(message)
            except builder.BuildFailed as exc:
                pytest.fail(str(exc))
        return built[name]

    return get


@pytest.fixture(scope="session")
def engine() -> Any:
    """One engine for the session's compiled components."""
    return capi.new_engine()


@pytest.fixture(scope="session")
def compiled(engine: Any, component_path: Callable[[str], Path]) -> Callable[[str], Any]:
    """``compiled(name)``: the component compiled in ``engine`` (once per session; the artifact
    is cached on disk beside the built component)."""
    done: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in done:
            done[name] = capi.compile_cached(engine, component_path(name))
        return done[name]

    return get


@pytest.fixture
def new_store(engine: Any) -> Iterator[Callable[..., capi.Store]]:
    """``new_store(wasi_cfg=None)``: a store deleted after the test."""
    stores: list[capi.Store] = []

    def make(wasi_cfg: Any = None) -> capi.Store:
        stores.append(capi.Store(engine, wasi_cfg))
        return stores[-1]

    yield make
    for st in stores:
        st.close()


HOST = "wt:kitchen/host@0.1.0"
BLOB_TYPE = 7  # the host type number of `blob`


class Host:
    """The host side of the kitchen world, in Python: its calls and its blobs (rep -> bytes)."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.blobs: dict[int, bytes] = {}
        self.dropped: list[int] = []
        self.next_rep = 100

    def new_blob(self, ctx: Any, data: bytes) -> int:
        """A new own<blob> handle in the store (its resource_any address)."""
        self.next_rep += 1
        self.blobs[self.next_rep] = data
        return capi.host_resource_to_any(ctx, True, self.next_rep, BLOB_TYPE)

    def blob_of(self, ctx: Any, address: int) -> bytes:
        return self.blobs[capi.any_to_host_rep(ctx, address)]

    def define(self, linker: capi.Linker) -> None:
        def concat(ctx: Any, args: list[Any]) -> list[Any]:
            a, b = (self.blob_of(ctx, arg[1]) for arg in args)
            return [("resource", self.new_blob(ctx, a + b))]

        funcs: dict[str, capi.HostFunc] = {
            "log": lambda ctx, args: self.log.append(args[0][1]) or [],
            "add": self._add,
            "describe": lambda ctx, args: [("option", ("string", f"{args[0][1][0][1]}/{args[0][1][1][1]}: "
                                                                  + ",".join(t[1] for t in args[1][1])))
                                           if args[1][1] else ("option", None)],
            "[constructor]blob": lambda ctx, args: [("resource", self.new_blob(ctx, bytes(b[1] for b in args[0][1])))],
            "[method]blob.size": lambda ctx, args: [("u32", len(self.blob_of(ctx, args[0][1])))],
            "[method]blob.read": lambda ctx, args: [("list", [("u8", b) for b in self.blob_of(ctx, args[0][1])])],
            "[static]blob.concat": concat,
        }
        rtype = capi.host_resource_type(BLOB_TYPE)
        try:
            linker.define(HOST, funcs, {"blob": (rtype, self._drop)})
        finally:
            capi.R.wasmtime_component_resource_type_delete(rtype)

    @staticmethod
    def _add(ctx: Any, args: list[Any]) -> list[Any]:
        if args[0][1] == 13:
            raise ValueError("13 is unlucky")
        return [("s32", args[0][1] + args[1][1])]

    def _drop(self, rep: int) -> None:
        self.dropped.append(rep)
        del self.blobs[rep]


@pytest.fixture
def kitchen(engine: Any, compiled: Callable[[str], Any], new_store: Callable[..., capi.Store]) -> Iterator[Any]:
    """The kitchen component instantiated with WASI 0.2 and the Python ``Host``: yields
    ``(store, instance, host)``."""
    cfg, keep = capi.wasi_config()
    st = new_store(cfg)
    linker = capi.Linker(engine, wasip2=True)
    host = Host()
    host.define(linker)
    try:
        inst = linker.instantiate(st, compiled("kitchen"))
        yield st, inst, host
    finally:
        linker.close()
        del keep


# -- the same components through wt_api ----------------------------------------------------
@pytest.fixture(scope="session")
def runtime() -> Iterator[Any]:
    """A wt Runtime whose compiled components are cached on disk beside the built ones (a
    componentize-py component takes ~10 s to compile, ~40 ms to load)."""
    import wt_api as wt

    cache = wt.CompilationCache.with_dir(builder.cache_dir() / "wt-compiled")
    with wt.Runtime(wt.RuntimeConfig().with_compilation_cache(cache)) as rt:
        yield rt


@pytest.fixture(scope="session")
def component(runtime: Any, component_path: Callable[[str], Path]) -> Callable[[str], Any]:
    """``component(name)``: the built component compiled by ``runtime`` (once per session)."""
    done: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in done:
            done[name] = runtime.compile_component_file(component_path(name))
        return done[name]

    return get


class Blob:
    """The host's ``blob`` resource: bytes; records its drops in ``Blob.dropped``."""

    dropped: list[bytes] = []

    def __init__(self, init: bytes) -> None:
        self.data = bytes(init)

    def size(self) -> int:
        return len(self.data)

    def read(self) -> bytes:
        return self.data

    @staticmethod
    def concat(a: Blob, b: Blob) -> Blob:
        return Blob(a.data + b.data)

    def __exit__(self, *exc_info: object) -> None:
        Blob.dropped.append(self.data)


class KitchenHost:
    """The kitchen world's ``host`` interface in Python, as wt_api's ``imports`` takes it."""

    Blob = Blob

    def __init__(self) -> None:
        self.logged: list[str] = []

    def log(self, msg: str) -> None:
        self.logged.append(msg)

    def add(self, a: int, b: int) -> int:
        if a == 13:
            raise ValueError("13 is unlucky")
        return a + b

    def describe(self, who: tuple[str, int], tags: list[str]) -> str | None:
        return f"{who[0]}/{who[1]}: {','.join(tags)}" if tags else None


@pytest.fixture
def kitchen_host() -> KitchenHost:
    Blob.dropped = []
    return KitchenHost()


@pytest.fixture
def kit(runtime: Any, component: Callable[[str], Any], kitchen_host: KitchenHost) -> Iterator[Any]:
    """A fresh kitchen instance (WASI 0.2 and the Python host) through wt_api."""
    with runtime.instantiate_component_with_wasi(component("kitchen"),
                                                 imports={"wt:kitchen/host@0.1.0": kitchen_host}) as inst:
        yield inst
