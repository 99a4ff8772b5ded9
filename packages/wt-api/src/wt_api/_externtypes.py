"""Types of imports and exports: functions, globals, tables, memories, tags."""

from __future__ import annotations

from wt_ffi import externtype as _et
from wt_ffi import types as _t
from wt_ffi.records import Record

from ._values import RefType, ValueType, from_raw_type, type_name

__all__ = ["FunctionType", "GlobalType", "TableType", "MemoryType", "TagType", "ExternType",
           "ImportType", "ExportType"]

Type = ValueType | RefType


class FunctionType(Record):
    """A function signature.

    Thread-safety: an immutable value; share it freely."""

    params: tuple[Type, ...]
    results: tuple[Type, ...]

    def __str__(self) -> str:
        p = " ".join(type_name(t) for t in self.params)
        r = " ".join(type_name(t) for t in self.results)
        return f"(func (param {p}) (result {r}))"


class GlobalType(Record):
    """A global's value type and mutability.

    Thread-safety: an immutable value; share it freely."""

    content: Type
    mutable: bool

    def __str__(self) -> str:
        t = type_name(self.content)
        return f"(global (mut {t}))" if self.mutable else f"(global {t})"


class TableType(Record):
    """A table's element type and limits, in elements.

    Thread-safety: an immutable value; share it freely."""

    element: Type
    minimum: int
    maximum: int | None

    def __str__(self) -> str:
        mx = "" if self.maximum is None else f" {self.maximum}"
        return f"(table {self.minimum}{mx} {type_name(self.element)})"


class MemoryType(Record):
    """A linear memory's limits, in pages, and its flags.

    Thread-safety: an immutable value; share it freely."""

    minimum: int
    maximum: int | None
    is_64: bool = False
    shared: bool = False
    page_size: int = 65536

    def __str__(self) -> str:
        mx = "" if self.maximum is None else f" {self.maximum}"
        flags = (" i64" if self.is_64 else "") + (" shared" if self.shared else "")
        return f"(memory{flags} {self.minimum}{mx})"


class TagType(Record):
    """An exception tag's payload signature.

    Thread-safety: an immutable value; share it freely."""

    signature: FunctionType

    def __str__(self) -> str:
        return f"(tag {self.signature})"


ExternType = FunctionType | GlobalType | TableType | MemoryType | TagType


class ImportType(Record):
    """One import of a module: where it comes from and what it must be.

    Thread-safety: an immutable value; share it freely."""

    module: str
    name: str
    type: ExternType


class ExportType(Record):
    """One export of a module: its name and type.

    Thread-safety: an immutable value; share it freely."""

    name: str
    type: ExternType


def from_raw_functype(ft: _t.FuncType) -> FunctionType:
    """The public form of a wt-ffi function type."""
    return FunctionType(tuple(from_raw_type(p) for p in ft.params),
                        tuple(from_raw_type(r) for r in ft.results))


def from_raw_externtype(et: _et.ExternType) -> ExternType:
    """The public form of a wt-ffi extern type."""
    if isinstance(et, _t.FuncType):
        return from_raw_functype(et)
    if isinstance(et, _t.GlobalType):
        return GlobalType(from_raw_type(et.content), et.mutable)
    if isinstance(et, _t.TableType):
        return TableType(from_raw_type(et.element), et.minimum, et.maximum)
    if isinstance(et, _t.MemoryType):
        return MemoryType(et.minimum, et.maximum, et.is_64, et.shared, 1 << et.page_size_log2)
    return TagType(from_raw_functype(et.signature))
