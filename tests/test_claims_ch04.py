"""Chapter 4 (NAG): the claims its prose makes, computed with optlib, independently of the notebook.

Each test quotes the sentence it guards. nbval proves the printed numbers are current; these tests fail
when a change to optlib would turn a sentence of the chapter false.
"""

import contextlib
import io

import numpy as np
import pytest

import optlib
from optlib import tuning

#: numbers the chapter's Markdown quotes that are inputs, not results (tests/test_prose_numbers.py)
QUOTED_INPUTS = {
    "α = 0.1": "the α the code sets for the one-dimensional bowl (hand-worked steps, overshoots) and the saddle's "
               "shared α of the overshoot column",
    "α = 0.01": "the α the code sets for the animation (the sliders' default)",
    "γ = 0.99": "the top of the sliders' γ range (optlib.widgets.nag_explorer), which the reader is invited to try",
    "κ = 100": "κ of the ill-conditioned quadratic the sliders and the animation run on",
    "1000": "the steps of every run of the tuning protocol (optlib.tuning.STEPS)",
}

# the four problems, the optimizers and the tuned runs are chapter 3's (the same table, one more column)
from test_claims_ch03 import MAKERS, PROBLEMS, leave, tuned  # noqa: E402

#: the shared α of the overshoot column, the stated α of chapter 3
SHARED_ALPHA = {"round": 1 / 1.5, "valley": 0.01, "saddle": 0.1, "plateau": 1.0}


def swing(problem, optimizer):
    p = PROBLEMS[problem]
    th = tuning.trial(MAKERS[optimizer], p, SHARED_ALPHA[problem]).trajectory.thetas
    return max(optlib.overshoots(th[:, j], p.minimizer[j]).max(initial=0.0) for j in range(th.shape[1]))


# ------------------------------------------------------------------ the update


def test_the_two_routes_agree_and_the_gradient_is_taken_at_theta_temp():
    # "The two routes agree to within 1e-12"; "the gradient it uses equals ∇J(θ_temp) at every step"
    problem = optlib.quadratic(10.0)
    opt = optlib.NAG(0.05, 0.9)
    traj = optlib.run(opt, problem.grad, problem.theta0, 60)
    for k in range(traj.steps):
        temp = opt.lookahead(traj.thetas[k], traj.states[k])
        np.testing.assert_allclose(traj.thetas[k + 1], temp - opt.lr * problem.grad(temp), atol=1e-12)
        np.testing.assert_array_equal(traj.grads[k], problem.grad(temp))


def test_nag_first_step_is_momentums_and_gamma_zero_is_gd():
    # "The first step of NAG is the first step of momentum ... and the two part from the second step on.
    # With γ = 0 ... NAG is gradient descent, exactly."
    problem = optlib.quadratic(10.0)
    nag = optlib.run(optlib.NAG(0.05, 0.9), problem.grad, problem.theta0, 3)
    mom = optlib.run(optlib.Momentum(0.05, 0.9), problem.grad, problem.theta0, 3)
    np.testing.assert_array_equal(nag.thetas[1], mom.thetas[1])
    assert not np.allclose(nag.thetas[2], mom.thetas[2])
    nag0 = optlib.run(optlib.NAG(0.05, 0.0), problem.grad, problem.theta0, 60)
    gd = optlib.run(optlib.GD(0.05), problem.grad, problem.theta0, 60)
    np.testing.assert_array_equal(nag0.thetas, gd.thetas)


def test_nag_correction_is_alpha_gamma_A_V():
    # "θ_(t+1)(NAG) − θ_(t+1)(Momentum) = −α(∇J(θ_temp) − ∇J(θ_t)) ... = αγ A V_(t−1)" on a quadratic
    problem = optlib.quadratic(10.0)
    opt = optlib.NAG(0.05, 0.9)
    traj = optlib.run(opt, problem.grad, problem.theta0, 20)
    for k in range(traj.steps):
        theta, V = traj.thetas[k], traj.states[k].V
        momentum_lands = theta - opt.gamma * V - opt.lr * problem.grad(theta)
        np.testing.assert_allclose(traj.thetas[k + 1] - momentum_lands, opt.lr * opt.gamma * problem.A @ V,
                                   atol=1e-12)


