"""The files of a disk compilation cache: one entry per compiled module, checked before
wasmtime loads it.

``<key>.wtc``    the artifact wasmtime serialised, then a trailer: the key, the artifact's
                 SHA-256 tree digest (``digest.py``) and length, and a magic. wasmtime
                 reads the file as it is (an ELF image with bytes after it), mapping it
                 rather than copying it.
``<key>.stamp``  the record of the entry's last full verification: the file's identity
                 (device, inode, size, modification and change times). While the entry's
                 metadata still matches, a load skips the SHA-256: any write to the entry
                 changes its change time, which no one can set back. The stamp's own
                 modification time is the entry's last use, for the size bound.

A stamp is only written for an entry whose change time is at least ``RACY_NS`` in the
past: a write in the same tick of the file system's clock would leave the change time as
it was (git's "racily clean" problem). Windows has no change time in ``os.stat`` and
keeps a mapped file from being replaced, so there every load verifies the whole entry
and wasmtime reads a private copy-on-write mapping instead.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import stat
import struct
import threading
import time
from pathlib import Path

from wt_ffi import engine as _engine
from wt_ffi import module as _module
from wt_ffi.records import Record

from ._artifacts import MODULES, Artifacts
from ._digest import tree_sha256


ENTRY = ".wtc"
STAMP = ".stamp"
ALIAS = ".alias"  # WAT text's key -> its binary's key
PATH = ".path"  # a module file's path key -> the file's identity when it was read, and its key
TRAILER = struct.Struct("<32s32sQ8s")  # key, SHA-256 of the artifact, artifact length, magic
MAGIC = b"WTCACHE2"
_STAMP = struct.Struct("<8s32sQQQqq")  # magic, key, device, inode, size, mtime_ns, ctime_ns
_STAMP_MAGIC = b"WTSTAMP1"
RACY_NS = 2_000_000_000  # how old an entry's change time must be before a stamp vouches for it
STALE_TEMP = 3600.0  # seconds after which a leftover temporary file is removed
_POSIX = os.name == "posix"
TRUSTS_STAMPS = _POSIX  # where os.stat has a change time no one can set back


class Rejected(Exception):
    """An entry that must not be loaded; the message says why."""


class Entry(Record):
    """One entry as a directory scan sees it."""

    path: Path
    size: int
    last_used: float


class DiskEntries:
    """The entries of one directory. ``trust_stamps`` and ``map_files`` are on where the
    platform allows them (tests turn them off to exercise the other way)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.trust_stamps = TRUSTS_STAMPS
        self.map_files = _POSIX and hasattr(os, "pread")

    def path(self, key: bytes, suffix: str = ENTRY) -> Path:
        return self.directory / (key.hex() + suffix)

    # -- loading --------------------------------------------------------------------
    def load(self, engine: ctypes._Pointer[_engine.wasm_engine_t], key: bytes,
             kind: Artifacts = MODULES) -> ctypes._Pointer[_module.wasmtime_module_t] | None:
        """The module in ``key``'s entry, or None if there is none. Raises :class:`Rejected`
        (after removing the entry) if the entry is corrupt, truncated, foreign, refused, or
        not a regular file."""
        path = self.path(key)
        try:
            # Non-blocking: a FIFO planted as an entry must not block the open.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._reject(path, f"cannot read it: {exc}") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise self._reject(path, "not a regular file")
            length, digest = self._check_trailer(fd, st.st_size, key, path)
            stamp = identity(key, st)
            sidecar = self.path(key, STAMP)
            trusted = self.trust_stamps and _read_small(sidecar) == stamp
            if not trusted:
                if _sha256(fd, length) != digest:
                    raise self._reject(path, "its SHA-256 does not match (corrupt)")
                if identity(key, os.fstat(fd)) != stamp:
                    raise self._reject(path, "it changed while it was being verified")
            module = self._deserialize(engine, fd, path, length, stamp, key, kind)
        finally:
            os.close(fd)
        if module is None:
            raise self._reject(path, "wasmtime refused it (another engine or version)")
        self._record_use(sidecar, trusted, stamp, st)
        return module

    def _check_trailer(self, fd: int, size: int, key: bytes, path: Path) -> tuple[int, bytes]:
        if size < TRAILER.size:
            raise self._reject(path, "truncated (no trailer)")
        stored_key, digest, length, magic = TRAILER.unpack(_read_at(fd, TRAILER.size, size - TRAILER.size))
        if magic != MAGIC:
            raise self._reject(path, "not a wt cache entry (or truncated)")
        if stored_key != key:
            raise self._reject(path, "written for another key")
        if length != size - TRAILER.size:
            raise self._reject(path, f"its length does not match ({size - TRAILER.size} of {length} bytes)")
        return length, digest

    def _deserialize(self, engine: ctypes._Pointer[_engine.wasm_engine_t], fd: int, path: Path, length: int,
                     stamp: bytes, key: bytes, kind: Artifacts) -> ctypes._Pointer[_module.wasmtime_module_t] | None:
        if not self.map_files:
            mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_COPY)
            try:
                loaded = kind.deserialize(engine, mapped, length)
            finally:
                _unmap(mapped)
            return None if isinstance(loaded, str) else loaded
        # wasmtime maps the file itself. Through /proc/self/fd (or /dev/fd) it opens the
        # very file verified above; by name, the file is checked again afterwards.
        by_fd = _fd_path(fd)
        module: ctypes._Pointer[_module.wasmtime_module_t] | str = kind.deserialize_file(engine, by_fd or path)
        if isinstance(module, str):
            return None
        if by_fd is None:
            try:
                same = identity(key, os.stat(path)) == stamp
            except OSError:
                same = False
            if not same:
                kind.delete(module)
                raise Rejected("replaced while it was being loaded")  # another writer's: leave it
        return module

    def _record_use(self, sidecar: Path, trusted: bool, stamp: bytes, st: os.stat_result) -> None:
        try:
            if trusted:
                os.utime(sidecar)
                return
            vouch = self.trust_stamps and time.time_ns() - max(st.st_ctime_ns, st.st_mtime_ns) >= RACY_NS
            write_atomic(sidecar, stamp if vouch else b"")
        except OSError:
            pass  # a stamp only saves a verification

    def _reject(self, path: Path, why: str) -> Rejected:
        if not unlink(path):
            try:
                os.rmdir(path)  # an empty directory where the entry belongs
            except OSError:
                pass  # left in place: every compile of this module then skips the cache
        unlink(path.with_suffix(STAMP))
        return Rejected(why)

    # -- storing and housekeeping -----------------------------------------------------
    def store(self, key: bytes, artifact: bytes) -> Path:
        """Write ``key``'s entry (atomically). Raises OSError."""
        path = self.path(key)
        trailer = TRAILER.pack(key, tree_sha256(artifact), len(artifact), MAGIC)
        write_atomic(path, artifact, trailer)
        unlink(path.with_suffix(STAMP))  # a stamp of the entry this one replaced
        return path

    def entries(self) -> list[Entry]:
        """Every entry, with its size and the time it was last used; removes temporary
        files older than an hour and stamps whose entry is gone."""
        sizes: dict[str, tuple[int, float]] = {}
        stamps: dict[str, float] = {}
        now = time.time()
        try:
            scan = os.scandir(self.directory)
        except OSError:
            return []
        with scan:
            for item in scan:
                stem, _, suffix = item.name.rpartition(".")
                try:
                    if suffix == ENTRY[1:]:
                        st = item.stat()
                        sizes[stem] = (st.st_size, st.st_mtime)
                    elif suffix == STAMP[1:]:
                        stamps[stem] = item.stat().st_mtime
                    elif suffix == "tmp" and item.name.startswith("."):
                        if now - item.stat().st_mtime > STALE_TEMP:
                            unlink(Path(item.path))
                except OSError:
                    continue
        for stem in stamps.keys() - sizes.keys():
            unlink(self.directory / (stem + STAMP))
        return [Entry(self.directory / (stem + ENTRY), size, max(mtime, stamps.get(stem, mtime)))
                for stem, (size, mtime) in sizes.items()]

    def evict(self, max_size: int, keep: Path) -> int:
        """Remove the least recently used entries until at most ``max_size`` bytes remain
        (never ``keep``); the number removed."""
        entries = self.entries()
        total = sum(e.size for e in entries)
        evicted = 0
        for entry in sorted(entries, key=lambda e: e.last_used):
            if total <= max_size:
                break
            if entry.path == keep:
                continue
            if unlink(entry.path):
                evicted += 1
            unlink(entry.path.with_suffix(STAMP))
            total -= entry.size
        return evicted

    def clear(self) -> None:
        """Remove every entry, stamp and alias."""
        for suffix in (ENTRY, STAMP, ALIAS, PATH):
            for path in self.directory.glob("*" + suffix):
                unlink(path)

    def read_alias(self, text_key: bytes) -> bytes | None:
        data = _read_small(self.path(text_key, ALIAS))
        return data if data is not None and len(data) == 32 else None

    def write_alias(self, text_key: bytes, key: bytes) -> None:
        path = self.path(text_key, ALIAS)
        if _read_small(path) != key:
            try:
                write_atomic(path, key)
            except OSError:
                pass  # an alias only saves a translation

    def read_path_alias(self, path_key: bytes) -> tuple[bytes, bytes] | None:
        data = _read_small(self.path(path_key, PATH))
        if data is None or len(data) != _STAMP.size + 32:
            return None
        return data[:_STAMP.size], data[_STAMP.size:]

    def write_path_alias(self, path_key: bytes, identity: bytes, key: bytes) -> None:
        try:
            write_atomic(self.path(path_key, PATH), identity, key)
        except OSError:
            pass  # a path alias only saves reading and hashing a file


