"""Momentum and Nesterov's accelerated gradient (notes: "Momentum", "NAG")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .base import Grad, Optimizer


class MomentumState(NamedTuple):
    r"""The velocity :math:`V_t` after step :math:`t`.

    Before the first step :math:`V_0 = 0`, the notes' :math:`n \times 1` vector of zeros.
    """

    V: np.ndarray


class Momentum(Optimizer):
    r"""Gradient descent with momentum, in the notes' form (the velocity includes :math:`\alpha`).

    .. math::

        V_t = \gamma V_{t-1} + \alpha\, g_t, \qquad \theta_t = \theta_{t-1} - V_t

        g_t = \nabla J(\theta_{t-1}), \qquad V_0 = 0

    for the steps :math:`t = 1, 2, \dots` from the start :math:`\theta_0`. ``lr`` is :math:`\alpha`
    (:math:`\alpha > 0`) and ``gamma`` is :math:`\gamma`, the momentum (:math:`0 \le \gamma < 1`; the
    notes' usual value is 0.9). With :math:`\gamma = 0` this is exactly :class:`optlib.GD`. Unrolled,
    :math:`V_t = \sum_{i=1}^{t} \gamma^{t-i} \alpha\, g_i`: an exponentially weighted sum of past
    gradients (:func:`optlib.unrolled_velocity`).

    Reference: the notes, "Momentum", which write :math:`V_t = \gamma V_{t-1} + \alpha \nabla\theta_t`
    and :math:`\theta_{t+1} = \theta_t - V_t` with the start numbered :math:`\theta_1`; Polyak (1964).
    ``torch.optim.SGD(momentum=γ)`` keeps the velocity without :math:`\alpha`
    (:math:`b_t = \gamma b_{t-1} + g_t`, :math:`\theta_t = \theta_{t-1} - \alpha b_t`); with a constant
    :math:`\alpha` the iterates agree.

    With a schedule (``lr`` a callable :math:`t \mapsto \alpha_t`, :mod:`optlib.schedules`) the rate
    enters where the notes' equation has :math:`\alpha`:

    .. math::

        V_t = \gamma V_{t-1} + \alpha_t\, g_t, \qquad \theta_t = \theta_{t-1} - V_t,

    so each gradient keeps the rate of the step that took it. PyTorch's SGD multiplies the whole buffer
    by the current rate instead, :math:`\theta_t = \theta_{t-1} - \alpha_t b_t`: once :math:`\alpha_t`
    changes, the old gradients are rescaled too and the two iterates differ. They are equal again if
    PyTorch's momentum is set to :math:`\gamma\, \alpha_{t-1}/\alpha_t` at each step
    :math:`t \ge 2` (then :math:`\alpha_t b_t = V_t` at every step).

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
        self.lr = _validate.learning_rate("lr", "α", lr)          # α
        self.gamma = _validate.decay("gamma", "γ", gamma)    # γ
        self._freeze()

    def init(self, theta: np.ndarray) -> MomentumState:
        return MomentumState(V=np.zeros_like(theta))                       # V_0 = 0

    def step(self, grad: Grad, theta: np.ndarray, state: MomentumState):
        g = grad(theta)                          # g_t = ∇J(θ_{t−1})
        V = self.gamma * state.V + self.lr * g   # V_t = γ V_{t−1} + α g_t
        theta_next = theta - V                   # θ_t = θ_{t−1} − V_t
        return theta_next, MomentumState(V=V)


class NAGState(NamedTuple):
    r"""The velocity :math:`V_t` after step :math:`t` (:math:`V_0 = 0`)."""

    V: np.ndarray


class NAG(Optimizer):
    r"""Nesterov's accelerated gradient: momentum that looks a step ahead.

    .. math::

        \theta_{temp} = \theta_{t-1} - \gamma V_{t-1}, \qquad g_t = \nabla J(\theta_{temp})

        V_t = \gamma V_{t-1} + \alpha\, g_t

        \theta_t = \theta_{t-1} - V_t, \qquad V_0 = 0

    for the steps :math:`t = 1, 2, \dots` from the start :math:`\theta_0`; :math:`\theta_t` is the same
    point as :math:`\theta_{temp} - \alpha\, g_t`. ``lr`` is :math:`\alpha` (:math:`\alpha > 0`) and
    ``gamma`` is :math:`\gamma` (:math:`0 \le \gamma < 1`). The gradient is taken at the look-ahead point
    :math:`\theta_{temp}`, never at :math:`\theta_{t-1}`.

    Reference: the notes, "NAG (Nesterov Accelerated Gradient)", with the start numbered
    :math:`\theta_1`; Nesterov (1983); Sutskever et al. (2013), whose form this is.
    ``torch.optim.SGD(nesterov=True)`` stores the look-ahead point
    :math:`\theta_t - \gamma V_t` instead of :math:`\theta_t` (see the appendix on PyTorch).

    With a schedule (``lr`` a callable :math:`t \mapsto \alpha_t`, :mod:`optlib.schedules`),
    :math:`V_t = \gamma V_{t-1} + \alpha_t\, g_t`, the rate where the notes' equation has
    :math:`\alpha`, and the look-ahead point is still :math:`\theta_{t-1} - \gamma V_{t-1}`. PyTorch's
    Nesterov SGD multiplies its buffer by the current :math:`\alpha_t`, as for
    :class:`optlib.Momentum`, and differs from this once :math:`\alpha_t` changes; unlike momentum, no per-step choice of PyTorch's
    momentum makes the two equal (its buffer and its look-ahead share one :math:`\mu`).

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
        self.lr = _validate.learning_rate("lr", "α", lr)          # α
        self.gamma = _validate.decay("gamma", "γ", gamma)    # γ
        self._freeze()

    def init(self, theta: np.ndarray) -> NAGState:
        return NAGState(V=np.zeros_like(theta))                            # V_0 = 0

    def lookahead(self, theta: np.ndarray, state: NAGState) -> np.ndarray:
        r"""The point where step :math:`t` takes its gradient.

        :math:`\theta_{temp} = \theta_{t-1} - \gamma V_{t-1}`: ``theta``
        is :math:`\theta_{t-1}`, ``state`` the state after step
        :math:`t - 1`.
        """
        return theta - self.gamma * state.V

    def step(self, grad: Grad, theta: np.ndarray, state: NAGState):
        # θ_temp = θ_{t−1} − γ V_{t−1}
        theta_temp = theta - self.gamma * state.V
        g = grad(theta_temp)                     # g_t = ∇J(θ_temp)
        V = self.gamma * state.V + self.lr * g   # V_t = γ V_{t−1} + α g_t
        theta_next = theta - V                   # θ_t = θ_{t−1} − V_t
        return theta_next, NAGState(V=V)
