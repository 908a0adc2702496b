"""The quantities the notes derive by hand, computed, so that a chapter prints numbers instead of typing them.

* Momentum's unrolled sum V_t = Σ_{i=1}^{t} γ^{t−i} α ∇θ_i and its weights γ^{t−i} (notes, "Example").
* The exponentially weighted moving average (EWMA) of RMSProp and Adam, its weights (1−β)β^{t−i},
  their sum 1 − β^t, and the bias correction that divides it out (notes, "Problem of EWMA (Bias)").
"""

from __future__ import annotations

import math

import numpy as np

from . import _validate


def _t(t) -> int:
    t = _validate.steps(t)
    if t < 1:
        raise ValueError(f"t must be at least 1 (t counts from 1), got {t}")
    return t


def momentum_weights(gamma: float, t: int) -> np.ndarray:
    r""":math:`\gamma^{t-i}` for :math:`i = 1, \dots, t`: the weight of gradient :math:`g_i` in
    :math:`V_t` (each also times :math:`\alpha`).

    >>> momentum_weights(0.9, 3).round(4).tolist()
    [0.81, 0.9, 1.0]
    """
    gamma = _validate.decay("gamma", "γ", gamma)
    i = np.arange(1, _t(t) + 1)
    return gamma ** (t - i)


def unrolled_velocity(grads, lr: float, gamma: float) -> np.ndarray:
    r""":math:`V_t = \sum_{i=1}^{t} \gamma^{t-i} \alpha\, g_i` from the gradients :math:`g_1, \dots, g_t`.

    ``grads[i-1]`` is :math:`g_i` (the notes' :math:`\nabla\theta_i`). The notes write the sum from
    :math:`i = 0`; with :math:`V_0 = 0` there is no :math:`\nabla\theta_0`, so it starts at :math:`i = 1`.

    >>> float(unrolled_velocity([[1.0], [1.0], [1.0]], lr=0.1, gamma=0.9)[0])
    0.271
    """
    grads = np.asarray(grads, dtype=np.float64)
    lr = _validate.positive("lr", "α", lr)
    w = momentum_weights(gamma, len(grads))
    return lr * np.tensordot(w, grads, axes=1)


def effective_memory(decay: float) -> float:
    r""":math:`1/(1 - \gamma)`: the sum of all weights :math:`\gamma^k`, roughly how many past steps an
    average remembers.

    >>> round(effective_memory(0.9), 12)
    10.0
    """
    decay = _validate.decay("gamma", "γ", decay)
    return 1.0 / (1.0 - decay)


def ewma(values, beta: float) -> np.ndarray:
    r"""The EWMA :math:`s_t = \beta s_{t-1} + (1 - \beta)\, x_t` with :math:`s_0 = 0`, for
    :math:`t = 1, \dots, T` (``values[t-1]`` is :math:`x_t`)."""
    beta = _validate.decay("beta", "β", beta)
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    s = np.zeros_like(values[0]) if len(values) else None
    for k, x in enumerate(values):
        s = beta * s + (1 - beta) * x          # s_t = β s_{t−1} + (1 − β) x_t
        out[k] = s
    return out


def ewma_weights(beta: float, t: int) -> np.ndarray:
    r""":math:`(1 - \beta)\, \beta^{t-i}` for :math:`i = 1, \dots, t`: the weight of :math:`x_i` in the EWMA
    :math:`s_t` (:math:`s_0 = 0`).

    The notes' example, :math:`\beta_1 = 0.98`:

    >>> ewma_weights(0.98, 3).round(6).tolist()
    [0.019208, 0.0196, 0.02]
    """
    beta = _validate.decay("beta", "β", beta)
    i = np.arange(1, _t(t) + 1)
    return (1 - beta) * beta ** (t - i)


def ewma_coefficients(beta: float, t_max: int) -> np.ndarray:
    r"""The lower-triangular table :math:`C` of the EWMA's coefficients: ``C[t-1, i-1]`` is the
    coefficient of :math:`x_i` in :math:`s_t`, for :math:`t` and :math:`i` from 1 to ``t_max``.

    Computed by running the recursion on unit vectors, not from the closed form, so that a chapter can
    set one against the other.
    """
    t_max = _t(t_max)
    return ewma(np.eye(t_max), beta)


def bias_correction(beta: float, t: int) -> float:
    r""":math:`1 - \beta^t`: the sum of the EWMA weights after :math:`t` steps, the number Adam divides by.

    >>> round(bias_correction(0.9, 1), 12)
    0.1
    """
    beta = _validate.decay("beta", "β", beta)
    return 1.0 - beta ** _t(t)


