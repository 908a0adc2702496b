"""The claims chapter 2 makes about the notes, checked fast and independently of the notebooks.

nbval proves each notebook's printed numbers are current; these tests state the claims themselves, so that
a change to optlib that would turn a sentence of a chapter false fails here with a readable message.
"""

import numpy as np
import pytest

import optlib


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


# Chapters 3 and 4: tests/test_claims_ch03.py and tests/test_claims_ch04.py.
