"""Sliders for running the book's notebooks live, built so that they can be driven from Python too.

An :class:`Explorer` re-runs one or more optimizers on a problem whenever a slider moves, and redraws
a matplotlib figure: the path over the contours (for 2-D problems) and the loss curve. Its callback is
an ordinary method, :meth:`Explorer.update`, so a test can set ``explorer.sliders["gamma"].value`` and
read the new data from ``explorer.lines`` and ``explorer.trajectories``.

In the static website there is no kernel, so sliders cannot work there; each chapter shows an animation
or small multiples in the same place instead.
"""

from __future__ import annotations

import asyncio
import collections
import math
import struct
import time
import zlib
from typing import Callable, Dict, NamedTuple, Optional

import numpy as np

from .base import run
from . import plotting
from .plotting import contour, style


class Param(NamedTuple):
    """One slider: its range, step, starting value, label (the notes' symbol) and scale."""

    #: the smallest value (for a log slider, the exponent of 10 of the smallest value)
    min: float
    #: the largest value (for a log slider, the exponent of 10 of the largest value)
    max: float
    #: the step between two positions of the handle (for a log slider, in the exponent)
    step: float
    #: the starting value (for a log slider, the value itself, not its exponent)
    value: float
    #: the label, the notes' symbol (α, γ, β1, …)
    label: str
    #: True for a log slider, whose handle moves the exponent of 10
    log: bool = False
    #: the format of the value shown beside the handle
    readout_format: str = ".3g"


#: a slider's label is shown whole ("α Momentum", not "α Moment…") — its width follows its text
LABEL_STYLE = {"description_width": "initial"}

#: the visually hidden style of the line that speaks the sliders' values (seen by screen readers only)
_SR_ONLY = ("position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;"
            "clip:rect(0,0,0,0);white-space:nowrap;border:0")


def _format(value: float, fmt: str = ".3g") -> str:
    return format(value, fmt)