def steps_until(beta: float, remaining: float) -> int:
    r"""The first :math:`t` with :math:`\beta^t \le` ``remaining``: how long the start-at-zero bias lasts.

    :math:`\beta^t` is the weight still missing from the EWMA (the part :math:`1 - \beta^t` does not
    cover).

    >>> steps_until(0.999, math.exp(-1))
    1000
    """
    beta = _validate.decay("beta", "β", beta)
    if not 0 < remaining < 1:
        raise ValueError(f"remaining must satisfy 0 < remaining < 1, got {remaining}")
    if beta == 0:
        return 1
    t = math.ceil(math.log(remaining) / math.log(beta) - 1e-12)
    return max(t, 1)


def _largest_root(b, c):
    """max |r| over the roots of r² − b r + c = 0 (elementwise)."""
    b, c = np.broadcast_arrays(np.asarray(b, dtype=np.float64),
                               np.asarray(c, dtype=np.float64))
    disc = b * b - 4.0 * c
    real = np.sqrt(np.abs(disc))
    # real roots (b ± √disc)/2 when disc ≥ 0, else a complex pair of modulus √c
    return np.where(disc >= 0, (np.abs(b) + real) / 2.0, np.sqrt(np.abs(c)))


def heavy_ball_rate(lr, gamma, eigenvalues):
    r"""The rate at which momentum's error shrinks per step on a quadratic, predicted by its eigenvalues.

    On :math:`J = \tfrac12 \theta^\top A \theta`, along an eigenvector of :math:`A` with eigenvalue
    :math:`\lambda`, momentum is the linear recursion

    .. math::

        \theta_t = (1 + \gamma - \alpha\lambda)\, \theta_{t-1} - \gamma\, \theta_{t-2}

    Its iteration matrix

    .. math::

        \begin{pmatrix} 1 + \gamma - \alpha\lambda & -\gamma \\ 1 & 0 \end{pmatrix}

    has as eigenvalues the roots of :math:`r^2 - (1 + \gamma - \alpha\lambda)\, r + \gamma`. The error
    shrinks like :math:`\rho^t`, :math:`\rho` the largest modulus of :math:`r` over all :math:`\lambda`
    (the spectral radius); :math:`\rho \ge 1` means the run does not converge. ``lr``
    (:math:`\alpha`) and ``gamma`` (:math:`\gamma`) may be arrays (they broadcast), for a map of
    :math:`\rho` over :math:`(\alpha, \gamma)`.

    :math:`\gamma = 0` is gradient descent, :math:`\rho = \max_\lambda |1 - \alpha\lambda|`; complex
    roots have modulus :math:`\sqrt{\gamma}`:

    >>> float(heavy_ball_rate(0.5, 0.0, [1.0, 1.5]))
    0.5
    >>> round(float(heavy_ball_rate(0.1, 0.9, [1.0])), 4)
    0.9487
    >>> heavy_ball_rate([0.01, 0.04], 0.9, [1.0, 100.0]).round(4).tolist()
    [0.9487, 1.5]
    """
    lr = np.asarray(lr, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    if np.any(~(lr > 0)) or np.any(~np.isfinite(lr)):
        raise ValueError("lr (α) must be positive and finite")
    if np.any(~((gamma >= 0) & (gamma < 1))):
        raise ValueError("gamma (γ) must satisfy 0 ≤ γ < 1")
    lams = np.asarray(eigenvalues, dtype=np.float64).ravel()
    if lams.size == 0 or np.any(~(lams > 0)):
        raise ValueError("eigenvalues (λ) must be positive")
    rho = [_largest_root(1.0 + gamma - lr * lam, gamma) for lam in lams]
    return np.max(rho, axis=0)


def heavy_ball_optimum(lambda_min: float, lambda_max: float):
    r""":math:`(\alpha^*, \gamma^*, \rho^*)`: the :math:`\alpha` and :math:`\gamma` that make momentum
    fastest on a quadratic, and its rate there.

    .. math::

        \alpha^* = \left(\frac{2}{\sqrt{\lambda_{max}} + \sqrt{\lambda_{min}}}\right)^2

        \gamma^* = \left(\frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}\right)^2, \qquad
        \rho^* = \frac{\sqrt{\kappa} - 1}{\sqrt{\kappa} + 1}

    with :math:`\kappa = \lambda_{max}/\lambda_{min}` (Polyak's heavy ball; Goh, "Why Momentum
    Really Works").

    >>> a, g, r = heavy_ball_optimum(1.0, 100.0)
    >>> round(a, 4), round(g, 4), round(r, 4)
    (0.0331, 0.6694, 0.8182)
    >>> round(float(heavy_ball_rate(a, g, [1.0, 100.0])), 4)
    0.8182
    """
    if not 0 < lambda_min <= lambda_max or not math.isfinite(lambda_max):
        raise ValueError(f"need 0 < lambda_min (λ_min) ≤ lambda_max (λ_max) < ∞, got {lambda_min}, {lambda_max}")
    s_min, s_max = math.sqrt(lambda_min), math.sqrt(lambda_max)
    rate = (s_max - s_min) / (s_max + s_min)
    return (2.0 / (s_max + s_min)) ** 2, rate ** 2, rate

