"""Bad input gets a clear error naming the argument, its symbol and the allowed range; runs that diverge stop."""

import warnings

import numpy as np
import pytest

import optlib

QUAD = optlib.quadratic(10.0)


@pytest.mark.parametrize("make, message", [
    (lambda: optlib.GD(-0.1), r"lr \(α\) must satisfy α > 0, got -0.1"),
    (lambda: optlib.GD(0), r"lr \(α\) must satisfy α > 0, got 0"),
    (lambda: optlib.GD(float("inf")), r"lr \(α\) must be finite, got inf"),
    (lambda: optlib.GD(float("nan")), r"lr \(α\) must be finite, got nan"),
    (lambda: optlib.Momentum(0.1, gamma=1.2), r"gamma \(γ\) must satisfy 0 ≤ γ < 1, got 1.2"),
    (lambda: optlib.Momentum(0.1, gamma=1.0), r"gamma \(γ\) must satisfy 0 ≤ γ < 1, got 1"),
    (lambda: optlib.NAG(0.1, gamma=-0.1), r"gamma \(γ\) must satisfy 0 ≤ γ < 1, got -0.1"),
    (lambda: optlib.RMSProp(0.1, beta=1.0), r"beta \(β\) must satisfy 0 ≤ β < 1, got 1"),
    (lambda: optlib.RMSProp(0.1, beta=-0.5), r"beta \(β\) must satisfy 0 ≤ β < 1, got -0.5"),
    (lambda: optlib.Adam(0.1, beta1=1.0), r"beta1 \(β1\) must satisfy 0 ≤ β1 < 1, got 1"),
    (lambda: optlib.Adam(0.1, beta2=1.0), r"beta2 \(β2\) must satisfy 0 ≤ β2 < 1, got 1"),
    (lambda: optlib.Adam(-1.0), r"lr \(η\) must satisfy η > 0, got -1"),
    (lambda: optlib.AdaGrad(0.1, eps=-1e-8), r"eps \(ε\) must satisfy ε ≥ 0, got -1e-08"),
    (lambda: optlib.Adam(0.1, eps=float("nan")), r"eps \(ε\) must be finite, got nan"),
    (lambda: optlib.RMSProp(0.1, eps=float("inf")), r"eps \(ε\) must be finite, got inf"),
])
def test_bad_hyperparameters_raise_value_error_naming_symbol_and_range(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, message", [
    (lambda: optlib.GD("0.1"), r"lr \(α\) must be a real number, got str '0.1'"),
    (lambda: optlib.GD(None), r"lr \(α\) must be a real number, got NoneType"),
    (lambda: optlib.GD(True), r"lr \(α\) must be a real number, got bool"),
    (lambda: optlib.Momentum(0.1, gamma=[0.9]), r"gamma \(γ\) must be a real number, got list"),
    (lambda: optlib.Adam(0.1, beta1=1j), r"beta1 \(β1\) must be a real number, got complex"),
    (lambda: optlib.Adam(0.1, bias_correction=1), r"bias_correction must be True or False"),
])
def test_wrong_types_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make()


def test_numpy_scalars_and_integers_are_accepted():
    assert optlib.GD(np.float32(0.5)).lr == 0.5
    assert optlib.Momentum(1, gamma=0).gamma == 0.0
    assert optlib.Adam(np.int64(1), beta1=np.float64(0.5)).beta1 == 0.5


def test_optimizers_are_immutable_and_comparable():
    opt = optlib.Adam(0.1)
    with pytest.raises(AttributeError, match="immutable"):
        opt.lr = 0.2
    assert opt == optlib.Adam(0.1) and opt != optlib.Adam(0.2)
    assert repr(optlib.Momentum(0.1, 0.9)) == "Momentum(lr=0.1, gamma=0.9)"
    assert len({optlib.GD(0.1), optlib.GD(0.1)}) == 1


