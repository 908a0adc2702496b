"""run's cheap finiteness check (base._all_finite) misses nothing that the element-wise check catches.

The check was made cheaper for speed (benchmarks/): a small array is tested through its sum. These tests
prove it cannot miss a non-finite value, and that run still stops on every kind of non-finite result,
including one that only a state field shows. No timing here: the benchmark reports, a person reads.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

import optlib
from optlib.base import _SMALL, _all_finite

settings.register_profile("finite-check", max_examples=200, deadline=None, derandomize=True)

any_float = st.floats(allow_nan=True, allow_infinity=True)
big_float = st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)
shapes = array_shapes(min_dims=0, max_dims=3, max_side=5)


def elementwise(*values) -> bool:
    return all(bool(np.isfinite(v).all()) for v in values)


@settings(settings.get_profile("finite-check"))
@given(st.lists(arrays(np.float64, shapes, elements=any_float), min_size=1, max_size=4))
def test_never_says_finite_when_a_value_is_not(values):
    if _all_finite(*values):
        assert elementwise(*values)
    if not elementwise(*values):
        assert not _all_finite(*values)


@settings(settings.get_profile("finite-check"))
@given(arrays(np.float64, shapes, elements=big_float))
def test_a_false_alarm_is_cleared_by_the_elementwise_check(values):
    # finite values whose sum overflows: _all_finite may say False, _first_non_finite then finds nothing
    state = optlib.GDState()
    assert optlib.base._first_non_finite(values, values, state) is None


@pytest.mark.parametrize("size", [1, _SMALL, _SMALL + 1, 1000])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_bad_value_anywhere_is_caught_on_both_paths(size, bad):
    for position in {0, size // 2, size - 1}:
        x = np.ones(size)
        x[position] = bad
        assert not _all_finite(np.ones(3), x, 7)


def test_integers_and_scalars():
    assert _all_finite(np.zeros(2), 0, 10**400, 1.5, np.float64(2.0), np.int64(3))
    assert not _all_finite(np.float64(np.nan))
    assert not _all_finite(float("inf"))


def test_a_non_finite_second_moment_stops_adam_although_theta_stays_finite():
    # g² overflows in v_t (θ_1 stays finite: m̂/(√v̂+ε) with v̂ = ∞ is 0): only the state shows it
    opt = optlib.Adam(lr=0.1)
    with np.errstate(over="ignore", invalid="ignore"):
        theta1, state1 = opt.step(lambda th: np.full(2, 1e200), np.zeros(2), opt.init(np.zeros(2)))
    assert np.isfinite(theta1).all() and not np.isfinite(state1.v).all()
    with pytest.raises(optlib.DivergenceError, match="the state v is not finite") as info:
        optlib.run(opt, lambda th: np.full(2, 1e200), np.zeros(2), steps=3)
    assert info.value.step == 1 and info.value.trajectory.steps == 0


@pytest.mark.parametrize("n", [2, 500])
def test_overflowing_but_finite_values_do_not_stop_a_run(n):
    # θ near the largest float: every sum overflows, no value is infinite; the run must go on
    traj = optlib.run(optlib.GD(lr=1e-300), lambda th: np.ones(n), np.full(n, 1e308), steps=3)
    assert not traj.diverged and traj.steps == 3
