"""What host modules hold: host functions, globals and tables, as the builders describe
them (a host function becomes an item of each store that imports it in ``_host_extern``).
"""

from __future__ import annotations

from collections.abc import Callable

from wt_ffi.records import Record

from ._externtypes import FunctionType, GlobalType, TableType
from ._values import RefType, ValueType, type_name

__all__ = ["HostFunction", "HostGlobal", "HostTable"]

Type = ValueType | RefType


class HostGlobal(Record):
    """A global a host module exports."""

    type: GlobalType
    value: int


class HostTable(Record):
    """A table a host module exports (``is_64``: indexed by i64)."""

    type: TableType
    init: int
    is_64: bool


class HostFunction:
    """One host function: its type, parameter and result names, Python callable and
    calling form."""

    def __init__(self, name: str, ty: FunctionType, fn: Callable[..., object], typed: bool, caller: bool,
                 param_names: tuple[str, ...], result_names: tuple[str, ...]) -> None:
        self.name = name
        self.type = ty
        self.fn = fn
        self.typed = typed
        self.caller = caller
        self.param_names = param_names
        self.result_names = result_names

    def signature(self) -> str:
        """``module.name(a: i32, b: i32) -> (sum: i32)``, names where given."""
        def part(types: tuple[Type, ...], names: tuple[str, ...]) -> str:
            return ", ".join(f"{n}: {type_name(t)}" if n else type_name(t)
                             for t, n in zip(types, names or ("",) * len(types)))
        return f"{self.name}({part(self.type.params, self.param_names)}) -> ({part(self.type.results, self.result_names)})"

    def _bad_result(self, index: int, value: object) -> None:
        if index < 0:
            raise TypeError(f"host function {self.signature()} must return a tuple of {len(self.type.results)} "
                            f"values, not {value!r}")
        name = self.result_names[index] if self.result_names else str(index)
        raise TypeError(f"host function {self.signature()} returned {value!r} for result {name}, which is not a "
                        f"valid {type_name(self.type.results[index])}")
