"""What every optimizer shares: the ``init``/``step`` protocol, ``run``, and its ``Trajectory``.

An optimizer is a small immutable object holding only its hyperparameters. Following optax, it is a
pair of pure functions:

* ``init(theta) -> state``: the state before the first step, all zeros (V₀ = G₀ = m₀ = v₀ = 0).
* ``step(grad, theta, state) -> (theta_next, state_next)``: step t, from θₜ₋₁ and the state after t − 1
  steps to θₜ and the state after t steps. ``grad`` is the function θ ↦ ∇J(θ); the optimizer calls it
  where the notes evaluate the gradient (at θₜ₋₁, or at θ_temp for NAG), and gₜ is what it returns.
  Inputs are never mutated.

The learning rate ``lr`` is a number or a schedule t ↦ αₜ (:mod:`optlib.schedules`). A schedule lives
outside the state, as PyTorch's schedulers live outside its optimizers: ``run`` counts the steps
t = 1, 2, … and makes step t with ``optimizer.at(t)``, the same optimizer with its rate fixed at αₜ, so
each equation reads αₜ where the notes write α and no state gains a counter.

``run`` repeats ``step`` and records everything a chapter plots: θ₀ … θ_T, the gradient each step
used, the state after each step, and the loss if asked for.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Callable, NamedTuple, Optional

import numpy as np

from . import _validate

Grad = Callable[[np.ndarray], np.ndarray]


class Optimizer:
    """Base class: subclasses define ``init`` and ``step`` and validate their hyperparameters."""

    #: the label used in legends and tables (one colour per name, see :mod:`optlib.plotting`)
    name: str = "optimizer"

    def init(self, theta: np.ndarray) -> NamedTuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def step(self, grad: Grad, theta: np.ndarray, state: NamedTuple):  # pragma: no cover - abstract
        raise NotImplementedError

    #: the notes' letter for ``lr`` (Adam's is :math:`\eta`), used in the messages about it
    lr_symbol: str = "α"

    @property
    def scheduled(self) -> bool:
        r"""True when ``lr`` is a schedule :math:`t \mapsto \alpha_t`, False when it is a number."""
        from .schedules import Schedule
        return isinstance(getattr(self, "lr", None), Schedule)

    def rate(self, t: int) -> float:
        r"""The learning rate :math:`\alpha_t` of step :math:`t = 1, 2, \dots` (``lr`` itself when it is a number).

        A schedule's value is checked here: a real number, finite and :math:`\ge 0`, or a
        :class:`optlib.ScheduleError` naming the step :math:`t` (``err.step``).
        """
        from .schedules import ScheduleError, _step_number
        t = _step_number(t)
        if not self.scheduled:
            return self.lr
        s = self.lr_symbol
        value = self.lr(t)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ScheduleError(f"the schedule lr = {self.lr!r} of {type(self).__name__} returned "
                                f"{type(value).__name__} {value!r} at step t = {t}: {s}_t must be a real "
                                f"number, finite and ≥ 0"[:400], t, value)
        value = float(value)
        if not (math.isfinite(value) and value >= 0):
            raise ScheduleError(f"the schedule lr = {self.lr!r} of {type(self).__name__} gave {s}_{t} = "
                                f"{value:g} at step t = {t}: {s}_t must be finite and ≥ 0", t, value)
        return value

    def at(self, t: int) -> "Optimizer":
        r"""This optimizer with its rate fixed at :math:`\alpha_t`: what step :math:`t` runs.

        ``opt.at(t).step(grad, theta, state)`` makes step :math:`t` (:math:`\theta_{t-1}` to
        :math:`\theta_t`) of a scheduled optimizer, as :func:`optlib.run` does; with a constant ``lr``
        it is ``opt`` itself. A rate :math:`\alpha_t = 0` is allowed here (a schedule may end at 0).
        """
        if not self.scheduled:
            return self
        fixed = object.__new__(type(self))
        fixed.__dict__.update(self.__dict__, lr=self.rate(t))   # already frozen: _frozen is copied
        return fixed

    def hyperparameters(self) -> dict:
        """The hyperparameters as ``{argument name: value}``."""
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.hyperparameters() == other.hyperparameters()

    def __hash__(self) -> int:
        return hash((type(self), tuple(self.hyperparameters().items())))

    def __setattr__(self, key, value):
        # Hyperparameters are fixed at construction: an optimizer holds no state between runs.
        if getattr(self, "_frozen", False):
            raise AttributeError(f"{type(self).__name__} is immutable: make a new one instead")
        super().__setattr__(key, value)

    def _freeze(self) -> None:
        object.__setattr__(self, "_frozen", True)


class DivergenceError(FloatingPointError):
    r"""A run produced a value that is not finite (overflow or NaN) and was stopped there.

    ``trajectory`` holds the finite part of the run (:math:`\theta_0, \dots, \theta_{k-1}`); ``step`` is
    :math:`k`, the step whose result was not finite.
    """

    def __init__(self, message: str, trajectory: "Trajectory", step: int):
        super().__init__(message)
        self.trajectory = trajectory
        self.step = step


@dataclass(frozen=True)
class Trajectory:
    r"""The record of ``run``: ``thetas[t]`` is :math:`\theta_t`, for :math:`t = 0, \dots, T`.

    Attributes
    ----------
    optimizer : Optimizer
        The optimizer that made the run.
    thetas : ndarray
        :math:`\theta_0, \dots, \theta_T`, of shape ``(T + 1,) + theta0.shape``, with ``thetas[0]`` the start
        :math:`\theta_0`. :math:`T` is ``steps``, or less if the run diverged.
    grads : ndarray
        Of shape ``(T,) + theta0.shape``: ``grads[t - 1]`` is :math:`g_t`, the gradient that step :math:`t`
        used: :math:`\nabla J(\theta_{t-1})`, or :math:`\nabla J(\theta_{temp})` for NAG.
    states : tuple
        ``states[t]`` is the optimizer state after :math:`t` steps (``states[0]`` is the zero state), or an
        empty tuple when ``run(..., keep_states=False)``.
    losses : ndarray or None
        :math:`J(\theta_t)` for :math:`t = 0, \dots, T` when ``run`` was given ``loss``.
    diverged_at : int or None
        The step whose result was not finite, or None when every step stayed finite.
    message : str
        ``"ok"``, or what stopped the run.
    """

    optimizer: Optimizer
    thetas: np.ndarray
    grads: np.ndarray
    states: tuple
    losses: Optional[np.ndarray] = None
    diverged_at: Optional[int] = None
    message: str = "ok"

    @property
    def steps(self) -> int:
        r""":math:`T`, the number of steps made."""
        return len(self.thetas) - 1

    @property
    def final(self) -> np.ndarray:
        r""":math:`\theta_T`, the last parameters."""
        return self.thetas[-1]

    @property
    def diverged(self) -> bool:
        """True when the run stopped on a non-finite value."""
        return self.diverged_at is not None

    def grad_norms(self) -> np.ndarray:
        r""":math:`\lVert g_t \rVert_2` for each step :math:`t = 1, \dots, T` (the Euclidean norm over all parameters)."""
        return np.sqrt(np.sum(self.grads.reshape(len(self.grads), -1) ** 2, axis=1))

    def rates(self) -> np.ndarray:
        r""":math:`\alpha_1, \dots, \alpha_T`, the learning rate each step used (all equal when ``lr`` is a number)."""
        return np.array([self.optimizer.rate(t) for t in range(1, self.steps + 1)], dtype=np.float64)

    def state_field(self, name: str) -> np.ndarray:
        r"""One field of the state stacked over :math:`t = 0, \dots, T`, e.g. ``traj.state_field("V")``."""
        if not self.states:
            raise ValueError("this run kept no states: call run(..., keep_states=True)")
        return np.stack([np.asarray(getattr(s, name)) for s in self.states])


_DIVERGENCE = ("raise", "stop")


def run(optimizer: Optimizer, grad: Grad, theta0, steps: int, *, loss: Optional[Callable] = None,
        on_divergence: str = "raise", keep_states: bool = True) -> Trajectory:
    r"""Make ``steps`` updates of ``optimizer`` from :math:`\theta_0` = ``theta0``.

    Parameters
    ----------
    optimizer : Optimizer
        One of :class:`optlib.GD`, :class:`optlib.Momentum`, :class:`optlib.NAG`,
        :class:`optlib.AdaGrad`, :class:`optlib.RMSProp`, :class:`optlib.Adam`, :class:`optlib.AdamW`,
        :class:`optlib.AMSGrad`. When its ``lr`` is a schedule, step :math:`t` is made by
        ``optimizer.at(t)``, with :math:`\alpha_t` = ``lr(t)``; a rate that is negative or not finite
        raises :class:`optlib.ScheduleError` naming the step, whatever ``on_divergence`` says.
    grad : callable
        :math:`\theta \mapsto \nabla J(\theta)`, returning an array of :math:`\theta`'s shape.
    theta0 : array_like
        :math:`\theta_0`. Integers and lists are taken as float64; ``theta0`` itself is never modified.
    steps : int
        :math:`T \ge 0`, the number of updates.
    loss : callable, optional
        :math:`\theta \mapsto J(\theta)`; when given, ``Trajectory.losses`` holds
        :math:`J(\theta_0), \dots, J(\theta_T)`.
    on_divergence : str
        ``"raise"`` (the default) or ``"stop"``: what to do when a step gives a non-finite
        :math:`\theta`, gradient or state: ``"raise"`` a
        :class:`DivergenceError` carrying the finite part of the run, or ``"stop"`` and return that
        part with ``diverged_at`` and ``message`` set. No NaN row is ever stored, and numpy's overflow
        warnings are silenced because the run reports the overflow itself.
    keep_states : bool
        Keep the optimizer state after every step (``Trajectory.states``).

    Returns
    -------
    Trajectory

    Examples
    --------
    >>> import optlib
    >>> traj = optlib.run(optlib.GD(lr=0.1), lambda th: 2 * th, [1.0], steps=2)
    >>> traj.thetas[:, 0].tolist()
    [1.0, 0.8, 0.64]
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an optlib optimizer (GD, Momentum, ...), got {type(optimizer).__name__}")
    if not callable(grad):
        raise TypeError(f"grad must be a callable θ ↦ ∇J(θ), got {type(grad).__name__} {grad!r}"[:200])
    if loss is not None and not callable(loss):
        raise TypeError(f"loss must be a callable θ ↦ J(θ) or None, got {type(loss).__name__}")
    if on_divergence not in _DIVERGENCE:
        raise ValueError(f"on_divergence must be one of {_DIVERGENCE}, got {on_divergence!r}")
    n_steps = _validate.steps(steps)
    theta = _validate.as_theta("theta0", theta0)
    shape = theta.shape

    thetas = np.empty((n_steps + 1, *shape))
    grads = np.empty((n_steps, *shape))
    losses = np.empty(n_steps + 1) if loss is not None else None
    thetas[0] = theta
    state = optimizer.init(theta)
    states = [state] if keep_states else None
    used: list = []  # the gradient(s) the current step asked for

    def checked_grad(at: np.ndarray) -> np.ndarray:
        g = np.asarray(grad(at), dtype=np.float64)
        if g.shape != shape:
            raise ValueError(f"grad returned an array of shape {g.shape}; ∇J(θ) must have θ's shape {shape}")
        used.append(g)
        return g

    problem = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if losses is not None:
            losses[0] = _loss_value(loss, theta)
            if not np.isfinite(losses[0]):
                raise ValueError(f"loss(θ_0) is not finite: {losses[0]}")
        scheduled = optimizer.scheduled
        for t in range(1, n_steps + 1):
            used.clear()
            stepper = optimizer.at(t) if scheduled else optimizer   # α_t fixed for step t
            theta_next, state_next = stepper.step(checked_grad, theta, state)
            g = used[-1]
            if not _all_finite(theta_next, g, *state_next):  # cheap; names nothing
                problem = _first_non_finite(theta_next, g, state_next)
            if problem is None and losses is not None:
                losses[t] = _loss_value(loss, theta_next)
                if not np.isfinite(losses[t]):
                    problem = "J(θ)"
            if problem is not None:
                break
            thetas[t] = theta_next
            grads[t - 1] = g
            if keep_states:
                states.append(state_next)
            theta, state = theta_next, state_next
    if problem is None:
        return Trajectory(optimizer, thetas, grads, tuple(states or ()), losses)

    done = t - 1
    message = (f"{optimizer!r} diverged at step {t}: {problem} is not finite "
               f"(max |θ_{done}| = {np.max(np.abs(theta), initial=0.0):.3e}); the run stopped after {done} finite steps")
    traj = Trajectory(optimizer, thetas[: done + 1].copy(), grads[:done].copy(), tuple(states or ()),
                      None if losses is None else losses[: done + 1].copy(), diverged_at=t, message=message)
    if on_divergence == "raise":
        raise DivergenceError(message, traj, t)
    return traj


