"""The claims chapter 8 (all six side by side) makes in its prose, checked with optlib.

Each test quotes the sentence it guards and computes the claim afresh, so that a change to optlib that
turns a sentence of the chapter false fails here. The chapter's full search (396 runs, each repeated with
disturbed gradients) is too slow for a unit test; where a claim is about the tuned runs, the test runs
each optimizer at the α the chapter's search tuned (TUNED below), or sweeps the one row the claim is about.
"""

import numpy as np
import pytest

import optlib
from optlib import tuning

#: numbers the chapter's Markdown quotes that are inputs, not results
QUOTED_INPUTS = {
    "0.5": "the escape threshold |y_t| ≥ 0.5 of chapters 2 and 3",
    "κ = 100": "κ of the two quadratics, optlib.quadratic(100) and its rotated twin",
    "T = 1000": "optlib.tune's default number of steps (tuning.STEPS), every run's budget but the network's",
    "T = 300": "the budget of steps of the network's runs and of the deep chain's",
    "α = 0.1": "α of chapter 3's saddle setting, the escape measurement",
    "1e-6": "the start (1, 1e-6) of chapter 3's saddle setting",
    "0.105": "the deep chain's tolerance on the loss, an input chosen between the plateau and the deep layers' level",
    "1e-10": "the probe: the relative disturbance of the gradients that finds chaotic runs",
    "1e-3": "exercise 2's looser tolerance (tol=1e-3), quoted in its solution",
    "1e-16": "the unit round-off of double precision, a constant of the arithmetic, not a result",
    "0.9": "the notes' γ (\"Momentum in most cases γ = 0.9\"), the operand of 1/(1 − 0.9) = 10",
    "α = 1e-4": "the smallest α of the tuning grid (optlib.tuning.ALPHA_GRID), an input of every tuned run",
    "α = 10": "the largest α of the tuning grid",
    "10 rows": "the mini-batch size of the stochastic runs (10 of the sparse regression's 1000 rows)",
    "T = 1e4": "the length of the two AdaGrad runs (full batch and mini-batch) of the section on its shrinking rate",
}

CHAIN = dict(depth=10, width=4, seed=0)


# ------------------------------------------------------------------ leaving a saddle point

def _steps_to_leave(opt, problem):
    th = optlib.run(opt, problem.grad, problem.theta0, 1000).thetas
    return int(np.flatnonzero(np.abs(th[:, 1]) >= 0.5)[0])


def _growth_ratio(alpha, gamma):
    lam = max(np.roots([1.0, -(1 + alpha + gamma), gamma]))
    return np.log(lam) / np.log(1 + alpha)


def test_momentum_leaves_the_saddle_about_three_times_sooner_not_ten():
    """"Momentum leaves about three times sooner than GD here, not ten" (start (1, 1e-6), α = 0.1, γ = 0.9),
    and the prediction ln λ / ln(1 + α) accounts for it."""
    far = optlib.Saddle(theta0=(1.0, 1e-6))
    n_gd = _steps_to_leave(optlib.GD(0.1), far)
    n_mom = _steps_to_leave(optlib.Momentum(0.1, gamma=0.9), far)
    ratio = n_gd / n_mom
    assert 2.5 <= ratio <= 3.5, ratio
    assert abs(ratio - _growth_ratio(0.1, 0.9)) < 0.3
    assert ratio < 0.5 * (1 / (1 - 0.9))


def test_the_ratio_tends_to_one_over_one_minus_gamma_as_alpha_shrinks():
    """"as α → 0 the ratio does tend to 1/(1 − γ)"."""
    ratios = [_growth_ratio(a, 0.9) for a in (1e-1, 1e-2, 1e-3, 1e-5)]
    assert np.all(np.diff(ratios) > 0)
    assert ratios[-1] == pytest.approx(10.0, rel=0.01)


# ------------------------------------------------------------------ the deep chain

