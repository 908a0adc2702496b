"""Interleaved timing: every candidate is timed in every repetition, in a rotating order.

On a shared machine a single figure is noise; two figures taken minutes apart are two noises. Here all
candidates of one comparison are timed back to back in each repetition (the order rotates so that
none always goes first), and a ratio is the median over repetitions of the ratio *within* a repetition:
a burst of load from another process slows both sides of that repetition alike.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Callable, Dict, List

#: a candidate: ``run(k)`` makes k steps (or k of whatever is timed) and returns nothing
Candidate = Callable[[int], None]


def calibrate(run: Candidate, target: float) -> int:
    """The number of calls k for which ``run(k)`` takes about ``target`` seconds (at least 1)."""
    k = 1
    while True:
        start = time.perf_counter()
        run(k)
        elapsed = time.perf_counter() - start
        if elapsed >= target / 4 or k >= 1 << 22:
            return max(1, int(k * target / max(elapsed, 1e-9)))
        k *= 4


def interleaved(candidates: Dict[str, Candidate], reps: int = 7, target: float = 0.02) -> Dict[str, List[float]]:
    """Seconds per call of each candidate, one value per repetition, all timed in the same repetitions.

    Each candidate first runs once (warm-up) and is calibrated to about ``target`` seconds a sample; the
    garbage collector is off while a sample is timed, as in :mod:`timeit`.
    """
    names = list(candidates)
    calls = {}
    for name in names:
        candidates[name](1)
        calls[name] = calibrate(candidates[name], target)
    samples: Dict[str, List[float]] = {name: [] for name in names}
    for rep in range(reps):
        order = names[rep % len(names):] + names[:rep % len(names)]
        for name in order:
            k = calls[name]
            gc.disable()
            try:
                start = time.perf_counter()
                candidates[name](k)
                elapsed = time.perf_counter() - start
            finally:
                gc.enable()
            samples[name].append(elapsed / k)
    return samples


def median(values: List[float]) -> float:
    return statistics.median(values)


def paired_ratio(a: List[float], b: List[float]) -> float:
    """The median over repetitions of a[i] / b[i] (a ratio > 1 means a is slower)."""
    return statistics.median(x / y for x, y in zip(a, b))
