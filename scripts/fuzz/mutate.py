"""Mutations of wasm binaries: byte flips, truncation, section duplication, removal and
swapping, LEB128 edits, interesting values and splicing with another module. Each returns
the new bytes and a short description (kept in the reproducer)."""

from __future__ import annotations

import random
from collections.abc import Callable

INTERESTING = (b"\x00", b"\x7f", b"\x80", b"\xff", b"\x40", b"\x70", b"\x6f", b"\x64", b"\x63",
               b"\xff\xff\xff\xff\x0f", b"\x80\x80\x80\x80\x00", b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")
"""Bytes worth writing: 0, type codes, continuation bits, the largest u32 and u64 LEBs."""


def uleb(n: int) -> bytes:
    """``n`` as unsigned LEB128."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def read_uleb(data: bytes, pos: int) -> tuple[int, int]:
    """(value, next position) of the LEB128 at ``pos``; raises IndexError past the end."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80 or shift > 70:
            return value, pos


def sections(data: bytes) -> list[tuple[int, bytes]] | None:
    """(id, payload) of each section, or None if the bytes do not split into sections."""
    out = []
    pos = 8
    try:
        while pos < len(data):
            sid = data[pos]
            size, start = read_uleb(data, pos + 1)
            if start + size > len(data):
                return None
            out.append((sid, data[start:start + size]))
            pos = start + size
    except IndexError:
        return None
    return out


def join(parts: list[tuple[int, bytes]]) -> bytes:
    """A module of these sections."""
    return b"\0asm\x01\0\0\0" + b"".join(bytes([sid]) + uleb(len(body)) + body for sid, body in parts)


def _flip(rng: random.Random, data: bytearray) -> str:
    if not data:
        return _insert(rng, data)
    n = rng.choice((1, 1, 2, 4, 8))
    for _ in range(n):
        i = rng.randrange(8, len(data)) if len(data) > 8 else 0
        data[i] ^= 1 << rng.randrange(8)
    return f"flip x{n}"


def _set(rng: random.Random, data: bytearray) -> str:
    value = rng.choice(INTERESTING)
    i = rng.randrange(8, len(data)) if len(data) > 8 else 0
    data[i:i + len(value)] = value
    return f"set {value.hex()}@{i}"


def _insert(rng: random.Random, data: bytearray) -> str:
    i = rng.randrange(8, len(data) + 1) if len(data) > 8 else len(data)
    value = rng.choice(INTERESTING) if rng.random() < 0.5 else rng.randbytes(rng.randint(1, 8))
    data[i:i] = value
    return f"insert {value.hex()}@{i}"


def _truncate(rng: random.Random, data: bytearray) -> str:
    keep = rng.randrange(0, len(data)) if data else 0
    del data[keep:]
    return f"truncate@{keep}"


def _leb(rng: random.Random, data: bytearray) -> str:
    """Re-encode a LEB128 found at a random place: overlong, huge, zero or off by one."""
    i = rng.randrange(8, len(data)) if len(data) > 8 else 0
    try:
        value, end = read_uleb(bytes(data), i)
    except IndexError:
        return "leb (none)"
    choice = rng.choice(("overlong", "huge", "zero", "plus", "minus", "u32max", "u64max"))
    new = {
        "overlong": bytes(b | 0x80 for b in uleb(value)) + b"\x00",
        "huge": uleb(value + (1 << rng.choice((16, 28, 31, 32)))),
        "zero": b"\x00", "plus": uleb(value + 1), "minus": uleb(max(value - 1, 0)),
        "u32max": uleb((1 << 32) - 1), "u64max": uleb((1 << 64) - 1),
    }[choice]
    data[i:end] = new
    return f"leb {choice}@{i}"


def _section_op(rng: random.Random, data: bytearray, other: Callable[[], bytes]) -> str:
    parts = sections(bytes(data))
    if not parts:
        return _flip(rng, data)
    op = rng.choice(("duplicate", "remove", "swap", "splice", "resize"))
    i = rng.randrange(len(parts))
    if op == "duplicate":
        parts.insert(rng.randrange(len(parts) + 1), parts[i])
    elif op == "remove":
        parts.pop(i)
    elif op == "swap":
        j = rng.randrange(len(parts))
        parts[i], parts[j] = parts[j], parts[i]
    elif op == "splice":
        theirs = sections(other()) or []
        if theirs:
            parts.insert(i, rng.choice(theirs))
    else:  # keep the section but give it a body size that lies
        sid, body = parts[i]
        rebuilt = join(parts[:i])
        tail = join(parts[i + 1:])[8:]
        lie = max(0, len(body) + rng.choice((-2, -1, 1, 2, 1 << 20)))
        data[:] = rebuilt + bytes([sid]) + uleb(lie) + body + tail
        return f"section resize #{i}"
    data[:] = join(parts)
    return f"section {op} #{i}"


def _crossover(rng: random.Random, data: bytearray, other: Callable[[], bytes]) -> str:
    theirs = other()
    cut = rng.randrange(8, len(data) + 1) if len(data) > 8 else len(data)
    their_cut = rng.randrange(8, len(theirs) + 1) if len(theirs) > 8 else len(theirs)
    data[cut:] = theirs[their_cut:]
    return f"crossover@{cut}"


def mutate(rng: random.Random, data: bytes, other: Callable[[], bytes]) -> tuple[bytes, str]:
    """``data`` after one to three mutations, and what they were; ``other()`` gives another
    module for splicing."""
    out = bytearray(data)
    done = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        op = rng.choices(("flip", "set", "insert", "truncate", "leb", "section", "crossover"),
                         (4, 3, 1, 1, 3, 3, 1))[0]
        if op in ("section", "crossover"):
            done.append((_section_op if op == "section" else _crossover)(rng, out, other))
        else:
            done.append({"flip": _flip, "set": _set, "insert": _insert, "truncate": _truncate, "leb": _leb}[op](rng, out))
    return bytes(out), ", ".join(done)
