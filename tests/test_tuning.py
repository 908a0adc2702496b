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
