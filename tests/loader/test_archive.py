"""Reading the library out of release archives: the right member, and refusals."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

import wt_loader
from wt_loader.archive import library_chunks

from .helpers import PLATFORM, make_tar, make_zip, symlink

LIB = b"\x7fELF pretend library " * 1000
WINDOWS = wt_loader.Platform("x86_64", "windows")


def read(tmp_path: Path, data: bytes, platform: wt_loader.Platform = PLATFORM) -> bytes:
    archive = tmp_path / platform.asset_name
    archive.write_bytes(data)
    return b"".join(library_chunks(archive, platform))


def test_tar_gives_the_lib_member_not_min(tmp_path: Path) -> None:
    assert read(tmp_path, make_tar(LIB)) == LIB


def test_zip_gives_the_lib_member_not_min(tmp_path: Path) -> None:
    assert read(tmp_path, make_zip(LIB, WINDOWS), WINDOWS) == LIB


@pytest.mark.parametrize("evil", ["../evil.so", "/tmp/evil.so", "x/../../evil.so", "C:/evil.dll", "..\\evil.dll"])
def test_tar_escaping_member_refuses_the_archive(tmp_path: Path, evil: str) -> None:
    with pytest.raises(wt_loader.IntegrityError, match="escapes"):
        read(tmp_path, make_tar(LIB, extra=[(evil, b"evil")]))


@pytest.mark.parametrize("evil", ["../evil.dll", "/evil.dll", "a/../../evil.dll"])
def test_zip_escaping_member_refuses_the_archive(tmp_path: Path, evil: str) -> None:
    with pytest.raises(wt_loader.IntegrityError, match="escapes"):
        read(tmp_path, make_zip(LIB, WINDOWS, extra={evil: b"evil"}), WINDOWS)


@pytest.mark.parametrize("target", ["/etc/passwd", "../../../etc/passwd"])
def test_link_pointing_out_refuses_the_archive(tmp_path: Path, target: str) -> None:
    with pytest.raises(wt_loader.IntegrityError, match="link pointing out"):
        read(tmp_path, make_tar(LIB, extra=[symlink(f"{PLATFORM.archive_root}/lib/link", target)]))


def test_library_member_as_a_link_is_refused(tmp_path: Path) -> None:
    data = make_tar(LIB, with_library=False,
                    extra=[symlink(PLATFORM.library_member, f"../min/lib/{PLATFORM.library_name}")])
    with pytest.raises(wt_loader.IntegrityError, match="not a regular file"):
        read(tmp_path, data)


def test_missing_library_member(tmp_path: Path) -> None:
    with pytest.raises(wt_loader.IntegrityError, match="has no"):
        read(tmp_path, make_tar(LIB, with_library=False))


def test_duplicate_library_member(tmp_path: Path) -> None:
    with pytest.raises(wt_loader.IntegrityError, match="twice"):
        read(tmp_path, make_tar(LIB, extra=[(PLATFORM.library_member, b"second")]))


@pytest.mark.parametrize("cut", [0.3, 0.9, 0.999])
def test_truncated_tar_xz(tmp_path: Path, cut: float) -> None:
    data = make_tar(LIB * 20)
    with pytest.raises(wt_loader.IntegrityError, match="truncated or corrupt"):
        read(tmp_path, data[: int(len(data) * cut)])


def test_truncated_zip(tmp_path: Path) -> None:
    data = make_zip(LIB, WINDOWS)
    with pytest.raises(wt_loader.IntegrityError, match="truncated or corrupt"):
        read(tmp_path, data[: len(data) // 2], WINDOWS)


def test_corrupt_zip_member(tmp_path: Path) -> None:
    data = bytearray(make_zip(b"A" * 100_000, WINDOWS))
    at = bytes(data).index(b"A" * 8) if b"A" * 8 in data else len(data) // 3
    data[at] ^= 0xFF  # deflated data: flip a byte inside it; stored: inside the content
    with pytest.raises(wt_loader.IntegrityError):
        read(tmp_path, bytes(data), WINDOWS)


def test_garbage_is_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(wt_loader.IntegrityError, match="truncated or corrupt"):
        read(tmp_path, b"<html>rate limited</html>")


def test_nothing_is_written_next_to_the_archive(tmp_path: Path) -> None:
    read(tmp_path, make_tar(LIB, extra=[(f"{PLATFORM.archive_root}/lib/other.so", b"x")]))
    assert sorted(p.name for p in tmp_path.iterdir()) == [PLATFORM.asset_name]


def test_tar_helpers_write_what_they_say(tmp_path: Path) -> None:
    archive = tmp_path / "a.tar.xz"
    archive.write_bytes(make_tar(LIB))
    with tarfile.open(archive) as tf:
        assert PLATFORM.library_member in tf.getnames()
