"""Sliders for running the book's notebooks live, built so that tests can drive them from Python.

An :class:`Explorer` re-runs one or more optimizers on a problem whenever a slider moves, and redraws
a matplotlib figure: the path over the contours (for 2-D problems) and the loss curve. Its callback is
an ordinary method, :meth:`Explorer.update`, so a test can set ``explorer.sliders["gamma"].value`` and
read the new data from ``explorer.lines`` and ``explorer.trajectories``.

In the static website there is no kernel, so sliders cannot work there; each chapter shows an animation
or small multiples in the same place instead.
"""

from __future__ import annotations

from typing import Callable, Dict, NamedTuple, Optional

import numpy as np

from .base import run
from .plotting import contour, style


class Param(NamedTuple):
    """One slider: its range, step, starting value, label (the notes' symbol) and scale."""

    min: float
    max: float
    step: float
    value: float
    label: str
    log: bool = False  # for a log slider, min and max are exponents of 10


class Explorer:
    """Sliders → optimizers → trajectories → figure.

    Parameters
    ----------
    problem : optlib.Problem
        What to minimize; its ``theta0`` is the start.
    make : callable
        ``make(**slider_values)`` returns the optimizers to run (a list), e.g.
        ``lambda lr, gamma: [optlib.GD(lr), optlib.Momentum(lr, gamma)]``.
    params : dict
        Slider name (a keyword of ``make``) → :class:`Param`.
    steps : int
        Steps per run.
    grad : callable, optional
        The gradient to use, ``problem.grad`` by default.
    """

    def __init__(self, problem, make: Callable, params: Dict[str, Param], steps: int = 50,
                 grad: Optional[Callable] = None, figsize=(9.0, 3.8)):
        import ipywidgets as widgets
        from matplotlib.figure import Figure

        self.problem, self.make, self.steps = problem, make, steps
        self.grad = problem.grad if grad is None else grad
        self.sliders = {}
        for name, p in params.items():
            cls = widgets.FloatLogSlider if p.log else widgets.FloatSlider
            kw = dict(min=p.min, max=p.max, step=p.step, value=p.value, description=p.label,
                      continuous_update=False, readout_format=".3g")
            if p.log:
                kw["base"] = 10
            self.sliders[name] = cls(**kw)
        # A Figure not registered with pyplot: the inline backend does not show it by itself.
        self.fig = Figure(figsize=figsize, layout="constrained")
        two_d = problem.dim == 2 and problem.bounds is not None
        if two_d:
            self.ax_path, self.ax_loss = self.fig.subplots(1, 2)
            contour(self.ax_path, problem)
        else:
            self.ax_path, self.ax_loss = None, self.fig.subplots(1, 1)
        self.ax_loss.set_xlabel("iteration t")
        self.ax_loss.set_ylabel("loss J(θ_t)" if problem.f_min is None else "J(θ_t) − J(θ*)")
        self.ax_loss.set_yscale("log")
        self.lines: Dict[str, tuple] = {}
        self.trajectories: Dict[str, object] = {}
        self.output = widgets.Output()
        self.status = widgets.HTML()
        for s in self.sliders.values():
            s.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(self.sliders.values())), self.status, self.output])
        self.update()

    def values(self) -> dict:
        """The sliders' current values, by name."""
        return {name: s.value for name, s in self.sliders.items()}

    def _on_change(self, change) -> None:
        self.update()

    def update(self) -> None:
        """Re-run every optimizer with the sliders' values and redraw."""
        notes = []
        for opt in self.make(**self.values()):
            traj = run(opt, self.grad, self.problem.theta0, self.steps, loss=self.problem.loss,
                       on_divergence="stop", keep_states=False)
            self.trajectories[opt.name] = traj
            if traj.diverged:
                notes.append(f"{opt.name} diverged at step {traj.diverged_at}")
            gap = traj.losses - (self.problem.f_min or 0.0)
            gap = np.maximum(gap, 1e-16) if self.problem.f_min is not None else gap
            if opt.name not in self.lines:
                path = (self.ax_path.plot([], [], **style(opt, markersize=3))[0]
                        if self.ax_path is not None else None)
                curve = self.ax_loss.plot([], [], **style(opt, marker=None))[0]
                self.lines[opt.name] = (path, curve)
            path, curve = self.lines[opt.name]
            if path is not None:
                path.set_data(traj.thetas[:, 0], traj.thetas[:, 1])
            curve.set_data(np.arange(len(gap)), gap)
        self.ax_loss.relim()
        self.ax_loss.autoscale_view()
        self.ax_loss.legend(loc="upper right", fontsize="small")
        self.status.value = "; ".join(notes)
        self._redraw()

    def _redraw(self) -> None:
        from IPython.display import clear_output, display

        with self.output:
            clear_output(wait=True)
            display(self.fig)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


