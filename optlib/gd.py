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

        \theta_t = \theta_{t-1} - \alpha\, g_t, \qquad g_t = \nabla J(\theta_{t-1})

    for the steps :math:`t = 1, 2, \dots` from the start :math:`\theta_0`. ``lr`` is :math:`\alpha`,
    the learning rate (:math:`\alpha > 0`).

    A schedule in place of the number: ``lr`` may be a callable :math:`t \mapsto \alpha_t`
    (:mod:`optlib.schedules`), and step :math:`t` then uses :math:`\alpha_t` where the equation has
    :math:`\alpha` (``optimizer.at(t)``; :func:`optlib.run` does it for every step).

    Reference: the notes, "Introduction" ("the original update equation", written there as
    :math:`\theta_{t+1} = \theta_t - \alpha\, dJ/d\theta`, the same rule with the gradient taken at
    the point it leaves).

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.GD(lr=0.1)
    >>> theta0 = np.array([1.0])
    >>> theta, state = opt.step(lambda th: 2 * th, theta0, opt.init(theta0))
    >>> print(theta)
    [0.8]
    """

    name = "GD"

    def __init__(self, lr: float):
        self.lr = _validate.learning_rate("lr", "α", lr)  # α
        self._freeze()

    def init(self, theta: np.ndarray) -> GDState:
        return GDState()

    def step(self, grad: Grad, theta: np.ndarray, state: GDState):
        g = grad(theta)                      # g_t = ∇J(θ_{t−1})
        theta_next = theta - self.lr * g     # θ_t = θ_{t−1} − α g_t
        return theta_next, state
