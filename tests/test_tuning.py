"""The tuning protocol of optlib.tuning: the grid, the choice of the best α, the errors it reports."""

import numpy as np
import pytest

import optlib
from optlib import tuning


def test_grid_is_half_decades_from_1e_4_to_10():
    g = np.array(tuning.ALPHA_GRID)
    assert len(g) == 11 and g[0] == pytest.approx(1e-4) and g[-1] == pytest.approx(10.0)
    assert np.allclose(g[1:] / g[:-1], np.sqrt(10.0))


def test_best_is_fewest_iterations_and_ties_go_to_the_smaller_alpha():
    p = optlib.quadratic(10.0)
    res = tuning.tune(optlib.GD, p, alphas=(0.05, 0.1, 0.1))
    assert res.lr == 0.1 and res.iterations == min(t.iterations for t in res.trials)
    # a tie: the same α twice, the first (equal) is kept; two different α with equal counts -> smaller
    t = tuning.tune(optlib.GD, p, alphas=(0.1, 0.1))
    assert t.lr == 0.1
    assert res.trajectory is not None and all(tr.trajectory is None for tr in res.trials if tr is not res.best)


def test_diverging_alpha_counts_as_not_reached():
    p = optlib.quadratic(10.0)          # λ_max = 10: GD diverges for α > 0.2
    res = tuning.tune(optlib.GD, p, alphas=(0.05, 1.0))
    bad = [t for t in res.trials if t.lr == 1.0][0]
    assert bad.iterations is None and bad.final_error == np.inf
    assert res.lr == 0.05 and res.reached and res.at_edge   # 0.05 is the smallest α tried


def test_none_reaching_keeps_the_smallest_final_error():
    p = optlib.quadratic(100.0)
    res = tuning.tune(optlib.GD, p, alphas=(1e-4, 1e-3), steps=10)
    assert not res.reached and res.lr == 1e-3 and res.at_edge


def test_distance_criterion_and_the_same_number_everywhere():
    p = optlib.quadratic(100.0)
    a = tuning.tune(lambda a: optlib.Momentum(a, gamma=0.9), p, criterion="distance")
    b = tuning.tune(lambda a: optlib.Momentum(a, gamma=0.9), optlib.quadratic(100.0), criterion="distance")
    assert (a.lr, a.iterations) == (b.lr, b.iterations)
    d = tuning.errors(p, a.trajectory, "distance")
    assert d[a.iterations] <= tuning.TOL and d[a.iterations - 1] > tuning.TOL


@pytest.mark.parametrize("kwargs, word", [
    (dict(criterion="loss"), "criterion"), (dict(steps=0), "steps"), (dict(tol=0.0), "tol"),
    (dict(alphas=()), "alphas (α)"), (dict(alphas=(-1.0,)), "alphas (α)")])
def test_bad_arguments_name_themselves(kwargs, word):
    with pytest.raises(ValueError, match=word.replace("(", r"\(").replace(")", r"\)")):
        tuning.tune(optlib.GD, optlib.quadratic(10.0), **kwargs)


# --------------------------------------------------------------------------- compare, margins, probe

def test_tolerance_margin_is_the_room_around_the_crossing():
    # k = 2: any tol in [0.5, 2) gives the same count, so tol = 1 has a factor 2 of room either way
    assert tuning.tolerance_margin([4.0, 2.0, 0.5, 0.25], 1.0) == 2.0
    assert tuning.tolerance_margin([4.0, 1.001, 0.5], 1.0) == pytest.approx(1.001)
    assert tuning.tolerance_margin([4.0, 2.0, 1.5], 1.0) == 1.5          # never reached
    t = tuning.trial(optlib.GD, optlib.quadratic(10.0), 0.1)
    assert t.margin > 1 and not t.sensitive


def test_compare_tunes_every_pair_with_the_same_protocol():
    probs = {"κ=10": optlib.quadratic(10.0), "κ=100": optlib.quadratic(100.0)}
    c = tuning.compare([optlib.GD, optlib.Momentum], probs, overrides={"κ=100": dict(steps=300)})
    assert c.settings == {"κ=10": (1000, 1e-6), "κ=100": (300, 1e-6)}
    assert (c["κ=10", "GD"].lr, c["κ=10", "GD"].iterations) == (0.1, 63)    # the same as tune()
    assert c.grid().shape == (2, 2, 11) and c.iterations().shape == (2, 2)
    k = c.iterations()
    for p in range(2):
        order = np.argsort(np.where(np.isnan(k[p]), np.inf, k[p]))
        assert c.ranks()[p][order[0]] == 1
    assert all(len(line) <= 79 for line in c.summary().splitlines())
    with pytest.raises(ValueError, match="overrides"):
        tuning.compare([optlib.GD], probs, overrides={"nope": dict(steps=3)})
    with pytest.raises(ValueError, match="steps and tol"):
        tuning.compare([optlib.GD], probs, overrides={"κ=10": dict(lr=3)})


