"""Adam: momentum and RMSProp merged, with bias correction (notes: "Adam")."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import _validate
from .base import Grad, Optimizer


class AdamState(NamedTuple):
    r"""The step count :math:`t` and the two moments after step :math:`t`.

    Before the first step :math:`t = 0` and :math:`m_0 = v_0 = 0`.
    """

    t: int
    m: np.ndarray   # m_t, 1st moment: EWMA of gradients
    v: np.ndarray   # v_t, 2nd moment: EWMA of squared gradients


class Adam(Optimizer):
    r"""Adam with the notes' bias correction.

    .. math::

        g_t = \nabla J(\theta_{t-1}), \qquad m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t

        v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2

        \hat m_t = \frac{m_t}{1 - \beta_1^t}, \qquad \hat v_t = \frac{v_t}{1 - \beta_2^t}

        \theta_t = \theta_{t-1} - \eta\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    with :math:`m_0 = v_0 = 0` and :math:`t = 1, 2, \dots` counting the steps from the start
    :math:`\theta_0`, so that :math:`t` is the number of gradients seen (the numbering of Kingma & Ba's
    Algorithm 1; the notes number the start :math:`\theta_1` and write the last line
    :math:`\theta_{t+1} = \theta_t - \eta\, \hat m_t/(\sqrt{\hat v_t} + \epsilon)`). ``lr`` is
    :math:`\eta` (:math:`\eta > 0`), ``beta1`` is :math:`\beta_1` (:math:`0 \le \beta_1 < 1`, default
    0.9), ``beta2`` is :math:`\beta_2` (:math:`0 \le \beta_2 < 1`, default 0.999), ``eps`` is
    :math:`\epsilon` (:math:`\epsilon \ge 0`, default :math:`10^{-8}`). ``lr`` may also be a schedule
    :math:`t \mapsto \eta_t` (:mod:`optlib.schedules`): step :math:`t` then uses :math:`\eta_t` in
    place of :math:`\eta` (``optimizer.at(t)``; :func:`optlib.run` does it for every step), as
    ``torch.optim.Adam`` under a learning-rate scheduler does.

    Two switches exist only so that the book can show what the notes' choices buy; keep their defaults
    to follow the notes:

    * ``bias_correction=False`` uses :math:`m_t` and :math:`v_t` in place of :math:`\hat m_t` and
      :math:`\hat v_t`.
    * ``eps_inside_sqrt=True`` divides by :math:`\sqrt{\hat v_t + \epsilon}` instead of
      :math:`\sqrt{\hat v_t} + \epsilon`.

    .. warning::
       Where :math:`\epsilon` sits differs between sources. The notes, PyTorch's ``Adam`` and Kingma &
       Ba (2015) add it outside the square root, to :math:`\sqrt{\hat v_t}`. Keras's ``Adam`` adds it
       outside too, but to the root of the uncorrected :math:`v_t`: it computes

       .. math::

           \eta\, \frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t} \cdot \frac{m_t}{\sqrt{v_t} + \epsilon},

       the notes' form with :math:`\epsilon/\sqrt{1-\beta_2^t}` in place of :math:`\epsilon`. Keras's
       ``RMSprop`` and ``Adagrad`` add it inside, :math:`\sqrt{v_t + \epsilon}`. The placements agree
       only while :math:`\epsilon` is negligible against :math:`\sqrt{\hat v_t}`.

    Reference: the notes, "Adam"; Kingma & Ba (2015), Algorithm 1. ``torch.optim.Adam`` computes the
    same iterates (it folds the corrections into a step size; here each has its own line).

    Examples
    --------
    >>> import numpy as np, optlib
    >>> opt = optlib.Adam(lr=0.1)
    >>> theta0 = np.array([1.0])
    >>> theta, state = opt.step(lambda th: 2 * th, theta0, opt.init(theta0))
    >>> print(state.t, state.m, f"{state.v[0]:.3f}", f"{theta[0]:.6f}")
    1 [0.2] 0.004 0.900000
    """

    name = "Adam"
    lr_symbol = "η"

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, *,
                 bias_correction: bool = True, eps_inside_sqrt: bool = False):
        self.lr = _validate.learning_rate("lr", "η", lr)              # η
        self.beta1 = _validate.decay("beta1", "β1", beta1)       # β1
        self.beta2 = _validate.decay("beta2", "β2", beta2)       # β2
        self.eps = _validate.non_negative("eps", "ε", eps)       # ε
        self.bias_correction = _validate.flag("bias_correction", bias_correction)
        self.eps_inside_sqrt = _validate.flag("eps_inside_sqrt", eps_inside_sqrt)
        self._freeze()

    def init(self, theta: np.ndarray) -> AdamState:
        return AdamState(t=0, m=np.zeros_like(theta), v=np.zeros_like(theta))  # m_0 = v_0 = 0

    def step(self, grad: Grad, theta: np.ndarray, state: AdamState):
        t = state.t + 1                                        # t counts from 1
        g = grad(theta)                                        # g_t = ∇J(θ_{t−1})
        m = self.beta1 * state.m + (1 - self.beta1) * g        # m_t = β1 m_{t−1} + (1 − β1) g_t
        v = self.beta2 * state.v + (1 - self.beta2) * g * g    # v_t = β2 v_{t−1} + (1 − β2) g_t²
        state_next = AdamState(t, m, v)                        # the state after step t
        m_hat, v_hat = self.corrected(state_next)              # m̂_t, v̂_t
        theta_next = theta - self.lr * m_hat / self._denominator(v_hat)  # θ_t = θ_{t−1} − η m̂_t/(√v̂_t + ε)
        return theta_next, state_next

    def corrected(self, state: AdamState):
        r""":math:`(\hat m_t, \hat v_t)` for a state after :math:`t \ge 1` steps.

        :math:`(m_t, v_t)` themselves when ``bias_correction`` is off.
        """
        if not self.bias_correction:
            return state.m, state.v
        m_hat = state.m / (1 - self.beta1 ** state.t)          # m̂_t = m_t / (1 − β1^t)
        v_hat = state.v / (1 - self.beta2 ** state.t)          # v̂_t = v_t / (1 − β2^t)
        return m_hat, v_hat

    def effective_lr(self, state: AdamState) -> np.ndarray:
        r""":math:`\eta / (\sqrt{\hat v_t} + \epsilon)`, the rate each coordinate's :math:`\hat m_t` is
        multiplied by.

        ``state`` is a state after :math:`t \ge 1` steps.
        """
        return self.lr / self._denominator(self.corrected(state)[1])

    def _denominator(self, v_hat: np.ndarray) -> np.ndarray:
        if self.eps_inside_sqrt:
            return np.sqrt(v_hat + self.eps)                   # √(v̂_t + ε): not the notes' form
        return np.sqrt(v_hat) + self.eps                       # √v̂_t + ε: the notes' form
