"""The sliders of chapters 3 and 4: moving a slider re-runs the optimizers, and the plotted data is a fresh run.

Each test builds the widget the chapter shows (``optlib.widgets.momentum_explorer`` / ``nag_explorer``),
sets a slider's value from Python (what a reader's drag does), and checks that (1) the loss curve and the
path changed and (2) they equal ``optlib.run`` with the new value, started afresh.
"""

import contextlib
import io

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import optlib  # noqa: E402
from optlib import widgets  # noqa: E402

STEPS = 40


def _build(factory):
    # outside a kernel, Explorer's display() prints the figure's repr: keep the test output clean
    with contextlib.redirect_stdout(io.StringIO()):
        return factory(steps=STEPS)


def _set(ex, name, value):
    with contextlib.redirect_stdout(io.StringIO()):
        ex.sliders[name].value = value


def _curves(ex):
    """{name: (path as a 2 × (T+1) array, loss-curve y)} copied from the figure's lines."""
    out = {}
    for name, (path, curve) in ex.lines.items():
        xy = np.vstack([np.asarray(path.get_xdata(), dtype=float), np.asarray(path.get_ydata(), dtype=float)])
        out[name] = (xy, np.asarray(curve.get_ydata(), dtype=float).copy())
    return out


def _check_against_fresh_run(ex, opt):
    traj = optlib.run(opt, ex.problem.grad, ex.problem.theta0, STEPS, loss=ex.problem.loss,
                      on_divergence="stop", keep_states=False)
    assert not traj.diverged
    path, curve = ex.lines[opt.name]
    gap = np.maximum(traj.losses - ex.problem.f_min, 1e-16)
    np.testing.assert_allclose(np.asarray(curve.get_ydata(), dtype=float), gap, rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.asarray(path.get_xdata(), dtype=float), traj.thetas[:, 0], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(path.get_ydata(), dtype=float), traj.thetas[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(ex.trajectories[opt.name].thetas, traj.thetas)


CASES = [
    # factory, slider, new value, the optimizers the new value must give, the ones whose data must change
    (widgets.momentum_explorer, "gamma", 0.5,
     lambda: [optlib.GD(0.01), optlib.Momentum(0.01, 0.5)], ["Momentum"]),
    (widgets.momentum_explorer, "lr", 0.005,
     lambda: [optlib.GD(0.005), optlib.Momentum(0.005, 0.9)], ["GD", "Momentum"]),
    (widgets.nag_explorer, "gamma", 0.5,
     lambda: [optlib.Momentum(0.01, 0.5), optlib.NAG(0.01, 0.5)], ["Momentum", "NAG"]),
    (widgets.nag_explorer, "lr", 0.005,
     lambda: [optlib.Momentum(0.005, 0.9), optlib.NAG(0.005, 0.9)], ["Momentum", "NAG"]),
]


@pytest.mark.parametrize("factory, slider, value, expected, changed", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_slider_reruns_and_redraws(factory, slider, value, expected, changed):
    ex = _build(factory)
    before = _curves(ex)
    _set(ex, slider, value)
    assert ex.values()[slider] == pytest.approx(value)
    after = _curves(ex)
    for name in changed:
        assert not np.allclose(before[name][1], after[name][1]), f"{name}'s loss curve did not change"
        assert not np.allclose(before[name][0], after[name][0]), f"{name}'s path did not change"
    for opt in expected():
        _check_against_fresh_run(ex, opt)


def test_defaults_are_the_chapter_values():
    # α = 0.01, γ = 0.9 (the notes' usual γ) on the κ = 100 quadratic from θ_0 = (1, 1)
    for factory, names in [(widgets.momentum_explorer, ["GD", "Momentum"]),
                           (widgets.nag_explorer, ["Momentum", "NAG"])]:
        ex = _build(factory)
        assert ex.values() == pytest.approx({"lr": 0.01, "gamma": 0.9})
        assert ex.problem.condition_number == pytest.approx(100.0)
        assert sorted(ex.lines) == names


def test_gamma_zero_makes_momentum_draw_gd():
    # the notes: γ ≈ 0 means no history, the same as GD; in the widget the two curves coincide exactly
    ex = _build(widgets.momentum_explorer)
    _set(ex, "gamma", 0.0)
    curves = _curves(ex)
    np.testing.assert_array_equal(curves["GD"][0], curves["Momentum"][0])
    np.testing.assert_array_equal(curves["GD"][1], curves["Momentum"][1])


def test_unstable_alpha_is_drawn_not_raised():
    # α = 0.05 is above GD's limit 2/λ_max = 0.02: GD's loss grows, and the widget draws it instead of failing
    ex = _build(widgets.momentum_explorer)
    _set(ex, "lr", 0.05)
    gd = ex.trajectories["GD"]
    assert gd.losses[-1] > 1e6 * gd.losses[0]
    np.testing.assert_array_equal(np.asarray(ex.lines["GD"][1].get_ydata(), dtype=float), gd.losses)
