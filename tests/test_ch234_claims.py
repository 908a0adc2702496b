"""The claims chapters 2-4 make about the notes, checked fast and independently of the notebooks.

nbval proves each notebook's printed numbers are current; these tests state the claims themselves, so that
a change to optlib that would turn a sentence of a chapter false fails here with a readable message.
"""

import numpy as np
import pytest

import optlib


def _iters(opt, problem, steps=3000, tol=1e-6):
    traj = optlib.run(opt, problem.grad, problem.theta0, steps, keep_states=False)
    return optlib.iterations_to_tolerance(optlib.distance_to(traj.thetas, problem.minimizer), tol)


# ------------------------------------------------------------------ chapter 2


def test_gradient_vanishes_geometrically_with_depth():
    # each layer down multiplies the gradient by a factor near 0.2 (σ' ≤ 1/4 with unit-scale weights)
    chain = optlib.SigmoidChain(depth=10, width=4, seed=0)
    factors = chain.layer_factors()
    assert np.all(factors < 0.35)
    assert 0.15 < np.exp(np.mean(np.log(factors))) < 0.25
    norms = chain.layer_grad_norms()
    assert np.all(np.diff(norms) > 0), "the gradient should grow from the first layer to the last"


def test_saddle_escape_grows_like_log_one_over_delta():
    # near the saddle y grows by (1 + α) per step: ln 10 / ln(1 + α) ≈ 24.2 more steps per decade of δ
    alpha = 0.1
    steps = []
    for k in (2, 5, 8):
        problem = optlib.Saddle(theta0=(1.0, 10.0 ** -k))
        traj = optlib.run(optlib.GD(alpha), problem.grad, problem.theta0, 1000)
        steps.append(int(np.flatnonzero(np.abs(traj.thetas[:, 1]) >= 0.5)[0]))
    per_decade = np.diff(steps) / 3
    np.testing.assert_allclose(per_decade, np.log(10) / np.log(1 + alpha), atol=0.5)


def test_network_loss_is_not_convex():
    # a trained net and its copy with hidden units reversed: same loss, the midpoint is worse
    net = optlib.TwoLayerNet(hidden=8, seed=0)
    a = optlib.run(optlib.GD(1.0), net.grad, net.theta0, 300, keep_states=False).final
    W1, b1, w2, b2 = net.unpack(a)
    order = np.arange(net.hidden)[::-1]
    b = np.concatenate([W1[:, order].ravel(), b1[order], w2[order], [b2]])
    assert net.loss(b) == pytest.approx(net.loss(a), rel=1e-12)
    assert net.loss(0.5 * a + 0.5 * b) > net.loss(a) + 0.1


# ------------------------------------------------------------------ chapter 3


def test_momentum_gamma_zero_is_gd_bit_for_bit():
    problem = optlib.quadratic(100.0)
    gd = optlib.run(optlib.GD(0.015), problem.grad, problem.theta0, 200)
    m0 = optlib.run(optlib.Momentum(0.015, gamma=0.0), problem.grad, problem.theta0, 200)
    np.testing.assert_array_equal(m0.thetas, gd.thetas)


def test_momentum_overshoot_ratio_matches_the_roots():
    # on J = ½θ², α = 0.1, γ = 0.9: each swing shrinks by √γ^(π/φ) ≈ 0.598
    bowl = optlib.Quadratic([[1.0]], theta0=[1.0])
    swings = optlib.overshoots(optlib.run(optlib.Momentum(0.1, 0.9), bowl.grad, bowl.theta0, 80).thetas[:, 0])
    roots = np.roots([1.0, -(1 + 0.9 - 0.1), 0.9])
    predicted = abs(roots[0]) ** (np.pi / abs(np.angle(roots[0])))
    np.testing.assert_allclose(swings[1:6] / swings[:5], predicted, atol=0.01)


