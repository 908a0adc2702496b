"""Chapter 3 (Momentum): the claims its prose makes, computed with optlib, independently of the notebook.

Each test quotes the sentence it guards. nbval proves the printed numbers are current; these tests fail
when a change to optlib would turn a sentence of the chapter false.
"""

from functools import lru_cache

import numpy as np
import pytest

import optlib
from optlib import theory, tuning

#: numbers the chapter's Markdown quotes that are inputs, not results (tests/test_prose_numbers.py)
QUOTED_INPUTS = {
    "0.9": "the notes' γ = 0.9, as the number in √γ = 0.9^{1/2} ≈ 0.9487",
    "α = 0.1": "α of the one-dimensional bowl runs (lr=0.1) and of the memory exercise",
    "α = 0.01": "α of the V_t figure's run, of the sliders' default and of the animation (lr=0.01)",
    "κ = 100": "κ of the ill-conditioned quadratic (optlib.quadratic(100.0))",
    "γ = 0.5": "one of the four γ of the weights figure (gammas in its cell)",
    "γ = 0.99": "one of the four γ of the weights figure (gammas in its cell)",
    "α = 0.037": "α below the stability limit tried in exercise ch3-ex3",
    "α = 0.039": "α above the stability limit tried in exercise ch3-ex3",
    "0.037": "α below the stability limit tried in exercise ch3-ex3",
    "0.039": "α above the stability limit tried in exercise ch3-ex3",
    "10": "the largest α of the tuning grid (10^(k/2), k = −8 … 2); also the memory 1/(1 − 0.9) = 10",
    "T = 100": "the length of the run of the velocity table (steps=100) and of the rate map's runs "
               "(measured_rate's steps)",
    "λmax = 1.5": "the largest eigenvalue of the well-conditioned quadratic, optlib.quadratic(1.5)",
    "λmax = 100": "the largest eigenvalue of the ill-conditioned quadratic, optlib.quadratic(100.0)",
    "1000": "the steps of every run of the tuning protocol (optlib.tuning.STEPS)",
    "1e-4": "the smallest α of the tuning grid",
    "1e-12": "a generous bound on the relative change rounding makes to an error (a double's ε is 2.2e-16), "
             "the premise of the robustness argument for the counts",
}

ROUND, VALLEY = optlib.quadratic(1.5), optlib.quadratic(100.0)
SADDLE = optlib.Saddle(theta0=(1.0, 1e-6))
PLATEAU = optlib.Plateau(width=1.0, theta0=(4.0, 0.0))
PROBLEMS = {"round": ROUND, "valley": VALLEY, "saddle": SADDLE, "plateau": PLATEAU}
LEFT = {"saddle": lambda th: np.abs(th[:, 1]) >= 0.5,
        "plateau": lambda th: np.linalg.norm(th, axis=1) <= 1.0}
MAKERS = {"GD": optlib.GD, "Momentum": lambda a: optlib.Momentum(a, gamma=0.9),
          "NAG": lambda a: optlib.NAG(a, gamma=0.9)}     # NAG: chapter 4 (test_claims_ch04.py)


@lru_cache(maxsize=None)
def tuned(problem, optimizer):
    """optlib.tune on one of the chapters' four problems (shared with chapter 4's register)."""
    return tuning.tune(MAKERS[optimizer], PROBLEMS[problem], keep_trajectories=True)


def leave(problem, optimizer):
    return int(np.flatnonzero(LEFT[problem](tuned(problem, optimizer).trajectory.thetas))[0])


# ------------------------------------------------------------------ the update and the notes' sign slip


def test_the_momentum_term_is_subtracted():
    # "the history term γV_{t−1} is *subtracted* with the gradient step, θ_t = θ_{t−1} − αg_t − γV_{t−1}"
    p = optlib.quadratic(10.0)
    m = optlib.Momentum(0.05, 0.9)
    tr = optlib.run(m, p.grad, p.theta0, 20)
    V = tr.state_field("V")
    for t in range(1, 21):
        np.testing.assert_allclose(tr.thetas[t], tr.thetas[t - 1] - m.lr * tr.grads[t - 1] - m.gamma * V[t - 1],
                                   atol=1e-12)
    # the notes' first line read with + Momentum lands elsewhere from step 2 on
    plus = tr.thetas[1] - m.lr * tr.grads[1] + m.gamma * V[1]
    assert np.abs(plus - tr.thetas[2]).max() > 0.1


