"""wt: WebAssembly for Python on wasmtime.

>>> import wt_api as wt
>>> with wt.Runtime() as r:
...     compiled = r.compile_module('(module (func (export "add") (param i32 i32) (result i32)'
...                                 ' local.get 0 local.get 1 i32.add))')
...     with r.instantiate(compiled) as mod:
...         wt.decode_i32(mod.exported_function("add").call(wt.encode_i32(5), wt.encode_i32(7))[0])
12

The public API is what this module exports (``__all__``); the modules behind it are
private (``wt_api._x``) and may change without notice.
"""

from __future__ import annotations

from ._config import DEFAULT_FEATURES, FEATURE_DOCS, FEATURES, ModuleConfig, RuntimeConfig
from ._errors import (ClosedError, CompileError, ConfigError, ExitError, Frame, InstantiationError, LinkError,
                      LoaderError, Trap, TrapCode, WasmArgumentError, WasmException, WasmRuntimeError,
                      WasmTimeoutError, WtError)
from ._externref import ExternRef
from ._externtypes import (ExportType, ExternType, FunctionType, GlobalType, ImportType, MemoryType, TableType,
                           TagType)
from ._function import Function
from ._instance import Module
from ._limits import DEFAULT_LIMITS, WASM_PAGE, PoolingAllocator, ResourceLimits
from ._memory import Memory
from ._refs import (AnyRef, ExnRef, decode_anyref, decode_exnref, decode_externref, encode_externref, encode_i31,
                    release_externref, release_ref)
from ._runtime import CompiledModule, Runtime
from ._values import (RefType, ValueType, decode_f32, decode_f64, decode_i32, decode_i64, decode_u32, decode_v128,
                      encode_f32, encode_f64, encode_i32, encode_i64, encode_u32, encode_u64, encode_v128)
from ._wasi_settings import WasiSettings

from wt_ffi import WASMTIME_VERSION

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing's constant, without importing typing (RATIONALE: start-up)
if TYPE_CHECKING:
    from ._cache import CacheStats, CompilationCache
    from ._caller import Caller
    from ._global import Global
    from ._table import Table
    from ._config import Feature, OptLevel
    from ._host import HostFunctionBuilder, HostModuleBuilder
    from ._host_module import HostModule
    from ._prepared import PreparedModule
    from ._refs import AnyRefKind
    from ._component import CompiledComponent, is_component
    from ._component_classes import Err, Ok, Some, WitRecord, WitVariant, wit_class
    from ._component_exports import ComponentExports, ComponentInterface
    from ._component_func import ComponentFunction
    from ._component_instance import ComponentInstance
    from ._component_resources import ComponentResource
    from ._component_types import ComponentFunctionType, ComponentInterfaceType, WitType

# Loaded on first use (RATIONALE: start-up): what many programs never touch (host
# modules and their trampolines, compilation caches, globals, tables) costs about two
# milliseconds at import.
_ON_FIRST_USE = {"Caller": "_caller", "HostFunctionBuilder": "_host", "HostModuleBuilder": "_host",
                 "HostModule": "_host_module", "CacheStats": "_cache", "CompilationCache": "_cache",
                 "Global": "_global", "Table": "_table", "PreparedModule": "_prepared",
                 # the component model: none of it loads with `import wt_api`
                 "CompiledComponent": "_component", "is_component": "_component", "Err": "_component_classes",
                 "Ok": "_component_classes", "Some": "_component_classes", "WitRecord": "_component_classes",
                 "WitVariant": "_component_classes", "wit_class": "_component_classes",
                 "ComponentExports": "_component_exports",
                 "ComponentInterface": "_component_exports", "ComponentFunction": "_component_func",
                 "ComponentInstance": "_component_instance", "ComponentResource": "_component_resources",
                 "ComponentFunctionType": "_component_types", "ComponentInterfaceType": "_component_types",
                 "WitType": "_component_types"}


def _reduce_compiled(module: CompiledModule, protocol: object) -> tuple[object, ...]:
    from ._shipping import reduce_compiled  # (pickling loads on first use: start-up)

    return reduce_compiled(module, protocol)


CompiledModule._reduce = _reduce_compiled  # (see CompiledModule.__reduce_ex__)


def __getattr__(name: str) -> object:
    module = _ON_FIRST_USE.get(name)
    if module is not None:
        import importlib  # (the names loaded on first use: start-up)

        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
        globals()[name] = value
        return value
    # The typing aliases, made on first use: importing typing costs ~6 ms, a quarter of
    # ``import wt_api``. Their values are spelled once, in FEATURES and here; a test checks
    # them against the annotations in _config and _refs.
    if name in ("Feature", "OptLevel", "AnyRefKind"):
        from typing import Literal  # (typing costs ~6 ms: the aliases are made on first use)

        values = {"Feature": FEATURES, "OptLevel": ("none", "speed", "speed_and_size"),
                  "AnyRefKind": ("i31", "struct", "array", "extern")}[name]
        alias = Literal[values]  # type: ignore[valid-type]
        globals()[name] = alias
        return alias
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AnyRef", "AnyRefKind", "CacheStats", "Caller", "ClosedError", "CompilationCache", "CompiledComponent",
    "CompiledModule", "CompileError", "ComponentExports", "ComponentFunction", "ComponentFunctionType",
    "ComponentInstance", "ComponentInterface", "ComponentInterfaceType", "ComponentResource", "ConfigError",
    "decode_anyref", "decode_exnref", "decode_externref", "decode_f32", "decode_f64", "decode_i32", "decode_i64",
    "decode_u32", "decode_v128", "DEFAULT_FEATURES", "DEFAULT_LIMITS", "encode_externref", "encode_f32",
    "encode_f64", "encode_i31", "encode_i32", "encode_i64", "encode_u32", "encode_u64", "encode_v128", "Err",
    "ExitError", "ExnRef", "ExportType", "ExternRef", "ExternType", "Feature", "FEATURE_DOCS", "FEATURES", "Frame",
    "Function", "FunctionType", "Global", "GlobalType", "HostFunctionBuilder", "HostModule", "HostModuleBuilder",
    "ImportType", "InstantiationError", "is_component", "LinkError", "LoaderError", "Memory", "MemoryType",
    "Module", "ModuleConfig", "Ok", "OptLevel", "PoolingAllocator", "PreparedModule", "RefType",
    "release_externref", "release_ref", "ResourceLimits", "Runtime", "RuntimeConfig", "Some", "Table", "TableType",
    "TagType", "Trap", "TrapCode", "ValueType", "WasiSettings", "WASM_PAGE", "WasmArgumentError", "WasmException",
    "WasmRuntimeError", "WASMTIME_VERSION", "WasmTimeoutError", "wit_class", "WitRecord", "WitType", "WitVariant",
    "WtError",
]
