"""Run the benchmark suite: wt against wasmtime-py 50.0.1, same library, same wasm.

    python benchmarks/run.py [GROUP ...] [--out DIR]

Writes DIR/results.md (median, min-max, ratio wt / wasmtime-py, the raw ctypes floor
where it applies) and DIR/results.png, and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from groups import GROUPS  # noqa: E402
from harness import Row  # noqa: E402

SCALE = {"µs": 1e6, "ms": 1e3, "MiB": 1 / 2**20}  # (a MiB row's "seconds" are bytes)


def fmt(row: Row, seconds: float) -> float:
    if row.unit == "GB/s":
        return row.per / seconds / 1e9
    return seconds / row.per * SCALE[row.unit]


def cell(row: Row, stats: object) -> str:
    if stats is None:
        return "not available yet" if row.wt is None else "—"
    med, lo, hi = (fmt(row, getattr(stats, k)) for k in ("median", "low", "high"))
    if row.unit == "GB/s":
        lo, hi = hi, lo
    return f"{med:.3g} ({lo:.3g}–{hi:.3g})"


def verdict(row: Row) -> str:
    """Whether the median meets the row's target (the forms the targets are written in)."""
    if row.wt is None or not row.target:
        return ""
    wt = fmt(row, row.wt.median)
    target = row.target
    if target.startswith("≤ ") and target.endswith("x wasmtime-py") and row.wasmtime_py is not None:
        return "yes" if wt <= float(target.split()[1].rstrip("x")) * fmt(row, row.wasmtime_py.median) else "**no**"
    if target.startswith("≤ ") and target.endswith("x floor") and row.floor is not None:
        return "yes" if wt <= float(target.split()[1].rstrip("x")) * fmt(row, row.floor.median) else "**no**"
    if target.startswith("≤ "):
        return "yes" if wt <= float(target.split()[1]) else "**no**"
    if target.startswith("≥ ") and target.endswith("of memmove") and row.floor is not None:
        share = float(target.split()[1].rstrip("%")) / 100
        return "yes" if wt >= share * fmt(row, row.floor.median) else "**no**"
    if target.startswith("within ") and row.wasmtime_py is not None:
        share = float(target.split()[1].rstrip("%")) / 100
        return "yes" if abs(wt / fmt(row, row.wasmtime_py.median) - 1) <= share else "**no**"
    if target.endswith("x wasmtime-py") and row.wasmtime_py is not None:
        factor = float(target.split()[1].rstrip("x"))
        return "yes" if factor * wt <= fmt(row, row.wasmtime_py.median) else "**no**"
    if target == "copies nothing":
        return "yes (asserted)"
    return ""


def explained(row: Row) -> str:
    """The verdict, with the reason a missed target is out of reach when the row has one."""
    met = verdict(row)
    return f"{met}: {row.gap}" if met == "**no**" and row.gap else met


def setting() -> str:
    """What was measured: the interpreter, wasmtime-py, and whether both used one library."""
    import hashlib
    from importlib import metadata

    import wasmtime
    import wt_ffi

    wt_ffi.load()
    ours = wt_ffi.library_path()
    theirs = next(Path(wasmtime.__file__).parent.glob("*/_libwasmtime.*"), None)
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (ours, theirs) if p is not None}
    same = ours is not None and theirs is not None and digest[ours] == digest[theirs]
    return (f"CPython {platform.python_version()} on {platform.machine()} {platform.system()}, "
            f"{os.cpu_count()} CPUs; wasmtime-py {metadata.version('wasmtime')}; libwasmtime: "
            + (f"one library for both (SHA-256 {digest[ours][:16]}…)" if same
               else f"wt {ours} / wasmtime-py {theirs} (NOT the same file)"))


