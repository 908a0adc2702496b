"""Small problems: 2-D steps per second through ``optlib.run``, the gradient call included.

This is what a chapter's cell or a slider does: ``run(opt, problem.grad, problem.theta0, steps)`` on a
2-D problem, where each step calls the gradient, checks that nothing became non-finite and records θ_t,
g_t and the state. The reference, timed in the same repetitions, is a bare numpy Adam loop on the same
gradient with none of that (no checks, no records): the floor for a numpy step at this size.
"""

from __future__ import annotations

from typing import List

import numpy as np

import optlib

from .timing import interleaved, median, paired_ratio

OPTIMIZERS = {
    "GD": lambda: optlib.GD(0.05),
    "Momentum": lambda: optlib.Momentum(0.01, gamma=0.9),
    "NAG": lambda: optlib.NAG(0.01, gamma=0.9),
    "AdaGrad": lambda: optlib.AdaGrad(0.1),
    "RMSProp": lambda: optlib.RMSProp(0.01, beta=0.9),
    "Adam": lambda: optlib.Adam(0.01),
}
STEPS = 1000  # steps per run() call


def plain_numpy_adam(grad, theta, steps, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam with numpy and nothing else: the reference loop."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t in range(1, steps + 1):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def measure(reps: int = 9, target: float = 0.02) -> List[dict]:
    problem = optlib.quadratic(10.0)  # J = ½(θ₁² + 10 θ₂²), θ_0 = (1, 1)
    grad, theta0 = problem.grad, problem.theta0

    def through_run(make):
        opt = make()
        return lambda k: [optlib.run(opt, grad, theta0, STEPS) for _ in range(k)]

    candidates = {name: through_run(make) for name, make in OPTIMIZERS.items()}
    candidates["plain numpy Adam"] = lambda k: [plain_numpy_adam(grad, theta0, STEPS) for _ in range(k)]
    candidates["gradient call alone"] = lambda k: [grad(theta0) for _ in range(k * STEPS)]
    samples = interleaved(candidates, reps=reps, target=target)
    ref = samples["plain numpy Adam"]
    # vs_plain_adam: time per step ÷ the plain loop's, paired by repetition (> 1: slower than the plain loop)
    return [{"what": name, "problem": "quadratic(10), n = 2", "steps_per_s": STEPS / median(s),
             "vs_plain_adam": paired_ratio(s, ref)} for name, s in samples.items()]
