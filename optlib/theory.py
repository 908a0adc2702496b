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
    """γ^{t−i} for i = 1 … t: the weight of gradient i in V_t (each also times α).

    >>> momentum_weights(0.9, 3).round(4).tolist()
    [0.81, 0.9, 1.0]
    """
    gamma = _validate.decay("gamma", "γ", gamma)
    i = np.arange(1, _t(t) + 1)
    return gamma ** (t - i)


def unrolled_velocity(grads, lr: float, gamma: float) -> np.ndarray:
    """V_t = Σ_{i=1}^{t} γ^{t−i} α ∇θ_i from the gradients ∇θ_1 … ∇θ_t (``grads[i-1]``).

    The notes write the sum from i = 0; with V_0 = 0 there is no ∇θ_0, so it starts at i = 1.

    >>> float(unrolled_velocity([[1.0], [1.0], [1.0]], lr=0.1, gamma=0.9)[0])
    0.271
    """
    grads = np.asarray(grads, dtype=np.float64)
    lr = _validate.positive("lr", "α", lr)
    w = momentum_weights(gamma, len(grads))
    return lr * np.tensordot(w, grads, axes=1)


def effective_memory(decay: float) -> float:
    """1 / (1 − γ): the sum of all weights γ^k, roughly how many past steps an average remembers.

    >>> effective_memory(0.9)
    10.000000000000002
    """
    decay = _validate.decay("gamma", "γ", decay)
    return 1.0 / (1.0 - decay)


def ewma(values, beta: float) -> np.ndarray:
    """The EWMA s_t = β s_{t−1} + (1 − β) x_t with s_0 = 0, for t = 1 … T (``values[t-1]`` is x_t)."""
    beta = _validate.decay("beta", "β", beta)
    values = np.asarray(values, dtype=np.float64)
    out = np.empty_like(values)
    s = np.zeros_like(values[0]) if len(values) else None
    for k, x in enumerate(values):
        s = beta * s + (1 - beta) * x          # s_t = β s_{t−1} + (1 − β) x_t
        out[k] = s
    return out


def ewma_weights(beta: float, t: int) -> np.ndarray:
    """(1 − β) β^{t−i} for i = 1 … t: the weight of x_i in the EWMA s_t (s_0 = 0).

    The notes' example, β1 = 0.98:

    >>> ewma_weights(0.98, 3).round(6).tolist()
    [0.019208, 0.0196, 0.02]
    """
    beta = _validate.decay("beta", "β", beta)
    i = np.arange(1, _t(t) + 1)
    return (1 - beta) * beta ** (t - i)


def ewma_coefficients(beta: float, t_max: int) -> np.ndarray:
    """Lower-triangular table C with C[t−1, i−1] = coefficient of x_i in s_t, for t, i = 1 … t_max.

    Computed by running the recursion on unit vectors, not from the closed form, so that a chapter can
    set one against the other.
    """
    t_max = _t(t_max)
    return ewma(np.eye(t_max), beta)


def bias_correction(beta: float, t: int) -> float:
    """1 − β^t: the sum of the EWMA weights after t steps, the number Adam divides by.

    >>> round(bias_correction(0.9, 1), 12)
    0.1
    """
    beta = _validate.decay("beta", "β", beta)
    return 1.0 - beta ** _t(t)


def steps_until(beta: float, remaining: float) -> int:
    """The first t with β^t ≤ ``remaining``: how long the start-at-zero bias lasts.

    β^t is the weight still missing from the EWMA (the part 1 − β^t does not cover).

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