def table(rows: list[Row]) -> str:
    lines = [
        setting() + ".",
        "",
        "Medians (min–max) of interleaved samples. Ratio: wt / wasmtime-py (for times lower is better, "
        "for GB/s higher). Floor: the same C function(s) called through ctypes with nothing around them.",
        "",
        "| benchmark | unit | wt | wasmtime-py | ratio | raw ctypes floor | wt / floor | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = floor_ratio = "—"
        if row.wt is None:
            lines.append(f"| {row.name} | {row.unit} | not available yet | — | — | — | — | {row.target} | |")
            continue
        if row.wasmtime_py is not None:
            ratio = f"{fmt(row, row.wt.median) / fmt(row, row.wasmtime_py.median):.3g}"
        if row.floor is not None:
            floor_ratio = f"{fmt(row, row.wt.median) / fmt(row, row.floor.median):.3g}"
        lines.append(f"| {row.name} | {row.unit} | {cell(row, row.wt)} | {cell(row, row.wasmtime_py)} | {ratio} | "
                     f"{cell(row, row.floor)} | {floor_ratio} | {row.target} | {explained(row)} |")
    return "\n".join(lines) + "\n"


def label(row: Row) -> str:
    """A short name for the chart."""
    return row.short or (row.name if len(row.name) <= 46 else row.name[:45] + "…")


def chart(rows: list[Row], path: Path) -> None:
    """Two panels on one axis of benchmarks: wt against wasmtime-py, and wt against the raw
    ctypes floor (both as ratios of time per operation, log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    shown = [r for r in rows if r.wt is not None and (r.wasmtime_py is not None or r.floor is not None)]
    fig, (left, right) = plt.subplots(1, 2, sharey=True, figsize=(14, 0.42 * len(shown) + 2))
    ys = list(range(len(shown)))
    panels = ((left, "wasmtime_py", "wt vs wasmtime-py 50.0.1", "wasmtime-py time / wt time (higher: wt faster)"),
              (right, "floor", "wt vs the raw ctypes floor", "wt time / floor time (1: the floor itself)"))
    for ax, attr, title, xlabel in panels:
        for y, r in zip(ys, shown):
            other = getattr(r, attr)
            if other is None or r.wt is None:
                continue
            ratio = other.median / r.wt.median if attr == "wasmtime_py" else r.wt.median / other.median
            good = ratio >= 1 if attr == "wasmtime_py" else ratio <= 1.3
            ax.barh(y, ratio, color="#2a7" if good else ("#c44" if attr == "wasmtime_py" else "#d90"))
            ax.text(ratio, y, f" {ratio:.2g}x", va="center", fontsize=8)
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        if attr == "floor":
            ax.set_xticks([1, 1.3, 2, 5, 10])
        ax.set_title(title)
        ax.set_xlabel(xlabel + ", log scale", fontsize=9)
    left.set_yticks(ys, [f"{r.group}: {label(r)}" for r in shown], fontsize=8)
    left.invert_yaxis()
    fig.suptitle("wt on CPython, same libwasmtime 50.0.1 and same wasm as wasmtime-py (medians)")
    fig.subplots_adjust(left=0.3, right=0.97, wspace=0.08, top=1 - 1.2 / (0.42 * len(shown) + 2),
                        bottom=0.9 / (0.42 * len(shown) + 2))
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[*GROUPS, []], default=[])
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args()
    rows: list[Row] = []
    for name in args.groups or list(GROUPS):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows.extend(GROUPS[name]())
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = table(rows)
    (out / "results.md").write_text(text)
    (out / "results.json").write_text(json.dumps(
        [{"group": r.group, "name": r.name, "unit": r.unit, "per": r.per, "target": r.target,
          **{k: (None if getattr(r, k) is None else vars(getattr(r, k))) for k in ("wt", "wasmtime_py", "floor")}}
         for r in rows], indent=1))
    try:
        chart(rows, out / "results.png")
    except ImportError:
        print("matplotlib is not installed: no chart", file=sys.stderr)
    print(text)


if __name__ == "__main__":
    main()