def test_momentum_gamma_zero_is_gd_bit_for_bit():
    # "The difference is exactly zero, not just small"
    gd = optlib.run(optlib.GD(0.015), VALLEY.grad, VALLEY.theta0, 200)
    m0 = optlib.run(optlib.Momentum(0.015, gamma=0.0), VALLEY.grad, VALLEY.theta0, 200)
    np.testing.assert_array_equal(m0.thetas, gd.thetas)


def test_momentum_overshoot_ratio_matches_the_roots():
    # "each swing is smaller than the last by a constant ratio" (√γ^(π/φ) ≈ 0.598)
    bowl = optlib.Quadratic([[1.0]], theta0=[1.0])
    swings = optlib.overshoots(optlib.run(optlib.Momentum(0.1, 0.9), bowl.grad, bowl.theta0, 80).thetas[:, 0])
    roots = np.roots([1.0, -(1 + 0.9 - 0.1), 0.9])
    predicted = abs(roots[0]) ** (np.pi / abs(np.angle(roots[0])))
    np.testing.assert_allclose(swings[1:6] / swings[:5], predicted, atol=0.01)
    assert swings[0] > 0.5     # "the first swing carries θ ... by more than half of the starting distance"


# ------------------------------------------------------------------ "when the direction changes, the step shrinks"


def _direction_counts():
    tr = optlib.run(optlib.Momentum(0.01, 0.9), VALLEY.grad, VALLEY.theta0, 100)
    V, g = tr.state_field("V"), tr.grads
    out = {}
    for j in (0, 1):
        before, after = V[1:-1, j], V[2:, j]
        against, along = g[1:, j] * before < 0, g[1:, j] * before > 0
        shrinks = np.abs(after) < np.abs(before)
        out[j] = dict(against=against.sum(), against_shrinks=(against & shrinks).sum(),
                      along=along.sum(), along_grows=(along & ~shrinks).sum(),
                      first_against=int(np.flatnonzero(against)[0]) + 2)
    peak = np.abs(V[:, 0]).max() / abs(0.01 * g[0, 0])
    return out, peak


def test_direction_changes_mostly_shrink_the_velocity():
    # "Along the steep axis the gradient turns against the velocity at about two steps in three, and at
    # most of those the velocity shrinks ... On the flat axis the direction changes only late ... and then
    # the velocity shrinks at nearly every such step"
    c, peak = _direction_counts()
    steep, flat = c[1], c[0]
    assert 0.55 < steep["against"] / 99 < 0.75
    assert steep["against_shrinks"] > steep["against"] / 2
    assert flat["first_against"] > 20                        # "the first twenty-odd steps"
    assert flat["against_shrinks"] >= flat["against"] - 1
    # "the reversed one can be longer than the last": not every steep direction change shrinks
    assert steep["against_shrinks"] < steep["against"]
    # "A gradient that keeps its direction does not always make the step longer either"
    assert flat["along_grows"] < flat["along"]
    # "the velocity grows to 5.5 times the first gradient step"
    assert peak == pytest.approx(5.5, abs=0.05)


# ------------------------------------------------------------------ the rate map


def _measured_rate(opt, problem, steps=100, window=10):
    traj = optlib.run(opt, problem.grad, problem.theta0, steps, on_divergence="stop", keep_states=False)
    if traj.diverged:
        return np.inf
    err = np.maximum(optlib.distance_to(traj.thetas, problem.minimizer), 1e-300)
    half = steps // 2
    return (err[steps - window + 1:].max() / err[half - window + 1:half + 1].max()) ** (1 / (steps - half))


@pytest.mark.parametrize("kappa, margin", [(1.5, 0.015), (100.0, 0.02)])
def test_measured_rate_agrees_with_the_spectral_radius(kappa, margin):
    # "where the run converges at a visible speed the measured rate is within the printed margin of the
    # spectral radius" (printed: 0.01 and 0.02)
    problem = optlib.quadratic(kappa)
    alphas = np.geomspace(0.01, 4.0, 7) / kappa
    gammas = np.linspace(0.0, 0.98, 6)
    for a in alphas:
        for g in gammas:
            rho = float(theory.heavy_ball_rate(a, g, [1.0, kappa]))
            measured = _measured_rate(optlib.Momentum(a, g), problem)
            if rho <= 0.99:
                assert abs(measured - rho) <= margin, (a, g, rho, measured)
            if rho > 1.01:
                assert measured > 1.0, (a, g, rho, measured)


