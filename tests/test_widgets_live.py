"""What a student meets when moving the sliders live: ranges that hold the values tried, labels shown
whole, values a screen reader can speak, and a redraw that re-runs and redraws only what changed while
showing the same pixels as a full redraw."""

import contextlib
import io

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("matplotlib")

import optlib  # noqa: E402
import optlib.widgets as w  # noqa: E402


def quietly(make):
    with contextlib.redirect_stdout(io.StringIO()):   # outside a kernel display() prints a repr
        return make()


def move(slider, value):
    quietly(lambda: setattr(slider, "value", value))


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)))


def full_draw(ex) -> np.ndarray:
    """The figure drawn whole by matplotlib, as RGB (the live figure is opaque: its alpha is 255)."""
    with ex._style():
        ex.canvas.draw()
    rgba = np.array(ex.canvas.buffer_rgba())
    assert (rgba[..., 3] == 255).all()
    return rgba[..., :3]


@pytest.mark.parametrize("make", [lambda: w.adam_explorer(steps=20),
                                  lambda: w.playground(selected=["Adam"], steps={"saddle": 20},
                                                       problem="saddle")])
def test_beta2_can_go_above_its_start(make):
    built = quietly(make)
    beta2 = built.sliders["beta2"]
    assert beta2.value == pytest.approx(0.999)
    assert beta2.max >= 0.9999 > beta2.value and beta2.min <= 0.9
    move(beta2, 0.9999)
    adam = built.explorer if hasattr(built, "explorer") else built
    assert adam.trajectories["Adam"].optimizer == optlib.Adam(adam.values()["lr" if "lr" in adam.values()
                                                                             else "lr_Adam"],
                                                              beta1=0.9, beta2=0.9999)
    assert beta2.readout_format == ".4g"       # 0.9999 is shown as 0.9999, not 1


def test_labels_and_the_problem_menu_are_not_clipped():
    pg = quietly(lambda: w.playground(steps={"saddle": 10}, problem="saddle"))
    for slider in pg.sliders.values():
        assert slider.style.description_width == "initial", slider.description   # "α Momentum" whole
    assert pg.problem_menu.layout.width == "max-content"    # "two-layer network (two moons)" whole
    ex = quietly(lambda: w.momentum_explorer(steps=10))
    assert all(s.style.description_width == "initial" for s in ex.sliders.values())


def test_log_sliders_speak_the_value_not_the_exponent():
    ex = quietly(lambda: w.adagrad_explorer(steps=10))
    move(ex.sliders["lr_gd"], 10 ** -2.75)
    spoken = ex.spoken_values()
    assert "α (GD) = 0.00178" in spoken and "α (AdaGrad) = 0.5" in spoken
    assert "-2.75" not in spoken and "−2.75" not in spoken
    assert 'aria-live="polite"' in ex.spoken.value
    assert ">α (GD) = 0.00178</div>" in ex.spoken.value      # after a move: the value of the slider moved
    ex.set_values({"lr": 0.1})
    assert spoken.replace("0.5", "0.1") in ex.spoken.value       # several at once: every slider's value
    assert "value" in ex.sliders["lr_gd"].tooltip


def test_a_move_reruns_only_the_optimizers_it_changes(monkeypatch):
    ex = quietly(lambda: w.adam_explorer(steps=30))
    calls = []
    real_run = w.run

    def counting_run(opt, *args, **kwargs):
        calls.append(opt.name)
        return real_run(opt, *args, **kwargs)

    monkeypatch.setattr(w, "run", counting_run)
    move(ex.sliders["beta2"], 0.99)
    assert calls == ["Adam"]                   # RMSProp does not depend on β2: its run is reused
    move(ex.sliders["beta2"], 0.999)
    assert calls == ["Adam"]                   # back to a value shown before: nothing re-runs
    fresh = real_run(optlib.Adam(0.1, beta1=0.9, beta2=0.999), ex.problem.grad, ex.problem.theta0, 30,
                     loss=ex.problem.loss, on_divergence="stop", keep_states=False)
    np.testing.assert_array_equal(ex.trajectories["Adam"].thetas, fresh.thetas)


@pytest.mark.parametrize("factory", ["momentum_explorer", "adam_explorer"])
def test_the_fast_redraw_shows_the_pixels_of_a_full_draw(factory):
    ex = quietly(getattr(w, factory))
    name = next(iter(ex.sliders))
    slider = ex.sliders[name]
    for value in (slider.max, slider.min, (slider.max + slider.min) / 2):
        target = 10 ** value if hasattr(slider, "base") else value
        move(slider, target)
        fast = pixels(ex.render_png())
        np.testing.assert_array_equal(fast, full_draw(ex))


