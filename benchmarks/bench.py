"""`make bench` (``python -m benchmarks``): one table of what a student waits for, measured side by side.

1. steps: the per-step cost of each optimizer against torch.optim's matching configuration (default,
   ``foreach=True``, ``fused=True`` where it exists), n = 2, 1e3, 1e5, 1e6, float64, one thread.
2. small: 2-D steps per second through ``optlib.run``, the gradient call included.
3. interaction: slider change → finished redraw (PNG included) for each widget of ``optlib.widgets``.
4. book: ``make test`` after set-up, the site build from stored outputs, the weight of each built page.
5. e2e: in JupyterLab (headless, loopback port, a fresh copy of the book in _build/bench/lab) driven
   from Chromium by playwright: a key press on each chapter's slider → the new figure in the page, median
   and p95, beside the kernel's part of the same moves (benchmarks/e2e.py).
6. live: the chapters live in the website itself (JupyterLite + Pyodide, make book's _build/html on a
   loopback port, headless Chromium, cold and warm browser cache): page → kernel ready, the chapter's
   imports, Run All to the first widget, slider → new figure (End/Home), the write-it-yourself check, the
   requests off 127.0.0.1, and the size the live part adds to the site (benchmarks/live.py).

Every comparison is measured in one run, its candidates interleaved (benchmarks/timing.py), and reported
as the median over repetitions. Nothing here asserts a time: the table says met or missed, a person reads.
Without torch the benchmark still runs and says so. The table is printed and also written to
``artifacts/bench.md``.

    python -m benchmarks                      # everything (the book part runs `make test`: minutes)
    python -m benchmarks --skip book          # the library parts only (about a minute)
    python -m benchmarks --only steps --sizes 2 1000
    python -m benchmarks --only live --widgets 01 --moves 10   # the chapters in the browser, one chapter
    python -m benchmarks --only e2e           # the live latency alone (a few minutes; `make bench
                                              #  BENCH_ARGS="--only e2e"`)
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("steps", "small", "interaction", "e2e", "live", "book")

TARGET_VS_PLAIN = 1.2      # optlib ÷ the same equations in plain numpy (Adam); torch.optim: a reference
TARGET_REDRAW = 0.100      # seconds, slider → redraw, median
TARGET_MAKE_TEST = 180.0   # seconds
TARGET_BUILD = 30.0        # seconds
TARGET_PAGE = 2e6          # bytes


# --------------------------------------------------------------------------- the machine and versions

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas_threads() -> str:
    """numpy's BLAS thread count, read from the library itself (threadpoolctl when installed)."""
    try:
        from threadpoolctl import threadpool_info
        infos = [f"{i.get('internal_api')} {i.get('num_threads')}" for i in threadpool_info()
                 if i.get("user_api") == "blas"]
        if infos:
            return ", ".join(infos) + " (threadpoolctl)"
    except ImportError:
        pass
    import ctypes
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return "unknown"
    libs = sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and ".so" in line})
    for lib in libs:
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for symbol in ("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                       "openblas_get_num_threads"):
            fn = getattr(handle, symbol, None)
            if fn is not None:
                return f"OpenBLAS {fn()} (read from {Path(lib).name})"
    return "unknown (no OpenBLAS loaded)"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "optlib"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        return out.stdout.strip() + (" + uncommitted optlib changes" if dirty else "")
    except OSError:
        return "?"


def header(torch) -> list:
    import numpy as np

    import optlib

    lines = [
        f"date: {_dt.datetime.now(_dt.timezone.utc):%Y-%m-%d %H:%M} UTC; load average at start "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"machine: {_cpu_model()}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), "
        f"{platform.system()} {platform.release()}",
        f"versions: python {platform.python_version()}, numpy {np.__version__}, "
        + (f"torch {torch.__version__}" if torch is not None else "torch ABSENT (torch columns empty; "
           "pip install torch==2.13.0 to compare)")
        + f", optlib {optlib.__version__} (git {_git_commit()})",
        f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, numpy BLAS {_blas_threads()}, "
        + (f"torch.get_num_threads()={torch.get_num_threads()}" if torch is not None else "torch absent")
        + (f"; OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} (left as found)"
           if "OPENBLAS_CORETYPE" in os.environ else ""),
    ]
    return lines


# --------------------------------------------------------------------------- formatting

def _t(seconds: float) -> str:
    """A duration with a unit that keeps 3 significant digits."""
    if seconds != seconds:
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.1f} s"


