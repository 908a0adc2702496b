"""End to end: a key press on a slider in JupyterLab → the new figure in the page, timed in the browser.

JupyterLab is started headless on a loopback port (benchmarks/lab.py) on a fresh copy of the book in
``_build/bench/lab`` (never ``book/``, nor the student's working copy ``_build/lab``), and Chromium is
driven by playwright. For every chapter with a widget, the notebook is opened and its cells are run up to
and including the widget's cell; then each slider is moved by the keyboard, like a student: the slider's
handle is focused and an arrow key pressed. The time runs from the key press (``keydown``, taken in the
page) until the new image is in the widget (a new picture in its <img>) and decoded, on the next frame. Each move goes to a
value not shown before. The widget prepares, in the kernel's idle time after each move, the runs that one more
key press on any slider would need (``Explorer._prepare_next``): a key press finds its runs made, as it does for a
student, unless it comes before they are; a jump of the mouse to a far value re-runs (the kernel-side
``interaction`` rows time that case: no event loop, nothing prepared). The playground builds its other problems'
figures once the reader has left it alone for a second; the benchmark, like a student reading the figure first,
waits for that before the first move. For the playground, every
problem is timed, and so is the switch to it (arrow key on the problem menu).

Beside each browser figure is the kernel's part of the same moves, read from the widgets themselves
(``Explorer.timings``: the update, of which the PNG render; ``Playground.timings``: a rebuild): what is
left is the transport (websocket, JSON, base64) and the browser's work (new output, image decode, layout).
"""

from __future__ import annotations

import json
import shutil
import statistics
import time
from pathlib import Path

import nbformat

from .lab import ROOT, Lab, command, launch_chromium, wait_for_notebook, wait_idle, working_copy

BENCH_DIR = ROOT / "_build" / "bench" / "lab"

#: (notebook, the call in its widget cell): the widgets a student meets, chapter by chapter
WIDGETS = (("01-gradient-descent.ipynb", "Explorer("), ("03-momentum.ipynb", "momentum_explorer("), ("04-nag.ipynb", "nag_explorer("),
           ("05-adagrad.ipynb", "adagrad_explorer("), ("06-rmsprop.ipynb", "rmsprop_explorer("),
           ("07-adam.ipynb", "adam_explorer("), ("08-side-by-side.ipynb", "playground("))

TARGET_MEDIAN, TARGET_P95, TARGET_SWITCH = 0.100, 0.200, 0.500

# In the page: arm a watch on one output area, resolved when a new picture is in it and decoded: either a new
# <img> (an output area re-rendered) or a new source on the widget's <img> (ipywidgets.Image swaps it in place).
_ARM = """([index, timeout]) => {
    const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
    window.__bench = new Promise((resolve) => {
        let t0 = null;
        const onKey = () => { if (t0 === null) t0 = performance.now(); };
        document.addEventListener('keydown', onKey, true);
        document.addEventListener('change', onKey, true);
        const done = (value) => { obs.disconnect(); document.removeEventListener('keydown', onKey, true);
                                  document.removeEventListener('change', onKey, true);
                                  clearTimeout(timer); resolve(value); };
        const shown = (img) => {
            obs.disconnect();
            img.decode().catch(() => null).then(() => requestAnimationFrame(() => done(performance.now() - t0)));
        };
        const obs = new MutationObserver((records) => {
            if (t0 === null) return;
            for (const r of records) {
                if (r.type === 'attributes' && r.target.tagName === 'IMG') { shown(r.target); return; }
                for (const n of r.addedNodes) {
                    if (n.nodeType !== 1) continue;
                    const img = n.tagName === 'IMG' ? n : n.querySelector('img');
                    if (img) { shown(img); return; }
                }
            }
        });
        obs.observe(cell, {childList: true, subtree: true, attributes: true, attributeFilter: ['src']});
        const timer = setTimeout(() => done(null), timeout);
    });
    return true;
}"""


