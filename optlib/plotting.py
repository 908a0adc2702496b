"""One look for every figure: each optimizer keeps its colour, line style and marker in every chapter.

The colours are the Okabe–Ito palette, safe for the common forms of colour blindness; line style and
marker differ too, so that no figure relies on colour alone.
"""

from __future__ import annotations

import contextlib
from typing import Optional

import numpy as np

#: colour, line style and marker of each optimizer, by its ``name``
STYLES = {
    "GD":       {"color": "#000000", "linestyle": "-",                  "marker": "o"},
    "Momentum": {"color": "#E69F00", "linestyle": "--",                 "marker": "s"},
    "NAG":      {"color": "#0072B2", "linestyle": "-.",                 "marker": "^"},
    "AdaGrad":  {"color": "#009E73", "linestyle": ":",                  "marker": "D"},
    "RMSProp":  {"color": "#D55E00", "linestyle": (0, (5, 1)),          "marker": "v"},
    "Adam":     {"color": "#CC79A7", "linestyle": (0, (3, 1, 1, 1)),    "marker": "P"},
}


def style(optimizer, **overrides) -> dict:
    """Matplotlib keyword arguments for an optimizer (or its name): colour, line style, marker, label."""
    name = optimizer if isinstance(optimizer, str) else optimizer.name
    kw = dict(STYLES[name], label=name, markevery=0.1)
    kw.update(overrides)
    return kw


#: the share of an optimizer's colour that its lightest variant keeps (the rest is white)
LIGHTEST = 0.45


