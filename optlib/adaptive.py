"""Per-coordinate adaptive learning rates: AdaGrad and RMSProp (notes: "AdaGrad", "RMSProp").

Both divide α by √G_t + ε, coordinate by coordinate (⊙ is the element-wise product). ε sits outside
the square root, as in the notes, PyTorch and Kingma & Ba; some textbooks and Keras put it inside.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .base import Grad, Optimizer


class AdaGradState(NamedTuple):
    r"""The running sum of squared gradients :math:`G_t` after step :math:`t`, per coordinate.

    Before the first step :math:`G_0 = 0`.
    """

    G: np.ndarray


class AdaGrad(Optimizer):
    r"""AdaGrad: divide each coordinate's step by the root of its summed squared gradients.

    .. math::

        G_t = G_{t-1} + g_t \odot g_t, \qquad
        \theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t} + \epsilon} \odot g_t

    for the steps :math:`t = 1, 2, \dots` from the start :math:`\theta_0`, with
    :math:`g_t = \nabla J(\theta_{t-1})` and :math:`G_0 = 0`. The notes number the start
    :math:`\theta_1` and write the same step as

    .. math::

        \theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{G_t} + \epsilon} \odot g_t

    ``lr`` is :math:`\alpha` (:math:`\alpha > 0`) and ``eps`` is :math:`\epsilon`
    (:math:`\epsilon \ge 0`, default :math:`10^{-8}`), added outside the square root: it keeps the step
    finite, 0 instead of 0/0, in a coordinate whose gradients have all been zero so far
    (:math:`G_t = 0`). :math:`\odot` is the element-wise product.

    A schedule in place of the number: ``lr`` may be a callable :math:`t \mapsto \alpha_t`
    (:mod:`optlib.schedules`), and step :math:`t` then uses :math:`\alpha_t` where the equation has
    :math:`\alpha` (``optimizer.at(t)``; :func:`optlib.run` does it for every step).
    ``effective_lr`` then needs the rate of the step it is for: ``opt.at(t + 1).effective_lr(state)``.

    The effective rate :math:`\alpha/(\sqrt{G_t} + \epsilon)` (:meth:`effective_lr`) can only fall;
    how fast depends on the gradients. While their squares keep a constant average size :math:`g^2` (a
    constant gradient, or the noise of mini-batch gradients near a minimum),
    :math:`G_t \approx t\, g^2` and the rate falls like :math:`1/\sqrt{t}`: the notes' "killing
    learning rate" on dense features. When the gradients shrink (full-batch gradients converging to a
    minimum), :math:`G_t` levels off and the rate stops falling; large early gradients (a start far
    away) stay in :math:`G_t` and make the rate smaller, and its fall over a later window slower than
    :math:`1/\sqrt{t}`.

    Reference: the notes, "Adaptive Gradient (AdaGrad)"; Duchi, Hazan & Singer (2011).
    ``torch.optim.Adagrad`` with ``initial_accumulator_value=0`` and ``lr_decay=0`` is the same.

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.AdaGrad(lr=0.1)
    >>> theta0 = np.array([1.0, -3.0])
    >>> theta, state = opt.step(lambda th: 2 * th, theta0, opt.init(theta0))
    >>> print(theta, state.G)
    [ 0.9 -2.9] [ 4. 36.]
    """

    name = "AdaGrad"

    def __init__(self, lr: float, eps: float = 1e-8):
        self.lr = _validate.learning_rate("lr", "α", lr)            # α
        self.eps = _validate.non_negative("eps", "ε", eps)     # ε
        self._freeze()

    def init(self, theta: np.ndarray) -> AdaGradState:
        return AdaGradState(G=np.zeros_like(theta))                        # G_0 = 0

    def step(self, grad: Grad, theta: np.ndarray, state: AdaGradState):
        g = grad(theta)                   # g_t = ∇J(θ_{t−1})
        G = state.G + g * g               # G_t = G_{t−1} + g_t ⊙ g_t
        # θ_t = θ_{t−1} − α/(√G_t + ε) ⊙ g_t
        theta_next = theta - self.lr / (np.sqrt(G) + self.eps) * g
        return theta_next, AdaGradState(G=G)

    def effective_lr(self, state: AdaGradState) -> np.ndarray:
        r""":math:`\alpha/(\sqrt{G_t} + \epsilon)`: the rate each coordinate gets at step
        :math:`t + 1`."""
        return self.lr / (np.sqrt(state.G) + self.eps)


class RMSPropState(NamedTuple):
    r"""The exponentially weighted moving average of squared gradients :math:`G_t` after step :math:`t`.

    Before the first step :math:`G_0 = 0`.
    """

    G: np.ndarray


class RMSProp(Optimizer):
    r"""RMSProp: AdaGrad with an exponentially weighted moving average in place of the sum.

    .. math::

        G_t = \beta G_{t-1} + (1 - \beta)\, g_t^2, \qquad
        \theta_t = \theta_{t-1} - \frac{\alpha}{\sqrt{G_t} + \epsilon} \odot g_t

    for the steps :math:`t = 1, 2, \dots` from the start :math:`\theta_0`, with
    :math:`g_t = \nabla J(\theta_{t-1})` and :math:`G_0 = 0`. The notes, their start being
    :math:`\theta_1`, write the same step as

    .. math::

        \theta_{t+1} = \theta_t - \frac{\alpha}{\sqrt{G_t} + \epsilon} \odot g_t

    ``lr`` is :math:`\alpha` (:math:`\alpha > 0`), ``beta`` is :math:`\beta`, the decay
    (:math:`0 \le \beta < 1`, default 0.9) and ``eps`` is :math:`\epsilon` (:math:`\epsilon \ge 0`,
    default :math:`10^{-8}`), outside the square root. :math:`G_t` weighs :math:`g_i^2` by
    :math:`(1 - \beta)\, \beta^{t-i}` (:func:`optlib.ewma_weights`), a window of about
    :math:`1/(1 - \beta)` steps. Because those weights sum to :math:`1 - \beta^t`, the first steps are
    too large: on a constant gradient the step is :math:`\alpha/\sqrt{1 - \beta^t}`, from
    :math:`\alpha/\sqrt{1 - \beta}` at :math:`t = 1` down to :math:`\alpha`.

    A schedule in place of the number: ``lr`` may be a callable :math:`t \mapsto \alpha_t`
    (:mod:`optlib.schedules`), and step :math:`t` then uses :math:`\alpha_t` where the equation has
    :math:`\alpha` (``optimizer.at(t)``; :func:`optlib.run` does it for every step).

    Reference: the notes, "RMSProp"; Hinton, Neural Networks for Machine Learning, lecture 6e.
    ``torch.optim.RMSprop(alpha=β)`` is the same (PyTorch calls :math:`\beta` ``alpha``).

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.RMSProp(lr=0.01, beta=0.9)
    >>> theta0 = np.array([1.0])
    >>> theta, state = opt.step(lambda th: 2 * th, theta0, opt.init(theta0))
    >>> print(state.G, f"{theta[0]:.6f}")
    [0.4] 0.968377
    """

    name = "RMSProp"

    def __init__(self, lr: float, beta: float = 0.9, eps: float = 1e-8):
        self.lr = _validate.learning_rate("lr", "α", lr)            # α
        self.beta = _validate.decay("beta", "β", beta)         # β
        self.eps = _validate.non_negative("eps", "ε", eps)     # ε
        self._freeze()

    def init(self, theta: np.ndarray) -> RMSPropState:
        return RMSPropState(G=np.zeros_like(theta))                        # G_0 = 0

    def step(self, grad: Grad, theta: np.ndarray, state: RMSPropState):
        g = grad(theta)                   # g_t = ∇J(θ_{t−1})
        # G_t = β G_{t−1} + (1 − β) g_t²
        G = self.beta * state.G + (1 - self.beta) * g * g
        # θ_t = θ_{t−1} − α/(√G_t + ε) ⊙ g_t
        theta_next = theta - self.lr / (np.sqrt(G) + self.eps) * g
        return theta_next, RMSPropState(G=G)

    def effective_lr(self, state: RMSPropState) -> np.ndarray:
        r""":math:`\alpha/(\sqrt{G_t} + \epsilon)`: the rate each coordinate gets at step
        :math:`t + 1`."""
        return self.lr / (np.sqrt(state.G) + self.eps)