def _widget_cell(path: Path, call: str) -> int:
    nb = nbformat.read(path, 4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and call in cell.source:
            return i
    raise LookupError(f"no cell of {path.name} calls {call}")


def _kernel(page, code: str, timeout: float = 60) -> str:
    """Run ``code`` in the notebook's kernel (no cell is added) and return what it printed."""
    return page.evaluate("""([code, timeout]) => new Promise((resolve, reject) => {
        const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
        const future = kernel.requestExecute({code, silent: false, store_history: false});
        let out = '';
        future.onIOPub = (msg) => { if (msg.header.msg_type === 'stream') out += msg.content.text;
                                    if (msg.header.msg_type === 'error') out += msg.content.ename + ': ' + msg.content.evalue; };
        future.done.then(() => resolve(out), reject);
        setTimeout(() => reject(new Error('kernel timeout')), timeout * 1000);
    })""", [code, timeout * 1000 / 1000])


_TIMINGS = """
import gc as _gc, json as _json, optlib.widgets as _w
_ex = [o for o in _gc.get_objects() if isinstance(o, _w.Explorer) and o.timings]
_pg = [o for o in _gc.get_objects() if isinstance(o, _w.Playground)]
print(_json.dumps({"updates": [t for e in _ex for t in e.timings], "rebuilds": [t for p in _pg for t in p.timings]}))
for _e in _ex: _e.timings.clear()
for _p in _pg: _p.timings.clear()
"""


_PREBUILT = """
import gc as _gc, optlib.widgets as _w
print(all(len(p._explorers) >= len(p.problems) for p in _gc.get_objects() if isinstance(p, _w.Playground)))
"""


def _wait_prebuilt(page, timeout: float = 90) -> None:
    """Until every playground has built its other problems' figures (it does after 1 s without a change)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if _kernel(page, _PREBUILT).strip().endswith("True"):
            return
        time.sleep(1.0)


def _kernel_timings(page) -> dict:
    out = _kernel(page, _TIMINGS)
    return json.loads(out.strip().splitlines()[-1])


def _quantile(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def _sliders(page, index: int) -> list:
    """The sliders of the widget in cell ``index``: description, value shown, and whether it is a log slider."""
    return page.evaluate("""(index) => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
        return [...cell.querySelectorAll('.widget-slider')].map((s, i) => {
            const h = s.querySelector('.noUi-handle');
            return {i, label: s.querySelector('.widget-label')?.textContent || '',
                    now: Number(h.getAttribute('aria-valuenow')), min: Number(h.getAttribute('aria-valuemin')),
                    max: Number(h.getAttribute('aria-valuemax'))};
        });
    }""", index)


def _move(page, index: int, slider: int, key: str, timeout: float) -> float | None:
    """Press ``key`` on slider number ``slider`` of cell ``index``; seconds until the new figure, or None."""
    page.evaluate(_ARM, [index, timeout * 1000])
    page.evaluate("""([index, k]) => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
        cell.querySelectorAll('.widget-slider')[k].querySelector('.noUi-handle').focus();
    }""", [index, slider])
    page.keyboard.press(key)
    ms = page.evaluate("() => window.__bench")
    return None if ms is None else ms / 1000


def _switch(page, index: int, timeout: float) -> float | None:
    """The playground's problem menu: the next problem is chosen (as a click in the open menu does: an arrow
    key on a closed menu changes nothing in headless Chromium); seconds from its change event to the figure."""
    page.evaluate(_ARM, [index, timeout * 1000])
    page.evaluate("""(index) => {
        const cell = window.jupyterapp.shell.currentWidget.content.widgets[index].node;
        const menu = cell.querySelector('.widget-dropdown select');
        menu.focus();
        menu.selectedIndex = (menu.selectedIndex + 1) % menu.options.length;
        menu.dispatchEvent(new Event('change', {bubbles: true}));
    }""", index)
    ms = page.evaluate("() => window.__bench")
    return None if ms is None else ms / 1000


def _settle(page) -> None:
    wait_idle(page, 60)
    time.sleep(0.15)       # a student's moves are spaced; let the last messages land


def _time_sliders(page, index: int, moves: int, pick=None, timeout: float = 15) -> tuple:
    """``moves`` key presses spread over the sliders, each slider going one way (always to a new value)."""
    sliders = _sliders(page, index)
    if pick is not None:
        sliders = [s for s in sliders if pick(s["label"])]
    times, lost = [], 0
    for n in range(moves):
        s = sliders[n % len(sliders)]
        if "key" not in s:   # towards the farther end: every press of this slider goes to a new value
            s["key"] = "ArrowRight" if s["max"] - s["now"] >= s["now"] - s["min"] else "ArrowLeft"
        t = _move(page, index, s["i"], s["key"], timeout)
        if t is None:
            lost += 1
        else:
            times.append(t)
        _settle(page)
    return times, lost


def _open_and_run(page, lab, notebook: str, index: int) -> None:
    page.goto(lab.notebook_url(notebook))
    wait_for_notebook(page)
    page.evaluate("(i) => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = i; }", index)
    command(page, "notebook:run-all-above")
    wait_idle(page, 900)
    command(page, "notebook:run-cell")
    time.sleep(1)
    wait_idle(page, 300)
    page.wait_for_function("""(i) => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i].node;
        return c.querySelector('.widget-slider .noUi-handle')
            && c.querySelector('img.widget-image[src], .widget-output img'); }""",
                           arg=index, timeout=120_000)
    page.evaluate("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node.scrollIntoView()", index)
    time.sleep(0.5)


def _row(widget, times, lost, kernel, target_median=TARGET_MEDIAN, target_p95=TARGET_P95, what="slider"):
    updates = kernel.get("updates", [])
    k_med = statistics.median([u[0] for u in updates]) if updates else float("nan")
    png_med = statistics.median([u[1] for u in updates]) if updates else float("nan")
    # (update, render, encode, runs): the encoding and the runs, when the widget records them
    enc_med = statistics.median([u[2] for u in updates]) if updates and len(updates[0]) > 3 else float("nan")
    runs_med = statistics.median([u[3] for u in updates]) if updates and len(updates[0]) > 3 else float("nan")
    med, p95 = (statistics.median(times), _quantile(times, 0.95)) if times else (float("nan"), float("nan"))
    return {"widget": widget, "what": what, "n": len(times), "lost": lost, "median_s": med, "p95_s": p95,
            "kernel_median_s": k_med, "png_median_s": png_med, "kernel_n": len(updates),
            "encode_median_s": enc_med, "runs_median_s": runs_med,
            "met": bool(times) and med <= target_median and p95 <= target_p95 and not lost,
            "target": (target_median, target_p95)}


def measure(moves: int = 20, only=None, log=None) -> list:
    """One row per widget (and per playground problem, plus one for the problem switches)."""
    from playwright.sync_api import sync_playwright

    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    working_copy(BENCH_DIR)
    rows = []
    log_path = Path(log) if log else BENCH_DIR.parent / "lab.log"
    with Lab(BENCH_DIR, log=log_path) as lab, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for notebook, call in WIDGETS:
            if only and not any(o in notebook or o in call for o in only):
                continue
            index = _widget_cell(BENCH_DIR / notebook, call)
            try:
                _open_and_run(page, lab, notebook, index)
            except Exception as exc:  # noqa: BLE001 - one broken chapter must not stop the others
                rows.append({"widget": call.rstrip("("), "error": f"{type(exc).__name__}: {exc}"[:200]})
                continue
            _kernel_timings(page)                      # forget the updates made while building
            name = {"Explorer": "Explorer (chapter 1: α of GD)"}.get(call.rstrip("("), call.rstrip("("))
            if name != "playground":
                times, lost = _time_sliders(page, index, moves)
                rows.append(_row(name, times, lost, _kernel_timings(page)))
                print(f"  e2e {name}: {_summary(rows[-1])}", flush=True)
                continue
            problems = page.evaluate("""(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node
                .querySelector('.widget-dropdown select').options.length""", index)
            _wait_prebuilt(page)
            switches, switch_lost, switch_kernel = [], 0, []
            for k in range(int(problems)):
                label = page.evaluate("""(i) => { const s = window.jupyterapp.shell.currentWidget.content
                    .widgets[i].node.querySelector('.widget-dropdown select'); return s.options[s.selectedIndex].text; }""",
                                      index)
                # decays and two of the six α (GD's, Adam's), as the kernel-side benchmark moves
                times, lost = _time_sliders(page, index, moves, pick=lambda lab_: not lab_.startswith(("α", "η"))
                                            or lab_ in ("α GD", "η Adam"))
                rows.append(_row(f"playground: {label}", times, lost, _kernel_timings(page)))
                print(f"  e2e playground {label}: {_summary(rows[-1])}", flush=True)
                if k == int(problems) - 1:
                    break
                t = _switch(page, index, 30)
                _settle(page)
                page.wait_for_function("""(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node
                    .querySelector('.widget-slider .noUi-handle')""", arg=index)
                if t is None:
                    switch_lost += 1
                else:
                    switches.append(t)
                switch_kernel += _kernel_timings(page).get("rebuilds", [])
            row = _row("playground: switch problem", switches, switch_lost, {}, TARGET_SWITCH, float("inf"),
                       what="switch")
            row["kernel_median_s"] = statistics.median(switch_kernel) if switch_kernel else float("nan")
            row["kernel_n"] = len(switch_kernel)
            rows.append(row)
            print(f"  e2e playground switch: {_summary(row)}", flush=True)
        browser.close()
    return rows


def _summary(r) -> str:
    return (f"median {r['median_s'] * 1e3:.0f} ms, p95 {r['p95_s'] * 1e3:.0f} ms of {r['n']} (lost {r['lost']}); "
            f"kernel median {r['kernel_median_s'] * 1e3:.0f} ms")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--moves", type=int, default=20)
    ap.add_argument("--only", nargs="*")
    a = ap.parse_args()
    for r in measure(a.moves, a.only):
        print(r)
