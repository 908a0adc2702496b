"""The claims chapter 7 (Adam) makes, computed with optlib, independently of the stored notebook.

Each test quotes the sentence it guards; turning the claim false in optlib makes it fail.
"""

import numpy as np
import pytest

import optlib

#: numbers chapter 7's prose quotes that are inputs, not results
QUOTED_INPUTS = {
    "κ = 100": "the ill-conditioned quadratic of chapter 1, optlib.quadratic(100.0), the problem of two runs",
    "η = 0.1": "η of the runs on the κ = 100 quadratic, on the far plateau (where ε sits) and on Rosenbrock",
    "η = 0.01": "the second learning rate of the bias-correction run on the κ = 100 quadratic",
    "100": "exercise 3's number of steps, an input of the question",
    "1e-12": "the tolerance of the agreement checks, quoted again in exercise 2's solution",
    "T = 200": "the number of steps of the Adam(β1 = 0)/RMSProp check, quoted again in exercise 2's solution",
    "α = 1e-4": "the smallest α of the tuning grid (optlib.tuning.ALPHA_GRID), an input of every tuned run",
    "α = 10": "the largest α of the tuning grid",
}


def _ratio(beta1, T=5000, beta2=0.999):
    """Uncorrected step / corrected step of Adam on a constant gradient, t = 1 … T."""
    size = {}
    for corrected in (True, False):
        opt = optlib.Adam(lr=1.0, beta1=beta1, beta2=beta2, bias_correction=corrected)
        tr = optlib.run(opt, lambda th: np.ones(1), np.zeros(1), T, keep_states=False)
        size[corrected] = np.abs(np.diff(tr.thetas[:, 0]))
    return size[False] / size[True]


def test_momentum_and_ewma_differ_by_a_constant_factor():
    """"for the same gradients and γ = β1 the two differ only by the constant factor (1 − β1)/α"."""
    g = np.random.default_rng(0).standard_normal((20, 3))
    alpha, beta1 = 0.05, 0.9
    V = np.array([optlib.unrolled_velocity(g[:t], alpha, beta1) for t in range(1, 21)])
    np.testing.assert_allclose(optlib.ewma(g, beta1), (1 - beta1) / alpha * V, rtol=0, atol=1e-12)


def test_adam_beta1_zero_without_correction_is_rmsprop():
    """Exercise 2: "Without corrections, v_t is RMSProp's G_t with β = β2 and the update is RMSProp's,
    iterate for iterate (… agree to within 1e-12 over T = 200 steps …)"."""
    p = optlib.sparse_regression()
    a = optlib.run(optlib.Adam(0.05, beta1=0.0, beta2=0.999, bias_correction=False), p.grad, p.theta0, 200)
    r = optlib.run(optlib.RMSProp(0.05, beta=0.999), p.grad, p.theta0, 200)
    assert np.max(np.abs(a.thetas - r.thetas)) <= 1e-12


def test_corrected_moments_equal_the_constant_gradient_from_t_1():
    """"m_t is a small fraction of g and grows slowly; m̂_t equals g and v̂_t equals g² … from t = 1"."""
    g = np.array([3.0, -0.5])
    adam = optlib.Adam(lr=0.1, beta1=0.98, beta2=0.999)
    tr = optlib.run(adam, lambda th: g, np.zeros(2), 5)
    ms = [np.abs(s.m[0]) for s in tr.states[1:]]
    assert all(m < 0.1 * abs(g[0]) for m in ms) and np.all(np.diff(ms) > 0)
    for s in tr.states[1:]:
        m_hat, v_hat = adam.corrected(s)
        np.testing.assert_allclose(m_hat, g, rtol=1e-12)
        np.testing.assert_allclose(v_hat, g * g, rtol=1e-12)


def test_direction_of_the_uncorrected_step_error():
    """Admonition: "the direction of the error depends on 1 − β1 against √(1 − β2) … With the default
    β1 = 0.9 … the step is too large from the first iteration … With the notes' β1 = 0.98 … too small at
    first … and too large from t = 3 on … Either way the error lasts for hundreds of steps"."""
    root = np.sqrt(1 - 0.999)
    r9, r98 = _ratio(0.9), _ratio(0.98)
    assert 1 - 0.9 > root and np.all(r9 > 1)
    assert 1 - 0.98 < root and np.all(r98[:2] < 1) and np.all(r98[2:] > 1)
    assert r9[0] == pytest.approx((1 - 0.9) / root) and r98[0] == pytest.approx((1 - 0.98) / root)
    assert r9[999] > 1.2 and r98[999] > 1.2                 # still 1.258 η at t = 1000
    assert np.argmax(r9) + 1 == 12 and np.argmax(r98) + 1 == 65


