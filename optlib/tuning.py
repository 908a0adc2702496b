"""One way to tune the learning rate α, used by every chapter that compares optimizers.

The protocol (:func:`tune`): run the optimizer from the problem's θ_0 with every α of a fixed grid, count
the iterations until the error stays at or below a tolerance for the rest of the run, and keep the α with
the fewest (ties go to the smaller α). The error is the loss gap J(θ_t) − J(θ*) (the loss itself where
J(θ*) is unknown), or ‖θ_t − θ*‖ with ``criterion="distance"``. A run that overflows counts as not
reaching the tolerance. Because every chapter uses this one function with the same grid and defaults, the
same optimizer on the same problem gives the same number wherever the book quotes it.

The grid, :data:`ALPHA_GRID`, is 10^(k/2) for k = −8 … 2: 1e-4, 3.2e-4, 1e-3, … 3.2, 10, two points a
decade (each α about 3.16 times the one before), wide enough for every problem of the book. A tuned α is
then within a factor √3.16 ≈ 1.78 of the best α of a continuum: close enough to rank optimizers whose
iteration counts differ by more than that, not to split hairs (chapter 8 tries a finer grid to show it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence, Tuple, Union

import numpy as np

from .base import Optimizer, Trajectory, run
from .metrics import distance_to, iterations_to_tolerance

#: the learning rates tried: 10^(k/2), k = −8 … 2 (1e-4 … 10, two a decade)
ALPHA_GRID = tuple(float(10.0 ** (k / 2)) for k in range(-8, 3))
#: the default tolerance on the error
TOL = 1e-6
#: the default number of steps of each run
STEPS = 1000
_CRITERIA = ("gap", "distance")


@dataclass(frozen=True)
class Trial:
    """One run of the grid: its α, the iterations to the tolerance (None: never), the final error."""

    lr: float
    iterations: Optional[int]
    final_error: float
    diverged: bool
    trajectory: Optional[Trajectory] = None


@dataclass(frozen=True)
class Tuned:
    """The result of :func:`tune`: the best trial and every trial of the grid, in the grid's order.

    ``lr``, ``iterations`` and ``trajectory`` are the best trial's. ``reached`` says whether any α reached
    the tolerance; when none did, the best trial is the one with the smallest final error.
    ``at_edge`` is True when the best α is the smallest or the largest of the grid (the grid may be too
    narrow for this problem).
    """

    best: Trial
    trials: Tuple[Trial, ...]
    tol: float
    criterion: str

    @property
    def lr(self) -> float:
        return self.best.lr

    @property
    def iterations(self) -> Optional[int]:
        return self.best.iterations

    @property
    def trajectory(self) -> Optional[Trajectory]:
        return self.best.trajectory

    @property
    def reached(self) -> bool:
        return self.best.iterations is not None

    @property
    def at_edge(self) -> bool:
        lrs = [t.lr for t in self.trials]
        return self.best.lr in (min(lrs), max(lrs))

    def count_reaching(self) -> int:
        """How many α of the grid reach the tolerance."""
        return sum(t.iterations is not None for t in self.trials)


def errors(problem, trajectory: Trajectory, criterion: str = "gap") -> np.ndarray:
    """The error of every θ_t of a run: J(θ_t) − J(θ*) (``"gap"``) or ‖θ_t − θ*‖ (``"distance"``)."""
    if criterion == "distance":
        if problem.minimizer is None:
            raise ValueError(f"criterion 'distance' needs a known minimizer θ*, and {problem!r} has none")
        with np.errstate(over="ignore", invalid="ignore"):
            return distance_to(trajectory.thetas, problem.minimizer)
    if criterion != "gap":
        raise ValueError(f"criterion must be one of {_CRITERIA}, got {criterion!r}")
    losses = trajectory.losses
    if losses is None:
        losses = np.array([problem.loss(th) for th in trajectory.thetas])
    return losses - (problem.f_min or 0.0)


def trial(make: Union[Callable[[float], Optimizer], type], problem, lr: float, *, steps: int = STEPS,
          tol: float = TOL, criterion: str = "gap", keep_trajectory: bool = True) -> Trial:
    """One run of the protocol at one α: ``make(lr)`` from ``problem.theta0`` for ``steps`` steps."""
    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}, got {criterion!r}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not (tol > 0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a positive finite number, got {tol}")
    traj = run(make(lr), problem.grad, problem.theta0, steps, loss=problem.loss, on_divergence="stop",
               keep_states=False)
    err = errors(problem, traj, criterion)
    if traj.diverged:
        return Trial(float(lr), None, float("inf"), True, traj if keep_trajectory else None)
    n = iterations_to_tolerance(err, tol)
    return Trial(float(lr), n, float(err[-1]), False, traj if keep_trajectory else None)


def tune(make: Union[Callable[[float], Optimizer], type], problem, *, alphas: Sequence[float] = ALPHA_GRID,
         steps: int = STEPS, tol: float = TOL, criterion: str = "gap",
         keep_trajectories: bool = False) -> Tuned:
    """Tune α for ``make`` (an optimizer class, or a function α ↦ optimizer) on ``problem``.

    Every α of ``alphas`` is tried (:func:`trial`); the best is the one with the fewest iterations to
    ``tol`` (ties: the smaller α), or, when none reaches it, the smallest final error. The best trial
    keeps its trajectory; the others keep theirs only with ``keep_trajectories=True``.

    >>> import optlib
    >>> res = tune(optlib.GD, optlib.quadratic(10.0))
    >>> res.reached, res.lr == max(a for a in ALPHA_GRID if a < 2 / 10.0)
    (True, True)
    >>> res.lr, res.iterations, res.count_reaching()
    (0.1, 63, 3)
    """
    alphas = [float(a) for a in alphas]
    if not alphas or any(not (a > 0 and np.isfinite(a)) for a in alphas):
        raise ValueError(f"alphas (α) must be positive finite learning rates, got {alphas}")
    trials = [trial(make, problem, a, steps=steps, tol=tol, criterion=criterion) for a in alphas]
    reached = [t for t in trials if t.iterations is not None]
    if reached:
        best = min(reached, key=lambda t: (t.iterations, t.lr))
    else:
        best = min(trials, key=lambda t: (t.final_error, t.lr))
    if not keep_trajectories:
        trials = [t if t is best else Trial(t.lr, t.iterations, t.final_error, t.diverged) for t in trials]
    return Tuned(best, tuple(trials), float(tol), criterion)
