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