def test_bias_of_v_lasts_far_longer_than_that_of_m():
    """"With β2 = 0.999 the bias of v_t lasts about a thousand steps (… below 1/e after 1000 steps and below
    1 % only after several thousand), far longer than that of m_t"."""
    assert optlib.steps_until(0.999, np.exp(-1)) == 1000
    assert optlib.steps_until(0.999, 0.01) > 3000
    assert optlib.steps_until(0.999, np.exp(-1)) > 10 * optlib.steps_until(0.98, np.exp(-1))


def test_uncorrected_steps_overshoot_at_01_and_help_at_001():
    """"with η = 0.1 that overshoots (worse at t = 10 and t = 50); with η = 0.01 it happens to help"."""
    q = optlib.quadratic(100.0)
    loss = {}
    for lr in (0.1, 0.01):
        for c in (True, False):
            tr = optlib.run(optlib.Adam(lr, bias_correction=c), q.grad, q.theta0, 200, loss=q.loss)
            loss[lr, c] = tr.losses - q.f_min
    assert all(loss[0.1, False][t] > loss[0.1, True][t] for t in (10, 50))
    assert all(loss[0.01, False][t] < loss[0.01, True][t] for t in (10, 50, 200))


# --------------------------------------------------------------------------- the tuned table

_FAMILIES = {"GD": optlib.GD, "Momentum": lambda lr: optlib.Momentum(lr, gamma=0.9),
             "RMSProp": lambda lr: optlib.RMSProp(lr, beta=0.9), "Adam": optlib.Adam}


@pytest.fixture(scope="module")
def table():
    problems = {"quadratic": optlib.quadratic(100.0), "saddle": optlib.Saddle(), "plateau": optlib.Plateau(),
                "sparse": optlib.sparse_regression()}
    return {(p, f): optlib.tune(make, prob) for p, prob in problems.items() for f, make in _FAMILIES.items()}


def test_rmsprop_never_stays_adam_always_does(table):
    """"RMSProp with a fixed α never *stays* within the tolerance …"; "Adam reaches the tolerance on every
    problem, which RMSProp never does"."""
    for p in ("quadratic", "saddle", "plateau", "sparse"):
        assert not table[p, "RMSProp"].reached
        assert table[p, "Adam"].reached


def test_adam_several_times_faster_than_gd_and_about_as_fast_as_momentum(table):
    """"On the ill-conditioned quadratic and the sparse problem Adam needs several times fewer iterations
    than GD …, about as few as momentum, which needs only 168 − 162 = 6 and 143 − 139 = 4 more"; "it is the
    fastest on the quadratic and the sparse problem"."""
    for p in ("quadratic", "sparse"):
        adam, gd, mom = (table[p, f].iterations for f in ("Adam", "GD", "Momentum"))
        assert 3 * adam < gd
        assert abs(adam / mom - 1) < 0.1
        assert adam < min(gd, mom)
    # the counts the prose's arithmetic quotes (the arithmetic alone would not notice a changed table)
    assert [table[p, f].iterations for p in ("quadratic", "sparse") for f in ("Momentum", "Adam")] == \
        [168, 162, 143, 139]


def test_saddle_and_plateau(table):
    """"On the saddle and the plateau, GD with a large α is by far the fastest: Adam needs 122/32 ≈ 3.81 and
    169/20 = 8.45 times as many iterations as GD. Against momentum, Adam needs 131 − 122 = 9 fewer on the saddle
    and 169 − 141 = 28 more on the plateau: neither is better on both"; "on the plateau it is the slowest of the
    three that arrive"."""
    for p in ("saddle", "plateau"):
        gd = table[p, "GD"]
        assert gd.lr >= 0.3 and 3 * gd.iterations < min(table[p, f].iterations for f in ("Momentum", "Adam"))
    assert table["saddle", "Adam"].iterations < table["saddle", "Momentum"].iterations
    assert table["plateau", "Adam"].iterations > table["plateau", "Momentum"].iterations
    # the counts the prose's arithmetic quotes
    assert (table["plateau", "Adam"].iterations, table["plateau", "Momentum"].iterations) == (169, 141)
    assert [table[p, f].iterations for p in ("saddle", "plateau") for f in ("GD", "Momentum", "Adam")] == \
        [32, 131, 122, 20, 141, 169]


