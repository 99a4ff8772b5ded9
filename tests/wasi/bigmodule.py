"""A large wasm binary, written directly (no WAT text to parse): ``n`` functions
``(i32) -> i32`` of arithmetic, in call chains of 50, and a ``_start`` export. Only
``_start`` is exported, so instantiating it costs nothing per function; compiling it
costs about 0.14 ms of CPU per function."""

from __future__ import annotations


def _uleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _sleb(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _section(ident: int, body: bytes) -> bytes:
    return bytes([ident]) + _uleb(len(body)) + body


def _vec(items: list[bytes]) -> bytes:
    return _uleb(len(items)) + b"".join(items)


def big_module(n: int) -> bytes:
    """The module's bytes."""
    types = _vec([b"\x60\x01\x7f\x01\x7f", b"\x60\x00\x00"])  # (i32) -> i32, () -> ()
    functions = _vec([b"\x00"] * n + [b"\x01"])
    exports = _vec([_uleb(6) + b"_start" + b"\x00" + _uleb(n)])
    bodies = []
    for i in range(n):
        code = bytearray()
        for k in range(12):  # x = x * c1 + (x ^ c2)
            code += b"\x20\x00\x41" + _sleb(k * 7 + i) + b"\x6c\x20\x00\x41" + _sleb(k) + b"\x73\x6a\x21\x00"
        if i % 50:
            code += b"\x20\x00\x10" + _uleb(i - 1) + b"\x21\x00"  # x = f[i-1](x)
        body = b"\x00" + bytes(code) + b"\x20\x00\x0b"
        bodies.append(_uleb(len(body)) + body)
    start = b"\x00\x41\x01\x10" + _uleb(n - 1) + b"\x1a\x0b"  # drop(f[n-1](1))
    bodies.append(_uleb(len(start)) + start)
    return (b"\0asm\x01\0\0\0" + _section(1, types) + _section(3, functions) + _section(7, exports)
            + _section(10, _vec(bodies)))