@pytest.fixture(scope="module")
def chain():
    return optlib.SigmoidChain(**CHAIN)


def test_no_alpha_gets_gd_momentum_or_nag_past_the_chains_plateau(chain):
    """"GD, Momentum and NAG never get the loss below the tolerance 0.105 within T = 300 steps, at any α
    of the grid" (the chain's last layers alone bring it to a plateau, 0.110 − 0.105 = 0.005 above the
    tolerance). Checked for α ≥ 1e-2: a smaller α moves the loss less still in 300 steps, and the unit test
    stays fast."""
    for cls in (optlib.GD, optlib.Momentum, optlib.NAG):
        res = tuning.tune(cls, chain, steps=300, tol=0.105, alphas=tuning.ALPHA_GRID[4:])
        assert not res.reached, cls.name
        assert 0.105 < res.best.final_error < 0.112


@pytest.mark.parametrize("cls, lr", [(optlib.AdaGrad, 0.1), (optlib.RMSProp, 0.1), (optlib.Adam, 10 ** -1.5)])
def test_adaptive_methods_move_the_first_layers_as_much_as_the_last(chain, cls, lr):
    """"AdaGrad, RMSProp and Adam move the first layer at least as far as the last, and get the loss
    below 0.105"; "the first layer of GD, Momentum and NAG moves about 10⁵ times less than the last"."""
    traj = tuning.trial(cls, chain, lr, steps=300, tol=0.105).trajectory
    moved = optlib.metrics.layer_movement(chain, traj)
    assert moved[0] >= moved[-1]
    assert traj.losses[-1] < 0.105


@pytest.mark.parametrize("cls, lr", [(optlib.GD, 10 ** -0.5), (optlib.Momentum, 10 ** -1.5),
                                     (optlib.NAG, 10 ** -1.5)])
def test_momentum_does_not_wake_the_first_layers(chain, cls, lr):
    """"the first layer of GD, Momentum and NAG moves about 10⁵ times less than the last"."""
    traj = optlib.run(cls(lr), chain.grad, chain.theta0, 300, keep_states=False)
    moved = optlib.metrics.layer_movement(chain, traj)
    assert 1e-6 < moved[0] / moved[-1] < 1e-4


# ------------------------------------------------------------------ AdaGrad's rate with noisy gradients

def test_adagrads_rate_levels_off_full_batch_and_keeps_falling_with_minibatches():
    """"With full-batch gradients ... the rate stops falling. With mini-batch gradients ... G_t keeps
    growing", and the rate falls by about half between t = 1000 and t = 10⁴."""
    p = optlib.sparse_regression()
    med = {}
    for name, grad in (("full", p.grad), ("mini", p.minibatch_grad(10, seed=0))):
        opt = optlib.AdaGrad(1.0)
        traj = optlib.run(opt, grad, p.theta0, 10_000)
        med[name] = np.array([np.median(opt.effective_lr(traj.states[t])) for t in (100, 1000, 10_000)])
    assert med["full"][2] == pytest.approx(med["full"][0], rel=1e-3)
    assert med["mini"][2] < 0.6 * med["mini"][1] < 0.6 * med["mini"][0]


# ------------------------------------------------------------------ the comparison's conclusions

