"""Compiled components: compiling (through the compilation cache), loading what
``serialize()`` wrote, and their WIT types."""

from __future__ import annotations

import ctypes
import os

from wt_ffi import vec as _vec
from wt_ffi.component import component as _c
from wt_ffi.component.types import component as _tc

from ._artifacts import Artifacts, Source, deserializers, to_wasm
from ._component_reflection import TypeReader, free_items
from ._component_types import ComponentInterfaceType, ComponentItem
from ._engine import Engine
from ._errors import ClosedError, CompileError
from ._failure import error_exception
from ._handle import Closeable, Owned

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from wt_ffi import engine as _engine

__all__ = ["CompiledComponent", "COMPONENTS", "compile_component", "compile_component_file", "load_component",
           "load_component_file", "is_component"]

_COMPONENT_LAYER = b"\x01\x00"  # bytes 6-7 of a binary: the layer (0 module, 1 component)


def is_component(source: Source) -> bool:
    """Whether ``source`` is a component: a binary whose header names the component layer,
    or WAT text starting with ``(component``."""
    if isinstance(source, str):
        return source.lstrip().startswith("(component")
    head = bytes(source[:8])
    if head[:4] == b"\0asm":
        return head[6:8] == _COMPONENT_LAYER
    return bytes(source[:512]).lstrip().startswith(b"(component")


def _to_binary(source: Source) -> bytes:
    """The component binary of ``source`` (WAT text is translated)."""
    if not isinstance(source, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"compile_component takes WAT text (str) or a component binary, not {type(source).__name__}")
    wasm = to_wasm(source)
    if wasm[6:8] != _COMPONENT_LAYER:
        raise CompileError("this is a core WebAssembly module, not a component: compile it with "
                           "Runtime.compile_module (or `wasm-tools component new` makes a component of it)")
    return wasm


def _compile(engine: ctypes._Pointer[_engine.wasm_engine_t], wasm: bytes) -> ctypes._Pointer[_c.wasmtime_component_t]:
    buf = ctypes.create_string_buffer(wasm, len(wasm))
    out = _c.ComponentPtr()
    err = _c.wasmtime_component_new(engine, buf, len(wasm), ctypes.byref(out))
    if err:
        raise error_exception(err, CompileError)
    return out


def _serialize(component: ctypes._Pointer[_c.wasmtime_component_t]) -> bytes:
    out = _vec.wasm_byte_vec_t()
    err = _c.wasmtime_component_serialize(component, ctypes.byref(out))
    if err:
        raise error_exception(err, CompileError, "cannot serialise the component")
    return _vec.take_bytes(out)


_deserialize, _deserialize_file = deserializers(_c.wasmtime_component_deserialize,
                                               _c.wasmtime_component_deserialize_file, _c.ComponentPtr)


COMPONENTS = Artifacts("component", b"component", _to_binary, _compile, _serialize, _deserialize, _deserialize_file,
                       _c.wasmtime_component_delete)
"""Components, for the compilation cache (keys prefixed ``component``)."""


class CompiledComponent(Closeable):
    """A compiled WebAssembly component, ready to instantiate any number of times.

    ``imports`` and ``exports`` give its WIT types: each name maps to a
    :class:`~wt_api.ComponentFunctionType`, a :class:`~wt_api.ComponentInterfaceType`
    (``wasi:cli/run@0.2.0``, ``wt:kitchen/values@0.1.0``) or a :class:`~wt_api.WitType`.

    Thread-safety: immutable once compiled; share it across threads freely."""

    def __init__(self, engine: Engine, ptr: ctypes._Pointer[_c.wasmtime_component_t]) -> None:
        self._engine = engine
        self._handle = Owned(ptr, _c.wasmtime_component_delete, "compiled component")
        self._read: list[dict[str, ComponentItem] | None] = [None, None]  # imports, exports: read on first use
        self.plans: dict[object, object] = {}  # what instances prepare once per component (see _component_plan)

    def _enter(self) -> ctypes._Pointer[_c.wasmtime_component_t]:
        if self._engine.closed:
            raise ClosedError("the runtime of this compiled component is closed")
        return self._handle.enter()

    def _leave(self) -> None:
        self._handle.leave()

    def _types(self, side: int) -> dict[str, ComponentItem]:
        """The imports (``side`` 0) or exports (1), read once (shared: do not change it)."""
        found = self._read[side]
        if found is None:
            ptr = self._enter()
            engine = self._engine.enter()
            try:
                found = self._read[side] = read_types(engine, ptr, side)
            finally:
                self._engine.leave()
                self._leave()
        return found

    @property
    def imports(self) -> dict[str, ComponentItem]:
        """What the component imports, by name, in order (a new dict each time)."""
        return dict(self._types(0))

    @property
    def exports(self) -> dict[str, ComponentItem]:
        """What the component exports, by name, in order (a new dict each time)."""
        return dict(self._types(1))

    def wit(self) -> str:
        """The component's imports and exports as WIT-like text (for reading, not parsing)."""
        lines = []
        for title, items in (("import", self._types(0)), ("export", self._types(1))):
            for name, item in items.items():
                if isinstance(item, ComponentInterfaceType):
                    body = str(item).split("\n", 1)[1]
                    lines.append(f"{title} {name} {{\n{body}")
                else:
                    lines.append(f"{title} {name}: {item.definition() if hasattr(item, 'definition') else item};")
        return "\n".join(lines)

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise TypeError("a CompiledComponent does not pickle (CompiledModule does): send the component's bytes "
                        "or serialize() its compiled code, and compile_component / load_compiled_component it "
                        "in the other process")

    def serialize(self) -> bytes:
        """The compiled code as bytes: ``Runtime.load_compiled_component`` turns it back into a
        component, in a runtime of the same configuration, wasmtime version and platform."""
        ptr = self._enter()
        try:
            return _serialize(ptr)
        finally:
            self._leave()

    @property
    def closed(self) -> bool:
        """Whether this component (or its runtime) was closed."""
        return self._handle.closed or self._engine.closed

    def close(self) -> None:
        """Free the compiled code (instances made from it keep working). Idempotent."""
        self._handle.close()
        for prepared in list(self.plans.values()):  # shared linkers, export indices
            if isinstance(prepared, Owned):
                prepared.close()
        self.plans.clear()

    def __repr__(self) -> str:
        state = " closed" if self.closed else f" {len(self._types(1))} exports"
        return f"<CompiledComponent{state}>"


