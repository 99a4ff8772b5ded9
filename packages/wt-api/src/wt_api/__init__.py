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
from .global_ import Global
from .host import Caller, HostFunctionBuilder, HostModule, HostModuleBuilder
from .limits import WASM_PAGE, PoolingAllocator, ResourceLimits
from .memory import Memory
from .module import CompiledModule, Module
from .refs import AnyRef, ExnRef, decode_anyref, decode_exnref, encode_i31, release_ref
from .runtime import Runtime
from .table import Table
from .values import (RefType, ValueType, decode_externref, decode_f32, decode_f64, decode_i32,
                     decode_i64, decode_u32, decode_v128, encode_externref, encode_f32, encode_f64,
                     encode_i32, encode_i64, encode_u32, encode_u64, encode_v128, release_externref)

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing's constant, without importing typing (and re): see RATIONALE
if TYPE_CHECKING:
    from .cache import CacheStats, CompilationCache
    from .config import Feature
    from .refs import AnyRefKind


def __getattr__(name: str) -> object:
    # The compilation cache is imported on first use: most programs never make one.
    if name in ("CacheStats", "CompilationCache"):
        from . import cache

        return getattr(cache, name)
    # So are the typing aliases (importing typing costs milliseconds).
    if name == "Feature":
        from . import config

        return config.Feature
    if name == "AnyRefKind":
        from . import refs

        return refs.AnyRefKind
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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