PROBLEMS = {
    "quadratic κ=100": lambda: optlib.quadratic(100),
    "κ=100, rotated": lambda: optlib.quadratic(100, rotate=True),
    "Rosenbrock": optlib.Rosenbrock,
    "saddle": optlib.Saddle,
    "sparse regression": optlib.sparse_regression,
    "two-layer network": optlib.TwoLayerNet,
}
TOL = {"two-layer network": 0.1}
STEPS = {"two-layer network": 300}
#: the α the chapter's search tunes (its printed summary), 10^(k/2) written as k
TUNED_K = {
    "quadratic κ=100": dict(GD=-4, Momentum=-5, NAG=-4, AdaGrad=0, Adam=-2),
    "κ=100, rotated": dict(GD=-4, Momentum=-5, NAG=-4, AdaGrad=0, Adam=-1),
    "Rosenbrock": dict(Momentum=-5, Adam=-1),
    "saddle": dict(GD=-1, Momentum=-1, NAG=-1, AdaGrad=0, Adam=-2),
    "sparse regression": dict(GD=0, Momentum=0, NAG=0, AdaGrad=1, Adam=0),
    "two-layer network": dict(GD=2, Momentum=1, NAG=1, AdaGrad=0, RMSProp=-2, Adam=-1),
}
NAMES = [c.name for c in optlib.OPTIMIZERS]
CLS = {c.name: c for c in optlib.OPTIMIZERS}


@pytest.fixture(scope="module")
def problems():
    return {name: make() for name, make in PROBLEMS.items()}


@pytest.fixture(scope="module")
def counts(problems):
    """Iterations to the tolerance at the tuned α (None where the chapter finds that no α reaches it)."""
    out = {}
    for name, p in problems.items():
        for o in NAMES:
            k = TUNED_K[name].get(o)
            out[name, o] = None if k is None else tuning.trial(
                CLS[o], p, 10.0 ** (k / 2), tol=TOL.get(name, tuning.TOL), steps=STEPS.get(name, tuning.STEPS),
                keep_trajectory=False).iterations
    return out


def test_the_rows_the_chapter_says_never_reach_do_not(problems):
    """"RMSProp ... reaches the tolerance on no problem but the network"; GD, NAG and AdaGrad never reach it
    on Rosenbrock, at any α of the grid."""
    for name, p in problems.items():
        for o in NAMES:
            if o in TUNED_K[name] or name == "two-layer network":
                continue
            assert not tuning.tune(CLS[o], p).reached, (name, o)


def _ranks(counts):
    ranks = {}
    for name in PROBLEMS:
        k = {o: np.inf if counts[name, o] is None else counts[name, o] for o in NAMES}
        for o in NAMES:
            ranks[name, o] = 1 + sum(k[q] < k[o] for q in NAMES)
    return {o: np.mean([ranks[n, o] for n in PROBLEMS]) for o in NAMES}


def test_every_optimizer_reaches_the_network_tolerance_within_300_steps(counts):
    """"every optimizer reaches the loss 0.1 well within 300 steps" (the network's T)."""
    assert all(counts["two-layer network", o] < 200 for o in NAMES)


def test_conclusions_on_reaching_and_ranks(counts):
    """"It reaches the tolerance on every problem, but so does momentum, and Adam is the fastest on none: its
    mean rank comes after AdaGrad's and NAG's"; "AdaGrad has the best mean rank"."""
    for o in NAMES:
        reaches_all = all(counts[n, o] is not None for n in PROBLEMS)
        assert reaches_all == (o in ("Momentum", "Adam")), o
    for n in PROBLEMS:
        fastest = min(counts[n, o] for o in NAMES if counts[n, o] is not None)
        assert counts[n, "Adam"] > fastest, n
    mean = _ranks(counts)
    assert min(mean, key=mean.get) == "AdaGrad"
    assert mean["AdaGrad"] < mean["NAG"] < mean["Adam"]


def test_nag_beats_momentum_on_four_of_six(counts):
    """"NAG is faster than momentum on four of the six problems"."""
    wins = sum(counts[n, "NAG"] is not None and counts[n, "NAG"] < counts[n, "Momentum"] for n in PROBLEMS)
    assert wins == 4


