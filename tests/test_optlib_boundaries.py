"""The edges of optlib's helpers: a value exactly at a tolerance, β = 0 and γ = 0, the ends of every range.

Each test here pins one boundary that a one-line change (``<=`` to ``<``, a dropped special case, an
off-by-one) would move without any other test noticing (such changes, planted in optlib, once
passed the unit tests). The values are exact in binary floating point (powers of two, 0 and 1), so an
equality at the boundary is an equality on every machine.
"""

import math

import numpy as np
import pytest

import optlib
from optlib import metrics, theory, tuning


# --------------------------------------------------------------------------- metrics.iterations_to_tolerance


def test_an_error_exactly_at_the_tolerance_counts_as_reached():
    # "errors[t] ≤ tol", not "<": the docstring's rule, at the boundary
    assert metrics.iterations_to_tolerance([2.0, 1.0], tol=1.0) == 1
    assert metrics.iterations_to_tolerance([1.0], tol=1.0) == 0
    assert metrics.iterations_to_tolerance([1.0, 1.0, 1.0], tol=1.0) == 0
    assert metrics.iterations_to_tolerance([4.0, 1.0, 2.0, 1.0], tol=1.0) == 3


def test_a_run_that_ends_above_the_tolerance_never_reached_it():
    # the last error is above: no t from which the errors stay below (not len(errors))
    assert metrics.iterations_to_tolerance([0.5, 2.0], tol=1.0) is None
    assert metrics.iterations_to_tolerance([2.0], tol=1.0) is None
    # just below at the end, from the last index on: reached at the last t
    assert metrics.iterations_to_tolerance([2.0, 2.0, 0.5], tol=1.0) == 2


def test_a_nan_error_counts_as_above_the_tolerance():
    # ~(errors <= tol) is True for NaN: a run that produced NaN has not reached the tolerance there
    assert metrics.iterations_to_tolerance([0.5, np.nan, 0.5], tol=1.0) == 2
    assert metrics.iterations_to_tolerance([0.5, np.nan], tol=1.0) is None


@pytest.mark.parametrize("tol", [0.0, -1.0, np.inf, np.nan])
def test_the_tolerance_must_be_positive_and_finite(tol):
    with pytest.raises(ValueError, match="tol must be a positive number"):
        metrics.iterations_to_tolerance([1.0], tol)


def test_the_smallest_positive_tolerance_is_accepted():
    assert metrics.iterations_to_tolerance([1.0, 0.0], 5e-324) == 1


# --------------------------------------------------------------------------- tuning.tolerance_margin


def test_margin_when_the_run_starts_below_the_tolerance():
    # k = 0: no error before the crossing, the margin is tol / max(errors) alone
    assert tuning.tolerance_margin([0.5, 0.25], 1.0) == 2.0
    assert tuning.tolerance_margin([1.0, 0.5], 1.0) == 1.0          # at the tolerance: no room above


def test_margin_is_infinite_when_every_error_after_the_crossing_is_zero():
    assert tuning.tolerance_margin([0.0, 0.0], 1.0) == np.inf
    assert tuning.tolerance_margin([4.0, 0.0], 1.0) == 4.0          # only the error before the crossing limits it


def test_margin_at_the_boundary_of_the_crossing():
    # the error at the crossing equals tol: the tolerance cannot be divided by anything
    assert tuning.tolerance_margin([4.0, 1.0, 0.5], 1.0) == 1.0
    # the error before the crossing is the limit when it is the closer one
    assert tuning.tolerance_margin([1.5, 0.1], 1.0) == 1.5


# --------------------------------------------------------------------------- theory: β = 0 and γ = 0


def test_steps_until_with_beta_zero_is_one_step():
    # β = 0 keeps no memory: after t = 1 nothing is missing (β^1 = 0 ≤ any remaining)
    assert theory.steps_until(0.0, 0.5) == 1
    assert theory.steps_until(0.0, 1e-300) == 1
    assert optlib.steps_until(0.0, 0.5) == 1