def test_ranks_put_the_unreached_last_and_share_ties():
    probs = {"κ=100": optlib.quadratic(100.0)}
    c = tuning.compare([optlib.GD, optlib.GD, optlib.Momentum], probs, alphas=(1e-4,), steps=50)
    # nobody reaches 1e-6 in 50 steps at α = 1e-4: all share rank 1
    assert c.ranks().tolist() == [[1, 1]]   # GD given twice is one name


def test_probe_marks_a_chaotic_run_and_keeps_it_out_of_the_best():
    net = optlib.TwoLayerNet()
    calm = tuning.trial(optlib.GD, optlib.quadratic(10.0), 0.1, probe=1e-10)
    assert not calm.sensitive
    # RMSProp at a large α on the network hovers around the tolerance: the probe changes its count
    wild = [tuning.trial(optlib.RMSProp, net, a, steps=1000, tol=0.1, probe=1e-10) for a in (0.32, 1.0)]
    assert any(t.sensitive for t in wild)
    res = tuning.tune(optlib.RMSProp, net, alphas=(0.1, 0.32, 1.0), tol=0.1, probe=1e-10)
    assert not res.best.sensitive
    with pytest.raises(ValueError, match="probe"):
        tuning.trial(optlib.GD, optlib.quadratic(10.0), 0.1, probe=0.5)


def test_heatmap_fits_the_column_and_marks_every_run():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from optlib import plotting

    c = tuning.compare([optlib.GD, optlib.Momentum], {"κ=10": optlib.quadratic(10.0)})
    fig, axes = plotting.iterations_heatmap(c)
    assert fig.get_size_inches()[0] <= plotting.COLUMN_WIDTH
    texts = [t.get_text() for t in axes[0].texts]
    assert len(texts) == 2 * 11 and "63" in texts and "div" in texts and "—" in texts
    plt.close(fig)


def test_disturbed_gradients_are_one_draw_per_call():
    # the factors are drawn a block of calls at a time: the same numbers as one draw per call
    from optlib.tuning import _disturbed

    grad = lambda th: np.array([1.0, -2.0, 3.0]) * th  # noqa: E731
    theta = np.array([0.5, 1.5, -2.0])
    for block in (1, 3, 256):
        rng = np.random.default_rng(0)
        g = _disturbed(grad, 1e-4, block=block)
        for _ in range(10):
            expected = grad(theta) * (1.0 + 1e-4 * rng.uniform(-1.0, 1.0, 3))
            assert np.array_equal(g(theta), expected)


# --------------------------------------------------------------------------- the filters of tune, on a knife edge by design


class Halving:
    """J(θ) = θ²/2 in one dimension from θ_0 = 1, J* = 0.

    GD with α = 0.5 halves θ exactly at every step (θ_t = 2^−t, gap_t = 2^(−2t−1), exact in binary), so
    with ``tol = 2^(−2k−1)`` the gap at step k *equals* the tolerance: the count k holds on the boundary,
    and the probe's relative disturbance of 1e-10 moves it one way or the other (a fixed seed, so the
    same way on every machine). α = 1.5 gives θ_t = (−½)^t: the same gaps. α = 0.25 crosses any such
    tolerance cleanly (margin ≥ 1.05), so the probe never changes its count.
    """

    theta0 = np.array([1.0])
    f_min = 0.0
    minimizer = np.array([0.0])

    def grad(self, theta):
        return np.asarray(theta, dtype=np.float64)

    def loss(self, theta):
        theta = np.asarray(theta, dtype=np.float64)
        return 0.5 * float(theta[0] * theta[0])           # numpy: inf (not OverflowError) when θ diverges


HALVING = Halving()
EDGE6 = 2.0 ** -13          # the gap of α = 0.5 at t = 6; the probe pushes the disturbed gap above it
EDGE8 = 2.0 ** -17          # the gap at t = 8; the probe pushes the disturbed gap below it


def test_the_knife_edge_problem_is_what_it_says():
    calm = tuning.trial(optlib.GD, HALVING, 0.25, steps=40, tol=EDGE6, probe=1e-10)
    edge = tuning.trial(optlib.GD, HALVING, 0.5, steps=40, tol=EDGE6, probe=1e-10)
    assert (calm.iterations, calm.sensitive) == (15, False) and calm.margin > 1.2
    assert (edge.iterations, edge.sensitive, edge.margin) == (6, True, 1.0)
    assert tuning.errors(HALVING, edge.trajectory)[6] == EDGE6
    below = tuning.trial(optlib.GD, HALVING, 0.5, steps=8, tol=EDGE8 * (1 - 1e-12), probe=1e-10)
    assert below.iterations is None and below.sensitive          # undisturbed just above, disturbed below


