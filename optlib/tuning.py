r"""One way to tune the learning rate α, used by every chapter that compares optimizers.

The protocol (:func:`optlib.tune`): run the optimizer from the problem's θ_0 with every α of a fixed grid, count
the iterations until the error stays at or below a tolerance for the rest of the run, and keep the α with
the fewest (ties go to the smaller α). The error is the loss gap :math:`J(\theta_t) - J(\theta^*)` (the
loss itself where :math:`J(\theta^*)` is unknown), or :math:`\lVert\theta_t - \theta^*\rVert` with
``criterion="distance"``. A run that overflows counts as not
reaching the tolerance. Because every chapter uses this one function with the same grid and defaults, the
same optimizer on the same problem gives the same number wherever the book quotes it.

The grid, :data:`ALPHA_GRID`, is :math:`10^{k/2}` for :math:`k = -8, \dots, 2`: 1e-4, 3.2e-4, 1e-3, … 3.2,
10, two points a decade (each α about 3.16 times the one before), wide enough for every problem of the
book. A tuned α is then within a factor :math:`\sqrt{3.16} \approx 1.78` of the best α of a continuum: close enough to rank optimizers whose
iteration counts differ by more than that, not to split hairs (chapter 8 tries a finer grid to show it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from .base import Optimizer, Trajectory, run
from .metrics import distance_to, iterations_to_tolerance

#: the learning rates tried — 10^(k/2), k = −8 … 2 (1e-4 … 10, two a decade)
ALPHA_GRID = tuple(float(10.0 ** (k / 2)) for k in range(-8, 3))
#: the default tolerance on the error
TOL = 1e-6
#: the default number of steps of each run
STEPS = 1000
_CRITERIA = ("gap", "distance")


@dataclass(frozen=True)
class Trial:
    """One run of the grid: its α, the iterations to the tolerance (None: never), the final error.

    ``margin`` (≥ 1) is how far the count is from a knife edge (:func:`optlib.tuning.tolerance_margin`): the tolerance
    could be multiplied or divided by any factor below ``margin`` without changing ``iterations``.
    ``sensitive`` is True when the same run with every gradient disturbed by a relative ``probe`` (see
    :func:`optlib.tuning.trial`) gave another count: the run amplifies tiny differences (it is chaotic), so its count
    would change with the round-off of another machine.
    """

    lr: float
    iterations: Optional[int]
    final_error: float
    diverged: bool
    trajectory: Optional[Trajectory] = None
    margin: Optional[float] = None
    sensitive: bool = False


@dataclass(frozen=True)
class Tuned:
    """The result of :func:`optlib.tune`: the best trial and every trial of the grid, in the grid's order.

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
        """How many α of the grid reach the tolerance (a ``sensitive`` trial does not count)."""
        return sum(t.iterations is not None and not t.sensitive for t in self.trials)


