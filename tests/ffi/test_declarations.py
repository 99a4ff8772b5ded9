import ctypes
import subprocess
import sys

import wt_ffi
from wt_ffi import _library


def test_every_declared_symbol_resolves_in_the_pinned_library() -> None:
    lib = wt_ffi.bind_all()  # imports every header module; raises on a missing symbol
    decls = wt_ffi.declarations()
    assert len(decls) > 150
    for decl in decls:
        assert hasattr(lib, decl.name), decl.name


def test_stubs_are_rebound_to_ctypes_functions() -> None:
    wt_ffi.bind_all()
    import importlib

    for decl in _library.declarations():
        module = importlib.import_module(decl.module)
        assert isinstance(getattr(module, decl.name), ctypes._CFuncPtr), decl.name  # type: ignore[attr-defined]


def test_a_stub_binds_itself_on_its_first_call() -> None:
    # In a fresh process: loading binds nothing; each function is bound by its first call.
    code = """
import ctypes
import wt_ffi
from wt_ffi import config, engine
wt_ffi.load()
assert not isinstance(engine.wasm_engine_new_with_config, ctypes._CFuncPtr)
stub = engine.wasm_engine_new_with_config
engine.wasm_engine_delete(engine.wasm_engine_new_with_config(config.wasm_config_new()))
assert isinstance(engine.wasm_engine_new_with_config, ctypes._CFuncPtr)
engine.wasm_engine_delete(stub(config.wasm_config_new()))  # a caller holding the stub still reaches C
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr


def test_struct_layouts_match_the_50_headers() -> None:
    from wt_ffi import extern, instance, val

    assert ctypes.sizeof(val.wasmtime_val_raw_t) == 16
    assert ctypes.sizeof(extern.wasmtime_func_t) == 16
    assert ctypes.sizeof(extern.wasmtime_global_t) == 24
    assert ctypes.sizeof(extern.wasmtime_memory_t) == 24
    assert ctypes.sizeof(extern.wasmtime_table_t) == 24
    assert ctypes.sizeof(extern.wasmtime_extern_t) == 32
    assert ctypes.sizeof(val.wasmtime_externref_t) == 24
    assert ctypes.sizeof(val.wasmtime_val_t) == 32
    assert ctypes.sizeof(instance.wasmtime_instance_t) == 16


def test_component_struct_layouts_match_50_0_1() -> None:
    # Sizes of 50.0.1's headers (as the PyPI wheel's bindings reproduce them); the component
    # tests check them against the library through calls that write each struct.
    from wt_ffi.component import func, instance, val
    from wt_ffi.component.types import component, val as types_val

    assert ctypes.sizeof(val.wasmtime_component_val_t) == 32
    assert val.wasmtime_component_val_t.of.offset == 8
    assert ctypes.sizeof(val.wasmtime_component_valrecord_entry_t) == 48
    assert ctypes.sizeof(val.wasmtime_component_valmap_entry_t) == 64
    assert ctypes.sizeof(types_val.wasmtime_component_valtype_t) == 16
    assert ctypes.sizeof(component.wasmtime_component_item_t) == 24
    assert ctypes.sizeof(func.wasmtime_component_func_t) == 32
    assert ctypes.sizeof(instance.wasmtime_component_instance_t) == 16
