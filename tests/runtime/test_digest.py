"""The compilation cache's tree digest: the same on every machine, whatever its cores."""

from __future__ import annotations

import hashlib
import os
import threading
import types

import pytest

from wt_api import _digest as digest
from wt_api._digest import LEAF, tree_sha256


def reference(data: bytes, prefix: bytes = b"") -> bytes:
    top = hashlib.sha256(b"wt-tree-sha256\0")
    top.update(len(data).to_bytes(8, "little") + len(prefix).to_bytes(8, "little") + prefix)
    for i in range(0, len(data), LEAF):
        top.update(hashlib.sha256(data[i:i + LEAF]).digest())
    return top.digest()


SIZES = [0, 1, LEAF - 1, LEAF, LEAF + 1, 2 * LEAF, 5 * LEAF + 3]


@pytest.mark.parametrize("workers", [1, 2, 3, 4])
def test_the_digest_does_not_depend_on_the_threads(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(digest, "_WORKERS", workers)
    data = os.urandom(SIZES[-1])
    for size in SIZES:
        assert tree_sha256(data[:size]) == reference(data[:size]), size
        assert tree_sha256(memoryview(data)[:size], prefix=b"wat") == reference(data[:size], b"wat")


def test_prefix_and_length_are_part_of_it() -> None:
    assert tree_sha256(b"ab", prefix=b"wat") != tree_sha256(b"ab", prefix=b"wasm")
    assert tree_sha256(b"a", prefix=b"b") != tree_sha256(b"ba")
    assert tree_sha256(b"") != tree_sha256(b"\0")
    assert tree_sha256(bytearray(b"xyz")) == tree_sha256(b"xyz")


def test_an_error_in_a_worker_thread_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """A leaf a worker failed to hash must never turn into a wrong digest."""
    monkeypatch.setattr(digest, "_WORKERS", 2)
    def sha256(data: object = b"") -> object:
        if threading.current_thread() is not threading.main_thread():
            raise MemoryError("no room")
        return hashlib.sha256(data)  # type: ignore[arg-type]

    monkeypatch.setattr(digest, "hashlib", types.SimpleNamespace(sha256=sha256))
    with pytest.raises(MemoryError, match="no room"):
        tree_sha256(bytes(5 * LEAF))
