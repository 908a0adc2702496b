"""Learning-rate schedules: their formulas by hand, their validation, and how optimizers use them.

The formulas are written out here with plain arithmetic, one per schedule, so that they do not share code
with optlib.schedules. The agreement with torch.optim's schedulers is in tests/test_torch_equivalence.py.
"""

import math

import numpy as np
import pytest

import optlib
from optlib import schedules as S

QUAD = optlib.quadratic(10.0, dim=3, rotate=True, seed=1)


# ------------------------------------------------------------------ the formulas, by hand
def test_step_decay_by_hand():
    s = S.StepDecay(0.2, every=3, factor=0.5)
    expected = [0.2 * 0.5 ** ((t - 1) // 3) for t in range(1, 11)]     # α ρ^⌊(t−1)/s⌋
    assert s.values(10).tolist() == expected
    assert [s(t) for t in (1, 3, 4, 6, 7)] == [0.2, 0.2, 0.1, 0.1, 0.05]


def test_inverse_sqrt_by_hand():
    s = S.InverseSqrt(0.3)
    assert s.values(50).tolist() == [0.3 / math.sqrt(t) for t in range(1, 51)]   # α/√t
    assert s(4) == 0.15 and s(1) == 0.3


def test_cosine_by_hand():
    a, a_min, T = 0.1, 0.01, 11
    s = S.Cosine(a, steps=T, alpha_min=a_min)
    expected = [a_min + 0.5 * (a - a_min) * (1 + math.cos(math.pi * (t - 1) / (T - 1))) for t in range(1, T + 1)]
    np.testing.assert_allclose(s.values(T), expected, rtol=1e-15)
    assert s(1) == a and s(T) == a_min and s(T + 5) == a_min
    assert abs(s(6) - (a + a_min) / 2) < 1e-15                         # half-way: the mean
    assert all(np.diff(s.values(T + 3)) <= 0)                          # never rises


def test_linear_warmup_by_hand():
    s = S.LinearWarmup(0.4, warmup=4)
    assert s.values(7).tolist() == [0.1, 0.2, 0.30000000000000004, 0.4, 0.4, 0.4, 0.4]
    assert s.values(7).tolist() == [0.4 * min(t, 4) / 4 for t in range(1, 8)]   # α min(t, w)/w
    assert S.LinearWarmup(0.4, warmup=1).values(3).tolist() == [0.4, 0.4, 0.4]   # w = 1: constant


def test_warmup_cosine_by_hand():
    a, w, T = 1.0, 3, 9
    s = S.WarmupCosine(a, warmup=w, steps=T)
    warm = [a * t / w for t in range(1, w + 1)]
    cos = [0.5 * a * (1 + math.cos(math.pi * (t - w) / (T - w))) for t in range(w + 1, T + 1)]
    np.testing.assert_allclose(s.values(T), warm + cos, rtol=1e-15, atol=1e-17)
    assert s(w) == a and s(T) == 0.0 and s(T + 1) == 0.0
    assert np.argmax(s.values(T)) == w - 1                              # the peak at t = w
    # with a floor
    f = S.WarmupCosine(a, warmup=w, steps=T, alpha_min=0.1)
    assert f(T) == 0.1 and f(100) == 0.1 and f(1) == a / w


def test_schedules_are_immutable_hashable_and_compare_by_value():
    s = S.Cosine(0.1, steps=10)
    with pytest.raises(AttributeError):
        s.alpha = 0.2
    assert s == S.Cosine(0.1, steps=10) and s != S.Cosine(0.1, steps=11)
    assert hash(s) == hash(S.Cosine(0.1, steps=10))
    assert repr(s) == "Cosine(alpha=0.1, steps=10, alpha_min=0.0)"
    assert optlib.GD(s) == optlib.GD(S.Cosine(0.1, steps=10))
    assert repr(optlib.Adam(s)) == "Adam(lr=Cosine(alpha=0.1, steps=10, alpha_min=0.0), beta1=0.9, " \
                                   "beta2=0.999, eps=1e-08, bias_correction=True, eps_inside_sqrt=False)"


# ------------------------------------------------------------------ validation of a schedule's parameters
@pytest.mark.parametrize("make, error, message", [
    (lambda: S.StepDecay(0.0, every=2), ValueError, r"alpha \(α\) must satisfy α > 0, got 0"),
    (lambda: S.StepDecay(0.1, every=0), ValueError, r"every \(s\) must satisfy s ≥ 1, got 0"),
    (lambda: S.StepDecay(0.1, every=2.5), TypeError, r"every \(s\) must be an integer ≥ 1, got float 2.5"),
    (lambda: S.StepDecay(0.1, every=2, factor=1.5), ValueError, r"factor \(ρ\) must satisfy 0 < ρ ≤ 1, got 1.5"),
    (lambda: S.StepDecay(0.1, every=2, factor=0), ValueError, r"factor \(ρ\) must satisfy 0 < ρ ≤ 1, got 0"),
    (lambda: S.InverseSqrt(-1), ValueError, r"alpha \(α\) must satisfy α > 0, got -1"),
    (lambda: S.InverseSqrt(float("nan")), ValueError, r"alpha \(α\) must be finite, got nan"),
    (lambda: S.InverseSqrt("0.1"), TypeError, r"alpha \(α\) must be a real number, got str"),
    (lambda: S.Cosine(0.1, steps=1), ValueError, r"steps \(T\) must satisfy T ≥ 2, got 1"),
    (lambda: S.Cosine(0.1, steps=True), TypeError, r"steps \(T\) must be an integer ≥ 2, got bool"),
    (lambda: S.Cosine(0.1, steps=10, alpha_min=0.2), ValueError,
     r"alpha_min \(α_min\) must satisfy 0 ≤ α_min ≤ α = 0.1, got 0.2"),
    (lambda: S.Cosine(0.1, steps=10, alpha_min=-0.01), ValueError,
     r"alpha_min \(α_min\) must satisfy α_min ≥ 0, got -0.01"),
    (lambda: S.LinearWarmup(0.1, warmup=0), ValueError, r"warmup \(w\) must satisfy w ≥ 1, got 0"),
    (lambda: S.WarmupCosine(0.1, warmup=10, steps=10), ValueError,
     r"warmup \(w\) must satisfy 1 ≤ w < T = steps = 10, got w = 10"),
    (lambda: S.WarmupCosine(0.1, warmup=0, steps=10), ValueError, r"warmup \(w\) must satisfy w ≥ 1, got 0"),
    (lambda: S.as_schedule(0.1), TypeError, r"a schedule is a callable t ↦ α_t, got float"),
])
def test_bad_schedule_parameters_name_symbol_and_range(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("t, error, message", [
    (0, ValueError, r"step number t = 1, 2, …, got t = 0"),
    (-3, ValueError, r"got t = -3"),
    (1.0, TypeError, r"step number t = 1, 2, …, got float 1.0"),
    (True, TypeError, r"got bool"),
])
def test_schedules_take_step_numbers_from_one(t, error, message):
    with pytest.raises(error, match=message):
        S.InverseSqrt(0.1)(t)
    with pytest.raises(error, match=message):
        optlib.GD(S.InverseSqrt(0.1)).at(t)


# ------------------------------------------------------------------ a schedule that goes wrong at step t
@pytest.mark.parametrize("bad, shown", [(-0.01, "-0.01"), (float("nan"), "nan"), (float("inf"), "inf")])
@pytest.mark.parametrize("make, symbol", [(optlib.GD, "α"), (optlib.Momentum, "α"), (optlib.NAG, "α"),
                                          (optlib.AdaGrad, "α"), (optlib.RMSProp, "α"), (optlib.Adam, "η"),
                                          (optlib.AdamW, "η"), (optlib.AMSGrad, "η")],
                         ids=lambda x: getattr(x, "__name__", x))
def test_a_bad_rate_stops_the_run_naming_the_step(make, symbol, bad, shown):
    def schedule(t):
        return 0.01 if t < 4 else bad             # fine for three steps, then bad at t = 4

    opt = make(schedule)
    for on_divergence in ("raise", "stop"):       # bad input, not divergence: raised either way
        with pytest.raises(optlib.ScheduleError, match=rf"gave {symbol}_4 = {shown} at step t = 4: "
                                                        rf"{symbol}_t must be finite and ≥ 0") as err:
            optlib.run(opt, QUAD.grad, QUAD.theta0, 10, on_divergence=on_divergence)
        assert err.value.step == 4 and isinstance(err.value, ValueError)
    # the steps before were fine
    assert optlib.run(opt, QUAD.grad, QUAD.theta0, 3).steps == 3


@pytest.mark.parametrize("value", ["0.1", None, np.array([0.1, 0.2]), True])
def test_a_rate_that_is_not_a_number_names_the_step(value):
    opt = optlib.Momentum(lambda t: 0.1 if t == 1 else value)
    with pytest.raises(optlib.ScheduleError, match=r"at step t = 2: α_t must be a real number") as err:
        optlib.run(opt, QUAD.grad, QUAD.theta0, 5)
    assert err.value.step == 2


def test_a_rate_of_zero_is_allowed_and_does_not_move():
    traj = optlib.run(optlib.GD(S.Cosine(0.05, steps=5)), QUAD.grad, QUAD.theta0, 7)
    assert traj.rates()[-3:].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_array_equal(traj.thetas[5], traj.thetas[7])


def test_step_with_a_schedule_says_to_fix_the_rate():
    opt = optlib.Momentum(S.InverseSqrt(0.1))
    theta = np.array(QUAD.theta0)
    with pytest.raises(TypeError, match=r"the learning rate is a schedule t ↦ α_t \(InverseSqrt\(alpha=0.1\)\), "
                                        r"not a number: step t needs α_t; use optimizer.at\(t\)"):
        opt.step(QUAD.grad, theta, opt.init(theta))
    with pytest.raises(TypeError, match="use optimizer.at"):
        optlib.AdaGrad(S.InverseSqrt(0.1)).effective_lr(optlib.AdaGrad(0.1).init(theta))


# ------------------------------------------------------------------ how the optimizers use a schedule
ALL = [optlib.GD, optlib.Momentum, optlib.NAG, optlib.AdaGrad, optlib.RMSProp, optlib.Adam, optlib.AdamW,
       optlib.AMSGrad]


@pytest.mark.parametrize("make", ALL, ids=lambda c: c.__name__)
def test_a_constant_schedule_gives_the_same_iterates_bit_for_bit(make):
    number = optlib.run(make(0.01), QUAD.grad, QUAD.theta0, 30)
    scheduled = optlib.run(make(lambda t: 0.01), QUAD.grad, QUAD.theta0, 30)
    np.testing.assert_array_equal(number.thetas, scheduled.thetas)
    for a, b in zip(number.states, scheduled.states):
        for x, y in zip(a, b):
            np.testing.assert_array_equal(x, y)
    assert number.rates().tolist() == scheduled.rates().tolist() == [0.01] * 30


@pytest.mark.parametrize("make", ALL, ids=lambda c: c.__name__)
def test_run_makes_step_t_with_the_rate_of_step_t(make):
    # a hand loop with opt.at(t) is what run does
    sched = S.WarmupCosine(0.02, warmup=5, steps=20, alpha_min=0.001)
    opt = make(sched)
    traj = optlib.run(opt, QUAD.grad, QUAD.theta0, 25)
    theta, state = np.array(QUAD.theta0), opt.init(np.array(QUAD.theta0))
    for t in range(1, 26):
        fixed = opt.at(t)
        assert fixed.lr == sched(t) and type(fixed) is type(opt)
        theta, state = fixed.step(QUAD.grad, theta, state)
        np.testing.assert_array_equal(theta, traj.thetas[t])
    np.testing.assert_array_equal(traj.rates(), sched.values(25))


def test_at_keeps_the_other_hyperparameters_and_the_optimizer_immutable():
    opt = optlib.AdamW(S.InverseSqrt(0.1), beta1=0.8, weight_decay=0.3)
    fixed = opt.at(4)
    assert fixed.hyperparameters() == dict(opt.hyperparameters(), lr=0.05)
    assert not fixed.scheduled and opt.scheduled
    with pytest.raises(AttributeError, match="immutable"):
        fixed.lr = 1.0
    assert optlib.GD(0.1).at(7) == optlib.GD(0.1) and optlib.GD(0.1).rate(7) == 0.1


def test_momentum_keeps_each_gradients_rate():
    # V_t = γV_{t−1} + α_t g_t: after a drop of α, the old velocity still carries the old rate
    sched = S.StepDecay(0.01, every=1, factor=0.5)
    traj = optlib.run(optlib.Momentum(sched, gamma=0.9), QUAD.grad, QUAD.theta0, 3)
    g1, g2, g3 = traj.grads
    np.testing.assert_allclose(traj.states[3].V, 0.81 * 0.01 * g1 + 0.9 * 0.005 * g2 + 0.0025 * g3, rtol=1e-14)