# --------------------------------------------------------------------------- chapters 5-7: the adaptive rates


def adagrad_explorer(steps: int = 100) -> Explorer:
    """Chapter 5's sliders: GD (α_GD) against AdaGrad (α) on dense features of different ranges.

    The problem is ``linear_regression(scales=(1, 10))`` with full-batch gradients: the second feature's
    gradient is about ten times the first's, so GD needs α < 2/λ_max while AdaGrad's per-coordinate
    rate α/(√G_t + ε) evens the two coordinates out.

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel the figure prints as text
    ...     ex = adagrad_explorer(steps=5)
    >>> sorted(ex.sliders), sorted(ex.trajectories)
    (['lr', 'lr_gd'], ['AdaGrad', 'GD'])
    """
    from .adaptive import AdaGrad
    from .gd import GD
    from .problems import linear_regression

    return Explorer(linear_regression(scales=(1.0, 10.0)),
                    lambda lr, lr_gd: [GD(lr_gd), AdaGrad(lr)],
                    {"lr": Param(-2.0, 0.5, 0.05, 0.5, "α (AdaGrad)", log=True),
                     "lr_gd": Param(-3.0, -1.5, 0.05, 0.01, "α (GD)", log=True)},
                    steps=steps)


def rmsprop_explorer(steps: int = 100) -> Explorer:
    """Chapter 6's sliders: AdaGrad against RMSProp (decay β), both with the rate α, on chapter 5's 2-D problem.

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel the figure prints as text
    ...     ex = rmsprop_explorer(steps=5)
    >>> sorted(ex.sliders), sorted(ex.trajectories)
    (['beta', 'lr'], ['AdaGrad', 'RMSProp'])
    """
    from .adaptive import AdaGrad, RMSProp
    from .problems import linear_regression

    return Explorer(linear_regression(scales=(1.0, 10.0)),
                    lambda lr, beta: [AdaGrad(lr), RMSProp(lr, beta=beta)],
                    {"lr": Param(-3.0, 0.0, 0.05, 0.1, "α", log=True),
                     "beta": Param(0.0, 0.999, 0.001, 0.9, "β")},
                    steps=steps)


def adam_explorer(steps: int = 100) -> Explorer:
    """Chapter 7's sliders: RMSProp (β = β2) against Adam (η, β1, β2) on an ill-conditioned quadratic (κ = 50).

    With β1 = 0 and the same β2, Adam is RMSProp with bias correction: the gap between the two curves is
    what the first moment m_t (momentum) adds.

    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel the figure prints as text
    ...     ex = adam_explorer(steps=5)
    >>> sorted(ex.sliders), sorted(ex.trajectories)
    (['beta1', 'beta2', 'lr'], ['Adam', 'RMSProp'])
    """
    from .adam import Adam
    from .adaptive import RMSProp
    from .problems import quadratic

    return Explorer(quadratic(condition_number=50.0),
                    lambda lr, beta1, beta2: [RMSProp(lr, beta=beta2), Adam(lr, beta1=beta1, beta2=beta2)],
                    {"lr": Param(-3.0, 0.0, 0.05, 0.1, "η", log=True),
                     "beta1": Param(0.0, 0.99, 0.01, 0.9, "β1"),
                     "beta2": Param(0.0, 0.999, 0.001, 0.999, "β2")},
                    steps=steps)