# -- helpers --------------------------------------------------------------------------
def write_atomic(path: Path, *parts: bytes) -> None:
    """Write ``parts`` to ``path`` through a temporary file renamed into place, so that
    readers (in any process) see the old file or the whole new one. Raises OSError."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            for part in parts:
                f.write(part)
        os.replace(tmp, path)
    except BaseException:
        unlink(tmp)
        raise


def unlink(path: Path) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def identity(key: bytes, st: os.stat_result) -> bytes:
    """What identifies the file ``st`` describes (under ``key``) until someone writes to it."""
    return _STAMP.pack(_STAMP_MAGIC, key, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _read_small(path: Path) -> bytes | None:
    """The start of a small sidecar file, or None if there is no regular file there (a
    FIFO must not block the read)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, _STAMP.size + 33)
    except OSError:
        return None
    finally:
        os.close(fd)


def _read_at(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # the descriptor is this call's own
    return os.read(fd, size)


def _sha256(fd: int, length: int) -> bytes:
    if length == 0:
        return tree_sha256(b"")
    mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    try:
        return tree_sha256(memoryview(mapped)[:length])
    finally:
        _unmap(mapped)


def _unmap(mapped: mmap.mmap) -> None:
    """Close a map. One still viewed, by the traceback of an exception in flight (a signal
    handler that raised while it was read), is left to close as that view is freed: closing
    it now would replace the exception with BufferError."""
    try:
        mapped.close()
    except BufferError:
        pass


_FD_DIR: list[str | None] = []


def _fd_path(fd: int) -> str | None:
    """A path that opens the file behind ``fd`` itself, where the system has one."""
    if not _FD_DIR:
        _FD_DIR.append(next((d for d in ("/proc/self/fd", "/dev/fd") if os.path.isdir(d)), None))
    directory = _FD_DIR[0]
    return None if directory is None else f"{directory}/{fd}"
