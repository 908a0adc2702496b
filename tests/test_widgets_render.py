"""The live figures render, even when a run diverges (a regression found by `make bench`).

A diverging run's last finite losses reach ~1e300; letting the log axis stretch that far made
matplotlib's tick formatter raise OverflowError, so the reader saw no figure at all.
"""

import contextlib
import io

import numpy as np
import pytest

import optlib.widgets as w

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def quietly(make):
    with contextlib.redirect_stdout(io.StringIO()):   # outside a kernel display() prints a repr
        return make()


def test_playground_renders_while_runs_diverge():
    pg = quietly(lambda: w.playground(problem="Rosenbrock"))
    ex = pg.explorer
    quietly(lambda: setattr(ex.sliders["gamma"], "value", 0.99))
    diverged = [name for name, traj in ex.trajectories.items() if traj.diverged]
    assert diverged, "the test needs a diverging run"
    assert ex.render_png().startswith(PNG_SIGNATURE)
    assert "diverged at step" in ex.status.value
    # the axis stops at the decade above CEILING times the largest starting loss; the line data stay exact
    starts = [traj.losses[0] - ex.problem.f_min for traj in ex.trajectories.values()]
    assert ex.ax_loss.get_ylim()[1] <= 20 * ex.CEILING * max(starts)
    traj = ex.trajectories[diverged[0]]
    np.testing.assert_array_equal(ex.lines[diverged[0]][1].get_ydata(), traj.losses - ex.problem.f_min)


@pytest.mark.parametrize("factory", ["momentum_explorer", "nag_explorer", "adagrad_explorer",
                                     "rmsprop_explorer", "adam_explorer"])
def test_chapter_widgets_render_a_png(factory):
    ex = quietly(getattr(w, factory))
    assert ex.render_png().startswith(PNG_SIGNATURE)
    # after the first render the layout is frozen: moving a slider redraws without re-solving it
    before = [ax.get_position().bounds for ax in ex.fig.axes]
    name, slider = next(iter(ex.sliders.items()))
    quietly(lambda: setattr(slider, "value", slider.max))
    assert ex.render_png().startswith(PNG_SIGNATURE)
    assert [ax.get_position().bounds for ax in ex.fig.axes] == before
