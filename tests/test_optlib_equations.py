"""Each optimizer's first three steps, computed by hand from the notes' equations.

The gradient is that of J(θ) = ½ θᵀ diag(a) θ, i.e. g = a ⊙ θ, on two coordinates. The expected values
are written out with plain scalar arithmetic, coordinate by coordinate, one notes' equation per line, so
that they do not share code with optlib.
"""

import math

import numpy as np
import pytest

import optlib

A = (2.0, 0.5)          # curvature of each coordinate
THETA0 = (1.0, -3.0)


def grad(theta):
    return np.asarray(A) * theta


def three_steps(opt):
    traj = optlib.run(opt, grad, THETA0, 3)
    return traj


def by_coordinate(update):
    """Run a scalar hand computation on each coordinate; returns thetas (4, 2) and the per-step states."""
    cols = [update(a, th0) for a, th0 in zip(A, THETA0)]
    thetas = np.array([c[0] for c in cols]).T
    states = [np.array([c[1][k] for c in cols]).T for k in range(len(cols[0][1]))]
    return thetas, states


def test_gd_by_hand():
    alpha = 0.1

    def update(a, th):
        thetas = [th]
        for _ in range(3):
            g = a * th                      # g_t = ∇J(θ_t)
            th = th - alpha * g             # θ_{t+1} = θ_t − α g_t
            thetas.append(th)
        return thetas, []

    expected, _ = by_coordinate(update)
    np.testing.assert_allclose(three_steps(optlib.GD(alpha)).thetas, expected, rtol=0, atol=1e-15)


