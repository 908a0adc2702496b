"""Momentum and Nesterov's accelerated gradient (notes: "Momentum", "NAG")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .base import Grad, Optimizer


class MomentumState(NamedTuple):
    """The velocity V_t (V_0 = 0, an n × 1 vector of zeros in the notes)."""

    V: np.ndarray


class Momentum(Optimizer):
    r"""Gradient descent with momentum, in the notes' form (velocity includes α).

    .. math::

        V_t = \gamma V_{t-1} + \alpha \nabla J(\theta_t), \qquad
        \theta_{t+1} = \theta_t - V_t, \qquad V_0 = 0

    ``lr`` is α (α > 0) and ``gamma`` is γ, the momentum (0 ≤ γ < 1; the notes' usual value is 0.9).
    With γ = 0 this is exactly :class:`optlib.GD`. Unrolled, V_t = Σ_{i=1}^{t} γ^{t−i} α ∇J(θ_i): an
    exponentially weighted sum of past gradients (:func:`optlib.unrolled_velocity`).

    Reference: the notes, "Momentum"; Polyak (1964). ``torch.optim.SGD(momentum=γ)`` keeps the
    velocity without α (b_t = γ b_{t−1} + g_t, θ ← θ − α b_t); with a constant α the iterates agree.

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.Momentum(lr=0.1, gamma=0.9)
    >>> theta, state = np.array([1.0]), opt.init(np.array([1.0]))
    >>> for _ in range(2):
    ...     theta, state = opt.step(lambda th: 2 * th, theta, state)
    >>> print(theta, state.V)
    [0.46] [0.34]
    """

    name = "Momentum"

    def __init__(self, lr: float, gamma: float = 0.9):
        self.lr = _validate.positive("lr", "α", lr)          # α
        self.gamma = _validate.decay("gamma", "γ", gamma)    # γ
        self._freeze()

    def init(self, theta: np.ndarray) -> MomentumState:
        return MomentumState(V=np.zeros_like(theta))                       # V_0 = 0

    def step(self, grad: Grad, theta: np.ndarray, state: MomentumState):
        g = grad(theta)                                  # ∇J(θ_t)
        V = self.gamma * state.V + self.lr * g           # V_t = γ V_{t−1} + α ∇J(θ_t)
        theta_next = theta - V                           # θ_{t+1} = θ_t − V_t
        return theta_next, MomentumState(V=V)


class NAGState(NamedTuple):
    """The velocity V_t (V_0 = 0)."""

    V: np.ndarray


class NAG(Optimizer):
    r"""Nesterov's accelerated gradient: momentum that looks a step ahead.

    .. math::

        \theta_{temp} = \theta_t - \gamma V_{t-1}, \qquad
        V_t = \gamma V_{t-1} + \alpha \nabla J(\theta_{temp}), \qquad
        \theta_{t+1} = \theta_t - V_t, \qquad V_0 = 0

    which is the same point as θ_{t+1} = θ_temp − α∇J(θ_temp). ``lr`` is α (α > 0) and ``gamma`` is γ
    (0 ≤ γ < 1). The gradient is taken at the look-ahead point θ_temp, never at θ_t.

    Reference: the notes, "NAG (Nesterov Accelerated Gradient)"; Nesterov (1983); Sutskever et al.
    (2013), whose form this is. ``torch.optim.SGD(nesterov=True)`` stores the look-ahead point
    θ_temp instead of θ_t (see the appendix on PyTorch).

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.NAG(lr=0.1, gamma=0.9)
    >>> theta, state = np.array([1.0]), opt.init(np.array([1.0]))
    >>> for _ in range(2):
    ...     theta, state = opt.step(lambda th: 2 * th, theta, state)
    >>> print(theta, state.V)
    [0.496] [0.304]
    """

    name = "NAG"

    def __init__(self, lr: float, gamma: float = 0.9):
        self.lr = _validate.positive("lr", "α", lr)          # α
        self.gamma = _validate.decay("gamma", "γ", gamma)    # γ
        self._freeze()

    def init(self, theta: np.ndarray) -> NAGState:
        return NAGState(V=np.zeros_like(theta))                            # V_0 = 0

    def lookahead(self, theta: np.ndarray, state: NAGState) -> np.ndarray:
        """θ_temp = θ_t − γV_{t−1}, the point where the next step takes its gradient."""
        return theta - self.gamma * state.V

    def step(self, grad: Grad, theta: np.ndarray, state: NAGState):
        theta_temp = theta - self.gamma * state.V        # θ_temp = θ_t − γ V_{t−1}
        g = grad(theta_temp)                             # ∇J(θ_temp)
        V = self.gamma * state.V + self.lr * g           # V_t = γ V_{t−1} + α ∇J(θ_temp)
        theta_next = theta - V                           # θ_{t+1} = θ_t − V_t
        return theta_next, NAGState(V=V)
