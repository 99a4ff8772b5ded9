"""Timing: many iterations per sample, several samples, median / min / max per operation."""

from __future__ import annotations

import gc
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

__all__ = ["Row", "Stats", "per_op", "whole", "process", "paired", "paired_processes"]


@dataclass(frozen=True)
class Stats:
    """Seconds per operation: the median, min and max over the samples."""

    median: float
    low: float
    high: float

    @staticmethod
    def of(samples: Sequence[float]) -> Stats:
        return Stats(statistics.median(samples), min(samples), max(samples))


def per_op(fn: Callable[[], object], inner: int, samples: int = 7) -> Stats:
    """Time ``fn`` called ``inner`` times per sample (after a warm-up sample)."""
    results = []
    fn()
    gc.disable()
    try:
        for i in range(samples + 1):
            start = time.perf_counter_ns()
            for _ in range(inner):
                fn()
            elapsed = (time.perf_counter_ns() - start) / 1e9 / inner
            if i:
                results.append(elapsed)
    finally:
        gc.enable()
    return Stats.of(results)


def whole(fn: Callable[[], object], samples: int = 7) -> Stats:
    """Time one call of ``fn`` per sample (after a warm-up)."""
    return per_op(fn, 1, samples)


def process(argv: list[str], samples: int = 11, env: dict[str, str] | None = None) -> Stats:
    """Wall time of a whole process (after a warm-up run)."""
    results = []
    for i in range(samples + 1):
        start = time.perf_counter_ns()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        elapsed = (time.perf_counter_ns() - start) / 1e9
        if done.returncode != 0:
            sys.exit(f"{argv} failed: {done.stderr.decode()[-500:]}")
        if i:
            results.append(elapsed)
    return Stats.of(results)


def paired(fns: dict[str, Callable[[], object]], inner: int, samples: int = 9) -> dict[str, Stats]:
    """Time each of ``fns`` (``inner`` calls per sample) in interleaved rounds: one sample
    of each per round, in a rotating order, so that a drift in the machine's speed (another
    process, a frequency change) falls on every contender alike rather than on one."""
    names = list(fns)
    results: dict[str, list[float]] = {name: [] for name in names}
    for fn in fns.values():  # warm-up: first calls bind C functions, fill caches
        for _ in range(min(inner, 1000)):
            fn()
    gc.disable()
    try:
        for r in range(samples):
            for name in names[r % len(names):] + names[:r % len(names)]:
                fn = fns[name]
                start = time.perf_counter_ns()
                for _ in range(inner):
                    fn()
                results[name].append((time.perf_counter_ns() - start) / 1e9 / inner)
    finally:
        gc.enable()
    return {name: Stats.of(values) for name, values in results.items()}


def paired_processes(argvs: dict[str, list[str]], samples: int = 31,
                     env: dict[str, str] | None = None) -> dict[str, Stats]:
    """Wall time of whole processes, interleaved (A B C A B C ...) after one warm-up each."""
    results: dict[str, list[float]] = {name: [] for name in argvs}
    for i in range(samples + 1):
        for name, argv in argvs.items():
            start = time.perf_counter_ns()
            done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
            elapsed = (time.perf_counter_ns() - start) / 1e9
            if done.returncode != 0:
                sys.exit(f"{argv} failed: {done.stderr.decode()[-500:]}")
            if i:
                results[name].append(elapsed)
    return {name: Stats.of(values) for name, values in results.items()}


@dataclass(frozen=True)
class Row:
    """One benchmark: seconds per operation for each contender, and the target."""

    group: str
    name: str
    wt: Stats | None  # None: the API this needs does not exist yet
    wasmtime_py: Stats | None
    floor: Stats | None = None
    target: str = ""
    unit: str = "µs"
    per: float = 1.0  # divide seconds by this before converting to the unit (e.g. bytes)
    short: str = ""  # the chart's label, when the name is long
    gap: str = ""  # why the target is out of reach, shown beside a miss (with where the measurement is)
