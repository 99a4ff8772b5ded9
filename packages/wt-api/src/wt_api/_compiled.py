"""Compiled code: compiling, validating, and loading what ``serialize()`` wrote.

:class:`CompiledCode` is a compiled module as instantiation reads it; the public
:class:`~wt_api.CompiledModule` (``wt_api._runtime``, beside the Runtime it names) adds the
runtime it belongs to and pickling. Each function here makes the class it is given."""

from __future__ import annotations

import ctypes
import os

from wt_ffi import module as _module
from wt_ffi import externtype as _et
from wt_ffi.records import Record

from ._artifacts import MODULES, Source, compile_wasm, serialize, to_wasm, validate_wasm
from ._engine import Engine
from ._errors import ClosedError
from ._externtypes import ExportType, ExternType, ImportType, from_raw_externtype
from ._handle import Closeable, Owned

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from typing import TypeVar

    from ._function import CallPlan

    C = TypeVar("C", bound="CompiledCode")

__all__ = ["CompiledCode", "FileSource", "compile_module", "compile_file", "load_compiled",
           "load_compiled_file", "validate"]


class FileSource(Record):
    """Where a module compiled from a file came from: its real path, and the file's identity
    (device, inode, size, modification and change times) before it was read."""

    path: str
    identity: tuple[int, int, int, int, int]


def file_identity(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """What identifies the file ``st`` describes until someone writes to it."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class CompiledCode(Closeable):
    """A compiled module's code, its types and what it was compiled from: everything of a
    :class:`~wt_api.CompiledModule` but the runtime it belongs to. Host modules compile their
    own helpers as this; users only ever see CompiledModule."""

    def __init__(self, engine: Engine, ptr: ctypes._Pointer[_module.wasmtime_module_t],
                 source: str | bytes | FileSource | None = None) -> None:
        self._engine = engine
        self._handle = Owned(ptr, _module.wasmtime_module_delete, "compiled module")
        # What it was compiled from, for pickling: WAT text or wasm bytes (immutable, the
        # caller's own object when it gave bytes), a file, or None (loaded from an artifact).
        self._source = source
        self._shipped: object = None  # what pickling it sends, made once (wt_api._shipping)
        self._types_from: CompiledCode | None = None  # a module of the same code that reads its types
        self._imports: tuple[ImportType, ...] | None = None
        self._exports: tuple[ExportType, ...] | None = None
        self._export_map: dict[str, ExternType] | None = None
        self._call_plans: dict[str, CallPlan] = {}  # export name -> its plan, shared by the instances

    @property
    def _ptr(self) -> ctypes._Pointer[_module.wasmtime_module_t]:
        """The live module handle (for wt-api's own modules, while they hold it)."""
        if self._engine.closed:
            raise ClosedError("the runtime of this compiled module is closed")
        return self._handle.get()

    def _enter(self) -> ctypes._Pointer[_module.wasmtime_module_t]:
        if self._engine.closed:
            raise ClosedError("the runtime of this compiled module is closed")
        return self._handle.enter()

    def __copy__(self: C) -> C:
        return self  # immutable: a copy is the module itself

    def __deepcopy__(self: C, memo: object) -> C:
        return self

    def _shared(self, name: str) -> object:
        """The types another handle to the same code read (``_types_from``), or None."""
        other = self._types_from
        if other is None or other.closed:
            return None
        try:
            return getattr(other, name)
        except ClosedError:
            return None

    @property
    def imports(self) -> tuple[ImportType, ...]:
        """The module's imports, in order."""
        if self._imports is None:
            self._imports = self._shared("imports")  # type: ignore[assignment]
        if self._imports is None:
            vec = _et.wasm_importtype_vec_t()
            ptr = self._enter()
            try:
                _module.wasmtime_module_imports(ptr, ctypes.byref(vec))
            finally:
                self._handle.leave()
            self._imports = tuple(ImportType(m, n, from_raw_externtype(t)) for m, n, t in _et.read_imports(vec))
        return self._imports

    @property
    def exports(self) -> tuple[ExportType, ...]:
        """The module's exports, in order."""
        if self._exports is None:
            self._exports = self._shared("exports")  # type: ignore[assignment]
        if self._exports is None:
            vec = _et.wasm_exporttype_vec_t()
            ptr = self._enter()
            try:
                _module.wasmtime_module_exports(ptr, ctypes.byref(vec))
            finally:
                self._handle.leave()
            self._exports = tuple(ExportType(n, from_raw_externtype(t)) for n, t in _et.read_exports(vec))
        return self._exports

    @property
    def export_map(self) -> dict[str, ExternType]:
        """Each export's type by name (shared by every instance: do not change it)."""
        if self._export_map is None:
            self._export_map = self._shared("export_map")  # type: ignore[assignment]
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
        self._shipped = None
        self._handle.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else f" {len(self.exports)} exports"
        return f"<CompiledModule{state}>"


def compile_module(engine: Engine, source: Source, kind: type[C]) -> C:
    """Compile WAT or wasm in ``engine`` as a ``kind``, through its runtime's compilation cache if any."""
    if isinstance(source, (bytearray, memoryview)):
        source = bytes(source)  # kept for pickling: a copy the caller cannot change
    cache = engine.config.compilation_cache
    ptr = engine.enter()
    try:
        module = compile_wasm(ptr, to_wasm(source)) if cache is None else cache._fetch(ptr, engine.fingerprint, source)[0]
    finally:
        engine.leave()
    return kind(engine, module, source if isinstance(source, (str, bytes)) else None)


def compile_file(engine: Engine, path: str | os.PathLike[str], kind: type[C]) -> C:
    """Compile the module in a file (wasm or WAT) as a ``kind``; a cache may skip reading it."""
    if isinstance(path, (int, bytes)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"compile_file takes a path (str or os.PathLike), not {type(path).__name__}; "
                        "for wasm bytes or WAT text use compile_module")
    cache = engine.config.compilation_cache
    engine.enter()  # ClosedError before any reading
    engine.leave()
    # The file as it was before reading: pickling reads it again only while it is unchanged.
    real = os.path.realpath(path)
    origin = FileSource(real, file_identity(os.stat(real)))
    if cache is None:
        with open(path, "rb") as f:
            compiled = compile_module(engine, f.read(), kind)
        compiled._source = origin
        return compiled
    ptr = engine.enter()
    try:
        module = cache._fetch_file(ptr, engine.fingerprint, path)
    finally:
        engine.leave()
    return kind(engine, module, origin)


def validate(engine: Engine, source: Source) -> None:
    """Check WAT or wasm without compiling it (CompileError with wasmtime's message)."""
    wasm = to_wasm(source)
    ptr = engine.enter()
    try:
        validate_wasm(ptr, wasm)
    finally:
        engine.leave()


def load_compiled(engine: Engine, data: bytes | bytearray | memoryview, kind: type[C]) -> C:
    """A ``kind`` from what :meth:`CompiledModule.serialize` wrote (CompileError if wasmtime
    refuses it). Only load artifacts you trust: wasmtime runs their code as it is."""
    return kind(engine, MODULES.load(engine, data, "load_compiled"))


def load_compiled_file(engine: Engine, path: str | os.PathLike[str], kind: type[C]) -> C:
    """A ``kind`` from a file :meth:`CompiledModule.serialize` wrote, which wasmtime maps
    rather than reads (do not change the file while the module is in use)."""
    return kind(engine, MODULES.load_file(engine, path, "load_compiled_file"))