def test_steps_until_counts_an_exact_power_as_reached():
    # β^t ≤ remaining, with equality: 0.5^2 = 0.25 exactly
    assert theory.steps_until(0.5, 0.25) == 2
    assert theory.steps_until(0.5, 0.5) == 1
    assert theory.steps_until(0.5, 0.2) == 3
    assert theory.steps_until(0.5, 0.9) == 1              # above β: the first step already suffices


@pytest.mark.parametrize("remaining", [0.0, 1.0, -0.1, 1.5])
def test_steps_until_refuses_remaining_outside_the_open_interval(remaining):
    with pytest.raises(ValueError, match="remaining must satisfy 0 < remaining < 1"):
        theory.steps_until(0.9, remaining)


def test_momentum_weights_with_gamma_zero_keep_only_the_last_gradient():
    assert theory.momentum_weights(0.0, 3).tolist() == [0.0, 0.0, 1.0]
    assert theory.momentum_weights(0.0, 1).tolist() == [1.0]
    assert theory.momentum_weights(0.9, 1).tolist() == [1.0]          # t = 1: the only weight is γ^0


def test_unrolled_velocity_with_gamma_zero_is_alpha_times_the_last_gradient():
    grads = [[1.0, 2.0], [3.0, -4.0]]
    assert theory.unrolled_velocity(grads, lr=0.5, gamma=0.0).tolist() == [1.5, -2.0]


def test_effective_memory_with_decay_zero_is_one_step():
    assert theory.effective_memory(0.0) == 1.0
    with pytest.raises(ValueError, match=r"gamma \(γ\) must satisfy 0 ≤ γ < 1"):
        theory.effective_memory(1.0)


def test_ewma_with_beta_zero_is_the_values_themselves():
    x = np.array([3.0, -1.0, 2.0])
    assert theory.ewma(x, 0.0).tolist() == x.tolist()
    assert theory.ewma_weights(0.0, 3).tolist() == [0.0, 0.0, 1.0]
    assert theory.ewma_weights(0.5, 1).tolist() == [0.5]               # t = 1: (1 − β)β^0
    np.testing.assert_array_equal(theory.ewma_coefficients(0.0, 3), np.eye(3))
    assert theory.ewma([], 0.5).shape == (0,)


def test_bias_correction_with_beta_zero_divides_by_one():
    assert theory.bias_correction(0.0, 1) == 1.0
    assert theory.bias_correction(0.0, 5) == 1.0
    assert theory.bias_correction(0.5, 1) == 0.5
    with pytest.raises(ValueError, match="t must be at least 1"):
        theory.bias_correction(0.9, 0)


@pytest.mark.parametrize("helper", [theory.ewma_coefficients])
def test_t_must_be_at_least_one_and_one_is_accepted(helper):
    assert helper(0.9, 1).tolist() == [[pytest.approx(0.1)]]
    with pytest.raises(ValueError, match="t must be at least 1"):
        helper(0.9, 0)


def test_heavy_ball_rate_with_gamma_zero_is_gradient_descent():
    # ρ = max |1 − αλ|: on both sides of 1 (αλ < 1 and αλ > 1), where b = 1 − αλ is negative
    assert float(theory.heavy_ball_rate(0.25, 0.0, [1.0])) == 0.75
    assert float(theory.heavy_ball_rate(0.25, 0.0, [12.0])) == 2.0
    assert float(theory.heavy_ball_rate(0.5, 0.0, [2.0])) == 0.0      # αλ = 1: one step to the minimum
    assert float(theory.heavy_ball_rate(0.5, 0.0, [1.0, 2.0, 6.0])) == 2.0


def test_heavy_ball_rate_at_critical_damping_and_in_the_complex_regime():
    # b² = 4γ: a double real root b/2 = √γ; both formulas agree there
    assert float(theory.heavy_ball_rate(0.25, 0.25, [1.0])) == 0.5    # b = 1.25 − 0.25 = 1, γ = 0.25
    # complex roots: modulus √γ
    assert float(theory.heavy_ball_rate(1.0, 0.25, [1.0])) == 0.5     # b = 0.25, disc < 0


