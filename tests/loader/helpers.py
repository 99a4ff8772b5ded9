"""Release-like archives built from given bytes, and small checks on the cache."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import wt_loader

PLATFORM = wt_loader.detect_platform()


def make_tar(library: bytes, platform: wt_loader.Platform = PLATFORM, *,
             extra: list[tarfile.TarInfo | tuple[str, bytes]] | None = None,
             with_library: bool = True) -> bytes:
    """A .tar.xz in the release layout: ``<root>/lib/<library>``, a ``min/`` decoy, a
    header; ``extra`` members (name and bytes, or a ready TarInfo such as a link) follow."""
    root = platform.archive_root
    members: list[tarfile.TarInfo | tuple[str, bytes]] = [
        (f"{root}/include/wasmtime.h", b"/* header */\n"),
        (f"{root}/min/lib/{platform.library_name}", b"the min build, not the library"),
    ]
    if with_library:
        members.append((platform.library_member, library))
    members += extra or []
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:xz", preset=0) as tf:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tf.addfile(member)
                continue
            name, data = member
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_zip(library: bytes, platform: wt_loader.Platform, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A .zip in the Windows release layout, with a ``min/`` decoy."""
    root = platform.archive_root
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(f"{root}/include/wasmtime.h", b"/* header */\n")
        zf.writestr(f"{root}/min/lib/{platform.library_name}", b"the min build, not the library")
        zf.writestr(platform.library_member, library)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def symlink(name: str, target: str) -> tarfile.TarInfo:
    """A symbolic-link tar member."""
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


def asset_path(prefix: str = "/mirror") -> str:
    """The path the loader asks the server for, under ``WT_DOWNLOAD_URL=<server>/mirror``."""
    return f"{prefix}/v{wt_loader.WASMTIME_VERSION}/{PLATFORM.asset_name}"


def leftovers(cache: Path) -> list[str]:
    """Every file under the cache but the lock files, by name."""
    if not cache.exists():
        return []
    return sorted(p.name for p in cache.rglob("*") if p.name != ".lock" and not p.is_dir())


def entries(cache: Path) -> list[str]:
    """Every entry (files and folders) under the cache's platform folder, by name."""
    folder = wt_loader.cache_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
