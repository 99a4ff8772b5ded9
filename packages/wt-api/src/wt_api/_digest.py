"""The SHA-256 tree digest the compilation cache keys and verifies with.

A large input is hashed as 1 MiB leaves whose digests are hashed again, so the leaves can
be hashed on several cores at once: hashlib releases the GIL while it hashes, and a cache
hit on a large module spends most of its time here. The shape of the tree depends only on
the input's length, never on the number of cores, so every machine computes the same
digest.
"""

from __future__ import annotations

import hashlib
import os
import threading

__all__ = ["tree_sha256"]

LEAF = 1 << 20
_MIN_PARALLEL = 2 * LEAF  # below this a thread costs more than it saves
_WORKERS = max(1, min(os.cpu_count() or 1, 4))


def tree_sha256(data: bytes | bytearray | memoryview, prefix: bytes = b"") -> bytes:
    """The digest of ``prefix`` and ``data``: SHA-256 over the prefix and the SHA-256 of
    each 1 MiB leaf of ``data``. Inputs of 2 MiB or more are hashed on up to four threads."""
    view = memoryview(data).cast("B")
    leaves = [view[i:i + LEAF] for i in range(0, len(view), LEAF)]
    digests: list[bytes] = [b""] * len(leaves)

    errors: list[BaseException] = []

    def work(lo: int, hi: int) -> None:
        try:
            for i in range(lo, hi):
                digests[i] = hashlib.sha256(leaves[i]).digest()
        except BaseException as exc:  # noqa: BLE001 - raised again by the caller's thread
            errors.append(exc)

    workers = _WORKERS if len(view) >= _MIN_PARALLEL else 1
    bounds = [len(leaves) * k // workers for k in range(workers + 1)]
    started: list[threading.Thread] = []
    try:
        for k in range(1, workers):
            thread = threading.Thread(target=work, args=(bounds[k], bounds[k + 1]), daemon=True)
            try:
                thread.start()
                started.append(thread)
            except RuntimeError:  # no more threads: hash those leaves here
                work(bounds[k], bounds[k + 1])
        work(bounds[0], bounds[1])
    finally:
        for thread in started:
            thread.join()
    if errors:
        raise errors[0]
    top = hashlib.sha256(b"wt-tree-sha256\0")
    top.update(len(view).to_bytes(8, "little"))
    top.update(len(prefix).to_bytes(8, "little"))
    top.update(prefix)
    for digest in digests:
        top.update(digest)
    return top.digest()
