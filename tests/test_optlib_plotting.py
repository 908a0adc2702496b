"""optlib.plotting.jshtml draws each frame once; its frames are the ones matplotlib's own to_jshtml makes."""

import base64
import io
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.animation import FuncAnimation  # noqa: E402
from PIL import Image  # noqa: E402

import optlib  # noqa: E402
from optlib.plotting import jshtml  # noqa: E402


def _animation(layout):
    """Two panels, a path and a log-scale curve that grow, a title that changes: a chapter's animation."""
    problem = optlib.quadratic(10.0)
    traj = optlib.run(optlib.Momentum(0.05, gamma=0.9), problem.grad, problem.theta0, 40, loss=problem.loss)
    fig, (ax_path, ax_loss) = optlib.plotting.subplots(2, height=2.0) if layout else plt.subplots(1, 2)
    optlib.plotting.contour(ax_path, problem, levels=8, resolution=40)
    (path,) = ax_path.plot([], [], **optlib.plotting.style("Momentum"))
    (curve,) = ax_loss.semilogy([], [], **optlib.plotting.style("Momentum", marker=None))
    ax_loss.set(xlim=(0, 40), ylim=(1e-8, 10), xlabel="iteration t", ylabel="loss")
    optlib.plotting.legend_below(fig)

    def draw(t):
        path.set_data(traj.thetas[: t + 1, 0], traj.thetas[: t + 1, 1])
        curve.set_data(np.arange(t + 1), traj.losses[: t + 1])
        ax_loss.set_title(f"t = {t}")
        return path, curve

    anim = FuncAnimation(fig, draw, frames=[40, 0, 10, 20, 30], interval=200)
    plt.close(fig)
    return fig, anim


def _frame_bytes(html, fmt="png"):
    """The encoded frames (base64 split by backslash-newlines, which b64decode skips)."""
    return [base64.b64decode(b) for b in re.findall(rf'frames\[\d+\] = "data:image/{fmt};base64,([^"]+)"', html)]


def _picture(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=int)


def _frames(html):
    return [_picture(b) for b in _frame_bytes(html)]


@pytest.mark.parametrize("layout", [True, False], ids=["constrained layout", "no layout engine"])
def test_jshtml_frames_are_matplotlibs(layout):
    fig, anim = _animation(layout)
    engine, canvas = fig.get_layout_engine(), fig.canvas   # a closed figure's bare canvas
    ours = _frames(jshtml(anim))
    _, again = _animation(layout)
    theirs = _frames(again.to_jshtml())
    assert len(ours) == len(theirs) == 5
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        # the same picture: matplotlib's own layout, solved anew at every frame, moves by round-off
        # (1e-16 of the figure) from one solve to the next, which may turn a few edge pixels by one level
        differ = np.abs(a - b).max(axis=2)
        assert differ.max() <= 2 and np.count_nonzero(differ) <= 50
    # the figure is left as it was: its layout engine, its canvas, and no patched method
    assert fig.get_layout_engine() is engine and fig.canvas is canvas
    assert "draw_idle" not in vars(fig.canvas) and "savefig" not in vars(fig)


def test_jshtml_keeps_the_first_frames_layout():
    fig, anim = _animation(layout=True)
    positions = []
    savefig = fig.savefig

    def record(*args, **kwargs):
        savefig(*args, **kwargs)
        positions.append([ax.get_position().bounds for ax in fig.axes])

    fig.savefig = record
    jshtml(anim)
    del fig.savefig
    assert len(positions) == 5 and all(p == positions[0] for p in positions)


def test_jshtml_jpeg_quality_is_the_frames_quality():
    """quality=60 gives the frames Pillow makes of the same picture at 60: smaller than at 75."""
    _, anim = _animation(layout=True)
    at_60 = _frame_bytes(jshtml(anim, frame_format="jpeg", quality=60), "jpeg")
    _, anim = _animation(layout=True)
    at_75 = _frame_bytes(jshtml(anim, frame_format="jpeg"), "jpeg")
    assert len(at_60) == len(at_75) == 5
    assert all(len(a) < len(b) for a, b in zip(at_60, at_75))
    # the same picture in both: the two encodings differ only by JPEG's own error
    for a, b in zip(at_60, at_75):
        pic_60, pic_75 = _picture(a), _picture(b)
        assert pic_60.shape == pic_75.shape and np.abs(pic_60 - pic_75).mean() < 3


def test_jshtml_rejects_a_quality_outside_1_to_95():
    _, anim = _animation(layout=False)
    for quality in (0, 96, 60.0, True, "60"):
        with pytest.raises(ValueError, match=r"quality \(of the JPEG frames\) must be an integer from 1 to 95"):
            jshtml(anim, frame_format="jpeg", quality=quality)
    # nothing was left half done: the same animation still saves
    assert len(_frame_bytes(jshtml(anim, frame_format="jpeg", quality=95), "jpeg")) == 5
