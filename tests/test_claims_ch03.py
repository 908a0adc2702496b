"""Chapter 3 (Momentum): the claims its prose makes, computed with optlib, independently of the notebook.

Each test quotes the sentence it guards. nbval proves the printed numbers are current; these tests fail
when a change to optlib would turn a sentence of the chapter false.
"""

from functools import lru_cache
from pathlib import Path

import nbformat
import numpy as np
import pytest

import optlib
from optlib import theory, tuning

from robustness import LONGER, fine_grid  # noqa: E402  (tests/ is on sys.path: conftest.py)

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "03-momentum.ipynb"

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


def _prose(cell_id):
    """The Markdown of one cell of the chapter, its whitespace folded (a sentence may break across lines)."""
    src = next(c.source for c in nbformat.read(NOTEBOOK, 4).cells if c.get("id") == cell_id)
    return " ".join(src.split())


def _momentum(gamma):
    return lambda a: optlib.Momentum(a, gamma=gamma)


@lru_cache(maxsize=None)
def fine(problem, gamma, lo, hi, per_decade=8):
    """optlib.tune of momentum (γ = 0: GD, bit for bit) on a grid ``per_decade`` values a decade from lo to hi."""
    make = optlib.GD if gamma == 0 else _momentum(gamma)
    return tuning.tune(make, PROBLEMS[problem], alphas=fine_grid(lo, hi, per_decade), keep_trajectories=True)


def fine_leave(problem, gamma, lo, hi):
    return int(np.flatnonzero(LEFT[problem](fine(problem, gamma, lo, hi).trajectory.thetas))[0])


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


def test_momentum_is_bad_on_a_round_bowl_at_gamma_0_9_only():
    # "there momentum with γ = 0.9 needs 123/10 = 12.3 times as many iterations as GD, each at its tuned α"
    assert 10 < tuned("round", "Momentum").iterations / tuned("round", "GD").iterations < 15
    assert "there momentum with $\\gamma = 0.9$ needs" in _prose("70d8ff99")
    # robust: on a grid 4 times finer momentum with γ = 0.9 still needs more than 10 times GD's iterations ...
    assert fine("round", 0.9, 0.003, 0.03).iterations > 10 * fine("round", 0.0, 0.3, 1.0).iterations
    # ... over 10 times the horizon too (the counts of the tuned runs do not move) ...
    for make, res in ((optlib.GD, tuned("round", "GD")), (_momentum(0.9), tuned("round", "Momentum"))):
        assert tuning.trial(make, ROUND, res.lr, steps=LONGER * tuning.STEPS).iterations == res.iterations
    # ... and the condition matters: with γ tuned (exercise ch3-ex1's γ*), momentum is no slower than GD
    a, g, _ = theory.heavy_ball_optimum(1.0, 1.5)
    assert tuning.trial(_momentum(g), ROUND, a).iterations <= tuned("round", "GD").iterations


@lru_cache(maxsize=None)
def _valley_fine():
    gd = tuning.tune(optlib.GD, VALLEY, alphas=fine_grid(0.01, 0.02, 32))
    mom = tuning.tune(_momentum(0.9), VALLEY, alphas=fine_grid(0.002, 0.006, 32))
    a, g, _ = theory.heavy_ball_optimum(1.0, 100.0)
    return gd, mom, tuning.trial(_momentum(g), VALLEY, a)


def test_momentum_beats_gd_on_the_valley_by_a_factor_the_tuning_decides():
    # "On the ill-conditioned quadratic, also convex, the claim is wrong: momentum needs fewer iterations than
    # GD however finely α is tuned, but *how many* fewer depends on the tuning. On the book's grid it is
    # 653/168 ≈ 3.887 times fewer, with GD held at half its stability limit. On the finer grid GD needs 341
    # iterations and momentum with γ = 0.9 needs 166: 341/166 ≈ 2.05 times fewer. With γ tuned too, at
    # (α*, γ*), momentum needs 69: 341/69 ≈ 4.94 times fewer."
    prose = _prose("70d8ff99")
    assert "about four times fewer" not in prose
    for condition in ("depends on the tuning", "On the book's grid", "On the finer grid", "With $\\gamma$ tuned too"):
        assert condition in prose, condition
    gd, mom, both = _valley_fine()
    book_gd, book_mom = tuned("valley", "GD"), tuned("valley", "Momentum")
    assert book_mom.iterations == 168     # the one number of chapters 3, 4, 7 and 8
    assert 3.5 < book_gd.iterations / book_mom.iterations < 4.5
    # "GD held at half its stability limit": the next value of the grid diverges
    assert book_gd.lr == pytest.approx(0.5 * 2 / 100)
    assert next(t for t in book_gd.trials if t.lr > book_gd.lr).diverged
    # the condition matters: on the finer grid the factor is about 2, not 4 ...
    assert 1.5 < gd.iterations / mom.iterations < 2.5 and gd.iterations < 0.6 * book_gd.iterations
    # ... momentum with γ tuned too is about 5 times faster, and a γ × α search does no worse ...
    assert 4 < gd.iterations / both.iterations < 6
    best = min(tuning.tune(_momentum(g), VALLEY, alphas=fine_grid(0.02, 0.04, 16)).iterations for g in (0.6, 0.7))
    assert best <= both.iterations
    # ... and 10 times the horizon changes none of the three counts
    for make, res in ((optlib.GD, gd), (_momentum(0.9), mom)):
        assert tuning.trial(make, VALLEY, res.lr, steps=LONGER * tuning.STEPS).iterations == res.iterations


