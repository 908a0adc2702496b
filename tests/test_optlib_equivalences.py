"""Equivalences the notes state or imply, after optax's test_rms_match_adam."""

import numpy as np
import pytest

import optlib

PROBLEM = optlib.quadratic(20.0, dim=3, rotate=True, seed=1)


def test_momentum_with_gamma_zero_is_gd():
    # notes: "When γ is small (γ ≈ 0) you don't take any history ⇒ same as GD"
    a = optlib.run(optlib.Momentum(0.05, gamma=0.0), PROBLEM.grad, PROBLEM.theta0, 50)
    b = optlib.run(optlib.GD(0.05), PROBLEM.grad, PROBLEM.theta0, 50)
    np.testing.assert_array_equal(a.thetas, b.thetas)


def test_nag_with_gamma_zero_is_gd():
    a = optlib.run(optlib.NAG(0.05, gamma=0.0), PROBLEM.grad, PROBLEM.theta0, 50)
    b = optlib.run(optlib.GD(0.05), PROBLEM.grad, PROBLEM.theta0, 50)
    np.testing.assert_array_equal(a.thetas, b.thetas)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99])
def test_unrolled_sum_equals_the_recursion(gamma):
    # V_t = Σ_{i=1}^{t} γ^{t−i} α ∇θ_i: the notes' general equation, with i from 1 since V_0 = 0
    traj = optlib.run(optlib.Momentum(0.01, gamma), PROBLEM.grad, PROBLEM.theta0, 40)
    for t in range(1, 41):
        V_t = optlib.unrolled_velocity(traj.grads[:t], lr=0.01, gamma=gamma)
        np.testing.assert_allclose(V_t, traj.states[t].V, rtol=1e-12, atol=1e-15)


def test_nag_step_equals_lookahead_minus_gradient_step():
    # θ_{t+1} = θ_t − V_t is the same point as θ_temp − α ∇J(θ_temp)
    opt = optlib.NAG(0.03, 0.9)
    traj = optlib.run(opt, PROBLEM.grad, PROBLEM.theta0, 30)
    for t in range(30):
        theta_temp = opt.lookahead(traj.thetas[t], traj.states[t])
        np.testing.assert_allclose(theta_temp, traj.thetas[t] - 0.9 * traj.states[t].V)
        np.testing.assert_allclose(traj.thetas[t + 1], theta_temp - 0.03 * PROBLEM.grad(theta_temp),
                                   rtol=1e-12, atol=1e-15)


def test_adam_first_corrected_moment_is_g1():
    opt = optlib.Adam(0.01, beta1=0.9, beta2=0.999)
    traj = optlib.run(opt, PROBLEM.grad, PROBLEM.theta0, 1)
    m_hat, v_hat = opt.corrected(traj.states[1])
    g1 = PROBLEM.grad(PROBLEM.theta0)
    np.testing.assert_allclose(m_hat, g1, rtol=1e-15)
    np.testing.assert_allclose(v_hat, g1 ** 2, rtol=1e-12)


def test_adam_corrected_moment_of_constant_gradient_is_exact_from_t1():
    g = np.array([0.3, -2.0])
    opt = optlib.Adam(1e-3, beta1=0.98)
    traj = optlib.run(opt, lambda th: g, [0.0, 0.0], 20)
    for state in traj.states[1:]:
        m_hat, v_hat = opt.corrected(state)
        np.testing.assert_allclose(m_hat, g, rtol=1e-12)
        np.testing.assert_allclose(v_hat, g * g, rtol=1e-12)
    # ... while the uncorrected m_t starts at (1 − β1) g = 0.02 g
    np.testing.assert_allclose(traj.states[1].m, 0.02 * g, rtol=1e-12)


def test_notes_beta1_098_coefficients():
    # notes: m_1 = 0.02 g_1; m_2 = 0.0196 g_1 + 0.02 g_2; m_3 = 0.019208 g_1 + 0.0196 g_2 + 0.02 g_3
    C = optlib.ewma_coefficients(0.98, 3)
    np.testing.assert_allclose(C[0, :1], [0.02], rtol=1e-12)
    np.testing.assert_allclose(C[1, :2], [0.0196, 0.02], rtol=1e-12)
    np.testing.assert_allclose(C[2, :3], [0.019208, 0.0196, 0.02], rtol=1e-12)
    np.testing.assert_array_equal(np.triu(C, 1), 0.0)
    for t in (1, 2, 3):
        np.testing.assert_allclose(optlib.ewma_weights(0.98, t), C[t - 1, :t], rtol=1e-12)
    # and Adam's own m_t, run on unit gradients, carries the same coefficients
    opt = optlib.Adam(1e-3, beta1=0.98)
    unit_gradients = iter(np.eye(3))          # g_1 = e_1, g_2 = e_2, g_3 = e_3
    traj = optlib.run(opt, lambda theta: next(unit_gradients), np.zeros(3), 3)
    np.testing.assert_allclose(traj.states[3].m, C[2], rtol=1e-12)


@pytest.mark.parametrize("beta", [0.5, 0.9, 0.999])
def test_ewma_weights_sum_to_one_minus_beta_to_the_t(beta):
    for t in (1, 2, 10, 100):
        assert optlib.ewma_weights(beta, t).sum() == pytest.approx(1 - beta ** t, rel=1e-12)
        assert optlib.bias_correction(beta, t) == pytest.approx(1 - beta ** t, rel=1e-15)


def test_adam_with_beta1_zero_and_no_correction_is_rmsprop():
    # m_t = g_t when β1 = 0, and v_t is RMSProp's G_t with β = β2
    a = optlib.run(optlib.Adam(0.01, beta1=0.0, beta2=0.9, bias_correction=False), PROBLEM.grad,
                   PROBLEM.theta0, 60)
    b = optlib.run(optlib.RMSProp(0.01, beta=0.9), PROBLEM.grad, PROBLEM.theta0, 60)
    np.testing.assert_allclose(a.thetas, b.thetas, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(a.state_field("v"), b.state_field("G"), rtol=1e-14)


def test_adam_with_beta1_zero_is_bias_corrected_rmsprop():
    # with β1 = 0 the corrected Adam step is α g_t/(√(G_t/(1 − β^t)) + ε): RMSProp with G_t corrected
    beta, lr, eps = 0.9, 0.01, 1e-8
    traj = optlib.run(optlib.Adam(lr, beta1=0.0, beta2=beta, eps=eps), PROBLEM.grad, PROBLEM.theta0, 60)
    theta, G = np.array(PROBLEM.theta0), np.zeros(3)
    for t in range(1, 61):
        g = PROBLEM.grad(theta)
        G = beta * G + (1 - beta) * g * g
        theta = theta - lr * g / (np.sqrt(G / (1 - beta ** t)) + eps)
        np.testing.assert_allclose(traj.thetas[t], theta, rtol=1e-13, atol=1e-15)


def test_effective_memory_and_bias_duration():
    assert optlib.effective_memory(0.9) == pytest.approx(10.0)
    assert optlib.effective_memory(0.999) == pytest.approx(1000.0)
    # β2 = 0.999: after about a thousand steps the missing weight β2^t has fallen to 1/e
    assert optlib.steps_until(0.999, np.exp(-1)) == 1000
    assert 0.999 ** 999 > np.exp(-1) >= 0.999 ** 1000
    assert optlib.steps_until(0.9, 0.01) == 44   # 0.9^44 ≈ 0.0097
