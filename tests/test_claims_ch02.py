"""Claims register of chapter 2 (why gradient descent struggles): each test quotes the sentence it guards
and recomputes the claim with optlib, so that a change to optlib that turns the sentence false fails here.

The chapter's older claims (non-convexity, geometric vanishing with depth, 24 steps per decade at the
saddle) are guarded in tests/test_ch234_claims.py; this file holds the claims added since. The race of
the six optimizers on the deep chain ("Momentum & NAG solve the Vanishing Gradient problem", tested) is
chapter 8's, with its claims in tests/test_claims_ch08.py: chapter 2 teaches gradient descent only.
"""

import numpy as np
import pytest

import optlib

#: numbers chapter 2's Markdown quotes that are inputs of its experiments, not results
QUOTED_INPUTS = {
    "99": "the notes' own figure, quoted: \"In Deep Learning, 99% of the time the loss function is not convex\"",
    "δ = 1e-1": "the largest starting offset δ of the saddle table (10.0 ** -k for k = 1 … 9)",
    "δ = 1e-9": "the smallest starting offset δ of the saddle table",
    "200 examples": "the number of examples of the regression (linear_regression's default size)",
    "10 examples": "a batch size of the noise-floor runs (B in (1, 10, len(data.X)) in their cell)",
}

def test_the_saddle_costs_grow_with_decades_not_with_one_over_delta():
    """"From δ = 10⁻¹ to 10⁻⁹, a start 10⁸ times closer to the saddle, the steps to leave grow from 19 to
    212, only 212/19 ≈ 11.2 times as many"."""
    left = []
    for k in (1, 9):
        problem = optlib.Saddle(theta0=(1.0, 10.0 ** -k))
        traj = optlib.run(optlib.GD(0.1), problem.grad, problem.theta0, 1000, keep_states=False)
        left.append(int(np.flatnonzero(np.abs(traj.thetas[:, 1]) >= 0.5)[0]))
    assert left == [19, 212]
    assert 11 < left[1] / left[0] < 11.5


def _data():
    return optlib.linear_regression(scales=(1.0, 10.0), noise=2.0).standardized()


def test_minibatch_gradient_is_right_on_average_and_its_noise_shrinks_like_one_over_sqrt_batch():
    """"A mini-batch gradient is cheap and right on average ..., but each one is off by a random error,
    the noise, whose size shrinks like 1/√|B|" and "the noise halves when the batch grows four times"."""
    data = _data()
    full = data.grad(np.zeros(2))
    size = {}
    for B in (1, 4, 16):
        g = data.minibatch_grad(B, seed=0)
        mean = np.mean([g(np.zeros(2)) for _ in range(2000)], axis=0)
        assert np.linalg.norm(mean - full) < 0.1 * np.linalg.norm(full)
        noise = np.array([g(data.minimizer) for _ in range(2000)])
        size[B] = np.sqrt(np.mean(np.sum(noise ** 2, axis=1)))
    assert 1.8 < size[1] / size[4] < 2.2 and 1.8 < size[4] / size[16] < 2.2


def test_gd_with_minibatches_stalls_at_a_floor_set_by_alpha_and_the_batch():
    """"With the full gradient the run converges; with mini-batches it stalls at a noise floor, higher for a
    smaller batch and for a larger α"."""
    data = _data()
    floor = {}
    for B in (1, 10, len(data.X)):
        for a in (0.1, 0.01):
            g = data.grad if B == len(data.X) else data.minibatch_grad(B, seed=0)
            traj = optlib.run(optlib.GD(a), g, np.zeros(2), 2000, keep_states=False)
            d = optlib.distance_to(traj.thetas, data.minimizer)
            floor[B, a] = d[-1000:].mean()
            if B == len(data.X):
                assert optlib.iterations_to_tolerance(d, 1e-6) is not None
    assert floor[1, 0.1] > floor[10, 0.1] > 1e-3 and floor[1, 0.01] > floor[10, 0.01] > 1e-3
    assert floor[1, 0.1] > floor[1, 0.01] and floor[10, 0.1] > floor[10, 0.01]


def test_squared_minibatch_gradients_do_not_vanish_at_the_minimum():
    """"with mini-batches a coordinate's g_t² never falls to zero, even at the minimum" (while the full
    gradient's does)."""
    data = _data()
    g = data.minibatch_grad(1, seed=1)
    sq = np.mean([g(data.minimizer) ** 2 for _ in range(1000)], axis=0)
    assert np.all(sq > 1.0)
    assert np.all(data.grad(data.minimizer) ** 2 <= 1e-20)


# ------------------------------------------------------------------ the plateau's crossing time, and why
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402

from robustness import LONGER, SEEDS  # noqa: E402  (tests/ is on sys.path: see conftest.py)

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "02-why-gd-struggles.ipynb"


def _cell(cell_id):
    return next(c.source for c in nbformat.read(NOTEBOOK, 4).cells if c.get("id") == cell_id)


def _crossing(r0, lr=1.0, theta0=None):
    """Steps of GD from θ_0 = (r_0, 0) (or ``theta0``) until ‖θ_t‖ ≤ w = 1, the formula 1/(α r_0 ‖∇J(θ_0)‖),
    the whole-distance estimate (r_0 − w)/(α ‖∇J(θ_0)‖), and the share of the steps within 1/r_0 of the start."""
    problem = optlib.Plateau(width=1.0, theta0=theta0 if theta0 is not None else (r0, 0.0))
    g0 = np.linalg.norm(problem.grad(problem.theta0))
    steps = int(1.5 / (lr * r0 * g0)) + 50             # room for a count up to 1.5 times the formula
    traj = optlib.run(optlib.GD(lr=lr), problem.grad, problem.theta0, steps, keep_states=False)
    dist = optlib.distance_to(traj.thetas, problem.minimizer)
    inside = int(np.flatnonzero(dist <= 1.0)[0])
    return inside, 1 / (lr * r0 * g0), (r0 - 1.0) / (lr * g0), float(np.mean(dist[:inside] >= r0 - 1 / r0))