def _loop_busy(loop) -> bool:
    """Whether other work waits in the event loop (a message being handled), besides the current callback.

    asyncio keeps the callbacks ready to run in ``loop._ready``; an event loop without it counts as idle."""
    return len(getattr(loop, "_ready", ())) > 0


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes(rgba) -> bytes:
    """An opaque RGBA image (height × width × 4, uint8) as a lossless 8-bit RGB PNG, encoded fast.

    Each row is stored unfiltered and the whole is deflated with zlib's run-length strategy at level 1:
    a figure's flat backgrounds and one-pixel lines compress to about a tenth, in a third of the time
    that PIL's adaptive row filters take (which try five filters on every row). The alpha channel is
    dropped: the live figure is opaque (its background is white).

    >>> img = np.zeros((2, 3, 4), np.uint8)
    >>> img[..., 3] = 255
    >>> img[0, 1, :3] = (10, 20, 30)
    >>> from PIL import Image; import io
    >>> back = np.asarray(Image.open(io.BytesIO(png_bytes(img))))
    >>> back.shape, back[0, 1].tolist(), bool((back == img[..., :3]).all())
    ((2, 3, 3), [10, 20, 30], True)
    """
    rgba = np.asarray(rgba)
    height, width = rgba.shape[:2]
    raw = np.empty((height, 1 + 3 * width), np.uint8)
    raw[:, 0] = 0                                               # each row's filter type: 0, none
    raw[:, 1:] = rgba[..., :3].reshape(height, 3 * width)
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    data = deflate.compress(raw.tobytes()) + deflate.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)   # 8 bits, RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _marker_indices(line, every: float) -> np.ndarray:
    """The vertices of ``line`` that ``markevery=every`` (a float: a fraction of the axes' diagonal) marks.

    The selection of matplotlib ≥ 3.9, computed here so that every matplotlib draws the same markers and
    none fails on a diverged path: matplotlib 3.8 (the browser's, in Pyodide) lists every marker position
    along the path with ``np.arange`` and raises "Maximum allowed size exceeded" when a run's last point
    lies astronomically far outside the axes (or is not finite); 3.9 and later skip the non-finite points
    and look only at the positions next to a vertex, as done here. Returns indices into the line's data.

    >>> import matplotlib; from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> line, = ax.plot([0.0, 0.5, 1.0, 1e200, np.inf], [0.0, 0.5, 1.0, 1e200, 0.0], markevery=0.1)
    >>> ax.set_xlim(0, 1); ax.set_ylim(0, 1)
    (0.0, 1.0)
    (0.0, 1.0)
    >>> _marker_indices(line, 0.1).tolist()       # as matplotlib 3.11 marks it; 3.8 raises ValueError
    [0, 1, 2]
    """
    xy = np.asarray(line.get_xydata(), dtype=float)
    kept = np.flatnonzero(np.isfinite(xy).all(axis=1))
    if not len(kept):
        return kept
    disp = line.get_transform().transform(xy[kept])
    delta = np.zeros(len(disp))
    delta[1:] = np.hypot(*(disp[1:] - disp[:-1]).T)
    delta = np.cumsum(delta)
    (x0, y0), (x1, y1) = line.axes.transAxes.transform([[0, 0], [1, 1]])
    step = every * np.hypot(x1 - x0, y1 - y0)
    with np.errstate(invalid="ignore"):
        marks = delta - np.remainder(delta, step)
        marks = np.union1d(marks, marks + step)
        marks = marks[(marks >= 0) & (marks < delta[-1])]
    right = np.searchsorted(delta, marks, side="left")
    left = np.maximum(right - 1, 0)
    right = np.minimum(right, len(delta) - 1)
    inds = np.where(np.abs(delta[right] - marks) < np.abs(marks - delta[left]), right, left)
    inds = np.unique(np.searchsorted(delta, delta[inds], side="left"))
    return kept[inds]


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
    figsize : tuple, optional
        The figure's size in inches: by default as wide as every figure of the book
        (:data:`optlib.plotting.COLUMN_WIDTH`, drawn at :data:`optlib.plotting.DPI`) and
        :attr:`HEIGHT` tall.
    title : str, optional
        A title over the loss curves.
    """

    def __init__(self, problem, make: Callable, params: Dict[str, Param], steps: int = 50,
                 grad: Optional[Callable] = None, figsize=None, title: Optional[str] = None):
        import ipywidgets as widgets
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self.problem, self.make, self.steps = problem, make, steps
        self.grad = problem.grad if grad is None else grad
        self.params = dict(params)
        self.sliders = {}
        for name, p in params.items():
            cls = widgets.FloatLogSlider if p.log else widgets.FloatSlider
            kw = dict(min=p.min, max=p.max, step=p.step, value=p.value, description=p.label,
                      continuous_update=False, readout_format=p.readout_format, style=LABEL_STYLE)
            if p.log:
                # the handle of a log slider reports its exponent (−0.75) to screen readers; the
                # tooltip and the spoken line below (self.spoken) give the value itself
                kw.update(base=10, tooltip=f"{p.label}, on a log scale: the number shown is the value")
            self.sliders[name] = cls(**kw)
        # runs already made, by optimizer (its hyperparameters): moving one slider re-runs only the
        # optimizers that slider changes, and going back to a value shown before re-runs nothing
        self._runs: Dict[object, object] = {}
        #: seconds of the latest updates, for `make bench`: (the whole update, of which the PNG render,
        #: of which its encoding, and the runs)
        self.timings = collections.deque(maxlen=1000)
        self._encode_s = 0.0
        self._legend, self._legend_names = None, ()
        self._backgrounds: Dict[tuple, object] = {}    # the figure without its lines, by loss-axis limits
        self._frozen = False
        self._static = None                             # the figure without the loss panel and the lines
        self._markevery: dict = {}                      # each line's markevery as styled (see _place_markers)
        self._hold = False                              # set_values: one update for several sliders
        self._plan: collections.deque = collections.deque()     # runs to prepare while the reader is idle
        self._preparing = False
        self._last_update = 0.0
        # A Figure not registered with pyplot: the inline backend does not show it by itself. It follows
        # the book's figure policy (optlib.plotting): the page column's width at the book's dpi, its text
        # sizes (ticks and legend 9 pt), whatever the notebook's own matplotlib settings are.
        if figsize is None:
            figsize = (plotting.COLUMN_WIDTH, self.HEIGHT)
        with self._style():
            self.fig = Figure(figsize=figsize, dpi=plotting.DPI, layout="constrained")
            self.canvas = FigureCanvasAgg(self.fig)    # drawn by render_png, attached once
            two_d = problem.dim == 2 and problem.bounds is not None
            if two_d:
                self.ax_path, self.ax_loss = self.fig.subplots(1, 2)
                contour(self.ax_path, problem)
            else:
                self.ax_path, self.ax_loss = None, self.fig.subplots(1, 1)
            self.ax_loss.set_xlabel("iteration t")
            self.ax_loss.set_ylabel("loss J(θ_t)" if problem.f_min is None else "J(θ_t) − J(θ*)")
            self.ax_loss.set_yscale("log")
            if title is not None:
                self.ax_loss.set_title(title)
        self.lines: Dict[str, tuple] = {}
        self.trajectories: Dict[str, object] = {}
        #: the figure, as an image widget: a move sends the new PNG's bytes to the page, which swaps the
        #: picture in place (no output area to clear and re-create, no base64 text)
        # shown at its own size (660 px: the text at the book's size), not stretched to the cell's width
        self.image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start", max_width="100%"))
        self.output = self.image          # the name the earlier versions used for the figure's widget
        self.status = widgets.HTML()
        #: what a screen reader announces after a move — every slider's value, in words it can read
        self.spoken = widgets.HTML()
        for s in self.sliders.values():
            s.observe(self._on_change, names="value")
        self.widget = widgets.VBox([widgets.HBox(list(self.sliders.values())), self.status, self.spoken,
                                    self.image])
        self.update()

    #: height of the live figure in inches (its width is the page column's, as every figure of the book)
    HEIGHT = 3.4

    @staticmethod
    def _style():
        """The book's matplotlib settings (:data:`optlib.plotting.RC`) while the figure is built or drawn."""
        import matplotlib

        return matplotlib.rc_context(plotting.RC)

    def values(self) -> dict:
        """The sliders' current values, by name.

        A value within a hair (10⁻⁹) of one of its slider's steps is that step, written as Python writes
        it: the browser computes a step as 0.9100000000000001 or 10^−1.5 with its own last bits, and the
        same move must find the same run (see ``_prepare_next``)."""
        return {name: self._on_grid(name, s.value) for name, s in self.sliders.items()}

    def _on_grid(self, name: str, value: float) -> float:
        p = self.params[name]
        if p.log and not value > 0:
            return value
        x = math.log10(value) if p.log else value
        k = round((x - p.min) / p.step)
        step = float(format(p.min + k * p.step, ".12g"))
        if abs(step - x) > 1e-9 * max(1.0, abs(x)):
            return value                          # a value between the steps (a start value) stays as it is
        return 10.0 ** step if p.log else step

    def _neighbours(self, name: str, direction: int = 0) -> list:
        """The values one key press can give the slider ``name`` (the steps on each side), ``direction`` first."""
        p = self.params[name]
        value = self._on_grid(name, self.sliders[name].value)
        if p.log and not value > 0:
            return []
        x = (math.log10(value) if p.log else value - p.min) - (p.min if p.log else 0.0)
        low, high = math.floor(x / p.step + 1e-9), math.ceil(x / p.step - 1e-9)
        ups = [k for k in (high, high + 1) if k * p.step > x + 1e-9 * p.step]
        downs = [k for k in (low, low - 1) if k * p.step < x - 1e-9 * p.step]
        order = downs + ups if direction < 0 else ups + downs
        out = []
        for k in order:
            y = float(format(p.min + k * p.step, ".12g"))
            if p.min - 1e-12 <= y <= p.max + 1e-12:
                out.append(10.0 ** y if p.log else y)
        return out

    def _on_change(self, change) -> None:
        if not self._hold:
            moved = next((k for k, s in self.sliders.items() if s is change["owner"]), None)
            self.update(moved)
            self._prepare_next(moved, 1 if change["new"] > change["old"] else -1)

    #: most runs prepared after one move (the steps on each side of every slider)
    PREPARE_MAX = 40
    #: seconds after a move before its neighbours' runs are started (the browser decodes the new figure)
    PREPARE_AFTER = 0.05

    def _prepare_next(self, moved: Optional[str] = None, direction: int = 0) -> None:
        """While the kernel waits for the reader: make the runs that the next key press would need.

        A key press moves one slider by one step, so after each move the runs for one step either side
        of every slider (the slider just moved first, in the direction it went) are made in the
        kernel's idle time, one run per turn of its event loop: a message from the page waits for at
        most one run. Outside a kernel (no event loop running) nothing is prepared."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        values = self.values()
        plan: list = []
        for name in sorted(self.sliders, key=lambda n: n != moved):
            for value in self._neighbours(name, direction if name == moved else 0):
                for opt in self.make(**{**values, name: value}):
                    if opt not in self._runs and opt not in plan:
                        plan.append(opt)
        self._plan = collections.deque(plan[:self.PREPARE_MAX])
        if self._plan and not self._preparing:
            self._preparing = True
            loop.call_later(self.PREPARE_AFTER, self._prepare_one)   # the page first shows the new figure

    def _prepare_one(self) -> None:
        loop = asyncio.get_running_loop()
        if _loop_busy(loop):
            # the kernel is handling a message (its steps wait in the loop): let it finish first, else
            # each of its awaits would wait for one more run
            loop.call_later(self.PREPARE_RETRY, self._prepare_one)
            return
        self._preparing = False
        while self._plan:
            opt = self._plan.popleft()
            if opt not in self._runs:
                self._store(opt, self._new_run(opt))
                break
        if self._plan:
            self._preparing = True
            loop.call_later(self.PREPARE_RETRY, self._prepare_one)

    #: seconds between two prepared runs, or before trying again when the kernel is busy
    PREPARE_RETRY = 0.005

    def set_values(self, values: dict) -> None:
        """Set several sliders at once ({name: value}), then re-run and redraw once."""
        self._hold = True
        try:
            for name, value in values.items():
                self.sliders[name].value = value
        finally:
            self._hold = False
        self.update()

    def spoken_values(self, names=None) -> str:
        """The sliders' values as a sentence ("α = 0.178, γ = 0.9"): the values, never a log slider's exponent.

        ``names``: only these sliders (all by default)."""
        return ", ".join(f"{self.params[k].label} = {_format(s.value, self.params[k].readout_format)}"
                         for k, s in self.sliders.items() if names is None or k in names)

    #: how many runs an explorer keeps (least recently used first out; a move prepares up to PREPARE_MAX)
    CACHE_SIZE = 512

    def _new_run(self, opt):
        return run(opt, self.grad, self.problem.theta0, self.steps, loss=self.problem.loss,
                   on_divergence="stop", keep_states=False)

    def _store(self, opt, traj) -> None:
        self._runs.pop(opt, None)
        if len(self._runs) >= self.CACHE_SIZE:
            self._runs.pop(next(iter(self._runs)))          # least recently used first out
        self._runs[opt] = traj                              # most recently used last

    def _run(self, opt):
        """The run of ``opt`` (an optimizer with its hyperparameters), made once and then reused."""
        traj = self._runs.get(opt)
        self._store(opt, self._new_run(opt) if traj is None else traj)
        return traj if traj is not None else self._runs[opt]

    def update(self, moved: Optional[str] = None) -> None:
        """Re-run every optimizer with the sliders' values (runs already made are reused) and redraw.

        ``moved``: the slider that just moved; the line read to screen readers says its value alone
        ("α = 0.0316"), else every slider's."""
        start = time.perf_counter()
        notes, lows, highs, starts = [], [], [], []
        runs = 0.0
        for opt in self.make(**self.values()):
            t0 = time.perf_counter()
            traj = self._run(opt)
            runs += time.perf_counter() - t0
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
            shown = gap[gap > 0]
            if len(shown):
                lows.append(shown.min())
                highs.append(shown.max())
                starts.append(shown[0])
        self._set_loss_limits(lows, highs, starts)
        if self._legend_names != tuple(self.lines):      # the legend changes only with the set of lines
            # under the panels, off the data: it is drawn with the background, never over a moving line
            if self._legend is not None:
                self._legend.remove()
            curves = [curve for _, curve in self.lines.values()]
            with self._style():     # the legend's text at the book's size (9 pt), not "small"
                self._legend = self.fig.legend(curves, list(self.lines), loc="outside lower center",
                                               ncols=min(len(curves), 6), frameon=False)
            self._legend_names = tuple(self.lines)
        self.status.value = "; ".join(notes)
        said = self.spoken_values(None if moved is None else [moved])
        self.spoken.value = f'<div role="status" aria-live="polite" style="{_SR_ONLY}">{said}</div>'
        png = self._redraw()
        self._last_update = time.perf_counter()
        self.timings.append((self._last_update - start, png, self._encode_s, runs))

    #: The loss axis shows at most this many times the largest starting loss. A diverging run leaves the
    #: chart at the top (its status line says so) instead of stretching the axis to 1e300, where
    #: matplotlib's log tick formatter overflows.
    CEILING = 1e6

    #: the live figure's resolution in dots per inch, the book's (:data:`optlib.plotting.DPI`)
    DPI = plotting.DPI

    def _set_loss_limits(self, lows: list, highs: list, starts: list) -> None:
        """The loss axis spans whole decades around the curves: it changes only when a curve leaves them,
        so most moves redraw the lines over a background already drawn (see :meth:`render_png`)."""
        self.ax_loss.set_xlim(0, self.steps)
        if not lows:
            return
        top = min(max(highs), self.CEILING * max(starts))
        bottom = max(min(lows), top * 1e-18, 1e-300)
        self.ax_loss.set_ylim(10.0 ** np.floor(np.log10(bottom / 2)), 10.0 ** np.ceil(np.log10(top * 2)))

    #: backgrounds kept (one per span of the loss axis; 0.9 MB each)
    BACKGROUNDS = 12

    def _moving(self) -> list:
        """The artists a move changes: the paths and the loss curves."""
        return [a for pair in self.lines.values() for a in pair if a is not None]

    def _over_lines(self) -> list:
        """What a full draw puts over the lines (a higher zorder: frames, marks), in its order.

        The axes' tick marks and labels, and their titles, stay in the background: they lie outside the
        frame, where no line is drawn (the lines and their markers are clipped to the frame)."""
        from matplotlib.axis import Axis

        moving = set(self._moving())
        low = min((a.get_zorder() for a in moving), default=2)
        over = []
        for ax in self.fig.axes:
            titles = {id(getattr(ax, t, None)) for t in ("title", "_left_title", "_right_title")}
            kids = [c for c in ax.get_children() if c.get_zorder() > low and c not in moving
                    and not isinstance(c, Axis) and c is not ax.patch and id(c) not in titles]
            over += sorted(kids, key=lambda c: c.get_zorder())        # stable: ties keep their order
        return over

    def render_png(self) -> bytes:
        """The figure as PNG bytes, as the live notebook shows it.

        The layout is solved at the first render, then frozen: the margins stay fixed. The figure without
        its lines (contours, axes, ticks, labels: most of the drawing time) is kept: the part outside the
        loss panel is drawn once, the loss panel once per span of its axis. A move restores it and draws
        only the lines (and the frames and marks a full draw puts over them), then encodes the pixels
        directly (:func:`png_bytes`). The pixels are those of a full draw: same artists, same order.
        """
        with self._style():
            self._draw_blitted()
        start = time.perf_counter()
        png = png_bytes(np.asarray(self.canvas.buffer_rgba()))
        self._encode_s = time.perf_counter() - start
        return png

    def _draw_blitted(self) -> None:
        moving = self._moving()
        over = self._over_lines()
        for a in moving + over:
            a.set_animated(True)                    # left out of canvas.draw(): drawn one by one below
        key = (self.ax_loss.get_ylim(), self.ax_loss.get_xlim())
        background = self._backgrounds.pop(key, None)
        if background is None and not self._frozen:
            self.canvas.draw()                      # first render: this draw solves the layout; keep it
            self.fig.set_layout_engine("none")
            self._frozen = True
            background = self.canvas.copy_from_bbox(self.fig.bbox)
        elif background is None:
            # the loss panel over the rest of the figure (the contours, the path panel's axes), drawn once
            if self._static is None:
                self.ax_loss.set_visible(False)
                self.canvas.draw()
                self.ax_loss.set_visible(True)
                self._static = self.canvas.copy_from_bbox(self.fig.bbox)
            else:
                self.canvas.restore_region(self._static)
            self.fig.draw_artist(self.ax_loss)
            background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(background)
        if len(self._backgrounds) >= self.BACKGROUNDS:
            self._backgrounds.pop(next(iter(self._backgrounds)))
        self._backgrounds[key] = background
        for a in moving:
            self._place_markers(a)
            a.axes.draw_artist(a)
        for a in over:
            a.axes.draw_artist(a)
        for a in moving + over:
            a.set_animated(False)                   # the figure stays whole for anyone else who draws it

    def _place_markers(self, line) -> None:
        """Mark the vertices that the line's style (``markevery``, a fraction of the diagonal) selects,
        chosen by :func:`_marker_indices`, as an explicit list (the same in every matplotlib)."""
        every = self._markevery.setdefault(line, line.get_markevery())
        if isinstance(every, float) and line.get_marker() not in (None, "None", "none", "", " "):
            line.set_markevery(_marker_indices(line, every).tolist())

    def _redraw(self) -> float:
        """Render the figure and send it to the page's image; returns the seconds the PNG render took."""
        start = time.perf_counter()
        png = self.render_png()
        seconds = time.perf_counter() - start
        self.image.value = png
        return seconds

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
    >>> # outside a kernel the figure prints as text: keep it quiet
    >>> with contextlib.redirect_stdout(io.StringIO()):
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
    >>> # outside a kernel the figure prints as text: keep it quiet
    >>> with contextlib.redirect_stdout(io.StringIO()):
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


