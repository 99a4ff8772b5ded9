"""What a case does with an instance's exports: calls every function with random
arguments, reads and writes globals, tables and memories at and beyond their bounds."""

from __future__ import annotations

import random

import wt_api as wt

from .recorder import Recorder
from .values import Pool, argument, arguments, index, key_of, pick_width

MAX_CALLS = 3
"""Calls of each exported function per visit."""


def _names(rec: Recorder, prefix: str) -> str:
    """A fresh variable name for the case's namespace."""
    return f"{prefix}{len(rec.lines)}"


def _remember(rec: Recorder, pool: Pool, target: str) -> None:
    value = rec.ns.get(target)
    if isinstance(value, list):
        for i, item in enumerate(value[:4]):
            if isinstance(item, int):
                pool.add_int(f"{target}[{i}]")
    elif isinstance(value, int) and not isinstance(value, bool):
        pool.add_int(target)


def function(rng: random.Random, rec: Recorder, pool: Pool, owner: str, name: str, ty: wt.FunctionType,
             calls_allowed: bool) -> None:
    """Look up an exported function and call it a few times."""
    f = _names(rec, "f")
    if rec.run("Module.exported_function", f"{owner}.exported_function({name!r})", f) is None:
        return
    pool.functions.append(f)
    if not calls_allowed:
        return
    key = f"Function.call({', '.join(key_of(t) for t in ty.params)})"
    for _ in range(rng.randint(1, MAX_CALLS)):
        args, bad = arguments(rng, ty.params, pool)
        r = _names(rec, "r")
        call = f"{f}.call({args})"
        if rng.random() < 0.1:
            timeout = rng.choice(("0.5", "1.0", "1e-9", "0", "-1", "float('nan')"))
            call = f"{f}.call_with_timeout({timeout}, {args})"
            bad = None  # the timeout itself may be refused or expire
        rec.run(key, call, r, must_fail=bad)
        _remember(rec, pool, r)


def global_(rng: random.Random, rec: Recorder, pool: Pool, owner: str, name: str, ty: wt.GlobalType) -> None:
    """Read a global, set it (mutable or not) to random values, read it again."""
    g = _names(rec, "g")
    if rec.run("Module.exported_global", f"{owner}.exported_global({name!r})", g) is None:
        return
    kind = key_of(ty.content)
    for _ in range(rng.randint(1, 3)):
        if rng.random() < 0.5:
            v = _names(rec, "v")
            rec.run(f"Global.get({kind})", f"{g}.get()", v)
            _remember(rec, pool, v)
        else:
            value, bad = argument(rng, ty.content, pool)
            must = f"a global of type {bad}" if bad else None
            if not ty.mutable:
                must = "an immutable global was set"
            rec.run(f"Global.set({kind})", f"{g}.set({value})", must_fail=must)


def table(rng: random.Random, rec: Recorder, pool: Pool, owner: str, name: str, ty: wt.TableType) -> None:
    """get/set/grow a table at and beyond its bounds."""
    t = _names(rec, "t")
    if rec.run("Module.exported_table", f"{owner}.exported_table({name!r})", t) is None:
        return
    kind = key_of(ty.element)
    n = _names(rec, "n")
    rec.run("Table.size", f"{t}.size()", n)
    for _ in range(rng.randint(1, 4)):
        size = rec.value(n)
        i, _ = index(rng, n)
        at = rec.value(i)
        out = not isinstance(at, int) or isinstance(at, bool) or not isinstance(size, int) or not 0 <= at < size
        op = rng.choice(("get", "get", "set", "grow"))
        if op == "get":
            v = _names(rec, "v")
            rec.run(f"Table.get({kind})", f"{t}.get({i})", v,
                    must_fail="Table.get out of bounds returned an element" if out else None)
            _remember(rec, pool, v)
        elif op == "set":
            value, bad = argument(rng, ty.element, pool)
            rec.run(f"Table.set({kind})", f"{t}.set({i}, {value})",
                    must_fail="Table.set out of bounds succeeded" if out else f"a table of type {bad}" if bad else None)
        else:
            delta, _ = index(rng, "1")
            grow_by = rec.value(delta)
            init, bad = argument(rng, ty.element, pool)
            too_far = (not isinstance(grow_by, int) or isinstance(grow_by, bool) or grow_by < 0
                       or grow_by >= 1 << 64
                       or (ty.maximum is not None and isinstance(size, int) and size + grow_by > ty.maximum))
            rec.run(f"Table.grow({kind})", f"{t}.grow({delta}, {init})",
                    must_fail="Table.grow past its maximum or by 2**64 or more succeeded" if too_far
                    else f"a table of type {bad}" if bad else None)
            rec.run("Table.size", f"{t}.size()", n)


