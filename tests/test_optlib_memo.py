"""The problems whose loss and gradient share work compute it once per θ: same values, bit for bit.

SigmoidChain, TwoLayerNet and LeastSquares keep the forward pass (the residuals) of the last θ they saw,
because run asks for J(θ_t) and then, at the next step, for ∇J(θ_t). These tests pin what that must
not change: every value is the one a fresh object computes, a θ changed in place is a new θ, and the
arrays a caller gets are its own.
"""

import numpy as np
import pytest

import optlib

PROBLEMS = {
    "sigmoid chain": lambda: optlib.SigmoidChain(depth=4, width=3, seed=1),
    "two-layer network": lambda: optlib.TwoLayerNet(hidden=5, seed=2),
    "least squares": lambda: optlib.sparse_regression(n_samples=60, seed=3),
}


@pytest.mark.parametrize("make", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_values_are_those_of_a_fresh_problem(make):
    problem = make()
    rng = np.random.default_rng(0)
    thetas = [problem.theta0 + 0.3 * rng.standard_normal(problem.dim) for _ in range(4)]
    # every order of calls: loss then grad at one θ, the same θ twice, back to an earlier θ
    for theta in thetas + thetas[::-1] + [thetas[0], thetas[0]]:
        loss, grad = problem.loss(theta), problem.grad(theta)
        assert loss == make().loss(theta)
        assert np.array_equal(grad, make().grad(theta))
        assert problem.loss(theta) == loss and np.array_equal(problem.grad(theta), grad)


@pytest.mark.parametrize("make", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_a_theta_changed_in_place_is_a_new_theta(make):
    problem = make()
    theta = problem.theta0.copy()
    problem.loss(theta)
    theta[0] += 0.5
    assert problem.loss(theta) == make().loss(theta)
    assert np.array_equal(problem.grad(theta), make().grad(theta))


@pytest.mark.parametrize("make", PROBLEMS.values(), ids=PROBLEMS.keys())
def test_a_run_is_the_same_as_without_the_memo(make):
    problem = make()
    fresh = make()
    traj = optlib.run(optlib.Adam(0.05), problem.grad, problem.theta0, 30, loss=problem.loss)
    # the reference: a new object for every call, so nothing is ever reused
    ref = optlib.run(optlib.Adam(0.05), lambda th: make().grad(th), fresh.theta0, 30,
                     loss=lambda th: make().loss(th))
    assert np.array_equal(traj.thetas, ref.thetas) and np.array_equal(traj.losses, ref.losses)


def test_callers_get_arrays_of_their_own():
    chain = optlib.SigmoidChain(depth=3, width=2, seed=0)
    a = chain.forward(chain.theta0)
    a[-1][:] = 7.0
    assert not np.any(chain.forward(chain.theta0)[-1] == 7.0)
    assert chain.loss(chain.theta0) == optlib.SigmoidChain(depth=3, width=2, seed=0).loss(chain.theta0)
    net = optlib.TwoLayerNet(hidden=3, seed=0)
    z = net.logits(net.theta0)
    z[:] = 0.0
    assert net.loss(net.theta0) == optlib.TwoLayerNet(hidden=3, seed=0).loss(net.theta0)


def test_a_wrong_shape_is_still_refused():
    chain = optlib.SigmoidChain(depth=2, width=2, seed=0)
    chain.loss(chain.theta0)
    with pytest.raises(ValueError, match="θ must have shape"):
        chain.forward(chain.theta0.reshape(2, -1))
    net = optlib.TwoLayerNet(hidden=3, seed=0)
    net.loss(net.theta0)
    with pytest.raises(ValueError, match="θ must have shape"):
        net.grad(net.theta0[:-1])
