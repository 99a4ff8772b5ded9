"""One fuzz case: a runtime with random options, the module compiled and its imports
provided, instantiated, its exports exercised, then (sometimes) misused after close."""

from __future__ import annotations

import random

import wt_api as wt

from . import configs, exercise, hosts
from .corpus import Source
from .recorder import Recorder
from .values import Pool

OUTCOMES = ("config-error", "compile-error", "link-error", "instantiate-error", "ran")
"""How a case that did not crash ended (from the first step that failed)."""


def _after_close(rng: random.Random, rec: Recorder, pool: Pool) -> None:
    """Use what the case holds after closing it: every use must raise."""
    what = rng.choice(("mod.close()", "rt.close()"))
    rec.run("close (misuse)", what)
    for f in pool.functions[-3:]:
        rec.run("Function.call after close", f"{f}.call()", must_fail="a function ran after its module was closed")
    if rec.value("KEPT"):
        rec.run("Caller after its call", "KEPT[0].memory", must_fail="a Caller was usable after its host call")
    for name in ("g", "t", "m"):
        bound = [k for k in rec.ns if k.startswith(name) and k[1:].isdigit() and rec.ns[k] is not None]
        if bound:
            target = rng.choice(bound)
            call = {"g": "get()", "t": "size()", "m": "read(0, 1)"}[name]
            rec.run(f"{name} after close", f"{target}.{call}", must_fail="an export was usable after close")


def run(rng: random.Random, rec: Recorder, source: Source) -> str:
    """Run the case; returns its outcome (one of :data:`OUTCOMES`)."""
    eng = configs.engine(rng, source.features)
    rec.note(f"module: {source.origin}")
    if rec.run("RuntimeConfig", eng.source, "cfg") is None:
        return "config-error"
    if rec.run("Runtime", "wt.Runtime(cfg)", "rt") is None:
        return "config-error"
    try:
        return _in_runtime(rng, rec, source, eng)
    finally:
        rec.run("Runtime.close", "rt.close()")
        rec.run("close_all", "close_all()")


def _in_runtime(rng: random.Random, rec: Recorder, source: Source, eng: configs.Engine) -> str:
    pool = Pool()
    if rng.random() < 0.35:
        pool.donor = rec.run("make_donor", "make_donor()", "D") is not None
    compiled = rec.run("Runtime.compile_module", "rt.compile_module(WASM)", "cm")
    if compiled is None:
        return "compile-error"
    imports = rec.run("CompiledModule.imports", "cm.imports", "imports")
    exports = rec.run("CompiledModule.exports", "cm.exports", "exports")
    if not isinstance(imports, tuple) or not isinstance(exports, tuple):
        return "compile-error"
    shared = hosts.provide(rng, rec, imports, pool)
    # Limits and fuel belong to an instance with a store of its own; one that imports a
    # global, memory or table joins the runtime's shared store.
    config = configs.instance(rng, eng) if not shared else (
        f"wt.ModuleConfig().with_timeout({configs.CALL_TIMEOUT})" if eng.bounded_by == "timeout" else "None")
    if rec.run("Runtime.instantiate", f"rt.instantiate(cm, {config})", "mod") is None:
        last = rec.ns.get("LAST")
        return "link-error" if isinstance(last, wt.LinkError) else "instantiate-error"
    # Without a time or fuel bound of its own, wasm may loop for ever: no calls then.
    calls_allowed = not (shared and eng.bounded_by == "fuel")
    exercise.exercise(rng, rec, pool, "mod", exports, calls_allowed)
    if rng.random() < 0.1:
        _after_close(rng, rec, pool)
    return "ran"