def errors(problem, trajectory: Trajectory, criterion: str = "gap") -> np.ndarray:
    r"""The error of every :math:`\theta_t` of a run: :math:`J(\theta_t) - J(\theta^*)` (``"gap"``) or
    :math:`\lVert\theta_t - \theta^*\rVert` (``"distance"``)."""
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
          tol: float = TOL, criterion: str = "gap", keep_trajectory: bool = True,
          probe: Optional[float] = None) -> Trial:
    """One run of the protocol at one α: ``make(lr)`` from ``problem.theta0`` for ``steps`` steps.

    With ``probe`` (a small relative change, e.g. 1e-10), the run is repeated with every component of
    every gradient multiplied by 1 + probe·u, u drawn uniformly from [−1, 1] (a fixed seed): a disturbance
    like the round-off of another machine, only much larger. If that changes the run's count (or whether
    it diverges), the trial is marked ``sensitive``.
    """
    if probe is not None and not (0 < probe < 1e-3):
        raise ValueError(f"probe must be a small relative change between 0 and 1e-3, got {probe}")
    if criterion not in _CRITERIA:
        raise ValueError(f"criterion must be one of {_CRITERIA}, got {criterion!r}")
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    if not (tol > 0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a positive finite number, got {tol}")
    traj = run(make(lr), problem.grad, problem.theta0, steps, loss=problem.loss, on_divergence="stop",
               keep_states=False)
    err = errors(problem, traj, criterion)
    n = None if traj.diverged else iterations_to_tolerance(err, tol)
    sensitive = False
    if probe is not None:
        moved = run(make(lr), _disturbed(problem.grad, probe), problem.theta0, steps, loss=problem.loss,
                    on_divergence="stop", keep_states=False)
        n2 = None if moved.diverged else iterations_to_tolerance(errors(problem, moved, criterion), tol)
        sensitive = (moved.diverged, n2) != (traj.diverged, n)
    if traj.diverged:
        return Trial(float(lr), None, float("inf"), True, traj if keep_trajectory else None, float("inf"),
                     sensitive)
    return Trial(float(lr), n, float(err[-1]), False, traj if keep_trajectory else None,
                 tolerance_margin(err, tol), sensitive)


def _disturbed(grad: Callable, probe: float, block: int = 256) -> Callable:
    """grad with each component multiplied by 1 + probe·u, u uniform in [−1, 1], fresh at every call.

    The factors are drawn for ``block`` calls at a time (a gradient keeps its shape through a run): the
    generator gives the same numbers in the same order as one draw per call, for less work per call.
    """
    rng = np.random.default_rng(0)
    factors = iter(())

    def g(theta):
        nonlocal factors
        out = np.asarray(grad(theta), dtype=np.float64)
        factor = next(factors, None)
        if factor is None or factor.shape != out.shape:
            factors = iter(1.0 + probe * rng.uniform(-1.0, 1.0, (block, *out.shape)))
            factor = next(factors)
        return out * factor

    return g


def tune(make: Union[Callable[[float], Optimizer], type], problem, *, alphas: Sequence[float] = ALPHA_GRID,
         steps: int = STEPS, tol: float = TOL, criterion: str = "gap",
         keep_trajectories: bool = False, probe: Optional[float] = None) -> Tuned:
    """Tune α for ``make`` (an optimizer class, or a function α ↦ optimizer) on ``problem``.

    Every α of ``alphas`` is tried (:func:`optlib.tuning.trial`); the best is the one with the fewest iterations to
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
    trials = [trial(make, problem, a, steps=steps, tol=tol, criterion=criterion, probe=probe) for a in alphas]
    reached = [t for t in trials if t.iterations is not None and not t.sensitive]
    if reached:
        best = min(reached, key=lambda t: (t.iterations, t.lr))
    else:
        best = min([t for t in trials if not t.sensitive] or trials, key=lambda t: (t.final_error, t.lr))
    if not keep_trajectories:
        trials = [t if t is best else replace(t, trajectory=None) for t in trials]
    return Tuned(best, tuple(trials), float(tol), criterion)


def tolerance_margin(errors, tol: float) -> float:
    """How far the count of :func:`~optlib.iterations_to_tolerance` is from a knife edge.

    The count k is the first t from which ``errors[t] ≤ tol`` holds to the end. It stays the same for
    every tolerance between max(errors[k:]) and errors[k − 1]; the margin is the factor (≥ 1) by which
    ``tol`` can be multiplied or divided without leaving that interval. A margin of 1.01 means the
    tolerance could move by 1 % either way; round-off, which moves an error by about 1e-16 relative per
    operation, cannot change such a count unless the run amplifies it by many orders of magnitude.
    A run that never reaches ``tol`` has the margin errors[−1] / tol.

    >>> # k = 2: tol may lie anywhere in [0.5, 2) without changing the count
    >>> tolerance_margin([4.0, 2.0, 0.5, 0.25], tol=1.0)
    2.0
    >>> tolerance_margin([4.0, 2.0, 1.5], tol=1.0)         # never reached: 1.5 / 1
    1.5
    """
    err = np.asarray(errors, dtype=np.float64)
    k = iterations_to_tolerance(err, tol)
    with np.errstate(divide="ignore", invalid="ignore"):
        if k is None:
            return float(err[-1] / tol)
        below = tol / np.max(err[k:]) if np.max(err[k:]) > 0 else np.inf
        return float(below if k == 0 else min(err[k - 1] / tol, below))


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`optlib.tuning.compare`: one :class:`optlib.tuning.Tuned` per (problem, optimizer), in the given orders.

    ``comparison[problem, optimizer]`` is the :class:`optlib.tuning.Tuned` of that pair; ``settings[problem]`` is the
    (steps, tol) its runs used. The arrays below are indexed [problem, optimizer] or
    [problem, optimizer, α].
    """

    problems: Tuple[str, ...]
    optimizers: Tuple[str, ...]
    alphas: Tuple[float, ...]
    results: Dict[Tuple[str, str], Tuned] = field(repr=False)
    settings: Dict[str, Tuple[int, float]] = field(repr=False)

    def __getitem__(self, key: Tuple[str, str]) -> Tuned:
        return self.results[key]

    def grid(self) -> np.ndarray:
        """Iterations to the tolerance of every run, shape (problems, optimizers, α); NaN: not reached."""
        return np.array([[[np.nan if t.iterations is None else t.iterations for t in self[p, o].trials]
                          for o in self.optimizers] for p in self.problems], dtype=float)

    def sensitive(self) -> np.ndarray:
        """True where the probe's disturbance changed a run's count, shape (problems, optimizers, α)."""
        return np.array([[[t.sensitive for t in self[p, o].trials] for o in self.optimizers]
                         for p in self.problems], dtype=bool)

    def diverged(self) -> np.ndarray:
        """True where a run of the grid overflowed, shape (problems, optimizers, α)."""
        return np.array([[[t.diverged for t in self[p, o].trials] for o in self.optimizers]
                         for p in self.problems], dtype=bool)

    def iterations(self) -> np.ndarray:
        """Iterations at each tuned α, shape (problems, optimizers); NaN: no α reached the tolerance."""
        return np.array([[np.nan if self[p, o].iterations is None else self[p, o].iterations
                          for o in self.optimizers] for p in self.problems], dtype=float)

    def ranks(self) -> np.ndarray:
        """Rank of each optimizer on each problem, shape (problems, optimizers): 1 + how many did better.

        Fewer iterations is better; an optimizer that never reached the tolerance does worse than any
        that did, and those that never reached it share the rank after the last one that did.
        """
        k = np.where(np.isnan(self.iterations()), np.inf, self.iterations())
        return 1 + (k[:, None, :] < k[:, :, None]).sum(axis=2)

    def smallest_margin(self) -> float:
        """The smallest ``margin`` of a :class:`optlib.tuning.Trial` over the runs of the grid that are not ``sensitive``."""
        return min(t.margin for tuned in self.results.values() for t in tuned.trials if not t.sensitive)

    def summary(self, width: int = 9) -> str:
        """A text table, at most 79 characters wide for six optimizers: for each problem the iterations
        at the tuned α (— never), the tuned α, and how many α of the grid reach the tolerance."""
        head = f"{'':17s}" + "".join(f"{o:>{width}s}" for o in self.optimizers)
        lines = [head]
        for p in self.problems:
            res = [self[p, o] for o in self.optimizers]
            steps, tol = self.settings[p]
            lines.append(f"{p[:17]:17s}" + "".join(
                f"{'—' if r.iterations is None else r.iterations:>{width}}" for r in res))
            lines.append(f"{'  tuned α':17s}" + "".join(f"{r.lr:>{width}.0e}" for r in res))
            lines.append(f"{'  α reaching':17s}" + "".join(f"{r.count_reaching():>{width}d}" for r in res))
        return "\n".join(lines)


def _named(optimizers) -> Dict[str, Callable[[float], Optimizer]]:
    if isinstance(optimizers, Mapping):
        return dict(optimizers)
    return {cls.name: cls for cls in optimizers}


def compare(optimizers, problems: Mapping[str, object], *, alphas: Sequence[float] = ALPHA_GRID,
            steps: int = STEPS, tol: float = TOL, criterion: str = "gap",
            overrides: Optional[Mapping[str, Mapping[str, float]]] = None,
            keep_trajectories: bool = False, probe: Optional[float] = None) -> Comparison:
    """:func:`optlib.tune` every optimizer on every problem, with the same grid and protocol.

    ``optimizers`` is a sequence of optimizer classes (named by their ``name``) or a mapping
    name → (α ↦ optimizer); ``problems`` maps a name to a problem. ``overrides`` maps a problem's name to
    the ``steps`` and/or ``tol`` it needs instead of the defaults (say why where you use it).
    ``probe`` marks the chaotic runs (see :func:`optlib.tune`).

    >>> import optlib
    >>> c = compare([optlib.GD, optlib.Momentum], {"κ=10": optlib.quadratic(10.0)})
    >>> gd, momentum = c["κ=10", "GD"], c["κ=10", "Momentum"]
    >>> gd.iterations, momentum.iterations, c.ranks().tolist()
    (63, 146, [[1, 2]])
    """
    makers = _named(optimizers)
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(problems)
    if unknown:
        raise ValueError(f"overrides name problems that are not compared: {sorted(unknown)}")
    results, settings = {}, {}
    for pname, problem in problems.items():
        extra = dict(overrides.get(pname, {}))
        bad = set(extra) - {"steps", "tol"}
        if bad:
            raise ValueError(f"overrides may set only steps and tol, got {sorted(bad)} for {pname!r}")
        s, tl = int(extra.get("steps", steps)), float(extra.get("tol", tol))
        settings[pname] = (s, tl)
        for oname, make in makers.items():
            results[pname, oname] = tune(make, problem, alphas=alphas, steps=s, tol=tl, criterion=criterion,
                                         keep_trajectories=keep_trajectories, probe=probe)
    return Comparison(tuple(problems), tuple(makers), tuple(float(a) for a in alphas), results, settings)