def adam_explorer(steps: int = 300) -> Explorer:
    """Chapter 7's sliders: Adam (η, β1, β2) against RMSProp (same rate, β = 0.9) on the Rosenbrock valley.

    RMSProp keeps the notes' default β = 0.9 and only follows the η slider: the gap between the two
    curves is what Adam's first moment m_t (momentum, β1) and its bias-corrected β2 average add.

    >>> import contextlib, io
    >>> # outside a kernel the figure prints as text: keep it quiet
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     ex = adam_explorer(steps=5)
    >>> sorted(ex.sliders), sorted(ex.trajectories)
    (['beta1', 'beta2', 'lr'], ['Adam', 'RMSProp'])
    """
    from .adam import Adam
    from .adaptive import RMSProp
    from .problems import Rosenbrock

    return Explorer(Rosenbrock(),
                    lambda lr, beta1, beta2: [RMSProp(lr, beta=0.9), Adam(lr, beta1=beta1, beta2=beta2)],
                    {"lr": Param(-3.0, 0.0, 0.05, 0.1, "η", log=True),
                     "beta1": Param(0.0, 0.99, 0.01, 0.9, "β1"),
                     "beta2": Param(0.0, BETA2_MAX, 0.0001, 0.999, "β2", readout_format=".4g")},
                    steps=steps)