@pytest.mark.parametrize("lr, gamma, lams, word", [
    (0.0, 0.5, [1.0], r"lr \(α\)"), (np.inf, 0.5, [1.0], r"lr \(α\)"), (0.1, 1.0, [1.0], r"gamma \(γ\)"),
    (0.1, -0.1, [1.0], r"gamma \(γ\)"), (0.1, 0.5, [0.0], r"eigenvalues \(λ\)"), (0.1, 0.5, [], r"eigenvalues")])
def test_heavy_ball_rate_ranges(lr, gamma, lams, word):
    with pytest.raises(ValueError, match=word):
        theory.heavy_ball_rate(lr, gamma, lams)


def test_heavy_ball_rate_accepts_gamma_zero_in_an_array():
    rho = theory.heavy_ball_rate(0.25, np.array([0.0, 0.25]), [1.0])
    assert rho.tolist() == [0.75, 0.5]


def test_heavy_ball_optimum_with_kappa_one_is_one_step_of_gd():
    # λ_min = λ_max: γ* = 0, ρ* = 0, α* = 1/λ (the boundary λ_min ≤ λ_max is allowed)
    a, g, r = theory.heavy_ball_optimum(4.0, 4.0)
    assert (a, g, r) == (0.25, 0.0, 0.0)
    with pytest.raises(ValueError, match="lambda_min"):
        theory.heavy_ball_optimum(0.0, 4.0)
    with pytest.raises(ValueError, match="lambda_min"):
        theory.heavy_ball_optimum(5.0, 4.0)
    with pytest.raises(ValueError, match="lambda_min"):
        theory.heavy_ball_optimum(1.0, math.inf)


# --------------------------------------------------------------------------- the other range checks


def test_quadratic_accepts_kappa_one_and_refuses_below():
    q = optlib.quadratic(1.0)
    np.testing.assert_array_equal(np.diag(q.A), [1.0, 1.0])
    with pytest.raises(ValueError, match=r"condition_number \(κ\) must satisfy κ ≥ 1"):
        optlib.quadratic(0.999)
    with pytest.raises(ValueError, match=r"condition_number \(κ\)"):
        optlib.quadratic(np.inf)


def test_minibatch_size_from_one_to_every_row():
    p = optlib.sparse_regression(n_samples=20)
    theta = np.zeros(p.X.shape[1])
    # the whole data set as one batch is the full gradient (up to the order of the rows)
    np.testing.assert_allclose(p.minibatch_grad(20)(theta), p.grad(theta), rtol=1e-12, atol=1e-15)
    assert p.minibatch_grad(1)(theta).shape == theta.shape
    for bad in (0, 21):
        with pytest.raises(ValueError, match="batch_size must be between 1 and 20"):
            p.minibatch_grad(bad)


def test_sigmoid_chain_depth_one_is_accepted_and_zero_refused():
    assert optlib.SigmoidChain(depth=1, width=1).depth == 1
    with pytest.raises(ValueError, match="depth and width must be at least 1"):
        optlib.SigmoidChain(depth=0)
    with pytest.raises(ValueError, match="depth and width must be at least 1"):
        optlib.SigmoidChain(width=0)


def test_layer_movement_accepts_every_step_of_the_run_and_no_other():
    chain = optlib.SigmoidChain(depth=2, width=2, n_samples=4, seed=0)
    traj = optlib.run(optlib.GD(lr=0.5), chain.grad, chain.theta0, steps=3)
    assert metrics.layer_movement(chain, traj, t=0).tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(metrics.layer_movement(chain, traj, t=3), metrics.layer_movement(chain, traj))
    for bad in (-1, 4):
        with pytest.raises(ValueError, match=r"t must satisfy 0 ≤ t ≤ 3"):
            metrics.layer_movement(chain, traj, t=bad)