def memory(rng: random.Random, rec: Recorder, pool: Pool, owner: str, name: str, ty: wt.MemoryType) -> None:
    """read/write/view/grow a memory at and beyond its bounds."""
    m = _names(rec, "m")
    if rec.run("Module.exported_memory", f"{owner}.exported_memory({name!r})", m) is None:
        return
    s = _names(rec, "s")
    for _ in range(rng.randint(1, 4)):
        rec.run("Memory.size", f"{m}.size", s)
        size = rec.value(s)
        offset, _ = index(rng, s)
        width = pick_width(rng)
        at, length = rec.value(offset), rec.value(width)
        out = (not isinstance(at, int) or not isinstance(length, int) or not isinstance(size, int)
               or isinstance(at, bool) or at < 0 or length < 0 or at + length > size)
        op = rng.choice(("read", "write", "view", "grow", "pages"))
        if op == "read":
            rec.run("Memory.read", f"{m}.read({offset}, {width})",
                    must_fail="Memory.read out of bounds returned bytes" if out else None)
        elif op == "write":
            small = isinstance(length, int) and 0 <= length <= 1 << 16
            data = f"bytes({width})" if small else "b'x'"
            out = out if small else (not isinstance(at, int) or isinstance(at, bool) or not isinstance(size, int)
                                     or at < 0 or at + 1 > size)
            rec.run("Memory.write", f"{m}.write({offset}, {data})",
                    must_fail="Memory.write out of bounds succeeded" if out else None)
        elif op == "view":
            rec.run("Memory.view", f"len({m}.view({offset}, {width}))",
                    must_fail="Memory.view out of bounds succeeded" if out else None)
        elif op == "pages":
            rec.run("Memory.pages", f"{m}.pages")
        else:
            delta, _ = index(rng, "1")
            grow_by = rec.value(delta)
            pages = None if not isinstance(size, int) else size // max(ty.page_size, 1)
            too_far = (not isinstance(grow_by, int) or isinstance(grow_by, bool) or grow_by < 0
                       or grow_by >= 1 << 64
                       or (ty.maximum is not None and pages is not None and pages + grow_by > ty.maximum))
            rec.run("Memory.grow", f"{m}.grow({delta})",
                    must_fail="Memory.grow past its maximum or by 2**64 or more succeeded" if too_far else None)


def exercise(rng: random.Random, rec: Recorder, pool: Pool, owner: str, exports: tuple[wt.ExportType, ...],
             calls_allowed: bool) -> None:
    """Visit the exports in random order, some twice."""
    visits = list(exports) + [e for e in exports if rng.random() < 0.3]
    rng.shuffle(visits)
    for export in visits[:40]:
        ty = export.type
        if isinstance(ty, wt.FunctionType):
            function(rng, rec, pool, owner, export.name, ty, calls_allowed)
        elif isinstance(ty, wt.GlobalType):
            global_(rng, rec, pool, owner, export.name, ty)
        elif isinstance(ty, wt.TableType):
            table(rng, rec, pool, owner, export.name, ty)
        elif isinstance(ty, wt.MemoryType):
            memory(rng, rec, pool, owner, export.name, ty)

