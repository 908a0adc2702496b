"""The claims chapter 7 (Adam) makes, computed with optlib, independently of the stored notebook.

Each test quotes the sentence it guards; turning the claim false in optlib makes it fail.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import optlib
from optlib import tuning

sys.path.insert(0, str(Path(__file__).resolve().parent))
import robustness  # noqa: E402
from robustness import LONGER, fine_grid, first_return_above  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "07-adam.ipynb"


def _cell(cell_id):
    return robustness.sentence(NOTEBOOK, cell_id)

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
    "T = 1000": "optlib.tune's default number of steps (tuning.STEPS), the horizon of every tuned run",
    "β = 0.999": "RMSProp's decay set to Adam's β2, the matched-decay row of the table",
}

#: the plateau of chapters 3 and 4 (r0 = 4), where GD needs hundreds of steps to cross
PLATEAU = dict(width=1.0, theta0=(4.0, 0.0))


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
    problems = {"quadratic": optlib.quadratic(100.0), "saddle": optlib.Saddle(),
                "plateau": optlib.Plateau(**PLATEAU), "sparse": optlib.sparse_regression()}
    return {(p, f): optlib.tune(make, prob) for p, prob in problems.items() for f, make in _FAMILIES.items()}


def test_the_chapter_uses_the_plateau_of_chapters_3_and_4():
    """"the plateau of chapter 2 from the start r_0 = 4 that chapters 3 and 4 use": the cell builds that plateau
    (from Plateau()'s default start GD crosses in a few dozen steps, and the plateau verdict would flip)."""
    assert "Plateau(width=1.0, theta0=(4.0, 0.0))" in _cell("13f96d78")
    assert "r_0 = 4" in _cell("20a46368")
    default = tuning.tune(optlib.GD, optlib.Plateau()).iterations
    far = tuning.tune(optlib.GD, optlib.Plateau(**PLATEAU)).iterations
    assert 5 * default < far


def test_rmsprop_never_at_beta_09_but_reaches_at_matched_decay(table):
    """"RMSProp at the notes' β = 0.9 never stays within the tolerance in T = 1000 steps …, while Adam does on all
    four. At equal decay the verdict turns round: RMSProp with Adam's β = 0.999 reaches the tolerance on every
    problem, and sooner than Adam, by 122 − 26 = 96 iterations on the saddle and 139 − 6 = 133 on the sparse
    problem …. Adam with β1 = 0 … reaches it too, and sooner than Adam on all four problems."

    Tied to its sentence: the verdict carries its condition (β = 0.9) and the matched decay beside it; the
    unconditional "RMSProp … never" of the old text fails here."""
    text = _cell("fab2edcb")
    assert "RMSProp at the notes' β = 0.9 never stays" in text and "At equal decay the verdict turns round" in text
    problems = {"quadratic": optlib.quadratic(100.0), "saddle": optlib.Saddle(),
                "plateau": optlib.Plateau(**PLATEAU), "sparse": optlib.sparse_regression()}
    # the tuned α of the chapter's table for RMSProp (β = 0.999) and Adam (β1 = 0), run once each
    slow = {"quadratic": 10 ** -1.5, "saddle": 1e-2, "plateau": 10 ** -1.5, "sparse": 10 ** 0.5}
    for p, prob in problems.items():
        assert not table[p, "RMSProp"].reached and table[p, "Adam"].reached
        rms = tuning.trial(lambda a: optlib.RMSProp(a, beta=0.999), prob, slow[p], keep_trajectory=False)
        nomo = tuning.trial(lambda a: optlib.Adam(a, beta1=0.0), prob, 0.1, keep_trajectory=False)
        assert rms.iterations is not None and rms.iterations < table[p, "Adam"].iterations, p
        assert nomo.iterations is not None and nomo.iterations < table[p, "Adam"].iterations, p
        if p in ("saddle", "sparse"):
            assert rms.iterations == {"saddle": 26, "sparse": 6}[p]      # the counts the arithmetic quotes


def test_adam_settles_only_within_the_horizon():
    """"Adam settles, within T = 1000 steps. Run ten times longer at the same η, it does not stay there";
    "So "Adam settles" holds within T = 1000 steps here, not for good".

    Tied to its sentence (the condition "within T = 1000 steps" must be there), and the flip computed: on the
    sparse problem at its tuned η = 1 the gap, within the tolerance from t = 139 to T = 1000, is back above it
    well before LONGER × T."""
    assert "Adam settles, within $T = 1000$ steps" in _cell("fab2edcb")
    assert "holds within $T = 1000$ steps here, not for good" in _cell("ch7long05")
    p = optlib.sparse_regression()
    tr = optlib.run(optlib.Adam(1.0), p.grad, p.theta0, 3000, loss=p.loss, keep_states=False)
    gap = tr.losses - p.f_min
    k = optlib.iterations_to_tolerance(gap[:tuning.STEPS + 1], tuning.TOL)
    assert k == 139
    back = first_return_above(gap, tuning.TOL, k)
    assert back is not None and tuning.STEPS < back < LONGER * tuning.STEPS


def test_adam_several_times_faster_than_gd_on_this_grid(table):
    """"On this grid, on the ill-conditioned quadratic and the sparse problem Adam needs several times fewer
    iterations than GD (653/162 ≈ 4.03 and 521/139 ≈ 3.75 times fewer), about as few as momentum, which needs only
    168 − 162 = 6 and 143 − 139 = 4 more. GD's count is the one a finer grid lowers most".

    Robustness: on an α grid 8 a decade (4× finer) GD's count on the quadratic nearly halves, and Adam stays
    ahead of GD, though no longer several times; so the sentence says "on this grid"."""
    assert "On this grid, on the ill-conditioned quadratic" in _cell("fab2edcb")
    for p in ("quadratic", "sparse"):
        adam, gd, mom = (table[p, f].iterations for f in ("Adam", "GD", "Momentum"))
        assert 3 * adam < gd
        assert abs(adam / mom - 1) < 0.1
        assert adam < min(gd, mom)
    assert [table[p, f].iterations for p in ("quadratic", "sparse") for f in ("Momentum", "Adam")] == \
        [168, 162, 143, 139]
    q = optlib.quadratic(100.0)
    gd_fine = tuning.tune(optlib.GD, q, alphas=fine_grid(0.01, 0.02)).iterations
    adam_fine = tuning.tune(optlib.Adam, q, alphas=fine_grid(0.05, 0.2)).iterations
    assert gd_fine < 0.6 * table["quadratic", "GD"].iterations
    assert adam_fine < gd_fine < 3 * adam_fine


def test_saddle_and_plateau(table):
    """"On the saddle, GD with a large α is by far the fastest of the three: Adam needs 122/32 ≈ 3.81 times as
    many iterations, and momentum 131 − 122 = 9 more than Adam. On the plateau from r_0 = 4 the order is
    reversed: Adam needs 226 − 129 = 97 fewer iterations than GD and 178 − 129 = 49 fewer than momentum"."""
    gd = table["saddle", "GD"]
    assert gd.lr >= 0.3 and 3 * gd.iterations < min(table["saddle", f].iterations for f in ("Momentum", "Adam"))
    assert table["saddle", "Adam"].iterations < table["saddle", "Momentum"].iterations
    assert table["plateau", "Adam"].iterations < table["plateau", "Momentum"].iterations \
        < table["plateau", "GD"].iterations
    # the counts the prose's arithmetic quotes
    assert [table[p, f].iterations for p in ("saddle", "plateau") for f in ("GD", "Momentum", "Adam")] == \
        [32, 131, 122, 226, 178, 129]


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
    """"every Adam run ends closer to the minimum than RMSProp (β = 0.9)"; "The best β1 here is neither the
    smallest nor the largest"; "Adam with β1 = 0 averages no gradients at all and ends at 0.2705, against
    RMSProp's 1.052. Most of the gain comes from Adam's other two differences: the longer decay of v_t (RMSProp
    with β = 0.999 ends at 0.6942) and the bias correction"; "at β1 = 0.98 Adam ends further away than without
    it".

    Tied to its sentence: the old claim that m̂_t "averages those alternating gradients out" is gone, and the
    matched decay (RMSProp at β = 0.999) shows where the gain comes from."""
    text = _cell("cdb7194c")
    assert "averages those alternating gradients out and follows the floor" not in text
    assert "β1 = 0 averages no gradients at all" in text
    prob, steps = optlib.Rosenbrock(), 300           # the explorer's problem and steps (chapter 7's figure)

    def final(opt):
        return optlib.run(opt, prob.grad, prob.theta0, steps, loss=prob.loss).losses[-1] - prob.f_min

    gaps = {b: final(optlib.Adam(0.1, beta1=b, beta2=0.999)) for b in (0.0, 0.5, 0.9, 0.98)}
    rms, rms_slow = final(optlib.RMSProp(0.1, beta=0.9)), final(optlib.RMSProp(0.1, beta=0.999))
    assert all(g < rms for g in gaps.values())
    assert min(gaps, key=gaps.get) not in (0.0, 0.98)
    assert gaps[0.0] < rms_slow < rms                    # decay, then correction: each gains
    without_averaging, from_averaging = rms - gaps[0.0], gaps[0.0] - min(gaps.values())
    assert without_averaging > 2 * from_averaging       # "most of the gain"
    assert gaps[0.98] > gaps[0.0]


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
