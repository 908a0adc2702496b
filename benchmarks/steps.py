"""Per-step cost of each optlib optimizer against the torch.optim configuration that computes the same iterates.

One step is timed the way each library makes it: optlib's ``theta, state = opt.step(grad, theta, state)``
(new arrays, inputs untouched) and torch's ``opt.step()`` on a parameter whose ``.grad`` is set (in place).
The gradient is a fixed float64 vector, so neither side pays for computing one. torch is timed in three
configurations: its default (on CPU tensors: the single-tensor loop), ``foreach=True`` and ``fused=True``
where torch has a fused kernel (SGD, Adagrad, Adam; not RMSprop). For Adam, the same equations as five bare
numpy lines are timed too ("plain numpy"): the part of the cost that is numpy's, not optlib's.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional

import numpy as np

import optlib

from .timing import interleaved, median, paired_ratio

SIZES = (2, 1_000, 100_000, 1_000_000)

#: name → (the optlib optimizer, the torch.optim class name, its keyword arguments)
SPECS = {
    "GD": (lambda: optlib.GD(1e-3), "SGD", dict(lr=1e-3)),
    "Momentum": (lambda: optlib.Momentum(1e-3, gamma=0.9), "SGD", dict(lr=1e-3, momentum=0.9)),
    "NAG": (lambda: optlib.NAG(1e-3, gamma=0.9), "SGD", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    "AdaGrad": (lambda: optlib.AdaGrad(1e-2, eps=1e-8), "Adagrad",
                dict(lr=1e-2, eps=1e-8, initial_accumulator_value=0.0, lr_decay=0.0)),
    "RMSProp": (lambda: optlib.RMSProp(1e-3, beta=0.9, eps=1e-8), "RMSprop", dict(lr=1e-3, alpha=0.9, eps=1e-8)),
    "Adam": (lambda: optlib.Adam(1e-3, beta1=0.9, beta2=0.999, eps=1e-8), "Adam",
             dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)),
}

TORCH_CONFIGS = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def _optlib_candidate(make, theta0: np.ndarray, g: np.ndarray) -> Callable[[int], None]:
    opt = make()
    grad = lambda theta: g  # noqa: E731 - a fixed gradient: only the update is timed
    box = [theta0.copy(), opt.init(theta0)]

    def run(k: int) -> None:
        theta, state = box
        for _ in range(k):
            theta, state = opt.step(grad, theta, state)
        box[0], box[1] = theta, state
    return run


def plain_numpy_adam(theta, m, v, t, g, k, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    """k Adam steps with a fixed gradient as bare numpy lines (no objects, no records): numpy's own cost."""
    for _ in range(k):
        t += 1
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v, t


def _plain_numpy_adam_candidate(theta0: np.ndarray, g: np.ndarray):
    box = [theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0), 0]

    def run(k: int) -> None:
        box[:] = plain_numpy_adam(*box, g, k)
    return run


def _torch_optimizer(torch, cls_name: str, kwargs: dict, config: dict, theta0: np.ndarray, g: np.ndarray):
    p = torch.nn.Parameter(torch.tensor(theta0, dtype=torch.float64))
    p.grad = torch.tensor(g, dtype=torch.float64)
    opt = getattr(torch.optim, cls_name)([p], **kwargs, **config)
    return p, opt


def _torch_candidate(torch, cls_name, kwargs, config, theta0, g) -> Optional[Callable[[int], None]]:
    try:
        p, opt = _torch_optimizer(torch, cls_name, kwargs, config, theta0, g)
        opt.step()
    except (TypeError, RuntimeError, ValueError):
        return None  # no such configuration (e.g. RMSprop has no fused kernel)

    def run(k: int) -> None:
        for _ in range(k):
            opt.step()
    return run


def same_iterates(torch, name: str, steps: int = 5, n: int = 7) -> bool:
    """Whether optlib and torch's default configuration give the same θ after a few steps (a sanity check).

    torch's SGD with nesterov=True keeps the look-ahead point θ_temp = θ_t − γV_{t−1} as its parameter,
    so for NAG that is what is compared (see optlib.NAG).
    """
    make, cls_name, kwargs = SPECS[name]
    rng = np.random.default_rng(1)
    theta0, g = rng.standard_normal(n), rng.standard_normal(n)
    opt, theta, state = make(), theta0.copy(), None
    state = opt.init(theta)
    for _ in range(steps):
        theta, state = opt.step(lambda th: g, theta, state)
    p, topt = _torch_optimizer(torch, cls_name, kwargs, {}, theta0, g)
    for _ in range(steps):
        topt.step()
    mine = opt.lookahead(theta, state) if name == "NAG" else theta
    return bool(np.allclose(mine, p.detach().numpy(), rtol=1e-12, atol=1e-12))


def measure(torch, sizes=SIZES, names=None, reps: int = 7, target: float = 0.02) -> List[dict]:
    """One row per (optimizer, n): seconds per step of each candidate and the paired ratios to optlib."""
    rows = []
    for name in names or SPECS:
        make, cls_name, kwargs = SPECS[name]
        agree = same_iterates(torch, name) if torch is not None else None
        for n in sizes:
            rng = np.random.default_rng(0)
            theta0, g = rng.standard_normal(n), rng.standard_normal(n)
            candidates: Dict[str, Callable[[int], None]] = {"optlib": _optlib_candidate(make, theta0, g)}
            if torch is not None:
                for config, extra in TORCH_CONFIGS.items():
                    cand = _torch_candidate(torch, cls_name, kwargs, extra, theta0, g)
                    if cand is not None:
                        candidates[f"torch {config}"] = cand
            if name == "Adam":
                candidates["plain numpy"] = _plain_numpy_adam_candidate(theta0, g)
            samples = interleaved(candidates, reps=reps, target=target)
            row = {"optimizer": name, "n": n, "agree": agree,
                   "seconds": {k: median(v) for k, v in samples.items()},
                   "ratio": {k: paired_ratio(samples["optlib"], v) for k, v in samples.items() if k != "optlib"}}
            rows.append(row)
            del candidates, samples
    return rows
