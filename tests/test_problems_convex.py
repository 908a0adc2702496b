"""optlib.LogCosh, the smooth convex problem that is not a quadratic (chapter 4's acceleration section)."""

import numpy as np
import pytest

import optlib


def test_loss_and_gradient_match_the_formula_and_finite_differences():
    c = np.array([1e-3, 0.5, 2.0])
    p = optlib.LogCosh(c, minimizer=[0.5, -1.0, 2.0], theta0=[3.0, 1.0, -4.0])
    theta = np.array([1.3, -0.2, 4.0])
    d = theta - p.minimizer
    assert p.loss(theta) == pytest.approx(float(np.sum(c * np.log(np.cosh(d)))), rel=1e-12)
    np.testing.assert_allclose(p.grad(theta), c * np.tanh(d), rtol=1e-14)
    h = 1e-6
    fd = [(p.loss(theta + h * e) - p.loss(theta - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(p.grad(theta), fd, rtol=1e-6, atol=1e-10)


def test_minimum_and_smoothness():
    p = optlib.LogCosh([1e-6, 1e-2, 3.0])
    assert p.loss(p.minimizer) == 0.0 == p.f_min and np.all(p.grad(p.minimizer) == 0)
    assert p.smoothness == 3.0
    # the gradient is L-Lipschitz and J is convex (the gradient is monotone), on random pairs
    rng = np.random.default_rng(0)
    for _ in range(200):
        x, y = rng.normal(scale=5, size=(2, 3))
        gx, gy = p.grad(x), p.grad(y)
        assert np.linalg.norm(gx - gy) <= p.smoothness * np.linalg.norm(x - y) * (1 + 1e-12)
        assert (gx - gy) @ (x - y) >= 0


def test_far_from_the_minimum_it_is_not_a_quadratic():
    # the slope saturates at c_i: the loss grows linearly, not quadratically
    p = optlib.LogCosh([1.0])
    assert p.grad([50.0])[0] == pytest.approx(1.0)
    assert p.loss([100.0]) == pytest.approx(100.0 - np.log(2.0))
    assert np.isfinite(p.loss([1e6]))


@pytest.mark.parametrize("curvatures", [[], [1.0, 0.0], [1.0, -2.0], [np.inf], [np.nan]])
def test_bad_curvatures_are_rejected_naming_the_symbol(curvatures):
    with pytest.raises(ValueError, match=r"curvatures \(c_i\)"):
        optlib.LogCosh(curvatures)


def test_a_start_of_the_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match="theta0 must have one entry per curvature"):
        optlib.LogCosh([1.0, 2.0], theta0=[1.0, 2.0, 3.0])
