"""The floor of the WASI hello-world process: the same C calls as wt, straight through ctypes.

    python benchmarks/floor_hello.py LIBWASMTIME HELLO.wasm

No wt, no wasmtime-py: ``import ctypes``, ``dlopen``, then engine, store, WASI context
(stdout inherited), linker with WASI, module, instance, ``_start``, each C function
called with no ``argtypes`` (pointers as ``c_void_p``). Nothing is freed: the process
exits. A binding cannot start a WASI program faster than this.
"""

import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
with open(sys.argv[2], "rb") as f:
    wasm = f.read()
P = ctypes.c_void_p
for name in ("wasm_engine_new", "wasmtime_store_new", "wasmtime_store_context", "wasi_config_new",
             "wasmtime_linker_new", "wasmtime_context_set_wasi", "wasmtime_linker_define_wasi",
             "wasmtime_module_new", "wasmtime_linker_instantiate", "wasmtime_func_call"):
    getattr(lib, name).restype = P
engine = P(lib.wasm_engine_new())
store = P(lib.wasmtime_store_new(engine, None, None))
context = P(lib.wasmtime_store_context(store))
wasi = P(lib.wasi_config_new())
lib.wasi_config_inherit_stdout(wasi)
assert not lib.wasmtime_context_set_wasi(context, wasi)
linker = P(lib.wasmtime_linker_new(engine))
assert not lib.wasmtime_linker_define_wasi(linker)
module = P()
assert not lib.wasmtime_module_new(engine, wasm, ctypes.c_size_t(len(wasm)), ctypes.byref(module))
instance = (ctypes.c_uint64 * 2)()  # wasmtime_instance_t
trap = P()
assert not lib.wasmtime_linker_instantiate(linker, context, module, instance, ctypes.byref(trap))
assert not trap.value
export = (ctypes.c_uint64 * 4)()  # wasmtime_extern_t: the kind, then the union at offset 8
assert lib.wasmtime_instance_export_get(context, instance, b"_start", ctypes.c_size_t(6), export)
assert not lib.wasmtime_func_call(context, ctypes.byref(export, 8), None, ctypes.c_size_t(0), None,
                                  ctypes.c_size_t(0), ctypes.byref(trap))
assert not trap.value