def read_types(engine: ctypes._Pointer[_engine.wasm_engine_t], component: ctypes._Pointer[_c.wasmtime_component_t],
               side: int) -> dict[str, ComponentItem]:
    """The imports (``side`` 0) or exports (1) of a compiled component, with names for
    their types (learnt from both sides)."""
    ty = _c.wasmtime_component_type(component)
    reader = TypeReader(engine)
    sides: list[list[tuple[str, _tc.wasmtime_component_item_t]]] = []
    nested: list[list[tuple[str, _tc.wasmtime_component_item_t]]] = []
    try:
        for count, nth in ((_tc.wasmtime_component_type_import_count, _tc.wasmtime_component_type_import_nth),
                           (_tc.wasmtime_component_type_export_count, _tc.wasmtime_component_type_export_nth)):
            items = []
            for i in range(count(ty, engine)):
                text, length, ext = ctypes.c_void_p(), ctypes.c_size_t(), _tc.ComponentExternPtr()
                if not nth(ty, engine, i, ctypes.byref(text), ctypes.byref(length), ctypes.byref(ext)):
                    break
                item = _tc.wasmtime_component_item_t()
                _tc.wasmtime_component_extern_type(ext, ctypes.byref(item))
                _tc.wasmtime_component_extern_delete(ext)
                items.append((ctypes.string_at(text.value or 0, length.value).decode("utf-8", "replace"), item))
            sides.append(items)
        # Names first (resources now; named types when a structure needs a name), then the types.
        groups: list[tuple[str | None, list[tuple[str, _tc.wasmtime_component_item_t]], bool]] = []
        for imported, items in zip((True, False), sides):
            groups.append((None, items, imported))
            for name, item in items:
                if item.kind == _tc.COMPONENT_ITEM_COMPONENT_INSTANCE:
                    inner = reader.instance_items(item.of.component_instance)
                    nested.append(inner)
                    groups.append((name, inner, imported))
        # (an interface's own items first: the world's items alias them, without the interface's name)
        for interface, items, imported in sorted(groups, key=lambda g: g[0] is None):
            reader.learn_resources(interface, items, imported)
        # Named types are learnt when a structure needs a name: this side's first.
        for interface, items, imported in sorted(groups, key=lambda g: g[2] != (side == 0)):
            reader.defer_types(interface, items)
        return {name: reader.item(name, item) for name, item in sides[side]}
    finally:
        for items in nested + sides:
            free_items(items)
        reader.close()
        _tc.wasmtime_component_type_delete(ty)


# -- compiling and loading -------------------------------------------------------------
def compile_component(engine: Engine, source: Source) -> CompiledComponent:
    """Compile a component (binary or WAT) in ``engine``, through its runtime's cache if any."""
    cache = engine.config.compilation_cache
    if cache is None:
        wasm = _to_binary(source)
    ptr = engine.enter()
    try:
        component = _compile(ptr, wasm) if cache is None else cache._fetch(ptr, engine.fingerprint, source, kind=COMPONENTS)[0]
    finally:
        engine.leave()
    return CompiledComponent(engine, component)  # type: ignore[arg-type]


def compile_component_file(engine: Engine, path: str | os.PathLike[str]) -> CompiledComponent:
    """Compile the component in a file (binary or WAT); a cache may skip reading it."""
    if isinstance(path, (int, bytes)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"compile_component_file takes a path (str or os.PathLike), not {type(path).__name__}; "
                        "for bytes or WAT text use compile_component")
    cache = engine.config.compilation_cache
    if cache is None:
        engine.enter()  # ClosedError before any reading
        engine.leave()
        with open(path, "rb") as f:
            return compile_component(engine, f.read())
    ptr = engine.enter()
    try:
        component = cache._fetch_file(ptr, engine.fingerprint, path, COMPONENTS)
    finally:
        engine.leave()
    return CompiledComponent(engine, component)  # type: ignore[arg-type]


def load_component(engine: Engine, data: bytes | bytearray | memoryview) -> CompiledComponent:
    """A component from what :meth:`CompiledComponent.serialize` wrote (trusted input only)."""
    return CompiledComponent(engine, COMPONENTS.load(engine, data, "load_compiled_component"))


def load_component_file(engine: Engine, path: str | os.PathLike[str]) -> CompiledComponent:
    """A component from a file :meth:`CompiledComponent.serialize` wrote, which wasmtime maps."""
    return CompiledComponent(engine, COMPONENTS.load_file(engine, path, "load_compiled_component_file"))