def test_the_loss_axis_spans_whole_decades():
    ex = quietly(lambda: w.momentum_explorer(steps=40))
    low, high = np.log10(ex.ax_loss.get_ylim())
    assert low == np.floor(low) and high == np.floor(high)
    for curve in (c for _, c in ex.lines.values()):
        y = np.asarray(curve.get_ydata())
        assert y.min() >= 10 ** low and y.max() <= 10 ** high


def test_coming_back_to_a_problem_reuses_its_figure_with_the_sliders_values(monkeypatch):
    pg = quietly(lambda: w.playground(selected=["GD", "Adam"], steps={"saddle": 20, "Rosenbrock": 30},
                                      problem="saddle"))
    first = pg.explorer
    move(pg.sliders["lr_GD"], 0.05)
    move(pg.sliders["beta1"], 0.5)
    move(pg.problem_menu, "Rosenbrock")
    assert pg.explorer is not first
    updates = []
    monkeypatch.setattr(w.Explorer, "update", lambda self, _real=w.Explorer.update: (updates.append(1),
                                                                                       _real(self)))
    move(pg.problem_menu, "saddle")
    assert pg.explorer is first and len(updates) == 1           # one redraw, not one per slider
    assert pg.sliders["lr_GD"].value == pytest.approx(w.PLAYGROUND_LRS["GD"])   # α reset for the problem
    assert pg.sliders["beta1"].value == pytest.approx(0.5)                      # decays carried over
    fresh = optlib.run(optlib.Adam(w.PLAYGROUND_LRS["Adam"], beta1=0.5), pg.problem.grad, pg.problem.theta0,
                       20, loss=pg.problem.loss, on_divergence="stop")
    np.testing.assert_array_equal(pg.explorer.trajectories["Adam"].thetas, fresh.thetas)


@pytest.mark.parametrize("make", [lambda: w.momentum_explorer(steps=10),
                                  lambda: w.playground(steps={"saddle": 10}, problem="saddle").explorer])
def test_the_live_figure_follows_the_book_figure_policy(make):
    import matplotlib

    from optlib import plotting

    with matplotlib.rc_context({"font.size": 6, "legend.fontsize": 5, "xtick.labelsize": 5, "figure.dpi": 72}):
        ex = quietly(make)                       # a notebook's own small settings do not shrink it
        png = ex.render_png()
    assert ex.fig.dpi == plotting.DPI
    assert ex.fig.get_size_inches()[0] == pytest.approx(plotting.COLUMN_WIDTH)
    assert pixels(png).shape[1] == round(plotting.COLUMN_WIDTH * plotting.DPI)     # shown at its own size
    texts = [t for t in ex._legend.get_texts()]
    for ax in ex.fig.axes:
        texts += ax.get_xticklabels() + ax.get_yticklabels() + [ax.xaxis.label, ax.yaxis.label, ax.title]
    sizes = [t.get_fontsize() for t in texts if t.get_text()]
    assert sizes and min(sizes) >= 9                       # 9 pt at 100 dpi: 12.5 px, over 9 CSS px
    assert min(t.get_fontsize() for t in ex._legend.get_texts()) >= 9


def test_the_page_gets_the_pixels_of_a_full_draw_through_the_image_widget():
    ex = quietly(lambda: w.adagrad_explorer(steps=20))
    for value in (0.05, 0.2):
        move(ex.sliders["lr"], value)
        assert ex.image.format == "png" and ex.image in ex.widget.children
        np.testing.assert_array_equal(pixels(ex.image.value), full_draw(ex))


def test_png_bytes_is_lossless():
    from PIL import Image

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(37, 53, 4), dtype=np.uint8)
    img[..., 3] = 255
    img[5:20, :] = (255, 255, 255, 255)                    # a flat run, as a figure's background
    back = np.asarray(Image.open(io.BytesIO(w.png_bytes(img))))
    np.testing.assert_array_equal(back, img[..., :3])


