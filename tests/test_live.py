"""The chapters live in the website itself (JupyterLite + Pyodide), tested in headless Chromium, offline.

The built site (the ``site`` fixture of conftest.py: ``make book``'s build when its stamp is current) is
served on 127.0.0.1 (book/_live/serve.py); every request is logged and any request to another host
fails the test (none can leave: the browser resolves no other name, and its proxy is a closed port).

* ``test_lock_is_npms_official``: every Pyodide wheel the site serves has the sha256 that npm
  ``pyodide@0.27.7``'s own ``pyodide-lock.json`` gives it (that tarball re-checked against npm's pinned
  integrity), the core files are the npm package's bytes, and the added wheels (ipywidgets, comm, sympy,
  mpmath: PyPI's, pinned in book/_live/build.py, sympy's and mpmath's served without their tests; optlib:
  built from this repository; piplite, ipykernel, pyodide_kernel: the kernel extension's own files;
  matplotlib's font list: made from the served matplotlib wheel) are those files; nothing else is served.
* ``test_live_part_within_budget``: the lite folder within live.BUDGET_MB, no source maps, no ssl.
* ``test_chapter_one_live``: chapter 1's "Run this chapter live" link opens its notebook with the stored
  outputs; the kernel starts; the set-up cell (without matplotlib building its font cache), the cells the
  slider needs and the slider's cell run without an error; End on the slider's handle (the keyboard) gives a
  new figure; the chapter's write-it-yourself check run on its first (wrong) attempt shows its ✗ diagnosis; a
  saved edit stays, and "Reset my changes" brings the chapter back as the book stores it; opened from
  file://, the page says how to run it live.
* ``test_all_chapters_run_live`` (``make test-live-all``, .ci/run; LIVE_ALL=1, with the tests above in the
  same session): every notebook of the book, Run All in the browser, no error in any cell (minutes).

Without the live part (book/_live/build.py could not build it, see _build/live/UNAVAILABLE) or without
Chromium these skip, and fail when CI is set.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import tarfile
from pathlib import Path

import pytest

from benchmarks import live

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(live.CHROMIUM)

_spec = importlib.util.spec_from_file_location("live_build", ROOT / "book" / "_live" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

# chapter 1, cells picked by what they contain: set-up, the problem the slider runs on, its α*, the slider,
# the first (wrong) attempt at the exercise and its check
CHAPTER = "01-gradient-descent.ipynb"
NEEDED = ("import optlib", "problem = optlib.quadratic(", "alpha_best = 2 / (lam_min", "Explorer(",
          "A first attempt", 'exercises.check("gd", gd_step)')


def _skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def html(site) -> Path:
    folder = site[0]
    if not live.live_available(folder):
        why = ROOT / "_build" / "live" / "UNAVAILABLE"
        _skip_or_fail("the site has no live part: "
                      + (why.read_text().strip()[:300] if why.is_file() else "make book has not built it"))
    return folder


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        _skip_or_fail(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_lock_is_npms_official(html, tmp_path):
    tgz = ROOT / ".venv" / "live-cache" / f"pyodide-{build.PYODIDE_VERSION}.tgz"
    if not tgz.is_file():
        _skip_or_fail(f"{tgz} (npm pack pyodide@{build.PYODIDE_VERSION}) is not in the cache")
    raw = tgz.read_bytes()
    assert "sha512-" + base64.b64encode(hashlib.sha512(raw).digest()).decode() == build.PYODIDE_NPM_INTEGRITY, \
        f"{tgz.name} is not the tarball npm publishes"
    with tarfile.open(tgz) as tar:
        official = json.load(tar.extractfile("package/pyodide-lock.json"))
        core = {f: tar.extractfile(f"package/{f}").read() for f in build.CORE_FILES}
    folder = html / "lite" / "static" / "pyodide"
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    assert lock["info"] == official["info"]
    for name, data in core.items():
        assert (folder / name).read_bytes() == data, f"{name} differs from npm's pyodide@{build.PYODIDE_VERSION}"
    pinned = {build.canon(n): digest for n, _, digest, _, _ in build.EXTRA_WHEELS}
    served = {p.name for p in folder.iterdir() if p.is_file() and p.name not in build.CORE_FILES
              and p.name != "pyodide-lock.json"}
    listed = set()
    kernel = {build.canon(n) for n, _, _ in build.KERNEL_WHEELS}
    checked_official = 0
    for name, entry in lock["packages"].items():
        path = folder / entry["file_name"]
        assert path.is_file(), f"{entry['file_name']} is in the lock but not served"
        digest = _sha256(path.read_bytes())
        assert digest == entry["sha256"], f"{entry['file_name']}: the lock's sha256 is not the file's"
        listed.add(entry["file_name"])
        if name in pinned:
            # PyPI's wheel, checked against its pinned hash (as book/_live/build.py did), the same bytes
            # once its tests/ folders are removed
            pypi = ROOT / ".venv" / "live-cache" / "pypi" / entry["file_name"]
            assert _sha256(pypi.read_bytes()) == pinned[name], f"{pypi.name} is not the pinned PyPI wheel"
            if name in build.STRIP_TESTS:
                pypi = build.strip_tests(pypi, tmp_path)
            assert digest == _sha256(pypi.read_bytes()), f"{entry['file_name']} is not the pinned PyPI wheel"
        elif name == "optlib":
            assert entry["imports"] == ["optlib"] and set(build.OPTLIB_DEPENDS) <= set(entry["depends"])
        elif name == build.canon(build.FONTLIST[0]):
            # matplotlib's font list, made from the fonts of the verified matplotlib wheel served beside it
            mpl = folder / official["packages"]["matplotlib"]["file_name"]
            made = build.matplotlib_fontlist_wheel(mpl, tmp_path / "fontlist")
            assert digest == _sha256(made.read_bytes()), f"{entry['file_name']} is not made from {mpl.name}"
            assert name in lock["packages"]["optlib"]["depends"]
        elif name in kernel:
            # the kernel's own wheel: the very file the pinned kernel extension serves to its piplite
            theirs = html / "lite" / "extensions" / "@jupyterlite" / "pyodide-kernel-extension" / "static" / "pypi"
            assert digest == _sha256((theirs / entry["file_name"]).read_bytes()), \
                f"{entry['file_name']} is not the kernel extension's own wheel"
        else:
            ref = official["packages"][name]
            assert (entry["file_name"], entry["sha256"]) == (ref["file_name"], ref["sha256"]), \
                f"{name}: not the wheel of npm's official pyodide-lock.json"
            checked_official += 1
    assert served <= listed, f"served but in no lock entry (unverified): {sorted(served - listed)}"
    # the closure of what the kernel and the chapters need, every one from the official lock
    assert checked_official == len(build.closure(official, build.PYODIDE_PACKAGES))
    assert {"numpy", "matplotlib", "ipython", "optlib", "ipywidgets", "comm", "sympy"} | kernel \
        <= set(lock["packages"])
    # what the kernel has Pyodide load as it starts is all in the lock (a missing one stops the start)
    cfg = json.loads((html / "lite" / "jupyter-lite.json").read_text())["jupyter-config-data"]
    preload = cfg["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]["loadPyodideOptions"]
    assert {build.canon(n) for n in preload["packages"]} <= set(lock["packages"])


def test_live_part_within_budget(html):
    """What the live part adds to the site (its lite/ folder, as served) stays within live.BUDGET_MB, and it
    serves no source maps and not ssl, which the kernel no longer installs at its start, nor its openssl."""
    files = [p for p in (html / "lite").rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    assert size <= live.BUDGET_MB * 1e6, \
        f"the live part is {size / 1e6:.1f} MB ({len(files)} files), over its budget of {live.BUDGET_MB:g} MB"
    assert not [p for p in files if p.suffix == ".map"], "source maps are served"
    skipped = [p.name for p in (html / "lite" / "static" / "pyodide").iterdir()
               if p.name.split("-")[0] in ("ssl", "openssl")]
    assert not skipped, f"served though the kernel no longer installs them: {skipped}"


def _pick(page) -> list:
    cells = live.cells(page)
    found = []
    for needle in NEEDED:
        found.append(next(i for i, (kind, src) in enumerate(cells) if kind == "code" and needle in src))
    return found


def test_chapter_one_live(html, chromium):
    with live.Server(html) as base, live.browser_context(chromium) as (ctx, log):
        page = ctx.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # the chapter page's link, as a student follows it
        page.goto(f"{base}/book/{CHAPTER.replace('.ipynb', '.html')}")
        link = page.locator("a.live-run")
        assert link.is_visible() and link.inner_text().strip() == "Run this chapter live"
        href = link.get_attribute("href")
        assert href.endswith(f"lite/notebooks/index.html?path={CHAPTER}")
        page.goto(page.url.rsplit("/", 1)[0] + "/" + href)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                               " && window.jupyterapp.shell.currentWidget.content", timeout=120_000)
        page.wait_for_function("""() => { const s = window.jupyterapp.shell.currentWidget.sessionContext.session;
            return s && s.kernel && s.kernel.status === 'idle' && s.kernel.connectionStatus === 'connected'; }""",
                               timeout=900_000, polling=200)
        # the stored outputs are there before anything runs (as many as the book stores for the chapter)
        book = json.loads((ROOT / "book" / CHAPTER).read_text(encoding="utf-8"))
        expected = sum(1 for c in book["cells"] if c["cell_type"] == "code" and c.get("outputs"))
        page.wait_for_function("""(n) => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(w => w.model.type === 'code' && w.model.outputs.length > 0).length === n""",
                               arg=expected, timeout=60_000)
        setup, prob, rate, widget, attempt, check = _pick(page)
        for i in (setup, prob, rate, widget):
            r = live.run_cell(page, i)
            assert r["error"] is None, f"cell {i} failed in the browser:\n{r['error']}"
            if i == setup:
                # matplotlib found the font list the site ships: it did not build one (and say so)
                said = " ".join(o["text"] for o in r["outputs"])
                assert "building the font cache" not in said, said
        live.wait_widget(page, widget)
        page.wait_for_timeout(500)
        before = live.figure_src(page, widget)
        seconds = live.move(page, widget, 0, "End", timeout=60)
        assert seconds is not None, "End on the slider's handle gave no new figure within 60 s"
        after = live.figure_src(page, widget)
        assert after and after != before, "the figure did not change when the slider moved"
        r = live.run_cell(page, attempt)
        assert r["error"] is None, r["error"]
        r = live.run_cell(page, check)
        text = "".join(o["text"] for o in r["outputs"])
        assert text.startswith("✗") and "Recognised mistake: a sign error" in text, text

        # a student's edit is saved in the browser, and Reset brings the stored chapter back
        page.evaluate("""async () => { const nb = window.jupyterapp.shell.currentWidget;
            nb.content.widgets[0].model.sharedModel.setSource('MY NOTE');
            await window.jupyterapp.commands.execute('docmanager:save'); }""")
        page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)
        page.goto(f"{base}/book/{CHAPTER.replace('.ipynb', '.html')}")
        page.on("dialog", lambda d: d.accept())
        saved = page.evaluate("""() => new Promise((res) => { const r = indexedDB.open('%s');
            r.onsuccess = () => { const tx = r.result.transaction(['files'], 'readonly');
              const g = tx.objectStore('files').get('%s'); g.onsuccess = () => { res(g.result ? JSON.stringify(g.result).includes('MY NOTE') : false); r.result.close(); }; }; })"""
                              % (storage_name(html), CHAPTER))
        assert saved, "the edit was not saved in the browser's storage"
        with ctx.expect_page() as reopened:
            page.locator("button.live-reset").click()
        fresh = reopened.value
        # the notebook view exists before its file is read (one empty cell): wait for the document
        fresh.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                                " && window.jupyterapp.shell.currentWidget.context"
                                " && window.jupyterapp.shell.currentWidget.context.isReady"
                                " && window.jupyterapp.shell.currentWidget.content.widgets.length > 0",
                                timeout=120_000)
        first = fresh.evaluate("() => window.jupyterapp.shell.currentWidget.content.widgets[0].model"
                               ".sharedModel.getSource()")
        assert "MY NOTE" not in first and first.startswith("# "), first[:200]
        fresh.close()
    assert not log["foreign"], f"requests off 127.0.0.1: {log['foreign'][:10]}"
    assert not errors, errors[:5]

    # from file:// the kernel cannot start: the page says in one line how to run it live
    with live.browser_context(chromium) as (ctx, log):
        page = ctx.new_page()
        page.goto((html / "book" / CHAPTER.replace(".ipynb", ".html")).as_uri())
        assert not page.locator("a.live-run").is_visible()
        note = page.locator(".live-file")
        assert note.is_visible() and "make serve" in note.inner_text()


def storage_name(html: Path) -> str:
    """The IndexedDB database JupyterLite keeps a student's edits in (book/_live/build.py sets it)."""
    return json.loads((html / "lite" / "jupyter-lite.json").read_text())[
        "jupyter-config-data"]["contentsStorageName"]


@pytest.mark.skipif(not os.environ.get("LIVE_ALL"), reason="make test-live-all (LIVE_ALL=1): every chapter, minutes")
def test_all_chapters_run_live(html, chromium):
    failures = []
    with live.Server(html) as base, live.browser_context(chromium) as (ctx, log):
        for notebook in [p.name for p in build.notebooks()]:
            page = ctx.new_page()
            live.open_live(page, base, notebook, timeout=300)
            for r in live.run_all(page, timeout=600):
                if r["error"]:
                    failures.append(f"{notebook} cell {r['cell']}: {r['error'][-1500:]}")
            print(f"{notebook}: ran in the browser", flush=True)
            page.close()
    assert not log["foreign"], f"requests off 127.0.0.1: {log['foreign'][:10]}"
    assert not failures, "\n\n".join(failures)
