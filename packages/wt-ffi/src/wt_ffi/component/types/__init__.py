"""``wasmtime/component/types/*.h``: the type reflection of components, one module per header."""