def variant(optimizer, k: int, n: int, **overrides) -> dict:
    """Keyword arguments for variant ``k`` of ``n`` of one optimizer (its γ, β, β1, β2 or α swept).

    Every variant keeps the optimizer's marker and line style and takes a shade of its colour, from light
    (``k = 0``, the smallest value) to the full colour (``k = n - 1``), so that a sweep of Adam's β1 is
    read as Adam's at once and is never drawn in another optimizer's colour. Pass ``label=...``.

    >>> [variant("Adam", k, 3)["color"] for k in range(3)]
    ['#e8c3d7', '#da9ebf', '#cc79a7']
    >>> variant("GD", 0, 2)["color"], variant("GD", 1, 2)["color"]
    ('#8c8c8c', '#000000')
    """
    if not (isinstance(n, int) and n >= 1 and isinstance(k, int) and 0 <= k < n):
        raise ValueError(f"k must satisfy 0 ≤ k < n with n ≥ 1, got k={k!r}, n={n!r}")
    kw = style(optimizer)
    kw.pop("label")
    base = kw["color"]
    rgb = np.array([int(base[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    # mixed with white: the lightest variant keeps LIGHTEST of the colour, still readable on white
    keep = 1.0 if n == 1 else LIGHTEST + (1.0 - LIGHTEST) * k / (n - 1)
    mixed = np.rint(255.0 - keep * (255.0 - rgb)).astype(int)
    kw["color"] = "#" + "".join(f"{c:02x}" for c in mixed)
    kw.update(overrides)
    return kw


def contour(ax, problem, levels: int = 30, resolution: int = 200, log: Optional[bool] = None):
    """Draw the contours of a 2-D problem on ``ax`` over ``problem.bounds``, with the minimizer marked."""
    (x0, x1), (y0, y1) = problem.bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    Z = np.array([[problem.loss(np.array([x, y])) for x in xs] for y in ys])
    if problem.f_min is not None:
        Z = Z - problem.f_min
    if log is None:
        log = Z.max() / max(np.median(Z), 1e-12) > 50
    if log:
        lv = np.geomspace(max(Z[Z > 0].min(), Z.max() * 1e-6), Z.max(), levels)
    else:
        lv = np.linspace(Z.min(), Z.max(), levels)
    cs = ax.contour(xs, ys, Z, levels=lv, cmap="Greys", linewidths=0.6, alpha=0.8)
    if problem.minimizer is not None:
        ax.plot(*problem.minimizer, marker="*", color="#F0E442", markeredgecolor="black", markersize=14,
                linestyle="none", label="minimum θ*", zorder=5)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return cs


def jshtml(animation, frame_format: str = "png", quality: int = 75, **kwargs) -> str:
    """``animation.to_jshtml(**kwargs)`` without the style sheet matplotlib links from a CDN.

    ``frame_format`` is how each frame is embedded: ``"png"`` (sharp), or ``"jpeg"``, about a third the
    size for a busy figure (contours and six paths), for a page that must stay under its weight budget.
    ``quality`` is the JPEG frames' quality on Pillow's scale, from 1 to 95 (75, Pillow's own default;
    60 makes a frame of six paths and their loss curves about a fifth smaller); PNG frames ignore it.

    matplotlib's animation player links Font Awesome 4 from maxcdn.bootstrapcdn.com for its button
    icons. The book's site loads nothing from another host; the book theme's own Font Awesome draws
    the same icons. Use it as ``HTML(optlib.plotting.jshtml(anim))`` in place of
    ``HTML(anim.to_jshtml())``.

    Each frame is drawn once, for its image: matplotlib also draws the whole figure after updating
    each frame, for a screen that an embedded animation does not have. A figure with a layout engine
    (``layout="constrained"``, as :func:`subplots` makes) has its layout solved for the first frame and
    kept for the others, so the panels cannot shift from one frame to the next; an animation changes
    its artists' data, not the axes' decorations, so every frame is the picture matplotlib would make.

    >>> from matplotlib.figure import Figure
    >>> from matplotlib.animation import FuncAnimation
    >>> fig = Figure(figsize=(1, 1), dpi=20)
    >>> (line,) = fig.subplots().plot([0, 1], [0, 1])
    >>> html = jshtml(FuncAnimation(fig, lambda k: [line], frames=2))
    >>> head = html.split("<script")[0]
    >>> "<script" in html, "bootstrapcdn" in html, "://" in head
    (True, False, False)
    """
    import re

    import matplotlib

    if frame_format not in ("png", "jpeg"):
        raise ValueError(f"frame_format must be 'png' or 'jpeg', got {frame_format!r}")
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise ValueError(f"quality (of the JPEG frames) must be an integer from 1 to 95, got {quality!r}")
    pil_kwargs = {"quality": quality} if frame_format == "jpeg" else None
    with matplotlib.rc_context({"animation.frame_format": frame_format}), \
            _one_draw_per_frame(animation._fig, pil_kwargs):
        html = animation.to_jshtml(**kwargs)
    return re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">\s*', "", html)


@contextlib.contextmanager
def _one_draw_per_frame(fig, pil_kwargs: Optional[dict] = None):
    """While an animation is saved: each frame drawn once, by one canvas, with the layout solved once
    (and saved with ``pil_kwargs``, when given: the JPEG quality).

    ``Animation.save`` updates a frame, calls ``canvas.draw_idle()`` (a full draw, for a screen that
    frames saved to files do not have), then ``savefig``, which solves the layout engine's layout at the
    saving dpi and draws the frame for its image. Here ``draw_idle`` does nothing, and once the first frame
    is saved its layout stays: the later frames are drawn once each, with no layout to solve. A figure
    already closed (``plt.close``) has a bare canvas, for which ``savefig`` makes a new Agg canvas, and a
    new renderer with empty text caches, at every frame; here one Agg canvas draws them all.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    own_canvas, engine = fig.canvas, fig.get_layout_engine()
    canvas = own_canvas if isinstance(own_canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)  # the figure's, now
    saved = {name: vars(obj)[name] for obj, name in ((canvas, "draw_idle"), (fig, "savefig")) if name in vars(obj)}
    savefig = fig.savefig

    def savefig_then_fix_layout(*args, **kwargs):
        if pil_kwargs:
            kwargs["pil_kwargs"] = {**pil_kwargs, **(kwargs.get("pil_kwargs") or {})}
        savefig(*args, **kwargs)
        if engine is not None and fig.get_layout_engine() is engine:
            # no layout engine from now on (not even the "none" placeholder, for which savefig still makes
            # a layout pass): the axes stay where the first frame's layout put them
            with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)

    canvas.draw_idle = lambda *args, **kwargs: None
    fig.savefig = savefig_then_fix_layout
    try:
        yield
    finally:
        for obj, name in ((canvas, "draw_idle"), (fig, "savefig")):
            if name in saved:
                setattr(obj, name, saved[name])
            else:
                delattr(obj, name)
        if engine is not None:
            fig.set_layout_engine(engine)
        if canvas is not own_canvas:
            fig.set_canvas(own_canvas)


def plot_trajectory(ax, trajectory, label: Optional[str] = None, **kw):
    """Draw θ_0 … θ_T of a 2-D run on ``ax`` in its optimizer's style."""
    th = trajectory.thetas
    opts = style(trajectory.optimizer, markersize=4, linewidth=1.5)
    if label is not None:
        opts["label"] = label
    opts.update(kw)
    return ax.plot(th[:, 0], th[:, 1], **opts)


# --------------------------------------------------------------------------- the figure policy
# The site's page column is about 690 CSS px wide. A figure wider than that is shrunk by the browser and
# its text with it: an 11-inch figure at 100 dpi loses 40 % and its 10-pt legend ends up 5 px tall. So
# every figure of the book is made at most COLUMN_WIDTH inches wide at DPI dots per inch (660 px: shown at
# its own size), with text of at least 9 pt (12.5 px), and multi-panel figures wrap onto more rows
# (at most MAX_COLUMNS panels side by side) instead of shrinking.

#: width of a figure that fills the page column, in inches (660 px at DPI)
COLUMN_WIDTH = 6.6
#: dots per inch of every figure (the inline backend and savefig)
DPI = 100
#: at most this many panels side by side; more wrap onto a new row
MAX_COLUMNS = 2
#: matplotlib settings of the book — text of at least 9 pt, figures of the column's width
RC = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.figsize": (COLUMN_WIDTH, 3.6),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.title_fontsize": 9,
    "figure.titlesize": 11,
}


def use_book_style() -> None:
    """Apply :data:`RC` to matplotlib: call it once, in a chapter's first cell, after importing pyplot.

    >>> import matplotlib
    >>> use_book_style()
    >>> matplotlib.rcParams["figure.dpi"], matplotlib.rcParams["legend.fontsize"]
    (100.0, 9.0)
    """
    import matplotlib

    matplotlib.rcParams.update(RC)


def subplots(n: int = 1, *, ncols: Optional[int] = None, height: float = 3.4, **kwargs):
    """A figure of ``n`` panels sized for the page column: ``(fig, axes)``.

    At most :data:`MAX_COLUMNS` panels per row (``ncols`` may ask for fewer); the rows wrap. Every row is
    ``height`` inches tall; the width is always :data:`COLUMN_WIDTH`. ``axes`` is one Axes for ``n == 1``,
    else a flat array of ``n`` Axes (the unused cells of the last row are removed). Other keyword
    arguments go to :meth:`matplotlib.figure.Figure.subplots` (``sharex``, ``sharey``, ...).

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, axes = subplots(3)
    >>> len(axes), [float(x) for x in fig.get_size_inches()]
    (3, [6.6, 6.8])
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    import matplotlib.pyplot as plt

    if n < 1:
        raise ValueError(f"n (the number of panels) must be at least 1, got {n}")
    cols = min(n, ncols or MAX_COLUMNS, MAX_COLUMNS)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(COLUMN_WIDTH, height * rows), dpi=DPI,
                             layout="constrained", squeeze=False, **kwargs)
    flat = axes.ravel()
    for ax in flat[n:]:
        ax.remove()
    return fig, (flat[0] if n == 1 else flat[:n])


def legend_below(fig, axes=None, ncol: Optional[int] = None, **kwargs):
    """One legend for the whole figure, under its panels, where it hides no data.

    The entries are those of ``axes`` (default: every Axes of ``fig``), each label once, in order.
    ``ncol`` defaults to as many columns as fit the column width (at most 3).
    """
    axes = fig.axes if axes is None else np.atleast_1d(axes).ravel()
    seen = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if not label.startswith("_"):
                seen.setdefault(label, handle)
    ncol = ncol or min(3, max(1, len(seen)))
    return fig.legend(list(seen.values()), list(seen), loc="outside lower center", ncol=ncol, **kwargs)


# --------------------------------------------------------------------------- a grid of tuning runs
def iterations_heatmap(comparison, height: float = 1.95, cmap: str = "cividis"):
    """The whole α search of an :class:`optlib.tuning.Comparison` as a figure: ``(fig, axes)``.

    One panel per problem, one row per optimizer, one column per α of the grid; each cell is coloured
    by the iterations to the tolerance (log scale, shared by every panel, ``cividis``: readable with
    every common form of colour blindness and in grey) and annotated with the count. "div": the run
    diverged; "—": it has no count to trust: it never reached the tolerance, or it is chaotic (the
    comparison's probe, a tiny disturbance of its gradients, changed its count). The tuned α of each
    row is framed, and its count bold.
    """
    import matplotlib.colors as mcolors
    from matplotlib.patches import Rectangle

    grid, div, chaos = comparison.grid(), comparison.diverged(), comparison.sensitive()
    grid = np.where(chaos, np.nan, grid)
    opts, alphas = comparison.optimizers, comparison.alphas
    fig, axes = subplots(len(comparison.problems), ncols=1, height=height, sharex=True)
    axes = np.atleast_1d(axes)
    finite = grid[np.isfinite(grid)]
    norm = mcolors.LogNorm(vmin=1, vmax=max(10.0, finite.max() if finite.size else 10.0))
    cm = matplotlib_cmap(cmap).with_extremes(bad="#eeeeee")
    for ax, p, G, D, C in zip(axes, comparison.problems, grid, div, chaos):
        masked = np.ma.masked_invalid(np.where(G == 0, 1, G))
        im = ax.imshow(masked, cmap=cm, norm=norm, aspect="auto", interpolation="nearest")
        for i, o in enumerate(opts):
            best = comparison[p, o]
            for j, a in enumerate(alphas):
                k = G[i, j]
                text = "div" if D[i, j] else "—" if np.isnan(k) else str(int(k))
                dark = np.isfinite(k) and norm(max(k, 1)) < 0.55
                is_best = best.reached and a == best.lr
                ax.text(j, i, text, ha="center", va="center", fontsize=9,
                        color="white" if dark else "black", fontweight="bold" if is_best else "normal")
                if is_best:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#D55E00",
                                           linewidth=2))
        steps, tol = comparison.settings[p]
        ax.set_title(f"{p}  (T = {steps}, tol = {tol:g})", loc="left")
        ax.set_yticks(range(len(opts)), opts)
    axes[-1].set_xticks(range(len(alphas)), [f"{a:.0e}".replace("e-0", "e-").replace("e+0", "e")
                                             for a in alphas])
    axes[-1].set_xlabel("learning rate α")
    fig.colorbar(im, ax=list(axes), location="bottom", shrink=0.6, aspect=40, pad=0.01,
                 label="iterations to the tolerance (log scale)")
    return fig, axes


def matplotlib_cmap(name: str):
    """matplotlib's colormap ``name``."""
    import matplotlib

    return matplotlib.colormaps[name]