def test_summary_verdicts(counts):
    """Momentum on the saddle "needs more iterations than GD"; "on the network both beat GD"; AdaGrad "the
    clear winner on the sparse problem"."""
    assert counts["saddle", "Momentum"] > counts["saddle", "GD"]
    for o in ("Momentum", "NAG"):
        assert counts["two-layer network", o] < counts["two-layer network", "GD"]
    for n in ("quadratic κ=100", "κ=100, rotated"):
        # "momentum and NAG well ahead of GD on the convex, ill-conditioned quadratics"
        assert 3 * max(counts[n, "Momentum"], counts[n, "NAG"]) < counts[n, "GD"]
    sparse = {o: counts["sparse regression", o] for o in NAMES if counts["sparse regression", o] is not None}
    assert min(sparse, key=sparse.get) == "AdaGrad"
    assert sparse["AdaGrad"] * 5 < min(v for o, v in sparse.items() if o != "AdaGrad")


def test_nag_ties_gd_on_the_saddle_on_the_finer_grid(problems):
    """"NAG's lead over GD there is a matter of the grid (on the finer grid they tie)"."""
    mid = tuple(np.sqrt(np.array(tuning.ALPHA_GRID[:-1]) * tuning.ALPHA_GRID[1:]))
    p = problems["saddle"]
    best = {o: min(x for x in (tuning.tune(CLS[o], p).iterations, tuning.tune(CLS[o], p, alphas=mid).iterations)
                   if x is not None) for o in ("GD", "NAG")}
    assert tuning.tune(optlib.NAG, p).iterations < tuning.tune(optlib.GD, p).iterations
    assert best["NAG"] == best["GD"]


def test_adam_forgives_most_on_the_cheap_problems(problems):
    """"on every problem it has the widest range of α that reach the tolerance" (checked here on the rotated
    quadratic and the saddle: the whole grid of every problem is too slow for a unit test)."""
    for name in ("κ=100, rotated", "saddle"):
        p = problems[name]
        reach = {o: tuning.tune(CLS[o], p).count_reaching() for o in NAMES}
        assert reach["Adam"] == max(reach.values()), (name, reach)


# ------------------------------------------------------------------ the exercises' solutions

def test_gd_gains_almost_half_on_the_finer_grid(problems):
    """Exercise 1: GD's "count falls by almost half" on the two quadratics and the sparse regression."""
    mid = tuple(np.sqrt(np.array(tuning.ALPHA_GRID[:-1]) * tuning.ALPHA_GRID[1:]))
    for name in ("quadratic κ=100", "κ=100, rotated", "sparse regression"):
        p = problems[name]
        coarse, fine = tuning.tune(optlib.GD, p).iterations, tuning.tune(optlib.GD, p, alphas=mid).iterations
        assert 0.35 < 1 - fine / coarse < 0.5, name


def test_a_looser_tolerance_helps_rmsprop_most(problems):
    """Exercise 2: RMSProp "at 1e-6 reaches the tolerance on none of the first five problems, at 1e-3 on all
    but Rosenbrock"; "GD needs about half its iterations"."""
    five = [n for n in PROBLEMS if n != "two-layer network"]
    loose = {n: tuning.tune(optlib.RMSProp, problems[n], tol=1e-3).reached for n in five}
    assert loose == {n: n != "Rosenbrock" for n in five}
    for n in ("quadratic κ=100", "κ=100, rotated"):
        tight, easy = (tuning.tune(optlib.GD, problems[n], tol=t).iterations for t in (1e-6, 1e-3))
        assert 0.4 < easy / tight < 0.6


# ------------------------------------------------------------------ RMSProp's orbit, the two quadratics

def test_rmsprop_settles_into_an_orbit_that_alpha_sets():
    """"RMSProp's last step is a fixed multiple of α ... and its final gap a fixed multiple of α²";
    "GD's last step is orders of magnitude smaller"."""
    p = optlib.quadratic(100, rotate=True)
    steps, gaps = [], []
    for lr in (3e-3, 1e-2, 3e-2, 1e-1):
        th = optlib.run(optlib.RMSProp(lr), p.grad, p.theta0, 1000, keep_states=False).thetas
        steps.append(np.linalg.norm(th[-1] - th[-2]) / lr)
        gaps.append(p.loss(th[-1]) / lr ** 2)
    np.testing.assert_allclose(steps, np.sqrt(2), rtol=1e-4)
    np.testing.assert_allclose(gaps, gaps[0], rtol=1e-3)
    gd = optlib.run(optlib.GD(0.01), p.grad, p.theta0, 1000, keep_states=False).thetas
    assert np.linalg.norm(gd[-1] - gd[-2]) / 0.01 < 1e-3 * min(steps)


