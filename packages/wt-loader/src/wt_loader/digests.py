"""The pinned release: wasmtime 50.0.1's C API library, per platform, with its SHA-256.

Digests of the library file itself as it lies in each release archive under ``lib/``
(the PyPI wheels ``wasmtime==50.0.1`` carry byte copies of the same files).
"""

from __future__ import annotations

__all__ = ["WASMTIME_VERSION", "Pin", "PINNED"]

WASMTIME_VERSION = "50.0.1"

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from typing import NamedTuple

    class Pin(NamedTuple):
        """The library file of one release asset: its name under ``lib/``, size and SHA-256."""

        library: str
        size: int
        sha256: str
else:  # the same named tuple, without importing typing
    from collections import namedtuple

    Pin = namedtuple("Pin", ["library", "size", "sha256"])
    Pin.__doc__ = "The library file of one release asset: its name under ``lib/``, size and SHA-256."


# (arch, os) -> the library in wasmtime-v50.0.1-<arch>-<os>-c-api.{tar.xz,zip}
PINNED: dict[tuple[str, str], Pin] = {
    ("x86_64", "linux"): Pin("libwasmtime.so", 29673400,
                             "3127ca42fe7cdd3f0a43a358e79177dcfedd46c1746329826403b9d854de6178"),
    ("aarch64", "linux"): Pin("libwasmtime.so", 25966376,
                              "4777b787fcc6651c98130ccc7c8ce9160faba5f3b34918886785a43094026fc9"),
    ("x86_64", "musl"): Pin("libwasmtime.so", 29732832,
                            "eebf57d92ddfde217c10a05d9a9973aea5963747ae581540c64212ec27998fbc"),
    ("aarch64", "musl"): Pin("libwasmtime.so", 25912672,
                             "dc8cc72c2a23d8f93a1402769ef002b0b2bab7ca55b53ceed353e0badb7bde0d"),
    ("x86_64", "macos"): Pin("libwasmtime.dylib", 26815560,
                             "aaa18016fcb37d9794b6df8c263f03c7ae42870d2fc4ede73e6ad7f855b215e3"),
    ("aarch64", "macos"): Pin("libwasmtime.dylib", 23517920,
                              "a69fa55d4600958e3c95a25dd552cfc83105a6288fea764f37a87c578806cd85"),
    ("x86_64", "windows"): Pin("wasmtime.dll", 21257216,
                               "bb9576481331d8ebffe308048bfe26b45e544552783a9868e971a9c38c08e726"),
    ("aarch64", "windows"): Pin("wasmtime.dll", 16143872,
                                "774a90ede6ef68c4bb0813ed621f6899942b62a9237478752f4fd70e08f81d66"),
}
