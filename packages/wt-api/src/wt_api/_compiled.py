"""Compiled modules: compiling, validating, and loading what ``serialize()`` wrote."""

from __future__ import annotations

import ctypes
import os

from wt_ffi import module as _module
from wt_ffi import types as _t

from ._artifacts import Source, compile_wasm, deserialize, deserialize_file, serialize, to_wasm, validate_wasm
from ._engine import Engine
from ._errors import ClosedError, CompileError
from ._externtypes import ExportType, ExternType, ImportType, from_raw_externtype
from ._handle import Closeable, Owned

__all__ = ["CompiledModule", "compile_module", "compile_file", "load_compiled", "load_compiled_file",
           "validate"]


class CompiledModule(Closeable):
    """A compiled WebAssembly module, ready to instantiate any number of times.

    Thread-safety: immutable once compiled; share it across threads freely."""

    def __init__(self, engine: Engine, ptr: ctypes._Pointer[_module.wasmtime_module_t]) -> None:
        self._engine = engine
        self._handle = Owned(ptr, _module.wasmtime_module_delete, "compiled module")
        self._imports: tuple[ImportType, ...] | None = None
        self._exports: tuple[ExportType, ...] | None = None
        self._export_map: dict[str, ExternType] | None = None

    @property
    def ptr(self) -> ctypes._Pointer[_module.wasmtime_module_t]:
        """The live module handle (for wt-api's own modules, while they hold it)."""
        if self._engine.closed:
            raise ClosedError("the runtime of this compiled module is closed")
        return self._handle.get()

    def _enter(self) -> ctypes._Pointer[_module.wasmtime_module_t]:
        if self._engine.closed:
            raise ClosedError("the runtime of this compiled module is closed")
        return self._handle.enter()

    @property
    def imports(self) -> tuple[ImportType, ...]:
        """The module's imports, in order."""
        if self._imports is None:
            vec = _t.wasm_importtype_vec_t()
            ptr = self._enter()
            try:
                _module.wasmtime_module_imports(ptr, ctypes.byref(vec))
            finally:
                self._handle.leave()
            self._imports = tuple(ImportType(m, n, from_raw_externtype(t)) for m, n, t in _t.read_imports(vec))
        return self._imports

    @property
    def exports(self) -> tuple[ExportType, ...]:
        """The module's exports, in order."""
        if self._exports is None:
            vec = _t.wasm_exporttype_vec_t()
            ptr = self._enter()
            try:
                _module.wasmtime_module_exports(ptr, ctypes.byref(vec))
            finally:
                self._handle.leave()
            self._exports = tuple(ExportType(n, from_raw_externtype(t)) for n, t in _t.read_exports(vec))
        return self._exports

    @property
    def export_map(self) -> dict[str, ExternType]:
        """Each export's type by name (shared by every instance: do not change it)."""
        if self._export_map is None:
            self._export_map = {e.name: e.type for e in self.exports}
        return self._export_map

    def serialize(self) -> bytes:
        """The compiled code as bytes: ``Runtime.load_compiled`` (or ``wt compile``'s output
        for ``wt run``) turns it back into a module, in a runtime of the same configuration,
        wasmtime version and platform."""
        ptr = self._enter()
        try:
            return serialize(ptr)
        finally:
            self._handle.leave()

    @property
    def closed(self) -> bool:
        """Whether this module (or its runtime) was closed."""
        return self._handle.closed or self._engine.closed

    def close(self) -> None:
        """Free the compiled code (instances made from it keep working). Idempotent."""
        self._handle.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else f" {len(self.exports)} exports"
        return f"<CompiledModule{state}>"


def compile_module(engine: Engine, source: Source) -> CompiledModule:
    """Compile WAT or wasm in ``engine``, through its runtime's compilation cache if any."""
    cache = engine.config.compilation_cache
    ptr = engine.enter()
    try:
        module = compile_wasm(ptr, to_wasm(source)) if cache is None else cache.fetch(ptr, engine.fingerprint, source)[0]
    finally:
        engine.leave()
    return CompiledModule(engine, module)


def compile_file(engine: Engine, path: str | os.PathLike[str]) -> CompiledModule:
    """Compile the module in a file (wasm or WAT); a cache may skip reading it."""
    if isinstance(path, (int, bytes)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"compile_file takes a path (str or os.PathLike), not {type(path).__name__}; "
                        "for wasm bytes or WAT text use compile_module")
    cache = engine.config.compilation_cache
    if cache is None:
        engine.enter()  # ClosedError before any reading
        engine.leave()
        with open(path, "rb") as f:
            return compile_module(engine, f.read())
    ptr = engine.enter()
    try:
        module = cache.fetch_file(ptr, engine.fingerprint, path)
    finally:
        engine.leave()
    return CompiledModule(engine, module)


def validate(engine: Engine, source: Source) -> None:
    """Check WAT or wasm without compiling it (CompileError with wasmtime's message)."""
    wasm = to_wasm(source)
    ptr = engine.enter()
    try:
        validate_wasm(ptr, wasm)
    finally:
        engine.leave()


_REFUSED = ("it was compiled by another wasmtime version, for another platform, or with other engine "
            "settings (RuntimeConfig: features, opt level, fuel, epochs, ...): compile the module again")


def load_compiled(engine: Engine, data: bytes | bytearray | memoryview) -> CompiledModule:
    """A module from what :meth:`CompiledModule.serialize` wrote (CompileError if wasmtime
    refuses it). Only load artifacts you trust: wasmtime runs their code as it is."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load_compiled takes bytes, not {type(data).__name__}")
    blob = bytes(data)
    ptr = engine.enter()
    try:
        module = deserialize(ptr, blob, len(blob))
    finally:
        engine.leave()
    if isinstance(module, str):
        raise CompileError(f"cannot load this compiled module: {module}; {_REFUSED}")
    return CompiledModule(engine, module)


def load_compiled_file(engine: Engine, path: str | os.PathLike[str]) -> CompiledModule:
    """A module from a file :meth:`CompiledModule.serialize` wrote, which wasmtime maps
    rather than reads (do not change the file while the module is in use)."""
    if isinstance(path, (int, bytes)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load_compiled_file takes a path (str or os.PathLike), not {type(path).__name__}")
    if not os.path.isfile(path):  # (checked before opening: a FIFO would block the open)
        os.stat(path)  # the OSError of a missing path
        raise CompileError(f"{os.fspath(path)!r} is not a regular file")
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            raise CompileError(f"{os.fspath(path)!r} is not a compiled module (wt compile / serialize() output)")
    ptr = engine.enter()
    try:
        module = deserialize_file(ptr, path)
    finally:
        engine.leave()
    if isinstance(module, str):
        raise CompileError(f"cannot load the compiled module {os.fspath(path)!r}: {module}; {_REFUSED}")
    return CompiledModule(engine, module)
