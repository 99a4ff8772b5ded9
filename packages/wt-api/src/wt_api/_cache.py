"""Compilation caches: reuse wasmtime's compiled code instead of compiling a module again.

``CompilationCache()`` keeps compiled artifacts in memory, for every runtime of this
process that uses it; ``CompilationCache.with_dir(path)`` keeps them in files, for other
processes too. ``RuntimeConfig().with_compilation_cache(cache)`` makes a Runtime's
``compile_module`` look there first.

The key of an entry is a SHA-256 over the module's bytes, the engine settings that shape
the generated code (features, optimisation level, debug info, fuel, epochs, stack size,
pooling, ...), the wasmtime version and the platform (OS, machine, CPU flags), so a
change in any of them never reuses a stale artifact.

wasmtime loads an artifact without checking its code: loading bytes wt did not write
could run anything. So each file carries a trailer (the key, the artifact's length and
SHA-256, a magic) after the artifact, and is verified in full before wasmtime first sees
it; a small stamp file then records the verified file's identity, so that later loads,
in any process, skip the digest while the file stays untouched (any write changes its
change time). wasmtime maps the verified file instead of copying it. A corrupt,
truncated or foreign file, or one wasmtime refuses, is ignored, counted in
``stats().rejected`` and rewritten. A directory that other users can write to is
refused. Files are written to a temporary name and renamed into place, so writers in
several processes at once leave one complete entry, and never change a file in place.
With ``max_size`` the least recently used entries are removed past that many bytes.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections import OrderedDict

from wt_ffi import engine as _engine
from wt_ffi import module as _module
from wt_ffi.records import Record

from ._artifacts import MODULES, Artifacts, Source, is_binary
from ._cache_keys import cache_key, key_of
from ._errors import ClosedError, ConfigError
from ._handle import Closeable

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from pathlib import Path

    from ._cache_disk import DiskEntries

__all__ = ["CompilationCache", "CacheStats"]

_TRAILER_SIZE = 80  # bytes a disk entry adds to its artifact (_cache_disk.TRAILER.size)


class CacheStats(Record):
    """What a cache did since it was made: ``hits`` (modules loaded instead of compiled),
    ``misses`` (compiled), ``writes`` (entries stored), ``rejected`` (entries found corrupt,
    foreign or incompatible, ignored and rewritten), ``errors`` (entries that could not be
    stored, e.g. a full or read-only disk) and ``evictions``.

    Thread-safety: a value."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    rejected: int = 0
    errors: int = 0
    evictions: int = 0


def _log(level: int, message: str, *args: object) -> None:
    import logging  # (~9 ms at start-up: only a cache that has something to report pays it)

    logging.getLogger("wt.cache").log(level, message, *args)


