"""Guest of the ``kitchen`` world (tests/components/wit/kitchen.wit), built with componentize-py.

Every ``values`` function echoes its argument; the world's own exports drive the host's
imports (functions and the host-implemented ``blob`` resource).
"""

from typing import List, Optional

import wit_world
from wit_world import exports
from wit_world.imports import host

from echo import Objects, Values  # noqa: F401 - componentize-py finds the interfaces' classes here


class WitWorld(wit_world.WitWorld):
    def version(self) -> str:
        return "kitchen 0.1.0"

    def call_log(self, msg: str) -> None:
        host.log(msg)

    def call_add(self, a: int, b: int) -> int:
        return host.add(a, b)

    def call_describe(self, name: str, age: int, tags: List[str]) -> Optional[str]:
        return host.describe((name, age), tags)

    def blob_size(self, data: bytes) -> int:
        with host.Blob(data) as blob:
            return blob.size()

    def blob_concat(self, a: bytes, b: bytes) -> bytes:
        with host.Blob(a) as first, host.Blob(b) as second:
            with host.Blob.concat(first, second) as both:
                return both.read()

    def blob_make(self, data: bytes) -> host.Blob:
        return host.Blob(data)

    def blob_take(self, b: host.Blob) -> bytes:
        with b:
            return b.read()

    def blob_peek(self, b: host.Blob) -> int:
        return b.size()

    def fail(self, msg: str) -> None:
        raise RuntimeError(msg)
