import ctypes

import wt_ffi
from wt_ffi import _library


def test_every_declared_symbol_resolves_in_the_pinned_library() -> None:
    lib = wt_ffi.load()
    decls = wt_ffi.declarations()
    assert len(decls) > 150
    for decl in decls:
        assert hasattr(lib, decl.name), decl.name


def test_stubs_are_rebound_to_ctypes_functions() -> None:
    wt_ffi.load()
    import importlib

    for decl in _library.declarations():
        module = importlib.import_module(decl.module)
        assert isinstance(getattr(module, decl.name), ctypes._CFuncPtr), decl.name  # type: ignore[attr-defined]


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