def test_a_sensitive_alpha_that_reaches_sooner_is_not_picked():
    """The probe's filter in tune: α = 0.5 reaches the tolerance in 6 steps but only on the boundary
    (sensitive), α = 0.25 in 15 calmly; tune must pick the calm one."""
    res = tuning.tune(optlib.GD, HALVING, alphas=(0.25, 0.5), steps=40, tol=EDGE6, probe=1e-10)
    assert [(t.lr, t.iterations, t.sensitive) for t in res.trials] == [(0.25, 15, False), (0.5, 6, True)]
    assert (res.lr, res.iterations, res.best.sensitive) == (0.25, 15, False)
    assert res.reached and res.count_reaching() == 1             # the sensitive α does not count
    # without the probe nothing is flagged and the faster α wins
    plain = tuning.tune(optlib.GD, HALVING, alphas=(0.25, 0.5), steps=40, tol=EDGE6)
    assert (plain.lr, plain.iterations, plain.count_reaching()) == (0.5, 6, 2)


def test_when_none_reaches_a_sensitive_alpha_is_not_picked_for_its_final_error():
    tol = EDGE8 * (1 - 1e-12)
    res = tuning.tune(optlib.GD, HALVING, alphas=(0.25, 0.5), steps=8, tol=tol, probe=1e-10)
    sens = [t.sensitive for t in res.trials]
    assert sens == [False, True] and res.trials[1].final_error < res.trials[0].final_error
    assert not res.reached and res.lr == 0.25 and not res.best.sensitive
    # every trial sensitive: the smallest final error among them all (no empty choice)
    alone = tuning.tune(optlib.GD, HALVING, alphas=(0.5,), steps=8, tol=tol, probe=1e-10)
    assert alone.lr == 0.5 and alone.best.sensitive and not alone.reached


def test_smallest_margin_leaves_the_sensitive_runs_out():
    c = tuning.compare([optlib.GD], {"halving": HALVING}, alphas=(0.25, 0.5), steps=40, tol=EDGE6,
                       probe=1e-10)
    assert c.sensitive().tolist() == [[[False, True]]]
    assert c.smallest_margin() == c["halving", "GD"].trials[0].margin > 1.2    # not the sensitive 1.0


def test_equal_counts_and_equal_final_errors_go_to_the_smaller_alpha():
    # α = 0.5 and α = 1.5 give the same gaps exactly (θ_t = ±2^−t)
    res = tuning.tune(optlib.GD, HALVING, alphas=(1.5, 0.5), steps=40, tol=EDGE8)
    assert [t.iterations for t in res.trials] == [8, 8] and res.lr == 0.5
    short = tuning.tune(optlib.GD, HALVING, alphas=(1.5, 0.5), steps=3, tol=EDGE8)
    assert not short.reached and short.trials[0].final_error == short.trials[1].final_error
    assert short.lr == 0.5


def test_a_diverged_trial_counts_as_not_reaching_even_when_it_passed_below():
    # α = 2.5 on J = θ²/2: θ_t = (−1.5)^t, diverges; it never counts, whatever tol
    res = tuning.tune(optlib.GD, HALVING, alphas=(0.25, 2.5), steps=2000, tol=1e3)
    bad = res.trials[1]
    assert bad.diverged and bad.iterations is None and res.count_reaching() == 1 and res.lr == 0.25


def test_at_edge_is_false_inside_the_grid():
    p = optlib.quadratic(10.0)
    res = tuning.tune(optlib.GD, p, alphas=(0.01, 0.1, 1.0))
    assert res.lr == 0.1 and not res.at_edge


@pytest.mark.parametrize("probe", [0.0, 1e-3, -1e-10])
def test_the_probe_must_be_a_small_positive_change(probe):
    with pytest.raises(ValueError, match="probe must be a small relative change between 0 and 1e-3"):
        tuning.trial(optlib.GD, HALVING, 0.25, probe=probe)


def test_the_ends_of_the_trial_ranges():
    assert tuning.trial(optlib.GD, HALVING, 0.25, steps=1, tol=1.0).iterations == 0
    assert not tuning.trial(optlib.GD, HALVING, 0.25, probe=9.9e-4).diverged
    for bad in (dict(steps=0), dict(tol=np.inf), dict(tol=-1.0), dict(criterion="loss")):
        with pytest.raises(ValueError):
            tuning.trial(optlib.GD, HALVING, 0.25, **bad)


def test_the_distance_criterion_needs_a_minimizer():
    class Unknown(Halving):
        minimizer = None

    with pytest.raises(ValueError, match="criterion 'distance' needs a known minimizer"):
        tuning.trial(optlib.GD, Unknown(), 0.25, criterion="distance")
    assert tuning.trial(optlib.GD, HALVING, 0.5, steps=40, tol=2.0 ** -6, criterion="distance").iterations == 6