def test_a_step_computed_by_the_browser_finds_the_same_run():
    ex = quietly(lambda: w.momentum_explorer(steps=10))
    move(ex.sliders["gamma"], 0.9100000000000001)          # 0.9 + 0.01 as a browser adds them
    assert ex.values()["gamma"] == 0.91
    move(ex.sliders["lr"], 10 ** (-2.0 + 1e-13))
    assert ex.values()["lr"] == 10.0 ** -2.0
    assert ex.trajectories["Momentum"].optimizer == optlib.Momentum(0.01, 0.91)
    start = quietly(lambda: w.Explorer(ex.problem, ex.make, {"lr": w.Param(-3, -1, 0.05, 0.0123, "α", log=True),
                                                             "gamma": w.Param(0, 0.99, 0.01, 0.9, "γ")}, steps=5))
    assert start.values()["lr"] == 0.0123                  # a start between two steps stays as it is
    # the two steps on each side of it (the browser's first step may snap to the grid or step from it)
    assert start._neighbours("lr") == [10.0 ** -1.9, 10.0 ** -1.85, 10.0 ** -1.95, 10.0 ** -2.0]
    assert start._neighbours("gamma", direction=-1) == [0.89, 0.91]


def test_the_next_key_press_finds_its_runs_prepared_in_the_kernels_idle_time(monkeypatch):
    import asyncio

    calls = []
    real_run = w.run

    async def idle(ex):
        for _ in range(500):
            await asyncio.sleep(0.01)
            if not ex._plan and not ex._preparing:
                return

    async def session():
        ex = quietly(lambda: w.adam_explorer(steps=30))
        move(ex.sliders["beta1"], 0.91)                    # in a kernel: the neighbours are prepared after
        await idle(ex)
        monkeypatch.setattr(w, "run", lambda opt, *a, **k: (calls.append(opt.name), real_run(opt, *a, **k))[1])
        move(ex.sliders["beta1"], 0.92)                    # one key press further
        seen = list(calls)
        await idle(ex)
        calls.clear()
        move(ex.sliders["beta2"], 0.9989)                  # another slider, one step down
        seen += calls
        await idle(ex)
        return ex, seen

    ex, seen = asyncio.run(session())
    assert seen == []                                      # both moves found their runs ready
    fresh = real_run(optlib.Adam(0.1, beta1=0.92, beta2=0.9989), ex.problem.grad, ex.problem.theta0, 30,
                     loss=ex.problem.loss, on_divergence="stop", keep_states=False)
    np.testing.assert_array_equal(ex.trajectories["Adam"].thetas, fresh.thetas)


def test_the_playground_prepares_the_other_problems_while_the_reader_is_idle(monkeypatch):
    import asyncio

    monkeypatch.setattr(w.Playground, "PREBUILD_AFTER", 0.01)

    async def session():
        pg = quietly(lambda: w.playground(selected=["GD", "Adam"], steps={p: 10 for p in w.PLAYGROUND_PROBLEMS},
                                          problem="saddle"))
        for _ in range(500):
            await asyncio.sleep(0.02)
            if len(pg._explorers) == len(pg.problems):
                break
        return pg

    pg = asyncio.run(session())
    assert len(pg._explorers) == len(pg.problems)
    built = pg._explorers[("Rosenbrock", ("GD", "Adam"))]
    move(pg.problem_menu, "Rosenbrock")
    assert pg.explorer is built
    assert pg.sliders["lr_GD"].value == pytest.approx(w.PLAYGROUND_LRS["GD"])
    fresh = optlib.run(optlib.Adam(w.PLAYGROUND_LRS["Adam"]), pg.problem.grad, pg.problem.theta0, 10,
                       loss=pg.problem.loss, on_divergence="stop")
    np.testing.assert_array_equal(pg.explorer.trajectories["Adam"].thetas, fresh.thetas)
    np.testing.assert_array_equal(pixels(pg.explorer.image.value), full_draw(pg.explorer))


def test_a_titled_figure_redraws_the_pixels_of_a_full_draw():
    # the playground's title sits above the loss panel: it stays in the kept background
    pg = quietly(lambda: w.playground(selected=["GD", "Momentum", "Adam"],
                                      steps={"ill-conditioned quadratic (κ = 100)": 40}))
    assert pg.explorer.ax_loss.get_title()
    for gamma in (0.5, 0.95, 0.8):
        move(pg.sliders["gamma"], gamma)
        np.testing.assert_array_equal(pixels(pg.explorer.image.value), full_draw(pg.explorer))


def test_the_figure_is_shown_at_its_own_size():
    ex = quietly(lambda: w.momentum_explorer(steps=5))
    assert ex.image.layout.align_self == "flex-start"      # a column box would stretch it to its width
    assert ex.image.layout.max_width == "100%" and not ex.image.layout.width
