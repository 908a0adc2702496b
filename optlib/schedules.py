r"""Learning-rate schedules: the rate of step :math:`t` as a function :math:`t \mapsto \alpha_t`.

Every optimizer's ``lr`` is a number or a schedule. A schedule is called with the step number
:math:`t = 1, 2, \dots` (step :math:`t` takes :math:`g_t = \nabla J(\theta_{t-1})` and gives
:math:`\theta_t`) and returns :math:`\alpha_t`, which stands where :math:`\alpha` (:math:`\eta` for Adam)
stands in the optimizer's equations at that step. :func:`optlib.run` counts the steps;
``optimizer.at(t)`` is the optimizer with its rate fixed at :math:`\alpha_t`, for a loop written by hand.

Each schedule below is a small immutable object; any function of :math:`t` works too (it is wrapped in
:class:`Lambda`), and a value that is negative or not finite stops the run with a
:class:`optlib.ScheduleError` naming the step.

* ``StepDecay(alpha, every, factor=0.1)``: :math:`\alpha\, \rho^{\lfloor (t-1)/s \rfloor}`
* ``InverseSqrt(alpha)``: :math:`\alpha / \sqrt{t}`
* ``Cosine(alpha, steps, alpha_min=0.0)``: from :math:`\alpha` at :math:`t = 1` to :math:`\alpha_{\min}`
  at :math:`t = T`
* ``LinearWarmup(alpha, warmup)``: :math:`\alpha \min(t, w)/w`
* ``WarmupCosine(alpha, warmup, steps, alpha_min=0.0)``: linear to :math:`\alpha` at :math:`t = w`, then
  cosine to :math:`\alpha_{\min}` at :math:`t = T`

PyTorch keeps its schedulers outside the optimizer too, and counts their epochs from 0: the first step
uses ``lr_lambda(0)``. ``torch.optim.lr_scheduler.LambdaLR(opt, lambda e: schedule(e + 1))``, with the
optimizer's ``lr=1``, gives the rates of ``schedule``.

>>> from optlib import schedules
>>> s = schedules.WarmupCosine(alpha=0.1, warmup=2, steps=4)
>>> [round(s(t), 4) for t in range(1, 6)]
[0.05, 0.1, 0.05, 0.0, 0.0]
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import _validate

__all__ = ["Schedule", "StepDecay", "InverseSqrt", "Cosine", "LinearWarmup", "WarmupCosine", "Lambda",
           "ScheduleError", "as_schedule"]


class ScheduleError(ValueError):
    r"""A schedule gave a learning rate that is negative or not finite (or not a number) at step ``step``.

    Raised by :meth:`optlib.Optimizer.rate`, hence by :func:`optlib.run` and ``optimizer.at(t)``, when
    step :math:`t` asks for :math:`\alpha_t`. ``step`` is :math:`t`; ``value`` what the schedule returned.
    """

    def __init__(self, message: str, step: int, value):
        super().__init__(message)
        self.step = step
        self.value = value


def _step_number(t) -> int:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        raise TypeError(f"a schedule is called with a step number t = 1, 2, …, got {type(t).__name__} {t!r}")
    if t < 1:
        raise ValueError(f"a schedule is called with a step number t = 1, 2, …, got t = {t}")
    return int(t)


class Schedule:
    r"""Base of the schedules: an immutable callable :math:`t \mapsto \alpha_t` for :math:`t = 1, 2, \dots`.

    A schedule is not a number: multiplying a gradient by it (as ``optimizer.step`` would, given a
    schedule in place of :math:`\alpha`) raises a ``TypeError`` that says to take ``optimizer.at(t)``.
    """

    __array_ufunc__ = None    # numpy defers to the operators below instead of making an object array

    def __call__(self, t: int) -> float:
        return self._rate(_step_number(t))

    def _rate(self, t: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def values(self, steps: int) -> np.ndarray:
        r""":math:`\alpha_1, \dots, \alpha_T` for ``steps`` :math:`= T`, as an array (for a plot)."""
        n = _validate.steps(steps)
        return np.array([self(t) for t in range(1, n + 1)], dtype=np.float64)

    def _not_a_number(self, *_):
        raise TypeError(f"the learning rate is a schedule t ↦ α_t ({self!r}), not a number: step t needs "
                        f"α_t; use optimizer.at(t), the optimizer with its rate fixed at α_t "
                        f"(optlib.run does so at every step)")

    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _not_a_number
    __add__ = __radd__ = __sub__ = __rsub__ = __pow__ = __rpow__ = _not_a_number

    def __neg__(self):
        self._not_a_number()


def _alpha(value) -> float:
    return _validate.positive("alpha", "α", value)


def _cosine(alpha: float, alpha_min: float, fraction: float) -> float:
    # α_min + ½(α − α_min)(1 + cos(π · fraction)), fraction from 0 to 1
    return alpha_min + 0.5 * (alpha - alpha_min) * (1.0 + math.cos(math.pi * fraction))


def _floor(name: str, symbol: str, value, alpha: float) -> float:
    value = _validate.non_negative(name, symbol, value)
    if value > alpha:
        raise ValueError(f"{name} ({symbol}) must satisfy 0 ≤ {symbol} ≤ α = {alpha:g}, got {value:g}")
    return value


@dataclass(frozen=True)
class StepDecay(Schedule):
    r"""Step decay: the rate is multiplied by :math:`\rho` every :math:`s` steps.

    .. math::

        \alpha_t = \alpha\, \rho^{\lfloor (t-1)/s \rfloor}, \qquad t = 1, 2, \dots

    so steps :math:`1, \dots, s` use :math:`\alpha`, steps :math:`s + 1, \dots, 2s` use
    :math:`\alpha\rho`, and so on. ``alpha`` is :math:`\alpha > 0`, ``every`` is :math:`s`, an integer
    :math:`s \ge 1`, and ``factor`` is :math:`\rho` (:math:`0 < \rho \le 1`). PyTorch's ``StepLR``
    (``step_size`` :math:`= s`, ``gamma`` :math:`= \rho`) gives the same rates.

    >>> from optlib.schedules import StepDecay
    >>> [StepDecay(1.0, every=2, factor=0.5)(t) for t in range(1, 6)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    alpha: float
    every: int
    factor: float = 0.1

    def __post_init__(self):
        object.__setattr__(self, "alpha", _alpha(self.alpha))                        # α
        object.__setattr__(self, "every", _validate.integer("every", "s", self.every, 1))  # s
        factor = _validate._real("factor", "ρ", self.factor)
        if not 0 < factor <= 1:
            raise ValueError(f"factor (ρ) must satisfy 0 < ρ ≤ 1, got {factor:g}")
        object.__setattr__(self, "factor", factor)                                   # ρ

    def _rate(self, t: int) -> float:
        return self.alpha * self.factor ** ((t - 1) // self.every)   # α_t = α ρ^⌊(t−1)/s⌋


@dataclass(frozen=True)
class InverseSqrt(Schedule):
    r"""The decay :math:`1/\sqrt{t}`, the rate of the convergence theorems for SGD on convex problems.

    .. math::

        \alpha_t = \frac{\alpha}{\sqrt{t}}, \qquad t = 1, 2, \dots

    ``alpha`` is :math:`\alpha = \alpha_1 > 0`. The rates sum to infinity while their squares' sum grows
    only like :math:`\log t`. AdaGrad's effective rate :math:`\alpha/(\sqrt{G_t} + \epsilon)` falls the
    same way while its gradients keep a constant size.

    >>> from optlib.schedules import InverseSqrt
    >>> [InverseSqrt(1.0)(t) for t in (1, 4, 100)]
    [1.0, 0.5, 0.1]
    """

    alpha: float

    def __post_init__(self):
        object.__setattr__(self, "alpha", _alpha(self.alpha))   # α

    def _rate(self, t: int) -> float:
        return self.alpha / math.sqrt(t)                         # α_t = α/√t


@dataclass(frozen=True)
class Cosine(Schedule):
    r"""Cosine annealing over :math:`T` steps, from :math:`\alpha` at the first to :math:`\alpha_{\min}` at the last.

    .. math::

        \begin{aligned}
        \alpha_t &= \alpha_{\min} + \tfrac12 (\alpha - \alpha_{\min})
        \left(1 + \cos\frac{\pi (t-1)}{T-1}\right) \quad (1 \le t \le T),\\
        \alpha_t &= \alpha_{\min} \quad (t > T).
        \end{aligned}

    ``alpha`` is :math:`\alpha > 0`, ``steps`` is :math:`T`, an integer :math:`T \ge 2`, and
    ``alpha_min`` is :math:`\alpha_{\min}` (:math:`0 \le \alpha_{\min} \le \alpha`, default 0: the last
    step then does not move). PyTorch's ``CosineAnnealingLR(T_max=T - 1, eta_min=α_min)`` gives the same
    rates for :math:`t \le T` (it rises again after :math:`T`; this schedule stays at
    :math:`\alpha_{\min}`).

    >>> from optlib.schedules import Cosine
    >>> [round(Cosine(1.0, steps=5)(t), 4) for t in range(1, 7)]
    [1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """

    alpha: float
    steps: int
    alpha_min: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "alpha", _alpha(self.alpha))                                  # α
        object.__setattr__(self, "steps", _validate.integer("steps", "T", self.steps, 2))     # T
        object.__setattr__(self, "alpha_min", _floor("alpha_min", "α_min", self.alpha_min, self.alpha))

    def _rate(self, t: int) -> float:
        if t >= self.steps:
            return self.alpha_min                                # α_t = α_min after T
        # α_t = α_min + ½(α − α_min)(1 + cos(π(t − 1)/(T − 1)))
        return _cosine(self.alpha, self.alpha_min, (t - 1) / (self.steps - 1))


@dataclass(frozen=True)
class LinearWarmup(Schedule):
    r"""Linear warm-up: the rate grows linearly to :math:`\alpha` over the first :math:`w` steps, then stays.

    .. math::

        \alpha_t = \alpha\, \frac{\min(t, w)}{w}, \qquad t = 1, 2, \dots

    so :math:`\alpha_1 = \alpha/w` and :math:`\alpha_t = \alpha` from :math:`t = w` on (Goyal et al.,
    2017, who warm up large-batch SGD this way). ``alpha`` is :math:`\alpha > 0` and ``warmup`` is
    :math:`w`, an integer :math:`w \ge 1` (:math:`w = 1` is the constant rate). PyTorch's
    ``LinearLR(start_factor=1/w, total_iters=w - 1)`` gives the same rates.

    >>> from optlib.schedules import LinearWarmup
    >>> [LinearWarmup(1.0, warmup=4)(t) for t in range(1, 7)]
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """

    alpha: float
    warmup: int

    def __post_init__(self):
        object.__setattr__(self, "alpha", _alpha(self.alpha))                                 # α
        object.__setattr__(self, "warmup", _validate.integer("warmup", "w", self.warmup, 1))  # w

    def _rate(self, t: int) -> float:
        return self.alpha * min(t, self.warmup) / self.warmup    # α_t = α min(t, w)/w


@dataclass(frozen=True)
class WarmupCosine(Schedule):
    r"""Linear warm-up to :math:`\alpha` over :math:`w` steps, then cosine annealing to :math:`\alpha_{\min}` at step :math:`T`.

    .. math::

        \alpha_t =
        \begin{cases}
        \alpha\, t / w, & 1 \le t \le w,\\
        \alpha_{\min} + \tfrac12 (\alpha - \alpha_{\min})
        \left(1 + \cos\dfrac{\pi (t-w)}{T-w}\right), & w \le t \le T,\\
        \alpha_{\min}, & t > T,
        \end{cases}

    (both lines give :math:`\alpha` at :math:`t = w`): the recipe most transformers are trained with,
    usually with AdamW. ``alpha`` is the peak :math:`\alpha > 0`, ``warmup`` is :math:`w` and ``steps``
    is :math:`T`, integers with :math:`1 \le w < T`, and ``alpha_min`` is :math:`\alpha_{\min}`
    (:math:`0 \le \alpha_{\min} \le \alpha`, default 0).

    >>> from optlib.schedules import WarmupCosine
    >>> [round(WarmupCosine(1.0, warmup=2, steps=6)(t), 4) for t in range(1, 8)]
    [0.5, 1.0, 0.8536, 0.5, 0.1464, 0.0, 0.0]
    """

    alpha: float
    warmup: int
    steps: int
    alpha_min: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "alpha", _alpha(self.alpha))                                  # α
        warmup = _validate.integer("warmup", "w", self.warmup, 1)
        steps = _validate.integer("steps", "T", self.steps, 2)
        if not warmup < steps:
            raise ValueError(f"warmup (w) must satisfy 1 ≤ w < T = steps = {steps}, got w = {warmup}")
        object.__setattr__(self, "warmup", warmup)                                             # w
        object.__setattr__(self, "steps", steps)                                               # T
        object.__setattr__(self, "alpha_min", _floor("alpha_min", "α_min", self.alpha_min, self.alpha))

    def _rate(self, t: int) -> float:
        if t <= self.warmup:
            return self.alpha * t / self.warmup                  # α_t = α t/w
        if t >= self.steps:
            return self.alpha_min                                # α_t = α_min after T
        # α_t = α_min + ½(α − α_min)(1 + cos(π(t − w)/(T − w)))
        return _cosine(self.alpha, self.alpha_min, (t - self.warmup) / (self.steps - self.warmup))


@dataclass(frozen=True)
class Lambda(Schedule):
    r"""Any function :math:`t \mapsto \alpha_t` as a schedule (what an optimizer makes of a plain callable ``lr``).

    ``fn`` is called with :math:`t = 1, 2, \dots`; what it returns is checked when a step uses it: a real
    number :math:`\alpha_t \ge 0`, finite, or a :class:`optlib.ScheduleError` naming the step. Two ``Lambda``
    schedules are equal when they wrap the same function.

    >>> import optlib
    >>> opt = optlib.GD(lr=lambda t: 0.5 / t)
    >>> opt.lr, opt.rate(2)
    (Lambda(<lambda>), 0.25)
    """

    fn: Callable[[int], float]

    def _rate(self, t: int):
        return self.fn(t)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__qualname__', None) or type(self.fn).__name__})"


def as_schedule(lr) -> Schedule:
    """``lr`` itself if it is a :class:`Schedule`, else the callable ``lr`` wrapped in :class:`Lambda`."""
    if isinstance(lr, Schedule):
        return lr
    if not callable(lr):
        raise TypeError(f"a schedule is a callable t ↦ α_t, got {type(lr).__name__} {lr!r}")
    return Lambda(lr)