@pytest.mark.parametrize("kwargs, exc, message", [
    (dict(grad="not a function"), TypeError, r"grad must be a callable θ ↦ ∇J\(θ\)"),
    (dict(grad=lambda th: np.zeros(3)), ValueError, r"grad returned an array of shape \(3,\); ∇J\(θ\) must have θ's shape \(2,\)"),
    (dict(theta0=[1.0, np.nan]), ValueError, r"theta0 \(θ\) must be finite"),
    (dict(theta0=[1.0, np.inf]), ValueError, r"theta0 \(θ\) must be finite"),
    (dict(theta0="ab"), TypeError, r"theta0 \(θ\) must be an array of real numbers"),
    (dict(steps=-1), ValueError, r"steps must be a non-negative integer, got -1"),
    (dict(steps=2.5), TypeError, r"steps must be a non-negative integer, got float 2.5"),
    (dict(steps=True), TypeError, r"steps must be a non-negative integer, got bool"),
    (dict(optimizer="GD"), TypeError, r"optimizer must be an optlib optimizer"),
    (dict(loss=3), TypeError, r"loss must be a callable"),
    (dict(on_divergence="ignore"), ValueError, r"on_divergence must be one of"),
])
def test_run_rejects_bad_arguments(kwargs, exc, message):
    args = dict(optimizer=optlib.GD(0.1), grad=QUAD.grad, theta0=[1.0, 1.0], steps=3)
    args.update(kwargs)
    with pytest.raises(exc, match=message):
        optlib.run(**args)


def test_zero_steps_returns_theta0_only():
    traj = optlib.run(optlib.Adam(0.1), QUAD.grad, [1, 2], 0, loss=QUAD.loss)
    assert traj.thetas.shape == (1, 2) and traj.grads.shape == (0, 2)
    assert traj.losses.tolist() == [QUAD.loss([1.0, 2.0])]


def test_integer_and_list_inputs_work_as_reals():
    a = optlib.run(optlib.GD(0.1), QUAD.grad, [1, 1], 5)
    b = optlib.run(optlib.GD(0.1), QUAD.grad, np.array([1.0, 1.0]), 5)
    assert a.thetas.dtype == np.float64
    np.testing.assert_array_equal(a.thetas, b.thetas)
    # an integer array stays untouched, and a 0-d θ works too
    t0 = np.array([3, 4])
    optlib.run(optlib.Momentum(0.1), QUAD.grad, t0, 5)
    assert t0.tolist() == [3, 4]
    assert optlib.run(optlib.GD(0.25), lambda th: 2 * th, 1, 2).thetas.tolist() == [1.0, 0.5, 0.25]


def test_divergence_raises_with_the_finite_part_and_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # a numpy overflow warning would fail here
        with pytest.raises(optlib.DivergenceError, match=r"GD\(lr=5.0\) diverged at step \d+") as info:
            optlib.run(optlib.GD(5.0), QUAD.grad, [1.0, 1.0], 2000, loss=QUAD.loss)
    err = info.value
    traj = err.trajectory
    assert traj.diverged_at == err.step and traj.diverged
    assert len(traj.thetas) == err.step            # θ_0 … θ_{k−1}
    assert np.isfinite(traj.thetas).all() and np.isfinite(traj.grads).all()
    assert np.isfinite(traj.losses).all() and len(traj.losses) == len(traj.thetas)
    assert len(traj.states) == len(traj.thetas)


def test_divergence_stop_returns_the_finite_part():
    traj = optlib.run(optlib.GD(5.0), QUAD.grad, [1.0, 1.0], 2000, on_divergence="stop")
    assert traj.diverged and traj.steps == traj.diverged_at - 1
    assert "diverged at step" in traj.message and np.isfinite(traj.thetas).all()
    ok = optlib.run(optlib.GD(0.1), QUAD.grad, [1.0, 1.0], 10, on_divergence="stop")
    assert not ok.diverged and ok.message == "ok" and ok.steps == 10


