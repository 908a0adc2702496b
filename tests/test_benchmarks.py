"""The benchmark's machinery works (benchmarks/, run by `make bench`). No time is asserted here: only that
the harness measures what it says, that torch's configurations compute optlib's iterates, and that page
weights are counted as documented."""

import os

import numpy as np
import pytest

_saved = dict(os.environ)
from benchmarks import steps, timing  # noqa: E402  (importing benchmarks pins thread variables to 1)
from benchmarks.book import page_weights  # noqa: E402

os.environ.clear()
os.environ.update(_saved)  # leave this test process's environment as it was


def test_interleaved_takes_one_sample_per_repetition_of_every_candidate():
    calls = {"a": 0, "b": 0}

    def count(name):
        def run(k):
            calls[name] += k
        return run

    samples = timing.interleaved({"a": count("a"), "b": count("b")}, reps=5, target=0.0005)
    assert {k: len(v) for k, v in samples.items()} == {"a": 5, "b": 5}
    assert all(x >= 0 for v in samples.values() for x in v)
    assert calls["a"] > 5 and calls["b"] > 5


def test_paired_ratio_is_the_median_of_per_repetition_ratios():
    assert timing.paired_ratio([2.0, 4.0, 100.0], [1.0, 1.0, 1.0]) == 4.0
    assert timing.paired_ratio([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]) == 0.5


def test_optlib_candidate_chains_its_steps():
    theta0, g = np.ones(3), np.full(3, 2.0)
    run = steps._optlib_candidate(steps.SPECS["GD"][0], theta0, g)
    run(4)
    np.testing.assert_array_equal(theta0, np.ones(3))  # the start is copied, never modified


def test_without_torch_the_steps_part_still_measures_optlib():
    rows = steps.measure(None, sizes=(2,), names=["GD", "Adam"], reps=1, target=0.0005)
    assert [(r["optimizer"], r["n"]) for r in rows] == [("GD", 2), ("Adam", 2)]
    assert all(r["agree"] is None and "optlib" in r["seconds"] for r in rows)
    assert set(rows[1]["ratio"]) == {"plain numpy"}


@pytest.mark.parametrize("name", list(steps.SPECS))
def test_the_torch_configuration_timed_computes_optlibs_iterates(name):
    torch = pytest.importorskip("torch")
    assert steps.same_iterates(torch, name)


def test_plain_numpy_adam_is_optlibs_adam():
    theta0, g = np.linspace(-1, 1, 5), np.linspace(2, -3, 5)
    theta_plain, m, v, t = steps.plain_numpy_adam(theta0, np.zeros(5), np.zeros(5), 0, g, 3)
    opt = steps.SPECS["Adam"][0]()
    theta, state = theta0, opt.init(theta0)
    for _ in range(3):
        theta, state = opt.step(lambda th: g, theta, state)
    np.testing.assert_array_equal(theta_plain, theta)
    np.testing.assert_array_equal(v, state.v)


def test_page_weights_count_own_files_per_page_and_shared_files_once(tmp_path):
    (tmp_path / "_static").mkdir()
    (tmp_path / "_images").mkdir()
    (tmp_path / "_static" / "font.woff2").write_bytes(b"f" * 300)
    (tmp_path / "_static" / "theme.css").write_text("@font-face { src: url('font.woff2'); }")
    (tmp_path / "_images" / "fig.png").write_bytes(b"p" * 1000)
    head = '<link rel="stylesheet" href="_static/theme.css">'
    (tmp_path / "a.html").write_text(head + '<img src="_images/fig.png"><img src="data:image/png;base64,AAAA">')
    (tmp_path / "b.html").write_text(head + '<script src="https://cdn.example/x.js"></script>')
    w = page_weights(tmp_path)
    pages = {p["page"]: p for p in w["pages"]}
    assert pages["a.html"]["own"] == 1000 and pages["b.html"]["own"] == 0
    assert pages["a.html"]["total"] == 1000 + (tmp_path / "a.html").stat().st_size
    css = (tmp_path / "_static" / "theme.css").stat().st_size
    assert w["shared"] == css + 300 and w["shared_files"] == 2


def test_every_widget_the_live_benchmark_times_is_in_its_chapter():
    from benchmarks import e2e
    from benchmarks.lab import ROOT

    for notebook, call in e2e.WIDGETS:
        assert e2e._widget_cell(ROOT / "book" / notebook, call) >= 0


def test_p95_interpolates_between_order_statistics():
    from benchmarks.e2e import _quantile

    assert _quantile([0.1] * 19 + [1.1], 0.95) == pytest.approx(0.1 + 0.05 * 1.0)
    assert _quantile([3.0, 1.0, 2.0], 0.5) == 2.0


def test_the_working_copy_is_made_once_and_never_overwritten(tmp_path):
    from benchmarks.lab import working_copy

    book, copy = tmp_path / "book", tmp_path / "_build" / "lab"
    (book / "sub").mkdir(parents=True)
    (book / "a.ipynb").write_text("stored")
    working_copy(copy, book)
    (copy / "a.ipynb").write_text("the student's run")
    (book / "sub" / "b.md").write_text("new page")
    working_copy(copy, book)
    assert (copy / "a.ipynb").read_text() == "the student's run"     # kept
    assert (copy / "sub" / "b.md").read_text() == "new page"          # added
    assert (book / "a.ipynb").read_text() == "stored"                 # the book untouched
