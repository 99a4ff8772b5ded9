"""Guest of the ``kitchen`` world (tests/components/wit/kitchen.wit), built with componentize-py.

Every ``values`` function echoes its argument; the world's own exports drive the host's
imports (functions and the host-implemented ``blob`` resource).
"""

from typing import List, Optional, Tuple

import wit_world
from componentize_py_types import Err, Result
from wit_world import exports
from wit_world.exports import values
from wit_world.imports import host

import objects


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


def _echo_result(v: Result[object, object]) -> object:
    if isinstance(v, Err):
        raise v
    return v.value


class Values(exports.Values):
    def echo_bool(self, v: bool) -> bool:
        return v

    def echo_s8(self, v: int) -> int:
        return v

    def echo_u8(self, v: int) -> int:
        return v

    def echo_s16(self, v: int) -> int:
        return v

    def echo_u16(self, v: int) -> int:
        return v

    def echo_s32(self, v: int) -> int:
        return v

    def echo_u32(self, v: int) -> int:
        return v

    def echo_s64(self, v: int) -> int:
        return v

    def echo_u64(self, v: int) -> int:
        return v

    def echo_f32(self, v: float) -> float:
        return v

    def echo_f64(self, v: float) -> float:
        return v

    def echo_char(self, v: str) -> str:
        return v

    def echo_string(self, v: str) -> str:
        return v

    def echo_bytes(self, v: bytes) -> bytes:
        return v

    def echo_list(self, v: List[int]) -> List[int]:
        return v

    def echo_strings(self, v: List[str]) -> List[str]:
        return v

    def echo_points(self, v: List[values.Point]) -> List[values.Point]:
        return v

    def echo_tuple(self, v: Tuple[int, str, float]) -> Tuple[int, str, float]:
        return v

    def echo_point(self, v: values.Point) -> values.Point:
        return v

    def echo_person(self, v: values.Person) -> values.Person:
        return v

    def echo_shape(self, v: values.Shape) -> values.Shape:
        return v

    def echo_color(self, v: values.Color) -> values.Color:
        return v

    def echo_perms(self, v: values.Perms) -> values.Perms:
        return v

    def echo_option(self, v: Optional[int]) -> Optional[int]:
        return v

    def echo_nested(self, v):
        return v

    def echo_result(self, v):
        return _echo_result(v)

    def echo_result_empty(self, v):
        return _echo_result(v)

    def echo_result_ok(self, v):
        return _echo_result(v)

    def echo_result_err(self, v):
        return _echo_result(v)

    def add(self, a: int, b: int) -> int:
        return (a + b + 2**31) % 2**32 - 2**31

    def divide(self, a: int, b: int) -> int:
        if b == 0:
            raise Err("division by zero")
        return int(a / b)

    def nothing(self) -> None:
        return None

    def describe(self, a: bool, b: int, c: int, d: int, e: int, f: float, g: float, h: str, i: str) -> str:
        return f"{a} {b} {c} {d} {e} {f} {g} {h} {i}"


class Objects(exports.Objects):
    def total(self, a: objects.Counter, b: objects.Counter) -> int:
        return a.value + b.value

    def consume(self, c: objects.Counter) -> int:
        return c.value