def test_momentum_leaves_sooner_but_is_slower_on_the_saddle():
    # "both optimizers tuned to the same α there"
    for p in ("saddle", "plateau"):
        assert tuned(p, "GD").lr == tuned(p, "Momentum").lr
    # "momentum leaves the flat region sooner than GD: 49/27 ≈ 1.81 times sooner on the saddle, 223/46 ≈ 4.85
    # times on the plateau"
    assert leave("saddle", "GD") > 1.5 * leave("saddle", "Momentum")
    assert leave("plateau", "GD") > 4 * leave("plateau", "Momentum")
    # "On the saddle it reaches the tolerance *later* than GD (144 iterations, 2.53 times GD's)"
    assert tuned("saddle", "Momentum").iterations > 2 * tuned("saddle", "GD").iterations
    # robust on a grid 4 times finer: momentum (γ = 0.9) still leaves first, and still arrives later
    assert fine_leave("saddle", 0.9, 0.3, 1.0) < fine_leave("saddle", 0.0, 0.3, 1.0)
    assert fine("saddle", 0.9, 0.3, 1.0).iterations > 2 * fine("saddle", 0.0, 0.3, 1.0).iterations
    assert fine_leave("plateau", 0.9, 0.3, 3.0) < 0.5 * fine_leave("plateau", 0.0, 0.3, 3.0)
    # another start of the saddle (δ = 1e-4): the same order
    other = optlib.Saddle(theta0=(1.0, 1e-4))
    near = tuning.ALPHA_GRID[5:10]      # the book's grid from 0.0316 to 3.16, where both tuned α lie
    gd_o, mom_o = tuning.tune(optlib.GD, other, alphas=near), tuning.tune(_momentum(0.9), other, alphas=near)
    assert mom_o.iterations > 2 * gd_o.iterations
    # 10 times the horizon: the tuned counts stay
    for o, make in (("GD", optlib.GD), ("Momentum", _momentum(0.9))):
        res = tuned("saddle", o)
        assert tuning.trial(make, SADDLE, res.lr, steps=LONGER * tuning.STEPS).iterations == res.iterations


def test_momentum_arrives_first_on_the_plateau_only_on_the_books_grid():
    # "on the plateau, on the book's grid, it still arrives first, 226 − 178 = 48 iterations before GD, because
    # there leaving is nearly all of GD's cost (223/226 ≈ 0.987). That lead is the grid's: on a grid 4 times
    # finer (the last table) GD needs 160 − 149 = 11 iterations fewer than momentum with γ = 0.9, and momentum
    # with γ = 0.5 arrives first again, in about half of GD's count (73/149 ≈ 0.49)."
    prose = _prose("70d8ff99")
    assert "on the plateau, on the book's grid, it still arrives first" in prose
    assert "That lead is the grid's" in prose
    assert tuned("plateau", "Momentum").iterations < tuned("plateau", "GD").iterations
    assert leave("plateau", "GD") > 0.95 * tuned("plateau", "GD").iterations
    # the condition matters: on the finer grid GD arrives before momentum with γ = 0.9 ...
    gd, mom = fine("plateau", 0.0, 0.3, 3.0), fine("plateau", 0.9, 0.3, 3.0)
    assert gd.iterations < mom.iterations
    # ... and momentum with γ = 0.5 (γ tuned) arrives well before both
    assert fine("plateau", 0.5, 0.3, 3.0).iterations < 0.6 * gd.iterations
    # 10 times the horizon changes neither count of the finer grid
    for make, res in ((optlib.GD, gd), (_momentum(0.9), mom)):
        assert tuning.trial(make, PLATEAU, res.lr, steps=LONGER * tuning.STEPS).iterations == res.iterations


def test_every_count_of_the_table_is_robust():
    # "The counts of these tables do not depend on the computer that produces them": each trial's margin (the factor
    # by which the tolerance can be multiplied or divided without changing its count) is above 1.001, far
    # more than rounding (about 1e-12 relative) can move an error
    margins = [tr.margin for p in PROBLEMS for o in ("GD", "Momentum") for tr in tuned(p, o).trials
               if not tr.diverged]
    assert min(margins) > 1.001