def test_a_nan_gradient_stops_the_run_and_is_named():
    def grad(theta):
        return np.array([np.nan, 0.0]) if theta[0] < 0.5 else theta

    with pytest.raises(optlib.DivergenceError, match="the gradient ∇J is not finite"):
        optlib.run(optlib.GD(0.3), grad, [1.0, 1.0], 10)


def test_a_non_finite_state_is_caught():
    # g² overflows in G while θ is still finite
    huge = lambda theta: np.full_like(theta, 1e200)
    with pytest.raises(optlib.DivergenceError, match="the state G is not finite"):
        optlib.run(optlib.AdaGrad(0.1), huge, [0.0], 3)


def test_non_finite_loss_is_caught():
    loss = lambda theta: np.inf if theta[0] < 0.9 else 0.0
    with pytest.raises(optlib.DivergenceError, match=r"J\(θ\) is not finite"):
        optlib.run(optlib.GD(0.1), lambda th: th, [1.0], 5, loss=loss)


def test_theory_helpers_validate():
    with pytest.raises(ValueError, match=r"t must be at least 1"):
        optlib.ewma_weights(0.9, 0)
    with pytest.raises(ValueError, match=r"beta \(β\) must satisfy 0 ≤ β < 1"):
        optlib.ewma_weights(1.0, 3)
    with pytest.raises(ValueError, match=r"gamma \(γ\) must satisfy 0 ≤ γ < 1"):
        optlib.momentum_weights(1.5, 3)
    with pytest.raises(ValueError, match="tol must be a positive number"):
        optlib.iterations_to_tolerance([1.0], 0.0)