def test_momentum_by_hand():
    alpha, gamma = 0.1, 0.9

    def update(a, th):
        thetas, Vs, V = [th], [], 0.0               # V_0 = 0
        for _ in range(3):
            V = gamma * V + alpha * (a * th)        # V_t = γ V_{t−1} + α ∇θ_t
            th = th - V                             # θ_{t+1} = θ_t − V_t
            thetas.append(th)
            Vs.append(V)
        return thetas, [Vs]

    expected, (V,) = by_coordinate(update)
    traj = three_steps(optlib.Momentum(alpha, gamma))
    np.testing.assert_allclose(traj.thetas, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(traj.state_field("V")[1:], V, rtol=0, atol=1e-15)
    # the notes' "Example": V_1 = α∇θ_1, V_2 = γ[α∇θ_1] + α∇θ_2, V_3 = γ²[α∇θ_1] + γ[α∇θ_2] + α∇θ_3
    g1, g2, g3 = traj.grads
    np.testing.assert_allclose(traj.states[1].V, alpha * g1, atol=1e-15)
    np.testing.assert_allclose(traj.states[2].V, gamma * alpha * g1 + alpha * g2, atol=1e-15)
    np.testing.assert_allclose(traj.states[3].V, gamma ** 2 * alpha * g1 + gamma * alpha * g2 + alpha * g3,
                               atol=1e-15)


def test_nag_by_hand_gradient_at_lookahead():
    alpha, gamma = 0.1, 0.9

    def update(a, th):
        thetas, Vs, V = [th], [], 0.0               # V_0 = 0
        for _ in range(3):
            temp = th - gamma * V                   # θ_temp = θ_t − γ V_{t−1}
            V = gamma * V + alpha * (a * temp)      # V_t = γ V_{t−1} + α ∇J(θ_temp)
            th = th - V                             # θ_{t+1} = θ_t − V_t
            thetas.append(th)
            Vs.append(V)
        return thetas, [Vs]

    expected, (V,) = by_coordinate(update)
    traj = three_steps(optlib.NAG(alpha, gamma))
    np.testing.assert_allclose(traj.thetas, expected, rtol=0, atol=1e-15)
    np.testing.assert_allclose(traj.state_field("V")[1:], V, rtol=0, atol=1e-15)
    # the gradient recorded for step t is the one taken at θ_temp, not at θ_t
    temp2 = traj.thetas[1] - gamma * traj.states[1].V
    np.testing.assert_allclose(traj.grads[1], grad(temp2), atol=1e-15)
    assert not np.allclose(traj.grads[1], grad(traj.thetas[1]))


def test_adagrad_by_hand():
    alpha, eps = 0.5, 1e-8

    def update(a, th):
        thetas, Gs, G = [th], [], 0.0               # G_0 = 0
        for _ in range(3):
            g = a * th
            G = G + g * g                           # G_t = G_{t−1} + g_t ⊙ g_t
            th = th - alpha / (math.sqrt(G) + eps) * g   # ε outside the square root
            thetas.append(th)
            Gs.append(G)
        return thetas, [Gs]

    expected, (G,) = by_coordinate(update)
    traj = three_steps(optlib.AdaGrad(alpha, eps))
    np.testing.assert_allclose(traj.thetas, expected, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(traj.state_field("G")[1:], G, rtol=1e-15)


def test_rmsprop_by_hand():
    alpha, beta, eps = 0.05, 0.9, 1e-8

    def update(a, th):
        thetas, Gs, G = [th], [], 0.0               # G_0 = 0
        for _ in range(3):
            g = a * th
            G = beta * G + (1 - beta) * g ** 2      # G_t = β G_{t−1} + (1 − β) g_t²
            th = th - alpha / (math.sqrt(G) + eps) * g
            thetas.append(th)
            Gs.append(G)
        return thetas, [Gs]

    expected, (G,) = by_coordinate(update)
    traj = three_steps(optlib.RMSProp(alpha, beta, eps))
    np.testing.assert_allclose(traj.thetas, expected, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(traj.state_field("G")[1:], G, rtol=1e-15)


def test_adam_by_hand():
    eta, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8

    def update(a, th):
        thetas, ms, vs, m, v = [th], [], [], 0.0, 0.0      # m_0 = v_0 = 0
        for t in (1, 2, 3):                                # t counts from 1
            g = a * th
            m = b1 * m + (1 - b1) * g                      # m_t
            v = b2 * v + (1 - b2) * g ** 2                 # v_t
            m_hat = m / (1 - b1 ** t)                      # m̂_t
            v_hat = v / (1 - b2 ** t)                      # v̂_t
            th = th - eta * m_hat / (math.sqrt(v_hat) + eps)
            thetas.append(th)
            ms.append(m)
            vs.append(v)
        return thetas, [ms, vs]

    expected, (m, v) = by_coordinate(update)
    traj = three_steps(optlib.Adam(eta, b1, b2, eps))
    np.testing.assert_allclose(traj.thetas, expected, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(traj.state_field("m")[1:], m, rtol=1e-14)
    np.testing.assert_allclose(traj.state_field("v")[1:], v, rtol=1e-14)
    assert [s.t for s in traj.states] == [0, 1, 2, 3]


def test_adam_first_step_has_size_eta():
    # m̂_1 = g_1 and v̂_1 = g_1², so the first step is η·g_1/(|g_1| + ε) ≈ η·sign(g_1)
    traj = optlib.run(optlib.Adam(0.1), grad, THETA0, 1)
    np.testing.assert_allclose(traj.thetas[1] - traj.thetas[0], -0.1 * np.sign(grad(np.array(THETA0))),
                               rtol=1e-7)


@pytest.mark.parametrize("opt", [optlib.AdaGrad(0.1, eps=1.0), optlib.RMSProp(0.1, eps=1.0),
                                 optlib.Adam(0.1, eps=1.0)], ids=lambda o: o.name)
def test_eps_sits_outside_the_square_root(opt):
    # with a large ε the two placements differ visibly: α g/(√G + ε) ≠ α g/√(G + ε)
    g1 = grad(np.array(THETA0))
    step = optlib.run(opt, grad, THETA0, 1).thetas[1] - np.array(THETA0)
    sq = g1 * g1   # AdaGrad: G_1 = g_1²; Adam: v̂_1 = v_1/(1 − β2) = g_1², and m̂_1 = g_1
    if opt.name == "RMSProp":
        sq = (1 - opt.beta) * g1 * g1   # RMSProp has no bias correction: G_1 = (1 − β) g_1²
    np.testing.assert_allclose(step, -0.1 * g1 / (np.sqrt(sq) + 1.0), rtol=1e-12)
