"""``wasmtime/component/*.h``: the component model of the wasmtime 50.0.1 C API.

One module per header, as for the core API: ``component`` (compile, serialise, export
indices), ``instance``, ``func`` (calls), ``val`` (values and resources), ``linker`` (imports,
host functions and resources, WASI 0.2, wasi:http) and ``types.*`` (type reflection:
``component``, ``instance``, ``func``, ``module``, ``resource``, ``val``). Ownership rules are
in each module's docstring.
"""

MODULES = (
    "component.types.resource", "component.types.val", "component.types.func", "component.types.module",
    "component.types.instance", "component.types.component", "component.val", "component.component",
    "component.func", "component.instance", "component.linker",
)
"""The header modules, named from ``wt_ffi`` (``wt_ffi.ALL_MODULES`` includes them)."""
