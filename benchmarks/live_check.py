"""Live checks of ``make lab`` in headless Chromium: a student's run leaves the book untouched, and MyST renders.

    python -m benchmarks.live_check clean [--chapter 03-momentum.ipynb] [--wait 180]
        JupyterLab on make lab's working copy (_build/lab); open the chapter, run all cells, leave it open
        ``--wait`` seconds (Lab autosaves every 120 s), then compare book/ and `git status` with before.
    python -m benchmarks.live_check direct [--chapter ...]
        Lab on a temporary folder holding two copies of the chapter: its kernelspec display name as stored
        and as `make refresh` writes it ("Python 3 (ipykernel)"); opened, not run: which is marked changed?
    python -m benchmarks.live_check exercise [--chapter 05-adagrad.ipynb] [--out lab-exercise.png]
        A screenshot of the chapter's exercises as jupyterlab-myst renders them (solutions folded), and
        one with the first solution unfolded.
    python -m benchmarks.live_check widgets
        Chapter 8's playground live: labels and the problem menu shown whole, β2 above 0.999, and what a
        screen reader is given after a key press on a log slider (the handle's aria-valuetext, the spoken line).

    python -m benchmarks.live_check student [--chapter 05-adagrad.ipynb]
        Each "write it yourself" exercise of chapters 1–7 (or one chapter) as a student does it, in Lab on a
        fresh copy of the book: run the imports, run the stored first attempt and its check (a ✗ and a
        diagnosis), type the correct function over the attempt with the keyboard, run both again (a ✓).

Each prints what it saw and exits non-zero when the check fails. Nothing here is part of `make test`:
it starts a server and a browser and waits minutes.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .lab import (LAB_DIR, ROOT, Lab, is_dirty, launch_chromium, run_all, wait_for_notebook, wait_idle,
                  working_copy)


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True).stdout


def _digest(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _open(lab, page, chapter):
    page.goto(lab.notebook_url(chapter))
    wait_for_notebook(page)
    time.sleep(3)        # the kernel's info reply arrives, Lab updates the metadata it keeps


def clean(args) -> int:
    book_before, status_before = _digest(ROOT / "book"), _git_status()
    copy = working_copy()
    nb = copy / args.chapter
    mtime0 = nb.stat().st_mtime
    print(f"git status --porcelain before ({len(status_before.splitlines())} lines):")
    print(status_before or "  (clean)")
    from playwright.sync_api import sync_playwright

    with Lab(copy, log=Path(tempfile.gettempdir()) / "live_check_lab.log") as lab, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open(lab, page, args.chapter)
        print(f"{time.strftime('%H:%M:%S')} opened {LAB_DIR.relative_to(ROOT)}/{args.chapter}: "
              f"marked changed = {is_dirty(page)}")
        start = time.time()
        run_all(page)
        errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count()
        print(f"{time.strftime('%H:%M:%S')} ran all cells in {time.time() - start:.0f} s "
              f"(stderr outputs: {errors}); marked changed = {is_dirty(page)}")
        print(f"waiting {args.wait} s with the notebook open (Lab autosaves every 120 s) ...", flush=True)
        time.sleep(args.wait)
        print(f"{time.strftime('%H:%M:%S')} marked changed = {is_dirty(page)}; "
              f"the working copy was saved by Lab: {nb.stat().st_mtime > mtime0}")
        browser.close()
    book_after, status_after = _digest(ROOT / "book"), _git_status()
    changed = sorted(k for k in set(book_before) | set(book_after) if book_before.get(k) != book_after.get(k))
    print(f"files of book/ changed: {changed or 'none'}")
    print(f"git status --porcelain after ({len(status_after.splitlines())} lines):")
    print(status_after or "  (clean)")
    new_lines = sorted(set(status_after.splitlines()) - set(status_before.splitlines()))
    print(f"lines new in git status: {new_lines or 'none'}")
    # Other people may edit the tree meanwhile; what this run could have changed is the chapter it opened
    # (Lab serves only the working copy: the server refuses any path outside its root).
    mine = [k for k in changed if k == args.chapter] + [line for line in new_lines
                                                         if args.chapter in line or "_build" in line]
    print(f"changed by this run: {mine or 'nothing'}" + (f" (other files changed meanwhile by someone else: "
                                                         f"{[k for k in changed if k != args.chapter]})"
                                                         if set(changed) - {args.chapter} else ""))
    return 1 if mine else 0


def direct(args) -> int:
    import nbformat
    from jupyter_client.kernelspec import get_kernel_spec

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="live-direct-"))
    before = nbformat.read(ROOT / "book" / args.chapter, 4)        # as stored before `make refresh` wrote it
    before.metadata["kernelspec"] = dict(name="python3", language="python", display_name="Python 3")
    nbformat.write(before, tmp / "as-stored.ipynb")
    names = {"as-stored.ipynb": "Python 3"}
    refreshed = nbformat.read(ROOT / "book" / args.chapter, 4)
    refreshed.metadata["kernelspec"] = dict(name="python3", language="python",
                                            display_name=get_kernel_spec("python3").display_name)
    nbformat.write(refreshed, tmp / "as-refreshed.ipynb")
    names["as-refreshed.ipynb"] = refreshed.metadata.kernelspec.display_name
    failed = 0
    with Lab(tmp) as lab, sync_playwright() as p:
        browser = launch_chromium(p)
        for name, display in names.items():
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _open(lab, page, name)
            dirty = is_dirty(page)
            print(f"{args.chapter} with kernelspec display_name {display!r} ({name}): opened, not run: "
                  f"marked changed = {dirty}")
            failed |= dirty and name == "as-refreshed.ipynb"
            page.close()
        browser.close()
    shutil.rmtree(tmp)
    return int(failed)


def exercise(args) -> int:
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    with Lab(working_copy()) as lab, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open(lab, page, args.chapter)
        cell = page.locator(".jp-MarkdownCell", has=page.locator("h2", has_text="Exercises")).first
        cell.scroll_into_view_if_needed()
        time.sleep(2)
        found = cell.evaluate("""c => {
            const t = c.innerText;
            return {rendered: !!c.querySelector('.jp-InputArea-editor.lm-mod-hidden'),
                    raw: /:label:|:class:|```\\{/.test(t), dollars: /\\$[^$]+\\$/.test(t),
                    exercises: (t.match(/Exercise \\d \\(/g) || []).length,
                    solutions: (t.match(/Solution to Exercise/g) || []).length,
                    math: c.querySelectorAll('mjx-container, .katex, math').length,
                    open: c.querySelectorAll('details[open]').length};
        }""")
        cell.screenshot(path=str(out))
        print(f"{args.chapter}, exercises cell: {found}; screenshot {out}")
        first = cell.locator("text=Solution to").first
        first.click()
        time.sleep(1)
        unfolded = out.with_name(out.stem + "-unfolded" + out.suffix)
        cell.screenshot(path=str(unfolded))
        print(f"first solution clicked open: screenshot {unfolded}")
        browser.close()
    ok = found["rendered"] and not found["raw"] and not found["dollars"] and found["exercises"] > 0
    return 0 if ok else 1


def widgets(args) -> int:
    """The playground live: labels and the problem menu shown whole, the values spoken, β2 above 0.999."""
    from playwright.sync_api import sync_playwright

    from .e2e import _open_and_run, _widget_cell

    BENCH_DIR = ROOT / "_build" / "bench" / "live"     # a fresh copy of its own (not the student's)
    if BENCH_DIR.exists():
        shutil.rmtree(BENCH_DIR)
    working_copy(BENCH_DIR)
    index = _widget_cell(BENCH_DIR / "08-side-by-side.ipynb", "playground(")
    out = Path(args.out).with_name("lab-playground.png")
    with Lab(BENCH_DIR) as lab, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open_and_run(page, lab, "08-side-by-side.ipynb", index)
        cell = page.evaluate_handle("(i) => window.jupyterapp.shell.currentWidget.content.widgets[i].node", index)
        seen = cell.evaluate("""c => {
            const labels = [...c.querySelectorAll('.widget-label')].filter(l => l.offsetParent);
            const clipped = labels.filter(l => l.scrollWidth > l.clientWidth + 1).map(l => l.textContent);
            const menu = c.querySelector('.widget-dropdown select');
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = getComputedStyle(menu).font;
            const longest = Math.max(...[...menu.options].map(o => ctx.measureText(o.text).width));
            const status = c.querySelector('[role=status][aria-live]');
            const beta2 = [...c.querySelectorAll('.widget-slider')].find(s => s.textContent.includes('β2'));
            const h = beta2.querySelector('.noUi-handle');
            return {labels: labels.map(l => l.textContent), clipped,
                    log_slider_aria_valuetext: [...c.querySelectorAll('.widget-slider')].map(s =>
                        s.querySelector('.widget-label').textContent + ': ' +
                        s.querySelector('.noUi-handle').getAttribute('aria-valuetext')).slice(0, 2),
                    menu_width: menu.clientWidth, longest_option: Math.round(longest),
                    spoken: status ? status.textContent : null,
                    beta2: {valuetext: h.getAttribute('aria-valuetext'), max: h.getAttribute('aria-valuemax')}};
        }""")
        # a key press on the first log slider (α of GD): what the handle and the spoken line say after it
        handle = page.evaluate_handle("""c => [...c.querySelectorAll('.widget-slider')]
            .find(s => /^(α|η)/.test(s.querySelector('.widget-label').textContent)).querySelector('.noUi-handle')""",
                                      cell)
        before = cell.evaluate("c => c.querySelector('[role=status][aria-live]').textContent")
        handle.as_element().focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("""([c, before]) => c.querySelector('[role=status][aria-live]').textContent !== before""",
                               arg=[cell, before], timeout=30_000)
        seen["after a key press"] = handle.evaluate("""h => {
            const s = h.closest('.widget-slider');
            const live = s.closest('.jp-OutputArea-output, .widget-vbox').querySelector('[role=status][aria-live]');
            return {label: s.querySelector('.widget-label').textContent,
                    handle_aria_valuetext: h.getAttribute('aria-valuetext'),
                    handle_aria_valuenow: h.getAttribute('aria-valuenow'),
                    readout: s.querySelector('.widget-readout').textContent,
                    live_region: live ? live.textContent : null};
        }""")
        cell.as_element().screenshot(path=str(out))
        browser.close()
    for k, v in seen.items():
        print(f"{k}: {v}")
    print(f"screenshot {out}")
    ok = not seen["clipped"] and seen["menu_width"] >= seen["longest_option"] and seen["spoken"]
    return 0 if ok else 1


def _exercise_cells(nb_path: Path):
    """(index of the first code cell, of the attempt, of its check; the solution's function source)."""
    import json

    cells = json.loads(nb_path.read_text(encoding="utf-8"))["cells"]
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    checks = [i for i in code if "exercises.check(" in "".join(cells[i]["source"])]
    attempt, check, solution = checks[0] - 1, checks[0], checks[1]
    fn = "".join(cells[solution]["source"]).split("optlib.exercises.check(")[0].rstrip() + "\n"
    return code[0], attempt, check, fn


def student(args) -> int:
    from playwright.sync_api import sync_playwright

    chapters = [args.chapter] if args.chapter_given else sorted(
        p.name for p in (ROOT / "book").glob("0[1-7]-*.ipynb"))
    copy = Path(tempfile.mkdtemp(prefix="lab-student-"))
    working_copy(copy)
    failures = 0
    with Lab(copy) as lab, sync_playwright() as p:
        browser = launch_chromium(p)
        for chapter in chapters:
            first, attempt, check, solution = _exercise_cells(copy / chapter)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            _open(lab, page, chapter)
            cells = page.locator(".jp-Notebook .jp-Cell")

            def run(i):
                cells.nth(i).scroll_into_view_if_needed()
                cells.nth(i).locator(".jp-InputArea-editor").click()
                page.keyboard.press("Shift+Enter")
                wait_idle(page)

            def verdict():
                return cells.nth(check).locator(".jp-OutputArea-output").last.inner_text().strip()

            for i in (first, attempt, check):
                run(i)
            before = verdict()
            editor = cells.nth(attempt).locator(".jp-InputArea-editor")
            editor.click()
            page.keyboard.press("Control+A")
            page.keyboard.press("Delete")
            page.keyboard.insert_text(solution)
            run(attempt)
            run(check)
            after = verdict()
            ok = before.startswith("✗") and after.startswith("✓")
            failures += not ok
            print(f"--- {chapter}: first attempt → {before.splitlines()[0] if before else '(no output)'}")
            print("    " + "\n    ".join(before.splitlines()[1:6]))
            print(f"    typed the solution over the attempt → {after.splitlines()[0] if after else '(no output)'}")
            page.close()
        browser.close()
    shutil.rmtree(copy, ignore_errors=True)
    print(f"{len(chapters) - failures} of {len(chapters)} exercises: ✗ on the first attempt, ✓ once fixed")
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.live_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("check", choices=("clean", "direct", "exercise", "widgets", "student"))
    parser.add_argument("--chapter", default=None)
    parser.add_argument("--wait", type=float, default=180.0, help="clean: seconds to leave the notebook open")
    parser.add_argument("--out", default=str(ROOT / "artifacts" / "lab-exercise.png"))
    args = parser.parse_args(argv)
    args.chapter_given = args.chapter is not None
    args.chapter = args.chapter or {"exercise": "05-adagrad.ipynb"}.get(args.check, "03-momentum.ipynb")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    return {"clean": clean, "direct": direct, "exercise": exercise, "widgets": widgets,
            "student": student}[args.check](args)


if __name__ == "__main__":
    sys.exit(main())
