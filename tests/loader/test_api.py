"""The public surface: a change to it must be deliberate (HOUSE principle 10)."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys

import wt_loader

PUBLIC = [
    "DownloadError", "IntegrityError", "LibraryNotFoundError", "LoaderError", "LocatedLibrary", "Platform",
    "UnsupportedPlatformError", "WASMTIME_VERSION", "WtError", "cache_dir", "cache_root", "clear_cache",
    "detect_platform", "fetch", "locate_library", "verify",
]


def test_public_names() -> None:
    assert sorted(wt_loader.__all__) == PUBLIC
    assert wt_loader.WASMTIME_VERSION == "50.0.1"


def test_every_public_name_is_documented() -> None:
    for name in PUBLIC:
        obj = getattr(wt_loader, name)
        if callable(obj):
            assert inspect.getdoc(obj), name


def test_signatures() -> None:
    assert str(inspect.signature(wt_loader.locate_library)) == "(*, download: 'bool' = True) -> 'LocatedLibrary'"
    assert str(inspect.signature(wt_loader.fetch)) == "(*, force: 'bool' = False) -> 'Path'"
    assert [f.name for f in wt_loader.LocatedLibrary.__dataclass_fields__.values()] == ["path", "origin", "platform"]


def test_exception_tree() -> None:
    for cls in (wt_loader.UnsupportedPlatformError, wt_loader.LibraryNotFoundError, wt_loader.DownloadError,
                wt_loader.IntegrityError):
        assert cls.__mro__[1:3] == (wt_loader.LoaderError, wt_loader.WtError)


def test_import_is_cheap() -> None:
    code = ("import sys, wt_loader; "
            "print(sorted(m for m in ('requests', 'platformdirs', 'urllib3', 'tarfile', 'wasmtime') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ),
                         check=True, timeout=60)
    assert out.stdout.strip() == "[]"