def test_plateau_crossing_time_follows_the_formula_for_the_reason_the_chapter_gives():
    """"the gradient does not stay that small on the way in ... the gradient grows e-fold within about 1/r_0
    of the start ... t ≈ 1/(α r_0 ‖∇J(θ_0)‖)", "From r_0 = 4 on, the formula is within about a fifth of the
    measured count ..., and closer the further out the start", "More than half of the steps are spent within
    1/r_0 of the start", and the whole-distance estimate is 10.0 and 18.2 times the measured counts.

    The old reason ("on the way in it stays that small for most of the trip") predicts the whole-distance
    estimate, which is ten times off: the sentence must not come back."""
    text = _cell("c583a264")
    assert "stays that small for most of the trip" not in text
    assert "grows $e$-fold within about $1/r_0$ of the start" in text
    ratios = []
    for r0 in (4.0, 4.5, 5.0):
        inside, formula, whole, near_start = _crossing(r0)
        ratios.append(inside / formula)
        assert 1.0 < inside / formula < 1.25, r0
        assert whole / inside > 5, r0
        assert near_start > 0.5, r0
    assert ratios[0] > ratios[1] > ratios[2], "the formula gets closer the further out the start"


@pytest.mark.parametrize("lr", [0.5, 1.5])
def test_robust_plateau_formula_and_saddle_decades_hold_at_other_alpha_and_other_starts(lr):
    """"A plateau is worse than a saddle": the plateau's count grows like 1/‖∇J(θ_0)‖ and the saddle's by a
    fixed ln 10 / ln(1 + α) a decade of δ, at other learning rates (the minima's bound on both problems is
    α < 2 along the well and α < 1 at the saddle's minima) and from other starts: the plateau started on the
    diagonal, the saddle from x_0 = −2."""
    counts = {}
    for r0 in (4.0, 4.5):
        inside, formula, _, _ = _crossing(r0, lr=lr)
        counts[r0] = inside
        diagonal, _, _, _ = _crossing(r0, lr=lr, theta0=(r0 / np.sqrt(2), r0 / np.sqrt(2)))
        assert 0.9 < inside / formula < 1.4, (lr, r0)
        assert abs(diagonal - inside) <= 1, (lr, r0)
    a = min(lr, 0.5)                           # the saddle's minima need α < 1
    left = []
    for k in (2, 5, 8):
        problem = optlib.Saddle(theta0=(-2.0, 10.0 ** -k))
        traj = optlib.run(optlib.GD(a), problem.grad, problem.theta0, 1000, keep_states=False)
        left.append(int(np.flatnonzero(np.abs(traj.thetas[:, 1]) >= 0.5)[0]))
    np.testing.assert_allclose(np.diff(left) / 3, np.log(10) / np.log(1 + a), atol=0.5)
    # the plateau's cost multiplies from r_0 = 4 to 4.5 (1/‖∇J‖ grows 7.4-fold), the saddle's adds a constant
    assert counts[4.5] / counts[4.0] > 5


@pytest.mark.parametrize("seed", SEEDS[1:])
def test_robust_the_gradient_vanishes_geometrically_for_other_initial_weights(seed):
    """"the gradient shrinks geometrically with depth" (the fitted factor 0.1924 per added layer), for chains
    drawn with other seeds, that is other starts θ_0 of the same problem."""
    depths = np.arange(1, 21)
    first = np.array([optlib.SigmoidChain(depth=int(L), width=4, seed=seed).layer_grad_norms()[0]
                      for L in depths])
    slope, intercept = np.polyfit(depths, np.log10(first), 1)
    assert 10 ** slope < 0.3, seed
    residual = np.log10(first) - (intercept + slope * depths)
    assert np.abs(residual).max() < 1.5, "the points lie near a line on the log scale"
    assert first[-1] / first[0] < 1e-8, seed


def test_robust_minibatch_gd_at_a_constant_alpha_never_converges_and_the_sentence_says_constant():
    """"so a constant α keeps kicking θ_t around the minimum: the run stalls at a distance set by α and the
    batch size, and never converges": over several seeds of the batches, and with a horizon ten times longer,
    the floor stays; the condition "constant" is what matters, since the same batches with a decaying α
    (α_t = 0.1 / (1 + t/100), by hand) end, over the same 2000 steps, at a third of it or less."""
    assert "a constant $\\alpha$ keeps kicking" in _cell("c2b5a003")
    data = _data()
    floors = []
    for seed in SEEDS:
        traj = optlib.run(optlib.GD(0.1), data.minibatch_grad(10, seed=seed), np.zeros(2), 2000,
                          keep_states=False)
        floors.append(optlib.distance_to(traj.thetas, data.minimizer)[-1000:].mean())
    assert min(floors) > 0.05, floors
    long = optlib.run(optlib.GD(0.1), data.minibatch_grad(10, seed=0), np.zeros(2), 2000 * LONGER,
                      keep_states=False)
    d = optlib.distance_to(long.thetas, data.minimizer)
    assert 0.5 < d[-1000:].mean() / floors[0] < 2, "the floor neither falls nor grows over 10x the horizon"
    for seed in SEEDS[:3]:
        g, theta, dist = data.minibatch_grad(10, seed=seed), np.zeros(2), []
        for t in range(2000):
            theta = theta - 0.1 / (1 + t / 100) * g(theta)
            dist.append(np.linalg.norm(theta - data.minimizer))
        assert np.mean(dist[-1000:]) < 0.35 * floors[seed], seed
