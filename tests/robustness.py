"""The robustness rule's shared pieces: a comparative verdict must hold beyond the setup that produced it.

A chapter's verdict ("faster", "slower", "never", "settles", "reaches", "rescues", "frozen", "safe default")
is tested, in its chapter's claims register, against each change of setup that could flip it:

- a horizon :data:`LONGER` (10) times the chapter's T;
- an α grid at least 4× finer than the book's (:data:`FINE_ALPHAS`: 8 values a decade, the book's has 2),
  and γ tuned too (:data:`GAMMAS`) where momentum is compared with GD;
- matched decays where two methods share one (RMSProp's β against Adam's β2);
- mini-batch gradients over :data:`SEEDS` where the chapter speaks of deep-learning practice;
- another start of the same problem.

A verdict that holds only under its setup says so in its sentence, and its test checks that condition
(it asserts both: the verdict in the setup, and that it flips, or not, outside it). The rule and how to
write such a test are in CONTRIBUTING.md ("Verdicts that hold beyond their setup").

The helpers here keep those tests short and alike; they compute, they assert nothing.
"""

from __future__ import annotations

from typing import Callable, Iterable, Optional, Sequence, Tuple

import numpy as np

import optlib
from optlib import tuning

#: how many times longer than the chapter's horizon a verdict is run again
LONGER = 10
#: the finer α grid: 8 values a decade from 1e-4 to 10 (the book's ALPHA_GRID has 2 a decade)
FINE_ALPHAS = tuple(float(10.0 ** (k / 8)) for k in range(-32, 9))
#: γ values for tuning momentum's γ together with α
GAMMAS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
#: the seeds of mini-batch runs
SEEDS = (0, 1, 2, 3, 4)


def fine_grid(lo: float, hi: float, per_decade: int = 8) -> Tuple[float, ...]:
    """α values ``per_decade`` a decade from ``lo`` to ``hi`` (both included when on the grid)."""
    k0, k1 = int(np.floor(np.log10(lo) * per_decade + 1e-9)), int(np.ceil(np.log10(hi) * per_decade - 1e-9))
    return tuple(float(10.0 ** (k / per_decade)) for k in range(k0, k1 + 1))


def best_iterations(make, problem, *, alphas: Sequence[float] = FINE_ALPHAS, steps: int = tuning.STEPS,
                    tol: float = tuning.TOL, criterion: str = "gap") -> Tuple[Optional[int], float]:
    """The fewest iterations to ``tol`` over ``alphas`` and the α that gives them: ``(iterations, α)``
    (``(None, α of the smallest final error)`` when no α reaches the tolerance)."""
    res = tuning.tune(make, problem, alphas=alphas, steps=steps, tol=tol, criterion=criterion)
    return res.iterations, res.lr


def best_momentum(problem, kind=optlib.Momentum, *, gammas: Iterable[float] = GAMMAS,
                  alphas: Sequence[float] = FINE_ALPHAS, steps: int = tuning.STEPS,
                  tol: float = tuning.TOL) -> Tuple[Optional[int], float, float]:
    """Momentum (or NAG) with γ tuned too: the fewest iterations over γ × α, ``(iterations, γ, α)``."""
    best = (None, float("nan"), float("nan"))
    for gamma in gammas:
        it, lr = best_iterations(lambda a, g=gamma: kind(a, gamma=g), problem, alphas=alphas, steps=steps, tol=tol)
        if it is not None and (best[0] is None or it < best[0]):
            best = (it, float(gamma), lr)
    return best


def gaps(problem, trajectory) -> np.ndarray:
    """The loss gap J(θ_t) − J* of every iterate of a trajectory (t = 0 … T)."""
    return tuning.errors(problem, trajectory, "gap")


def first_return_above(errors, tol: float, after: int) -> Optional[int]:
    """The first t > ``after`` at which the error is back above ``tol`` (None: it stays below)."""
    errors = np.asarray(errors)
    idx = np.nonzero(errors[after + 1:] > tol)[0]
    return None if idx.size == 0 else int(after + 1 + idx[0])


def over_seeds(run_one: Callable[[int], float], seeds: Iterable[int] = SEEDS) -> np.ndarray:
    """``run_one(seed)`` for every seed: one number a seed (a final loss, a count), as an array."""
    return np.array([run_one(s) for s in seeds], dtype=float)


#: the mini-batch protocol of chapters 5 and 6 on optlib.sparse_regression: batches of B rows, T_MB steps,
#: α tuned on seed 0 over COARSE, then every seed of SEEDS at that α
B, T_MB = 32, 300
COARSE = (0.01, 0.0316, 0.1, 0.316, 1.0)


def hover(problem, make, lr: float, seed: int, steps: int = T_MB, batch: int = B) -> float:
    """Where a mini-batch run hovers: the mean loss gap J(θ_t) − J* over its last 100 steps (∞ if it diverged)."""
    traj = optlib.run(make(lr), problem.minibatch_grad(batch, seed=seed), problem.theta0, steps,
                      loss=problem.loss, on_divergence="stop", keep_states=False)
    if traj.diverged_at is not None:
        return np.inf
    return float(np.mean(traj.losses[-100:] - problem.f_min))


def minibatch_table(problem, makers: dict, alphas: Sequence[float] = COARSE, seeds: Sequence[int] = SEEDS) -> dict:
    """For each named optimizer: α tuned by :func:`hover` on ``seeds[0]`` over ``alphas``, then every seed at
    that α, ``{name: (α, array of the hover of each seed)}``."""
    out = {}
    for name, make in makers.items():
        score = {lr: hover(problem, make, lr, seeds[0]) for lr in alphas}
        lr = min(score, key=score.get)
        out[name] = (lr, np.array([score[lr]] + [hover(problem, make, lr, s) for s in seeds[1:]]))
    return out


def sentence(notebook, cell_id: str) -> str:
    """The source of one cell of a chapter, by its id, whitespace folded: the sentence a verdict's test is
    tied to (the test asserts the condition the sentence states, so rewording it away fails the test)."""
    import nbformat

    found = [c.source for c in nbformat.read(notebook, as_version=4).cells if c.get("id") == cell_id]
    if len(found) != 1:
        raise KeyError(f"{len(found)} cells with id {cell_id} in {getattr(notebook, 'name', notebook)}")
    return " ".join(found[0].split())
