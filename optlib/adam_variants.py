"""After the notes: AdamW (decoupled weight decay) and AMSGrad (a second moment that never shrinks)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .adam import AdamState
from .base import Grad, Optimizer


class AdamW(Optimizer):
    r"""AdamW: Adam with decoupled weight decay, as ``torch.optim.AdamW`` computes it.

    .. math::

        g_t = \nabla J(\theta_{t-1}), \qquad m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t

        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2

        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}

        \theta_t = \theta_{t-1} (1 - \eta_t \lambda) - \eta_t\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`m_0 = v_0 = 0` and :math:`t = 1, 2, \dots` from the start :math:`\theta_0`: Adam's
    equations (:class:`optlib.Adam`), and the parameters shrunk by the factor
    :math:`1 - \eta_t \lambda` before Adam's step, as PyTorch does it (``param.mul_(1 - lr *
    weight_decay)``, then the step). The gradient is still taken at :math:`\theta_{t-1}`, before the
    shrinking. ``lr`` is :math:`\eta` (:math:`\eta > 0`, or a schedule :math:`t \mapsto \eta_t`, see
    :mod:`optlib.schedules`), ``beta1``, ``beta2`` and ``eps`` are Adam's :math:`\beta_1`,
    :math:`\beta_2` (:math:`0 \le \beta < 1`) and :math:`\epsilon \ge 0`, and ``weight_decay`` is
    :math:`\lambda \ge 0` (default 0.01, PyTorch's). With :math:`\lambda = 0` this is Adam.

    *Decoupled*: the decay does not pass through Adam's division by :math:`\sqrt{\hat v_t}`. L2
    regularisation, :math:`J(\theta) + \tfrac{\lambda}{2}\lVert\theta\rVert^2` given to Adam (which is
    ``torch.optim.Adam(weight_decay=λ)``), adds :math:`\lambda\theta_{t-1}` to :math:`g_t`, and that term
    is then divided by :math:`\sqrt{\hat v_t}` like the rest: coordinates with large gradients are
    barely decayed. Here every coordinate shrinks by the same factor.

    Loshchilov & Hutter (2019, Algorithm 2) write the step as
    :math:`\theta_t = \theta_{t-1} - s_t\,(\alpha\, \hat m_t/(\sqrt{\hat v_t} + \epsilon) + \lambda\theta_{t-1})`
    with a schedule multiplier :math:`s_t` and the rate :math:`\alpha`: their decay per step is
    :math:`s_t \lambda`, not multiplied by :math:`\alpha`. PyTorch (and this class) multiplies
    :math:`\lambda` by the learning rate :math:`\eta_t = s_t \alpha`, so the paper's :math:`\lambda` is
    :math:`\eta\lambda` here.

    The state is Adam's (:class:`optlib.AdamState`: :math:`t`, :math:`m_t`, :math:`v_t`).

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.AdamW(lr=0.1, weight_decay=0.5)
    >>> theta0 = np.array([1.0])
    >>> theta, state = opt.step(lambda th: 2 * th, theta0, opt.init(theta0))
    >>> print(f"{theta[0]:.6f}")          # 1 · (1 − 0.1 · 0.5) − 0.1 · 1
    0.850000
    """

    name = "AdamW"
    lr_symbol = "η"

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.01):
        self.lr = _validate.learning_rate("lr", "η", lr)                         # η
        self.beta1 = _validate.decay("beta1", "β1", beta1)                       # β1
        self.beta2 = _validate.decay("beta2", "β2", beta2)                       # β2
        self.eps = _validate.non_negative("eps", "ε", eps)                       # ε
        self.weight_decay = _validate.non_negative("weight_decay", "λ", weight_decay)  # λ
        self._freeze()

    def init(self, theta: np.ndarray) -> AdamState:
        return AdamState(t=0, m=np.zeros_like(theta), v=np.zeros_like(theta))  # m_0 = v_0 = 0

    def step(self, grad: Grad, theta: np.ndarray, state: AdamState):
        t = state.t + 1                                        # t counts from 1
        g = grad(theta)                                        # g_t = ∇J(θ_{t−1})
        m = self.beta1 * state.m + (1 - self.beta1) * g        # m_t = β1 m_{t−1} + (1 − β1) g_t
        v = self.beta2 * state.v + (1 - self.beta2) * g * g    # v_t = β2 v_{t−1} + (1 − β2) g_t²
        m_hat = m / (1 - self.beta1 ** t)                      # m̂_t = m_t / (1 − β1^t)
        v_hat = v / (1 - self.beta2 ** t)                      # v̂_t = v_t / (1 − β2^t)
        decayed = theta * (1 - self.lr * self.weight_decay)    # θ_{t−1}(1 − ηλ): the decoupled decay
        theta_next = decayed - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # θ_t = … − η m̂_t/(√v̂_t + ε)
        return theta_next, AdamState(t, m, v)


class AMSGradState(NamedTuple):
    r"""The step count :math:`t`, Adam's two moments, and the largest second moment so far, after step :math:`t`.

    Before the first step :math:`t = 0` and :math:`m_0 = v_0 = v^{\max}_0 = 0`.
    """

    t: int
    m: np.ndarray       # m_t, 1st moment: EWMA of gradients
    v: np.ndarray       # v_t, 2nd moment: EWMA of squared gradients
    v_max: np.ndarray   # v_t^max = max(v_1, …, v_t), per coordinate


class AMSGrad(Optimizer):
    r"""AMSGrad as ``torch.optim.Adam(amsgrad=True)`` computes it: Adam dividing by the largest :math:`v` so far.

    .. math::

        g_t = \nabla J(\theta_{t-1}), \qquad m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t

        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2, \qquad v^{\max}_t = \max(v^{\max}_{t-1}, v_t)

        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v^{\max}_t}{1 - \beta_2^t}

        \theta_t = \theta_{t-1} - \eta_t\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`m_0 = v_0 = v^{\max}_0 = 0`, :math:`t = 1, 2, \dots` from the start :math:`\theta_0`,
    and the maximum taken per coordinate. ``lr`` is :math:`\eta` (a number :math:`\eta > 0` or a schedule
    :math:`t \mapsto \eta_t`), ``beta1``, ``beta2``, ``eps`` as in :class:`optlib.Adam`.

    Adam's :math:`v_t` forgets: when the gradients become small, :math:`\sqrt{\hat v_t}` falls and the
    step :math:`\eta\, \hat m_t/\sqrt{\hat v_t}` grows back. Here the denominator keeps the largest
    second moment seen.

    What PyTorch keeps, and this class with it, is the maximum of the *uncorrected* :math:`v_t`, divided
    by :math:`1 - \beta_2^t` of the current step (PyTorch writes the denominator
    :math:`\sqrt{v^{\max}_t}/\sqrt{1 - \beta_2^t} + \epsilon`, the same number up to rounding).
    :math:`v^{\max}_t` never decreases, but :math:`\hat v_t` can, and by much while :math:`1 - \beta_2^t`
    still grows (the first :math:`1/(1 - \beta_2)` steps or so): large gradients of the first steps enter
    :math:`v^{\max}_t` only at the size :math:`v_t` had then, a fraction :math:`1 - \beta_2^t` of their
    square. Reddi, Kale & Kumar (2018, Algorithm 2) define AMSGrad without bias correction:
    :math:`\hat v_t = \max(\hat v_{t-1}, v_t)` and
    :math:`\theta_t = \theta_{t-1} - \eta_t\, m_t/\sqrt{\hat v_t}`, with :math:`\eta_t = \eta/\sqrt{t}` in
    their convergence theorem and no :math:`\epsilon`. The two differ in the first steps (while
    :math:`\beta_1^t` and :math:`\beta_2^t` are not small) and by :math:`\epsilon`.

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.AMSGrad(lr=0.1)
    >>> theta0 = np.array([1.0])
    >>> theta, state = opt.step(lambda th: 2 * th, theta0, opt.init(theta0))
    >>> print(state.t, state.v_max, f"{theta[0]:.6f}")
    1 [0.004] 0.900000
    """

    name = "AMSGrad"
    lr_symbol = "η"

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = _validate.learning_rate("lr", "η", lr)              # η
        self.beta1 = _validate.decay("beta1", "β1", beta1)            # β1
        self.beta2 = _validate.decay("beta2", "β2", beta2)            # β2
        self.eps = _validate.non_negative("eps", "ε", eps)            # ε
        self._freeze()

    def init(self, theta: np.ndarray) -> AMSGradState:
        return AMSGradState(t=0, m=np.zeros_like(theta), v=np.zeros_like(theta),
                            v_max=np.zeros_like(theta))              # m_0 = v_0 = v_0^max = 0

    def step(self, grad: Grad, theta: np.ndarray, state: AMSGradState):
        t = state.t + 1                                        # t counts from 1
        g = grad(theta)                                        # g_t = ∇J(θ_{t−1})
        m = self.beta1 * state.m + (1 - self.beta1) * g        # m_t = β1 m_{t−1} + (1 − β1) g_t
        v = self.beta2 * state.v + (1 - self.beta2) * g * g    # v_t = β2 v_{t−1} + (1 − β2) g_t²
        v_max = np.maximum(state.v_max, v)                     # v_t^max = max(v_{t−1}^max, v_t)
        m_hat = m / (1 - self.beta1 ** t)                      # m̂_t = m_t / (1 − β1^t)
        v_hat = v_max / (1 - self.beta2 ** t)                  # v̂_t = v_t^max / (1 − β2^t)
        theta_next = theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # θ_t = θ_{t−1} − η m̂_t/(√v̂_t + ε)
        return theta_next, AMSGradState(t, m, v, v_max)