def test_nag_unrolled_velocity_uses_lookahead_gradients():
    # "chapter 3's unrolled sum still holds ... with the gradients taken at the look-ahead points"
    problem = optlib.quadratic(10.0)
    opt = optlib.NAG(0.05, 0.9)
    traj = optlib.run(opt, problem.grad, problem.theta0, 40)
    V = traj.state_field("V")
    for t in range(1, traj.steps + 1):
        np.testing.assert_allclose(optlib.unrolled_velocity(traj.grads[:t], opt.lr, opt.gamma), V[t], atol=1e-14)


def test_nag_overshoots_less_on_the_bowl_and_its_ratio_matches_the_roots():
    # "NAG's first overshoot is 0.355 of the starting distance, against momentum's 0.604, and each later
    # swing shrinks by a factor of about 0.353 instead of momentum's 0.598"; the summary rounds them to
    # "0.60 of the starting distance, NAG's 0.35"
    bowl = optlib.Quadratic([[1.0]], theta0=[1.0])
    for opt, first, ratio, coeffs in [
            (optlib.NAG(0.1, 0.9), 0.355, 0.353, [1.0, -(1.9) * 0.9, 0.9 * 0.9]),
            (optlib.Momentum(0.1, 0.9), 0.604, 0.598, [1.0, -(1.9 - 0.1), 0.9])]:
        sw = optlib.overshoots(optlib.run(opt, bowl.grad, bowl.theta0, 80).thetas[:, 0])
        assert sw[0] == pytest.approx(first, abs=0.0005)
        assert np.mean(sw[1:5] / sw[:4]) == pytest.approx(ratio, abs=0.0005)
        r = np.roots(coeffs)[0]
        np.testing.assert_allclose(sw[1:5] / sw[:4], abs(r) ** (np.pi / abs(np.angle(r))), atol=0.01)


# ------------------------------------------------------------------ the tuned table


def test_nag_needs_fewer_iterations_than_momentum_everywhere():
    # "Each at its tuned α, NAG needs fewer iterations than momentum on all four problems: from
    # 168/117 ≈ 1.44 times fewer (the κ = 100 quadratic ...) to 144/30 = 4.8 times fewer (the saddle ...)"
    ratios = {p: tuned(p, "Momentum").iterations / tuned(p, "NAG").iterations for p in PROBLEMS}
    assert min(ratios.values()) > 1
    assert min(ratios, key=ratios.get) == "valley" and ratios["valley"] == pytest.approx(1.44, abs=0.005)
    assert max(ratios, key=ratios.get) == "saddle" and ratios["saddle"] == pytest.approx(4.8, abs=0.005)
    # exercise ch4-ex1: "NAG saves 4.56 times the iterations of momentum on the κ = 1.5 quadratic but only
    # 1.44 times on the κ = 100 one"
    assert ratios["round"] == pytest.approx(4.56, abs=0.005)


def test_nag_overshoots_less_at_the_same_alpha_but_still_overshoots_on_quadratics():
    # "At the same α NAG overshoots less than momentum on every problem."
    for p in PROBLEMS:
        assert swing(p, "NAG") < swing(p, "Momentum")
        assert swing(p, "GD") == 0.0
    # "NAG is not free of oscillation: with γ = 0.9 it still overshoots on the quadratics."
    assert swing("round", "NAG") > 0.05 and swing("valley", "NAG") > 0.05


def test_nag_leaves_as_fast_as_momentum():
    # "NAG leaves the flat region as fast as momentum (the column "leave")"
    for p in ("saddle", "plateau"):
        assert leave(p, "NAG") <= leave(p, "Momentum")