def _n(n: int) -> str:
    return {2: "2", 1_000: "1e3", 100_000: "1e5", 1_000_000: "1e6"}.get(n, str(n))


def _verdict(ok) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


# --------------------------------------------------------------------------- the parts

def part_steps(torch, args) -> list:
    from . import steps

    rows = []
    for r in steps.measure(torch, sizes=args.sizes, reps=args.reps):
        sec, ratio = r["seconds"], r["ratio"]
        ref = " · ".join(f"{k.replace('torch ', '')} {_t(v)}" for k, v in sec.items() if k != "optlib")
        ref = ref if any(k.startswith("torch") for k in sec) else (ref + " · " if ref else "") + "torch absent"
        rat = " · ".join(f"{v:.2f}" for v in ratio.values()) or "n/a"
        # The decision (benchmarks/README.md): optlib keeps one line of numpy per equation; its bar is the
        # same equations in plain numpy; torch.optim is in the table as a reference, not a target.
        agree = "" if r["agree"] is None else (", same iterates" if r["agree"] else ", ITERATES DIFFER")
        if "plain numpy" in ratio:
            target = f"≤ {TARGET_VS_PLAIN:g} × plain numpy (torch: reference)"
            verdict = _verdict(ratio["plain numpy"] <= TARGET_VS_PLAIN)
        else:
            target, verdict = "torch: reference", ""
        rows.append(("1 step", f"{r['optimizer']}, n = {_n(r['n'])}{agree}", f"{_t(sec['optlib'])}/step",
                     ref, rat, target, verdict))
    return rows


def part_small(args) -> list:
    from . import small

    rows = []
    for r in small.measure(reps=max(args.reps, 7)):
        is_opt = r["what"] in small.OPTIMIZERS
        what = f"run({r['what']}), {r['problem']}" if is_opt else f"{r['what']}, {r['problem']}"
        unit = "calls/s" if r["what"].startswith("gradient") else "steps/s"
        # kept in the table, not a target (benchmarks/README.md): far above what any chapter needs
        rows.append(("2 small", what, f"{r['steps_per_s']:,.0f} {unit}", "plain numpy Adam loop (per step)",
                     f"{r['vs_plain_adam']:.2f}", "reference (not a target)", ""))
    return rows


def part_interaction(args) -> list:
    from . import interaction

    rows = []
    for r in interaction.measure(changes=args.changes):
        if "missing" in r:
            state = "ERROR" if r["missing"].startswith("raised") else "MISSING"
            rows.append(("3 interaction", r["widget"], state, r["missing"], "", f"≤ {TARGET_REDRAW * 1e3:.0f} ms",
                         "n/a"))
            continue
        png = f"of which PNG render {_t(r['png_s'])}, the rest (runs, lines) {_t(max(r['median_s'] - r['png_s'], 0))}"
        if r["failed"]:
            png += (f"; PNG FAILED in {len(r['failed'])} of {r['changes']} changes (no figure shown): "
                    f"{r['failed'][0][:90]}")
        rows.append(("3 interaction", f"slider → redraw: {r['widget']}",
                     f"median {_t(r['median_s'])} of {r['changes']}", png, "",
                     f"≤ {TARGET_REDRAW * 1e3:.0f} ms", _verdict(r["median_s"] <= TARGET_REDRAW)))
    return rows


