"""Modules as wasmtime holds them: WAT to wasm, compiling, validating, and compiled
artifacts in and out (raw module handles; :mod:`wt_api._compiled` wraps them)."""

from __future__ import annotations

import ctypes
import os

from wt_ffi import engine as _engine
from wt_ffi import module as _module
from wt_ffi import vec as _vec
from wt_ffi import wat as _wat

from ._errors import CompileError
from ._failure import error_exception

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    import mmap
    from collections.abc import Callable
    from typing import Any, Protocol

    class Engine(Protocol):
        """What loading needs of a runtime's engine (``wt_api._engine.Engine``, a floor above)."""

        def enter(self) -> ctypes._Pointer[_engine.wasm_engine_t]: ...

        def leave(self) -> None: ...

__all__ = ["Source", "is_binary", "to_wasm", "compile_wasm", "validate_wasm", "serialize", "serialize_view", "deserialize",
           "deserialize_file", "deserializers", "Artifacts", "MODULES", "REFUSED"]

Source = str | bytes | bytearray | memoryview
"""What ``compile_module`` takes: WAT text (``str``, or bytes not starting with ``\\0asm``)
or a wasm binary."""

def is_binary(source: Source) -> bool:
    """Whether ``source`` is a wasm binary (rather than WAT text)."""
    return not isinstance(source, str) and bytes(source[:4]) == b"\0asm"


def to_wasm(source: Source) -> bytes:
    """The wasm binary of ``source`` (WAT text is translated; CompileError if it is not
    WAT, or not a module)."""
    if isinstance(source, str):
        text = source.encode("utf-8")
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] == b"\0asm":
            return data
        text = data
    else:
        raise TypeError(f"compile_module takes WAT text (str) or wasm bytes, not {type(source).__name__}")
    out = _vec.wasm_byte_vec_t()
    err = _wat.wasmtime_wat2wasm(text, len(text), ctypes.byref(out))
    if err:
        exc = error_exception(err, CompileError)
        if not _looks_like_text(text):
            raise CompileError(f"not a WebAssembly module or WAT text (the bytes start with {text[:8]!r}, not "
                               f"b'\\x00asm', and are not WAT: {exc})")
        raise exc
    return _vec.take_bytes(out)


def _looks_like_text(data: bytes) -> bool:
    """Whether ``data`` could be meant as WAT: mostly printable UTF-8."""
    head = data[:512]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(c.isprintable() or c.isspace() for c in text) >= 0.9 * max(len(text), 1)


def compile_wasm(engine: ctypes._Pointer[_engine.wasm_engine_t], wasm: bytes) -> ctypes._Pointer[_module.wasmtime_module_t]:
    """Compile a wasm binary (CompileError with wasmtime's message if it is invalid)."""
    buf = ctypes.create_string_buffer(wasm, len(wasm)) if wasm else None
    out = _module.ModulePtr()
    err = _module.wasmtime_module_new(engine, buf, len(wasm), ctypes.byref(out))
    if err:
        raise error_exception(err, CompileError)
    return out


def validate_wasm(engine: ctypes._Pointer[_engine.wasm_engine_t], wasm: bytes) -> None:
    """Check a wasm binary without compiling it (CompileError if it is invalid)."""
    buf = ctypes.create_string_buffer(wasm, len(wasm)) if wasm else None
    err = _module.wasmtime_module_validate(engine, buf, len(wasm))
    if err:
        raise error_exception(err, CompileError)


def serialize(module: ctypes._Pointer[_module.wasmtime_module_t]) -> bytes:
    """The compiled artifact of a module, as bytes."""
    out = _vec.wasm_byte_vec_t()
    err = _module.wasmtime_module_serialize(module, ctypes.byref(out))
    if err:
        raise error_exception(err, CompileError, "cannot serialise the module")
    return _vec.take_bytes(out)


def serialize_view(module: ctypes._Pointer[_module.wasmtime_module_t]) -> memoryview:
    """The compiled artifact of a module, as a read-only view of wasmtime's own buffer (no
    copy; the buffer is freed with the last view of it)."""
    out = _vec.wasm_byte_vec_t()
    err = _module.wasmtime_module_serialize(module, ctypes.byref(out))
    if err:
        raise error_exception(err, CompileError, "cannot serialise the module")
    return _vec.take_view(out)