def test_problem_constructors_validate():
    with pytest.raises(ValueError, match="condition_number"):
        optlib.quadratic(0.5)
    with pytest.raises(ValueError, match="positive definite"):
        optlib.Quadratic([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="category_probs"):
        optlib.sparse_regression(category_probs=(0.5, 0.6))
    with pytest.raises(ValueError, match="batch_size"):
        optlib.sparse_regression().minibatch_grad(0)


# --------------------------------------------------------------------------- the ends of every range


@pytest.mark.parametrize("make, attr", [
    (lambda: optlib.Momentum(0.1, gamma=0.0), "gamma"), (lambda: optlib.NAG(0.1, gamma=0.0), "gamma"),
    (lambda: optlib.RMSProp(0.1, beta=0.0), "beta"), (lambda: optlib.Adam(0.1, beta1=0.0), "beta1"),
    (lambda: optlib.Adam(0.1, beta2=0.0), "beta2"), (lambda: optlib.AdaGrad(0.1, eps=0.0), "eps"),
    (lambda: optlib.RMSProp(0.1, eps=0.0), "eps"), (lambda: optlib.Adam(0.1, eps=0.0), "eps"),
])
def test_zero_is_inside_every_closed_lower_end(make, attr):
    # 0 ≤ γ, β, β1, β2 and ε ≥ 0: the value 0 itself is allowed (γ = 0 is GD, β1 = 0 is RMSProp-like)
    assert getattr(make(), attr) == 0.0


@pytest.mark.parametrize("make, attr, value", [
    (lambda: optlib.Momentum(0.1, gamma=1 - 2 ** -52), "gamma", 1 - 2 ** -52),
    (lambda: optlib.Adam(0.1, beta2=0.9999999), "beta2", 0.9999999),
    (lambda: optlib.GD(5e-324), "lr", 5e-324),
    (lambda: optlib.GD(1e300), "lr", 1e300),
    (lambda: optlib.AdaGrad(0.1, eps=1e300), "eps", 1e300),
])
def test_values_just_inside_the_open_ends_are_accepted(make, attr, value):
    assert getattr(make(), attr) == value


@pytest.mark.parametrize("make, message", [
    (lambda: optlib.GD(-5e-324), r"lr \(α\) must satisfy α > 0"),
    (lambda: optlib.GD(-0.0), r"lr \(α\) must satisfy α > 0"),
    (lambda: optlib.Momentum(0.1, gamma=-5e-324), r"gamma \(γ\) must satisfy 0 ≤ γ < 1"),
    (lambda: optlib.AdaGrad(0.1, eps=-5e-324), r"eps \(ε\) must satisfy ε ≥ 0"),
    (lambda: optlib.GD(-np.inf), r"lr \(α\) must be finite, got -inf"),
    (lambda: optlib.Adam(0.1, beta1=np.nan), r"beta1 \(β1\) must be finite, got nan"),
])
def test_values_just_outside_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_steps_accepts_numpy_integers_and_zero_and_flag_accepts_numpy_bools():
    from optlib import _validate

    assert _validate.steps(np.int64(3)) == 3 and _validate.steps(0) == 0
    assert optlib.Adam(0.1, bias_correction=np.bool_(False)).bias_correction is False
    with pytest.raises(TypeError, match="steps must be a non-negative integer, got bool"):
        _validate.steps(np.bool_(True)) if isinstance(np.bool_(True), int) else _validate.steps(True)
    with pytest.raises(TypeError, match="must be True or False"):
        optlib.Adam(0.1, bias_correction=0)


# ------------------------------------------------------------------ after the notes: AdamW, AMSGrad, schedules
@pytest.mark.parametrize("make, error, message", [
    (lambda: optlib.AdamW(-0.1), ValueError, r"lr \(η\) must satisfy η > 0, got -0.1"),
    (lambda: optlib.AdamW(0.1, weight_decay=-0.01), ValueError, r"weight_decay \(λ\) must satisfy λ ≥ 0, got -0.01"),
    (lambda: optlib.AdamW(0.1, weight_decay=float("inf")), ValueError, r"weight_decay \(λ\) must be finite, got inf"),
    (lambda: optlib.AdamW(0.1, weight_decay="0.1"), TypeError, r"weight_decay \(λ\) must be a real number, got str"),
    (lambda: optlib.AdamW(0.1, beta1=1.0), ValueError, r"beta1 \(β1\) must satisfy 0 ≤ β1 < 1, got 1"),
    (lambda: optlib.AdamW(0.1, beta2=-0.1), ValueError, r"beta2 \(β2\) must satisfy 0 ≤ β2 < 1, got -0.1"),
    (lambda: optlib.AdamW(0.1, eps=-1.0), ValueError, r"eps \(ε\) must satisfy ε ≥ 0, got -1"),
    (lambda: optlib.AMSGrad(0), ValueError, r"lr \(η\) must satisfy η > 0, got 0"),
    (lambda: optlib.AMSGrad(0.1, beta1=1.5), ValueError, r"beta1 \(β1\) must satisfy 0 ≤ β1 < 1, got 1.5"),
    (lambda: optlib.AMSGrad(0.1, beta2=1.0), ValueError, r"beta2 \(β2\) must satisfy 0 ≤ β2 < 1, got 1"),
    (lambda: optlib.AMSGrad(0.1, eps=float("nan")), ValueError, r"eps \(ε\) must be finite, got nan"),
    (lambda: optlib.GD("fast"), TypeError,
     r"lr \(α\) must be a real number, got str 'fast' \(or a schedule t ↦ α_t: see optlib.schedules\)"),
    (lambda: optlib.Adam([0.1]), TypeError, r"lr \(η\) must be a real number, got list \[0.1\] \(or a schedule t ↦ η_t"),
])
def test_after_the_notes_bad_input_names_symbol_and_range(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_adamw_and_amsgrad_are_immutable_and_comparable():
    opt = optlib.AdamW(0.1)
    assert opt == optlib.AdamW(0.1, weight_decay=0.01) and opt != optlib.AdamW(0.1, weight_decay=0.0)
    assert repr(opt) == "AdamW(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01)"
    assert repr(optlib.AMSGrad(0.1)) == "AMSGrad(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-08)"
    for o in (opt, optlib.AMSGrad(0.1)):
        with pytest.raises(AttributeError, match="immutable"):
            o.lr = 0.2
    state = optlib.AMSGrad(0.1).init(np.zeros(2))
    with pytest.raises(AttributeError):
        state.v_max = np.ones(2)