def _loss_value(loss: Callable, theta: np.ndarray) -> float:
    value = np.asarray(loss(theta), dtype=np.float64)
    if value.shape != ():
        raise ValueError(f"loss must return a scalar J(θ), got an array of shape {value.shape}")
    return float(value)


#: arrays up to this many values are summed in Python, which is cheaper there than a numpy call
_SMALL = 64


def _all_finite(*values) -> bool:
    """True when every number in ``values`` (arrays, ints, floats) is finite: run's check after each step.

    A small array is checked through its sum: a sum of floats is finite only if every term is (a NaN
    term makes it NaN, an infinite one makes it ±∞, or NaN when ∞ and −∞ meet), so a finite sum proves
    every term finite. The converse can fail (finite terms whose sum overflows), so ``False`` only sends
    ``run`` on to :func:`_first_non_finite`, which tests element by element and names the culprit.
    Larger arrays are tested element by element here directly.

    >>> _all_finite(np.array([1.0, -2.0]), 3, np.ones(100))
    True
    >>> _all_finite(np.array([1.0, np.nan])), _all_finite(np.array([np.inf, -np.inf]))
    (False, False)
    >>> _all_finite(np.array([1e308, 1e308]))  # a false alarm, which _first_non_finite clears
    False
    """
    for value in values:
        if type(value) is np.ndarray and value.size <= _SMALL:
            if not math.isfinite(sum(value.ravel().tolist())):
                return False
        elif type(value) is not int and not np.isfinite(value).all():
            return False
    return True


def _first_non_finite(theta: np.ndarray, g: np.ndarray, state: NamedTuple) -> Optional[str]:
    """Name what is not finite after a step (the gradient, θ, or a state field), or None."""
    if not np.isfinite(g).all():
        return "the gradient ∇J"
    if not np.isfinite(theta).all():
        return "θ"
    for name, value in zip(state._fields, state):
        if not np.isfinite(value).all():
            return f"the state {name}"
    return None
