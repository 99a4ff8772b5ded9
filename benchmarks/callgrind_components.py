"""Instructions per component call, counted by valgrind's callgrind (steady under load, where
times are not): wt, the raw floor and wasmtime-py on the component rows' calls.

    python benchmarks/callgrind_components.py [CASE ...]

Each contender runs in its own process under ``valgrind --tool=callgrind``, once with 1000
calls and once with 3000; the difference over 2000 is one call, start-up left out. Takes
minutes (valgrind runs the interpreter ~50x slower).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CASES = ("nothing", "add", "echo", "rec", "call-host")
WHO = ("wt", "floor", "py")


def child(who: str, case: str, n: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_components as b
    import wasmtime as wp
    import wt_api as wt
    from wasmtime import component as wpc

    rt = wt.Runtime()
    compiled = rt.compile_component(b.BENCH)
    inst = rt.instantiate_component(compiled, imports={"host-add": lambda a: a + 1})
    e = inst.exports
    rec = e.rec({"a": 1, "b": 2, "c": 3.0, "d": True, "e": 5})
    floors = b._floors(inst)
    floors["call-host"], keep = b._host_floor_instance(rt, compiled)
    engine = wp.Engine()
    linker = wpc.Linker(engine)
    with linker.root() as root:
        root.add_func("host-add", lambda store, a: a + 1)
    st = wp.Store(engine)
    pinst = linker.instantiate(st, wpc.Component(engine, b.BENCH))
    pf = {k: pinst.get_func(st, k) for k in CASES}
    prec = wpc.Record()
    for k, v in zip("abcde", (1, 2, 3.0, True, 5)):
        setattr(prec, k, v)
    text = b.TEXT
    fns = {("wt", "nothing"): lambda: e.nothing(), ("wt", "add"): lambda: e.add(5, 7),
           ("wt", "echo"): lambda: e.echo(text), ("wt", "rec"): lambda: e.rec(rec),
           ("wt", "call-host"): lambda: e.call_host(5), ("py", "nothing"): lambda: pf["nothing"](st),
           ("py", "add"): lambda: pf["add"](st, 5, 7), ("py", "echo"): lambda: pf["echo"](st, text),
           ("py", "rec"): lambda: pf["rec"](st, prec), ("py", "call-host"): lambda: pf["call-host"](st, 5)}
    fn = floors[case] if who == "floor" else fns[(who, case)]
    for _ in range(50 + n):
        fn()  # type: ignore[operator]
    del keep


def count(who: str, case: str, n: int) -> int:
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
                          "--child", who, case, str(n)], capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", out.stderr).group(1))  # type: ignore[union-attr]


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2], int(argv[3]))
        return
    print("| call | wt | floor | wasmtime-py | wasmtime-py / wt | wt / floor |\n|---|---|---|---|---|---|")
    for case in argv or CASES:
        per = {who: (count(who, case, 3000) - count(who, case, 1000)) / 2000 for who in WHO}
        print(f"| {case} | {per['wt']:,.0f} | {per['floor']:,.0f} | {per['py']:,.0f} | "
              f"{per['py'] / per['wt']:.2f}x | {per['wt'] / per['floor']:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
