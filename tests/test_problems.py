"""Every problem's analytic gradient against central finite differences, and its stated facts."""

import numpy as np
import pytest

import optlib

PROBLEMS = {
    "quadratic": optlib.quadratic(50.0, dim=4, rotate=True, seed=3),
    "rosenbrock": optlib.Rosenbrock(),
    "saddle": optlib.Saddle(),
    "plateau": optlib.Plateau(width=0.7),
    "sigmoid chain": optlib.SigmoidChain(depth=5, width=3, n_samples=7, seed=2),
    "linear regression": optlib.linear_regression(seed=4),
    "sparse regression": optlib.sparse_regression(n_samples=300, seed=5),
    "two-layer net": optlib.TwoLayerNet(hidden=5, seed=6),
}


def finite_difference(f, theta, h=1e-6):
    g = np.zeros_like(theta)
    for j in range(theta.size):
        e = np.zeros_like(theta)
        e.flat[j] = h
        g.flat[j] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g


@pytest.mark.parametrize("name", PROBLEMS)
def test_gradient_matches_finite_differences(name):
    problem = PROBLEMS[name]
    rng = np.random.default_rng(0)
    for theta in (problem.theta0, problem.theta0 + 0.3 * rng.standard_normal(problem.theta0.shape)):
        g = problem.grad(theta)
        assert g.shape == theta.shape
        np.testing.assert_allclose(g, finite_difference(problem.loss, theta), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", [n for n, p in PROBLEMS.items() if p.minimizer is not None])
def test_minimizer_has_zero_gradient_and_f_min(name):
    problem = PROBLEMS[name]
    np.testing.assert_allclose(problem.grad(problem.minimizer), 0.0, atol=1e-9)
    assert problem.loss(problem.minimizer) == pytest.approx(problem.f_min, abs=1e-12)


def test_problems_are_generated_from_the_seed():
    a, b = optlib.sparse_regression(seed=7), optlib.sparse_regression(seed=7)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, optlib.sparse_regression(seed=8).X)
    np.testing.assert_array_equal(optlib.TwoLayerNet(seed=1).theta0, optlib.TwoLayerNet(seed=1).theta0)


def test_quadratic_condition_number():
    assert optlib.quadratic(100.0).condition_number == pytest.approx(100.0)
    assert optlib.quadratic(100.0, dim=5, rotate=True).condition_number == pytest.approx(100.0)


def test_saddle_point_is_a_saddle():
    s = optlib.Saddle()
    np.testing.assert_array_equal(s.grad(s.saddle_point), 0.0)
    assert s.loss([0.0, 0.1]) < s.loss([0.0, 0.0]) < s.loss([0.1, 0.0])


def test_sigmoid_chain_backprop_shows_vanishing_gradient():
    chain = optlib.SigmoidChain(depth=12, width=4, seed=0)
    norms = chain.layer_grad_norms()
    assert norms.shape == (12,)
    assert norms[0] < 1e-3 * norms[-1]          # the first layer gets a tiny fraction of the last one's
    factors = chain.layer_factors()
    assert factors.shape == (11,) and np.all(factors < 1.0)
    # backprop's per-layer gradients equal the full gradient vector, block by block
    dWs, dbs, _ = chain.backprop(chain.theta0)
    g = chain.grad(chain.theta0)
    np.testing.assert_allclose(g[:16], dWs[0].ravel())


def test_sparse_regression_has_rare_one_hot_columns():
    p = optlib.sparse_regression(n_samples=2000, seed=0)
    assert p.kinds[:2] == ["dense", "dense"]
    onehot = p.X[:, 2:]
    assert set(np.unique(onehot)) == {0.0, 1.0} and np.all(onehot.sum(axis=1) == 1)
    assert p.frequency[-1] < 0.03 < 0.4 < p.frequency[2]
    # the Hessian diagonal of a one-hot column is its frequency: rare columns have tiny curvature
    np.testing.assert_allclose(np.diag(p.hessian)[2:], p.frequency[2:])


def test_minibatch_gradient_is_reproducible_and_unbiased_on_average():
    p = optlib.sparse_regression(n_samples=400, seed=1)
    g1, g2 = p.minibatch_grad(20, seed=3), p.minibatch_grad(20, seed=3)
    theta = np.ones(p.dim)
    np.testing.assert_array_equal(g1(theta), g2(theta))
    g = p.minibatch_grad(20, seed=4)
    mean = np.mean([g(theta) for _ in range(3000)], axis=0)
    np.testing.assert_allclose(mean, p.grad(theta), atol=0.15 * np.abs(p.grad(theta)).max())


def test_standardized_features_have_unit_variance_and_better_conditioning():
    p = optlib.linear_regression(scales=(1.0, 10.0), seed=0)
    s = p.standardized()
    np.testing.assert_allclose(s.X.std(axis=0), 1.0)
    assert p.condition_number > 50 and s.condition_number < 2


def test_two_layer_net_learns_two_moons():
    net = optlib.TwoLayerNet(hidden=8, seed=0)
    traj = optlib.run(optlib.Adam(0.05), net.grad, net.theta0, 800)
    assert net.accuracy(traj.final) > 0.95 > net.accuracy(net.theta0)