#: β2's slider goes up to 0.9999 (a value often tried beside the notes' 0.999), in steps of 0.0001
BETA2_MAX = 0.9999

# --------------------------------------------------------------------------- chapter 8: the playground

#: the problems of chapter 8, by the name the playground's dropdown shows (each built on demand)
PLAYGROUND_PROBLEMS = {
    "ill-conditioned quadratic (κ = 100)": lambda: _problems().quadratic(100),
    "Rosenbrock": lambda: _problems().Rosenbrock(),
    "saddle": lambda: _problems().Saddle(),
    "sparse regression": lambda: _problems().sparse_regression(),
    "two-layer network (two moons)": lambda: _problems().TwoLayerNet(),
}

#: steps per run for each problem of :data:`PLAYGROUND_PROBLEMS`
PLAYGROUND_STEPS = {"ill-conditioned quadratic (κ = 100)": 300, "Rosenbrock": 2000, "saddle": 200,
                    "sparse regression": 300, "two-layer network (two moons)": 300}

#: starting learning rates α (η for Adam) when ``playground`` is given none
PLAYGROUND_LRS = {"GD": 0.01, "Momentum": 0.003, "NAG": 0.003, "AdaGrad": 0.3, "RMSProp": 0.01, "Adam": 0.1}


def _problems():
    from . import problems
    return problems


