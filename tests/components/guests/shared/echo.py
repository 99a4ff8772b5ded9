"""What the ``kitchen`` and ``reactor`` guests share: the ``values`` interface (every
function echoes its argument) and the ``objects`` interface (componentize-py is given this
directory beside each guest's own)."""

from typing import List, Optional, Tuple

from componentize_py_types import Err, Result
from wit_world import exports
from wit_world.exports import values

import objects


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
