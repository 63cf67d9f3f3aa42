"""What the benchmark scripts share: BLAS thread pinning and a median timer."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pin_threads(threads: int) -> None:
    """Fix BLAS/OpenMP threads (0 keeps the library default) and make `app` importable.

    Call before numpy is imported: OpenBLAS reads its thread count when it loads.
    """
    if threads > 0:
        os.environ["OPENBLAS_NUM_THREADS"] = str(threads)
        os.environ["OMP_NUM_THREADS"] = str(threads)
    sys.path.insert(0, str(ROOT))


def median_time(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of fn() over `repeats` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def interleaved_times(fns: list[Callable[[], object]], repeats: int) -> list[list[float]]:
    """Wall times of each fn over `repeats` rounds, the fns taking turns within every round
    (after one warm-up each): on a shared machine they then see the same load."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, out in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return times


def paired_ratio(ours: list[float], theirs: list[float]) -> float:
    """Median over the rounds of ours/theirs, each round's two times taken back to back."""
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
