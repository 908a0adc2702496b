"""Plain gradient descent, the baseline every chapter compares against (notes, Introduction)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .base import Grad, Optimizer


class GDState(NamedTuple):
    """Gradient descent keeps no state between steps."""


class GD(Optimizer):
    r"""Gradient descent: step against the gradient, scaled by the learning rate.

    .. math::

        \theta_{t+1} = \theta_t - \alpha\, g_t, \qquad g_t = \nabla J(\theta_t)

    ``lr`` is α, the learning rate (α > 0).

    Reference: the notes, "Introduction" ("the original update equation", written there as
    θ_{t+1} = θ_t − α dJ/dθ).

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.GD(lr=0.1)
    >>> theta, state = opt.step(lambda th: 2 * th, np.array([1.0]), opt.init(np.array([1.0])))
    >>> print(theta)
    [0.8]
    """

    name = "GD"

    def __init__(self, lr: float):
        self.lr = _validate.positive("lr", "α", lr)  # α
        self._freeze()

    def init(self, theta: np.ndarray) -> GDState:
        return GDState()

    def step(self, grad: Grad, theta: np.ndarray, state: GDState):
        g = grad(theta)                      # g_t = ∇J(θ_t)
        theta_next = theta - self.lr * g     # θ_{t+1} = θ_t − α g_t
        return theta_next, state
