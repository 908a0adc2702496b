"""The chapters live in the website itself: JupyterLite + Pyodide in headless Chromium, timed.

The built site (``_build/html``, with the live part ``lite/`` that ``make book`` puts there) is served on a
loopback port (book/_live/serve.py) and Chromium, driven by playwright, opens a chapter's "Run this chapter
live" page, ``lite/notebooks/index.html?path=<notebook>``. Every request is logged and one to any host but
127.0.0.1 is reported; none can leave (the browser resolves no other name, and its proxy is a closed port). Measured, as a student meets it:

* page → kernel ready: from the navigation to the kernel idle and connected (Pyodide downloaded, compiled,
  the kernel's own packages loaded);
* the chapter's imports: its first code cell (``import optlib``, numpy, matplotlib, …: the wheels load and
  matplotlib builds its font list);
* Run All to the first widget: every cell from the top to the first widget's cell, then its first figure;
* slider move → new figure, by the keyboard: the slider's handle focused and End/Home pressed (ipywidgets'
  slider moves its handle to the end with them; the arrow keys do not move it in JupyterLite's notebook),
  until the new picture is in the widget and decoded (benchmarks/e2e.py's watch); median and p95 per
  widget. End and Home come back to values drawn before, whose runs the widget keeps;
* slider drag → new figure: the handle dragged with the mouse to a place of its track not visited before
  (drag_sliders), from the press to the new picture: the runs of a value not drawn before;
* the write-it-yourself check: the cell that calls ``optlib.exercises.check`` on the chapter's first
  (wrong) attempt, until its ✗ diagnosis is shown.

Cold: a new browser profile (nothing cached). Warm: the same profile opened again (the browser's HTTP cache
holds Pyodide and the wheels). The same functions drive tests/test_live.py.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
LOCAL = "127.0.0.1"

TARGET_KERNEL_COLD = 10.0     # s, page → kernel ready, nothing cached
TARGET_MEDIAN, TARGET_P95 = 0.250, 0.500    # s, slider → new figure
BUDGET_MB = 60.0              # what the live part may add to the built site

sys.path.insert(0, str(ROOT / "book" / "_live"))
from serve import Server  # noqa: E402  (book/_live/serve.py)

from .e2e import _ARM, WIDGETS, _quantile  # noqa: E402


def live_available(html: Path = HTML) -> bool:
    return (html / "lite" / "jupyter-lite.json").is_file()


def watch(ctx) -> dict:
    """Log every request of a browser context; returns {"requests": [...], "foreign": [...]} (foreign: the
    URLs that tried to leave the machine). Nothing is intercepted (playwright's routing would turn the
    browser's HTTP cache off and hold every request for the driver): browser_context's browser cannot
    reach another host anyway."""
    log = {"requests": [], "foreign": []}

    def off_host(url: str) -> bool:
        # data:, blob: and file: (the page opened from the disk) never leave the machine
        return not url.startswith(("data:", "blob:", "file:")) and urllib.parse.urlparse(url).hostname != LOCAL

    def on_request(req):
        log["requests"].append(req.url)
        if off_host(req.url):
            log["foreign"].append(req.url)

    ctx.on("request", on_request)
    return log


#: Chromium as the brief of the live part runs it: no background traffic of its own, no GPU
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]
#: every request but those to 127.0.0.1 (which Chromium never proxies) goes to a closed port as its proxy,
#: and no name resolves: a request to another host, by name or by address, fails in the browser
OFFLINE = [f"--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE {LOCAL}", f"--proxy-server=http://{LOCAL}:9",
           f"--proxy-bypass-list={LOCAL}"]


@contextmanager
def browser_context(p, profile: Path | None = None):
    """A Chromium context (persistent when ``profile`` is given: the warm runs reuse its cache) that cannot
    reach any host but 127.0.0.1 (OFFLINE). Yields (context, log), log as watch()'s."""
    args = FLAGS + OFFLINE
    if profile is not None:
        ctx = p.chromium.launch_persistent_context(str(profile), executable_path=CHROMIUM, headless=True,
                                                   args=args, viewport={"width": 1280, "height": 1000})
        browser = None
    else:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        ctx = browser.new_context(viewport={"width": 1280, "height": 1000})
    ctx.set_default_timeout(180_000)     # a shared, busy machine: a page of the book can take a minute
    log = watch(ctx)
    try:
        yield ctx, log
    finally:
        ctx.close()
        if browser is not None:
            browser.close()


_NB = "window.jupyterapp.shell.currentWidget"


def open_live(page, base: str, notebook: str, timeout: float = 180) -> dict:
    """Open the notebook live; seconds from the navigation to the notebook shown and to the kernel ready."""
    t0 = time.time()
    page.goto(f"{base}/lite/notebooks/index.html?path={notebook}", wait_until="load")
    page.wait_for_function(f"() => window.jupyterapp && {_NB} && {_NB}.sessionContext && {_NB}.content"
                           f" && {_NB}.context.isReady && {_NB}.content.widgets.length > 0", timeout=timeout * 1000, polling=100)
    shown = time.time() - t0
    page.wait_for_function(f"""() => {{ const s = {_NB}.sessionContext.session;
        return s && s.kernel && s.kernel.status === 'idle' && s.kernel.connectionStatus === 'connected'; }}""",
                           timeout=timeout * 1000, polling=100)
    return {"notebook_shown_s": time.time() - t0 if shown is None else shown, "kernel_ready_s": time.time() - t0}


def cells(page) -> list:
    """[(cell_type, source)] of the open notebook."""
    return page.evaluate(f"() => {_NB}.content.widgets.map(w => [w.model.type, w.model.sharedModel.getSource()])")


def run_cell(page, index: int, timeout: float = 300) -> dict:
    """Run one cell and wait for it to finish; its outputs (type, text) and seconds."""
    t0 = time.time()
    page.evaluate(f"""async (i) => {{ const nb = {_NB}.content; nb.activeCellIndex = i;
        const m = nb.widgets[i].model; if (m.type === 'code') m.executionCount = null;
        await window.jupyterapp.commands.execute('notebook:run-cell'); }}""", index)
    page.wait_for_function(f"""(i) => {{ const m = {_NB}.content.widgets[i].model;
        return (m.type !== 'code' || m.executionCount !== null)
            && {_NB}.sessionContext.session.kernel.status === 'idle'; }}""", arg=index,
                           timeout=timeout * 1000, polling=50)
    seconds = time.time() - t0
    outs = page.evaluate(f"""(i) => {{ const m = {_NB}.content.widgets[i].model;
        if (m.type !== 'code') return [];
        return m.outputs.toJSON().map(o => ({{type: o.output_type,
            mimes: o.data ? Object.keys(o.data) : [],
            text: (o.text || (o.data && o.data['text/plain']) || ((o.ename || '') + ': ' + (o.evalue || ''))
                   || '').toString().slice(0, 2000),
            traceback: (o.traceback || []).join('\\n').replace(/\\x1b\\[[0-9;]*m/g, '').slice(-3000)}})); }}""", index)
    return {"cell": index, "seconds": seconds, "outputs": outs,
            "error": next((o["text"] + "\n" + o["traceback"] for o in outs if o["type"] == "error"), None)}


def run_all(page, upto: int | None = None, timeout: float = 300) -> list:
    """Run the code cells one by one, top to bottom (to ``upto`` included); one result per code cell."""
    kinds = cells(page)
    last = len(kinds) - 1 if upto is None else upto
    return [run_cell(page, i, timeout) for i, (kind, _) in enumerate(kinds[:last + 1]) if kind == "code"]


def first_cell(page, needle: str) -> int:
    for i, (kind, src) in enumerate(cells(page)):
        if kind == "code" and needle in src:
            return i
    raise LookupError(f"no code cell contains {needle!r}")


def wait_widget(page, index: int, timeout: float = 120) -> None:
    page.wait_for_function(f"""(i) => {{ const c = {_NB}.content.widgets[i].node;
        return c.querySelector('.widget-slider .noUi-handle')
            && c.querySelector('img.widget-image[src], .widget-output img'); }}""", arg=index,
                           timeout=timeout * 1000, polling=50)


def figure_src(page, index: int) -> str:
    return page.evaluate(f"""(i) => {{ const img = {_NB}.content.widgets[i].node.querySelector(
        'img.widget-image[src], .widget-output img'); return img ? img.src : ''; }}""", index)


def sliders(page, index: int) -> list:
    return page.evaluate(f"""(i) => [...{_NB}.content.widgets[i].node.querySelectorAll('.widget-slider')]
        .map((s, k) => ({{k, label: s.querySelector('.widget-label')?.textContent || '',
                          now: Number(s.querySelector('.noUi-handle').getAttribute('aria-valuenow'))}}))""",
                         index)


def move(page, index: int, slider: int, key: str, timeout: float = 15) -> float | None:
    """Focus slider ``slider`` of cell ``index``, press ``key``; seconds until the new figure is shown."""
    page.evaluate(_ARM, [index, timeout * 1000])
    page.evaluate(f"""([i, k]) => {{ const h = {_NB}.content.widgets[i].node
        .querySelectorAll('.widget-slider')[k].querySelector('.noUi-handle');
        h.scrollIntoView({{block: 'center'}}); h.focus(); }}""", [index, slider])
    page.keyboard.press(key)
    ms = page.evaluate("() => window.__bench")
    return None if ms is None else ms / 1000


def wait_idle(page, timeout: float = 60) -> None:
    page.wait_for_function(f"() => {_NB}.sessionContext.session.kernel.status === 'idle'",
                           timeout=timeout * 1000, polling=50)


def _over_sliders(page, index: int, moves: int, act) -> tuple:
    """``moves`` moves of the widget's sliders in turn, ``act(k, round)`` moving slider k and giving
    (seconds to the new figure or None, whether the value changed): (times, lost, unmoved)."""
    found = sliders(page, index)
    times, lost, unmoved = [], 0, 0
    for n in range(moves):
        t, moved = act(found[n % len(found)]["k"], n // len(found))
        if not moved:
            unmoved += 1
        elif t is None:
            lost += 1
        else:
            times.append(t)
        wait_idle(page)
        time.sleep(0.15)
    return times, lost, unmoved


def time_sliders(page, index: int, moves: int) -> tuple:
    """``moves`` presses of End and Home in turn, spread over the widget's sliders: each a new figure."""
    times, lost, _ = _over_sliders(
        page, index, moves, lambda k, r: (move(page, index, k, "End" if r % 2 == 0 else "Home"), True))
    return times, lost


#: e2e's watch, started by a press of the mouse as well as by a key
_ARM_DRAG = _ARM.replace("document.addEventListener('keydown', onKey, true);",
                         "document.addEventListener('keydown', onKey, true);"
                         " document.addEventListener('pointerdown', onKey, true);")
assert _ARM_DRAG != _ARM


def drag(page, index: int, slider: int, fraction: float, timeout: float = 15) -> tuple:
    """Drag the handle of slider ``slider`` of cell ``index`` with the mouse to ``fraction`` of its track;
    (seconds from the press until the new figure is shown or None, whether the value changed)."""
    box = page.evaluate(f"""([i, k]) => {{ const s = {_NB}.content.widgets[i].node
        .querySelectorAll('.widget-slider')[k];
        s.scrollIntoView({{block: 'center'}});
        const h = s.querySelector('.noUi-handle').getBoundingClientRect(),
              t = s.querySelector('.noUi-target').getBoundingClientRect();
        return {{hx: h.x + h.width / 2, hy: h.y + h.height / 2, tx: t.x, tw: t.width,
                 now: s.querySelector('.noUi-handle').getAttribute('aria-valuenow')}}; }}""", [index, slider])
    page.evaluate(_ARM_DRAG, [index, timeout * 1000])
    page.mouse.move(box["hx"], box["hy"])
    page.mouse.down()
    page.mouse.move(box["tx"] + fraction * box["tw"], box["hy"])
    page.mouse.up()
    now = page.evaluate(f"""([i, k]) => {_NB}.content.widgets[i].node.querySelectorAll('.widget-slider')[k]
        .querySelector('.noUi-handle').getAttribute('aria-valuenow')""", [index, slider])
    if now == box["now"]:
        return None, False
    ms = page.evaluate("() => window.__bench")
    return (None if ms is None else ms / 1000), True


def drag_sliders(page, index: int, moves: int) -> tuple:
    """``moves`` drags of the widget's handles in turn, each to a place on its track not visited before
    (the golden-ratio sequence), so each asks for a value the widget has not drawn: its runs are made then,
    unless the kernel prepared them in its idle time (it prepares the steps next to the last value only)."""
    return _over_sliders(page, index, moves,
                         lambda k, r: drag(page, index, k, 0.05 + 0.9 * ((0.5 + (r + 1) * 0.6180339887) % 1)))


def _summary(xs) -> dict:
    return {"n": len(xs), "median_s": statistics.median(xs) if xs else float("nan"),
            "p95_s": _quantile(xs, 0.95) if xs else float("nan")}


def measure_chapter(ctx, base: str, notebook: str, call: str, moves: int) -> dict:
    """One chapter: kernel ready, imports, Run All to the widget, slider moves, the check."""
    page = ctx.new_page()
    res = {"notebook": notebook}
    res.update(open_live(page, base, notebook))
    kinds = cells(page)
    code = [i for i, (k, _) in enumerate(kinds) if k == "code"]
    first = run_cell(page, code[0])
    res["imports_s"], res["imports_error"] = first["seconds"], first["error"]
    widget = first_cell(page, call)
    t0 = time.time()
    ran = [run_cell(page, i) for i in code[1:] if i <= widget]
    wait_widget(page, widget)
    res["run_all_to_widget_s"] = time.time() - t0 + first["seconds"]
    res["errors"] = [(r["cell"], r["error"]) for r in [first] + ran if r["error"]]
    page.wait_for_timeout(1500)          # the widget prepares the next runs while the student reads
    times, lost = time_sliders(page, widget, moves)
    res["slider"] = dict(_summary(times), lost=lost)
    times, lost, unmoved = drag_sliders(page, widget, moves)
    res["drag"] = dict(_summary(times), lost=lost, unmoved=unmoved)
    try:
        check = first_cell(page, "exercises.check(")
        ran = [run_cell(page, i) for i in code if widget < i < check]
        res["errors"] += [(r["cell"], r["error"]) for r in ran if r["error"]]
        r = run_cell(page, check)
        text = "".join(o["text"] for o in r["outputs"])
        res["check_s"], res["check_text"] = r["seconds"], text
    except LookupError:
        res["check_s"], res["check_text"] = float("nan"), ""
    page.close()
    return res


def measure(moves: int = 20, only=None, html: Path = HTML) -> list:
    """Cold and warm rows for each widget chapter (or those named in ``only``)."""
    from playwright.sync_api import sync_playwright

    if not live_available(html):
        why = (ROOT / "_build" / "live" / "UNAVAILABLE")
        return [{"error": "no live part in " + str(html) + (": " + why.read_text().strip()[:200]
                                                            if why.is_file() else ": run make book")}]
    rows = []
    with Server(html) as base, sync_playwright() as p:
        for notebook, call in WIDGETS:
            if only and not any(o in notebook or o in call for o in only):
                continue
            with tempfile.TemporaryDirectory() as profile:
                for cache in ("cold", "warm"):
                    with browser_context(p, Path(profile)) as (ctx, log):
                        try:
                            r = measure_chapter(ctx, base, notebook, call, moves)
                        except Exception as exc:  # noqa: BLE001 - one broken chapter must not stop the rest
                            r = {"notebook": notebook, "error": f"{type(exc).__name__}: {exc}"[:300]}
                        r.update(cache=cache, requests=len(log["requests"]), foreign=log["foreign"])
                        rows.append(r)
                        print(f"  live {notebook} ({cache}): " + json.dumps(
                            {k: (round(v, 2) if isinstance(v, float) else v) for k, v in r.items()
                             if k not in ("check_text",)}, default=str)[:600], flush=True)
    return rows
