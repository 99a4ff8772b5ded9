"""The key of a compilation cache entry: a SHA-256 over the module's content digest, the
engine settings that shape its code (the engine's fingerprint) and this platform (the
wasmtime version, OS, machine and CPU features)."""

from __future__ import annotations

import os
import sys

from wt_ffi import WASMTIME_VERSION

__all__ = ["cache_key", "key_of", "platform_fingerprint"]

_PLATFORM: list[str] = []


def platform_fingerprint() -> str:
    """The wasmtime version, OS, machine and CPU features: what else, beside the engine's
    settings, decides whether compiled code runs here."""
    if not _PLATFORM:
        machine = os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", "")
        flags = ""
        if sys.platform.startswith("linux"):
            try:
                with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                    for line in f:
                        if line.startswith(("flags", "Features")):
                            flags = " ".join(sorted(line.split(":", 1)[1].split()))
                            break
            except OSError:
                pass
        _PLATFORM.append(f"wasmtime {WASMTIME_VERSION}; {sys.platform}; {machine}; {flags}")
    return _PLATFORM[0]


def cache_key(data: bytes, fingerprint: str, *, kind: bytes = b"wasm") -> bytes:
    """The 32-byte key of ``data`` (a wasm binary; ``kind=b"wat"``: WAT text; ``b"path"``:
    a file's path) compiled by an engine of ``fingerprint`` on this platform."""
    from ._digest import tree_sha256  # (hashlib with it, ~2.6 ms: only runtimes with a cache pay it)

    return key_of(tree_sha256(data, prefix=kind), fingerprint)


def key_of(content: bytes, fingerprint: str) -> bytes:
    """The key of the module whose content digest (``tree_sha256(wasm, prefix=b"wasm")``) is
    ``content``, compiled by an engine of ``fingerprint`` on this platform."""
    import hashlib  # (~2.6 ms at start-up: only runtimes with a cache pay it)

    h = hashlib.sha256()
    for part in (b"wt-cache 2", content, fingerprint.encode(), platform_fingerprint().encode()):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()
