"""optlib.digits: the shipped digits are scikit-learn's, the network's gradient is its loss's, the batches are seeded."""

from __future__ import annotations

import numpy as np
import pytest

from optlib.digits import DigitsNet, load_digits


def test_the_shipped_digits_equal_scikit_learns():
    sklearn_datasets = pytest.importorskip(
        "sklearn.datasets", reason="scikit-learn is not installed: the shipped digits are not compared with it")
    ref = sklearn_datasets.load_digits()
    pixels, labels = load_digits()
    assert pixels.dtype == np.uint8 and labels.dtype == np.uint8
    np.testing.assert_array_equal(pixels, ref.data)
    np.testing.assert_array_equal(labels, ref.target)


def test_the_data_are_what_the_docstring_says():
    pixels, labels = load_digits()
    assert pixels.shape == (1797, 64) and labels.shape == (1797,)
    assert pixels.min() == 0 and pixels.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


def test_the_split_is_fixed_and_disjoint():
    a, b = DigitsNet(seed=0), DigitsNet(seed=3)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y_held_out, b.y_held_out)
    assert len(a.y) + len(a.y_held_out) == 1797
    assert not np.array_equal(a.theta0, b.theta0)
    rows = {r.tobytes() for r in a.X}
    held = [r.tobytes() in rows for r in a.X_held_out]
    # the same image can occur twice in the data; a disjoint split leaves only such duplicates
    assert sum(held) <= 5


def test_the_gradient_is_the_losss():
    net = DigitsNet(hidden=5, seed=1)
    rng = np.random.default_rng(0)
    theta = net.theta0 + 0.3 * rng.standard_normal(net.dim)
    g = net.grad(theta)
    h = 1e-6
    for i in rng.choice(net.dim, size=25, replace=False):
        e = np.zeros(net.dim)
        e[i] = h
        fd = (net.loss(theta + e) - net.loss(theta - e)) / (2 * h)
        assert abs(fd - g[i]) <= 1e-7 + 1e-6 * abs(g[i]), i


def test_a_full_batch_is_the_full_gradient_and_batches_are_seeded():
    net = DigitsNet(hidden=4, seed=0)
    theta = net.theta0 + 0.1
    full = net.minibatch_grad(len(net.y), seed=0)(theta)
    np.testing.assert_allclose(full, net.grad(theta), rtol=1e-12, atol=1e-14)
    a, b = net.minibatch_grad(32, seed=7), net.minibatch_grad(32, seed=7)
    np.testing.assert_array_equal(a(theta), b(theta))
    assert not np.array_equal(a(theta), net.minibatch_grad(32, seed=8)(theta))


def test_accuracy_and_margins():
    net = DigitsNet(hidden=4, seed=0)
    acc = net.accuracy(net.theta0)
    assert 0 <= acc <= 1 and acc * len(net.y_held_out) == pytest.approx(round(acc * len(net.y_held_out)))
    assert np.all(net.margins(net.theta0) >= 0)
    with pytest.raises(ValueError, match="part"):
        net.accuracy(net.theta0, part="test")


def test_bad_input_names_the_parameter():
    with pytest.raises(ValueError, match=r"hidden \(h\)"):
        DigitsNet(hidden=0)
    with pytest.raises(ValueError, match="n_held_out"):
        DigitsNet(n_held_out=1797)
    net = DigitsNet(hidden=3)
    with pytest.raises(ValueError, match="batch_size"):
        net.minibatch_grad(0)
    with pytest.raises(ValueError, match="θ must have shape"):
        net.loss(np.zeros(3))
