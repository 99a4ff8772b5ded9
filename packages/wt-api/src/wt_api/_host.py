"""Building host modules: Python functions, globals, memories and tables that wasm can
import (the seed's ``HostModuleBuilder`` and ``HostFunctionBuilder``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._engine import Engine
from ._errors import ConfigError
from ._externtypes import FunctionType, GlobalType, MemoryType, TableType
from ._handle import Closeable, refuse_pickling
from ._host_items import HostFunction, HostGlobal, HostTable
from ._host_module import HostModule
from ._linking import Namespace
from ._values import RefType, ValueType, to_raw_type

__all__ = ["HostModuleBuilder", "HostFunctionBuilder"]

Type = ValueType | RefType


def _types(values: Sequence[Type], what: str) -> tuple[Type, ...]:
    out = tuple(values)
    for t in out:
        if not isinstance(t, (ValueType, RefType)):
            raise TypeError(f"{what} types are wt.ValueType or wt.RefType, not {t!r}")
    return out


def _names(names: Sequence[str], count: int, what: str) -> tuple[str, ...]:
    out = tuple(names)
    if len(out) != count or not all(isinstance(n, str) and n.isidentifier() for n in out):
        raise ConfigError(f"{what} names are {count} identifier(s), not {out!r}")
    return out


# -- building ------------------------------------------------------------------------------
class HostFunctionBuilder:
    """Builds one host function of a :class:`HostModuleBuilder` (the seed's
    ``NewFunctionBuilder``): give it a Python callable, then :meth:`export` it.

    Thread-safety: build it on one thread; the function it exports may be called by wasm
    on any thread, so the callable must be safe for that."""

    def __reduce_ex__(self, protocol: object) -> tuple[object, ...]:
        raise refuse_pickling(self)

    def __init__(self, module: HostModuleBuilder, name: str, params: Sequence[Type], results: Sequence[Type]) -> None:
        self._module = module
        self._name = name
        self._type = FunctionType(_types(params, "parameter"), _types(results, "result"))
        self._fn: Callable[..., object] | None = None
        self._typed = False
        self._caller = False
        self._param_names: tuple[str, ...] = ()
        self._result_names: tuple[str, ...] = ()

    def with_func(self, fn: Callable[..., object], *, caller: bool = False) -> HostFunctionBuilder:
        """The seed's form: ``fn(stack)`` where ``stack`` is a list holding the encoded
        parameters followed by one slot per result, which ``fn`` sets (encoded).
        With ``caller=True``: ``fn(caller, stack)``, ``caller`` a :class:`~wt_api.Caller`."""
        if not callable(fn):
            raise TypeError(f"with_func takes a callable, not {type(fn).__name__}")
        self._fn, self._typed, self._caller = fn, False, caller
        return self

    def with_typed_func(self, fn: Callable[..., object], *, caller: bool = False) -> HostFunctionBuilder:
        """Plain Python values: ``fn(*params)`` gets ints (i32/i64 signed), floats (f32,
        f64), ints (v128), objects (externref), AnyRefs (anyref), ExnRefs (exnref) or
        Functions (funcref), and returns a value, a tuple for several results, or None.
        With ``caller=True``: ``fn(caller, *params)``."""
        if not callable(fn):
            raise TypeError(f"with_typed_func takes a callable, not {type(fn).__name__}")
        self._fn, self._typed, self._caller = fn, True, caller
        return self

    def with_parameter_names(self, *names: str) -> HostFunctionBuilder:
        """Name the parameters (as wazero's ``WithParameterNames``): shown in signatures and
        error messages."""
        self._param_names = _names(names, len(self._type.params), "parameter")
        return self

    def with_result_names(self, *names: str) -> HostFunctionBuilder:
        """Name the results: shown in signatures and error messages."""
        self._result_names = _names(names, len(self._type.results), "result")
        return self

    def export(self, name: str | None = None) -> HostModuleBuilder:
        """Export the function under ``name`` (default: the builder's name)."""
        if self._fn is None:
            raise ConfigError(f"host function {self._name!r} has no Python function: call with_func first")
        export_name = name or self._name
        self._module._add(export_name, HostFunction(f"{self._module.name}.{export_name}", self._type, self._fn,
                                                    self._typed, self._caller, self._param_names, self._result_names))
        return self._module


class HostModuleBuilder(Closeable):
    """Builds a host module (the seed's ``HostModuleBuilder``): functions, globals, a
    memory and tables defined in Python, importable by wasm modules under ``name``
    once :meth:`instantiate` d.

    Thread-safety: build on one thread; the instantiated module is safe to share."""

    def __init__(self, engine: Engine, namespace: Namespace, name: str, adopt: Callable[[object], None]) -> None:
        if not isinstance(name, str) or not name:
            raise ConfigError("a host module name must be a non-empty str")
        self._engine = engine
        self._namespace = namespace
        self._adopt = adopt
        self.name = name
        self._items: dict[str, object] = {}
        self._module: HostModule | None = None

    def _add(self, name: str, item: object) -> None:
        if self._module is not None:
            raise ConfigError(f"host module {self.name!r} is already instantiated")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"an export name is a non-empty str, not {name!r}")
        if name in self._items:
            raise ConfigError(f"host module {self.name!r} already exports {name!r}")
        self._items[name] = item

    def new_function_builder(self, name: str, params: Sequence[Type] = (),
                             results: Sequence[Type] = ()) -> HostFunctionBuilder:
        """Start a host function with its parameter and result types."""
        return HostFunctionBuilder(self, name, params, results)

    def export_function(self, name: str, params: Sequence[Type], results: Sequence[Type],
                        fn: Callable[..., object], *, typed: bool = True, caller: bool = False) -> HostModuleBuilder:
        """Shorthand for ``new_function_builder(...).with_typed_func(fn).export()``
        (``typed=False`` for the stack form)."""
        builder = self.new_function_builder(name, params, results)
        if typed:
            builder.with_typed_func(fn, caller=caller)
        else:
            builder.with_func(fn, caller=caller)
        return builder.export(name)

    def export_global(self, name: str, type: Type, value: int = 0, *, mutable: bool = False) -> HostModuleBuilder:
        """Export a global of ``type`` holding the encoded ``value``."""
        self._add(name, HostGlobal(GlobalType(_types([type], "global")[0], bool(mutable)), value))
        return self

    def export_memory(self, name: str, minimum: int, maximum: int | None = None, *, is_64: bool = False,
                      shared: bool = False) -> HostModuleBuilder:
        """Export a linear memory of ``minimum`` (and at most ``maximum``) pages: 64-bit
        indexed with ``is_64``; with ``shared`` (threads proposal, needs a ``maximum``), a
        memory that importers in any store share."""
        if shared and maximum is None:
            raise ConfigError(f"shared memory {name!r} needs a maximum size")
        _limits(minimum, maximum, 1 << 48 if is_64 else 1 << 16, "memory pages")
        self._add(name, MemoryType(minimum, maximum, is_64, shared))
        return self

    def export_table(self, name: str, element: Type, minimum: int, maximum: int | None = None,
                     init: int = 0, *, is_64: bool = False) -> HostModuleBuilder:
        """Export a table of ``minimum`` (at most ``maximum``) elements set to ``init``,
        64-bit indexed with ``is_64`` (memory64 proposal)."""
        ttype = TableType(_types([element], "table")[0], minimum, maximum)
        _limits(minimum, maximum, 1 << 64 if is_64 else 1 << 32, "table elements")
        if is_64 and not to_raw_type(ttype.element).nullable:
            raise ConfigError(f"64-bit table {name!r} needs a nullable element type")
        self._add(name, HostTable(ttype, init, bool(is_64)))
        return self

    def instantiate(self) -> HostModule:
        """Make the module importable under its name (raises LinkError if taken)."""
        if self._module is not None and not self._module.closed:
            raise ConfigError(f"host module {self.name!r} is already instantiated")
        self._module = HostModule(self._engine, self._namespace, self.name, dict(self._items))
        self._adopt(self._module)
        return self._module

    def close(self) -> None:
        """Close the instantiated module (if any). Idempotent."""
        if self._module is not None:
            self._module.close()


def _limits(minimum: object, maximum: object, bound: int, what: str) -> None:
    if type(minimum) is not int or not 0 <= minimum < bound:
        raise ConfigError(f"a minimum of {what} is an int in [0, {bound}), not {minimum!r}")
    if maximum is not None and (type(maximum) is not int or not minimum <= maximum < bound):
        raise ConfigError(f"a maximum of {what} is None or an int in [minimum, {bound}), not {maximum!r}")
