"""Small WebAssembly binaries that wt makes itself (the C API cannot make every item)."""

from __future__ import annotations

from ._errors import ConfigError
from ._externtypes import TableType
from ._values import RefType, ValueType, type_name

__all__ = ["uleb128", "table64_module"]

_HEAP_CODES = {"func": 0x70, "extern": 0x6F, "any": 0x6E, "eq": 0x6D, "i31": 0x6C, "struct": 0x6B,
               "array": 0x6A, "exn": 0x69, "none": 0x71, "noextern": 0x72, "nofunc": 0x73, "noexn": 0x74}


def uleb128(n: int) -> bytes:
    """The unsigned LEB128 encoding of ``n`` (as the binary format writes sizes and indices)."""
    if n < 0:
        raise ValueError(f"uleb128 encodes non-negative ints, not {n}")
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def table64_module(ttype: TableType) -> bytes:
    """``(module (table (export "t") i64 min max? (ref null heap)))`` as a binary: wasmtime's
    C API makes 32-bit tables only (``wasm_tabletype_new``)."""
    element = ttype.element
    heap = element.heap if isinstance(element, RefType) else {
        ValueType.FUNCREF: "func", ValueType.EXTERNREF: "extern", ValueType.ANYREF: "any",
        ValueType.EXNREF: "exn"}.get(element, "")
    if heap not in _HEAP_CODES:
        raise ConfigError(f"a table of {type_name(element)} cannot be made from the host")
    limits = (bytes([0x05]) + uleb128(ttype.minimum) + uleb128(ttype.maximum) if ttype.maximum is not None
              else bytes([0x04]) + uleb128(ttype.minimum))
    table = bytes([1, 0x63, _HEAP_CODES[heap]]) + limits
    export = bytes([1, 1]) + b"t" + bytes([0x01, 0])
    return (b"\0asm\1\0\0\0" + bytes([4]) + uleb128(len(table)) + table
            + bytes([7]) + uleb128(len(export)) + export)