def test_rate_map_claims():
    # round bowl: "the best momentum is almost gradient descent (γ* near 0). Along the notes' γ = 0.9 no α
    # does better than √γ = 0.9487 per step, against GD's best (κ − 1)/(κ + 1) = (1.5 − 1)/(1.5 + 1) = 0.2"
    a, g, r = theory.heavy_ball_optimum(1.0, 1.5)
    assert g < 0.02
    fine = np.geomspace(1e-4, 4.0, 4001) / 1.5
    assert theory.heavy_ball_rate(fine, 0.9, [1.0, 1.5]).min() == pytest.approx(np.sqrt(0.9), abs=1e-9)
    assert float(theory.heavy_ball_rate(2 / 2.5, 0.0, [1.0, 1.5])) == pytest.approx(0.2)
    # valley: "momentum's best rate, (√100 − 1)/(√100 + 1) ≈ 0.8182 per step, beats GD's best,
    # (100 − 1)/(100 + 1) ≈ 0.9802"
    a, g, r = theory.heavy_ball_optimum(1.0, 100.0)
    gd_best = float(theory.heavy_ball_rate(2 / 101, 0.0, [1.0, 100.0]))
    assert r < gd_best and round(r, 4) == 0.8182 and round(gd_best, 4) == 0.9802
    assert g > 0.5                                   # "the best γ is far from 0"
    # "Momentum is stable for larger α than GD: up to αλ_max = 2(1 + γ) instead of 2"
    assert theory.heavy_ball_rate(0.037, 0.9, [1.0, 100.0]) < 1 < theory.heavy_ball_rate(0.039, 0.9, [1.0, 100.0])
    assert theory.heavy_ball_rate(0.0201, 0.0, [1.0, 100.0]) > 1


def test_momentum_stability_limit_on_a_run():
    # exercise ch3-ex3: "at 0.037 the run converges ... at 0.039 it grows without bound"
    ok = optlib.run(optlib.Momentum(0.037, 0.9), VALLEY.grad, VALLEY.theta0, 3000, keep_states=False)
    bad = optlib.run(optlib.Momentum(0.039, 0.9), VALLEY.grad, VALLEY.theta0, 3000, keep_states=False,
                     on_divergence="stop")
    assert np.abs(ok.final).max() < 1e-6 and (bad.diverged or np.abs(bad.final).max() > 1e3)


# ------------------------------------------------------------------ the tuned table


def test_momentum_is_bad_on_a_round_bowl_and_good_on_an_elongated_one():
    # "momentum with γ = 0.9 needs 123/10 = 12.3 times as many iterations as GD, each at its tuned α"
    assert 10 < tuned("round", "Momentum").iterations / tuned("round", "GD").iterations < 15
    # "momentum needs about four times fewer iterations than GD (653/168 ≈ 3.887)"
    assert tuned("valley", "Momentum").iterations == 168     # the one number of chapters 3, 4, 7 and 8
    assert 3.5 < tuned("valley", "GD").iterations / tuned("valley", "Momentum").iterations < 4.5


def test_momentum_leaves_sooner_but_is_slower_on_the_saddle_and_faster_on_the_plateau():
    # "both optimizers tuned to the same α there"
    for p in ("saddle", "plateau"):
        assert tuned(p, "GD").lr == tuned(p, "Momentum").lr
    # "momentum leaves the flat region sooner than GD: 49/27 ≈ 1.81 times sooner on the saddle, 223/46 ≈ 4.85
    # times on the plateau"
    assert leave("saddle", "GD") > 1.5 * leave("saddle", "Momentum")
    assert leave("plateau", "GD") > 4 * leave("plateau", "Momentum")
    # "On the saddle it reaches the tolerance *later* than GD (144 iterations, 2.53 times GD's)"
    assert tuned("saddle", "Momentum").iterations > 2 * tuned("saddle", "GD").iterations
    # "on the plateau it still arrives first, 226 − 178 = 48 iterations before GD, because there leaving is
    # nearly all of GD's cost (223/226 ≈ 0.987)"
    assert tuned("plateau", "Momentum").iterations < tuned("plateau", "GD").iterations
    assert leave("plateau", "GD") > 0.95 * tuned("plateau", "GD").iterations


def test_every_count_of_the_table_is_robust():
    # "every count stays the same if the tolerance moves by up to 0.14 %": each trial's margin (the factor
    # by which the tolerance can be multiplied or divided without changing its count) is above 1.001, far
    # more than rounding (about 1e-12 relative) can move an error
    margins = [tr.margin for p in PROBLEMS for o in ("GD", "Momentum") for tr in tuned(p, o).trials
               if not tr.diverged]
    assert min(margins) > 1.001
