"""Chapter 8's playground (optlib.widgets.playground), driven from Python as a reader would drive it live.

Every test moves a control (the problem dropdown, an optimizer's checkbox, a slider), then checks that
the data on the figure changed and is exactly what a fresh ``optlib.run`` with the controls' values gives.
"""

import contextlib
import io

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import optlib  # noqa: E402
from optlib import widgets  # noqa: E402

STEPS = {"ill-conditioned quadratic (κ = 100)": 40, "Rosenbrock": 60, "saddle": 30,
         "sparse regression": 25, "two-layer network (two moons)": 15}


def quiet(fn, *args, **kwargs):
    # Outside a kernel, displaying the figure may print its repr: keep the test output clean.
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def make_playground(**kwargs):
    kwargs.setdefault("steps", STEPS)
    return quiet(widgets.playground, **kwargs)


def set_value(control, value):
    quiet(setattr, control, "value", value)


def fresh_run(pg, name):
    """optlib.run of optimizer ``name`` with the playground's current slider values."""
    v = {k: s.value for k, s in pg.sliders.items()}
    extra = {"Momentum": dict(gamma=v["gamma"]), "NAG": dict(gamma=v["gamma"]), "RMSProp": dict(beta=v["beta"]),
             "Adam": dict(beta1=v["beta1"], beta2=v["beta2"])}.get(name, {})
    cls = {c.name: c for c in optlib.OPTIMIZERS}[name]
    problem = pg.problem
    return optlib.run(cls(v[f"lr_{name}"], **extra), problem.grad, problem.theta0,
                      STEPS[pg.problem_menu.value], loss=problem.loss, on_divergence="stop")


def assert_plotted(pg, name):
    """The curve (and, for a 2-D problem, the path) of ``name`` equals a fresh run."""
    traj = fresh_run(pg, name)
    path, curve = pg.explorer.lines[name]
    f_min = pg.problem.f_min
    gap = traj.losses - (f_min or 0.0)
    if f_min is not None:
        gap = np.maximum(gap, 1e-16)
    np.testing.assert_array_equal(curve.get_ydata(), gap)
    np.testing.assert_array_equal(curve.get_xdata(), np.arange(len(gap)))
    if pg.problem.dim == 2:
        np.testing.assert_array_equal(path.get_xdata(), traj.thetas[:, 0])
        np.testing.assert_array_equal(path.get_ydata(), traj.thetas[:, 1])
    else:
        assert path is None
    np.testing.assert_array_equal(pg.explorer.trajectories[name].thetas, traj.thetas)


def curve_data(pg, name):
    return np.array(pg.explorer.lines[name][1].get_ydata(), dtype=float).copy()


def test_default_shows_all_six_on_the_first_problem():
    pg = make_playground()
    assert pg.problem_menu.value == "ill-conditioned quadratic (κ = 100)"
    assert pg.selected() == [c.name for c in optlib.OPTIMIZERS]
    assert sorted(pg.explorer.lines) == sorted(c.name for c in optlib.OPTIMIZERS)
    for name in pg.selected():
        assert_plotted(pg, name)


def test_changing_the_problem_reruns_every_optimizer_on_it():
    lrs = {"saddle": {"GD": 0.3, "Adam": 0.05}}
    pg = make_playground(lrs=lrs, selected=["GD", "NAG", "Adam"])
    before = curve_data(pg, "GD")
    set_value(pg.problem_menu, "saddle")
    assert isinstance(pg.problem, optlib.Saddle)
    # the α sliders take the new problem's rates; the others fall back to the defaults
    assert pg.sliders["lr_GD"].value == pytest.approx(0.3)
    assert pg.sliders["lr_Adam"].value == pytest.approx(0.05)
    assert pg.sliders["lr_NAG"].value == pytest.approx(widgets.PLAYGROUND_LRS["NAG"])
    after = curve_data(pg, "GD")
    assert len(after) != len(before) or not np.array_equal(after, before)
    for name in ("GD", "NAG", "Adam"):
        assert_plotted(pg, name)


@pytest.mark.parametrize("problem", list(STEPS))
def test_every_problem_plots_what_run_computes(problem):
    pg = make_playground(problem=problem, selected=["Momentum", "RMSProp"])
    assert pg.explorer.ax_path is None if pg.problem.dim != 2 else pg.explorer.ax_path is not None
    for name in ("Momentum", "RMSProp"):
        assert_plotted(pg, name)


@pytest.mark.parametrize("slider, moved, value", [
    ("gamma", ("Momentum", "NAG"), 0.5),
    ("beta", ("RMSProp",), 0.5),
    ("beta1", ("Adam",), 0.5),
    ("beta2", ("Adam",), 0.9),
    ("lr_GD", ("GD",), 0.02),
    ("lr_AdaGrad", ("AdaGrad",), 0.05),
])
def test_a_slider_moves_exactly_its_optimizers(slider, moved, value):
    pg = make_playground(problem="Rosenbrock")
    before = {name: curve_data(pg, name) for name in pg.selected()}
    set_value(pg.sliders[slider], value)
    assert pg.sliders[slider].value == pytest.approx(value)
    for name in pg.selected():
        after = curve_data(pg, name)
        if name in moved:
            assert not np.array_equal(after, before[name]), f"{slider} did not change {name}"
        else:
            np.testing.assert_array_equal(after, before[name])
        assert_plotted(pg, name)


def test_unticking_removes_an_optimizer_and_keeps_the_sliders():
    pg = make_playground(problem="saddle")
    set_value(pg.sliders["gamma"], 0.7)
    set_value(pg.sliders["lr_Adam"], 0.2)
    set_value(pg.checkboxes["GD"], False)
    assert "GD" not in pg.explorer.lines and "GD" not in pg.explorer.trajectories
    assert pg.sliders["gamma"].value == pytest.approx(0.7)
    assert pg.sliders["lr_Adam"].value == pytest.approx(0.2)
    for name in pg.selected():
        assert_plotted(pg, name)
    set_value(pg.checkboxes["GD"], True)
    assert_plotted(pg, "GD")


def test_a_diverging_run_is_reported_not_raised():
    pg = make_playground(problem="Rosenbrock", selected=["GD"])
    set_value(pg.sliders["lr_GD"], 1.0)
    assert pg.explorer.trajectories["GD"].diverged
    assert "GD diverged" in pg.explorer.status.value
    assert_plotted(pg, "GD")


def test_the_widget_holds_every_control():
    pg = make_playground()
    shown = set()

    def walk(w):
        shown.add(id(w))
        for child in getattr(w, "children", ()):
            walk(child)

    walk(pg.widget)
    assert id(pg.problem_menu) in shown
    assert all(id(box) in shown for box in pg.checkboxes.values())
    assert all(id(s) in shown for s in pg.sliders.values())
    assert id(pg.explorer.output) in shown


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="unknown optimizer"):
        widgets.playground(selected=["SGD"])