def test_momentum_is_bad_on_a_round_bowl_and_good_on_an_elongated_one():
    # the notes' "momentum is bad in convex functions", at γ = 0.9 and α = 1/λ_max
    round_bowl, valley = optlib.quadratic(1.5), optlib.quadratic(100.0)
    assert _iters(optlib.Momentum(1 / 1.5, 0.9), round_bowl) > 10 * _iters(optlib.GD(1 / 1.5), round_bowl)
    assert _iters(optlib.GD(0.01), valley) > 4 * _iters(optlib.Momentum(0.01, 0.9), valley)


# ------------------------------------------------------------------ chapter 4


def test_nag_first_step_is_momentums_and_gamma_zero_is_gd():
    problem = optlib.quadratic(10.0)
    nag = optlib.run(optlib.NAG(0.05, 0.9), problem.grad, problem.theta0, 3)
    mom = optlib.run(optlib.Momentum(0.05, 0.9), problem.grad, problem.theta0, 3)
    np.testing.assert_array_equal(nag.thetas[1], mom.thetas[1])
    assert not np.allclose(nag.thetas[2], mom.thetas[2])
    nag0 = optlib.run(optlib.NAG(0.05, 0.0), problem.grad, problem.theta0, 60)
    gd = optlib.run(optlib.GD(0.05), problem.grad, problem.theta0, 60)
    np.testing.assert_array_equal(nag0.thetas, gd.thetas)


def test_nag_correction_is_alpha_gamma_A_V():
    # θ_(t+1)(NAG) − (θ_t − γV_(t−1) − α∇J(θ_t)) = αγ A V_(t−1) on a quadratic
    problem = optlib.quadratic(10.0)
    opt = optlib.NAG(0.05, 0.9)
    traj = optlib.run(opt, problem.grad, problem.theta0, 20)
    for k in range(traj.steps):
        theta, V = traj.thetas[k], traj.states[k].V
        momentum_lands = theta - opt.gamma * V - opt.lr * problem.grad(theta)
        np.testing.assert_allclose(traj.thetas[k + 1] - momentum_lands, opt.lr * opt.gamma * problem.A @ V,
                                   atol=1e-15)


def test_nag_unrolled_velocity_uses_lookahead_gradients():
    problem = optlib.quadratic(10.0)
    opt = optlib.NAG(0.05, 0.9)
    traj = optlib.run(opt, problem.grad, problem.theta0, 40)
    V = traj.state_field("V")
    for t in range(1, traj.steps + 1):
        np.testing.assert_allclose(optlib.unrolled_velocity(traj.grads[:t], opt.lr, opt.gamma), V[t], atol=1e-15)


@pytest.mark.parametrize("problem, alpha", [
    (optlib.quadratic(1.5), 1 / 1.5), (optlib.quadratic(100.0), 0.01),
    (optlib.Saddle(theta0=(1.0, 1e-6)), 0.1), (optlib.Plateau(width=1.0, theta0=(4.0, 0.0)), 1.0),
], ids=["kappa-1.5", "kappa-100", "saddle", "plateau"])
def test_nag_beats_momentum_and_overshoots_less(problem, alpha):
    def largest_swing(opt):
        th = optlib.run(opt, problem.grad, problem.theta0, 3000, keep_states=False).thetas
        return max(optlib.overshoots(th[:, j], problem.minimizer[j]).max(initial=0.0) for j in range(th.shape[1]))

    mom, nag = optlib.Momentum(alpha, 0.9), optlib.NAG(alpha, 0.9)
    assert _iters(nag, problem) < _iters(mom, problem)
    assert largest_swing(nag) < largest_swing(mom)


def test_nag_stability_limit():
    # on J = ½λθ² NAG is stable for αλ < 2(1 + γ)/(1 + 2γ) ≈ 1.357 at γ = 0.9 (chapter 4, exercise 2)
    bowl = optlib.Quadratic([[1.0]], theta0=[1.0])
    ok = optlib.run(optlib.NAG(1.35, 0.9), bowl.grad, bowl.theta0, 3000, keep_states=False)
    bad = optlib.run(optlib.NAG(1.36, 0.9), bowl.grad, bowl.theta0, 3000, keep_states=False)
    assert abs(ok.final[0]) < 1e-10 and abs(bad.final[0]) > 1e3
