"""Numbers read off a trajectory: distance to a point, iterations to a tolerance, overshoots."""

from __future__ import annotations

from typing import Optional

import numpy as np


def distance_to(thetas, point) -> np.ndarray:
    r""":math:`\lVert \theta_t - p \rVert_2` for every row :math:`\theta_t` of ``thetas``, :math:`p` being
    ``point`` (e.g. ``traj.thetas`` and ``problem.minimizer``)."""
    thetas = np.asarray(thetas, dtype=np.float64)
    d = thetas - np.asarray(point, dtype=np.float64)
    return np.sqrt(np.sum(d.reshape(len(d), -1) ** 2, axis=1))


def iterations_to_tolerance(errors, tol: float) -> Optional[int]:
    """The first :math:`t` from which ``errors[t] ≤ tol`` holds to the end of the run, or None.

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


def layer_movement(problem, trajectory, t: Optional[int] = None) -> np.ndarray:
    r"""How far each layer's parameters moved from :math:`\theta_0` to :math:`\theta_t`.

    For a layered problem (one whose ``unpack(θ)`` returns the lists :math:`[W_1, \dots, W_L]` and
    :math:`[b_1, \dots, b_L]`, such as :class:`optlib.SigmoidChain`), the Euclidean norm of the change
    of layer :math:`l`'s weights and biases together,

    .. math::

        \lVert (W_l, b_l)(\theta_t) - (W_l, b_l)(\theta_0) \rVert

    for :math:`l = 1, \dots, L`; ``t`` defaults to the last step of the run. Comparing the first
    layer's movement with the last layer's shows whether an optimizer lets vanishing gradients freeze
    the first layers. After one step of gradient descent, each layer has moved :math:`\alpha` times its
    gradient:

    >>> import optlib
    >>> chain = optlib.SigmoidChain(depth=3, seed=0)
    >>> traj = optlib.run(optlib.GD(lr=0.5), chain.grad, chain.theta0, steps=1)
    >>> moved = layer_movement(chain, traj)
    >>> dWs, dbs, _ = chain.backprop(chain.theta0)
    >>> grads = [np.sqrt(np.sum(dW ** 2) + np.sum(db ** 2))
    ...          for dW, db in zip(dWs, dbs)]
    >>> moved.shape, bool(np.allclose(moved, 0.5 * np.array(grads), rtol=1e-12))
    ((3,), True)
    """
    unpack = getattr(problem, "unpack", None)
    if unpack is None:
        raise ValueError(f"layer_movement needs a layered problem with unpack(θ), and {problem!r} has none")
    thetas = trajectory.thetas
    t = len(thetas) - 1 if t is None else t
    if not 0 <= t < len(thetas):
        raise ValueError(f"t must satisfy 0 ≤ t ≤ {len(thetas) - 1} (the run's steps), got {t}")
    start, now = unpack(thetas[0]), unpack(thetas[t])
    if len(start) != 2 or len(start[0]) != len(start[1]):
        raise ValueError(f"layer_movement needs unpack(θ) to return ([W_1 … W_L], [b_1 … b_L]); "
                         f"{problem!r} returns {len(start)} parts")
    return np.array([np.sqrt(np.sum((W - W0) ** 2) + np.sum((b - b0) ** 2))
                     for W0, b0, W, b in zip(start[0], start[1], now[0], now[1])])
