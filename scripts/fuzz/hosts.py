"""Host modules that provide what a fuzzed module imports: functions of the imported
signature (returning right values, raising, returning wrong kinds, re-entering the caller,
keeping their Caller), globals, memories and tables of the imported types."""

from __future__ import annotations

import random

import wt_api as wt

from .recorder import Recorder
from .values import Pool, argument, type_source

BEHAVIOURS = ("value", "raise", "wrong", "reenter", "keep")
_WEIGHTS = (12, 2, 3, 1, 1)
_MAX_TABLE = 1 << 20
"""Imported tables larger than this are not provided (instantiation fails to link)."""


def _types(ts: tuple[object, ...]) -> str:
    return "[" + ", ".join(type_source(t) for t in ts) + "]"


def _size(rng: random.Random, n: int) -> int:
    """A size as imported, now and then one off (the link must then fail cleanly)."""
    return max(0, n + rng.choice((-1, 1))) if rng.random() < 0.05 else n


def provide(rng: random.Random, rec: Recorder, imports: tuple[wt.ImportType, ...], pool: Pool) -> bool:
    """Define one host module per imported module name; True if any import is a global,
    memory or table (the instance then joins the runtime's shared store)."""
    shared = False
    modules: dict[str, list[wt.ImportType]] = {}
    for imp in imports:
        modules.setdefault(imp.module, []).append(imp)
    for number, (module_name, items) in enumerate(modules.items()):
        builder = f"hb{number}"
        if rec.run("new_host_module_builder", f"rt.new_host_module_builder({module_name!r})", builder) is None:
            continue
        for imp in items:
            ty = imp.type
            name = repr(imp.name)
            if isinstance(ty, wt.FunctionType):
                behaviour = rng.choices(BEHAVIOURS, _WEIGHTS)[0]
                typed = rng.random() < 0.5
                caller = behaviour in ("reenter", "keep") or rng.random() < 0.2
                params, results = _types(ty.params), _types(ty.results)
                fn = f"host_fn({behaviour!r}, {params}, {results}, {rng.getrandbits(32)}, {typed}, {caller})"
                rec.run(f"HostModuleBuilder.export_function[{behaviour}]",
                        f"{builder}.export_function({name}, {params}, {results}, {fn}, typed={typed}, caller={caller})")
            elif isinstance(ty, wt.GlobalType):
                shared = True
                value, _ = argument(rng, ty.content, pool)
                rec.run("HostModuleBuilder.export_global", f"{builder}.export_global({name}, "
                        f"{type_source(ty.content)}, {value}, mutable={ty.mutable})")
            elif isinstance(ty, wt.MemoryType):
                shared = True
                maximum = None if ty.maximum is None else _size(rng, ty.maximum)
                rec.run("HostModuleBuilder.export_memory", f"{builder}.export_memory({name}, "
                        f"{_size(rng, ty.minimum)}, {maximum}, is_64={ty.is_64}, shared={ty.shared})")
            elif isinstance(ty, wt.TableType) and ty.minimum <= _MAX_TABLE:
                shared = True
                maximum = None if ty.maximum is None else _size(rng, ty.maximum)
                init, _ = argument(rng, ty.element, pool)
                is_64 = rng.random() < 0.2
                rec.run("HostModuleBuilder.export_table", f"{builder}.export_table({name}, "
                        f"{type_source(ty.element)}, {_size(rng, ty.minimum)}, {maximum}, {init}, is_64={is_64})")
        rec.run("HostModuleBuilder.instantiate", f"{builder}.instantiate()", f"hm{number}")
    return shared