def part_e2e(args) -> list:
    from . import e2e

    rows = []
    for r in e2e.measure(moves=args.moves, only=args.widgets):
        if "error" in r:
            rows.append(("5 e2e", r["widget"], "ERROR", r["error"], "", "", "n/a"))
            continue
        switch = r["what"] == "switch"
        target = (f"median ≤ {e2e.TARGET_SWITCH * 1e3:.0f} ms" if switch else
                  f"median ≤ {e2e.TARGET_MEDIAN * 1e3:.0f} ms, p95 ≤ {e2e.TARGET_P95 * 1e3:.0f} ms")
        measured = (f"median {_t(r['median_s'])}, p95 {_t(r['p95_s'])} of {r['n']}"
                    + (f", {r['lost']} moves showed no new figure within 15 s" if r["lost"] else ""))
        rest = r["median_s"] - r["kernel_median_s"]
        if switch:
            parts = f"kernel (new explorer: runs, first draw, layout) median {_t(r['kernel_median_s'])}"
        else:
            known = r.get("runs_median_s", float("nan")) == r.get("runs_median_s")          # not NaN
            split = (f"runs {_t(r['runs_median_s'])}, draw {_t(r['png_median_s'] - r['encode_median_s'])}, "
                     f"PNG encoding {_t(r['encode_median_s'])}" if known
                     else f"of which PNG render {_t(r['png_median_s'])}")
            parts = (f"kernel median {_t(r['kernel_median_s'])} ({split}); the rest (websocket, the kernel's "
                     f"message handling, browser: new picture, decode) {_t(max(rest, 0))}")
        verdict = _verdict(r["met"])
        if not r["met"] and r["n"] and not switch:
            shares = {"the runs (optimizers re-run by the move)": r["kernel_median_s"] - r["png_median_s"],
                      "the PNG render": r["png_median_s"], "transport and browser": rest}
            largest = max(shares, key=shares.get)
            verdict += f": the largest part is {largest}, {_t(shares[largest])}"
        elif not r["met"] and r["n"]:
            verdict += ": the new problem's first runs and first full draw, in the kernel"
        rows.append(("5 e2e", f"key press → new figure: {r['widget']}", measured, parts, "", target, verdict))
    return rows


def part_live(args) -> list:
    from . import live

    rows = []
    site = live.HTML / "lite"
    if site.is_dir():
        size = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
        rows.append(("6 live", "size the live part adds to the site (_build/html/lite)", f"{size / 1e6:.1f} MB",
                     f"{sum(1 for f in site.rglob('*') if f.is_file())} files", "", f"≤ {live.BUDGET_MB:g} MB",
                     _verdict(size / 1e6 <= live.BUDGET_MB)))
    for r in live.measure(moves=args.moves, only=args.widgets):
        name = f"{r.get('notebook', '')} ({r.get('cache', '')})".strip()
        if "error" in r:
            rows.append(("6 live", name, "ERROR", r["error"], "", "", "n/a"))
            continue
        cold = r["cache"] == "cold"
        rows.append(("6 live", f"{name}: page → kernel ready", _t(r["kernel_ready_s"]),
                     f"notebook shown {_t(r['notebook_shown_s'])}", "",
                     f"≤ {live.TARGET_KERNEL_COLD:g} s cold" if cold else "",
                     _verdict(r["kernel_ready_s"] <= live.TARGET_KERNEL_COLD) if cold else ""))
        rows.append(("6 live", f"{name}: the chapter's imports (first cell)", _t(r["imports_s"]),
                     "ERROR " + r["imports_error"][:120] if r["imports_error"] else "", "", "", ""))
        rows.append(("6 live", f"{name}: Run All to the first widget", _t(r["run_all_to_widget_s"]),
                     f"{len(r['errors'])} cells failed" + (f": {r['errors'][0][1][:150]}" if r["errors"] else ""),
                     "", "no error", _verdict(not r["errors"])))
        s_ = r["slider"]
        rows.append(("6 live", f"{name}: slider (End/Home) → new figure",
                     f"median {_t(s_['median_s'])}, p95 {_t(s_['p95_s'])} of {s_['n']}"
                     + (f", {s_['lost']} moves showed no new figure" if s_["lost"] else ""), "", "",
                     f"median ≤ {live.TARGET_MEDIAN * 1e3:.0f} ms, p95 ≤ {live.TARGET_P95 * 1e3:.0f} ms",
                     _verdict(bool(s_["n"]) and not s_["lost"] and s_["median_s"] <= live.TARGET_MEDIAN
                              and s_["p95_s"] <= live.TARGET_P95)))
        shown = r["check_text"].splitlines()[0][:60] if r["check_text"] else "no check cell"
        rows.append(("6 live", f"{name}: write-it-yourself check (first attempt)", _t(r["check_s"]), shown,
                     "", "✗ diagnosis", _verdict(r["check_text"].startswith("✗")) if r["check_text"] else "n/a"))
        rows.append(("6 live", f"{name}: requests off 127.0.0.1", str(len(r["foreign"])),
                     f"of {r['requests']} requests", "", "0", _verdict(not r["foreign"])))
    return rows


