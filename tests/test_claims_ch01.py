"""Claims register of chapter 1 (gradient descent, the baseline): each test quotes the sentence it guards
and recomputes the claim with optlib, so that a change to optlib that turns the sentence false fails here.
"""

import numpy as np
import pytest

import optlib

#: numbers chapter 1's Markdown quotes that are inputs of its experiments, not results
QUOTED_INPUTS = {
    "α = 0.1": "α of the hand-computed step (alpha = 0.1 in its cell)",
    "10": "λ_max = κ = 10 of the chapter's quadratic (optlib.quadratic(condition_number=10))",
    "T = 30": "the number of steps of the three runs and of the animation (steps=30 in their cells)",
    "1.05": "the factor above the bound of the 'too large' run and of the animation's last α",
    "κ = 100": "κ of the comparison in exercise 2",
    "1e-6": "the tolerance of the iteration counts",
}


def _quadratic():
    return optlib.quadratic(condition_number=10)


def _iters(problem, lr, steps=3000, tol=1e-6):
    traj = optlib.run(optlib.GD(lr=lr), problem.grad, problem.theta0, steps, on_divergence="stop",
                      keep_states=False)
    if traj.diverged or np.abs(traj.final).max() > 1.0:
        return None
    return optlib.iterations_to_tolerance(optlib.distance_to(traj.thetas, problem.minimizer), tol)


def test_gd_converges_exactly_below_the_stability_bound():
    """"On a convex quadratic it converges if and only if 0 < α < 2/λ_max; too small a rate crawls, too
    large a rate diverges"."""
    problem = _quadratic()
    bound = 2 / problem.eigenvalues[-1]
    for lr in (0.05 * bound, 0.5 * bound, 0.95 * bound, 0.99 * bound):
        assert _iters(problem, lr) is not None, lr
    for lr in (1.01 * bound, 1.05 * bound, 1.5 * bound):
        traj = optlib.run(optlib.GD(lr=lr), problem.grad, problem.theta0, 300, on_divergence="stop")
        assert traj.diverged or np.linalg.norm(traj.final) > np.linalg.norm(problem.theta0), lr


def test_fewest_iterations_at_alpha_star_and_the_curve_falls_then_rises():
    """"Theory predicts the fewest at α*, and no convergence at all from 2/λ_max on" and "The curve falls as α
    grows, reaches its minimum at α*, then rises again ... and stops at the bound"."""
    problem = _quadratic()
    lam_min, lam_max = problem.eigenvalues[0], problem.eigenvalues[-1]
    alpha_star = 2 / (lam_min + lam_max)
    sweep = np.linspace(0.05, 0.25, 41)          # the chapter's grid from 0.05 on, with its step 0.005
    iters = np.array([np.nan if (n := _iters(problem, a, steps=1000)) is None else n for a in sweep],
                     dtype=float)
    best = sweep[np.nanargmin(iters)]
    assert abs(best - alpha_star) <= 0.005 + 1e-12
    assert np.all(np.isnan(iters[sweep >= 2 / lam_max]))
    left, right = iters[sweep <= best], iters[(sweep >= best) & ~np.isnan(iters)]
    assert np.all(np.diff(left) <= 0) and np.all(np.diff(right) >= 0)


def test_larger_condition_number_needs_more_iterations_about_in_proportion():
    """"the larger κ, the more iterations, even with the best α" and "ten times the condition number means
    about ten times the iterations"."""
    counts = {}
    for kappa in (10.0, 100.0):
        problem = optlib.quadratic(condition_number=kappa)
        ev = problem.eigenvalues
        counts[kappa] = _iters(problem, 2 / (ev[0] + ev[-1]), steps=5000)
    assert counts[100.0] > counts[10.0]
    assert 5 < counts[100.0] / counts[10.0] < 15


def _scaling_counts(scales, steps):
    raw = optlib.linear_regression(scales=scales)
    out = {}
    for prob in (raw, raw.standardized()):
        eig = np.linalg.eigvalsh(prob.hessian)
        traj = optlib.run(optlib.GD(lr=2 / (eig[0] + eig[-1])), prob.grad, prob.theta0, steps,
                          loss=prob.loss, keep_states=False)
        gap = (traj.losses - prob.f_min) / (traj.losses[0] - prob.f_min)
        out[prob.condition_number] = (optlib.iterations_to_tolerance(gap, 1e-6), prob)
    return out


def test_feature_scaling_cuts_iterations_by_equalizing_curvature_not_gradients():
    """"Features with different ranges make κ large; scaling them brings κ near 1", and "Not because the
    gradient's components become equal: after scaling g_1 is still larger along x_2 ... −g_1 points almost
    straight at θ*"."""
    (k_raw, (n_raw, raw)), (k_std, (n_std, std)) = sorted(_scaling_counts((1.0, 10.0), 2000).items(),
                                                            reverse=True)
    assert k_raw > 50 and k_std < 1.5
    assert n_std < 10 < 100 < n_raw
    angles = []
    for prob in (raw, std):
        g1, to_min = prob.grad(prob.theta0), prob.minimizer - prob.theta0
        angles.append(np.degrees(np.arccos(-g1 @ to_min / (np.linalg.norm(g1) * np.linalg.norm(to_min)))))
    assert angles[1] < 5 < 45 < angles[0]
    g_std = std.grad(std.theta0)
    assert abs(g_std[1]) > 5 * abs(g_std[0]), "after scaling the gradient's components still differ"


def test_wider_ranges_give_kappa_near_the_square_and_scaling_still_helps():
    """Exercise 3: "we expect κ ≈ 30² = 900 ... The iteration count grows roughly in proportion to κ before
    scaling and stays at a few iterations after it"."""
    (k_raw, (n_raw, _)), (k_std, (n_std, _)) = sorted(_scaling_counts((1.0, 30.0), 5000).items(),
                                                        reverse=True)
    assert 700 < k_raw < 1100
    n_raw_10 = max(_scaling_counts((1.0, 10.0), 2000).items())[1][0]
    assert n_std < 10 and n_raw > 5 * n_raw_10


def test_at_the_bound_the_steep_coordinate_flips_forever():
    """Exercise 1: "θ_2 flips sign at every step and never shrinks ... The loss therefore settles at
    ½ λ_max θ_{0,2}², not at zero"."""
    problem = _quadratic()
    lam_max = problem.eigenvalues[-1]
    traj = optlib.run(optlib.GD(lr=2 / lam_max), problem.grad, problem.theta0, 100, loss=problem.loss)
    assert np.allclose(np.abs(traj.thetas[:, 1]), 1.0)
    assert traj.losses[-1] == pytest.approx(0.5 * lam_max * problem.theta0[1] ** 2, rel=1e-9)


def test_far_above_the_bound_the_steep_coordinate_doubles_until_overflow():
    """"With lr=0.3, that is αλ_max = 0.3 · 10 = 3, the steep coordinate is multiplied by 1 − 3 = −2 at every
    step, so it doubles until, after about a thousand doublings, it leaves the range of floating-point
    numbers (which ends just below 2^1024)"."""
    problem = _quadratic()
    with pytest.raises(optlib.DivergenceError) as err:
        optlib.run(optlib.GD(lr=0.3), problem.grad, problem.theta0, 3000)
    assert 1000 <= err.value.step <= 1030