def deserializers(c_deserialize: Callable[..., Any], c_deserialize_file: Callable[..., Any],
                  out_type: Callable[[], Any]) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The two loaders of one kind of artifact, over its C functions (``*_deserialize``,
    ``*_deserialize_file``) and its pointer type: each returns the new C object, or
    wasmtime's refusal as a message.

    ``deserialize(engine, buffer, length)`` loads the first ``length`` bytes of ``buffer``
    (bytes, or a mapping), copying them; ``deserialize_file(engine, path)`` lets wasmtime
    map the file."""

    def deserialize(engine: ctypes._Pointer[_engine.wasm_engine_t], buffer: bytes | mmap.mmap, length: int) -> Any:
        data: object = buffer if isinstance(buffer, bytes) else (ctypes.c_char * length).from_buffer(buffer)
        out = out_type()
        try:
            err = c_deserialize(engine, data, length, ctypes.byref(out))
        finally:
            del data  # release the buffer export before a mapping closes
        if err:
            return str(error_exception(err, CompileError))
        return out

    def deserialize_file(engine: ctypes._Pointer[_engine.wasm_engine_t], path: str | os.PathLike[str]) -> Any:
        out = out_type()
        err = c_deserialize_file(engine, os.fsencode(path), ctypes.byref(out))
        if err:
            return str(error_exception(err, CompileError))
        return out

    return deserialize, deserialize_file


deserialize, deserialize_file = deserializers(_module.wasmtime_module_deserialize,
                                              _module.wasmtime_module_deserialize_file, _module.ModulePtr)
"""Load a module's artifact from memory, or let wasmtime map it from a file."""


REFUSED = ("it was compiled by another wasmtime version, for another platform, or with other engine "
           "settings (RuntimeConfig: features, opt level, fuel, epochs, ...): compile it again")
"""Why wasmtime refuses a compiled artifact, and what to do (the end of its CompileError)."""

_ELF = b"\x7fELF"  # what every artifact wasmtime writes starts with


class Artifacts:
    """What the compilation cache (and loading) needs to know of one kind of compiled code
    (modules, components): its name, the prefix of its keys and the functions that
    translate, compile, serialise, load and free it. The functions have the signatures of
    this module's."""

    __slots__ = ("noun", "tag", "to_binary", "compile", "serialize", "deserialize", "deserialize_file", "delete")

    def __init__(self, noun: str, tag: bytes, to_binary: Callable[[Source], bytes], compile: Callable[..., Any],
                 serialize: Callable[[Any], bytes], deserialize: Callable[..., Any],
                 deserialize_file: Callable[..., Any], delete: Callable[[Any], None]) -> None:
        self.noun = noun
        self.tag = tag
        self.to_binary = to_binary
        self.compile = compile
        self.serialize = serialize
        self.deserialize = deserialize
        self.deserialize_file = deserialize_file
        self.delete = delete

    def __repr__(self) -> str:
        return f"<Artifacts {self.tag.decode()}>"

    def load(self, engine: Engine, data: bytes | bytearray | memoryview, api: str) -> Any:
        """The compiled code in ``data`` (what ``serialize()`` wrote), loaded by ``engine``:
        TypeError for data that is not bytes, CompileError if wasmtime refuses it."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"{api} takes bytes, not {type(data).__name__}")
        blob = bytes(data)
        if blob[:4] != _ELF:
            raise CompileError(f"these bytes are not a compiled {self.noun} (serialize() output)")
        ptr = engine.enter()
        try:
            made = self.deserialize(ptr, blob, len(blob))
        finally:
            engine.leave()
        if isinstance(made, str):
            raise CompileError(f"cannot load this compiled {self.noun}: {made}; {REFUSED}")
        return made

    def load_file(self, engine: Engine, path: str | os.PathLike[str], api: str) -> Any:
        """The compiled code in the file ``path``, which wasmtime maps rather than reads;
        TypeError for what is not a path, OSError for a missing one, CompileError for a
        file that is not a regular one, not compiled code, or refused by wasmtime."""
        if isinstance(path, (int, bytes)) or not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"{api} takes a path (str or os.PathLike), not {type(path).__name__}")
        if not os.path.isfile(path):  # (checked before opening: a FIFO would block the open)
            os.stat(path)  # the OSError of a missing path
            raise CompileError(f"{os.fspath(path)!r} is not a regular file")
        with open(path, "rb") as f:
            if f.read(4) != _ELF:
                raise CompileError(f"{os.fspath(path)!r} is not a compiled {self.noun} (serialize() output)")
        ptr = engine.enter()
        try:
            made = self.deserialize_file(ptr, path)
        finally:
            engine.leave()
        if isinstance(made, str):
            raise CompileError(f"cannot load the compiled {self.noun} {os.fspath(path)!r}: {made}; {REFUSED}")
        return made


MODULES = Artifacts("module", b"wasm", to_wasm, compile_wasm, serialize, deserialize, deserialize_file,
                    _module.wasmtime_module_delete)
"""Core modules (the cache's keys of modules have no prefix of their own: ``wasm``/``wat``)."""
