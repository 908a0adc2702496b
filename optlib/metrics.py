"""Numbers read off a trajectory: distance to a point, iterations to a tolerance, overshoots."""

from __future__ import annotations

from typing import Optional

import numpy as np


def distance_to(thetas, point) -> np.ndarray:
    """‖θ_t − point‖₂ for every row θ_t of ``thetas`` (e.g. ``traj.thetas`` and ``problem.minimizer``)."""
    thetas = np.asarray(thetas, dtype=np.float64)
    d = thetas - np.asarray(point, dtype=np.float64)
    return np.sqrt(np.sum(d.reshape(len(d), -1) ** 2, axis=1))


def iterations_to_tolerance(errors, tol: float) -> Optional[int]:
    """The first t from which ``errors[t] ≤ tol`` holds to the end of the run, or None.

    "Stays below" rather than "first dips below", so that an oscillating method is not credited for
    passing through the target on its way past it.

    >>> iterations_to_tolerance([4.0, 0.5, 2.0, 0.5, 0.1], tol=1.0)
    3
    """
    errors = np.asarray(errors, dtype=np.float64)
    if tol <= 0 or not np.isfinite(tol):
        raise ValueError(f"tol must be a positive number, got {tol}")
    above = np.flatnonzero(~(errors <= tol))
    if len(above) == 0:
        return 0
    t = int(above[-1]) + 1
    return t if t < len(errors) else None


def overshoots(values, target: float = 0.0) -> np.ndarray:
    """How far a 1-D sequence swings past ``target`` after each crossing.

    The sequence is cut where it crosses ``target``; the first piece is the approach, and each later
    piece contributes its largest ``|value − target|``. A monotone approach gives an empty array.

    >>> overshoots([1.0, 0.2, -0.5, -0.3, 0.1, 0.05, -0.01]).tolist()
    [0.5, 0.1, 0.01]
    """
    d = np.asarray(values, dtype=np.float64) - target
    sign = np.sign(d)
    nz = np.flatnonzero(sign != 0)
    if len(nz) == 0:
        return np.zeros(0)
    cuts = [i for a, i in zip(nz[:-1], nz[1:]) if sign[a] != sign[i]]
    bounds = cuts + [len(d)]
    return np.array([np.max(np.abs(d[s:e])) for s, e in zip(bounds[:-1], bounds[1:])])
