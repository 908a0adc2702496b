"""Interaction: from a slider change to a finished redraw, for each chapter's widget, driven from Python.

What a kernel does when a reader lets go of a slider: ipywidgets sets the slider's value, the observer
calls ``Explorer.update`` (re-run every optimizer, move the lines), which renders the figure to PNG
(``Explorer.render_png``) and displays the bytes in the widget's output area. Here an IPython shell with
the inline backend's formatters stands in for the kernel; the time of the PNG render is also taken
apart (``png``) to show where the time goes.

The widget factories are found by name in :mod:`optlib.widgets`; a missing one is reported, not fatal.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import time
from typing import List

FACTORIES = ("momentum_explorer", "nag_explorer", "adagrad_explorer", "rmsprop_explorer", "adam_explorer",
             "playground")


def _kernel_like_shell():
    """An IPython shell whose display() renders figures to PNG as the inline backend does in a kernel."""
    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    backend = "module://matplotlib_inline.backend_inline"
    matplotlib.use(backend)
    from matplotlib_inline.backend_inline import configure_inline_support

    configure_inline_support(shell, backend)
    return shell


def _other_value(slider, step_count: int):
    """A valid value ``step_count`` slider steps away from the current one (down if up is out of range)."""
    if hasattr(slider, "base"):  # FloatLogSlider: min, max and step are exponents
        import math
        exponent = math.log(slider.value, slider.base)
        up = exponent + step_count * slider.step
        target = up if up <= slider.max else exponent - step_count * slider.step
        return slider.base ** max(slider.min, min(slider.max, target))
    up = slider.value + step_count * slider.step
    target = up if up <= slider.max else slider.value - step_count * slider.step
    return max(slider.min, min(slider.max, target))


def _time_sliders(sliders: dict, png_times: list, changes: int, excluded: list) -> tuple:
    """Median seconds from a slider change to the end of its redraw, and the median PNG render in it."""
    names = list(sliders)
    starts = {name: sliders[name].value for name in names}
    totals, pngs = [], []
    sink = io.StringIO()
    for i in range(changes):
        slider = sliders[names[i % len(names)]]
        value = _other_value(slider, 3) if i // len(names) % 2 == 0 else starts[names[i % len(names)]]
        if value == slider.value:
            value = _other_value(slider, 1)
        before, skip = len(png_times), len(excluded)
        with contextlib.redirect_stdout(sink):
            start = time.perf_counter()
            slider.value = value
            totals.append(time.perf_counter() - start - sum(excluded[skip:]))
        pngs.append(sum(png_times[before:]))
        sink.seek(0)
        sink.truncate()
    return statistics.median(totals), statistics.median(pngs), len(totals)


def _measure_one(name, factory, png_times, failures, excluded, changes) -> List[dict]:
    with contextlib.redirect_stdout(io.StringIO()):
        built = factory()
    if name != "playground":
        before = len(failures)
        total, png, count = _time_sliders(built.sliders, png_times, changes, excluded)
        return [{"widget": name, "median_s": total, "png_s": png, "changes": count, "failed": failures[before:]}]
    rows = []
    for problem in list(built.problems):
        with contextlib.redirect_stdout(io.StringIO()):
            built.problem_menu.value = problem  # rebuilds the explorer (not timed here)
        # every decay slider (γ, β, β1, β2) and two of the six α sliders (GD's and Adam's)
        sliders = {k: s for k, s in built.sliders.items() if not k.startswith("lr_") or k[3:] in ("GD", "Adam")}
        before = len(failures)
        total, png, count = _time_sliders(sliders, png_times, changes, excluded)
        rows.append({"widget": f"playground: {problem}", "median_s": total, "png_s": png, "changes": count,
                     "failed": failures[before:]})
    return rows


def measure(changes: int = 12) -> List[dict]:
    try:
        import ipywidgets  # noqa: F401
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - the book's requirements include both
        return [{"widget": "all", "missing": f"cannot import {exc.name}"}]
    shell = _kernel_like_shell()
    import optlib.widgets as widgets

    png_times: list = []
    failures: list = []  # why a figure's PNG could not be rendered
    excluded: list = []  # kept for the row format: nothing is taken out of the redraw any more
    original_render = widgets.Explorer.render_png

    def timed_render(self):
        # Explorer._redraw renders the PNG itself (render_png) and displays the bytes: time that render
        start = time.perf_counter()
        try:
            return original_render(self)
        except Exception as exc:  # noqa: BLE001 - reported in the widget's row, not fatal
            failures.append(f"{type(exc).__name__}: {exc}")
            return b""
        finally:
            png_times.append(time.perf_counter() - start)

    widgets.Explorer.render_png = timed_render
    rows = []
    try:
        for name in FACTORIES:
            factory = getattr(widgets, name, None)
            if factory is None:
                rows.append({"widget": name, "missing": "not in optlib.widgets"})
                continue
            try:
                rows += _measure_one(name, factory, png_times, failures, excluded, changes)
            except Exception as exc:  # noqa: BLE001 - one broken widget must not stop the benchmark
                rows.append({"widget": name, "missing": f"raised {type(exc).__name__}: {exc}"[:160]})
    finally:
        widgets.Explorer.render_png = original_render
    return rows
