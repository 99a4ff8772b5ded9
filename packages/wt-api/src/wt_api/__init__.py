"""wt: WebAssembly for Python on wasmtime.

>>> import wt_api as wt
>>> with wt.Runtime() as r:
...     compiled = r.compile_module('(module (func (export "add") (param i32 i32) (result i32)'
...                                 ' local.get 0 local.get 1 i32.add))')
...     with r.instantiate(compiled) as mod:
...         wt.decode_i32(mod.exported_function("add").call(wt.encode_i32(5), wt.encode_i32(7))[0])
12
"""

from __future__ import annotations

from .config import DEFAULT_FEATURES, FEATURE_DOCS, FEATURES, ModuleConfig, RuntimeConfig
from .errors import (ClosedError, CompileError, ConfigError, ExitError, Frame, InstantiationError,
                     LinkError, LoaderError, Trap, TrapCode, WasmArgumentError, WasmException,
                     WasmRuntimeError, WasmTimeoutError, WtError)
from .externtypes import (ExportType, ExternType, FunctionType, GlobalType, ImportType, MemoryType,
                          TableType, TagType)
from .function import Function
from .limits import WASM_PAGE, PoolingAllocator, ResourceLimits
from .memory import Memory
from .module import CompiledModule, Module
from .refs import AnyRef, ExnRef, decode_anyref, decode_exnref, encode_i31, release_ref
from .runtime import Runtime
from .values import (RefType, ValueType, decode_externref, decode_f32, decode_f64, decode_i32,
                     decode_i64, decode_u32, decode_v128, encode_externref, encode_f32, encode_f64,
                     encode_i32, encode_i64, encode_u32, encode_u64, encode_v128, release_externref)

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .cache import CacheStats, CompilationCache
    from .config import Feature
    from .global_ import Global
    from .host import Caller, HostFunctionBuilder, HostModule, HostModuleBuilder
    from .refs import AnyRefKind
    from .table import Table

# Imported on first use, each from its module: what most programs never touch (the
# compilation cache, host modules, globals and tables) and the typing aliases (typing
# costs milliseconds). Every module imported at start-up costs too, at exit as well.
_LAZY = {
    "CacheStats": "cache", "CompilationCache": "cache", "Feature": "config", "AnyRefKind": "refs",
    "Global": "global_", "Table": "table", "Caller": "host", "HostFunctionBuilder": "host",
    "HostModule": "host", "HostModuleBuilder": "host",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "FEATURES", "Caller", "HostFunctionBuilder", "HostModule", "HostModuleBuilder", "ClosedError", "CompileError", "CompiledModule", "ConfigError", "ExitError",
    "ExportType", "ExternType", "Frame", "Function", "FunctionType", "Global", "GlobalType",
    "ImportType", "InstantiationError", "LinkError", "LoaderError", "Memory", "MemoryType", "Module",
    "ModuleConfig", "RefType", "Runtime", "RuntimeConfig", "Table", "TableType", "TagType", "Trap",
    "TrapCode", "ValueType", "WasmArgumentError", "WasmRuntimeError", "WtError", "decode_externref",
    "decode_f32", "decode_f64", "decode_i32", "decode_i64", "decode_u32", "decode_v128",
    "encode_externref", "encode_f32", "encode_f64", "encode_i32", "encode_i64", "encode_u32",
    "encode_u64", "encode_v128", "release_externref",
    "AnyRef", "AnyRefKind", "ExnRef", "WasmException", "decode_anyref", "decode_exnref", "encode_i31",
    "release_ref", "DEFAULT_FEATURES", "FEATURE_DOCS", "Feature",
    "CacheStats", "CompilationCache", "PoolingAllocator", "ResourceLimits", "WASM_PAGE", "WasmTimeoutError",
]