# -- the cache ----------------------------------------------------------------------
class CompilationCache(Closeable):
    """Compiled modules to reuse, in memory (``CompilationCache()``) or in a directory
    (``CompilationCache.with_dir(path)``). ``max_size`` bounds the bytes kept: past it the
    least recently used entries go. Use it through
    ``RuntimeConfig().with_compilation_cache(cache)``; ``close()`` it when done (a Runtime
    using a closed cache raises :class:`~wt_api.ClosedError` when compiling).

    Thread-safety: share one cache freely across threads and runtimes; a directory may be
    shared by several processes at once.
    """

    def __init__(self, *, max_size: int | None = None) -> None:
        if max_size is not None and (isinstance(max_size, bool) or not isinstance(max_size, int) or max_size <= 0):
            raise ConfigError(f"max_size must be a positive int of bytes or None, not {max_size!r}")
        self._max_size = max_size
        self._directory: Path | None = None
        self._disk: DiskEntries | None = None
        self._lock = threading.Lock()
        self._memory: OrderedDict[bytes, bytes] = OrderedDict()
        self._aliases: dict[bytes, bytes] = {}  # the key of WAT text -> the key of its binary
        self._path_aliases: dict[bytes, tuple[bytes, bytes]] = {}  # a file's key -> (its identity, its key)
        self._memory_bytes = 0
        self._stats = CacheStats()
        self._closed = False
        self._warned = False

    @classmethod
    def with_dir(cls, path: str | os.PathLike[str], *, max_size: int | None = None) -> CompilationCache:
        """A cache kept in the directory ``path`` (``~`` expanded; created if missing).

        Raises :class:`~wt_api.ConfigError` if the directory cannot be created or written,
        or if other users may write to it."""
        from pathlib import Path  # (with the disk backend, ~8 ms at start-up: in-memory caches skip it)

        from ._cache_disk import DiskEntries  # (the disk backend: only caches with a directory load it)

        cache = cls(max_size=max_size)
        directory = Path(os.fspath(path)).expanduser()
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the compilation cache directory {directory}: {exc}") from exc
        if not directory.is_dir():
            raise ConfigError(f"the compilation cache path {directory} is not a directory")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise ConfigError(f"the compilation cache directory {directory} is not writable")
        if hasattr(os, "getuid"):
            st = directory.stat()
            if st.st_uid != os.getuid() or st.st_mode & 0o002:
                raise ConfigError(f"the compilation cache directory {directory} can be written by other users; "
                                  "wt only loads compiled code from a directory of your own")
        cache._directory = directory
        cache._disk = DiskEntries(directory)
        return cache

    @staticmethod
    def default_dir() -> Path:
        """The directory wt's own tools keep compiled modules in: ``modules`` in wt's user
        cache directory (``WT_CACHE_DIR``, else e.g. ``~/.cache/wt``), beside the cached
        libwasmtime."""
        from wt_ffi import cache_root  # (pathlib with it: only callers pay for it)

        return cache_root() / "modules"

    @property
    def directory(self) -> Path | None:
        """The cache's directory, or None for an in-memory cache."""
        return self._directory

    @property
    def max_size(self) -> int | None:
        """The bound on the bytes kept, or None."""
        return self._max_size

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def stats(self) -> CacheStats:
        """Counters of what this cache object did (not other processes)."""
        with self._lock:
            return self._stats

    def _count(self, **deltas: int) -> None:
        with self._lock:
            self._stats = self._stats.replace(**{k: getattr(self._stats, k) + v for k, v in deltas.items()})

    def clear(self) -> None:
        """Remove every entry (the directory's ``*.wtc``, ``*.stamp``, ``*.alias`` and
        ``*.path`` files for a disk cache)."""
        with self._lock:
            self._memory.clear()
            self._aliases.clear()
            self._path_aliases.clear()
            self._memory_bytes = 0
        if self._disk is not None:
            self._disk.clear()

    def close(self) -> None:
        """Stop using the cache (files stay on disk; memory entries are dropped). Idempotent."""
        self._closed = True
        with self._lock:
            self._memory.clear()
            self._memory_bytes = 0

    def __repr__(self) -> str:
        where = f"dir={str(self._directory)!r}" if self._directory is not None else "memory"
        return f"<CompilationCache {where}{' closed' if self._closed else ''}>"

    # -- used by the compile functions (wt_api._compiled) ------------------------------
    def _fetch(self, engine: ctypes._Pointer[_engine.wasm_engine_t], fingerprint: str, source: Source,
              content: bytes | None = None, kind: Artifacts = MODULES
              ) -> tuple[ctypes._Pointer[_module.wasmtime_module_t], bytes]:
        """The module (or component: ``kind``) compiled from ``source`` by ``engine`` (of
        ``fingerprint``), loaded from the cache when an entry fits, else compiled and stored;
        and its key. ``content``: the content digest of ``source`` (a module's wasm binary;
        see :func:`key_of`), when known."""
        if self._closed:
            raise ClosedError("this runtime's compilation cache is closed")
        # An entry is keyed by the wasm binary. WAT text also gets a small alias (its text's
        # key -> the binary's key), so that a hit skips the translation, which for a large
        # module costs as much as tens of hits.
        text_key: bytes | None = None
        if not is_binary(source):
            text = source.encode("utf-8") if isinstance(source, str) else bytes(source)
            text_key = cache_key(text, fingerprint, kind=b"wat" if kind is MODULES else kind.tag + b"-wat")
            aliased = self._read_alias(text_key)
            if aliased is not None:
                module = self._load(engine, aliased, kind)
                if module is not None:
                    self._count(hits=1)
                    return module, aliased
        wasm = kind.to_binary(source)
        key = cache_key(wasm, fingerprint, kind=kind.tag) if content is None else key_of(content, fingerprint)
        module = self._load(engine, key, kind)
        if module is not None:
            self._count(hits=1)
        else:
            module = kind.compile(engine, wasm)
            self._count(misses=1)
            try:
                artifact = kind.serialize(module)
            except Exception as exc:  # pragma: no cover - wasmtime serialises what it compiled
                self._count(errors=1)
                _log(30, "wt: could not serialise a compiled module for the cache: %s", exc)
                return module, key
            self._store(key, artifact)
        if text_key is not None:
            self._write_alias(text_key, key)
        return module, key

    def _lookup(self, engine: ctypes._Pointer[_engine.wasm_engine_t],
               key: bytes) -> ctypes._Pointer[_module.wasmtime_module_t] | None:
        """The module in ``key``'s entry (counted as a hit), or None; never compiles."""
        if self._closed:
            raise ClosedError("this runtime's compilation cache is closed")
        module = self._load(engine, key)
        if module is not None:
            self._count(hits=1)
        return module

    def _fetch_file(self, engine: ctypes._Pointer[_engine.wasm_engine_t], fingerprint: str,
                   path: str | os.PathLike[str], kind: Artifacts = MODULES) -> ctypes._Pointer[_module.wasmtime_module_t]:
        """The module compiled from the file ``path``. A file this cache saw before and that
        has not changed since (same device, inode, size, modification and change times;
        POSIX only) finds its entry without being read."""
        import time  # (with the disk helpers: only compile_file through a cache pays for them)

        from ._cache_disk import RACY_NS, TRUSTS_STAMPS, identity  # (the disk helpers: only compile_file through a cache loads them)

        if self._closed:
            raise ClosedError("this runtime's compilation cache is closed")
        real = os.path.realpath(path)
        path_key = cache_key(os.fsencode(real), fingerprint, kind=b"path" if kind is MODULES else kind.tag + b"-path")
        trust = TRUSTS_STAMPS if self._disk is None else self._disk.trust_stamps
        if trust:
            known = self._read_path_alias(path_key)
            if known is not None and known[0] == identity(path_key, os.stat(real)):
                module = self._load(engine, known[1], kind)
                if module is not None:
                    self._count(hits=1)
                    return module
        with open(real, "rb") as f:
            before = os.fstat(f.fileno())
            read_as = identity(path_key, before)
            data = f.read()
            unchanged = identity(path_key, os.fstat(f.fileno())) == read_as
        module, key = self._fetch(engine, fingerprint, data, kind=kind)
        # As for stamps (_cache_disk): a file changed in the tick of its last change could
        # keep its change time, so only a file older than that is remembered.
        if trust and unchanged and time.time_ns() - max(before.st_ctime_ns, before.st_mtime_ns) >= RACY_NS:
            self._write_path_alias(path_key, read_as, key)
        return module

    def _read_alias(self, text_key: bytes) -> bytes | None:
        if self._disk is None:
            with self._lock:
                return self._aliases.get(text_key)
        return self._disk.read_alias(text_key)

    def _write_alias(self, text_key: bytes, key: bytes) -> None:
        if self._disk is None:
            with self._lock:
                self._aliases[text_key] = key
        else:
            self._disk.write_alias(text_key, key)

    def _read_path_alias(self, path_key: bytes) -> tuple[bytes, bytes] | None:
        if self._disk is None:
            with self._lock:
                return self._path_aliases.get(path_key)
        return self._disk.read_path_alias(path_key)

    def _write_path_alias(self, path_key: bytes, identity: bytes, key: bytes) -> None:
        if self._disk is None:
            with self._lock:
                self._path_aliases[path_key] = (identity, key)
        else:
            self._disk.write_path_alias(path_key, identity, key)

    def _load(self, engine: ctypes._Pointer[_engine.wasm_engine_t], key: bytes,
              kind: Artifacts = MODULES) -> ctypes._Pointer[_module.wasmtime_module_t] | None:
        if self._disk is not None:
            from ._cache_disk import Rejected  # (loaded with the disk backend)

            try:
                return self._disk.load(engine, key, kind)
            except Rejected as exc:
                self._count(rejected=1)
                _log(20, "wt: ignoring compilation cache entry %s: %s", self._disk.path(key), exc)
                return None
        with self._lock:
            artifact = self._memory.get(key)
            if artifact is not None:
                self._memory.move_to_end(key)
        if artifact is None:
            return None
        module: ctypes._Pointer[_module.wasmtime_module_t] | str = kind.deserialize(engine, artifact, len(artifact))
        if isinstance(module, str):  # an artifact of another engine configuration
            self._count(rejected=1)
            with self._lock:
                self._drop_memory(key)
            return None
        return module

    def _store(self, key: bytes, artifact: bytes) -> None:
        if self._max_size is not None and len(artifact) + _TRAILER_SIZE > self._max_size:
            return  # bigger than the whole cache
        if self._disk is not None:
            self._store_file(key, artifact)
            return
        with self._lock:
            self._drop_memory(key)
            self._memory[key] = artifact
            self._memory_bytes += len(artifact)
            evicted = 0
            while self._max_size is not None and self._memory_bytes > self._max_size and len(self._memory) > 1:
                self._drop_memory(next(iter(self._memory)))
                evicted += 1
        self._count(writes=1, evictions=evicted)

    def _drop_memory(self, key: bytes) -> None:
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= len(old)

    def _store_file(self, key: bytes, artifact: bytes) -> None:
        assert self._disk is not None
        try:
            path = self._disk.store(key, artifact)
        except OSError as exc:
            self._count(errors=1)
            if not self._warned:
                self._warned = True
                _log(30, "wt: cannot write to the compilation cache %s (%s); modules are compiled without "
                     "caching", self._directory, exc)
            return
        self._count(writes=1)
        if self._max_size is not None:
            evicted = self._disk.evict(self._max_size, keep=path)
            if evicted:
                self._count(evictions=evicted)