def _optimizer_classes() -> dict:
    from .adam import Adam
    from .adaptive import AdaGrad, RMSProp
    from .gd import GD
    from .momentum import NAG, Momentum
    return {c.name: c for c in (GD, Momentum, NAG, AdaGrad, RMSProp, Adam)}


class Playground:
    """The chapter 8 playground: a problem dropdown, one checkbox per optimizer, and sliders.

    The sliders are α for each optimizer (``lr_GD``, ``lr_Momentum``, …, log scale; η for Adam) and the
    shared decays γ (``gamma``, Momentum and NAG), β (``beta``, RMSProp), β1 and β2 (``beta1``,
    ``beta2``, Adam); ε stays at the notes' 10⁻⁸. Underneath is an :class:`Explorer`, rebuilt when the
    problem or the set of optimizers changes (its figure depends on both), and updated in place when a
    slider moves. A test drives it from Python: set ``pg.problem_menu.value``,
    ``pg.checkboxes["Adam"].value`` or ``pg.sliders["gamma"].value``, then read
    ``pg.explorer.lines`` and ``pg.explorer.trajectories``.
    """

    def __init__(self, problems: Optional[dict] = None, lrs: Optional[dict] = None,
                 steps: Optional[dict] = None, selected=None, problem: Optional[str] = None):
        import ipywidgets as widgets

        self.problems = dict(PLAYGROUND_PROBLEMS if problems is None else problems)
        if not self.problems:
            raise ValueError("problems must name at least one problem")
        self.classes = _optimizer_classes()
        # lrs: {problem name: {optimizer name: α}} or one {optimizer name: α} for every problem
        lrs = PLAYGROUND_LRS if lrs is None else lrs
        flat = all(k in self.classes for k in lrs)
        self.lrs = {p: {**PLAYGROUND_LRS, **(lrs if flat else lrs.get(p, {}))} for p in self.problems}
        self.steps = {p: (steps or {}).get(p, PLAYGROUND_STEPS.get(p, 200)) for p in self.problems}
        selected = list(self.classes) if selected is None else list(selected)
        unknown = [s for s in selected if s not in self.classes]
        if unknown:
            raise ValueError(f"unknown optimizer(s) {unknown}; choose from {list(self.classes)}")
        self._instances: dict = {}
        self._explorers: dict = {}
        self._prebuild_armed, self._last_change = False, 0.0
        #: seconds each rebuild took (a new problem or set of optimizers), for `make bench`
        self.timings = collections.deque(maxlen=1000)
        # the menu as wide as its longest name ("two-layer network (two moons)" is not cut)
        self.problem_menu = widgets.Dropdown(options=list(self.problems), description="problem",
                                             value=problem if problem is not None else next(iter(self.problems)),
                                             style=LABEL_STYLE, layout=widgets.Layout(width="max-content"))
        self.checkboxes = {name: widgets.Checkbox(value=name in selected, description=name, indent=False)
                           for name in self.classes}
        self.explorer: Optional[Explorer] = None
        self.sliders: dict = {}
        self.widget = widgets.VBox()
        self.problem_menu.observe(self._on_problem, names="value")
        for box in self.checkboxes.values():
            box.observe(self._on_selection, names="value")
        self._rebuild(reset_lrs=True)

    @property
    def problem(self):
        """The problem the dropdown selects (built once, then reused)."""
        return self._problem(self.problem_menu.value)

    def _problem(self, name: str):
        if name not in self._instances:
            self._instances[name] = self.problems[name]()
        return self._instances[name]

    def selected(self) -> list:
        """The names of the ticked optimizers, in the notes' order."""
        return [name for name, box in self.checkboxes.items() if box.value]

    def make(self, gamma=0.9, beta=0.9, beta1=0.9, beta2=0.999, **lrs) -> list:
        """The ticked optimizers with the sliders' hyperparameters (``lrs`` holds ``lr_<name>``)."""
        extra = {"Momentum": dict(gamma=gamma), "NAG": dict(gamma=gamma), "RMSProp": dict(beta=beta),
                 "Adam": dict(beta1=beta1, beta2=beta2)}
        return [self.classes[n](lrs[f"lr_{n}"], **extra.get(n, {})) for n in self.selected()]

    def _params(self, reset_lrs: bool, name: Optional[str] = None) -> dict:
        old = {k: s.value for k, s in self.sliders.items()}
        lrs = self.lrs[self.problem_menu.value if name is None else name]
        params = {}
        for n in self.classes:
            value = lrs[n] if reset_lrs or f"lr_{n}" not in old else old[f"lr_{n}"]
            params[f"lr_{n}"] = Param(-5.0, 1.0, 0.1, value, "α " + n if n != "Adam" else "η Adam", log=True)
        for key, label, value in (("gamma", "γ", 0.9), ("beta", "β", 0.9), ("beta1", "β1", 0.9)):
            params[key] = Param(0.0, 0.999, 0.001, old.get(key, value), label)
        params["beta2"] = Param(0.0, BETA2_MAX, 0.0001, old.get("beta2", 0.999), "β2", readout_format=".4g")
        return params

    def _on_problem(self, change) -> None:
        self._rebuild(reset_lrs=True)

    def _on_selection(self, change) -> None:
        self._rebuild(reset_lrs=False)

    def _rebuild(self, reset_lrs: bool) -> None:
        import ipywidgets as widgets

        start = time.perf_counter()
        name = self.problem_menu.value
        params = self._params(reset_lrs)
        # one explorer per problem and set of optimizers, kept: coming back to one redraws its figure
        # with the sliders' values instead of building it again (its runs and backgrounds are kept too)
        key = (name, tuple(self.selected()))
        if key in self._explorers:
            self.explorer = self._explorers[key]
            self.explorer.set_values({k: p.value for k, p in params.items()})
        else:
            self.explorer = self._explorers[key] = self._new_explorer(name, params)
        self.sliders = self.explorer.sliders
        lr_row = [s for k, s in self.sliders.items() if k.startswith("lr_")]
        decay_row = [s for k, s in self.sliders.items() if not k.startswith("lr_")]
        self.widget.children = [
            widgets.HBox([self.problem_menu, *self.checkboxes.values()]),
            widgets.GridBox(lr_row, layout=widgets.Layout(grid_template_columns="repeat(3, 1fr)")),
            widgets.HBox(decay_row), self.explorer.status, self.explorer.spoken, self.explorer.output]
        self.timings.append(time.perf_counter() - start)
        self._last_change = time.perf_counter()
        self._arm_prebuild()

    def _new_explorer(self, name: str, params: dict) -> Explorer:
        return Explorer(self._problem(name), self.make, params, steps=self.steps[name],
                        title=f"{name}: {self.steps[name]} steps")

    #: seconds without a change before the other problems' figures are prepared
    PREBUILD_AFTER = 1.0

    def _arm_prebuild(self) -> None:
        """Once the reader has left the controls alone for :attr:`PREBUILD_AFTER` seconds, build the
        other problems' explorers (their runs and first draw), one per turn of the kernel's event loop:
        choosing another problem then redraws a figure already made. Outside a kernel nothing is built."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if not self._prebuild_armed:
            self._prebuild_armed = True
            loop.call_later(self.PREBUILD_AFTER, self._prebuild_one)

    def _prebuild_one(self) -> None:
        self._prebuild_armed = False
        idle = time.perf_counter() - max(self._last_change, self.explorer._last_update)
        if idle < self.PREBUILD_AFTER or _loop_busy(asyncio.get_running_loop()):
            self._arm_prebuild()
            return
        selected = tuple(self.selected())
        todo = [n for n in self.problems if (n, selected) not in self._explorers]
        if not todo:
            return
        name = todo[0]
        params = self._params(reset_lrs=True, name=name)
        self._explorers[(name, selected)] = self._new_explorer(name, params)
        self._last_change = time.perf_counter() - self.PREBUILD_AFTER      # go on at the next turn
        if len(todo) > 1:
            self._arm_prebuild()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def playground(problems: Optional[dict] = None, lrs: Optional[dict] = None, steps: Optional[dict] = None,
               selected=None, problem: Optional[str] = None) -> Playground:
    """The chapter 8 playground: choose the problem, the optimizers and their hyperparameters, live.

    Parameters
    ----------
    problems : dict, optional
        Name → a function returning an :class:`optlib.Problem`; :data:`PLAYGROUND_PROBLEMS` by default
        (the quadratic with κ = 100, Rosenbrock, the saddle, the sparse regression, the two-layer net).
    lrs : dict, optional
        The starting α of each optimizer (η for Adam): ``{optimizer name: α}`` for every problem, or
        ``{problem name: {optimizer name: α}}`` (e.g. the tuned rates of chapter 8). Choosing another
        problem resets the α sliders to that problem's values.
    steps : dict, optional
        Problem name → steps per run (:data:`PLAYGROUND_STEPS` by default).
    selected : list of str, optional
        The optimizers ticked at the start (all six by default).
    problem : str, optional
        The problem shown first (the first of ``problems`` by default).

    Returns
    -------
    Playground
        Display it in a notebook; ``.explorer`` holds the current :class:`Explorer`.

    Examples
    --------
    >>> import contextlib, io, optlib.widgets as w
    >>> # outside a kernel the figure's repr is printed: keep it quiet
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     pg = w.playground(selected=["GD", "Adam"], steps={"saddle": 20},
    ...                       problem="saddle")
    >>> sorted(pg.explorer.trajectories)
    ['Adam', 'GD']
    >>> pg.explorer.trajectories["GD"].steps
    20
    """
    return Playground(problems=problems, lrs=lrs, steps=steps, selected=selected, problem=problem)


# --------------------------------------------------------------------------- chapters 3 and 4: momentum, NAG


def momentum_explorer(steps: int = 100) -> Explorer:
    """Chapter 3's sliders: GD against Momentum, sharing α, with γ for Momentum.

    The problem is ``quadratic(condition_number=100)``, J = ½(θ₁² + 100 θ₂²) from θ_0 = (1, 1): GD is
    stable only for α < 2/λ_max = 0.02, Momentum for α < 2(1 + γ)/λ_max. ``lr`` is α, ``gamma`` is γ
    (γ = 0 makes the two curves coincide).

    >>> import contextlib, io
    >>> # outside a kernel the figure prints as text: keep it quiet
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     ex = momentum_explorer(steps=5)
    >>> sorted(ex.sliders), sorted(ex.trajectories)
    (['gamma', 'lr'], ['GD', 'Momentum'])
    """
    from .gd import GD
    from .momentum import Momentum
    from .problems import quadratic

    return Explorer(quadratic(condition_number=100.0),
                    lambda lr, gamma: [GD(lr), Momentum(lr, gamma)],
                    {"lr": Param(-3.0, -1.0, 0.05, 0.01, "α", log=True),
                     "gamma": Param(0.0, 0.99, 0.01, 0.9, "γ")},
                    steps=steps)


def nag_explorer(steps: int = 100) -> Explorer:
    r"""Chapter 4's sliders: Momentum against NAG with the same α and γ.

    Same problem as :func:`momentum_explorer` (``quadratic(condition_number=100)``, :math:`\theta_0 = (1, 1)`),
    so the only difference between the two curves is where the gradient is taken: at :math:`\theta_t`
    (Momentum) or at the look-ahead :math:`\theta_{\text{temp}} = \theta_t - \gamma V_{t-1}` (NAG).

    >>> import contextlib, io
    >>> # outside a kernel the figure prints as text: keep it quiet
    >>> with contextlib.redirect_stdout(io.StringIO()):
    ...     ex = nag_explorer(steps=5)
    >>> sorted(ex.sliders), sorted(ex.trajectories)
    (['gamma', 'lr'], ['Momentum', 'NAG'])
    """
    from .momentum import NAG, Momentum
    from .problems import quadratic

    return Explorer(quadratic(condition_number=100.0),
                    lambda lr, gamma: [Momentum(lr, gamma), NAG(lr, gamma)],
                    {"lr": Param(-3.0, -1.0, 0.05, 0.01, "α", log=True),
                     "gamma": Param(0.0, 0.99, 0.01, 0.9, "γ")},
                    steps=steps)