def test_adagrad_lands_in_one_step_only_when_the_axes_are_the_coordinates():
    """"From θ_0 = (1, 1), α = 1 lands on the minimum in one step, a coincidence of the axes ... Turn the
    axes and the coincidence is gone"."""
    for rotate, lands in ((False, True), (True, False)):
        p = optlib.quadratic(100, rotate=rotate)
        th1 = optlib.run(optlib.AdaGrad(1.0), p.grad, p.theta0, 1).thetas[1]
        assert (p.loss(th1) < 1e-12) == lands


def test_a_tie_goes_to_the_smaller_alpha():
    # "The best α is the one with the fewest iterations (a tie goes to the smaller α)". On J = ½‖θ‖²
    # (κ = 1, λ = 1) GD multiplies θ by 1 − α, so α = 0.5 and α = 1.5 give the same losses and the same count.
    bowl = optlib.quadratic(1.0)
    for alphas in ((0.5, 1.5), (1.5, 0.5)):
        res = tuning.tune(optlib.GD, bowl, alphas=alphas)
        counts = [t.iterations for t in res.trials]
        assert counts[0] == counts[1] is not None
        assert res.lr == 0.5


# ------------------------------------------------------------------ verdicts beyond their setup (tied to the prose)

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import robustness  # noqa: E402
from robustness import LONGER, SEEDS, first_return_above, over_seeds  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "book" / "08-side-by-side.ipynb"


def _cell(cell_id):
    return robustness.sentence(NOTEBOOK, cell_id)


def test_rmsprop_is_the_weak_half_only_at_beta_09(counts, problems):
    """"RMSProp at the notes' β = 0.9 is the weak half of the sentence …. That verdict is about the decay, not the
    method: at Adam's decay, β = 0.999, RMSProp reaches the tolerance within T = 1000 steps on the rotated
    quadratic, the saddle and the sparse problem, each time sooner than Adam, by 159 − 136 = 23, 122 − 26 = 96 and
    139 − 6 = 133 iterations".

    Matched decays: the verdict carries its condition (β = 0.9), and at β = 0.999 it flips."""
    text = _cell("040754f1")
    assert "RMSProp at the notes' β = 0.9 is the weak half" in text
    assert "That verdict is about the decay, not the method" in text
    slow = {"κ=100, rotated": (10 ** -1.5, 136), "saddle": (1e-2, 26), "sparse regression": (10 ** 0.5, 6)}
    for name, (lr, quoted) in slow.items():
        assert counts[name, "RMSProp"] is None
        k = tuning.trial(lambda a: optlib.RMSProp(a, beta=0.999), problems[name], lr,
                         keep_trajectory=False).iterations
        assert k == quoted and k < counts[name, "Adam"], name
    assert [counts[n, "Adam"] for n in slow] == [159, 122, 139]


def test_adam_is_a_safe_default_only_within_its_horizon(problems):
    """"Within T = 1000 steps it reaches the tolerance on every problem"; "It is a safe default for a run of about
    1/(1 − β2) steps …; run ten times longer at a fixed η it leaves the minimum again"; "Adam … stays within the
    tolerance from t = 159 to T = 1000, but run ten times longer it comes back above it".

    A horizon LONGER × T: the rotated quadratic at the tuned η = 10^(−1/2) comes back above the tolerance."""
    assert "Within $T = 1000$ steps it reaches the tolerance on every problem" in _cell("040754f1")
    assert "safe default for a run of about $1/(1-\\beta_2)$ steps" in _cell("040754f1")
    assert "run ten times longer it comes back above it" in _cell("5128eaca")
    p = problems["κ=100, rotated"]
    tr = optlib.run(optlib.Adam(10 ** -0.5), p.grad, p.theta0, 4000, loss=p.loss, keep_states=False)
    gap = tr.losses - p.f_min
    assert optlib.iterations_to_tolerance(gap[:tuning.STEPS + 1], tuning.TOL) == 159
    back = first_return_above(gap, tuning.TOL, 159)
    assert back is not None and tuning.STEPS < back < LONGER * tuning.STEPS


