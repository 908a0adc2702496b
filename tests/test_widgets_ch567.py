"""The sliders of chapters 5-7: moving a slider re-runs the optimizers, and the plotted data is a fresh run.

Each test builds the same widget the chapter shows (``optlib.widgets.*_explorer``), sets a slider's value
from Python (what a reader's drag does), and checks that (1) the loss curve and path changed and (2) they
equal ``optlib.run`` with the new value, started afresh.
"""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import optlib  # noqa: E402
from optlib import widgets  # noqa: E402

STEPS = 30


def _curves(ex):
    """{name: (path xy or None, loss-curve y)} copied from the figure's lines."""
    out = {}
    for name, (path, curve) in ex.lines.items():
        xy = None if path is None else np.vstack([np.asarray(path.get_xdata()), np.asarray(path.get_ydata())])
        out[name] = (xy, np.asarray(curve.get_ydata(), dtype=float).copy())
    return out


def _check_against_fresh_run(ex, opt):
    traj = optlib.run(opt, ex.problem.grad, ex.problem.theta0, STEPS, loss=ex.problem.loss,
                      on_divergence="stop", keep_states=False)
    path, curve = ex.lines[opt.name]
    gap = np.maximum(traj.losses - ex.problem.f_min, 1e-16)
    np.testing.assert_allclose(np.asarray(curve.get_ydata(), dtype=float), gap, rtol=1e-12, atol=0)
    np.testing.assert_allclose(np.asarray(path.get_xdata(), dtype=float), traj.thetas[:, 0], rtol=1e-12)
    np.testing.assert_allclose(np.asarray(path.get_ydata(), dtype=float), traj.thetas[:, 1], rtol=1e-12)


CASES = [
    # factory, slider, new value, the optimizers the new value must give
    (widgets.adagrad_explorer, "lr", 0.1,
     lambda: [optlib.GD(0.01), optlib.AdaGrad(0.1)]),
    (widgets.adagrad_explorer, "lr_gd", 0.001,
     lambda: [optlib.GD(0.001), optlib.AdaGrad(0.5)]),
    (widgets.rmsprop_explorer, "beta", 0.5,
     lambda: [optlib.AdaGrad(0.1), optlib.RMSProp(0.1, beta=0.5)]),
    (widgets.rmsprop_explorer, "lr", 0.01,
     lambda: [optlib.AdaGrad(0.01), optlib.RMSProp(0.01, beta=0.9)]),
    (widgets.adam_explorer, "beta1", 0.5,
     lambda: [optlib.RMSProp(0.1, beta=0.9), optlib.Adam(0.1, beta1=0.5, beta2=0.999)]),
    (widgets.adam_explorer, "beta2", 0.9,
     lambda: [optlib.RMSProp(0.1, beta=0.9), optlib.Adam(0.1, beta1=0.9, beta2=0.9)]),
    (widgets.adam_explorer, "lr", 0.01,
     lambda: [optlib.RMSProp(0.01, beta=0.9), optlib.Adam(0.01, beta1=0.9, beta2=0.999)]),
]


@pytest.mark.parametrize("factory, slider, value, expected", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_slider_reruns_and_matches_fresh_run(factory, slider, value, expected):
    ex = factory(steps=STEPS)
    before = _curves(ex)
    ex.sliders[slider].value = value            # what dragging the slider does: fires the callback
    after = _curves(ex)
    assert ex.values()[slider] == pytest.approx(value)
    opts = expected()
    assert [o for o in ex.make(**ex.values())] == opts
    # the optimizers whose hyperparameter moved have new data
    changed = [name for name in after if not np.array_equal(before[name][1], after[name][1])]
    assert changed, f"moving {slider} changed no curve"
    for opt in opts:
        _check_against_fresh_run(ex, opt)
        assert ex.trajectories[opt.name].optimizer == opt


def test_default_values_are_the_chapters_defaults():
    assert widgets.adagrad_explorer(steps=2).values() == pytest.approx({"lr": 0.5, "lr_gd": 0.01})
    assert widgets.rmsprop_explorer(steps=2).values() == pytest.approx({"lr": 0.1, "beta": 0.9})
    assert widgets.adam_explorer(steps=2).values() == pytest.approx({"lr": 0.1, "beta1": 0.9, "beta2": 0.999})
