"""Taking the library out of a release archive, refusing anything unsafe or corrupt.

Only the one library member is read, never written under its own name: it is streamed
to the cache's installer, which checks its digest. Every member is still checked, so an
archive that holds a path escaping its folder (absolute, ``..``, a link pointing out) is
refused whole: such an archive is not the release.
"""

from __future__ import annotations

import gzip
import io
import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from .errors import IntegrityError
from .platforms import Platform

__all__ = ["library_chunks"]

_CHUNK = 1 << 20


def _escapes(name: str) -> bool:
    """True if a member name is absolute or climbs out of the archive's folder."""
    name = name.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return True
    return ".." in posixpath.normpath(name).split("/")


def _refuse(archive: Path, why: str) -> IntegrityError:
    return IntegrityError(f"{archive.name} {why}: refused, nothing was installed")


def _tar_chunks(archive: Path, wanted: str) -> Iterator[bytes]:
    with open(archive, "rb") as raw:
        magic = raw.read(6)
        raw.seek(0)
        stream: io.BufferedIOBase = (lzma.LZMAFile(raw) if magic == b"\xfd7zXZ\x00" else
                            gzip.GzipFile(fileobj=raw) if magic[:2] == b"\x1f\x8b" else raw)
        found = False
        # Stream mode ("r|"): one pass over the compressed data, no seeking back.
        with stream, tarfile.open(fileobj=stream, mode="r|") as tf:
            for m in tf:
                if _escapes(m.name):
                    raise _refuse(archive, f"has a member whose path escapes its folder ({m.name!r})")
                if m.issym() and _escapes(posixpath.join(posixpath.dirname(m.name), m.linkname)):
                    raise _refuse(archive, f"has a link pointing out of its folder ({m.name!r} -> {m.linkname!r})")
                if m.islnk() and _escapes(m.linkname):
                    raise _refuse(archive, f"has a link pointing out of its folder ({m.name!r} -> {m.linkname!r})")
                if m.name.removeprefix("./") != wanted:
                    continue
                if found:
                    raise _refuse(archive, f"holds {wanted} twice")
                if not m.isfile():
                    raise _refuse(archive, f"holds {wanted} as a link or special file, not a regular file")
                data = tf.extractfile(m)
                if data is None:  # pragma: no cover - isfile() was checked
                    raise _refuse(archive, f"cannot read {wanted}")
                with data:
                    while block := data.read(_CHUNK):
                        yield block
                found = True
            # Read to the end of the compressed stream: a cut-off archive fails here even
            # when the cut spared every member.
            while stream.read(_CHUNK):
                pass
    if not found:
        raise _refuse(archive, f"has no {wanted}")


def _zip_chunks(archive: Path, wanted: str) -> Iterator[bytes]:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if _escapes(info.filename):
                raise _refuse(archive, f"has a member whose path escapes its folder ({info.filename!r})")
        matches = [i for i in zf.infolist() if i.filename == wanted]
        if not matches:
            raise _refuse(archive, f"has no {wanted}")
        if len(matches) > 1:
            raise _refuse(archive, f"holds {wanted} twice")
        info = matches[0]
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver set no Unix type
        if info.is_dir() or kind not in (0, stat.S_IFREG):
            raise _refuse(archive, f"holds {wanted} as a link or special file, not a regular file")
        with zf.open(info) as f:  # checks the CRC at the end
            while block := f.read(_CHUNK):
                yield block


def library_chunks(archive: Path, platform: Platform) -> Iterator[bytes]:
    """The bytes of the archive's ``<root>/lib/`` library (never ``min/``), in chunks.

    A ``.zip`` is read with :mod:`zipfile`, anything else as a tar (xz, gzip or plain). Raises
    :class:`IntegrityError` for a truncated or corrupt archive, a missing, duplicated or
    non-regular library member, and any member whose path escapes the archive's folder;
    the whole archive is checked before the iterator ends.
    """
    read = _zip_chunks if archive.name.endswith(".zip") else _tar_chunks  # .tar.xz, .tar.gz, .tar
    try:
        yield from read(archive, platform.library_member)
    except IntegrityError:
        raise
    except (tarfile.TarError, zipfile.BadZipFile, lzma.LZMAError, gzip.BadGzipFile, zlib.error, EOFError,
            OSError) as exc:
        raise _refuse(archive, f"is truncated or corrupt ({type(exc).__name__}: {exc})") from exc