def test_the_sliders_reach_gamma_0_99_where_momentum_swings_and_nag_stays_near_the_floor():
    # "Raise γ towards the top of its slider, γ = 0.99, and watch momentum's path swing across the valley
    # while NAG's stays closer to the floor" (the κ = 100 quadratic, the sliders' default α = 0.01)
    widgets = pytest.importorskip("optlib.widgets")
    with contextlib.redirect_stdout(io.StringIO()):
        ex = widgets.nag_explorer(steps=100)
    assert ex.sliders["gamma"].max == pytest.approx(0.99)
    assert ex.problem.condition_number == pytest.approx(100.0) and ex.values()["lr"] == pytest.approx(0.01)
    across = {}
    for opt in (optlib.Momentum(0.01, 0.99), optlib.NAG(0.01, 0.99)):
        th = optlib.run(opt, ex.problem.grad, ex.problem.theta0, 100).thetas
        across[opt.name] = np.abs(th[:, 1] - ex.problem.minimizer[1]).mean()
    assert across["NAG"] < 0.1 * across["Momentum"]


def test_gd_is_fastest_on_the_round_bowl():
    # "on the well-conditioned quadratic GD at its tuned α is still the fastest of the three"
    assert tuned("round", "GD").iterations < min(tuned("round", o).iterations for o in ("Momentum", "NAG"))


def test_on_the_ill_conditioned_quadratic_both_tuned_alphas_are_small_along_the_flat_direction():
    # exercise ch4-ex1: "at the tuned α of either method (α ≤ 1/λ_max, so αλ_min ≤ 1/κ), the slow approach along
    # the flat θ_1 direction limits both"
    A = PROBLEMS["valley"].A
    lam_min, lam_max = np.linalg.eigvalsh(A)[[0, -1]]
    for o in ("Momentum", "NAG"):
        assert tuned("valley", o).lr <= 1 / lam_max * (1 + 1e-12)
        assert tuned("valley", o).lr * lam_min <= lam_min / lam_max * (1 + 1e-12)


def test_nag_tuned_alpha_is_never_smaller_than_momentums():
    # exercise ch4-ex2: "the table's tuned α of NAG is never smaller than momentum's: it is larger on both
    # quadratics ... and equal on the saddle and the plateau. The smaller limit costs NAG one α of the grid
    # on each quadratic, where momentum still converges, but neither is momentum's best"
    for p in ("round", "valley"):
        assert tuned(p, "NAG").lr > tuned(p, "Momentum").lr
    for p in ("saddle", "plateau"):
        assert tuned(p, "NAG").lr == tuned(p, "Momentum").lr
    for p in ("round", "valley"):
        mom = {t.lr: t.iterations for t in tuned(p, "Momentum").trials}
        lost = [t.lr for t in tuned(p, "NAG").trials if t.iterations is None and mom[t.lr] is not None]
        assert len(lost) == 1 and lost[0] != tuned(p, "Momentum").lr
        lam_max = PROBLEMS[p].A.max()
        assert lost[0] * lam_max > 2 * 1.9 / 2.8       # beyond NAG's limit, inside momentum's


def test_nag_stability_limit():
    # exercise ch4-ex2: stable for αλ < 2(1 + γ)/(1 + 2γ) ≈ 1.357 at γ = 0.9
    bowl = optlib.Quadratic([[1.0]], theta0=[1.0])
    ok = optlib.run(optlib.NAG(1.35, 0.9), bowl.grad, bowl.theta0, 3000, keep_states=False)
    bad = optlib.run(optlib.NAG(1.36, 0.9), bowl.grad, bowl.theta0, 3000, keep_states=False)
    assert abs(ok.final[0]) < 1e-10 and abs(bad.final[0]) > 1e3


def test_every_count_of_the_table_is_robust():
    # "every count is robust: the smallest `margin` of the runs, over every α of the grid, lets the
    # tolerance move far further than rounding can move an error without changing any count" (printed:
    # 0.14 %): each trial's margin (the factor by which the tolerance can be multiplied or divided without
    # changing its count) is above 1.001, against rounding's ≈ 1e-12 relative
    margins = [tr.margin for p in PROBLEMS for o in MAKERS for tr in tuned(p, o).trials if not tr.diverged]
    assert min(margins) > 1.001
