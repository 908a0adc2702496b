"""Invariants that hold for any input, checked with hypothesis."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import optlib

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
thetas = arrays(np.float64, array_shapes(min_dims=1, max_dims=3, max_side=4), elements=finite)
lrs = st.floats(1e-4, 1.0)
decays = st.floats(0.0, 0.999)


@st.composite
def rates(draw):
    """A learning rate: a number, or one of the schedules peaking at a number."""
    lr = draw(lrs)
    kind = draw(st.sampled_from(["number", "step", "sqrt", "cosine", "warmup", "warmup-cosine"]))
    if kind == "number":
        return lr
    if kind == "step":
        return optlib.schedules.StepDecay(lr, every=draw(st.integers(1, 5)), factor=draw(st.floats(0.1, 1.0)))
    if kind == "sqrt":
        return optlib.schedules.InverseSqrt(lr)
    if kind == "cosine":
        return optlib.schedules.Cosine(lr, steps=draw(st.integers(2, 10)))
    if kind == "warmup":
        return optlib.schedules.LinearWarmup(lr, warmup=draw(st.integers(1, 5)))
    return optlib.schedules.WarmupCosine(lr, warmup=draw(st.integers(1, 4)), steps=draw(st.integers(5, 12)))


@st.composite
def optimizers(draw):
    kind = draw(st.sampled_from(["GD", "Momentum", "NAG", "AdaGrad", "RMSProp", "Adam", "AdamW", "AMSGrad"]))
    lr = draw(rates())
    if kind == "AdamW":
        return optlib.AdamW(lr, beta1=draw(decays), beta2=draw(decays), weight_decay=draw(st.floats(0.0, 1.0)))
    if kind == "AMSGrad":
        return optlib.AMSGrad(lr, beta1=draw(decays), beta2=draw(decays))
    if kind == "GD":
        return optlib.GD(lr)
    if kind in ("Momentum", "NAG"):
        return getattr(optlib, kind)(lr, gamma=draw(decays))
    if kind == "AdaGrad":
        return optlib.AdaGrad(lr)
    if kind == "RMSProp":
        return optlib.RMSProp(lr, beta=draw(decays))
    return optlib.Adam(lr, beta1=draw(decays), beta2=draw(decays))


def bowl(theta):
    return 0.5 * theta      # ∇ of ¼‖θ‖²: a mild convex bowl, safe for any lr ≤ 1


settings.register_profile("book", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("book")


@given(optimizers(), thetas, st.integers(0, 8))
def test_shapes_are_kept(opt, theta0, steps):
    traj = optlib.run(opt, bowl, theta0, steps)
    assert traj.thetas.shape == (steps + 1, *theta0.shape)
    assert traj.grads.shape == (steps, *theta0.shape)
    np.testing.assert_array_equal(traj.thetas[0], theta0)
    for state in traj.states:
        for name, value in zip(state._fields, state):
            if name != "t":
                assert np.shape(value) == theta0.shape


@given(optimizers(), thetas)
def test_inputs_are_never_mutated(opt, theta0):
    original = theta0.copy()
    traj = optlib.run(opt, bowl, theta0, 3)
    np.testing.assert_array_equal(theta0, original)
    # a step never modifies the state or θ it is given
    state = traj.states[1]
    frozen = [np.array(v, copy=True) for v in state]
    theta = traj.thetas[1].copy()
    opt.at(2).step(bowl, traj.thetas[1], state)      # step 2 (opt itself when lr is a number)
    for before, after in zip(frozen, state):
        np.testing.assert_array_equal(before, after)
    np.testing.assert_array_equal(theta, traj.thetas[1])


@given(optimizers(), thetas)
def test_runs_are_reproducible_and_optimizers_hold_no_state(opt, theta0):
    a = optlib.run(opt, bowl, theta0, 5)
    b = optlib.run(opt, bowl, theta0, 5)
    np.testing.assert_array_equal(a.thetas, b.thetas)


@given(thetas, lrs, st.lists(finite, min_size=1, max_size=6))
def test_adagrad_G_never_decreases_and_rates_are_positive(theta0, lr, scales):
    opt = optlib.AdaGrad(lr)
    scale = iter(scales * 10)
    traj = optlib.run(opt, lambda th: next(scale) * np.ones_like(th), theta0, len(scales))
    G = traj.state_field("G")
    assert np.all(np.diff(G, axis=0) >= 0)
    for state in traj.states:
        assert np.all(opt.effective_lr(state) > 0)


@given(optimizers(), thetas)
def test_states_stay_finite(opt, theta0):
    traj = optlib.run(opt, bowl, theta0, 20)
    for state in traj.states:
        for value in state:
            assert np.all(np.isfinite(value))


@given(st.sampled_from([optlib.RMSProp(0.1, 0.9), optlib.Adam(0.1)]), thetas)
def test_adaptive_effective_rates_are_positive(opt, theta0):
    traj = optlib.run(opt, bowl, theta0, 4)
    for state in traj.states[1:]:
        assert np.all(opt.effective_lr(state) > 0)


@given(st.floats(0.0, 0.99), st.integers(1, 200))
def test_ewma_weights_sum(beta, t):
    w = optlib.ewma_weights(beta, t)
    assert np.all(w >= 0) and abs(w.sum() - (1 - beta ** t)) < 1e-9


@given(thetas, st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=8), rates(), decays, decays)
def test_amsgrad_v_max_never_decreases_and_is_the_largest_v(theta0, scales, lr, beta1, beta2):
    scale = iter(scales * 10)
    traj = optlib.run(optlib.AMSGrad(lr, beta1=beta1, beta2=beta2),
                      lambda th: next(scale) * np.ones_like(th), theta0, len(scales))
    v, v_max = traj.state_field("v"), traj.state_field("v_max")
    assert np.all(np.diff(v_max, axis=0) >= 0)
    np.testing.assert_array_equal(v_max, np.maximum.accumulate(v, axis=0))


@given(thetas, rates(), decays, decays, st.sampled_from([1e-8, 1e-3]), st.integers(0, 8))
def test_adamw_without_decay_is_adam(theta0, lr, beta1, beta2, eps, steps):
    # λ = 0: θ_{t−1}(1 − η_t · 0) = θ_{t−1}, and the rest is Adam's step: the same iterates, bit for bit
    kw = dict(beta1=beta1, beta2=beta2, eps=eps)
    a = optlib.run(optlib.Adam(lr, **kw), bowl, theta0, steps)
    w = optlib.run(optlib.AdamW(lr, weight_decay=0.0, **kw), bowl, theta0, steps)
    np.testing.assert_array_equal(a.thetas, w.thetas)
    np.testing.assert_array_equal(a.state_field("v"), w.state_field("v"))


@given(thetas, rates(), st.floats(1e-3, 1.0))
def test_adamw_decay_shrinks_by_one_minus_eta_lambda(theta0, lr, lam):
    # on a zero gradient Adam's step is 0, and θ_t = θ_{t−1}(1 − η_t λ) exactly
    opt = optlib.AdamW(lr, weight_decay=lam)
    traj = optlib.run(opt, np.zeros_like, theta0, 4)
    for t in range(1, 5):
        np.testing.assert_array_equal(traj.thetas[t], traj.thetas[t - 1] * (1 - opt.rate(t) * lam))


@given(optimizers(), thetas)
def test_scheduled_and_hand_loop_agree(opt, theta0):
    traj = optlib.run(opt, bowl, theta0, 6)
    theta, state = np.array(theta0), opt.init(np.array(theta0))
    for t in range(1, 7):
        theta, state = opt.at(t).step(bowl, theta, state)
    np.testing.assert_array_equal(theta, traj.thetas[-1])
    assert np.all(traj.rates() >= 0)