def part_book(args) -> list:
    from . import book

    res = book.measure(run_tests=not args.no_make_test, build=True)
    rows = []
    if "make_test" in res:
        mt = res["make_test"]
        state = "passed" if mt["status"] == 0 else f"FAILED (exit {mt['status']}, see {mt['log']})"
        if mt.get("parts"):
            state += "; pytest runs in order: " + " · ".join(f"{_t(sec)} ({what})" for what, sec in mt["parts"])
        rows.append(("4 book", "make test (after set-up)", _t(mt["seconds"]), state, "",
                     f"≤ {TARGET_MAKE_TEST:.0f} s", _verdict(mt["seconds"] <= TARGET_MAKE_TEST)))
    b = res["build"]
    state = "no warnings" if b["status"] == 0 else f"exit {b['status']} (warnings or errors, see {b['log']})"
    rows.append(("4 book", "site build from stored outputs (fresh folder, make book's flags)",
                 _t(b["seconds"]), state, "", f"≤ {TARGET_BUILD:.0f} s", _verdict(b["seconds"] <= TARGET_BUILD)))
    w = res.get("weights")
    if w:
        for p in w["pages"]:
            if "cold" in p:  # a cold first load in Chromium, theme and MathJax included (benchmarks/book.py)
                rows.append(("4 book", f"cold first load: {p['page']}", f"{p['cold'] / 1e6:.2f} MB",
                             f"{p['cold_files']} files, theme and MathJax included, text gzip-compressed "
                             f"({p['cold_raw'] / 1e6:.2f} MB uncompressed)", "",
                             f"≤ {TARGET_PAGE / 1e6:g} MB", _verdict(p["cold"] <= TARGET_PAGE)))
                continue
            rows.append(("4 book", f"page weight: {p['page']}", f"{p['total'] / 1e6:.2f} MB",
                         f"HTML {p['html'] / 1e6:.2f} MB + own files {p['own'] / 1e6:.2f} MB", "",
                         f"≤ {TARGET_PAGE / 1e6:g} MB", _verdict(p["total"] <= TARGET_PAGE)))
        rows.append(("4 book", "shared by several pages (theme, fonts, MathJax), counted once",
                     f"{w['shared'] / 1e6:.2f} MB", f"{w['shared_files']} files"
                     + ("" if w["mathjax_local"] else "; MathJax not local"), "", "", ""))
    return rows


# --------------------------------------------------------------------------- main

def table(rows) -> list:
    head = ("part", "what", "measured", "side by side with", "optlib ÷ it", "target", "")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=PARTS, help="run only these parts")
    parser.add_argument("--skip", nargs="+", choices=PARTS, default=[], help="skip these parts")
    parser.add_argument("--no-make-test", action="store_true", help="book part: build and weigh only")
    parser.add_argument("--sizes", nargs="+", type=int, default=[2, 1_000, 100_000, 1_000_000])
    parser.add_argument("--reps", type=int, default=9, help="interleaved repetitions per comparison")
    parser.add_argument("--changes", type=int, default=12, help="slider changes per widget")
    parser.add_argument("--moves", type=int, default=20, help="e2e: key presses per widget (per problem)")
    parser.add_argument("--widgets", nargs="+", help="e2e: only these (e.g. momentum playground)")
    parser.add_argument("--out", default=None,
                        help="where the table goes (artifacts/bench.md; artifacts/bench-e2e.md for --only e2e)")
    args = parser.parse_args(argv)
    parts = [p for p in (args.only or PARTS) if p not in args.skip]
    if args.out is None:   # the e2e part alone does not replace the full table
        args.out = str(ROOT / "artifacts" / ({("e2e",): "bench-e2e.md", ("live",): "bench-live.md"}
                                             .get(tuple(parts), "bench.md")))

    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None

    lines = header(torch)
    printed = len(lines)
    print("\n".join(lines), flush=True)
    rows = []
    for part in parts:
        print(f"... {part}", file=sys.stderr, flush=True)
        if part == "steps":
            rows += part_steps(torch, args)
        elif part == "small":
            rows += part_small(args)
        elif part == "interaction":
            rows += part_interaction(args)
        elif part == "e2e":
            rows += part_e2e(args)
        elif part == "live":
            rows += part_live(args)
        elif part == "book":
            rows += part_book(args)
    lines.append(f"load average at end {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
                 f"command: python -m benchmarks {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
    lines.append("")
    lines += table(rows)
    print("\n".join(lines[printed:]), flush=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print(f"\n(written to {out.relative_to(ROOT) if ROOT in out.parents else out})")
    return 0