def test_on_minibatches_no_optimizer_is_the_clear_winner(problems):
    """"On mini-batches of the sparse problem no optimizer is the clear winner: Adam's mean final gap …, NAG's …,
    and AdaGrad's … each lie inside the others' ranges over the five seeds; … RMSProp at β = 0.9 furthest";
    "AdaGrad's full-batch lead … does not carry over to the noisy gradients".

    Mini-batch noise over SEEDS (the chapter's α, batch 10, T = 300)."""
    assert "On mini-batches of the sparse problem no optimizer is the clear winner" in _cell("040754f1")
    p = problems["sparse regression"]

    def final(cls, lr):
        return over_seeds(lambda s: p.loss(optlib.run(cls(lr), p.minibatch_grad(10, s), p.theta0, 300,
                                                      keep_states=False).thetas[-1]) - p.f_min, SEEDS)

    runs = {"Adam": final(optlib.Adam, 0.1), "NAG": final(optlib.NAG, 0.1), "AdaGrad": final(optlib.AdaGrad, 1.0),
            "RMSProp": final(optlib.RMSProp, 0.1)}
    lead = ("Adam", "NAG", "AdaGrad")
    for a in lead:
        for b in lead:
            assert runs[b].min() < runs[a].mean() < runs[b].max(), (a, b)
    assert runs["RMSProp"].mean() > 3 * max(runs[o].mean() for o in lead)


def test_eps_bounds_the_per_coordinate_rescue():
    """"The division has a floor, ε. At depth 10 the median first-layer gradient … is already below ε …; at depth
    15 … AdaGrad and Adam leave the first layer frozen as GD does: all three end on the plateau, at 0.110175.
    Moving a layer is not training it either: at depth 10 Adam with η = 0.1 moves the first layer 4.3 times as far
    as the last and still ends at GD's 0.110175".

    Another setup of the same verdict (a deeper chain): the rescue flips, so the sentence says "only while the
    gradients stay above ε"; the old "a layer's step does not depend on how small its gradient is" is gone."""
    text = _cell("f7dae5b4")
    assert "only while the gradients stay above ε" in text
    assert "does not depend on how small its gradient is" not in text
    ten, fifteen = optlib.SigmoidChain(**CHAIN), optlib.SigmoidChain(**dict(CHAIN, depth=15))
    assert np.median(np.abs(ten.backprop(ten.theta0)[0][0])) < optlib.Adam(0.1).eps

    def run(c, cls, lr):
        tr = optlib.run(cls(lr), c.grad, c.theta0, 300, loss=c.loss, keep_states=False)
        mv = optlib.metrics.layer_movement(c, tr)
        return mv[0] / mv[-1], tr.losses[-1]

    _, plateau = run(fifteen, optlib.GD, 10 ** -0.5)
    for cls, lr in ((optlib.AdaGrad, 0.1), (optlib.Adam, 10 ** -1.5)):
        ratio, loss = run(fifteen, cls, lr)
        assert ratio < 1e-2 and abs(loss - plateau) < 1e-6, cls.name
    ratio, loss = run(ten, optlib.Adam, 0.1)
    _, gd_ten = run(ten, optlib.GD, 10 ** -0.5)
    assert ratio > 1 and abs(loss - gd_ten) < 1e-6