def test_tuned_counts_are_the_protocol_defaults(table):
    """"by the book's one tuning protocol, optlib.tune, the same as in chapters 3, 4 and 8" (its defaults)."""
    t = table["quadratic", "Adam"]
    assert t.tol == 1e-6 and [tr.lr for tr in t.trials] == list(optlib.tuning.ALPHA_GRID)
    assert optlib.tuning.STEPS == 1000


# --------------------------------------------------------------------------- where ε sits

def test_eps_inside_the_root_stalls_on_tiny_gradients():
    """"With ε outside, Adam's first step is about η …, and it leaves the plateau at once. With ε inside, …
    the step shrinks a thousandfold, so it takes many times longer to leave"."""
    far = optlib.Plateau(theta0=(6.0, 0.0))
    out = {}
    for inside in (False, True):
        tr = optlib.run(optlib.Adam(0.1, eps_inside_sqrt=inside), far.grad, far.theta0, 3000, loss=far.loss)
        first = np.linalg.norm(tr.thetas[1] - tr.thetas[0])
        out[inside] = first, int(np.flatnonzero(tr.losses < 0.5)[0])
    assert out[False][0] == pytest.approx(0.1, rel=0.15)
    assert 500 < out[False][0] / out[True][0] < 2000
    assert out[True][1] > 10 * out[False][1]


def test_keras_adam_is_the_notes_form_with_a_rescaled_eps():
    """"keras.optimizers.Adam computes θ_t = θ_{t−1} − η √(1 − β2^t)/(1 − β1^t) · m_t/(√v_t + ε) …, which is
    the notes' form with ε replaced by ε/√(1 − β2^t)"."""
    rng = np.random.default_rng(1)
    m, v = rng.standard_normal(5), rng.random(5) * 1e-6
    eta, b1, b2, eps = 0.1, 0.9, 0.999, 1e-7
    for t in (1, 10, 1000):
        keras = eta * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
        notes = eta * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps / np.sqrt(1 - b2 ** t))
        np.testing.assert_allclose(keras, notes, rtol=1e-12)
        plain = eta * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        assert not np.allclose(keras, plain, rtol=1e-6)     # the rescaling is not negligible here


# --------------------------------------------------------------------------- Rosenbrock and the exercises

def test_rosenbrock_every_beta1_beats_rmsprop_and_the_best_is_in_between():
    """"with every β1 shown it ends closer to the minimum than RMSProp …"; "The best β1 here is neither the
    smallest nor the largest"."""
    prob, steps = optlib.Rosenbrock(), 300           # the explorer's problem and steps (chapter 7's figure)
    gaps = {}
    for b in (0.0, 0.5, 0.9, 0.98):
        adam = optlib.Adam(0.1, beta1=b, beta2=0.999)
        gaps[b] = optlib.run(adam, prob.grad, prob.theta0, steps, loss=prob.loss).losses[-1] - prob.f_min
    rms = optlib.RMSProp(0.1, beta=0.9)
    rms_gap = optlib.run(rms, prob.grad, prob.theta0, steps, loss=prob.loss).losses[-1] - prob.f_min
    assert all(g < rms_gap for g in gaps.values())
    assert min(gaps, key=gaps.get) not in (0.0, 0.98)


def test_first_step_is_eta_sign_g():
    """Exercise 1: "with ε = 0, Adam's first step is −η sign(g_1) in every coordinate, whatever β1 and β2"."""
    g = np.array([3.0, -0.01, 1e-5])
    for b1, b2 in ((0.9, 0.999), (0.5, 0.9), (0.0, 0.0)):
        th, _ = optlib.Adam(0.1, beta1=b1, beta2=b2, eps=0.0).step(lambda th: g, np.zeros(3),
                                                                     optlib.Adam(0.1).init(np.zeros(3)))
        np.testing.assert_allclose(th, -0.1 * np.sign(g), rtol=1e-12)


def test_short_bias_goes_with_short_memory():
    """Exercise 3: "`optlib.steps_until(0.01 ** (1 / 100), 0.01)` returns 100. For such a β2 the window
    1/(1 − β2) is only a few dozen steps"."""
    b2 = 0.01 ** (1 / 100)
    assert optlib.steps_until(b2, 0.01) == 100
    assert 10 < optlib.effective_memory(b2) < 50
