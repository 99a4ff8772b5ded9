"""Taking the library out of a release archive, refusing anything unsafe or corrupt."""

from __future__ import annotations

import lzma
import posixpath
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from .errors import IntegrityError
from .platforms import Platform

__all__ = ["library_chunks"]


def _check_member_name(name: str, archive: Path) -> None:
    normalized = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":") or normalized.startswith("..") \
            or "/../" in f"/{normalized}/":
        raise IntegrityError(f"{archive.name} has a member whose path escapes its folder ({name!r}): refused")


def library_chunks(archive: Path, platform: Platform, chunk_size: int = 1 << 20) -> Iterator[bytes]:
    """The bytes of the archive's ``lib/`` library (never ``min/``), in chunks.

    Every member name is checked first: an absolute path or one with ``..`` anywhere in
    the archive refuses the whole archive; the library member must be a regular file.
    A truncated or corrupt archive raises :class:`IntegrityError`.
    """
    wanted = platform.library_member
    try:
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                for info in zf.infolist():
                    _check_member_name(info.filename, archive)
                try:
                    info = zf.getinfo(wanted)
                except KeyError:
                    raise IntegrityError(f"{archive.name} has no {wanted}") from None
                with zf.open(info) as f:
                    while block := f.read(chunk_size):
                        yield block
            return
        with tarfile.open(archive, mode="r:*") as tf:
            member = None
            for m in tf:
                _check_member_name(m.name, archive)
                if m.issym() or m.islnk():
                    _check_member_name(posixpath.join(posixpath.dirname(m.name), m.linkname), archive)
                if m.name == wanted or m.name == f"./{wanted}":
                    if not m.isfile():
                        raise IntegrityError(f"{wanted} in {archive.name} is not a regular file (a link?): refused")
                    member = m
            if member is None:
                raise IntegrityError(f"{archive.name} has no {wanted}")
            data = tf.extractfile(member)
            if data is None:  # pragma: no cover - isfile() was checked
                raise IntegrityError(f"cannot read {wanted} from {archive.name}")
            with data:
                while block := data.read(chunk_size):
                    yield block
    except (tarfile.TarError, zipfile.BadZipFile, lzma.LZMAError, zlib.error, EOFError, OSError) as exc:
        if isinstance(exc, IntegrityError):
            raise
        raise IntegrityError(f"{archive.name} is truncated or corrupt: {exc}") from exc
